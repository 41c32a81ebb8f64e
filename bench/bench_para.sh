#!/bin/sh
# Paragraph dedup speed (issue 14): `winnow dedup --paragraphs` (Bloom
# filter, and the exact hash set) against `winnow dedup --streaming` (the
# same single-thread pass in the engine, document-level), on BBC News +
# Reuters-21578; medians of RUNS runs, ratios to the baseline measured in
# the same run.  usage: bench/bench_para.sh [BUILD] (WN_SHARED, RUNS)
set -u
build=${1:-build}
S=${WN_SHARED:-../shared}/data/text
B=$S/bbc-news-2225/bbc-news-2225.jsonl.gz
R=$S/reuters-21578/reuters-21578.jsonl.gz
[ -f "$B" ] && [ -f "$R" ] || { echo "skip bench_para: $S not found"; exit 0; }
runs=${RUNS:-5}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
bytes=$( (zcat "$B"; zcat "$R") | wc -c)
one() { # name args...: median wall seconds and max RSS (KiB) of runs
  name=$1; shift
  for i in $(seq "$runs"); do
    rm -rf "$tmp/o"
    /usr/bin/time -f "%e %M" -o "$tmp/t" "$build/winnow" dedup -q -o "$tmp/o" "$@" "$B" "$R" >/dev/null 2>&1
    cat "$tmp/t"
  done | sort -n | awk -v n="$name" -v r="$runs" -v b="$bytes" \
    '{w[NR]=$1; if ($2>m) m=$2} END {med=w[int((r+1)/2)]; printf "%s %.2f %.1f %d\n", n, med, b/1e6/med, m/1024}'
}
{
  one streaming --streaming -m 256M
  one para-bloom --paragraphs --expected-docs 25000
  one para-bloom-default --paragraphs
  one para-exact --paragraphs --set dedup.para_filter=exact
} > "$tmp/res"
base=$(awk '$1=="streaming" {print $2}' "$tmp/res")
echo "input: $bytes bytes of JSONL (BBC News + Reuters-21578), $runs runs each"
echo "name wall_s(median) MB/s peak_RSS_MiB time/streaming"
awk -v b="$base" '{printf "%s %s %s %s %.2f\n", $1, $2, $3, $4, $2/b}' "$tmp/res"
