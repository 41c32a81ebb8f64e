#!/bin/sh
# filter.sh - end-to-end tests of `winnow filter`: every run checks
# read = kept + rejected (from --stats, and by counting the output and
# rejects files); reasons, languages (CLD2 and fastText), redaction,
# --disable/--set/--filters, bad input and usage errors, the --help
# examples, and real data from ../shared.  Prints "N passed, N failed" last.
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL filter.sh: $*"; }
check() { # name expected actual
  if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
W=${WINNOW:?} FX=${WN_FIXTURES:?}/filter
SH=${WN_SHARED:-../shared}/data
tmp=$(mktemp -d /tmp/wn-filter-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# stat FILE KEY: a number from a --stats JSON file (the schema of winnow
# run's stats.json): read, kept, rejected are under "documents"
stat() { python3 -c "import json,sys
d=json.load(open(sys.argv[1]))
k=sys.argv[2]
print(d['documents'][k] if k in ('read','kept','rejected') else d[k])" "$1" "$2"; }
lines() { if [ -f "$1" ]; then wc -l <"$1" | tr -d ' '; else echo 0; fi; }
# accounted NAME: read = kept + rejected in the stats, and the files agree
accounted() {
  r=$(stat "$tmp/st.json" read); k=$(stat "$tmp/st.json" kept)
  j=$(stat "$tmp/st.json" rejected)
  check "$1: read = kept + rejected" "$r" "$((k + j))"
  check "$1: kept lines" "$k" "$(lines "$tmp/kept.jsonl")"
  check "$1: rejects lines" "$j" "$(lines "$tmp/rej.jsonl")"
}
run() { # NAME ARGS...: runs filter into kept/rej/st; leaves $rc
  name=$1; shift
  rm -f "$tmp/kept.jsonl" "$tmp/rej.jsonl" "$tmp/st.json"
  "$W" filter -q -o "$tmp/kept.jsonl" --rejects "$tmp/rej.jsonl" \
    --stats "$tmp/st.json" "$@" 2>"$tmp/err"
  rc=$?
  accounted "$name"
}
ids() { python3 -c "import json,sys
print(' '.join(json.loads(l)['id'] for l in open(sys.argv[1])))" "$1"; }
field() { # FILE ID KEY
  python3 -c "import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l)
    if d['id']==sys.argv[2]: print(d.get(sys.argv[3]))" "$1" "$2" "$3"; }

# --- help and usage errors
"$W" filter --help >"$tmp/help"; check "--help" 0 $?
grep -q "reject_reason" "$tmp/help" && ok || bad "--help explains rejects"
"$W" filter 2>/dev/null; check "no input" 2 $?
"$W" filter --bogus "$FX/docs.jsonl" 2>/dev/null; check "unknown option" 2 $?
"$W" filter --disable no_such "$FX/docs.jsonl" 2>/dev/null
check "unknown --disable" 2 $?
"$W" filter --filters gopher,fineweb "$FX/docs.jsonl" 2>/dev/null
check "unknown --filters" 2 $?
"$W" filter --set gopher_quality.no_such=1 "$FX/docs.jsonl" 2>/dev/null
check "unknown option key" 2 $?
"$W" filter --set gopher_quality.min_words=many "$FX/docs.jsonl" 2>/dev/null
check "bad option value" 2 $?
"$W" filter --min-language-score high "$FX/docs.jsonl" 2>/dev/null
check "bad score" 2 $?
"$W" filter --redact email,ssn "$FX/docs.jsonl" 2>/dev/null
check "unknown redact kind" 2 $?
"$W" filter --langid-model "$tmp/none.ftz" "$FX/docs.jsonl" 2>/dev/null
check "missing model" 2 $?

# --- default filters: each fixture document fails for its known reason
run default "$FX/docs.jsonl"
check "default exit" 0 $rc
# good-de is judged under German's settings (docs/filters.md, languages)
check "default kept" "good-en good-de pii" "$(ids "$tmp/kept.jsonl")"
# the registry's order (FineWeb's): repetition is checked before quality,
# in winnow filter as in winnow run
check "short reason" "gopher_repetition:top_2gram_char_frac=0.2353>0.2" \
  "$(field "$tmp/rej.jsonl" short reject_reason)"
check "repeated reason" "gopher_repetition:dup_line_frac=0.6111>0.3" \
  "$(field "$tmp/rej.jsonl" repeated reject_reason)"
check "code reason" "c4_filter:curly_brackets=1>0" \
  "$(field "$tmp/rej.jsonl" code reject_reason)"
check "lorem reason" "c4_filter:lorem_ipsum=1>0" \
  "$(field "$tmp/rej.jsonl" lorem reject_reason)"
check "language metadata" "en" "$(field "$tmp/kept.jsonl" good-en language)"
run english_de --set "gopher_quality.de.stop_words=the be to of and that have with" \
  "$FX/docs.jsonl"
check "German fails English stop words" "gopher_quality:stop_words=0<2" \
  "$(field "$tmp/rej.jsonl" good-de reject_reason)"
check "language of a reject" "de" "$(field "$tmp/rej.jsonl" good-de language)"
n=$(python3 -c "import json,re,sys
print(sum(1 for l in open(sys.argv[1]) if not re.match(r'^[a-z0-9_]+:[a-z0-9_]+=', json.loads(l)['reject_reason'])))" "$tmp/rej.jsonl")
check "every reason is stage:measure=value" 0 "$n"

# --- languages (CLD2, built in)
run languages --languages de --filters langid "$FX/docs.jsonl"
check "--languages de kept" "good-de" "$(ids "$tmp/kept.jsonl")"
check "--languages reason" "langid:language=en!=de" \
  "$(field "$tmp/rej.jsonl" good-en reject_reason)"
run minscore --min-language-score 1.5 --filters langid "$FX/docs.jsonl"
check "--min-language-score drops all" 0 "$(stat "$tmp/st.json" kept)"

# --- fastText lid.176 (the shared model)
M=$SH/langid/fasttext-lid176/lid.176.ftz
if [ -f "$M" ]; then
  run fasttext --langid-model "$M" --languages en,de --filters langid \
    "$FX/docs.jsonl"
  check "fastText kept" 7 "$(stat "$tmp/st.json" kept)"
  check "fastText de" "de" "$(field "$tmp/kept.jsonl" good-de language)"
  s=$(field "$tmp/kept.jsonl" good-en language_score)
  python3 -c "import sys; sys.exit(not 0.5 < float(sys.argv[1]) <= 1)" "$s" \
    && ok || bad "fastText score in (0.5, 1]: $s"
else
  echo "skip filter.sh: $M absent"
fi

# --- switches
run disable --disable c4_filter --disable langid "$FX/docs.jsonl"
check "--disable c4_filter keeps code and lorem" "good-en code pii lorem" \
  "$(ids "$tmp/kept.jsonl")"
run set --set gopher_quality.min_stop_words=off "$FX/docs.jsonl"
check "rule off via --set" "good-en good-de pii" "$(ids "$tmp/kept.jsonl")"
printf '[gopher_quality]\nmin_words = 7\n' >"$tmp/f.ini"
run config --config "$tmp/f.ini" --filters gopher_quality "$FX/docs.jsonl"
check "--config short reason" "gopher_quality:words=6<7" \
  "$(field "$tmp/rej.jsonl" short reject_reason)"

# --- redaction
run redact --redact email,ip,phone --filters pii "$FX/docs.jsonl"
check "redaction keeps every document" 7 "$(stat "$tmp/st.json" kept)"
grep -q 'Write to <EMAIL> or call <PHONE> about version 1.2.3.4.' \
  "$tmp/kept.jsonl" && ok || bad "placeholders, version number untouched"
check "pii_email counted" 1 "$(field "$tmp/kept.jsonl" pii pii_email)"
python3 -c "import json,sys
s=json.load(open(sys.argv[1]))['redacted']
sys.exit(not (s['email']==1 and s['phone']==1 and s['ip']==0))" "$tmp/st.json" \
  && ok || bad "redaction counts in --stats"

# --- a duplicate "text" key cannot smuggle text past redaction
printf '{"id":"p","text":"An article.","text":"mail spammer.joe@example.com"}\n{"id":"q","text":"Write to a@example.com today."}\n' >"$tmp/dup.jsonl"
run duplicate --redact email --filters pii "$tmp/dup.jsonl"
check "duplicate key: exit 1" 1 $rc
check "duplicate key: one document read" 1 "$(stat "$tmp/st.json" read)"
grep -q 'duplicate_key' "$tmp/err" && ok || bad "duplicate key reported"
grep -q 'example.com' "$tmp/kept.jsonl" "$tmp/rej.jsonl" && bad "an address got through" || ok

# --- bad input: counted, reported, exit 1, still accounted
run broken "$FX/broken.jsonl"
check "bad input exit" 1 $rc
grep -q "broken.jsonl" "$tmp/err" && ok || bad "bad input reported"
check "bad input: documents read" 2 "$(stat "$tmp/st.json" read)"

# --- the --help examples (inputs replaced by fixtures)
cp "$FX/docs.jsonl" "$tmp/x.jsonl"
"$W" filter -q --filters fineweb --set fineweb.max_dup_line_char_frac=0.1 \
  "$tmp/x.jsonl" >/dev/null; check "help example: --filters --set" 0 $?
"$W" filter -q --redact email,ip,phone --disable c4_filter "$FX" \
  >/dev/null 2>&1; check "help example: directory input" 1 $?

# --- real data: human-labelled DCLM pages and news articles
for f in "$SH/jsonl/dclm-quality-labels/majority_data.jsonl.gz" \
         "$SH/text/bbc-news-2225/bbc-news-2225.jsonl.gz"; do
  if [ -f "$f" ]; then
    run "$(basename "$f")" --redact email,ip,phone "$f"
    check "$(basename "$f") exit" 0 $rc
  else
    echo "skip filter.sh: $f absent"
  fi
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
