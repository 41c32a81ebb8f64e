#!/bin/sh
# Crash consistency (tests/hostile/crash.py): `winnow run` and `winnow
# dedup` killed with SIGKILL at random moments, rerun, byte-identical to an
# uninterrupted run each time.
set -u
: "${WINNOW:?WINNOW must point at the winnow binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "skip crash.sh: python3 is needed"; echo "0 passed, 0 failed"; exit 0; }
exec python3 "$top/tests/hostile/crash.py"
