#!/bin/sh
# bench_dedup.sh BUILD_DIR - speed of deduplication.
#
# 1. Signatures (bench/dedup_bench.c, linked against BUILD_DIR/libwinnow.a):
#    MB/s of text per core for shingling and each MinHash scheme, against
#    the XXH3-128 exact hash as baseline, plus the estimate's error.
# 2. End to end: `winnow dedup` over Reuters-21578 + BBC (21 MB of text,
#    two shards), one thread and two (also on one file), and the streaming
#    mode, against `winnow read` of the same files (parsing and writing
#    JSONL) as baseline.
# Figures are medians of RUNS runs (default 5; env RUNS).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
W=$top/$build/winnow
runs=${RUNS:-5}
shared=${WN_SHARED:-../shared}
case $shared in /*) ;; *) shared=$top/$shared ;; esac
R=$shared/data/text/reuters-21578/reuters-21578.jsonl.gz
B=$shared/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
if [ ! -f "$R" ] || [ ! -f "$B" ]; then
  echo "skip bench_dedup: $shared/data/text not found"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zcat "$R" >"$tmp/reuters.jsonl"
zcat "$B" >"$tmp/bbc.jsonl"
mkdir "$tmp/s" # the same documents in 4 shards of equal size, for -j 2
cat "$tmp/reuters.jsonl" "$tmp/bbc.jsonl" >"$tmp/all.jsonl"
split -n l/4 -d "$tmp/all.jsonl" "$tmp/s/part"
# linked as the Makefile links (its print-ldlibs: libcld2 and libstdc++ too)
${CC:-cc} -O2 -Iinclude -o "$tmp/dedup_bench" bench/dedup_bench.c \
  "$build/libwinnow.a" $(make --no-print-directory -s print-ldlibs) ||
  { echo "FAIL: cannot build bench/dedup_bench.c"; exit 1; }
echo "Signatures:"
"$tmp/dedup_bench" "$runs" "$tmp/reuters.jsonl" "$tmp/bbc.jsonl" || exit 1

bytes=$(python3 -c 'import json,sys
print(sum(len(json.loads(l)["text"].encode()) for f in sys.argv[1:] for l in open(f)))' \
  "$tmp/reuters.jsonl" "$tmp/bbc.jsonl")
median() { # command... ; prints the median wall time in seconds
  i=0
  while [ $i -lt "$runs" ]; do
    rm -rf "$tmp/o" "$tmp/w"
    s=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "FAIL: $*" >&2; return 1; }
    e=$(date +%s.%N)
    echo "$e - $s" | bc -l
    i=$((i + 1))
  done | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'
}
base=$(median "$W" read -q -o "$tmp/o.jsonl" "$tmp/reuters.jsonl" "$tmp/bbc.jsonl")
echo
echo "End to end, $(echo "$bytes / 1000000" | bc -l | xargs printf '%.1f') MB of text (-j 2: the same in 4 shards):"
echo "| command | threads | seconds | MB/s | MB/s per core | vs winnow read |"
echo "|---|---|---|---|---|---|"
row() { # label threads command...
  label=$1 th=$2; shift 2
  t=$(median "$@") || return 1
  printf '| %s | %s | %.3f | %.1f | %.1f | %.2f |\n' "$label" "$th" "$t" \
    "$(echo "$bytes / $t / 1000000" | bc -l)" \
    "$(echo "$bytes / $t / 1000000 / $th" | bc -l)" \
    "$(echo "$base / $t" | bc -l)"
}
row "winnow read (baseline)" 1 "$W" read -q -o "$tmp/o.jsonl" \
  "$tmp/reuters.jsonl" "$tmp/bbc.jsonl"
row "winnow dedup (defaults)" 1 "$W" dedup -q -w "$tmp/w" -o "$tmp/o" \
  "$tmp/reuters.jsonl" "$tmp/bbc.jsonl"
row "winnow dedup -j 2" 2 "$W" dedup -q -j 2 -w "$tmp/w" -o "$tmp/o" \
  "$tmp"/s/part*
# one large file: its units use both threads inside (feed_work, src/pipeline/feed.c)
row "winnow dedup, one file" 1 "$W" dedup -q -w "$tmp/w" -o "$tmp/o" \
  "$tmp/all.jsonl"
t1=$t
row "winnow dedup -j 2, one file" 2 "$W" dedup -q -j 2 -w "$tmp/w" \
  -o "$tmp/o" "$tmp/all.jsonl"
t2=$t
row "winnow dedup --verify=none" 1 "$W" dedup -q --verify=none -w "$tmp/w" \
  -o "$tmp/o" "$tmp/reuters.jsonl" "$tmp/bbc.jsonl"
row "winnow dedup --exact-only" 1 "$W" dedup -q --exact-only -w "$tmp/w" \
  -o "$tmp/o" "$tmp/reuters.jsonl" "$tmp/bbc.jsonl"
row "winnow dedup --streaming" 1 "$W" dedup -q --streaming -o "$tmp/o" \
  "$tmp/reuters.jsonl" "$tmp/bbc.jsonl"
if [ -n "${t1:-}" ] && [ -n "${t2:-}" ]; then
  echo
  printf 'speed-up -j 2 / -j 1 of winnow dedup on one file: %.2fx (goal >= 1.7)\n' \
    "$(echo "$t1 / $t2" | bc -l)"
  # what bounds it: the CPU -j 2 spends beyond -j 1's (thread hand-offs,
  # and two cores sharing the cache and memory), which even a perfect
  # split cannot win back
  cpu() { rm -rf "$tmp/o" "$tmp/w"; python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
r = resource.getrusage(resource.RUSAGE_CHILDREN); print(r.ru_utime + r.ru_stime)' "$@"; }
  c1=$(cpu "$W" dedup -q -w "$tmp/w" -o "$tmp/o" "$tmp/all.jsonl")
  c2=$(cpu "$W" dedup -q -j 2 -w "$tmp/w" -o "$tmp/o" "$tmp/all.jsonl")
  awk -v a="$c1" -v b="$c2" 'BEGIN {
    printf "CPU of one file: -j 1 %.2f s, -j 2 %.2f s (+%.0f%%): bound on the speed-up with a perfect split %.2fx\n", a, b, 100 * (b / a - 1), 2 * a / b }'
fi
