#!/bin/sh
# Extraction throughput, MB/s of HTML per core, on real pages: the 181
# Scrapinghub AEB news pages and the 116 Readability.js test pages from
# ../shared/data/extraction (unpacked under build/bench, never into the
# repository).
#  1. In memory (bench/bench_extract.c, one core, median of 5 passes over
#     all pages): a memchr floor, winnow's tokenizer alone, the full
#     extraction, gumbo's parse alone, extraction on gumbo.
#  2. The command line, medians of 5 runs on the same pages as JSONL:
#     `winnow read` (JSON in and out, no extraction: the baseline) against
#     `winnow extract`, and `cat` of the file.
# usage: bench/bench_extract.sh BUILD_DIR
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
D=$S/data/extraction
if [ ! -d "$D/scrapinghub-aeb/html" ]; then
  echo "skip bench_extract: $D is absent"; exit 0
fi
B=build/bench/extract
mkdir -p "$B/html"
if [ ! -f "$B/.done" ]; then
  for f in "$D"/scrapinghub-aeb/html/*.html.gz; do
    n=$(basename "$f" .gz); gzip -dc "$f" >"$B/html/aeb-$n"
  done
  if [ -f "$D/readability/readability-testpages.tar.xz" ]; then
    tar -xJf "$D/readability/readability-testpages.tar.xz" -C "$B"
    for f in "$B"/readability/input/*.html; do
      cp "$f" "$B/html/rd-$(basename "$f")"
    done
  fi
  python3 - "$B/html" "$B/pages.jsonl" <<'EOF' || exit 1
import json, os, sys
d, out = sys.argv[1], sys.argv[2]
with open(out, 'w') as o:
    for n in sorted(os.listdir(d)):
        raw = open(os.path.join(d, n), 'rb').read()
        o.write(json.dumps({'id': n, 'html': raw.decode('utf-8', 'replace')}) + '\n')
EOF
  touch "$B/.done"
fi
cc -O2 -g -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o "$B/bench_extract" \
  bench/bench_extract.c "$build/libwinnow.a" \
  $(make --no-print-directory -s print-ldlibs) || exit 1
"$B/bench_extract" 5 "$B"/html/* 2>/dev/null

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() { # command... -> seconds
  s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b - a}'
}
calc() { awk "BEGIN {printf \"%.4f\", $1}"; }
F=$B/pages.jsonl
html=$(cat "$B"/html/* | wc -c)
ct=""; rt=""; et=""
for i in 1 2 3 4 5; do
  ct="$ct $(t sh -c "cat '$F' > /dev/null")"
  rt="$rt $(t "$build/winnow" read -q "$F" -o /dev/null)"
  et="$et $(t "$build/winnow" extract -q "$F" -o /dev/null)"
done
cm=$(echo $ct | tr ' ' '\n' | median)
rm_=$(echo $rt | tr ' ' '\n' | median)
em=$(echo $et | tr ' ' '\n' | median)
printf 'command line on %s (%s bytes of HTML):\n' "$F" "$html"
printf 'cat > /dev/null        %8.3f s %9.1f MB/s\n' "$cm" "$(calc "$html / $cm / 1e6")"
printf 'winnow read (baseline) %8.3f s %9.1f MB/s\n' "$rm_" "$(calc "$html / $rm_ / 1e6")"
printf 'winnow extract         %8.3f s %9.1f MB/s   (%.2fx the time of read)\n' \
  "$em" "$(calc "$html / $em / 1e6")" "$(calc "$em / $rm_")"
exit 0
