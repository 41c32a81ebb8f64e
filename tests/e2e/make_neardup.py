#!/usr/bin/env python3
# Near copies for tests/e2e/multilingual.sh (usage: UDHR-CODE LANG LABEL
# UDHR.jsonl; LABEL "-" leaves the language metadata out).
import json, sys
# originals: the UDHR of a language cut into 6-line documents; each gets a
# near copy with one word in 100 replaced (English: whitespace words;
# Chinese, Japanese: one character in 170, ~1.7 characters per word)
code, lang, label = sys.argv[1], sys.argv[2], sys.argv[3]
for l in open(sys.argv[4]):
    d = json.loads(l)
    if d["code"] != code:
        continue
    lines = [x for x in d["text"].split("\n") if x.strip()]
    for i in range(0, len(lines) - 5, 6):
        t = "\n".join(lines[i:i + 6])
        if lang == "en":
            w = t.split(" ")
            for k in range(50, len(w), 100):
                w[k] = "xyzzy%d" % k
            c = " ".join(w)
        else:
            ch = list(t)
            for k in range(85, len(ch), 170):
                ch[k] = "鬱"
            c = "".join(ch)
        meta = {"language": label} if label != "-" else {}
        print(json.dumps(dict(id="o%d" % i, text=t, **meta), ensure_ascii=False))
        print(json.dumps(dict(id="c%d" % i, text=c, **meta), ensure_ascii=False))
