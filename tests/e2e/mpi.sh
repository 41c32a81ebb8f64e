#!/bin/sh
# winnow-mpi (make MPI=1): `winnow run` spread over MPI ranks gives the
# same bytes as one process, its first pass (site_lines) reads the corpus
# once between the ranks (each rank its share, saved under work/observe),
# a second run over the finished work is a no-op that keeps them, a rerun
# observes only the shares not saved yet, and a damaged save is refused.
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
     # report.html: but for its time section (where, when, how long)
     [ "$f" = report.html ] && { printf '%s %s\n' "$f" "$(sed '/^<!-- timing -->$/,/^<!-- \/timing -->$/d' "$f" | md5sum | cut -d' ' -f1)"; continue; }
  printf '%s %s\n' "$f" "$(zstd -dcf "$f" | md5sum | cut -d' ' -f1)"; done); }
"$WINNOW" run -q --no-progress -j 1 --languages all "$TMP/in" -o "$TMP/one" 2>/dev/null
expect_eq "one process: exit status" 0 $?
MPIRUN="mpirun --allow-run-as-root --oversubscribe"
$MPIRUN -np 3 "$MPIBIN" run -q --no-progress --keep-work -j 1 --languages all "$TMP/in" -o "$TMP/mpi" >"$TMP/log" 2>&1
expect_eq "3 ranks: exit status" 0 $?
hashes "$TMP/one" > "$TMP/h1"; hashes "$TMP/mpi" > "$TMP/h2"
[ -s "$TMP/h1" ] && cmp -s "$TMP/h1" "$TMP/h2" && pass || fail "3 ranks differ from one process: $(diff "$TMP/h1" "$TMP/h2" | head -3) $(tail -3 "$TMP/log")"
$MPIRUN -np 2 "$MPIBIN" run -q --no-progress --keep-work -j 1 --languages all "$TMP/in" -o "$TMP/mpi" >"$TMP/log" 2>&1
expect_eq "rerun on finished work: exit status" 0 $?
hashes "$TMP/mpi" > "$TMP/h3"
cmp -s "$TMP/h1" "$TMP/h3" && pass || fail "rerun changed the output"
# the first pass over 2 ranks: each reads its share, together the corpus once
total=$(cat "$TMP"/in/* | wc -c)
$MPIRUN -np 2 "$MPIBIN" run -q --no-progress --keep-work -j 1 --languages all "$TMP/in" -o "$TMP/two" >"$TMP/log" 2>&1
expect_eq "2 ranks: exit status" 0 $?
hashes "$TMP/two" > "$TMP/h4"
cmp -s "$TMP/h1" "$TMP/h4" && pass || fail "2 ranks differ from one process: $(diff "$TMP/h1" "$TMP/h4" | head -3) $(tail -3 "$TMP/log")"
obs=$TMP/two/work/observe
b0=$(json_get "$obs/site_lines.0-of-2.json" bytes_read 2>/dev/null)
b1=$(json_get "$obs/site_lines.1-of-2.json" bytes_read 2>/dev/null)
expect_eq "2 ranks: first-pass bytes read by rank 0 + rank 1 = input bytes ($b0 + $b1)" "$total" "$((${b0:-0} + ${b1:-0}))"
[ "${b0:-0}" -gt 0 ] && [ "${b1:-0}" -gt 0 ] && pass || fail "a rank read nothing in the first pass: $b0 $b1"
b=0; for f in "$TMP"/mpi/work/observe/site_lines.*-of-3.json; do b=$((b + $(json_get "$f" bytes_read))); done
expect_eq "3 ranks: first-pass bytes of the ranks sum to the input bytes" "$total" "$b"
# a rerun observes only the share whose save is missing (the marker left in
# part 0's record shows it was not rewritten) and ends with the same bytes
rm -f "$TMP/two/work/p1/00001.counts" "$obs/site_lines.1-of-2" "$obs/site_lines.1-of-2.json"
echo marker >> "$obs/site_lines.0-of-2.json"
$MPIRUN -np 2 "$MPIBIN" run -q --no-progress --keep-work -j 1 --languages all "$TMP/in" -o "$TMP/two" >"$TMP/log" 2>&1
expect_eq "2 ranks, resumed: exit status" 0 $?
grep -q marker "$obs/site_lines.0-of-2.json" && [ -f "$obs/site_lines.1-of-2" ] && pass || fail "resume re-observed a saved share, or not the missing one"
hashes "$TMP/two" > "$TMP/h5"
cmp -s "$TMP/h1" "$TMP/h5" && pass || fail "resumed 2 ranks differ from one process"
# a damaged save is an error, not a crash or a silent empty pass
rm -f "$TMP/two/work/p1/00001.counts"
printf 'X' | dd of="$obs/site_lines.0-of-2" bs=1 seek=100 conv=notrunc 2>/dev/null
$MPIRUN -np 2 "$MPIBIN" run -q --no-progress --keep-work -j 1 --languages all "$TMP/in" -o "$TMP/two" >"$TMP/log" 2>&1
# a damaged work file: the run fails, output not written (exit 3)
expect_eq "damaged save: exit status" 3 $?
grep -q "damaged" "$TMP/log" && pass || fail "damaged save: no message: $(tail -3 "$TMP/log")"
$MPIRUN -np 2 "$MPIBIN" bogus >/dev/null 2>&1
expect_eq "usage error" 2 $?
finish
