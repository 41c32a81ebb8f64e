#!/bin/sh
# End-to-end tests of `winnow extract`.
#  - The Common Crawl page in whirlwind.warc.gz (one Wikipedia article, a
#    WARC response holding HTML) against its WET twin whirlwind.warc.wet.gz
#    (Common Crawl's own text of the same page, navigation included): all
#    the words winnow keeps are words of the WET text (precision >= 0.98);
#    with --mode all winnow finds nearly all of them (recall >= 0.85;
#    measured 1.000 and 0.921); the main text is a strict, shorter subset
#    of all the text; metadata title, html_lang, http_status and url.
#  - WET input is already text: extract passes it through, byte for byte
#    the same as `winnow read`.
#  - --from html on the fixture pages gives their expected text.
#  - usage errors exit 2; --help examples mention the options.
. "$(dirname "$0")/lib.inc"
fx=${WN_FIXTURES:-tests/fixtures}/extract
ww=$WN_SHARED/data/warc/whirlwind

# token precision/recall of file $1 against reference file $2
overlap() {
  python3 - "$1" "$2" <<'EOF'
import collections, re, sys
def t(p):
    return collections.Counter(re.findall(r'\w+', open(p, encoding='utf-8').read().lower()))
a, w = t(sys.argv[1]), t(sys.argv[2])
tp = sum((a & w).values())
print('%.3f %.3f %d' % (tp / max(1, sum(a.values())), tp / max(1, sum(w.values())), sum(a.values())))
EOF
}
ge() { python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)" "$1" "$2"; }

if [ -f "$ww/whirlwind.warc.gz" ] && [ -f "$ww/whirlwind.warc.wet.gz" ]; then
  "$WINNOW" extract -q --to text "$ww/whirlwind.warc.gz" >"$TMP/main.txt"
  expect_eq "extract exit status" 0 $?
  "$WINNOW" extract -q --mode all --to text "$ww/whirlwind.warc.gz" >"$TMP/all.txt"
  "$WINNOW" read -q --to text "$ww/whirlwind.warc.wet.gz" >"$TMP/wet.txt"
  set -- $(overlap "$TMP/main.txt" "$TMP/wet.txt")
  if ge "$1" 0.98; then pass; else fail "main text precision vs WET $1 < 0.98"; fi
  if ge "$3" 100; then pass; else fail "main text has only $3 words"; fi
  main_words=$3
  set -- $(overlap "$TMP/all.txt" "$TMP/wet.txt")
  if ge "$1" 0.98; then pass; else fail "all text precision vs WET $1 < 0.98"; fi
  if ge "$2" 0.85; then pass; else fail "all text recall vs WET $2 < 0.85"; fi
  if [ "$main_words" -lt "$3" ]; then pass; else
    fail "main text ($main_words words) not shorter than all ($3)"; fi
  set -- $(overlap "$TMP/main.txt" "$TMP/all.txt")
  expect_eq "main text within all text" 1.000 "$1"
  grep -q "^Ye situato a 860 metros d'altaria" "$TMP/main.txt" && pass ||
    fail "article paragraph missing from the main text"
  grep -q "Politica de privacidat" "$TMP/main.txt" &&
    fail "footer link kept in the main text" || pass
  "$WINNOW" extract -q "$ww/whirlwind.warc.gz" >"$TMP/main.jsonl"
  expect_eq "one document" 1 "$(wc -l <"$TMP/main.jsonl" | tr -d ' ')"
  head -1 "$TMP/main.jsonl" >"$TMP/doc.json"
  expect_eq title "Escopete - Biquipedia, a enciclopedia libre" \
    "$(json_get "$TMP/doc.json" title)"
  expect_eq html_lang an "$(json_get "$TMP/doc.json" html_lang)"
  expect_eq http_status 200 "$(json_get "$TMP/doc.json" http_status)"
  expect_eq url https://an.wikipedia.org/wiki/Escopete \
    "$(json_get "$TMP/doc.json" url)"
  grep -q '"html"' "$TMP/main.jsonl" && fail "html field left in output" || pass
  # the first --help example: compressed output appears whole
  "$WINNOW" extract -q "$ww/whirlwind.warc.gz" -o "$TMP/text.jsonl.zst"
  expect_eq "help example -o .zst" 0 $?
  zstd -dc "$TMP/text.jsonl.zst" | cmp -s - "$TMP/main.jsonl" && pass ||
    fail "zstd output differs from plain output"
  # WET: already text, passes through
  "$WINNOW" extract -q "$ww/whirlwind.warc.wet.gz" >"$TMP/wet1.jsonl"
  "$WINNOW" read -q "$ww/whirlwind.warc.wet.gz" >"$TMP/wet2.jsonl"
  cmp -s "$TMP/wet1.jsonl" "$TMP/wet2.jsonl" && pass ||
    fail "WET documents changed by extract"
else
  skip "whirlwind WARC/WET not found under $ww"
fi

for p in article layout; do
  "$WINNOW" extract -q --from html --to text "$fx/$p.html" >"$TMP/$p.txt"
  expect_eq "$p exit status" 0 $?
  printf '\n' >>"$TMP/$p.txt"
  # the text writer ends a document with a blank line
  sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$TMP/$p.txt" >"$TMP/$p.trim"
  cmp -s "$TMP/$p.trim" "$fx/$p.expected.txt" && pass ||
    fail "$p.html: text differs from $p.expected.txt"
done

# a page with nothing left is dropped and counted; --keep-empty keeps it
printf '<html><nav><a href=/>Home</a></nav></html>' >"$TMP/empty.html"
out=$("$WINNOW" extract --from html "$TMP/empty.html" 2>"$TMP/err")
expect_eq "empty page dropped" "" "$out"
grep -q "1 pages empty" "$TMP/err" && pass || fail "empty page not counted"
n=$("$WINNOW" extract -q --keep-empty --from html "$TMP/empty.html" | wc -l)
expect_eq "--keep-empty" 1 "$(echo $n)"

# usage
"$WINNOW" extract >/dev/null 2>&1
expect_eq "no input" 2 $?
"$WINNOW" extract --mode bogus "$fx/article.html" >/dev/null 2>&1
expect_eq "bad mode" 2 $?
"$WINNOW" extract --set extract.nope=1 "$fx/article.html" >/dev/null 2>&1
expect_eq "unknown option" 2 $?
"$WINNOW" extract --no-such-flag >/dev/null 2>&1
expect_eq "unknown flag" 2 $?
"$WINNOW" extract --help >"$TMP/help"
expect_eq "--help" 0 $?
grep -q "^examples:" "$TMP/help" && pass || fail "--help has no examples"
"$WINNOW" extract --list-options | grep -q "^extract.link_density" && pass ||
  fail "--list-options misses extract.link_density"
# the --help examples run
cp "$fx/article.html" "$TMP/page.html"
"$WINNOW" extract -q --from html --to text "$TMP/page.html" >/dev/null
expect_eq "help example --from html" 0 $?
printf '{"id":"p1","html":"<p>One paragraph.</p>"}\n' >"$TMP/pages.jsonl"
"$WINNOW" extract -q --mode all --set extract.link_density=0.5 \
  "$TMP/pages.jsonl" >"$TMP/pages.out"
expect_eq "help example --mode all" 0 $?
grep -q '"text":"One paragraph."' "$TMP/pages.out" && pass ||
  fail "JSONL html page not extracted"
finish
