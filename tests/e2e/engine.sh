#!/bin/sh
# engine.sh - one engine behind every command (issue 9): regression tests
# for what went wrong when each command had its own loop.
#   - piped input (stdin, process substitution) is read, also by commands
#     with a first pass (site lines), never "0 documents" silently;
#   - winnow filter and winnow run give every document of
#     ../shared/data/jsonl the same verdict and the same reject_reason;
#   - --stats of every command has the shape of winnow run's stats.json,
#     and its books balance;
#   - bad-input events are kept in OUTDIR/problems.jsonl, each once;
#   - exit status 3 when the output cannot be written (and make run
#     fails when winnow fails);
#   - a read error mid-file (EIO, injected by the fault build when it is
#     there) is reported with file and offset, counted, exits 1, and leaves
#     the file unfinished so that the next run reads it whole.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
W=$WINNOW
FX=${WN_FIXTURES:-$top/tests/fixtures}
R=$WN_SHARED/data/text/reuters-21578/reuters-21578.jsonl.gz

# documents N in a JSONL output (compressed or not)
nlines() { zstd -dcf "$@" 2>/dev/null | wc -l | tr -d ' '; }

# --- piped input through winnow run (site lines: a first pass)
if [ -f "$R" ]; then
  zcat "$R" | head -3000 >"$TMP/r.jsonl"
else
  skip "Reuters absent: piped-input tests use the sample"
  cp "$top/sample/feed.jsonl" "$TMP/r.jsonl"
fi
n=$(wc -l <"$TMP/r.jsonl" | tr -d ' ')
"$W" run -q --no-progress --languages all "$TMP/r.jsonl" -o "$TMP/file" 2>/dev/null
expect_eq "run on the file" 0 $?
cat "$TMP/r.jsonl" | "$W" run -q --no-progress --languages all - -o "$TMP/pipe" 2>"$TMP/pipe.err"
expect_eq "run on stdin: exit" 0 $?
expect_eq "run on stdin: documents read" "$n" "$(json_get "$TMP/pipe/stats.json" documents.read)"
expect_eq "run on stdin: same kept as the file" \
  "$(json_get "$TMP/file/stats.json" documents.kept)" \
  "$(json_get "$TMP/pipe/stats.json" documents.kept)"
python3 - "$TMP/file" "$TMP/pipe" <<'EOF' && pass || fail "stdin and file give the same texts"
import json, subprocess, sys, glob
def texts(d):
    out = []
    for f in sorted(glob.glob(d + "/data/*.zst")):
        raw = subprocess.run(["zstd", "-dc", f], capture_output=True).stdout
        out += [json.loads(l)["text"] for l in raw.decode().splitlines()]
    return out
sys.exit(texts(sys.argv[1]) != texts(sys.argv[2]))
EOF
ls "$TMP/pipe/work" | grep -q spool && fail "spool left in work/" || pass
bash -c '"$0" run -q --no-progress --languages all <(cat "$1") -o "$2"' \
  "$W" "$TMP/r.jsonl" "$TMP/ps" 2>/dev/null
expect_eq "run on process substitution: exit" 0 $?
expect_eq "run on process substitution: documents read" "$n" \
  "$(json_get "$TMP/ps/stats.json" documents.read)"
bash -c '"$0" clean -q <(cat "$1") >"$2"' "$W" "$TMP/r.jsonl" "$TMP/clean.out"
expect_eq "clean on process substitution: exit" 0 $?
[ "$(wc -l <"$TMP/clean.out")" -gt 0 ] && pass || fail "clean on a pipe: no documents"
cat "$TMP/r.jsonl" | "$W" read -q - >"$TMP/read.out"
expect_eq "read on stdin: every line" "$n" "$(wc -l <"$TMP/read.out" | tr -d ' ')"

# --- winnow filter and winnow run agree on every document
J=$WN_SHARED/data/jsonl
if [ -d "$J" ]; then
  set -- $(find "$J" -name '*.gz' | sort)
  "$W" filter -q --languages en --min-language-score 0.65 \
    -o "$TMP/f.kept.jsonl" --rejects "$TMP/f.rej.jsonl" "$@" 2>/dev/null
  frc=$?
  "$W" run -q --no-progress --no-dedup \
    --stages langid,gopher_repetition,gopher_quality,c4_filter,fineweb \
    "$@" -o "$TMP/agree" 2>/dev/null
  rrc=$?
  expect_eq "filter and run: same exit status" "$frc" "$rrc"
  python3 - "$TMP" <<'EOF' && pass || fail "filter and run: same verdicts and reasons"
import json, subprocess, sys, glob
t = sys.argv[1]
def load(lines):
    return {d["source"]: d.get("reject_reason") for d in map(json.loads, lines)}
def zst(pat):
    out = []
    for f in sorted(glob.glob(pat)):
        out += subprocess.run(["zstd", "-dc", f], capture_output=True).stdout.decode().splitlines()
    return out
fk = load(open(t + "/f.kept.jsonl")); fr = load(open(t + "/f.rej.jsonl"))
rk = load(zst(t + "/agree/data/*.zst")); rr = load(zst(t + "/agree/rejects/*.zst"))
ok = fk == rk and fr == rr and len(fk) + len(fr) > 700 and len(fr) > 0
if not ok:
    print("kept", len(fk), len(rk), "rejected", len(fr), len(rr))
    for k in fr:
        if rr.get(k) != fr[k]: print(k, fr[k], rr.get(k)); break
sys.exit(not ok)
EOF
else
  skip "filter/run agreement: $J absent"
fi

# --- --stats: one schema for every command, books that balance
D=$FX/filter/docs.jsonl
check_stats() { # name file
  python3 - "$2" <<'EOF' && pass || fail "$1: --stats is not in the run schema"
import json, sys
s = json.load(open(sys.argv[1]))
d = s["documents"]
assert d["read"] == d["kept"] + d["rejected"], d
assert sum(s["rejected_by_reason"].values()) == d["rejected"]
for k in ("stages", "input", "problems", "dedup", "output", "histograms"):
    assert k in s, k
assert s["accounting"] == "read = kept + rejected"
EOF
}
"$W" read -q "$D" -o "$TMP/x" --stats "$TMP/s1.json"; check_stats read "$TMP/s1.json"
"$W" filter -q "$D" -o "$TMP/x" --stats "$TMP/s2.json"; check_stats filter "$TMP/s2.json"
"$W" clean -q "$D" -o "$TMP/x" --stats "$TMP/s3.json"; check_stats clean "$TMP/s3.json"
"$W" extract -q "$D" -o "$TMP/x" --stats "$TMP/s4.json"; check_stats extract "$TMP/s4.json"
"$W" explain -q "$D" --stats "$TMP/s5.json" >/dev/null; check_stats explain "$TMP/s5.json"
"$W" dedup -q -o "$TMP/dd" "$D" --stats "$TMP/s6.json"; check_stats dedup "$TMP/s6.json"
"$W" dedup -q --streaming -o "$TMP/ds" "$D" --stats "$TMP/s7.json"; check_stats "dedup --streaming" "$TMP/s7.json"
"$W" run -q --no-progress "$D" -o "$TMP/rs" --stats "$TMP/s8.json"; check_stats run "$TMP/s8.json"
cmp -s "$TMP/s8.json" "$TMP/rs/stats.json" && pass || fail "run --stats: the bytes of stats.json"

# --- problems: kept in problems.jsonl, reported once (not once per pass)
B=$FX/filter/broken.jsonl
"$W" run --no-progress --languages all "$B" "$D" -o "$TMP/bad" 2>"$TMP/bad.err"
expect_eq "bad input: exit 1" 1 $?
np=$(json_get "$TMP/bad/stats.json" problems)
[ "$np" -gt 0 ] && pass || fail "bad input: problems counted"
expect_eq "problems.jsonl: one line per problem" "$np" "$(wc -l <"$TMP/bad/problems.jsonl" | tr -d ' ')"
expect_eq "stderr: each problem once" "$np" "$(grep -c 'broken.jsonl: offset' "$TMP/bad.err")"
python3 - "$TMP/bad/problems.jsonl" <<'EOF' && pass || fail "problems.jsonl: file, offset, message"
import json, sys
for l in open(sys.argv[1]):
    p = json.loads(l)
    assert p["file"].endswith("broken.jsonl") and p["offset"] >= 0 and p["message"]
EOF
grep -q 'id=problems>' "$TMP/bad/report.html" && pass || fail "report.html lists the problems"

# --- link loops and other non-files inside an input directory: each
# directory read once, the loop reported once and skipped (it used to hang
# or stop the run with "nesting too deep")
mkdir -p "$TMP/L/sub"
cp "$top/sample/feed.jsonl" "$TMP/L/"
ln -s .. "$TMP/L/sub/up"; ln -s "$TMP/L" "$TMP/L/self"; ln -s /nonexistent "$TMP/L/dangling"
mkfifo "$TMP/L/fifo" 2>/dev/null
timeout 60 "$W" run --no-progress --languages all "$TMP/L" -o "$TMP/loop" 2>"$TMP/loop.err"
expect_eq "link loop: exit 1" 1 $?
expect_eq "link loop: the file read once" "$(wc -l <"$top/sample/feed.jsonl" | tr -d ' ')" \
  "$(json_get "$TMP/loop/stats.json" documents.read)"
expect_eq "link loop: each loop reported once" 2 "$(grep -c 'directory already read' "$TMP/loop.err")"
grep -q 'dangling link: skipped' "$TMP/loop.err" && pass || fail "dangling link reported"

# --- exit status 3: the output cannot be written
"$W" read -q "$D" -o /nonexistent-dir/out.jsonl 2>/dev/null
expect_eq "read: unwritable output" 3 $?
"$W" filter -q "$D" -o "$TMP/x" --stats /nonexistent-dir/s.json 2>/dev/null
expect_eq "filter: unwritable --stats" 3 $?
"$W" run -q --no-progress "$D" -o /dev/null/out 2>/dev/null
expect_eq "run: output directory cannot be made" 3 $?
mkdir -p "$TMP/locked/work"
flock "$TMP/locked/work/lock" sleep 3 &
sleep 0.5
"$W" run -q --no-progress "$D" -o "$TMP/locked" 2>"$TMP/lock.err"
expect_eq "run: OUTDIR locked by another run" 3 $?
grep -q "another winnow run" "$TMP/lock.err" && pass || fail "lock held: message"
wait
# make run fails when winnow fails
mkdir -p "$TMP/fakebuild"
printf '#!/bin/sh\nexit 3\n' >"$TMP/fakebuild/winnow"; chmod +x "$TMP/fakebuild/winnow"
sh "$top/scripts/run-sample.sh" "$TMP/fakebuild" >/dev/null 2>&1
expect_eq "make run: fails when winnow fails" 3 $?

# --- a read error mid-file: counted, exit 1, file left unfinished
F=${WN_BUILD:-$top/build}/../build/fault/winnow
[ -x "$F" ] || F=$top/build/fault/winnow
if [ -x "$F" ] && [ -f "$R" ]; then
  zcat "$R" | head -300 >"$TMP/eio.jsonl"
  # reads 1-3 are the site-lines first pass (2 chunks, then the end);
  # read 5 is the second chunk of the main pass: 256 KiB in
  WN_FAULT_IO=read:EIO:5:eio.jsonl "$F" run -q --no-progress -j1 --no-dedup \
    --languages all "$TMP/eio.jsonl" -o "$TMP/eio" 2>"$TMP/eio.err"
  expect_eq "EIO: exit 1" 1 $?
  grep -q 'eio.jsonl: offset [0-9]*: read' "$TMP/eio.err" && pass ||
    fail "EIO: reported with file and offset: $(head -3 "$TMP/eio.err")"
  expect_eq "EIO: counted" 1 "$(json_get "$TMP/eio/stats.json" input.io_errors)"
  expect_eq "EIO: file unfinished" 1 "$(json_get "$TMP/eio/stats.json" unfinished_inputs)"
  r1=$(json_get "$TMP/eio/stats.json" documents.read)
  [ "$r1" -lt 300 ] && pass || fail "EIO: the file was cut short ($r1)"
  "$W" run -q --no-progress -j1 --no-dedup --languages all "$TMP/eio.jsonl" \
    -o "$TMP/eio" 2>/dev/null
  expect_eq "EIO: rerun exit" 0 $?
  expect_eq "EIO: rerun reads the whole file" 300 "$(json_get "$TMP/eio/stats.json" documents.read)"
  "$W" run -q --no-progress -j1 --no-dedup --languages all "$TMP/eio.jsonl" \
    -o "$TMP/eio-ref" 2>/dev/null
  cmp -s "$TMP/eio/stats.json" "$TMP/eio-ref/stats.json" && pass ||
    fail "EIO: resumed run = clean run"
  # a read error in the first pass: site lines saw part of the corpus, so
  # the run is left unfinished and the next one starts over
  rm -rf "$TMP/eio"
  WN_FAULT_IO=read:EIO:2:eio.jsonl "$F" run -q --no-progress -j1 --no-dedup \
    --languages all "$TMP/eio.jsonl" -o "$TMP/eio" 2>"$TMP/eio.err"
  expect_eq "EIO in the first pass: exit 1" 1 $?
  grep -q 'eio.jsonl: offset [0-9]*: read' "$TMP/eio.err" && pass ||
    fail "EIO in the first pass: reported"
  expect_eq "EIO in the first pass: in problems.jsonl" 1 "$(grep -c 'eio.jsonl' "$TMP/eio/problems.jsonl")"
  expect_eq "EIO in the first pass: unfinished" 1 "$(json_get "$TMP/eio/stats.json" unfinished_inputs)"
  "$W" run -q --no-progress -j1 --no-dedup --languages all "$TMP/eio.jsonl" \
    -o "$TMP/eio" 2>/dev/null
  expect_eq "EIO in the first pass: rerun exit" 0 $?
  cmp -s "$TMP/eio/stats.json" "$TMP/eio-ref/stats.json" && pass ||
    fail "EIO in the first pass: resumed run = clean run"
else
  skip "EIO mid-file: no fault build ($F; make fault) or no Reuters"
fi

finish
