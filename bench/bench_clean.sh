#!/bin/sh
# Clean throughput, MB of input text per second on one core.
#  1. In memory (bench/bench_clean.c): documents loaded first, then pushed
#     through normalize, clean (the single-page rules and the line model;
#     with clean.model=0 the rules alone; with clean.combined=0, matching
#     rule by rule), normalize+clean,
#     and site_lines (its process pass; its observe pass printed apart);
#     baseline "copy" = the per-document copy every chain pays.  Medians of
#     5 runs.  Goal: >= 200 MB/s for the single-page rules (clean).
#  2. The CLI end to end on the same file: `winnow clean --no-site-lines`
#     and `winnow clean` (site lines: the input is read twice) against
#     `winnow read` of the same file and `cat FILE > /dev/null`, medians of
#     5 runs, in the same run.
# Inputs: the 181 real web pages of ../shared/data/lines (boilerplate
# heavy, joined as a crawler's text; needs jq) and BBC News (2,225 clean
# articles).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
lines=$S/data/lines/aeb-lines.jsonl.gz
bbc=$S/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
if [ ! -f "$lines" ] || [ ! -f "$bbc" ]; then
  echo "skip bench_clean: $S/data/lines or data/text absent"; exit 0
fi
mkdir -p build/bench
B=build/bench/bench_clean
# Linked against the shared library, which carries its own dependencies.
lib=$(cd "$build" && pwd) here=$(cd build/bench && pwd)
ln -sf "$lib/libwinnow.so" build/bench/libwinnow.so.0
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Iinclude -o "$B" \
  bench/bench_clean.c "$here/libwinnow.so.0" -Wl,-rpath,"$here" ||
  { echo "bench_clean: cannot build $B"; exit 1; }
web=build/bench/clean-web.jsonl
if [ ! -s "$web" ]; then
  command -v jq >/dev/null || { echo "skip bench_clean: jq absent"; exit 0; }
  # 10 copies of the 181 pages (ids made unique): about 20 MB of text
  for k in 0 1 2 3 4 5 6 7 8 9; do
    gzip -dc "$lines" | jq -c --arg k "$k" '{id: (.id + "-" + $k), url: .url,
      text: ([.lines[].text] | join("\n"))}'
  done >"$web"
fi
news=build/bench/clean-bbc.jsonl
[ -s "$news" ] || gzip -dc "$bbc" >"$news"
echo "in memory, one thread, MB/s of input text (median of 5 runs):"
for f in "$web" "$news"; do
  "$B" 5 "$f" copy normalize clean 'clean?clean.model=0' \
    'clean?clean.combined=0' normalize,clean site_lines |
    awk -v f="$f" '/^docs/ {d = $0; next} {printf "  %-28s %-22s %8.1f\n", f, $1, $2} END {print "  " f ": " d}'
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
t() { s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
  awk -v a="$s" -v b="$e" 'BEGIN {printf "%.4f\n", b - a}'; }
mb=$(awk '{n += length($0)} END {print n / 1e6}' "$web")
echo "CLI end to end on $web ($mb MB of JSONL), median of 5 runs:"
for cmd in "cat $web" "$build/winnow read -q $web" \
  "$build/winnow clean -q --no-site-lines $web" "$build/winnow clean -q $web"; do
  ts=""
  for i in 1 2 3 4 5; do ts="$ts $(t sh -c "$cmd > /dev/null")"; done
  m=$(echo $ts | tr ' ' '\n' | median)
  printf '  %-60s %7.3f s %8.1f MB/s\n' "$(echo "$cmd" | sed "s|$build/||")" "$m" \
    "$(awk -v a="$mb" -v b="$m" 'BEGIN {print a / b}')"
done
exit 0
