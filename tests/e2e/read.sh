#!/bin/sh
# End-to-end tests of `winnow read`: every real WARC/WET sample is read
# without a crash, its record count matches an independent count (grep of
# the WARC-Type lines of the decompressed file), and documents, damage and
# exit status match what each sample holds (../shared/data/warc/SOURCE.md).
set -u
. "$(dirname "$0")/lib.inc"

W=$WN_SHARED/data/warc
if [ ! -d "$W" ]; then
  skip "WARC samples: $W is absent"
else
  # file | documents | bad-input events | exit status
  while read -r f docs bad code; do
    [ -n "$f" ] || continue
    out=$TMP/out.jsonl
    "$WINNOW" read -q "$W/$f" -o "$out" --stats "$TMP/st.json" 2>"$TMP/err"
    rc=$?
    expect_eq "$f: exit status" "$code" "$rc"
    expect_eq "$f: documents" "$docs" "$(json_get "$TMP/st.json" input.docs)"
    expect_eq "$f: bad-input events" "$bad" "$(json_sum "$TMP/st.json" input.bad_files input.bad_codec input.truncated input.bad_records input.oversize input.io_errors)"
    indep=$(zcat -f "$W/$f" 2>/dev/null | grep -a -c '^WARC-Type:')
    expect_eq "$f: records vs independent count" "$indep" "$(json_get "$TMP/st.json" input.warc_records)"
    expect_eq "$f: output lines" "$docs" "$(wc -l < "$out" | tr -d ' ')"
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]' "$out" \
      && pass || fail "$f: output is not valid JSON/UTF-8"
  done <<'TABLE'
dolma/sample-0000.warc.gz 22 0 0
dolma/sample-0001.warc.gz 15 0 0
ia-web-commons/IAH-urls-wget.warc.gz 11 0 0
ia-web-commons/html-lang-attribute.warc 5 0 0
ia-web-commons/link-extraction-test.warc 9 0 0
ia-web-commons/text-extraction-test.warc 1 0 0
jwarc/cc.warc.gz 1 0 0
jwarc/gzip_extra_sl.warc.gz 0 0 0
npm-warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc 3 0 0
npm-warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wat 0 0 0
npm-warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet 3 0 0
resiliparse/block-sized-records.warc.gz 0 0 0
resiliparse/clipped.warc.gz 0 1 1
resiliparse/clueweb-quirk.warc.gz 29 0 0
resiliparse/warcfile.warc.gz 16 0 1
warcio/example-bad-non-chunked.warc.gz 1 0 0
warcio/example-bad.warc.gz.bad 2 0 0
warcio/example-digest.warc 0 0 0
warcio/example-iana.org-chunked.warc 1 0 0
warcio/example-resource.warc.gz 1 0 0
warcio/example-space-in-target-uri.warc.gz 0 0 0
warcio/example-trunc.warc 0 1 1
warcio/example-wget-bad-target-uri.warc.gz 1 0 0
warcio/example-wrong-chunks.warc.gz 1 0 0
warcio/example.warc 1 0 0
warcio/example.warc.gz 1 0 0
warcio/post-test.warc.gz 0 0 0
whirlwind/whirlwind.warc.gz 1 0 0
whirlwind/whirlwind.warc.wat.gz 0 0 0
whirlwind/whirlwind.warc.wet.gz 1 0 0
TABLE
  # the WARC and WET of the same Common Crawl page carry the same url
  u1=$("$WINNOW" read -q "$W/whirlwind/whirlwind.warc.gz" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["url"])')
  u2=$("$WINNOW" read -q "$W/whirlwind/whirlwind.warc.wet.gz" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["url"])')
  expect_eq "WARC and WET of one page: same url" "$u1" "$u2"
  # a body labelled gzip that is plain HTML (a real 2014 Common Crawl
  # response) is kept and counted as a quirk, not dropped as bad data
  Q=$W/npm-warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc
  "$WINNOW" read -q "$Q" -o "$TMP/q.jsonl" --stats "$TMP/q.json" 2>"$TMP/q.err"
  [ "$(json_get "$TMP/q.json" input.http_quirks)" -ge 1 ] && pass || fail "gzip label on a plain body: quirk counted"
  grep -q 'not compressed: kept' "$TMP/q.err" && pass || fail "gzip label on a plain body: reported"
  python3 -c 'import json,sys; sys.exit(not any("<" in json.loads(l).get("html","") for l in open(sys.argv[1])))' "$TMP/q.jsonl" \
    && pass || fail "gzip label on a plain body: the page is kept"
  # a resource record holding HTML is a page like a response's
  "$WINNOW" extract -q "$W/warcio/example-resource.warc.gz" -o "$TMP/res.jsonl" --stats "$TMP/res.json"
  expect_eq "resource record: extract exit" 0 $?
  expect_eq "resource record: one page read" 1 "$(json_get "$TMP/res.json" input.warc_resource_html)"
  # a wrong Content-Length in the first of three records (too long, past
  # the end of the input, too short, into the next record): the two good
  # records after it are read, the bad one reported once
  python3 - "$TMP" <<'EOF'
import sys
def rec(n, text, clen=None):
    body = text.encode()
    cl = len(body) if clen is None else clen
    return ("WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: http://e.org/%d\r\n"
            "Content-Length: %d\r\n\r\n" % (n, cl)).encode() + body + b"\r\n\r\n"
for name, cl in [("big", 500000), ("huge", 99999999999), ("short", 5), ("over", 300)]:
    open("%s/bad-%s.warc" % (sys.argv[1], name), "wb").write(
        rec(1, "first record text here. " * 5, cl) + rec(2, "second") + rec(3, "third"))
EOF
  for n in big huge short over; do
    "$WINNOW" read -q "$TMP/bad-$n.warc" -o "$TMP/bad.jsonl" 2>"$TMP/bad.err"
    expect_eq "Content-Length $n: exit 1" 1 $?
    expect_eq "Content-Length $n: the two good records" 2 "$(wc -l <"$TMP/bad.jsonl" | tr -d ' ')"
    expect_eq "Content-Length $n: reported once" 1 "$(grep -c 'offset 0' "$TMP/bad.err")"
  done
  # ARC is recognised and refused with a message, exit 1
  "$WINNOW" read -q "$W/warcio/example.arc.gz" >/dev/null 2>"$TMP/err"
  expect_eq "ARC file: exit status" 1 $?
  grep -q 'ARC format' "$TMP/err" && pass || fail "ARC file: no clear message"
fi

J=$WN_SHARED/data/jsonl
if [ -d "$J" ]; then
  for f in dolma-cc-head/cc_en_head-0091.jsonl.gz dolma-cc-head/cc_en_head-0174.jsonl.gz \
           dolma-cc-head/provided-documents-000.json.gz dclm-quality-labels/agreement_data.jsonl.gz \
           dclm-quality-labels/majority_data.jsonl.gz; do
    n=$(zcat "$J/$f" | grep -c .)
    "$WINNOW" read -q "$J/$f" -o "$TMP/j.jsonl.zst" --stats "$TMP/st.json"
    expect_eq "$f: exit status" 0 $?
    expect_eq "$f: every line a document" "$n" "$(json_get "$TMP/st.json" input.docs)"
    # metadata survives: the input's keys are all in the output
    python3 - "$J/$f" "$TMP/j.jsonl.zst" <<'PY' && pass || fail "$f: metadata lost"
import gzip, json, subprocess, sys
a = [json.loads(l) for l in gzip.open(sys.argv[1], "rt", encoding="utf-8")]
b = [json.loads(l) for l in subprocess.run(["zstd", "-dc", sys.argv[2]], capture_output=True).stdout.decode().splitlines()]
assert len(a) == len(b)
for x, y in zip(a, b):
    for k, v in x.items():
        assert y.get(k) == v, k
PY
  done
else
  skip "JSONL samples: $J is absent"
fi

# usage and exit statuses
"$WINNOW" --version | grep -q '^winnow [0-9]' && pass || fail "--version"
"$WINNOW" read --help | grep -q 'examples:' && pass || fail "read --help has examples"
"$WINNOW" read >/dev/null 2>&1; expect_eq "no input: usage error" 2 $?
"$WINNOW" read --bogus x >/dev/null 2>&1; expect_eq "unknown option: usage error" 2 $?
"$WINNOW" nosuchcmd >/dev/null 2>&1; expect_eq "unknown command: usage error" 2 $?
"$WINNOW" read -q /nonexistent/file >/dev/null 2>"$TMP/err"; expect_eq "missing file: exit 1" 1 $?
grep -q '/nonexistent/file' "$TMP/err" && pass || fail "missing file named in message"

# bad input in the middle: reported with file and offset, rest processed
printf '{"text":"a"}\n{"text":\n{"text":"c"}\n' > "$TMP/b.jsonl"
"$WINNOW" read -q "$TMP/b.jsonl" -o "$TMP/b.out" 2>"$TMP/err"
expect_eq "bad JSON line: exit 1" 1 $?
expect_eq "bad JSON line: others kept" 2 "$(wc -l < "$TMP/b.out" | tr -d ' ')"
grep -q 'b.jsonl: offset 21: invalid JSON' "$TMP/err" && pass || fail "bad JSON: message names file and offset: $(cat "$TMP/err")"

# stdin, text output, directories
printf 'hello from stdin\n' | "$WINNOW" read -q - | grep -q '"text":"hello from stdin\\n"' && pass || fail "stdin"
mkdir -p "$TMP/d/sub"; printf 'one\n' > "$TMP/d/a.txt"; printf 'two\n' > "$TMP/d/sub/b.txt"
"$WINNOW" read -q --to text "$TMP/d" > "$TMP/t.out"
expect_eq "directory walk, text output" "$(printf 'one\n\ntwo\n')" "$(cat "$TMP/t.out")"
# compressed output by name is readable back
"$WINNOW" read -q "$TMP/d" -o "$TMP/d.jsonl.gz" && zcat "$TMP/d.jsonl.gz" | grep -q '"text":"two\\n"' && pass || fail "gzip output"

finish
