#!/bin/sh
# large.sh BUILD_DIR - `make bench-large` (issue 12, item 6): memory and
# disk of `winnow run` at scale.  Not part of `make bench` (its name does
# not match bench_*.sh) nor of `make check`: at the default 10 GB it runs
# for an hour or more on a 2-core machine.
#
# 1. Builds a corpus of SIZE bytes of document text (default 10G; K, M, G
#    are powers of 1000, fractions allowed: SIZE=0.25G) from the shared
#    news text with bench/make_large.py (recombined, varied sentences on
#    many sites, with planted near copies, exact copies and verbatim real
#    articles; deterministic for a SEED), as files of about FILE_SIZE text
#    (default 256M; at least 2), alternately WET.gz and JSONL.zst, GEN_JOBS
#    at a time (default 2), on SITES sites (default one per 100 KB of
#    text).  Kept in build/bench-large/text-BYTES-sSEED-fFILES-wSITES/ and
#    reused by the next run with the same settings.
# 2. Runs `winnow run -j JOBS` (default 2) on it, sampling every SAMPLE
#    seconds (default 2) the process's VmRSS/VmHWM and `du -sb` of
#    OUTDIR/work and of OUTDIR (samples.tsv), and reports wall time, MB/s
#    of text per core, peak RSS (/usr/bin/time -v), the work directory's
#    peak against the text and the compressed input, the phases of
#    timing.json, and the accounting of stats.json (read = kept + rejected)
#    beside what was planted.  Goals: peak RSS <= 1 GiB, work <= 0.3x the
#    input.
# The results stay in build/bench-large/result-...-jJOBS/ (time.txt,
# samples.tsv, stats.json, timing.json, report.txt); the run's output
# directory (RESULT/out) is removed afterwards (KEEP_OUT=1 keeps it).
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
W=$top/$build/winnow
shared=${WN_SHARED:-../shared}
case $shared in /*) ;; *) shared=$top/$shared ;; esac
if [ ! -f "$shared/data/text/reuters-21578/reuters-21578.jsonl.gz" ] ||
   [ ! -f "$shared/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz" ]; then
  echo "skip bench-large: $shared/data/text not found (set WN_SHARED)"; exit 0
fi
command -v zstd >/dev/null || { echo "bench-large: needs the zstd program"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench-large: needs /usr/bin/time (Debian package time)"; exit 1; }
bytes() { # 10G, 0.25G, 500M, 123 -> bytes (powers of 1000)
  awk -v s="$1" 'BEGIN { m = 1; u = toupper(substr(s, length(s)))
    if (u == "K") m = 1e3; else if (u == "M") m = 1e6; else if (u == "G") m = 1e9
    if (m > 1) s = substr(s, 1, length(s) - 1)
    if (s !~ /^[0-9]*\.?[0-9]+$/) exit 1
    printf "%.0f\n", s * m }  # %d stops at 2^31 in mawk'
}
size=$(bytes "${SIZE:-10G}") || { echo "bench-large: bad SIZE=${SIZE:-}"; exit 2; }
fsize=$(bytes "${FILE_SIZE:-256M}") || { echo "bench-large: bad FILE_SIZE"; exit 2; }
seed=${SEED:-1}
# one site per 100 KB of text (~55 pages on average, skewed: a few large
# sites, many small ones), so per-site tables grow with the corpus as
# they would on a crawl
sites=${SITES:-$(awk -v a="$size" 'BEGIN { n = int(a / 1e5); print n < 100 ? 100 : n }')}
jobs=${JOBS:-2}
nfiles=$(awk -v a="$size" -v b="$fsize" 'BEGIN { n = int((a + b - 1) / b); print n < 2 ? 2 : n }')
D=build/bench-large/text-$size-s$seed-f$nfiles-w$sites
mkdir -p "$D"
if [ ! -f "$D/manifest.json" ]; then
  echo "generating $size bytes of text in $nfiles files into $D"
  s=$(date +%s)
  k=0; while [ $k -lt $nfiles ]; do echo $k; k=$((k + 1)); done |
    xargs -P "${GEN_JOBS:-2}" -I{} sh -c '
      for f in "$1"/large-$(printf %05d "$2").*.meta.json; do
        [ -f "$f" ] && exit 0
      done
      python3 bench/make_large.py "$3" "$1" --index "$2" --bytes "$4" --seed "$5" --sites "$6"' \
      sh "$D" {} "$shared" $((size / nfiles)) "$seed" "$sites" || exit 1
  python3 - "$D" <<'EOF' || exit 1
import glob, json, os, sys
d = sys.argv[1]
tot = {"files": 0, "documents": 0, "text_bytes": 0, "input_bytes": 0,
       "kinds": {}}
for m in sorted(glob.glob(d + "/*.meta.json")):
    x = json.load(open(m))
    tot["files"] += 1
    tot["documents"] += x["documents"]
    tot["text_bytes"] += x["text_bytes"]
    tot["input_bytes"] += os.path.getsize(m[:-len(".meta.json")])
    for k, v in x["kinds"].items():
        tot["kinds"][k] = tot["kinds"].get(k, 0) + v
with open(d + "/manifest.json.tmp", "w") as f:
    json.dump(tot, f, indent=1)
os.replace(d + "/manifest.json.tmp", d + "/manifest.json")
EOF
  echo "generated in $(($(date +%s) - s)) s"
fi
R=build/bench-large/result-$size-s$seed-f$nfiles-w$sites-j$jobs
O=$R/out # one per setting: runs of other sizes may go on beside it
rm -rf "$R"
mkdir -p "$R"
# shellcheck disable=SC2086
/usr/bin/time -v -o "$R/time.txt" "$W" run -q --no-progress -j "$jobs" \
  $(ls "$D"/large-*.warc.wet.gz "$D"/large-*.jsonl.zst) -o "$O" &
tpid=$!
printf 'seconds\tvm_rss_kb\tvm_hwm_kb\twork_bytes\toutdir_bytes\tp1\tp2\tdedup\tdata\n' \
  >"$R/samples.tsv"
t0=$(date +%s)
wpid=""
while kill -0 $tpid 2>/dev/null; do
  [ -n "$wpid" ] || wpid=$(pgrep -P $tpid | head -n 1)
  rss=0; hwm=0
  if [ -n "$wpid" ] && [ -r /proc/$wpid/status ]; then
    rss=$(awk '/^VmRSS/ {print $2}' /proc/$wpid/status 2>/dev/null)
    hwm=$(awk '/^VmHWM/ {print $2}' /proc/$wpid/status 2>/dev/null)
  fi
  wb=$(du -sb "$O/work" 2>/dev/null | cut -f1)
  ob=$(du -sb "$O" 2>/dev/null | cut -f1)
  parts=""
  for p in work/p1 work/p2 work/dedup data; do
    b=$(du -sb "$O/$p" 2>/dev/null | cut -f1)
    parts="$parts	${b:-0}"
  done
  printf '%s\t%s\t%s\t%s\t%s%s\n' $(($(date +%s) - t0)) "${rss:-0}" "${hwm:-0}" \
    "${wb:-0}" "${ob:-0}" "$parts" >>"$R/samples.tsv"
  sleep "${SAMPLE:-2}"
done
wait $tpid
rc=$?
cp "$O/stats.json" "$O/timing.json" "$R/" 2>/dev/null
[ "${KEEP_OUT:-0}" = 1 ] || rm -rf "$O"
python3 - "$D/manifest.json" "$R" "$rc" "$jobs" <<'EOF' | tee "$R/report.txt"
import json, os, sys
man = json.load(open(sys.argv[1]))
r, rc, jobs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
tm = {}
for line in open(r + "/time.txt"):
    k, _, v = line.strip().rpartition(": ")
    tm[k] = v
def secs(v):
    s = 0.0
    for p in v.split(":"):
        s = s * 60 + float(p)
    return s
wall = secs(tm["Elapsed (wall clock) time (h:mm:ss or m:ss)"])
cpu = float(tm["User time (seconds)"]) + float(tm["System time (seconds)"])
rss = int(tm["Maximum resident set size (kbytes)"]) * 1024
rows = [l.split("\t") for l in open(r + "/samples.tsv").read().split("\n")[1:] if l]
work = max((int(x[3]) for x in rows), default=0)
outd = max((int(x[4]) for x in rows), default=0)
pk = next((x for x in rows if int(x[3]) == work), ["0"] * 9)
at = int(pk[0])
text, inp = man["text_bytes"], man["input_bytes"]
print(f"input: {man['files']} files, {inp / 1e6:.0f} MB compressed, "
      f"{text / 1e6:.0f} MB of text, {man['documents']} documents "
      f"(planted: {man['kinds']})")
print(f"winnow run -j{jobs}: exit {rc}, wall {wall:.1f} s, cpu {cpu:.1f} s, "
      f"{text / wall / 1e6:.2f} MB/s of text ({text / wall / jobs / 1e6:.2f} per core)")
g = lambda ok: "ok" if ok else "MISSED"
print(f"  peak RSS        {rss / 2**20:8.1f} MiB  (goal <= 1024 MiB: {g(rss <= 2**30)})")
print(f"  peak work dir   {work / 1e6:8.1f} MB   {work / text:.3f}x the text, "
      f"{work / inp:.3f}x the compressed input, at {at} s "
      f"(goal <= 0.3x: {g(work <= 0.3 * text)})")
print(f"    of which p1 {int(pk[5]) / 1e6:.1f} MB, p2 {int(pk[6]) / 1e6:.1f} MB, "
      f"dedup {int(pk[7]) / 1e6:.1f} MB (data/ then {int(pk[8]) / 1e6:.1f} MB)")
print(f"  peak OUTDIR     {outd / 1e6:8.1f} MB   {outd / text:.3f}x the text "
      f"(work + shards written so far)")
try:
    t = json.load(open(r + "/timing.json"))
    print("  phases: " + ", ".join(f"{p['name']} {p['wall_seconds']:.1f} s"
                                   for p in t["phases"]))
    s = json.load(open(r + "/stats.json"))
except (OSError, ValueError) as e:
    print(f"  no stats: {e}")
    sys.exit(1)
d = s["documents"]
rej = s["rejected_by_reason"]
print(f"  documents: read {d['read']} = kept {d['kept']} + rejected "
      f"{d['rejected']}: {'balanced' if d['read'] == d['kept'] + d['rejected'] else 'NOT BALANCED'}"
      f" (by reason {sum(rej.values())})")
dd = s["dedup"]
print(f"  dedup: exact {dd['exact_duplicates']}, near {dd['near_duplicates']} "
      f"(planted {man['kinds'].get('exact', 0)} exact, "
      f"{man['kinds'].get('near', 0)} near, {man['kinds'].get('real', 0)} "
      f"real articles that repeat)")
top = sorted(rej.items(), key=lambda x: -x[1])[:6]
print("  top reasons: " + ", ".join(f"{k} {v}" for k, v in top))
sys.exit(0 if rc == 0 and d["read"] == d["kept"] + d["rejected"] else 1)
EOF
