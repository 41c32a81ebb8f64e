#!/bin/sh
# annotate.sh - `winnow run --annotate` then `winnow select`: with the
# defaults, select keeps exactly (byte for byte) what a plain run keeps and
# rejects the rest with the same reasons; with --set on a stage that keeps
# its signals, exactly what a plain run with that --set keeps; --where
# filters on metadata; options of stages that keep no signals are refused.
# Inputs: the sample corpus, and real WET and JSONL pages from ../shared
# when present.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
IN="$top/sample/crawl.warc.wet $top/sample/feed.jsonl"
for f in "$WN_SHARED"/data/warc/npm-warc/*.wet \
         "$WN_SHARED"/data/jsonl/dolma-cc-head/cc_en_head-0091.jsonl.gz; do
  [ -f "$f" ] && IN="$IN $f"
done
cat_dir() { for f in "$1"/*; do [ -f "$f" ] && zstd -dcf "$f"; done; }
reasons() { python3 -c '
import json, sys
for l in sys.stdin: print(json.loads(l)["reject_reason"])' | sort; }

# shellcheck disable=SC2086 # IN is a list of paths without blanks
"$WINNOW" run -q --no-progress --no-dedup $IN -o "$TMP/plain"
expect_eq "plain run: exit" 0 $?
"$WINNOW" run -q --no-progress --annotate $IN -o "$TMP/ann"
expect_eq "annotated run: exit" 0 $?
expect_eq "annotated run: nothing rejected" 0 \
  "$(cat_dir "$TMP/ann/rejects" | wc -l | tr -d ' ')"
cat_dir "$TMP/ann/data" >"$TMP/ann.jsonl"
cat_dir "$TMP/plain/data" >"$TMP/plain.jsonl"
cat_dir "$TMP/plain/rejects" | reasons >"$TMP/plain.reasons"
n=$(wc -l <"$TMP/ann.jsonl")
[ "$n" -gt 20 ] && pass || fail "too few documents ($n)"
python3 - "$TMP/ann.jsonl" "$TMP/ann/stats.json" <<'PY' && pass || fail "stats: would_reject = verdicts"
import json, sys
count = {}
for l in open(sys.argv[1]):
    for k, v in json.loads(l)["verdicts"].items():
        count[k] = count.get(k, 0) + (v is not None)
st = json.load(open(sys.argv[2]))
assert st["documents"]["rejected"] == 0, st["documents"]
got = {s["name"]: s["would_reject"] for s in st["stages"]}
assert got == count, (got, count)
assert sum(count.values()) > 0
PY
want=$(json_get "$TMP/ann/stats.json" stages | python3 -c '
import ast, sys
print([s["would_reject"] for s in ast.literal_eval(sys.stdin.read())
       if s["name"] == "gopher_quality"][0])')
grep -q "id=\"stage-gopher_quality-would_reject\">$want<" "$TMP/ann/report.html" &&
  pass || fail "report.html: would_reject column"
python3 - "$TMP/ann.jsonl" <<'PY' && pass || fail "annotated: verdicts and signals"
import json, sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    v, s = d["verdicts"], d["signals"]
    assert list(v)[0] == "url_filter" and "gopher_quality" in v, v
    assert set(s["gopher_quality"]) >= {"words", "mean_word_length"}, s
PY

"$WINNOW" select -q "$TMP/ann/data" -o "$TMP/sel.jsonl" \
  --rejects "$TMP/selrej.jsonl" --stats "$TMP/sel.stats"
expect_eq "select: exit" 0 $?
cmp -s "$TMP/plain.jsonl" "$TMP/sel.jsonl" && pass ||
  fail "select with the defaults: kept differs from a plain run"
reasons <"$TMP/selrej.jsonl" >"$TMP/sel.reasons"
cmp -s "$TMP/plain.reasons" "$TMP/sel.reasons" && pass ||
  fail "select with the defaults: reasons differ: $(diff "$TMP/plain.reasons" "$TMP/sel.reasons" | head -3)"
expect_eq "select: stats read" "$n" "$(json_get "$TMP/sel.stats" documents.read)"

# a new threshold: as a plain run with it
"$WINNOW" run -q --no-progress --no-dedup --set gopher_quality.min_words=120 \
  $IN -o "$TMP/plain120"
cat_dir "$TMP/plain120/data" >"$TMP/plain120.jsonl"
"$WINNOW" select -q --set gopher_quality.min_words=120 "$TMP/ann.jsonl" \
  -o "$TMP/sel120.jsonl" --rejects "$TMP/rej120.jsonl"
cmp -s "$TMP/plain120.jsonl" "$TMP/sel120.jsonl" && pass ||
  fail "--set gopher_quality.min_words=120: kept differs from a plain run"
[ "$(wc -l <"$TMP/sel120.jsonl")" -lt "$(wc -l <"$TMP/sel.jsonl")" ] && pass ||
  fail "--set min_words=120 keeps no fewer"
cat_dir "$TMP/plain120/rejects" | reasons >"$TMP/p120.reasons"
reasons <"$TMP/rej120.jsonl" >"$TMP/s120.reasons"
cmp -s "$TMP/p120.reasons" "$TMP/s120.reasons" && pass ||
  fail "--set min_words=120: reasons differ"

# same_as_plain NAME ARGS...: select with ARGS keeps what a plain run with
# ARGS keeps, which differs from what the defaults keep
same_as_plain() {
  name=$1; shift
  # shellcheck disable=SC2086
  "$WINNOW" run -q --no-progress --no-dedup "$@" $IN -o "$TMP/p-$name"
  cat_dir "$TMP/p-$name/data" >"$TMP/p-$name.jsonl"
  "$WINNOW" select -q "$@" "$TMP/ann.jsonl" -o "$TMP/s-$name.jsonl"
  cmp -s "$TMP/p-$name.jsonl" "$TMP/s-$name.jsonl" && pass ||
    fail "$name: kept differs from a plain run"
  cmp -s "$TMP/p-$name.jsonl" "$TMP/plain.jsonl" && fail "$name: no effect" || pass
}
# fineweb and gopher_repetition keep their signals too
same_as_plain fineweb --set fineweb.min_line_punct_ratio=0.7 \
  --set fineweb.max_short_line_ratio=0.2
same_as_plain gopher_repetition --set gopher_repetition.max_top_2gram=0.025 \
  --set gopher_repetition.max_dup_5gram=0.02
same_as_plain c4_filter --set c4_filter.min_sentences=12
# url_filter decides on the URL (metadata) with the lists select is given
printf 'harbortownledger.example\n' >"$TMP/block.txt"
same_as_plain url_filter --set url_filter.domains="$TMP/block.txt"
"$WINNOW" select -q --set fineweb.short_line_length=10 "$TMP/ann.jsonl" \
  -o "$TMP/x.jsonl" 2>"$TMP/err"
expect_eq "fineweb.short_line_length differs from the annotated run's: fails" 2 $?
grep -q "fineweb: the annotated run measured its signals under other options" \
  "$TMP/err" && pass || fail "fineweb.short_line_length: message"

# --where on metadata and signals
"$WINNOW" select -q --where 'language == "en" && gopher_quality.words >= 300' \
  "$TMP/ann.jsonl" -o "$TMP/w.jsonl" --rejects "$TMP/wr.jsonl"
want=$(python3 - "$TMP/ann.jsonl" <<'PY'
import json, sys
k = 0
for l in open(sys.argv[1]):
    d = json.loads(l)
    if all(v is None for v in d["verdicts"].values()) and \
       d.get("language") == "en" and d["signals"]["gopher_quality"]["words"] >= 300:
        k += 1
print(k)
PY
)
expect_eq "--where: kept" "$want" "$(wc -l <"$TMP/w.jsonl" | tr -d ' ')"
grep -q 'select:where=false' "$TMP/wr.jsonl" && pass || fail "--where: reason"
"$WINNOW" select -q --where '!(language == "en") || x.y < 1' \
  "$TMP/ann.jsonl" -o "$TMP/w2.jsonl"
expect_eq "--where: not, or, missing values" 0 "$(wc -l <"$TMP/w2.jsonl" | tr -d ' ')"

# refused: a stage that keeps no signals; a bad expression
"$WINNOW" select -q --set pii.redact=email "$TMP/ann.jsonl" \
  -o "$TMP/x.jsonl" 2>"$TMP/err"
expect_eq "pii option: usage error" 2 $?
"$WINNOW" select -q --where 'language ==' "$TMP/ann.jsonl" -o "$TMP/x.jsonl" \
  2>"$TMP/err"
expect_eq "bad --where: usage error" 2 $?
# run.mode = annotate is --annotate
"$WINNOW" run -q --no-progress --set run.mode=annotate \
  "$top/sample/crawl.warc.wet" -o "$TMP/ann2"
expect_eq "run.mode=annotate: nothing rejected" 0 \
  "$(cat_dir "$TMP/ann2/rejects" | wc -l | tr -d ' ')"
finish
