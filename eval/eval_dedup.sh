#!/bin/sh
# eval_dedup.sh BUILD_DIR - precision and recall of `winnow dedup`.
#
# 1. Builds the evaluation corpus (eval/dedup_corpus.py, fixed seed): 3,000
#    real Reuters/BBC articles + ~1,500 injected copies (wrapped in another
#    site's boilerplate, truncated, 5-10 % words edited, paragraphs
#    reordered, title changed, wrap+edit), with the exact Jaccard of every
#    pair >= 0.8 as ground truth.
# 2. Runs winnow dedup under several settings and scores each
#    (eval/dedup_score.py; see its header for the definitions).
# 3. The same on the Clough-Stevenson plagiarism corpus
#    (eval/dedup_clough.py): detection per category at two operating points.
# Needs python3 (standard library only) and ../shared/data.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
W=$top/$build/winnow
shared=${WN_SHARED:-../shared}
case $shared in /*) ;; *) shared=$top/$shared ;; esac
if [ ! -f "$shared/data/text/reuters-21578/reuters-21578.jsonl.gz" ]; then
  echo "skip eval_dedup: $shared/data/text not found"; exit 0
fi
command -v python3 >/dev/null || { echo "skip eval_dedup: no python3"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 eval/dedup_corpus.py "$shared" "$tmp/c" || exit 1

echo
echo "Synthetic copies of real news (pairs with true Jaccard >= 0.8):"
echo "| settings                         | links | precision | recall | resolved | F1 | group-pair precision | recall per copy kind |"
echo "|---|---|---|---|---|---|---|---|"
run() { # label, flags...
  label=$1; shift
  rm -rf "$tmp/o" "$tmp/r.jsonl"
  "$W" dedup -q -o "$tmp/o" -r "$tmp/r.jsonl" "$@" "$tmp/c/corpus.jsonl" ||
    { echo "FAIL: winnow dedup $*"; return 1; }
  python3 eval/dedup_score.py "$tmp/c" "$tmp/r.jsonl" "$label"
}
rc=0
run "default (perm 16x6, verify exact)" || rc=1
run "--bands 20 --rows 5" --bands 20 --rows 5 || rc=1
run "--verify=none" --verify=none || rc=1
run "--verify=estimate" --verify=estimate || rc=1
run "oph 14x8 --verify=none" --minhash oph --bands 14 --rows 8 --verify=none || rc=1
run "oph 14x8 --verify=exact" --minhash oph --bands 14 --rows 8 || rc=1
run "perm 14x8 --verify=exact" --bands 14 --rows 8 || rc=1
run "--keep longest" --keep longest || rc=1
run "-j 2 --partitions 4 --memory 1M" -j 2 --partitions 4 --memory 1M || rc=1
run "--streaming" --streaming || rc=1

echo
echo "Clough-Stevenson plagiarism corpus (answers grouped with their source):"
python3 eval/dedup_clough.py build "$shared" "$tmp/clough.jsonl" || exit 1
echo "| settings | cut | light | heavy | non |"
echo "|---|---|---|---|---|"
clough() {
  label=$1; shift
  rm -rf "$tmp/o" "$tmp/r.jsonl"
  "$W" dedup -q -o "$tmp/o" -r "$tmp/r.jsonl" "$@" "$tmp/clough.jsonl" ||
    { echo "FAIL: winnow dedup $*"; return 1; }
  python3 eval/dedup_clough.py score "$shared" "$tmp/r.jsonl" "$label"
}
clough "default (J >= 0.8)" || rc=1
clough "3-grams, 30x2 bands, exact J >= 0.3" --ngram 3 \
  --bands 30 --rows 2 --threshold 0.3 || rc=1
clough "3-grams, 30x2 bands, exact J >= 0.2" --ngram 3 \
  --bands 30 --rows 2 --threshold 0.2 || rc=1
exit $rc
