#!/bin/sh
# eval_langid.sh - accuracy and speed of the "langid" stage, both engines.
#
# Data: ../shared/data/langid/udhr (the Universal Declaration of Human
# Rights in 532 varieties: a parallel, balanced test set).  For the 20 most
# common web languages, each declaration is cut into chunks of consecutive
# paragraphs of >= 200 characters (eval/langid_udhr.py), and every chunk and
# whole declaration goes through `winnow filter --filters langid` with
#  - cld2: the built-in engine (Debian libcld2), no model file;
#  - fasttext: lid.176.ftz from ../shared/data/langid/fasttext-lid176.
# Reported per engine: accuracy per language (goal >= 97% over the 20),
# what each language was mistaken for, and the stage's speed in MB/s of
# text per core (CPU time inside the stage; goal >= 50) on the chunks and
# on real news articles.
# Usage: eval/eval_langid.sh BUILD_DIR
set -u
build=${1:-build}
shared=${WN_SHARED:-../shared}
udhr=$shared/data/langid/udhr/udhr-532.jsonl.gz
model=$shared/data/langid/fasttext-lid176/lid.176.ftz
W=$build/winnow
if [ ! -f "$udhr" ]; then
  echo "skip eval_langid: $udhr not found"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 eval/langid_udhr.py prepare "$udhr" "$tmp/chunks.jsonl" || exit 1
# speed: on the UDHR chunks (20 languages, short documents) and on real
# news articles (BBC News, 2,225 distinct English articles, 5 MB)
bbc=$shared/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
for engine in cld2 fasttext; do
  set -- --set langid.engine=$engine
  if [ $engine = fasttext ]; then
    if [ ! -f "$model" ]; then
      echo "skip eval_langid fasttext: $model not found"
      continue
    fi
    set -- "$@" --langid-model "$model"
  fi
  echo "-- engine $engine"
  "$W" filter -q --filters langid "$@" "$tmp/chunks.jsonl" \
    -o "$tmp/out.jsonl" || exit 1
  python3 eval/langid_udhr.py score "$tmp/out.jsonl" "$engine"
  for f in "$tmp/chunks.jsonl" "$bbc"; do
    [ -f "$f" ] || continue
    "$W" filter --filters langid --timing "$@" "$f" -o /dev/null \
      2>"$tmp/t" || exit 1
    grep 'timing langid' "$tmp/t" |
      sed "s|.*timing langid *|$engine speed on $(basename "$f"): |"
  done
done
