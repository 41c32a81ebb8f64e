#!/usr/bin/env python3
"""Brute-force reference for `winnow substr` (docs/dedup.md, "Exact substrings").

Reads JSONL inputs in order (field "text") and prints, per document, one
JSON line [[start, end], ...]: the byte spans (of the UTF-8 text) that
winnow substr strikes.  The definition, with no suffix array:

  a position i of a document is flagged when the min_length bytes starting
  at i lie inside the document and occur at another position of the corpus
  (--strike all) or at an earlier one, in input order (--strike later);
  the struck bytes are the union of [i, i + min_length) over flagged i,
  widened to whole UTF-8 characters; touching spans are one.

Every L-gram is a dictionary key, so memory is about L times the corpus:
meant for corpora of a few MB.

usage: substr_brute.py [--min-length N] [--strike all|later] FILE...
"""
import argparse
import json
import sys


def docs_of(paths):
    for p in paths:
        with open(p, "rb") as f:
            for line in f:
                line = line.strip()
                if line:
                    yield json.loads(line)["text"].encode("utf-8")


def spans(docs, L, strike):
    first = {}   # L-gram -> first (doc, pos)
    count = {}
    for d, b in enumerate(docs):
        for i in range(len(b) - L + 1):
            g = b[i:i + L]
            if g not in first:
                first[g] = (d, i)
                count[g] = 1
            else:
                count[g] += 1
    out = []
    for d, b in enumerate(docs):
        struck = bytearray(len(b))
        for i in range(len(b) - L + 1):
            g = b[i:i + L]
            hit = count[g] > 1 if strike == "all" else first[g] != (d, i)
            if hit:
                struck[i:i + L] = b"\x01" * L
        res = []
        i = 0
        while i < len(b):
            if not struck[i]:
                i += 1
                continue
            s = i
            while i < len(b) and struck[i]:
                i += 1
            e = i
            while s > 0 and (b[s] & 0xC0) == 0x80:
                s -= 1
            while e < len(b) and (b[e] & 0xC0) == 0x80:
                e += 1
            if res and res[-1][1] >= s:
                res[-1][1] = max(res[-1][1], e)
            else:
                res.append([s, e])
            i = max(i, e)
        out.append(res)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-length", type=int, default=100)
    ap.add_argument("--strike", choices=["all", "later"], default="all")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    docs = list(docs_of(a.files))
    for r in spans(docs, a.min_length, a.strike):
        sys.stdout.write(json.dumps(r, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
