#!/bin/sh
# `make bench`: runs every bench/bench_*.sh with the build directory as $1.
# Each prints its own table; figures are medians of several runs, reported
# as ratios against a baseline measured in the same run.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
export WN_SHARED=${SHARED:-../shared}
rc=0
for b in bench/bench_*.sh; do
  [ -f "$b" ] || continue
  echo "== $b"
  sh "$b" "$build" || rc=1
done
exit $rc
