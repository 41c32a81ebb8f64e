#!/usr/bin/env python3
"""Builds the multilingual JSONL that eval/eval_langid_sample.sh scores.

usage: langid_corpus.py SHARED OUT.jsonl [HANDBOOK_HTML_DIR]

Documents (fields id, lang, text):
  - the 532 UDHR translations of SHARED/data/langid/udhr (about 10 KB each);
  - when HANDBOOK_HTML_DIR exists (Debian's `debian-handbook` package:
    /usr/share/doc/debian-handbook/html), every chapter page of its 26
    languages as plain text (the page's text with script and style left
    out, one line per block): long real documents (median ~40 KB) in the
    languages a web crawl meets most.
Deterministic: same inputs, same bytes.
"""
import gzip
import html.parser
import json
import os
import sys


class Text(html.parser.HTMLParser):
    BLOCK = {"p", "div", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
             "pre", "br", "dt", "dd", "table", "section", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skip:
            self.out.append(data)

    def text(self):
        lines = (" ".join(l.split()) for l in "".join(self.out).split("\n"))
        return "\n".join(l for l in lines if l)


def main():
    shared, out = sys.argv[1], sys.argv[2]
    hb = sys.argv[3] if len(sys.argv) > 3 else "/usr/share/doc/debian-handbook/html"
    with open(out, "w", encoding="utf-8") as f:
        with gzip.open(f"{shared}/data/langid/udhr/udhr-532.jsonl.gz", "rt",
                       encoding="utf-8") as u:
            for line in u:
                d = json.loads(line)
                f.write(json.dumps({"id": "udhr/" + d["code"], "lang": d["bcp47"],
                                    "text": d["text"]}, ensure_ascii=False) + "\n")
        if os.path.isdir(hb):
            for lang in sorted(os.listdir(hb)):
                ld = os.path.join(hb, lang)
                if not os.path.isdir(ld) or lang == "Common_Content":
                    continue
                for name in sorted(os.listdir(ld)):
                    if not name.endswith(".html"):
                        continue
                    p = Text()
                    with open(os.path.join(ld, name), encoding="utf-8",
                              errors="replace") as h:
                        p.feed(h.read())
                    t = p.text()
                    if t:
                        f.write(json.dumps({"id": f"handbook/{lang}/{name}",
                                            "lang": lang, "text": t},
                                           ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
