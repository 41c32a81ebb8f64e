#!/bin/sh
# `make eval`: runs every eval/eval_*.sh (accuracy measurements on
# ../shared/data) with the build directory as $1.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
export WN_SHARED=${SHARED:-../shared}
rc=0
for e in eval/eval_*.sh; do
  [ -f "$e" ] || continue
  echo "== $e"
  sh "$e" "$build" || rc=1
done
exit $rc
