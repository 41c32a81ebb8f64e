#!/bin/sh
# Runs every test against one build directory: the unit-test binary, then
# each end-to-end script in tests/e2e.  Prints "N passed, N failed" last.
# Usage: scripts/run-tests.sh BUILD_DIR
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
export WN_SHARED=${SHARED:-$top/../shared}
case $WN_SHARED in /*) ;; *) WN_SHARED=$top/$WN_SHARED ;; esac
export WN_FIXTURES=$top/tests/fixtures
export WINNOW=$top/$build/winnow
export WN_BUILD=$top/$build
cd "$top"
pass=0 fail=0
out=$(mktemp)
"$build/test_unit" >"$out" 2>&1
cat "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
if [ -n "$last" ]; then
  pass=$((pass + ${last%% *}))
  f=${last#*, }; fail=$((fail + ${f%% *}))
else
  echo "FAIL unit tests: runner crashed"; fail=$((fail + 1))
fi
for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  [ "$t" = tests/e2e/mpi.sh ] && continue # run by check.sh with MPI=1
  sh "$t" >"$out" 2>&1
  rc=$?
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)
  grep -v '^[0-9]* passed, [0-9]* failed$' "$out" | grep -E '^(FAIL|skip)' || true
  if [ -n "$last" ]; then
    pass=$((pass + ${last%% *}))
    f=${last#*, }; fail=$((fail + ${f%% *}))
  fi
  if [ $rc -ne 0 ] && [ -z "$last" ]; then
    echo "FAIL $t: exited $rc"; tail -5 "$out"; fail=$((fail + 1))
  fi
done
rm -f "$out"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
