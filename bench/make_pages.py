#!/usr/bin/env python3
"""make_pages.py SHARED OUT.jsonl [COPIES]: real web pages as JSONL documents
for bench/bench_filter.sh: the 181 AEB pages (their lines joined, as a
crawler's naive extraction gives them) and the 780 DCLM-labelled Common
Crawl pages, COPIES times over (default 4; copies are not adjacent)."""
import gzip
import json
import sys

shared, out = sys.argv[1], sys.argv[2]
copies = int(sys.argv[3]) if len(sys.argv) > 3 else 4
docs = []
with gzip.open(shared + "/data/lines/aeb-lines.jsonl.gz", "rt") as f:
    for line in f:
        d = json.loads(line)
        docs.append("\n".join(x["text"] for x in d["lines"]))
for name in ("majority_data", "agreement_data"):
    with gzip.open(shared + "/data/jsonl/dclm-quality-labels/%s.jsonl.gz"
                   % name, "rt") as f:
        for line in f:
            docs.append(json.loads(line)["text"])
with open(out, "w") as f:
    for c in range(copies):
        for i, t in enumerate(docs):
            f.write(json.dumps({"id": "%d-%d" % (c, i), "text": t}) + "\n")
