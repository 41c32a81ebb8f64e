#!/usr/bin/env python3
"""dedup_gen_short.py - many short documents from real text, for the scale runs.

usage: dedup_gen_short.py SHARED_DIR OUT_DIR N_DOCS N_SHARDS [SEED]

Splits Reuters-21578 and BBC News into sentences and writes N_DOCS documents
of 1-3 consecutive sentences of one article followed by 1-2 of another
(real prose, ~150-600 bytes each; the pairing makes new documents unique),
round-robin into N_SHARDS JSONL files OUT_DIR/shard-NNN.jsonl.  With a fixed
seed: 8 % of documents are exact copies of a recent document (other
whitespace), 8 % near copies (one word replaced or a sentence appended), the
rest new windows.  Standard library only; deterministic.
"""
import gzip
import json
import os
import random
import re
import sys

SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")


def articles(shared):
    for rel in ("data/text/reuters-21578/reuters-21578.jsonl.gz",
                "data/text/bbc-news-2225/bbc-news-2225.jsonl.gz"):
        with gzip.open(os.path.join(shared, rel), "rt", encoding="utf-8") as f:
            for line in f:
                t = json.loads(line)["text"]
                s = [x.strip() for x in SPLIT.split(" ".join(t.split()))]
                s = [x for x in s if len(x) > 20]
                if len(s) >= 2:
                    yield s


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    shared, out, n, shards = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        int(sys.argv[4])
    rng = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 7)
    arts = list(articles(shared))
    os.makedirs(out, exist_ok=True)
    files = [open(os.path.join(out, "shard-%03d.jsonl" % i), "w",
                  encoding="utf-8") for i in range(shards)]
    recent = [None] * 4096
    words = "market price said year company government trade bank".split()
    for i in range(n):
        r = rng.random()
        prev = recent[rng.randrange(4096)] if i > 4096 else None
        if prev is not None and r < 0.08:
            text = "  " + prev.replace(". ", ".\n\n", 1)
        elif prev is not None and r < 0.16:
            w = prev.split(" ")
            if len(w) > 30 and rng.random() < 0.5:
                w[rng.randrange(len(w))] = rng.choice(words)
                text = " ".join(w)
            else:
                text = prev + " " + rng.choice(rng.choice(arts))
        else:
            parts = []
            for k in (rng.randint(1, 3), rng.randint(1, 2)):
                a = rng.choice(arts)
                s = rng.randrange(max(1, len(a) - k + 1))
                parts.append(" ".join(a[s:s + k]))
            text = " ".join(parts)
        recent[i % 4096] = text
        files[i % shards].write('{"id":"d%d","text":%s}\n' %
                                (i, json.dumps(text, ensure_ascii=False)))
    for f in files:
        f.close()


if __name__ == "__main__":
    main()
