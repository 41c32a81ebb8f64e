#!/bin/sh
# fault-sweep.sh - error paths tested by injection, as sqlite does.
#
# Runs build/fault/winnow (`make fault`: ASan+UBSan, with winnow's own
# allocation and I/O calls wrapped by tests/fault/inject.c) on a small
# corpus (sample/ plus a gzip copy of its JSONL) and fails the Nth
# allocation, read, write, fsync, close, rename, ... for N = 1, 2, ...:
# `winnow run -j1` for every kind of fault, `winnow read` and `winnow
# filter` for allocations.  Each outcome must show no signal, no hang, no
# sanitizer report, the documented exit status (3 when the run failed, 0
# only if winnow recovered and wrote what a clean run writes, 1 for a read
# error on an input, reported as FILE: offset N), no partial file under a
# final name, no temporary left behind, and for `run` a rerun without
# faults in the same OUTDIR that gives the clean run's files.  The cases
# and the checks are in tests/fault/sweep.py.
#
# usage: scripts/fault-sweep.sh [FAULT_WINNOW [CLEAN_WINNOW]]
#          defaults build/fault/winnow and build/winnow (the ordinary build
#          makes the reference and the reruns, it is faster)
#        scripts/fault-sweep.sh --one CASE N   one outcome with a stack
#          trace of the fault; files kept in $FAULT_DIR (/tmp/wn-fault-repro000)
#        scripts/fault-sweep.sh --list         the cases
# environment:
#   FAULT_BUDGET=S   seconds for the whole sweep (default 240); outcomes
#                    not started by then count as not tried
#   FAULT_ALL=1      every N of every case, no sampling and no budget
#   FAULT_SCALE=F    multiply the sampled counts per case by F
#   FAULT_CASES=RE   only the cases whose name matches RE (python regex)
#   FAULT_JOBS=N     outcomes run at once (default 1)
#   FAULT_KEEP=1     keep the work directory (FAULT_WORK=DIR names it)
#   FAULT_SHOW=N     FAIL lines per case and class (default 5); 0 prints
#                    one line per case and class, with an example
# Prints a FAIL line per failed outcome (5 per case and class, then the
# list of N) with where the fault hit, a summary per case and class, and
# "N passed, N failed" last.
# A single outcome is reproduced by the environment its FAIL line shows,
# e.g.  WN_FAULT_ALLOC=123 build/fault/winnow run -j1 ... -o OUT
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v python3 >/dev/null; then
  echo "skip fault-sweep: python3 not installed"; echo "0 passed, 0 failed"; exit 0
fi
exec python3 "$top/tests/fault/sweep.py" "$@"
