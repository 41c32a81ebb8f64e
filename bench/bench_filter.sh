#!/bin/sh
# Filter throughput: `winnow filter` on real web pages (the AEB pages as a
# crawler extracts them and the DCLM-labelled Common Crawl pages, see
# bench/make_pages.py), in MB/s of text per core = text bytes / CPU time
# spent inside the stages (`--timing`, the thread's CPU clock).  Medians of
# 5 runs.  Reported:
#  - all quality filters together (gopher_quality, gopher_repetition,
#    c4_filter, fineweb: goal >= 100 MB/s), with the split per filter as
#    they run in the chain (the shared tokenisation is paid by the first
#    one, gopher_quality; later filters see only the documents still kept);
#  - each filter alone (it pays the tokenisation itself);
#  - langid with CLD2 and with fastText lid.176, and pii;
#  - end to end, against `winnow read` of the same file in the same run.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
W=$build/winnow
if [ ! -f "$S/data/lines/aeb-lines.jsonl.gz" ]; then
  echo "skip bench_filter: $S/data/lines is absent"; exit 0
fi
mkdir -p build/bench
F=build/bench/pages.jsonl
[ -f "$F" ] || python3 bench/make_pages.py "$S" "$F" 4 || exit 1
M=$S/data/langid/fasttext-lid176/lid.176.ftz
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# timing ARGS... -> the --timing lines of 5 runs, as "stage MB/s" rows
runs() {
  for i in 1 2 3 4 5; do
    "$W" filter -q --timing "$@" "$F" -o /dev/null 2>&1 |
      sed -n 's/^winnow filter: timing \(.*[a-z_]\) *[0-9.]* s *\([0-9.]*\) MB\/s.*/\1 \2/p'
  done
}
row() { # LABEL STAGE RUN-OUTPUT
  v=$(printf '%s\n' "$3" | awk -v s="$2" '$0 ~ "^"s" [0-9.]+$" {print $NF}' | median)
  printf '  %-40s %8.1f MB/s\n' "$1" "$v"
}
wall() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b - a}'; }
mb=$(wc -c <"$F" | awk '{printf "%.1f", $1 / 1e6}')
echo "input: $F ($mb MB of JSONL, real pages)"
echo "quality filters together (--filters gopher_quality,gopher_repetition,c4_filter,fineweb):"
out=$(runs --filters gopher_quality,gopher_repetition,c4_filter,fineweb)
row "all four together (goal >= 100)" "all stages" "$out"
for s in gopher_quality gopher_repetition c4_filter fineweb; do
  row "  $s, in the chain" "$s" "$out"
done
echo "each filter alone (pays the shared tokenisation itself):"
for s in gopher_quality gopher_repetition c4_filter fineweb; do
  row "$s" "$s" "$(runs --filters $s)"
done
echo "other stages:"
row "langid, CLD2 (built in)" langid "$(runs --filters langid)"
if [ -f "$M" ]; then
  row "langid, fastText lid.176.ftz" langid \
    "$(runs --filters langid --langid-model "$M")"
fi
row "pii (email, ip, phone)" pii "$(runs --filters pii --redact email,ip,phone)"
echo "end to end (wall clock, read + parse + filter + write), median of 5:"
rt=""; ft=""
for i in 1 2 3 4 5; do
  rt="$rt $(wall "$W" read -q "$F" -o /dev/null)"
  ft="$ft $(wall "$W" filter -q --disable langid "$F" -o /dev/null)"
done
rm=$(echo $rt | tr ' ' '\n' | median); fm=$(echo $ft | tr ' ' '\n' | median)
printf '  winnow read                              %6.3f s\n' "$rm"
printf '  winnow filter (quality filters)          %6.3f s (%.2fx the time of read)\n' \
  "$fm" "$(awk -v a="$fm" -v b="$rm" 'BEGIN {print a / b}')"
exit 0
