#!/bin/sh
# clean.sh - end-to-end tests of `winnow clean` and `winnow explain`: the
# example pages against their labels and expected text, the site-lines
# pass over a directory of pages, rejects, rule files, presets, usage
# errors.  Prints "N passed, N failed" last.
set -u
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL clean.sh: $*"; }
check() { # name expected actual
  if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
W=${WINNOW:?} FX=${WN_FIXTURES:?}/clean
EX=${WN_SHARED:-../shared}/examples
tmp=$(mktemp -d /tmp/wn-clean-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- help and usage errors
"$W" clean --help >/dev/null; check "clean --help" 0 $?
"$W" explain --help >/dev/null; check "explain --help" 0 $?
"$W" clean 2>/dev/null; check "clean without input" 2 $?
"$W" clean --bogus x 2>/dev/null; check "unknown option" 2 $?
"$W" clean --preset gopher "$FX/site/page-1.txt" 2>/dev/null
check "unknown preset" 2 $?
"$W" clean --disable no_such_rule "$FX/site/page-1.txt" 2>/dev/null
check "unknown rule" 2 $?
"$W" clean --set clean.no_such=1 "$FX/site/page-1.txt" 2>/dev/null
check "unknown option key" 2 $?
"$W" clean --set novalue "$FX/site/page-1.txt" 2>/dev/null
check "--set without =" 2 $?
# (site lines on a stream: see "piped input" below)
"$W" explain --options | grep -q '^  site_lines.min_pages'
check "explain --options" 0 $?

# --- the example pages, alone (taglines stay: no siblings)
if [ -f "$EX/news-page-1.txt" ]; then
  for p in 1 2; do
    "$W" explain -q --no-site-lines "$EX/news-page-$p.txt" >"$tmp/ex$p"
    check "page $p explain rc" 0 $?
    # label of every line, the tagline counted as KEEP when alone
    awk -F'\t' 'NR > 1 { print ($3 == "site-tagline" ? "KEEP" : $2) }' \
      "$EX/news-page-$p.labels.tsv" >"$tmp/want$p"
    grep -v '^# ' "$tmp/ex$p" | cut -f1 >"$tmp/got$p"
    if cmp -s "$tmp/want$p" "$tmp/got$p"; then ok; else
      bad "page $p verdicts differ from labels"
      paste "$tmp/want$p" "$tmp/got$p" | grep -vn '^\(.*\)	\1$' | head -5
    fi
    # header line
    head -1 "$tmp/ex$p" | grep -q "^# .*news-page-$p.txt" ; check "header $p" 0 $?
  done
  # page 2 cleaned alone is exactly its expected text (NBSP normalised)
  "$W" clean -q --no-site-lines --to text "$EX/news-page-2.txt" >"$tmp/p2.txt"
  sed 's/\xc2\xa0/ /g; s/  */ /g; s/ $//' "$EX/news-page-2.expected.txt" \
    >"$tmp/p2.want"
  if cmp -s "$tmp/p2.want" "$tmp/p2.txt"; then ok; else
    bad "page 2 clean text differs from expected"; diff "$tmp/p2.want" \
      "$tmp/p2.txt" | head -5
  fi

  # --- site lines: page 1 in a directory with four more pages of its site
  mkdir "$tmp/site"
  cp "$EX/news-page-1.txt" "$FX/site/page-1.txt" "$FX/site/page-2.txt" \
    "$FX/site/page-3.txt" "$FX/site/page-4.txt" "$tmp/site/"
  "$W" explain -q "$tmp/site" >"$tmp/site.out"
  check "site explain rc" 0 $?
  n=$(grep -c "^DROP	site_lines	Jesus' Coming Back$" "$tmp/site.out")
  check "tagline 1 dropped on all 5 pages" 5 "$n"
  n=$(grep -c "^DROP	site_lines	Jesus Christ is King$" "$tmp/site.out")
  check "tagline 2 dropped on all 5 pages" 5 "$n"
  n=$(grep -c "^KEEP	France warns Pentagon chief" "$tmp/site.out")
  check "title kept" 1 "$n"
  # clean agrees with explain: the text output has no tagline
  "$W" clean -q --to text "$tmp/site" >"$tmp/site.txt"
  check "site clean rc" 0 $?
  n=$(grep -c "Jesus" "$tmp/site.txt"); check "no tagline in clean text" 0 "$n"
  n=$(grep -c "Harvest festival draws record crowd" "$tmp/site.txt")
  check "fixture title kept" 1 "$n"
  # --no-site-lines keeps them; so does a directory of two pages
  n=$("$W" clean -q --no-site-lines --to text "$tmp/site" | grep -c "Jesus")
  check "taglines kept without site lines" 10 "$n"
  mkdir "$tmp/two"; cp "$EX/news-page-1.txt" "$FX/site/page-5.txt" "$tmp/two/"
  n=$("$W" clean -q --to text "$tmp/two" | grep -c "Jesus")
  check "two pages are not a site template" 4 "$n"
else
  echo "skip clean.sh example pages: $EX absent"
fi

# --- JSONL in and out; site is the url's registered domain
"$W" clean -q "$FX/site/pages.jsonl" >"$tmp/pages.out"
check "jsonl rc" 0 $?
n=$(wc -l <"$tmp/pages.out"); check "5 documents out" 5 "$n"
n=$(grep -c 'Jesus' "$tmp/pages.out"); check "taglines gone (jsonl)" 0 "$n"
n=$(grep -c '"url":"https://www.jesus-coming-back.example/' "$tmp/pages.out")
check "urls kept" 5 "$n"

# --- piped input: a stream is spooled so that the site-lines first pass
# and the cleaning pass both see it (it used to give "0 documents")
cat "$FX/site/pages.jsonl" | "$W" clean -q - >"$tmp/pipe.out" 2>"$tmp/pipe.err"
check "stdin with site lines rc" 0 $?
n=$(wc -l <"$tmp/pipe.out"); check "stdin: 5 documents out" 5 "$n"
n=$(grep -c 'Jesus' "$tmp/pipe.out"); check "stdin: taglines gone" 0 "$n"
python3 -c "import json,sys
a=[json.loads(l)['text'] for l in open(sys.argv[1])]
b=[json.loads(l)['text'] for l in open(sys.argv[2])]
sys.exit(a != b)" "$tmp/pipe.out" "$tmp/pages.out" && ok || bad "stdin and file clean alike"
grep -q '"source":"-:' "$tmp/pipe.out" && ok || bad "stdin documents name their source '-'"
# process substitution (a pipe under /dev/fd) works the same way
if [ -e /dev/fd/0 ]; then
  bash -c '"$0" explain -q <(cat "$1")' "$W" "$FX/site/pages.jsonl" >"$tmp/ps.out" 2>/dev/null
  check "explain on process substitution rc" 0 $?
  n=$(grep -c "^DROP	site_lines	" "$tmp/ps.out")
  [ "$n" -gt 0 ] && ok || bad "explain on a pipe: site lines found ($n)"
fi

# --- rejects: a page of nothing but boilerplate
printf 'Comments are closed.\n\nLeave a Reply\n' >"$tmp/empty.txt"
printf 'The council met on Tuesday evening to vote on the plan.\n' \
  >"$tmp/good.txt"
"$W" clean -q --no-site-lines --rejects "$tmp/rej.jsonl" -o "$tmp/out.jsonl" \
  "$tmp/empty.txt" "$tmp/good.txt"
check "rejects rc" 0 $?
n=$(grep -c '"reject_reason":"clean:empty_after_cleaning"' "$tmp/rej.jsonl")
check "reject reason" 1 "$n"
n=$(wc -l <"$tmp/out.jsonl"); check "kept document" 1 "$n"

# --- a rule file and --disable
printf '# my rules\nmy_tagline maxlen=100 ^the council met.*$\n' >"$tmp/rules"
n=$("$W" explain -q --no-site-lines --rules "$tmp/rules" "$tmp/good.txt" |
  grep -c '^DROP	my_tagline	')
check "user rule" 1 "$n"
n=$("$W" explain -q --no-site-lines --disable comments_closed \
  "$tmp/empty.txt" | grep -c '^KEEP	Comments are closed.$')
check "--disable" 1 "$n"
printf 'bad!name ^x$\n' >"$tmp/badrules"
"$W" clean --rules "$tmp/badrules" "$tmp/good.txt" 2>"$tmp/err"
check "bad rule file" 2 $?
grep -q 'line 1' "$tmp/err"; check "bad rule file names the line" 0 $?

# --- presets
"$W" explain -q --no-site-lines --preset c4 "$tmp/good.txt" >"$tmp/c4"
grep -q '^# dropped: c4:sentences=1<3$' "$tmp/c4"; check "c4 doc rule" 0 $?
"$W" clean -q --no-site-lines --preset c4 --rejects "$tmp/c4rej.jsonl" \
  "$tmp/good.txt" >/dev/null
grep -q '"reject_reason":"c4:sentences=1<3"' "$tmp/c4rej.jsonl"
check "c4 reject reason" 0 $?

# --- stdin works without site lines
n=$(printf 'Share on Facebook\nThe council met on Tuesday to vote.\n' |
  "$W" clean -q --to text - | wc -l)
check "stdin" 1 "$n"

# --- every example of --help runs (file names mapped to fixtures)
for cmd in clean explain; do
  "$W" $cmd --help | sed -n '/^examples:/,$p' | grep '^  winnow ' |
    sed -e "s|site-pages.jsonl|$FX/site/pages.jsonl|g" \
        -e "s| pages.jsonl| $FX/site/pages.jsonl|g" \
        -e "s| page.txt| $FX/site/page-1.txt|g" \
        -e "s| site/| $FX/site/|g" \
        -e "s|crawl.warc.wet.gz|$FX/site/pages.jsonl|g" \
        -e "s|-o clean.jsonl|-o $tmp/example.jsonl|g" \
        -e "s|rejected.jsonl|$tmp/example-rej.jsonl|g" \
        -e "s|^  winnow|\"$W\"|" >"$tmp/examples"
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    sh -c "$line" >/dev/null 2>"$tmp/example.err"
    check "$cmd --help example $n: $line" 0 $?
  done <"$tmp/examples"
  [ $n -ge 3 ] && ok || bad "$cmd --help: only $n examples found"
done

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
