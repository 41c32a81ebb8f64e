#!/bin/sh
# `winnow dedup` end to end: usage, the --help examples, a syndicated copy
# wrapped in boilerplate, the real duplicates of Reuters/BBC, determinism
# across threads, spilling to disk, stage-by-stage runs, resume, streaming.
set -u
. "$(dirname "$0")/lib.inc"
F=$WN_FIXTURES/dedup

# ---- usage
"$WINNOW" dedup --help >"$TMP/h" 2>&1
expect_eq "--help exits 0" 0 $?
grep -q '^examples:' "$TMP/h" && pass || fail "--help has examples"
"$WINNOW" dedup "$F/small.jsonl" >/dev/null 2>&1
expect_eq "no --output-dir is a usage error" 2 $?
"$WINNOW" dedup --keep random -o "$TMP/x" "$F/small.jsonl" >/dev/null 2>&1
expect_eq "bad --keep is a usage error" 2 $?
"$WINNOW" dedup --stage nope -o "$TMP/x" "$F/small.jsonl" >/dev/null 2>&1
expect_eq "unknown stage is a usage error" 2 $?
"$WINNOW" dedup --set dedup.nope=1 -o "$TMP/x" "$F/small.jsonl" >/dev/null 2>&1
expect_eq "unknown option is a usage error" 2 $?

# ---- a bad line is reported with file and offset, counted, skipped
printf '{"id":"z","text":"hi there"}\n{bad json\n{"id":"z2","text":"hi there"}\n' \
  >"$TMP/bad.jsonl"
"$WINNOW" dedup -q -o "$TMP/b" --stats "$TMP/b.json" "$TMP/bad.jsonl" \
  2>"$TMP/b.err"
expect_eq "bad input: exit 1" 1 $?
grep -q 'bad.jsonl: offset 30: invalid JSON' "$TMP/b.err" && pass ||
  fail "bad input reported: $(cat "$TMP/b.err")"
expect_eq "bad input: counted" 1 "$(json_get "$TMP/b.json" problems)"
expect_eq "bad input: the rest deduplicated" 1 \
  "$(json_get "$TMP/b.json" dedup.exact_duplicates)"

# ---- the fixture: a, a exact (spacing), b, b near (one word), c
"$WINNOW" dedup -q -o "$TMP/s" -r "$TMP/s.rej" --stats "$TMP/s.json" \
  "$F/small.jsonl"
expect_eq "small: exit" 0 $?
expect_eq "small: kept" 3 "$(json_get "$TMP/s.json" documents.kept)"
expect_eq "small: exact" 1 "$(json_get "$TMP/s.json" dedup.exact_duplicates)"
expect_eq "small: near" 1 "$(json_get "$TMP/s.json" dedup.near_duplicates)"
grep -q '"reject_reason":"exact_duplicate:of=a"' "$TMP/s.rej" && pass ||
  fail "small: exact reason"
grep -q '"reject_reason":"near_duplicate:of=b,jaccard=0\.[89]' "$TMP/s.rej" &&
  pass || fail "small: near reason"
grep -q '"duplicates":\[{"id":"b2","url":"http://copy.example/b"}\]' \
  "$TMP/s/small.jsonl" && pass || fail "small: duplicates list on b"

# ---- the --help examples, on real shards
B=$WN_SHARED/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
R=$WN_SHARED/data/text/reuters-21578/reuters-21578.jsonl.gz
if [ ! -f "$B" ] || [ ! -f "$R" ]; then
  skip "data/text not found"; finish; exit $?
fi
mkdir -p "$TMP/shards"
cp "$B" "$TMP/shards/bbc.jsonl.gz"
cp "$R" "$TMP/shards/reuters.jsonl.gz"
cd "$TMP" || exit 1
"$WINNOW" dedup -q -o dedup/ -r rejects.jsonl --stats st1.json \
  shards/*.jsonl.gz
expect_eq "example 1: exit" 0 $?
docs=$(json_get st1.json documents.read)
expect_eq "example 1: all documents" 23803 "$docs"
kept=$( (zcat dedup/bbc.jsonl.gz; zcat dedup/reuters.jsonl.gz) | wc -l)
rej=$(wc -l <rejects.jsonl)
expect_eq "example 1: kept + rejected = read" "$docs" $((kept + rej))
expect_eq "example 1: kept matches stats" "$(json_get st1.json documents.kept)" "$kept"
ex=$(json_get st1.json dedup.exact_duplicates)
# BBC alone has 98 groups of byte-identical stories, Reuters 260 among
# NORM stories and ~1,800 "Blah blah blah." briefs
[ "$ex" -ge 2000 ] && pass || fail "example 1: exact copies $ex < 2000"
"$WINNOW" dedup -q --verify=none --keep longest -j 2 -o out/ \
  shards/bbc.jsonl.gz
expect_eq "example 2: exit" 0 $?
"$WINNOW" dedup -q --stage sig --unit 1 -w work/ -o out3/ shards/*.jsonl.gz
expect_eq "example 3: exit" 0 $?
[ -f work/sig-00001.bin ] && [ ! -f work/sig-00000.bin ] && pass ||
  fail "example 3: only unit 1 ran"
"$WINNOW" dedup -q --streaming -m 256M -o out4/ -r rej4.jsonl \
  shards/bbc.jsonl.gz --stats st4.json
expect_eq "example 4: exit" 0 $?
[ "$(json_get st4.json rejected_by_reason.exact_duplicate)" -ge 98 ] && pass ||
  fail "streaming: BBC's 98 identical pairs"

# ---- the rest of the stages by hand, as a scheduler would run them
for s in sig bands pairs shingles cluster filter; do
  "$WINNOW" dedup -q --stage $s -w work/ -o out3/ shards/*.jsonl.gz ||
    fail "stage $s"
  # each intermediate goes once its last reader is done: the band files
  # after pairs; the sig stage no longer keeps every document's shingles
  case $s in
  sig) ! ls work/shg-* >/dev/null 2>&1 && pass ||
         fail "sig: no shingle files" ;;
  pairs) ls work/pair-000.bin >/dev/null 2>&1 &&
           ! ls work/bnd-* >/dev/null 2>&1 && pass ||
           fail "pairs: band files removed, pairs kept" ;;
  shingles) ls work/shg-00000.bin work/shx-00000.bin >/dev/null 2>&1 &&
              pass || fail "shingles: fingerprints of pair members" ;;
  esac
done
"$WINNOW" dedup -q --stage rejects -r rej3.jsonl -w work/ -o out3/ \
  shards/*.jsonl.gz
cmp -s rej3.jsonl rejects.jsonl && pass || fail "stages by hand = one run"
cmp -s out3/reuters.jsonl.gz dedup/reuters.jsonl.gz && pass ||
  fail "stages by hand: same kept documents"

# ---- determinism: threads, partitions and a tiny memory budget
"$WINNOW" dedup -q -j 2 --partitions 7 -w w2 -o o2/ -r r2.jsonl \
  shards/*.jsonl.gz
cmp -s r2.jsonl rejects.jsonl && pass || fail "-j 2: same rejects"
cmp -s o2/bbc.jsonl.gz dedup/bbc.jsonl.gz && pass || fail "-j 2: same output"
# once clustered, the shingles, their index, band files and pair lists
# are gone (by hand and in a whole run); the signatures the filter reads
# stay
for d in work w2; do
  ls $d/sig-00000.bin >/dev/null 2>&1 &&
    ! ls $d/shg-* $d/shx-* $d/bnd-* $d/pair-*.bin >/dev/null 2>&1 && pass ||
    fail "$d: cluster inputs removed, signatures kept"
done
"$WINNOW" dedup -q -m 512K --partitions 2 -w w3 -o o3/ -r r3.jsonl \
  --stats st3.json shards/*.jsonl.gz
cmp -s r3.jsonl rejects.jsonl && pass || fail "-m 512K: same rejects"
[ "$(json_get st3.json dedup_work.spilled_runs)" -gt 0 ] && pass ||
  fail "-m 512K: sorts spilled to disk"

# ---- resume: a finished work directory is reused, not redone
"$WINNOW" dedup -q -j 2 --partitions 7 -w w2 -o o2/ -r r2b.jsonl \
  --stats st2b.json shards/*.jsonl.gz
[ "$(json_get st2b.json dedup_work.skipped_units)" -gt 0 ] && pass ||
  fail "resume: units skipped"
cmp -s r2b.jsonl rejects.jsonl && pass || fail "resume: same rejects"
"$WINNOW" dedup -q --ngram 4 -w w2 -o o2/ shards/*.jsonl.gz 2>/dev/null
expect_eq "resume with other options refused" 2 $?

# ---- a power cut: work files are renamed into place without fsync, so
# one a marker lists may come back short or with other bytes (its marker
# intact); such a marker is not trusted and its unit alone is redone
full=$(json_get st2b.json dedup_work.skipped_units)
sz=$(wc -c < w2/sig-00000.bin)
dd if=/dev/zero of=w2/sig-00000.bin bs=1 seek=$((sz / 2)) count=64 \
  conv=notrunc 2>/dev/null
: > w2/rej-00001.jsonl.zst
"$WINNOW" dedup -q -j 2 --partitions 7 -w w2 -o o2/ -r r2c.jsonl \
  --stats st2c.json shards/*.jsonl.gz
expect_eq "power cut: two units redone" $((full - 2)) \
  "$(json_get st2c.json dedup_work.skipped_units)"
cmp -s r2c.jsonl rejects.jsonl && pass || fail "power cut: same rejects"
cmp -s o2/bbc.jsonl.gz dedup/bbc.jsonl.gz && pass ||
  fail "power cut: same output"

# ---- a syndicated page in its boilerplate vs the clean article
E=$WN_SHARED/examples
if [ -f "$E/news-page-2.txt" ]; then
  "$WINNOW" dedup -q -o pages/ -r pages.rej --stats pages.json \
    "$E/news-page-2.expected.txt" "$E/news-page-2.txt"
  expect_eq "news page 2: the wrapped copy is a near duplicate" 1 \
    "$(json_get pages.json dedup.near_duplicates)"
fi
# ---- dedup.level changes the compressed bytes, never the documents
cp "$F/small.jsonl" "$TMP/lv.jsonl"
gzip -c "$F/small.jsonl" >"$TMP/lv.jsonl.gz"
"$WINNOW" dedup -q --set dedup.level=1 -o "$TMP/lv1" "$TMP/lv.jsonl.gz"
"$WINNOW" dedup -q --set dedup.level=9 -o "$TMP/lv9" "$TMP/lv.jsonl.gz"
[ "$(zcat "$TMP/lv1/lv.jsonl.gz" | md5sum)" = "$(zcat "$TMP/lv9/lv.jsonl.gz" | md5sum)" ] &&
  pass || fail "dedup.level: other documents"
"$WINNOW" dedup -q --set dedup.level=0 -o "$TMP/lv0" "$TMP/lv.jsonl" 2>/dev/null
expect_eq "dedup.level=0: usage error" 2 $?
# ---- two inputs with one base name would write one output: usage error
mkdir -p "$TMP/c1" "$TMP/c2"
cp "$F/small.jsonl" "$TMP/c1/same.jsonl"; cp "$F/small.jsonl" "$TMP/c2/same.jsonl"
"$WINNOW" dedup -q -o "$TMP/cc" "$TMP/c1/same.jsonl" "$TMP/c2/same.jsonl" 2>"$TMP/cc.err"
expect_eq "inputs sharing a name: exit 2" 2 $?
grep -q "two inputs named same.jsonl" "$TMP/cc.err" && pass || fail "inputs sharing a name: message"
"$WINNOW" substr -q -o "$TMP/cs" "$TMP/c1/same.jsonl" "$TMP/c2/same.jsonl" 2>"$TMP/cs.err"
expect_eq "substr, inputs sharing a name: exit 2" 2 $?
# ---- two whole runs on one work directory: the second is refused (it
# would rename the first one's files away), exit 3, with a message
mkdir -p "$TMP/lk/.dedup"
flock "$TMP/lk/.dedup/lock" sleep 3 &
sleep 0.5
"$WINNOW" dedup -q -o "$TMP/lk" "$F/small.jsonl" 2>"$TMP/lk.err"
expect_eq "locked work directory: exit 3" 3 $?
grep -q "another winnow dedup" "$TMP/lk.err" && pass || fail "locked work directory: message"
wait
finish
