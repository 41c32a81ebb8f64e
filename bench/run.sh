#!/bin/sh
# `make bench`: runs every bench/bench_*.sh with the build directory as $1.
# Each prints its own table; figures are medians of several runs, reported
# as ratios against a baseline measured in the same run.
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
export WN_SHARED=${SHARED:-../shared}
rc=0
# every line that states a goal (or what bounds one) is gathered for a
# summary at the end, so the figures against the goals read in one place
out=$(mktemp) && goals=$(mktemp) || exit 1
trap 'rm -f "$out" "$goals"' EXIT
for b in bench/bench_*.sh; do
  [ -f "$b" ] || continue
  echo "== $b"
  { sh "$b" "$build" 2>&1 || echo "bench/run.sh: $b failed"; } | tee "$out"
  grep -q "^bench/run.sh: .* failed" "$out" && rc=1
  grep -E 'goal|bound|failed$' "$out" | sed "s|^ *|${b#bench/}: |" >>"$goals"
done
echo "== goals (from the lines above)"
cat "$goals"
exit $rc
