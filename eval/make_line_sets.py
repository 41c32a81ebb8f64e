#!/usr/bin/env python3
"""make_line_sets.py - labelled page lines from the shared extraction sets.

Usage: make_line_sets.py EXTRACTION_DIR OUT_DIR

For every shared set that has HTML and human text (CleanEval dev + final,
CleanPortalEval, Dragnet, Readability.js's test pages) each page is turned
into the lines a crawler's naive extraction gives (a WET record) and every
line is labelled KEEP or DROP against the set's gold text, the way
../shared/data/lines/README.md says the AEB lines were made (same file
format, plus "site" and "set"):
  - decode: UTF-8 if valid, else the <meta> charset (ISO-8859-1 read as
    windows-1252), else UTF-8 with replacement characters;
  - script, style, noscript, template, svg, head (title) are skipped; every
    block-level element and every br starts a line; whitespace collapsed;
    empty lines dropped;
  - a line matches when its normalised text (2+ words) occurs in the
    normalised gold as whole words, or 90% of its word 3-grams do; matches
    under 6 words count only within 3 lines of the span of 6+-word
    matches; the gold is used up as a multiset of 3-grams, densest
    matches first (a teaser or a second copy becomes DROP); lines under 3
    words are KEEP at most as often as the gold holds them;
  - the headline (og:title / title, an exact line, the last one before the
    article) is KEEP.
Dragnet's gold is cut at its "COMMENTS" separator (the article only).
Each page has "split": "test" for 30% of the sites (crc32 of the site),
"train" for the rest: eval/train_line_model.py trains on "train" pages
only and eval/eval_clean.sh scores the "test" pages.  Python standard
library only; deterministic (pages in name order).  Writes
OUT_DIR/<set>-lines.jsonl.gz, skipped when newer than this script.
"""
import collections
import gzip
import html.parser
import json
import os
import re
import sys
import tarfile
import zlib

BLOCK = set("""address article aside blockquote body br caption center dd details
dialog dir div dl dt fieldset figcaption figure footer form frameset h1 h2 h3
h4 h5 h6 header hgroup hr html iframe legend li main menu nav ol optgroup
option p pre section summary table tbody td tfoot th thead tr ul""".split())
SKIP = set("script style noscript template svg head title".split())


class Lines(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines, self.cur, self.skip = [], [], 0
        self.title, self.meta_title, self.url = "", "", ""
        self.in_title = False

    def brk(self):
        t = " ".join("".join(self.cur).split())
        if t:
            self.lines.append(t)
        self.cur = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta":
            p = (a.get("property") or a.get("name") or "").lower()
            if p in ("og:title", "twitter:title") and not self.meta_title:
                self.meta_title = a.get("content") or ""
            if p == "og:url" and not self.url:
                self.url = a.get("content") or ""
        if tag == "link" and (a.get("rel") or "").lower() == "canonical":
            self.url = self.url or a.get("href") or ""
        if tag == "title":
            self.in_title = True
        if tag in SKIP:
            self.skip += 1
        if tag in BLOCK:
            self.brk()

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag in SKIP and self.skip:
            self.skip -= 1
        if tag in BLOCK:
            self.brk()

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if not self.skip:
            self.cur.append(data)


def decode(b):
    try:
        return b.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = re.search(rb'charset=["\']?([A-Za-z0-9_-]+)', b[:4096])
    cs = m.group(1).decode("ascii").lower() if m else ""
    if cs in ("iso-8859-1", "latin1", "latin-1", "us-ascii"):
        cs = "cp1252"
    try:
        return b.decode(cs or "utf-8", errors="replace")
    except LookupError:
        return b.decode("utf-8", errors="replace")


def page_lines(text):
    p = Lines()
    try:
        p.feed(text)
        p.close()
    except Exception:  # html.parser gives up on some broken markup
        pass
    p.brk()
    return p


def norm(s):
    return " ".join("".join(c if c.isalnum() else " " for c in s.lower()).split())


def grams(ws):
    return [" ".join(ws[i:i + 3]) for i in range(len(ws) - 2)]


def label(lines, gold, titles):
    g = norm(gold)
    gpad = " " + g + " "
    gw = g.split()
    g3 = collections.Counter(grams(gw))
    nl = [norm(t) for t in lines]
    match = []
    for s in nl:
        w = s.split()
        m = False
        if len(w) >= 2 and " " + s + " " in gpad:
            m = True
        elif len(w) >= 3:
            gr = grams(w)
            m = sum(x in g3 for x in gr) >= 0.9 * len(gr)
        match.append(m)
    longm = [i for i, s in enumerate(nl) if match[i] and len(s.split()) >= 6]
    lab = ["DROP"] * len(lines)
    if longm:
        lo, hi = longm[0] - 3, longm[-1] + 3
        cand = [i for i in range(len(lines)) if match[i] and
                (len(nl[i].split()) >= 6 or lo <= i <= hi)]
        dens = {i: sum(1 for j in cand if j != i and abs(j - i) <= 3)
                for i in cand}
        short = collections.Counter()
        for i in sorted(cand, key=lambda i: (-dens[i], i)):
            w = nl[i].split()
            if len(w) < 3:
                cap = max(1, gpad.count(" " + nl[i] + " "))
                if short[nl[i]] < cap:
                    short[nl[i]] += 1
                    lab[i] = "KEEP"
                continue
            gr = grams(w)
            avail = sum(1 for x in gr if g3[x] > 0)
            if avail * 2 < len(gr):
                continue
            for x in gr:
                if g3[x] > 0:
                    g3[x] -= 1
            lab[i] = "KEEP"
        first = min((i for i in range(len(lab)) if lab[i] == "KEEP"),
                    default=len(lab))
        ts = set(norm(t) for t in titles) - {""}
        heads = [i for i, s in enumerate(nl) if s and s in ts]
        before = [i for i in heads if i <= first]
        if before:
            lab[before[-1]] = "KEEP"
        elif heads:
            lab[heads[0]] = "KEEP"
    return lab


def titles_of(p):
    out = []
    for t in (p.meta_title, p.title):
        t = " ".join(t.split())
        if t:
            out.append(t)
            for sep in (" | ", " - ", " \u2013 ", " \u2014 ", " :: "):
                if sep in t:
                    out.append(t.split(sep)[0])
                    out.append(t.split(sep)[-1])
    return out


def site_of(url, fallback):
    m = re.match(r"[a-z]+://([^/:?#]+)", url or "", re.I)
    if not m:
        return fallback
    host = m.group(1).lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    parts = host.split(".")
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in (
            "co", "com", "org", "net", "gov", "ac", "edu"):
        return ".".join(parts[-3:])
    return ".".join(parts[-2:])


def cleaneval_gold(t):
    t = re.sub(r"^URL:.*\n", "", t)
    return re.sub(r"<(?:p|h|l)>", " ", t)


def strip_html(t):
    return "\n".join(page_lines(t).lines)


SETS = [
    # name, archives, gold transform
    ("cleaneval", ["cleaneval/cleaneval-dev.tar.xz",
                   "cleaneval/cleaneval-final.tar.xz"], cleaneval_gold),
    ("cleanportaleval", ["cleanportaleval/cleanportaleval.tar.xz"],
     cleaneval_gold),
    ("dragnet", ["dragnet/dragnet.tar.xz"],
     lambda t: t.split("!@#$%^&*()  COMMENTS")[0]),
    ("readability", ["readability/readability-testpages.tar.xz"],
     strip_html),
]


def members(path):
    """{(kind, stem): bytes} for input/*.html and GoldStandard/*.txt."""
    out = {}
    with tarfile.open(path, "r:xz") as tf:
        for m in tf:
            if not m.isfile():
                continue
            parts = m.name.split("/")
            if len(parts) < 3 or parts[-2] not in ("input", "GoldStandard"):
                continue
            stem = parts[-1].rsplit(".", 1)[0]
            out[(parts[-2], stem)] = tf.extractfile(m).read()
    return out


def make(name, archives, goldf, src, dst):
    pages = []
    for a in archives:
        tag = os.path.basename(a).split(".")[0]
        mem = members(os.path.join(src, a))
        for kind, stem in sorted(mem):
            if kind != "input" or ("GoldStandard", stem) not in mem:
                continue
            text = decode(mem[("input", stem)])
            url = ""
            w = re.match(r'\s*<text id="?([^"\s>]+)', text)
            if w:  # CleanEval's wrapper line
                url = w.group(1)
            p = page_lines(text)
            url = url or p.url
            gold = goldf(decode(mem[("GoldStandard", stem)]))
            if not p.lines or not gold.strip():
                continue
            lab = label(p.lines, gold, titles_of(p))
            if "KEEP" not in lab:
                continue
            pid = f"{tag}/{stem}"
            site = site_of(url, pid)
            # 30% of the sites are held out from training (by site, so
            # that a site's template is never on both sides)
            split = "test" if zlib.crc32(site.encode()) % 10 < 3 else "train"
            pages.append({"id": pid, "url": url, "site": site, "set": name,
                          "split": split,
                          "lines": [{"text": t, "label": l}
                                    for t, l in zip(p.lines, lab)]})
    tmp = dst + ".tmp"
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:
        for pg in pages:
            f.write((json.dumps(pg, ensure_ascii=False) + "\n").encode())
    os.replace(tmp, dst)
    k = sum(l["label"] == "KEEP" for p in pages for l in p["lines"])
    n = sum(len(p["lines"]) for p in pages)
    print(f"make_line_sets: {dst}: {len(pages)} pages, {n} lines, {k} KEEP",
          file=sys.stderr)


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    me = os.path.getmtime(__file__)
    for name, archives, goldf in SETS:
        if not all(os.path.exists(os.path.join(src, a)) for a in archives):
            print(f"make_line_sets: skip {name}: archive absent",
                  file=sys.stderr)
            continue
        dst = os.path.join(out, f"{name}-lines.jsonl.gz")
        if os.path.exists(dst) and os.path.getmtime(dst) > me:
            continue
        make(name, archives, goldf, src, dst)


if __name__ == "__main__":
    main()
