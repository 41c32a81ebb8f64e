#!/bin/sh
# eval_quality.sh - a fastText quality classifier trained here, against
# the heuristic filters, on human quality labels.
#
# Data: ../shared/data/jsonl/dclm-quality-labels (DCLM's human judgements
# of web pages, label 1 = good pre-training text), split 80/20 by the hash
# of each page's first line (eval/quality_split.py; no URLs in the data).
# The classifier: Debian's `fasttext supervised` on the train split, word
# bigrams as DCLM's model, hyper-parameters chosen on a quarter of the
# train split held back (validation; the test split plays no part), run by
# winnow's classifier stage on the test split with classifier.threshold
# 0.5.  The heuristics: gopher_repetition,
# gopher_quality, c4_filter and fineweb with their defaults on the same
# split; and both together.  Reported: precision, recall, F1 and accuracy
# of "kept" as a prediction of "labelled good".
# Usage: eval/eval_quality.sh BUILD_DIR
set -u
build=${1:-build}
shared=${WN_SHARED:-../shared}
data=$shared/data/jsonl/dclm-quality-labels
W=$build/winnow
if [ ! -f "$data/majority_data.jsonl.gz" ]; then
  echo "skip eval_quality: $data not found"
  exit 0
fi
if ! command -v fasttext >/dev/null 2>&1; then
  echo "skip eval_quality: fasttext not installed (apt-get install fasttext)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 eval/quality_split.py split "$data" "$tmp" || exit 1
# hyper-parameters: the best of a small grid on valid.txt (trained on
# tune.txt); the test split plays no part in the choice
best="" bestp=-1
for hp in "-dim 16 -epoch 5 -lr 0.1" "-dim 16 -epoch 25 -lr 0.5" \
          "-dim 16 -epoch 50 -lr 1.0" "-dim 64 -epoch 25 -lr 0.5 -minCount 2"; do
  # shellcheck disable=SC2086 # hp is a list of options
  fasttext supervised -input "$tmp/tune.txt" -output "$tmp/tune" \
    -wordNgrams 2 -bucket 200000 -thread 1 -verbose 0 $hp >/dev/null || exit 1
  p=$(fasttext test "$tmp/tune.bin" "$tmp/valid.txt" | awk '/^P@1/ {print $2}')
  echo "  validation accuracy $p: -wordNgrams 2 $hp"
  if python3 -c "import sys; sys.exit(not $p > $bestp)"; then best=$hp bestp=$p; fi
done
echo "chosen: -wordNgrams 2 $best (validation accuracy $bestp)"
# shellcheck disable=SC2086
fasttext supervised -input "$tmp/train.txt" -output "$tmp/quality" \
  -wordNgrams 2 -bucket 200000 -thread 1 -verbose 0 $best >/dev/null || exit 1
heur=gopher_repetition,gopher_quality,c4_filter,fineweb
run() { # NAME FILTERS ARGS...
  name=$1 filters=$2; shift 2
  "$W" filter -q -j 1 --filters "$filters" "$@" "$tmp/test.jsonl" \
    -o "$tmp/kept.jsonl" || exit 1
  python3 eval/quality_split.py score "$tmp/test.jsonl" "$tmp/kept.jsonl" \
    "$name"
}
cl="--set classifier.model=$tmp/quality.bin --set classifier.label=hq"
echo "test split, kept = predicted good:"
python3 -c 'print("%-34s kept %4s  precision %.3f" % ("keep everything", "all",
  sum(1 for l in open("'"$tmp"'/test.jsonl") if "\"label\": 1" in l) /
  sum(1 for _ in open("'"$tmp"'/test.jsonl"))))'
run "heuristics (Gopher, C4, FineWeb)" $heur
# shellcheck disable=SC2086 # cl is a list of options
run "classifier >= 0.5 (bigram, trained)" classifier $cl \
  --set classifier.threshold=0.5
# shellcheck disable=SC2086
run "heuristics, then classifier >= 0.5" $heur,classifier $cl \
  --set classifier.threshold=0.5
