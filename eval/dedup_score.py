#!/usr/bin/env python3
"""dedup_score.py - scores a `winnow dedup` run on the corpus of dedup_corpus.py.

usage: dedup_score.py CORPUS_DIR REJECTS.jsonl LABEL [THRESHOLD]

Each removed document names the document kept for it ("...:of=ID"): that
(removed, kept) pair is a duplicate pair the run asserts, and its true Jaccard
(word 5-gram shingles, text normalised as winnow does) decides whether it is
right: precision = asserted pairs with J >= THRESHOLD / asserted pairs.
A true pair (from truth.tsv: every pair with J >= THRESHOLD, found exactly)
is found when both documents end in the same group (one stands for the
other, or one document stands for both): recall = found / true pairs.
"Resolved" recall counts a true pair when at least one of its documents is
removed: the output no longer holds both (a copy may stay when its
original was removed for a third copy it is less like).
Also shown: precision over every pair inside a group ("group pairs"), which
also counts two copies of one original that differ from each other.
Prints one table row; the last column is the recall per kind of injected
copy (copy vs its original, pairs with J >= T).
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dedup_corpus import jaccard, shingles  # noqa: E402

KINDS = ["wrap", "truncate", "edit", "reorder", "title", "combo"]


def main():
    cdir, rejects, label = sys.argv[1:4]
    t = float(sys.argv[4]) if len(sys.argv) > 4 else 0.8
    corpus = {}
    with open(os.path.join(cdir, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            corpus[d["id"]] = d
    truth = set()
    with open(os.path.join(cdir, "truth.tsv")) as f:
        for line in f:
            a, b, j = line.rstrip("\n").split("\t")
            if float(j) >= t:
                truth.add((a, b))
    parent = {}
    links = []

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x
    with open(rejects, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            r = d["reject_reason"]
            of = r.split("of=", 1)[1]
            if "near_duplicate" in r:
                of = of.rsplit(",jaccard=", 1)[0]
            links.append((d["id"], of))
            a, b = find(d["id"]), find(of)
            if a != b:
                parent[a] = b
    groups = {}
    for x in list(parent):
        groups.setdefault(find(x), set()).add(x)
    for root, g in groups.items():
        g.add(root)
    sets = {}

    def sh(i):
        if i not in sets:
            sets[i] = shingles(corpus[i]["text"])
        return sets[i]
    pred = set()
    for g in groups.values():
        g = sorted(g)
        for i in range(len(g)):
            for j in range(i + 1, len(g)):
                pred.add((g[i], g[j]))
    gright = sum(1 for a, b in pred if (a, b) in truth or
                 jaccard(sh(a), sh(b)) >= t)
    right = sum(1 for a, b in links if jaccard(sh(a), sh(b)) >= t)
    found = len(truth & pred)
    removed = {a for a, _ in links}
    resolved = sum(1 for a, b in truth if a in removed or b in removed)
    p = right / len(links) if links else 1.0
    gp = gright / len(pred) if pred else 1.0
    r = found / len(truth) if truth else 1.0
    rr = resolved / len(truth) if truth else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    per = []
    for k in KINDS:
        want = [(min(i, d["source"]), max(i, d["source"]))
                for i, d in corpus.items() if d["kind"] == k]
        want = [w for w in want if w in truth]
        got = sum(1 for w in want if w in pred)
        per.append("%s %d/%d" % (k, got, len(want)))
    print("| %-32s | %5d | %.4f | %.4f | %.4f | %.4f | %.4f | %s |" %
          (label, len(links), p, r, rr, f1, gp, ", ".join(per)))


if __name__ == "__main__":
    main()
