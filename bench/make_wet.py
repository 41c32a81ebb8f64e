#!/usr/bin/env python3
"""Builds a Common Crawl style WET file for benchmarks from real articles.

Reads the JSONL corpora under ../shared/data/text (Reuters-21578, BBC News),
wraps each article into a WARC/1.0 `conversion` record with the headers
Common Crawl writes, and compresses every record as its own gzip member
(as CC does).  The corpus is repeated `--copies` times (with distinct
record ids and urls) to reach tens of MB.  Deterministic: same inputs,
same bytes.

usage: make_wet.py SHARED_DIR OUT.warc.wet.gz [--copies N] [--files K]
(with --files K, OUT-0.warc.wet.gz ... OUT-(K-1) split the records evenly)
"""
import gzip
import hashlib
import json
import sys
import zlib


def records(shared, copies):
    sources = [f"{shared}/data/text/reuters-21578/reuters-21578.jsonl.gz",
               f"{shared}/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz"]
    docs = []
    for s in sources:
        with gzip.open(s, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d.get("text"):
                    docs.append((d["id"], d.get("title") or "", d["text"]))
    for c in range(copies):
        for i, (did, title, text) in enumerate(docs):
            body = (title + "\n" + text if title else text).encode("utf-8")
            rid = hashlib.sha1(f"{c}/{did}".encode()).hexdigest()
            uuid = f"{rid[:8]}-{rid[8:12]}-{rid[12:16]}-{rid[16:20]}-{rid[20:32]}"
            head = (
                "WARC/1.0\r\n"
                "WARC-Type: conversion\r\n"
                f"WARC-Target-URI: http://news{c}.example.com/{did}\r\n"
                f"WARC-Date: 2024-05-{1 + i % 28:02d}T12:00:00Z\r\n"
                f"WARC-Record-ID: <urn:uuid:{uuid}>\r\n"
                f"WARC-Refers-To: <urn:uuid:{uuid}>\r\n"
                "WARC-Block-Digest: sha1:" + hashlib.sha1(body).hexdigest() + "\r\n"
                "WARC-Identified-Content-Language: eng\r\n"
                "Content-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
            yield head + body + b"\r\n\r\n"


def main():
    shared, out = sys.argv[1], sys.argv[2]
    copies = int(sys.argv[sys.argv.index("--copies") + 1]) if "--copies" in sys.argv else 2
    files = int(sys.argv[sys.argv.index("--files") + 1]) if "--files" in sys.argv else 1
    recs = list(records(shared, copies))
    import os
    for k in range(files):
        name = out if files == 1 else out.replace(".warc", "-%d.warc" % k, 1)
        with open(name + ".tmp", "wb") as f:
            for rec in recs[k * len(recs) // files:(k + 1) * len(recs) // files]:
                c = zlib.compressobj(6, zlib.DEFLATED, 31)
                f.write(c.compress(rec) + c.flush())
        os.replace(name + ".tmp", name)


if __name__ == "__main__":
    main()
