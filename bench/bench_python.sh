#!/bin/sh
# The Python package (python/): winnow.read and Pipeline.process_batch
# against the CLI on the same pages (bench/make_pages.py), the per-document
# cost of process(), and datatrove's reader and filters on the same
# documents when its source is in ../shared/peers.  bench/python_bench.py
# prints the table (medians of 5 runs, one process).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
PY=${WN_PYTHON:-/usr/bin/python3}
if [ ! -f "$S/data/lines/aeb-lines.jsonl.gz" ]; then
  echo "skip bench_python: $S/data/lines is absent"; exit 0
fi
if ! make --no-print-directory -s BUILD="$build" PYTHON="$PY" python >/dev/null 2>&1; then
  echo "skip bench_python: make python failed (python3-dev?)"; exit 0
fi
mkdir -p build/bench
F=build/bench/pages.jsonl
[ -f "$F" ] || python3 bench/make_pages.py "$S" "$F" 4 || exit 1
PYTHONPATH=$build/python PYTHONDONTWRITEBYTECODE=1 "$PY" bench/python_bench.py \
  "$build/winnow" "$F" "$S"
