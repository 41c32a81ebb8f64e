#!/bin/sh
# The hostile-input corpus (tests/hostile/cases): crafted and damaged
# inputs, bombs, link loops and OUTDIR states through `winnow run`; each
# with its exit status and counters, read = kept + rejected and valid JSONL.
set -u
: "${WINNOW:?WINNOW must point at the winnow binary}"
top=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v python3 >/dev/null || ! command -v zstd >/dev/null; then
  echo "skip hostile.sh: python3 and zstd are needed"; echo "0 passed, 0 failed"; exit 0
fi
exec python3 "$top/tests/hostile/run.py"
