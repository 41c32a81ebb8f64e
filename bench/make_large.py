#!/usr/bin/env python3
"""Writes one file of the large benchmark corpus (`make bench-large`).

The corpus is real news prose (../shared/data/text: Reuters-21578 and BBC
News) recombined so that a corpus of many GB is not one article repeated:
each document takes runs of consecutive sentences from several random
articles, and every sentence it takes has one or two words replaced by a
word drawn from the corpus (so the same sentence in two documents differs,
and 5-word shingles repeat as they would in unrelated pages).  Documents
belong to sites (distinct registered domains) whose pages carry the site's
template lines (menu, share bar, copyright), as crawled pages do.  A
controlled share of documents is something else:
  near   a recent document of this file with a few words changed or a
         paragraph dropped (near-duplicate, --near)
  exact  a recent document of this file under another URL (--exact)
  real   a source article verbatim; these repeat across a large corpus
         (--real)
The numbers of each kind go to OUT.meta.json, so dedup's figures can be
read against what was planted.

Streamed: documents are written as they are made; memory is the source
corpus (~21 MB of text, ~250 MB of Python objects) plus a ring of recent
documents.  Deterministic: the same seed, index and sizes give the same
bytes (only random.Random.random() is used, whose sequence Python keeps
stable).  Even indices are Common Crawl style WET (one gzip member per
record), odd ones JSONL through zstd -1 (the zstd program).

usage: make_large.py SHARED OUTDIR --index K --bytes N [--seed S]
       [--sites N] [--near P] [--exact P] [--real P]
N = bytes of document text (UTF-8) in this file.
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import re
import subprocess
import zlib

SENT = re.compile(r'(?<=[.!?])\s+(?=["(A-Z0-9])')
PARA = re.compile(r'\n\s*\n|\n(?= {2,}|\t)')
TLDS = ["com", "org", "net", "co.uk", "de", "info", "com.au", "io"]
SECTIONS = ["news", "business", "world", "markets", "sport", "tech",
            "politics", "culture", "opinion", "economy"]
RING = 1024


def load(shared):
    """articles: list of (title, sentences, text), a sentence = its list of
    words; vocab: every word occurrence (frequency-weighted draws)."""
    arts, vocab = [], []
    for name in ("reuters-21578/reuters-21578.jsonl.gz",
                 "bbc-news-2225/bbc-news-2225.jsonl.gz"):
        with gzip.open(f"{shared}/data/text/{name}", "rt",
                       encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                text = d.get("text") or ""
                title = (d.get("title") or "").strip()
                paras = []
                for p in PARA.split(text):
                    p = " ".join(p.split())
                    if not p:
                        continue
                    sents = [s.split() for s in SENT.split(p)]
                    sents = [s for s in sents if s]
                    if sents:
                        paras.append(sents)
                        for s in sents:
                            vocab.extend(s)
                if paras and sum(len(s) for p in paras for s in p) >= 20:
                    arts.append((title, [s for p in paras for s in p], text))
    return arts, vocab


class Gen:
    def __init__(self, arts, vocab, rng, nsites, seed):
        self.arts, self.vocab, self.rng = arts, vocab, rng
        self.nsites, self.seed = nsites, seed

    def pick(self, n):
        return int(self.rng.random() * n)

    def vary(self, words):
        w = list(words)
        r = self.rng.random
        for _ in range(1 + (r() < 0.4)):
            w[int(r() * len(w))] = self.vocab[int(r() * len(self.vocab))]
        return " ".join(w)

    def site(self, s):
        h = hashlib.sha1(f"{self.seed}/site/{s}".encode()).hexdigest()
        name = "".join(chr(97 + int(c, 16) % 26) for c in h[:4 + int(h[4], 16) % 8])
        host = f"www.{name}{s}.{TLDS[s % len(TLDS)]}"
        brand = name.capitalize() + " " + ["News", "Daily", "Times", "Post",
                                           "Journal", "Report"][s % 6]
        head = f"{brand} | Home | " + " | ".join(
            SECTIONS[(s + i) % len(SECTIONS)].capitalize() for i in range(5))
        foot = [f"Copyright 2024 {brand}. All rights reserved.",
                "Share this article: Facebook Twitter LinkedIn Email",
                f"Sign up for the {brand} newsletter to get the latest stories."]
        return host, head, foot

    def mixed(self):
        """a new document (~2.5 KB): title + 2..11 paragraphs, each a run
        of 1..6 consecutive sentences of a random article, every sentence
        varied."""
        r = self.rng.random
        arts = self.arts
        title_art = arts[self.pick(len(arts))]
        tw = (title_art[0] or " ".join(title_art[1][0][:8])).split()
        title = self.vary(tw) if len(tw) > 2 else " ".join(tw)
        out = [title]
        for _ in range(2 + int(r() * 10)):
            sents = arts[self.pick(len(arts))][1]
            k0 = self.pick(len(sents))
            run = sents[k0:k0 + 1 + int(r() * 6)]
            out.append(" ".join(self.vary(s) for s in run))
        return "\n".join(out), title

    def near(self, text):
        """a copy with a few words changed (0.2%..3%) or a paragraph
        dropped: most stay above dedup's Jaccard 0.8, some fall below."""
        r = self.rng.random
        lines = text.split("\n")
        if len(lines) > 4 and r() < 0.3:
            del lines[1 + self.pick(len(lines) - 1)]
            return "\n".join(lines)
        rate = 0.002 + r() * 0.028
        out = []
        for ln in lines:
            w = ln.split(" ")
            for i in range(len(w)):
                if r() < rate:
                    w[i] = self.vocab[self.pick(len(self.vocab))]
            out.append(" ".join(w))
        return "\n".join(out)


def slug(title, n):
    s = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
    return f"{s or 'story'}-{n}"


def wet(url, date, rid, body):
    uuid = f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}"
    head = ("WARC/1.0\r\n"
            "WARC-Type: conversion\r\n"
            f"WARC-Target-URI: {url}\r\n"
            f"WARC-Date: {date}\r\n"
            f"WARC-Record-ID: <urn:uuid:{uuid}>\r\n"
            f"WARC-Refers-To: <urn:uuid:{uuid}>\r\n"
            "WARC-Identified-Content-Language: eng\r\n"
            "Content-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    c = zlib.compressobj(1, zlib.DEFLATED, 31)
    return c.compress(head + body + b"\r\n\r\n") + c.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shared")
    ap.add_argument("outdir")
    ap.add_argument("--index", type=int, required=True)
    ap.add_argument("--bytes", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--sites", type=int, default=1000)
    ap.add_argument("--near", type=float, default=0.08)
    ap.add_argument("--exact", type=float, default=0.02)
    ap.add_argument("--real", type=float, default=0.02)
    a = ap.parse_args()
    k = a.index
    rng = random.Random(a.seed * 1000003 + k)
    arts, vocab = load(a.shared)
    g = Gen(arts, vocab, rng, a.sites, a.seed)
    ext = "warc.wet.gz" if k % 2 == 0 else "jsonl.zst"
    name = os.path.join(a.outdir, f"large-{k:05d}.{ext}")
    tmp = name + ".tmp"
    f = open(tmp, "wb")
    zp = None
    if k % 2:
        zp = subprocess.Popen(["zstd", "-q", "-1", "-f", "-o", tmp],
                              stdin=subprocess.PIPE)
        f.close()
        f = zp.stdin
    sites = {}
    ring = []
    counts = {"mixed": 0, "near": 0, "exact": 0, "real": 0}
    text_bytes = 0
    n = 0
    r = rng.random
    while text_bytes < a.bytes:
        u = r()
        if ring and u < a.near:
            kind, (text, title) = "near", ring[g.pick(len(ring))]
            text = g.near(text)
        elif ring and u < a.near + a.exact:
            kind, (text, title) = "exact", ring[g.pick(len(ring))]
        elif u < a.near + a.exact + a.real:
            kind = "real"
            t, _, text = arts[g.pick(len(arts))]
            title = t
            text = (t + "\n" + text) if t else text
        else:
            kind = "mixed"
            text, title = g.mixed()
            if len(ring) < RING:
                ring.append((text, title))
            else:
                ring[g.pick(RING)] = (text, title)
        counts[kind] += 1
        # sites: a skewed draw (a few large sites, many small ones)
        s = int(a.sites * r() ** 1.5)
        if s not in sites:
            sites[s] = g.site(s)
        host, head, foot = sites[s]
        body = text
        if kind != "real":
            if r() < 0.8:
                body = head + "\n" + body
            if r() < 0.8:
                body = body + "\n" + "\n".join(foot[:1 + g.pick(3)])
        url = (f"http://{host}/{SECTIONS[g.pick(len(SECTIONS))]}/2024/"
               f"{1 + g.pick(12):02d}/{slug(title, k * 100000000 + n)}.html")
        date = f"2024-{1 + g.pick(12):02d}-{1 + g.pick(28):02d}T12:00:00Z"
        rid = hashlib.sha1(f"{a.seed}/{k}/{n}".encode()).hexdigest()
        raw = body.encode("utf-8", "replace")
        text_bytes += len(raw)
        if zp is None:
            f.write(wet(url, date, rid, raw))
        else:
            f.write((json.dumps({"id": f"large/{a.seed}/{k}/{n}", "url": url,
                                 "date": date, "text": body},
                                ensure_ascii=False) + "\n").encode("utf-8", "replace"))
        n += 1
    f.close()
    if zp is not None and zp.wait() != 0:
        raise SystemExit("zstd failed")
    meta = {"file": os.path.basename(name), "seed": a.seed, "index": k,
            "documents": n, "text_bytes": text_bytes, "kinds": counts,
            "sites": len(sites)}
    with open(name + ".meta.json.tmp", "w") as m:
        json.dump(meta, m)
    os.replace(tmp, name)
    os.replace(name + ".meta.json.tmp", name + ".meta.json")


if __name__ == "__main__":
    main()
