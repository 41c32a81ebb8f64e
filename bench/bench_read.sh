#!/bin/sh
# Read throughput: `winnow read` of a Common Crawl style WET file (real
# news articles wrapped as conversion records, one gzip member per record)
# against `zcat FILE > /dev/null` of the same file in the same run.
# Reports medians of 5 runs: MB/s of text produced, and the ratio of
# winnow's speed to zcat's (goal >= 0.80).  Also the in-memory speed of the
# candidate gzip libraries (bench/codec_bench.c).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
if [ ! -d "$S/data/text" ]; then
  echo "skip bench_read: $S/data/text is absent"; exit 0
fi
mkdir -p build/bench
F=build/bench/news.warc.wet.gz
[ -f "$F" ] || python3 bench/make_wet.py "$S" "$F" --copies 2 || exit 1
cc -O2 -o build/bench/codec_bench bench/codec_bench.c -lz -lisal -ldeflate 2>/dev/null
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() { # command... -> seconds
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b - a}'
}
calc() { awk "BEGIN {printf \"%.4f\", $1}"; }
zt=""; wt=""
for i in 1 2 3 4 5; do
  zt="$zt $(t sh -c "zcat '$F' > /dev/null")"
  wt="$wt $(t "$build/winnow" read -q "$F" -o /dev/null)"
done
zm=$(echo $zt | tr ' ' '\n' | median)
wm=$(echo $wt | tr ' ' '\n' | median)
"$build/winnow" read -q "$F" -o /dev/null --stats build/bench/read-stats.json
text=$(python3 -c 'import json; print(json.load(open("build/bench/read-stats.json"))["text_bytes"])')
dec=$(zcat "$F" | wc -c)
printf 'input: %s (%s bytes compressed, %s decompressed, %s bytes of text)\n' "$F" "$(wc -c < "$F" | tr -d ' ')" "$dec" "$text"
printf 'zcat > /dev/null     %6.3f s  %7.1f MB/s decompressed\n' "$zm" "$(calc "$dec / $zm / 1000000")"
printf 'winnow read          %6.3f s  %7.1f MB/s of text produced\n' "$wm" "$(calc "$text / $wm / 1000000")"
printf 'ratio winnow/zcat speed: %.2f (goal >= 0.80)\n' "$(calc "$zm / $wm")"
[ -x build/bench/codec_bench ] && build/bench/codec_bench "$F"
exit 0
