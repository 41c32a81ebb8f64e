#!/bin/sh
# winnow-mpi (make MPI=1): `winnow run` spread over MPI ranks gives the
# same bytes as one process, and a second run over the finished work is a
# no-op that keeps them.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
MPIBIN=$(dirname "$WINNOW")/winnow-mpi
if [ ! -x "$MPIBIN" ] || ! command -v mpirun >/dev/null 2>&1; then
  skip "MPI runner: $MPIBIN or mpirun absent (make MPI=1; Debian openmpi-bin)"
  finish; exit $?
fi
mkdir -p "$TMP/in"
cp "$top/sample/crawl.warc.wet" "$top/sample/feed.jsonl" "$TMP/in/"
R=$WN_SHARED/data/text/reuters-21578/reuters-21578.jsonl.gz
if [ -f "$R" ]; then zcat "$R" | head -3000 | split -l 500 - "$TMP/in/r-"; fi
hashes() { (cd "$1" && for f in stats.json report.html data/* rejects/*; do
  printf '%s %s\n' "$f" "$(zstd -dcf "$f" | md5sum | cut -d' ' -f1)"; done); }
"$WINNOW" run -q --no-progress -j 1 --languages all "$TMP/in" -o "$TMP/one" 2>/dev/null
expect_eq "one process: exit status" 0 $?
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
$MPIRUN -np 3 "$MPIBIN" run -q --no-progress -j 1 --languages all "$TMP/in" -o "$TMP/mpi" >"$TMP/log" 2>&1
expect_eq "3 ranks: exit status" 0 $?
hashes "$TMP/one" > "$TMP/h1"; hashes "$TMP/mpi" > "$TMP/h2"
[ -s "$TMP/h1" ] && cmp -s "$TMP/h1" "$TMP/h2" && pass || fail "3 ranks differ from one process: $(diff "$TMP/h1" "$TMP/h2" | head -3) $(tail -3 "$TMP/log")"
$MPIRUN -np 2 "$MPIBIN" run -q --no-progress -j 1 --languages all "$TMP/in" -o "$TMP/mpi" >"$TMP/log" 2>&1
expect_eq "rerun on finished work: exit status" 0 $?
hashes "$TMP/mpi" > "$TMP/h3"
cmp -s "$TMP/h1" "$TMP/h3" && pass || fail "rerun changed the output"
$MPIRUN -np 2 "$MPIBIN" bogus >/dev/null 2>&1
expect_eq "usage error" 2 $?
finish
