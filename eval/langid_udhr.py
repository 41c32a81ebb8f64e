#!/usr/bin/env python3
"""langid_udhr.py - data and scoring for eval/eval_langid.sh.

  langid_udhr.py prepare UDHR.jsonl.gz OUT.jsonl
      writes one document per UDHR chunk: consecutive paragraphs (lines of
      the text) joined by a space until the chunk has >= 200 characters (a
      paragraph of 200+ characters is a chunk alone; CJK paragraphs are
      short and need joining), for the 20 most common web languages, plus
      every whole declaration (ids "doc:...").  id = "LANG:CODE:N".
  langid_udhr.py score OUT.jsonl ENGINE
      reads `winnow filter` output (metadata language) and prints accuracy
      per language for chunks and whole documents.
"""
import gzip
import json
import sys

# The 20 most common languages of Common Crawl pages (CC-MAIN statistics),
# with the UDHR variety used for each.
LANGS = [("en", "eng"), ("ru", "rus"), ("de", "deu_1996"), ("zh", "cmn_hans"),
         ("ja", "jpn"), ("es", "spa"), ("fr", "fra"), ("it", "ita"),
         ("pt", "por_BR"), ("pl", "pol"), ("nl", "nld"), ("vi", "vie"),
         ("tr", "tur"), ("id", "ind"), ("cs", "ces"), ("fa", "pes_1"),
         ("ar", "arb"), ("ko", "kor"), ("sv", "swe"), ("hu", "hun")]
MIN_CHARS = 200


def prepare(src, dst):
    want = {code: lang for lang, code in LANGS}
    n = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, \
            open(dst, "w", encoding="utf-8") as out:
        for line in f:
            d = json.loads(line)
            if d["code"] not in want:
                continue
            lang = want[d["code"]]
            out.write(json.dumps({"id": "doc:%s:%s" % (lang, d["code"]),
                                  "text": d["text"]}, ensure_ascii=False)
                      + "\n")
            chunk = ""
            k = 0
            for para in d["text"].split("\n"):
                para = para.strip()
                if not para:
                    continue
                chunk = (chunk + " " + para) if chunk else para
                if len(chunk) >= MIN_CHARS:
                    out.write(json.dumps({"id": "%s:%s:%d" % (lang, d["code"], k),
                                          "text": chunk}, ensure_ascii=False)
                              + "\n")
                    k += 1
                    n += 1
                    chunk = ""
    print("prepared %d chunks of >= %d characters in %d languages"
          % (n, MIN_CHARS, len(LANGS)))


def score(path, engine):
    per = {}
    docs = {}
    wrong = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            got = d.get("language", "")
            parts = d["id"].split(":")
            if parts[0] == "doc":
                docs[parts[1]] = got
                continue
            lang = parts[0]
            c, t = per.get(lang, (0, 0))
            per[lang] = (c + (got == lang), t + 1)
            if got != lang:
                wrong.setdefault(lang, {}).setdefault(got, 0)
                wrong[lang][got] += 1
    tc = tt = 0
    print("%-4s %8s %9s %6s  %s" % ("lang", "chunks", "accuracy", "doc",
                                    "mistaken for"))
    for lang, _ in LANGS:
        c, t = per.get(lang, (0, 0))
        tc += c
        tt += t
        mist = ", ".join("%s %d" % kv for kv in
                         sorted(wrong.get(lang, {}).items(),
                                key=lambda kv: -kv[1]))
        print("%-4s %8d %8.1f%% %6s  %s" % (lang, t, 100.0 * c / t if t else 0,
                                           "ok" if docs.get(lang) == lang
                                           else docs.get(lang, "-"), mist))
    macro = sum(100.0 * c / t for c, t in per.values() if t) / max(1, len(per))
    print("%s: %d/%d chunks right = %.2f%% (macro average over languages "
          "%.2f%%; goal >= 97%%); whole declarations %d/%d"
          % (engine, tc, tt, 100.0 * tc / tt if tt else 0, macro,
             sum(1 for l, _ in LANGS if docs.get(l) == l), len(LANGS)))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "prepare":
        prepare(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "score":
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
