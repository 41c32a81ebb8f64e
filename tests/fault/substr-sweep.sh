#!/bin/sh
# A fault sweep of `winnow substr` (not in make check; run by hand after
# `make fault`): failed allocations and I/O calls at a spread of call
# numbers, each followed by a clean rerun in the same OUTDIR.  Checks: exit
# status 0, 1 or 3, no sanitizer report, no temporary left, and the rerun
# gives the bytes of a clean run.
# usage: tests/fault/substr-sweep.sh [FAULT_WINNOW [WINNOW]]
set -u
F=$(cd "$(dirname "${1:-build/fault/winnow}")" && pwd)/$(basename "${1:-build/fault/winnow}")
C=$(cd "$(dirname "${2:-build/winnow}")" && pwd)/$(basename "${2:-build/winnow}")
T=$(mktemp -d /tmp/wn-substr-sweep-XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 3
python3 - <<'PY'
import json, random
r = random.Random(7)
alpha = "abcdefghij klmnopqrstuvwxyz \u00e9\u00fc\u4e2d"
def rnd(n): return "".join(r.choice(alpha) for _ in range(n))
planted = [rnd(r.randint(60, 300)) for _ in range(20)]
for f in range(3):
    with open("in%d.jsonl" % f, "w") as o:
        for i in range(100):
            t = "".join(r.choice(planted) if r.random() < 0.4 else
                        rnd(r.randint(10, 400)) for _ in range(r.randint(1, 6)))
            o.write(json.dumps({"id": "%d-%d" % (f, i), "text": t}) + "\n")
PY
IN="in0.jsonl in1.jsonl in2.jsonl"
ARGS="-q -m 96K -l 50 --strike later"
"$C" substr $ARGS -r ref/rej.jsonl -o ref $IN || exit 3
bad=0; n=0
check() { # status label
  case $1 in 0|1|3) ;; *) echo "exit $1: $2"; bad=$((bad + 1)) ;; esac
  if grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" err.txt; then
    echo "sanitizer: $2"; bad=$((bad + 1)); fi
  if ls -a fo 2>/dev/null | grep -q '\.tmp\.'; then
    echo "temporary left: $2"; bad=$((bad + 1)); fi
  "$C" substr $ARGS -r fo/rej.jsonl -o fo $IN 2>/dev/null ||
    { echo "rerun failed: $2"; bad=$((bad + 1)); }
  for f in $IN rej.jsonl; do
    cmp -s "ref/$f" "fo/$f" || { echo "rerun differs ($f): $2"; bad=$((bad + 1)); }
  done
  n=$((n + 1))
}
for k in $(seq 1 3 120) 200 400 800 1600 3200; do
  rm -rf fo
  WN_FAULT_ALLOC=$k "$F" substr $ARGS -r fo/rej.jsonl -o fo $IN 2>err.txt
  check $? "alloc:$k"
done
for w in write:ENOSPC fsync:EIO rename:EIO open:EIO fwrite:ENOSPC \
         fclose:EIO fread:EIO pread:EIO read:EIO; do
  for k in 1 2 3 5 8 13 21 40 80; do
    rm -rf fo
    WN_FAULT_IO=$w:$k "$F" substr $ARGS -r fo/rej.jsonl -o fo $IN 2>err.txt
    check $? "$w:$k"
  done
done
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
