#!/bin/sh
# bench_substr.sh BUILD_DIR - `winnow substr` on a corpus 8x its memory
# budget.
#
# 1. Suffix sorting (bench/sa_bench.c): libdivsufsort against a plain SA-IS
#    on one chunk of real text (Reuters-21578 + BBC), MB/s, median of RUNS.
# 2. End to end: the corpus is Reuters + BBC text, cycled to SIZE_MB (8 x
#    the budget, default budget 4M): the first pass as it is, later passes
#    with every 7th word replaced (so repeats are partial, as on the web).
#    Reported: MB/s of text per core (CPU seconds, user + system), wall
#    MB/s, peak RSS against the budget (/usr/bin/time -v), peak disk use of
#    the work directory (polled) against the corpus and the budget, and
#    `winnow read` of the same file as baseline.  Medians of RUNS (3).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
W=$top/$build/winnow
runs=${RUNS:-3}
budget_mb=${BUDGET_MB:-4}
size_mb=$((budget_mb * 8))
shared=${WN_SHARED:-../shared}
case $shared in /*) ;; *) shared=$top/$shared ;; esac
R=$shared/data/text/reuters-21578/reuters-21578.jsonl.gz
B=$shared/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
if [ ! -f "$R" ] || [ ! -f "$B" ]; then
  echo "skip bench_substr: $shared/data/text not found"; exit 0
fi
[ -x /usr/bin/time ] || { echo "skip bench_substr: no /usr/bin/time"; exit 0; }
tmp=$(mktemp -d)
poll=
trap '[ -n "$poll" ] && kill $poll 2>/dev/null; rm -rf "$tmp"' EXIT
zcat "$R" "$B" >"$tmp/real.jsonl"
python3 - "$tmp/real.jsonl" "$tmp/corpus.jsonl" "$size_mb" <<'PY'
import json, random, sys
src, dst, mb = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = [json.loads(l)["text"] for l in open(src)]
r = random.Random(1)
want, have, k = mb * 1000000, 0, 0
with open(dst, "w") as o:
    while have < want:
        for t in docs:
            if k:
                w = t.split(" ")
                for i in range(r.randrange(7), len(w), 7):
                    w[i] = r.choice(w)
                t = " ".join(w)
            o.write(json.dumps({"id": "%d-%d" % (k, have), "text": t}) + "\n")
            have += len(t.encode())
            if have >= want:
                break
        k += 1
PY
bytes=$(python3 -c 'import json,sys
print(sum(len(json.loads(l)["text"].encode()) for l in open(sys.argv[1])))' \
  "$tmp/corpus.jsonl")

${CC:-cc} -O2 -o "$tmp/sa_bench" bench/sa_bench.c \
  $(pkg-config --libs libdivsufsort 2>/dev/null) ||
  { echo "FAIL: cannot build bench/sa_bench.c"; exit 1; }
python3 -c 'import json,sys
o=open(sys.argv[2],"wb")
for l in open(sys.argv[1]): o.write(json.loads(l)["text"].encode()+b"\xff")' \
  "$tmp/real.jsonl" "$tmp/real.txt"
echo "Suffix sorting, one chunk of $((budget_mb * 1000000 / 6)) bytes of real text:"
"$tmp/sa_bench" "$runs" $((budget_mb * 1000000 / 6)) "$tmp/real.txt" || exit 1

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# run NAME CMD...: appends "cpu wall rss_kb disk_kb" of one run to $tmp/NAME
run() {
  name=$1; shift
  rm -rf "$tmp/o"
  mkdir -p "$tmp/o"
  ( peak=0
    while :; do
      d=$(du -sk "$tmp/o" 2>/dev/null | cut -f1)
      [ "${d:-0}" -gt "$peak" ] && peak=$d && echo "$peak" >"$tmp/disk"
      sleep 0.2
    done ) &
  poll=$!
  start=$(date +%s.%N)
  /usr/bin/time -v "$@" 2>"$tmp/tv" >/dev/null || { cat "$tmp/tv"; kill $poll; return 1; }
  end=$(date +%s.%N)
  kill $poll; wait $poll 2>/dev/null; poll=
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$tmp/tv")
  rss=$(awk -F': ' '/Maximum resident/ {print $2}' "$tmp/tv")
  echo "$cpu $(echo "$end - $start" | bc) $rss $(cat "$tmp/disk" 2>/dev/null || echo 0)" >>"$tmp/$name"
}
rm -f "$tmp/read" "$tmp/s1" "$tmp/s2"
for i in $(seq "$runs"); do
  run read "$W" read -q -o "$tmp/o/read.jsonl" "$tmp/corpus.jsonl" || exit 1
  run s1 "$W" substr -q -m "${budget_mb}M" -j 1 --stats "$tmp/st.json" \
    -o "$tmp/o" "$tmp/corpus.jsonl" || exit 1
  run s2 "$W" substr -q -m "${budget_mb}M" -j 2 -o "$tmp/o" \
    "$tmp/corpus.jsonl" || exit 1
done
mb=$(echo "$bytes / 1000000" | bc -l)
printf 'Corpus: %.1f MB of text (%d x the %d MB budget), %s chunks, %s%% of bytes struck\n' \
  "$mb" 8 "$budget_mb" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["substr_work"]["chunks"])' "$tmp/st.json")" \
  "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["substr"]; print(round(100*d["bytes_struck"]/d["bytes_in"],1))' "$tmp/st.json")"
printf '%-22s %10s %10s %12s %14s %14s\n' command "MB/s/core" "MB/s wall" \
  "peak RSS MB" "RSS/budget" "disk/corpus"
for n in read s1 s2; do
  cpu=$(cut -d' ' -f1 "$tmp/$n" | median)
  wall=$(cut -d' ' -f2 "$tmp/$n" | median)
  rss=$(cut -d' ' -f3 "$tmp/$n" | median)
  disk=$(cut -d' ' -f4 "$tmp/$n" | median)
  case $n in read) label="winnow read (base)";; s1) label="winnow substr -j 1";;
    s2) label="winnow substr -j 2";; esac
  printf '%-22s %10.1f %10.1f %12.1f %14.2f %14.1f\n' "$label" \
    "$(echo "$mb / $cpu" | bc -l)" "$(echo "$mb / $wall" | bc -l)" \
    "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss / 1024 / $budget_mb" | bc -l)" \
    "$(echo "$disk * 1024 / $bytes" | bc -l)"
done
echo "(medians of $runs; disk: peak size of the output folder with its work directory)"
