#!/usr/bin/env python3
"""dedup_corpus.py - builds the near-duplicate evaluation corpus (eval/eval_dedup.sh).

Real articles (Reuters-21578 NORM stories and BBC News) plus injected copies of
known kinds, each made from one original with a fixed seed:
  wrap      the article inside another site's header and footer boilerplate
  truncate  the first 70-95 % of its words
  edit      5-10 % of its words replaced, deleted or doubled
  reorder   its paragraphs shuffled
  title     its title line replaced by another headline (and a dateline added)
  combo     wrap + edit
The originals keep their real duplicates (re-filed stories) and the many
same-topic stories that are not copies (Reuters earnings reports look alike).

Ground truth is the true Jaccard similarity of the word 5-gram shingle sets,
with the text normalised as winnow does (lowercase, every decimal digit folded
to 0, anything but letters and numbers splits words).  All pairs with Jaccard
>= the threshold are found exactly by prefix filtering (Bayardo et al. 2007),
not sampled.

usage: dedup_corpus.py SHARED_DIR OUT_DIR [--originals N] [--seed S]
writes OUT_DIR/corpus.jsonl (id, url, text, kind, source) and
OUT_DIR/truth.tsv (id_a, id_b, jaccard) for every pair with J >= 0.8.
Only the Python standard library is used.
"""
import gzip
import json
import math
import os
import random
import re
import sys

WORD = re.compile(r"[^\W_]+")
DIGIT = re.compile(r"\d")
NGRAM = 5


def words(text):
    return [DIGIT.sub("0", w.lower()) for w in WORD.findall(text)]


def shingles(text, n=NGRAM):
    w = words(text)
    if not w:
        return frozenset()
    if len(w) < n:
        return frozenset([" ".join(w)])
    return frozenset(" ".join(w[i:i + n]) for i in range(len(w) - n + 1))


def jaccard(a, b):
    if not a and not b:
        return 1.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def load(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


SITES = [
    ("Skip to main content\nHome | News | World | Business | Markets | "
     "Technology | Sport | Opinion\nSubscribe now and get unlimited access "
     "to every story for one low price\n",
     "\nShare this article on Facebook, Twitter or by email\nRelated "
     "stories\nMore from our correspondents\nCopyright 2005 Daily Courier "
     "Media Group. All rights reserved. Privacy policy | Terms of use | "
     "Contact us | Advertise with us\n"),
    ("The Evening Ledger - independent news since 1888\nMenu Search Log in "
     "Register\nBREAKING: stay up to date with our newsletter\n",
     "\nThis story was syndicated from a wire service. Comments are "
     "closed.\nYou might also like: Ten things to know before you invest, "
     "Weather for the weekend, Local sports results\nAbout us | Careers | "
     "Cookie settings | Accessibility\n"),
    ("World Report Online\nTrending: elections, energy prices, football "
     "transfers, technology\nAdvertisement\n",
     "\nLeave a reply. Your email address will not be published. Required "
     "fields are marked.\nPosted in News, Economy. Tagged markets, "
     "policy.\nAll content is the property of its owners.\n"),
]

HEADLINES = [
    "Markets react to the latest figures", "What the numbers really mean",
    "Analysis: a closer look at the deal", "Officials comment on new report",
    "Update: story developing", "Inside the negotiations",
]

REPL = ("the a said would also new market year government company last "
        "first two percent official week group report plan").split()


def paragraphs(text):
    ps = [p.strip() for p in re.split(r"\n\s*\n|\n    ", text) if p.strip()]
    return ps if ps else [text]


def make_copy(kind, doc, rng):
    text = doc["text"]
    if kind == "wrap":
        head, foot = rng.choice(SITES)
        return head + "\n" + text + "\n" + foot
    if kind == "truncate":
        w = text.split(" ")
        keep = max(1, int(len(w) * rng.uniform(0.70, 0.95)))
        return " ".join(w[:keep])
    if kind in ("edit", "combo"):
        w = text.split(" ")
        rate = rng.uniform(0.05, 0.10)
        out = []
        for x in w:
            r = rng.random()
            if r < rate / 3:
                out.append(rng.choice(REPL))
            elif r < 2 * rate / 3:
                continue
            elif r < rate:
                out.extend([x, x])
            else:
                out.append(x)
        t = " ".join(out)
        if kind == "combo":
            head, foot = rng.choice(SITES)
            t = head + "\n" + t + "\n" + foot
        return t
    if kind == "reorder":
        ps = paragraphs(text)
        rng.shuffle(ps)
        return "\n\n".join(ps)
    if kind == "title":
        lines = text.split("\n", 1)
        body = lines[1] if len(lines) > 1 and doc["src"] == "bbc" else text
        return rng.choice(HEADLINES) + "\n\nLONDON (Wire) - " + body
    raise ValueError(kind)


KINDS = ["wrap", "truncate", "edit", "reorder", "title", "combo"]


def all_pairs(sets, t):
    """Every pair (i, j) with Jaccard(sets[i], sets[j]) >= t, exactly."""
    freq = {}
    for s in sets:
        for x in s:
            freq[x] = freq.get(x, 0) + 1
    order = {x: (c, x) for x, c in freq.items()}
    toks = [sorted(s, key=lambda x: order[x]) for s in sets]
    index = {}
    out = []
    ids = sorted(range(len(sets)), key=lambda i: len(sets[i]))
    for i in ids:
        x = toks[i]
        n = len(x)
        if n == 0:
            continue
        p = n - int(math.ceil(t * n - 1e-9)) + 1
        cand = set()
        for tok in x[:p]:
            for j in index.get(tok, ()):
                if len(sets[j]) >= t * n - 1e-9:
                    cand.add(j)
            index.setdefault(tok, []).append(i)
        for j in cand:
            jac = jaccard(sets[i], sets[j])
            if jac >= t:
                out.append((min(i, j), max(i, j), jac))
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    shared, outdir = sys.argv[1], sys.argv[2]
    n_orig, seed = 3000, 20240517
    args = sys.argv[3:]
    while args:
        if args[0] == "--originals":
            n_orig = int(args[1])
        elif args[0] == "--seed":
            seed = int(args[1])
        args = args[2:]
    rng = random.Random(seed)
    reu = [d for d in load(os.path.join(
        shared, "data/text/reuters-21578/reuters-21578.jsonl.gz"))
        if d.get("text_type") == "NORM" and len(d["text"]) >= 300]
    bbc = load(os.path.join(shared, "data/text/bbc-news-2225/"
                                    "bbc-news-2225.jsonl.gz"))
    for d in reu:
        d["src"] = "reuters"
        # the Reuters title is a separate field: put it on top as BBC has it
        d["text"] = d.get("title", "").strip().title() + "\n\n" + d["text"]
    for d in bbc:
        d["src"] = "bbc"
    n_bbc = min(len(bbc), n_orig // 3)
    pool = rng.sample(reu, n_orig - n_bbc) + rng.sample(bbc, n_bbc)
    docs = [{"id": d["id"], "url": "https://%s.example/%s" % (d["src"], d["id"]),
             "text": d["text"], "kind": "original", "source": d["id"],
             "src": d["src"]} for d in pool]
    chosen = rng.sample(range(len(docs)), len(docs) // 4)
    copies = []
    for i in chosen:
        d = docs[i]
        for c, kind in enumerate(rng.sample(KINDS, rng.randint(1, 3))):
            copies.append({"id": "%s#%s" % (d["id"], kind),
                           "url": "https://copy%d.example/%s" % (c, d["id"]),
                           "text": make_copy(kind, d, rng), "kind": kind,
                           "source": d["id"]})
    corpus = docs + copies
    rng.shuffle(corpus)
    os.makedirs(outdir, exist_ok=True)
    with open(os.path.join(outdir, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for d in corpus:
            f.write(json.dumps({k: d[k] for k in
                                ("id", "url", "text", "kind", "source")},
                               ensure_ascii=False) + "\n")
    sets = [shingles(d["text"]) for d in corpus]
    pairs = all_pairs(sets, 0.8)
    with open(os.path.join(outdir, "truth.tsv"), "w") as f:
        for i, j, jac in sorted(pairs, key=lambda p: (corpus[p[0]]["id"],
                                                      corpus[p[1]]["id"])):
            a, b = sorted((corpus[i]["id"], corpus[j]["id"]))
            f.write("%s\t%s\t%.4f\n" % (a, b, jac))
    sys.stderr.write("dedup_corpus: %d documents (%d originals, %d copies), "
                     "%d pairs with J >= 0.8\n" % (len(corpus), len(docs),
                                                   len(copies), len(pairs)))


if __name__ == "__main__":
    main()
