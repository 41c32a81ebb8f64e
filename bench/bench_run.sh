#!/bin/sh
# `winnow run` end to end on real text (the news WET of bench_read.sh:
# Reuters-21578 + BBC articles as Common Crawl style records): wall time
# with -j1 and -j2 (median of 3 each), the speed-up, and MB/s of input text
# per core.  Every run starts from an empty output directory.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
if [ ! -d "$S/data/text" ]; then
  echo "skip bench_run: $S/data/text is absent"; exit 0
fi
mkdir -p build/bench
F=build/bench/news.warc.wet.gz
[ -f "$F" ] || python3 bench/make_wet.py "$S" "$F" --copies 2 || exit 1
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() {
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.3f\n", b - a}'
}
D=build/bench/split
if [ ! -f "$D/news-7.warc.wet.gz" ]; then
  mkdir -p "$D" && python3 bench/make_wet.py "$S" "$D/news.warc.wet.gz" --copies 2 --files 8 || exit 1
fi
O=build/bench/run-out
for input in "$F" "$D"; do
  for j in 1 2; do
    ts=""
    for i in 1 2 3; do
      rm -rf "$O"
      ts="$ts $(t "$build/winnow" run -q --no-progress -j $j --languages all "$input" -o "$O")"
    done
    eval "m$j=$(echo $ts | tr ' ' '\n' | median)"
  done
  text=$(python3 -c 'import json; print(json.load(open("'$O'/stats.json"))["input"]["text_bytes"])')
  echo "input: $input"
  awk -v a="$m1" -v b="$m2" -v t="$text" 'BEGIN {
    printf "  winnow run -j1   %7.2f s  %6.1f MB/s of text per core\n", a, t / a / 1e6
    printf "  winnow run -j2   %7.2f s  %6.1f MB/s of text (%.1f per core)\n", b, t / b / 1e6, t / b / 2e6
    printf "  speed-up -j2/-j1: %.2fx (goal >= 1.8)\n", a / b }'
done
# where the time goes: each stage's share of the CPU time (timing.json of
# one -j1 run with dedup off)
rm -rf "$O"
"$build/winnow" run -q --no-progress -j 1 --no-dedup --languages all "$F" -o "$O" >/dev/null 2>&1
python3 - "$O/timing.json" <<'EOF'
import json, sys
st = json.load(open(sys.argv[1]))["stages"]
tot = sum(s["cpu_seconds"] for s in st) or 1
print("stage CPU time (-j1, no dedup; timing.json):")
for s in st:
    print("  %-18s %7.2f s  %5.1f%%  %8.1f MB/s" % (s["name"], s["cpu_seconds"],
          100 * s["cpu_seconds"] / tot, s["mb_per_s"]))
EOF
# the same run stage by stage (-j1, one run each)
echo "per stage (-j1, cumulative stage lists, no dedup):"
prev=""
for st in normalize site_lines clean langid gopher_repetition gopher_quality c4_filter fineweb pii; do
  list=${prev:+$prev,}$st; prev=$list
  rm -rf "$O"
  printf '  + %-18s %7.2f s\n' "$st" "$(t "$build/winnow" run -q --no-progress -j 1 --no-dedup --languages all --stages "$list" "$F" -o "$O")"
done
exit 0
