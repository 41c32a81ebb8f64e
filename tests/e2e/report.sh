#!/bin/sh
# End-to-end tests of report.html and `winnow report`: the page is
# self-contained (no script, nothing fetched), escapes document text, is
# drawn again from OUTDIR's files to the same bytes, and is the same for
# any -j outside its time section; in Debian's headless Chromium, every
# figure (each number and bar carries its stats.json pointer) matches
# stats.json and timing.json, and a screenshot goes to $WN_BUILD/report/
# for the docs.  `winnow report A B` compares two runs the same way.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${WN_BUILD:=$top/build}"

# --- the sample corpus as `make run` runs it, plus a page with markup in
# its text that must come out escaped
mkdir -p "$TMP/in"
cp "$top/sample/crawl.warc.wet" "$top/sample/feed.jsonl" "$TMP/in/"
printf '%s\n' '{"id":"evil-1","url":"https://evil.example/x","text":"<script>alert(1)</script> & <b>bold</b>"}' > "$TMP/in/evil.jsonl"
A=$TMP/a
"$WINNOW" run -q --no-progress -j 2 --config "$top/config/english-web.ini" "$TMP/in" -o "$A" 2>"$TMP/err"
expect_eq "sample run: exit status" 0 $?
for f in report.html stats.json timing.json examples.jsonl problems.jsonl; do
  [ -f "$A/$f" ] && pass || fail "$f missing"
done
R=$A/report.html
grep -qi '<script' "$R" && fail "report.html holds a script tag (document text not escaped?)" || pass
grep -q '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;' "$R" && pass || fail "document text escaped in the examples"
grep -Eqi '(src|href)="?(https?:)?//' "$R" && fail "report.html fetches something" || pass
grep -Eqi '<link|@import|url\(' "$R" && fail "report.html refers to outside resources" || pass
# measures: every document that met a check counted once, passed or not;
# Gopher quality rejects only on its measures
python3 - "$A/stats.json" <<'PY' && pass || fail "quality measures vs the stages"
import json, sys
s = json.load(open(sys.argv[1]))
m = s["histograms"]["measures"]
st = {x["name"]: x for x in s["stages"]}
gq = {k: v for k, v in m.items() if k.startswith("gopher_quality:")}
assert sum(gq["gopher_quality:words.min"]["passed"] + gq["gopher_quality:words.min"]["rejected"]) == st["gopher_quality"]["in"]
assert sum(sum(v["rejected"]) for v in gq.values()) == st["gopher_quality"]["rejected"]
gr = [v for k, v in m.items() if k.startswith("gopher_repetition:")]
assert sum(sum(v["rejected"]) for v in gr) == st["gopher_repetition"]["rejected"] > 0
PY
# line rules: their pages, with the dropped lines marked, for each rule
python3 - "$A" <<'PY' && pass || fail "examples of line rules"
import json, sys, html
o = sys.argv[1]
s = json.load(open(o + "/stats.json"))
ex = [json.loads(l) for l in open(o + "/examples.jsonl")]
lines = [e for e in ex if "rule" in e]
rules = {e["rule"] for e in lines}
assert rules and rules <= set(s["cleaning"]["lines_dropped"]), rules
for e in lines:  # each example shows its rule dropping a line
    short = e["rule"].split(":", 1)[1]
    assert any(r == short for _, r in e["lines"]), e["rule"]
page = open(o + "/report.html").read()
assert page.count("<div class=hit>") >= len(lines)
cookie = [t for e in lines for t, r in e["lines"] if r and "cookie" in t.lower()]
esc = lambda t: html.escape(t, quote=False).replace('"', "&quot;").replace("'", "&#39;")
assert cookie and esc(cookie[0]) in page
PY
for id in funnel time reasons cleaning distributions sources problems-list; do
  grep -q "id=$id>" "$R" && pass || fail "section $id missing"
done

# --- drawn again from the files: the same bytes; -o elsewhere
"$WINNOW" report "$A" -o "$TMP/again.html"
expect_eq "report OUTDIR -o: exit status" 0 $?
cmp -s "$R" "$TMP/again.html" && pass || fail "report drawn again differs from the run's"
cp "$R" "$TMP/before.html"; rm "$R"
"$WINNOW" report "$A"; expect_eq "report OUTDIR: exit status" 0 $?
cmp -s "$TMP/before.html" "$R" && pass || fail "report OUTDIR differs from the run's"

# --- the same page for any -j, outside the time section
notime() { sed '/^<!-- timing -->$/,/^<!-- \/timing -->$/d' "$1"; }
"$WINNOW" run -q --no-progress -j 1 --config "$top/config/english-web.ini" "$TMP/in" -o "$TMP/j1" 2>/dev/null
notime "$R" > "$TMP/r2"; notime "$TMP/j1/report.html" > "$TMP/r1"
[ -s "$TMP/r1" ] && cmp -s "$TMP/r1" "$TMP/r2" && pass || fail "report differs between -j1 and -j2 outside its time section"
grep -q 'data-timing' "$TMP/r1" && fail "timing figures outside the time section" || pass

# --- usage and failures
"$WINNOW" report 2>/dev/null; expect_eq "report without OUTDIR: usage" 2 $?
"$WINNOW" report "$A" "$TMP/j1" 2>/dev/null; expect_eq "report A B without -o: usage" 2 $?
"$WINNOW" report "$TMP/nothing" 2>"$TMP/err"; expect_eq "report of a directory without stats.json" 3 $?
grep -q 'no stats.json' "$TMP/err" && pass || fail "no stats.json: said"
"$WINNOW" report --help | grep -q '^examples:' && pass || fail "report --help"

# --- two runs: stricter C4, looser repetition, German kept
B=$TMP/b
"$WINNOW" run -q --no-progress --config "$top/config/english-web.ini" --languages en,de \
  --set c4_filter.min_sentences=2 --set gopher_repetition.max_top_2gram=0.9 "$TMP/in" -o "$B" 2>/dev/null
"$WINNOW" report "$A" "$B" -o "$TMP/diff.html"
expect_eq "report A B: exit status" 0 $?
grep -qi '<script' "$TMP/diff.html" && fail "diff.html holds a script tag" || pass

# --- in a real browser
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
  skip "report in a browser: chromium not installed (apt-get install chromium)"
  finish; exit $?
fi
chrome() { # what (--dump-dom | --screenshot=F --window-size=W,H) url
  timeout 90 "$CHROME" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$TMP/chrome" "$@" 2>/dev/null
}
chrome --dump-dom "file://$R" > "$TMP/dom.html"
chrome --dump-dom "file://$TMP/diff.html" > "$TMP/diffdom.html"
mkdir -p "$WN_BUILD/report"
chrome --screenshot="$WN_BUILD/report/report.png" --window-size=1100,5200 "file://$R" >/dev/null
chrome --screenshot="$WN_BUILD/report/diff.png" --window-size=1000,2600 "file://$TMP/diff.html" >/dev/null
[ -s "$WN_BUILD/report/report.png" ] && pass || fail "no screenshot"
cp "$R" "$TMP/diff.html" "$WN_BUILD/report/" 2>/dev/null

cat > "$TMP/check.py" <<'PY'
# Every figure of a rendered page against the run's files: data-stat
# (a JSON pointer of stats.json, or "P - Q + R", or on a diff page
# "a:P"/"b:P") is the element's number (a bar: its data-v, and its length
# is data-v times its chart's data-scale); data-timing likewise against
# timing.json, to the digits shown.
import json, sys
from html.parser import HTMLParser
dom = open(sys.argv[1], encoding="utf-8").read()
runs = {"": sys.argv[2]} if len(sys.argv) == 3 else {"a": sys.argv[2], "b": sys.argv[3]}
stats = {k: json.load(open(d + "/stats.json")) for k, d in runs.items()}
timing = {k: json.load(open(d + "/timing.json")) for k, d in runs.items()}
def ptr(doc, p):
    for part in p.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc
def value(docs, expr):
    run = ""
    if len(expr) > 2 and expr[1] == ":":
        run, expr = expr[0], expr[2:]
    t = expr.split(" ")
    v, sign = 0, 1
    for i, tok in enumerate(t):
        if i % 2:
            sign = 1 if tok == "+" else -1
        else:
            v += sign * ptr(docs[run], tok)
    return v
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []; self.done = []; self.scale = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.scale = (float(a["data-scale"]), a["data-axis"]) if "data-scale" in a else None
        if tag in ("rect",) and "data-v" in a:
            self.done.append((tag, a, None, self.scale))
            return
        self.stack.append([tag, a, ""])
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if not (tag == "rect" and "data-v" in dict(attrs)):
            self.handle_endtag(tag)
    def handle_data(self, data):
        for e in self.stack: e[2] += data
    def handle_endtag(self, tag):
        while self.stack:
            e = self.stack.pop()
            if e[1].get("data-stat") or e[1].get("data-timing"):
                self.done.append((e[0], e[1], e[2], None))
            if e[0] == tag: break
p = P(); p.feed(dom)
nstat = ntime = nbar = 0
for tag, a, text, scale in p.done:
    if "data-stat" in a and a["data-stat"]:
        want = value(stats, a["data-stat"])
        if text is None:  # a bar
            got = int(a["data-v"])
            assert got == want, ("bar", a, want)
            if scale is not None:
                size = float(a["width" if scale[1] == "x" else "height"])
                assert abs(size - got * scale[0]) < 0.02, ("bar length", a, scale)
            nbar += 1
        else:
            got = int(text.strip().replace(",", ""))
            assert got == want, (a["data-stat"], text, want)
            nstat += 1
    if "data-timing" in a:
        run = ""
        want = ptr(timing[run], a["data-timing"])
        got = float(text.strip())
        digits = len(text.strip().split(".")[1]) if "." in text else 0
        assert abs(got - want) <= 0.5 * 10 ** -digits + 1e-9, (a["data-timing"], text, want)
        ntime += 1
print(nstat, ntime, nbar)
sys.stderr.write("checked: %d numbers, %d timings, %d bars\n" % (nstat, ntime, nbar))
assert nstat > 0 and nbar > 0
PY
out=$(python3 "$TMP/check.py" "$TMP/dom.html" "$A" 2>"$TMP/checked")
echo "report.sh: report.html $(cat "$TMP/checked")"
if [ $? -eq 0 ]; then pass; else fail "report.html in chromium does not match stats.json: $(echo "$out" | tail -2)"; fi
set -- $out
[ "${1:-0}" -ge 100 ] && [ "${2:-0}" -ge 10 ] && [ "${3:-0}" -ge 40 ] && pass || \
  fail "too few figures checked (numbers, timings, bars): $out"
out=$(python3 "$TMP/check.py" "$TMP/diffdom.html" "$A" "$B" 2>&1)
if [ $? -eq 0 ]; then pass; else fail "diff.html in chromium does not match the stats: $(echo "$out" | tail -2)"; fi

# the documents kept by one run and not the other, counted here from data/
python3 - "$TMP/diffdom.html" "$A" "$B" <<'PY' && pass || fail "diff: kept by one and not the other"
import glob, json, re, subprocess, sys
dom, a, b = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
def ids(d):
    out = set()
    for f in sorted(glob.glob(d + "/data/*.zst")):
        for l in subprocess.run(["zstd", "-dc", f], capture_output=True).stdout.decode().splitlines():
            j = json.loads(l); out.add(j.get("id") or j.get("source"))
    return out
ka, kb = ids(a), ids(b)
assert "Kept by A, not by B: %d<" % len(ka - kb) in dom, len(ka - kb)
assert "Kept by B, not by A: %d<" % len(kb - ka) in dom, len(kb - ka)
assert len(kb - ka) > 0
PY
finish
