#!/bin/sh
# The langid stage alone with fastText lid.176 (issue 12, item 2: goal
# >= 150 MB/s per core on news text): bench_clean.c's in-memory loop, timed
# with the thread's CPU clock (CLOCK_THREAD_CPUTIME_ID) so that other work
# on a shared machine counts less, on the news WET as JSONL.  Each process
# prints the median of RUNS runs (the first with a cold word cache; RUNS=1
# gives the cold figure alone); PAIRS processes, and with a second build
# directory the two builds alternate, so that both see the same load.
# Usage: bench/bench_langid.sh [BUILD [OLD_BUILD [PAIRS [RUNS]]]]
set -u
build=${1:-build}
old=${2:-}
pairs=${3:-5}
runs=${4:-3}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
M=$S/data/langid/fasttext-lid176/lid.176.ftz
W=build/bench/news.warc.wet.gz
if [ ! -f "$M" ] || [ ! -d "$S/data/text" ]; then
  echo "skip bench_langid: $M or $S/data/text absent"; exit 0
fi
mkdir -p build/bench
# the news WET of bench_read.sh and bench_run.sh
[ -f "$W" ] || python3 bench/make_wet.py "$S" "$W" --copies 2 || exit 1
J=build/bench/news.jsonl
[ -s "$J" ] || "$build/winnow" read -q "$W" -o "$J" || exit 1
src=build/bench/bench_cpu.c
sed 's/CLOCK_MONOTONIC/CLOCK_THREAD_CPUTIME_ID/' bench/bench_clean.c >"$src"
libs=$(make -s print-ldlibs)
mk() { # mk BUILD NAME: the bench linked statically with BUILD's library
  cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o "build/bench/$2" \
    "$src" "$1/libwinnow.a" $libs || { echo "bench_langid: cannot build"; exit 1; }
}
mk "$build" langid_new
[ -n "$old" ] && mk "$old" langid_old
one() { "build/bench/$1" "$runs" "$J" "langid?langid.model=$M" | awk 'NR == 1 {print $2}'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
n="" o=""
for i in $(seq "$pairs"); do
  [ -n "$old" ] && o="$o $(one langid_old)"
  n="$n $(one langid_new)"
done
echo "langid, fastText lid.176, news WET in memory, MB/s of text per CPU second (median of $runs runs per process):"
[ -n "$old" ] && echo "  $old:$o  median $(echo "$o" | median)"
echo "  $build:$n  median $(echo "$n" | median) (goal >= 150 MB/s per core)"
echo "  load: $(uptime | sed 's/.*load average: //')"
