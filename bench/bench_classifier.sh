#!/bin/sh
# Classifier throughput: the "classifier" stage with bigram fastText
# models trained here by Debian's `fasttext supervised` (no model can be
# downloaded) on DCLM's labelled pages, scoring the real pages of
# bench/make_pages.py, in MB/s of text per core = text bytes / CPU time
# inside the stage (`--timing`, the thread's CPU clock), median of 5 runs.
# Goal >= 30 MB/s on a bigram model.  Two models: a small one (dim 16,
# 200k buckets: rows cached in L2/L3) and a wide one like DCLM's (dim 100,
# 2M buckets: 800 MB of rows, every bigram row a trip to memory).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
W=$build/winnow
D=$S/data/jsonl/dclm-quality-labels
if [ ! -f "$S/data/lines/aeb-lines.jsonl.gz" ] || [ ! -f "$D/majority_data.jsonl.gz" ]; then
  echo "skip bench_classifier: $S/data is absent"; exit 0
fi
if ! command -v fasttext >/dev/null 2>&1; then
  echo "skip bench_classifier: fasttext not installed"; exit 0
fi
mkdir -p build/bench
F=build/bench/pages.jsonl
[ -f "$F" ] || python3 bench/make_pages.py "$S" "$F" 4 || exit 1
T=build/bench/quality-train.txt
gzip -dc "$D"/*.jsonl.gz | python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l)
    print(("__label__hq " if d["label"] else "__label__lq ") + " ".join(d["text"].split()))' >"$T"
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mb=$(wc -c <"$F" | awk '{printf "%.1f", $1 / 1e6}')
echo "input: $F ($mb MB of JSONL, real pages)"
for m in "small 16 200000" "wide 100 2000000"; do
  set -- $m
  model=build/bench/quality-$1
  [ -f "$model.bin" ] || fasttext supervised -input "$T" -output "$model" \
    -wordNgrams 2 -dim "$2" -bucket "$3" -epoch 5 -thread 1 -verbose 0 \
    >/dev/null || { echo "FAIL: training $1"; continue; }
  v=$(for i in 1 2 3 4 5; do
        "$W" filter -q -j 1 --timing --filters classifier \
          --set classifier.model="$model.bin" "$F" -o /dev/null 2>&1 |
          sed -n 's/^winnow filter: timing classifier *[0-9.]* s *\([0-9.]*\) MB\/s.*/\1/p'
      done | median)
  printf '  %-44s %8.1f MB/s\n' "bigram, dim $2, $3 buckets (goal >= 30)" "$v"
done
