#!/usr/bin/env python3
"""dedup_clough.py - the Clough-Stevenson plagiarism corpus as a dedup test.

usage: dedup_clough.py build SHARED_DIR OUT.jsonl
       dedup_clough.py score SHARED_DIR REJECTS.jsonl LABEL

build: writes the 5 Wikipedia source paragraphs first, then the 95 student
answers, as JSONL (files decoded as UTF-8, else Windows-1252).
score: an answer counts as detected when the run put it in one group with
its task's source (directly or through other answers).  Prints one table
row: detection rate per category (cut, light, heavy, non) and the mean
true Jaccard (word 5-gram shingles) of each category to its source.
A good near-duplicate detector ranks cut > light > heavy > non.
"""
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dedup_corpus import jaccard, shingles  # noqa: E402

CATS = ["cut", "light", "heavy", "non"]


def read_text(path):
    raw = open(path, "rb").read()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load(shared):
    base = os.path.join(shared, "data/neardup/clough-stevenson-plagiarism")
    rows = list(csv.DictReader(open(os.path.join(base, "file_information.csv"),
                                    encoding="utf-8")))
    docs = []
    for r in sorted(rows, key=lambda r: (r["Category"] != "orig", r["File"])):
        docs.append({"id": r["File"], "task": r["Task"],
                     "category": r["Category"],
                     "text": read_text(os.path.join(base, "texts", r["File"]))})
    return docs


def main():
    mode, shared = sys.argv[1], sys.argv[2]
    docs = load(shared)
    if mode == "build":
        with open(sys.argv[3], "w", encoding="utf-8") as f:
            for d in docs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        return
    rejects, label = sys.argv[3], sys.argv[4]
    of = {}
    for line in open(rejects, encoding="utf-8"):
        d = json.loads(line)
        r = d["reject_reason"].split("of=", 1)[1]
        of[d["id"]] = r.rsplit(",jaccard=", 1)[0]
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x
    for a, b in of.items():
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    src = {d["task"]: d for d in docs if d["category"] == "orig"}
    cells = []
    for c in CATS:
        ans = [d for d in docs if d["category"] == c]
        hit = sum(1 for d in ans
                  if find(d["id"]) == find(src[d["task"]]["id"]))
        mj = sum(jaccard(shingles(d["text"]), shingles(src[d["task"]]["text"]))
                 for d in ans) / len(ans)
        cells.append("%s %d/%d (J %.2f)" % (c, hit, len(ans), mj))
    print("| %-40s | %s |" % (label, " | ".join(cells)))


if __name__ == "__main__":
    main()
