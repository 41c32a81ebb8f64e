#!/bin/sh
# Two winnow binaries on the same whole job, runs alternating so that a
# noisy machine treats both alike: median wall time of N runs each, -j1
# and -j2, on the news WET of bench_run.sh (one file) and its 8-file split.
# usage: bench/compare_run.sh OLD_WINNOW NEW_WINNOW [RUNS]
set -u
old=$1 new=$2 runs=${3:-3}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
[ -d "$S/data/text" ] || { echo "skip compare_run: $S/data/text is absent"; exit 0; }
mkdir -p build/bench
F=build/bench/news.warc.wet.gz
[ -f "$F" ] || python3 bench/make_wet.py "$S" "$F" --copies 2 || exit 1
D=build/bench/split
[ -f "$D/news-7.warc.wet.gz" ] || { mkdir -p "$D" && python3 bench/make_wet.py "$S" "$D/news.warc.wet.gz" --copies 2 --files 8; } || exit 1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() {
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}'
}
O=build/bench/cmp-out
for input in "$F" "$D"; do
  for j in 1 2; do
    to="" tn=""
    for i in $(seq "$runs"); do
      rm -rf "$O"; to="$to $(t "$old" run -q --no-progress -j $j --languages all "$input" -o "$O")"
      rm -rf "$O"; tn="$tn $(t "$new" run -q --no-progress -j $j --languages all "$input" -o "$O")"
    done
    mo=$(echo $to | tr ' ' '\n' | median); mn=$(echo $tn | tr ' ' '\n' | median)
    text=$(python3 -c 'import json; print(json.load(open("'$O'/stats.json"))["input"]["text_bytes"])')
    awk -v i="$input" -v j="$j" -v a="$mo" -v b="$mn" -v t="$text" 'BEGIN {
      printf "%-28s -j%s  old %6.2f s (%5.1f MB/s)  new %6.2f s (%5.1f MB/s)  new/old speed %.2fx\n",
             i, j, a, t / a / 1e6, b, t / b / 1e6, a / b }'
  done
done
