#!/usr/bin/env python3
"""Writes the hostile-input corpus of tests/hostile/cases into a folder.

Usage: gen.py OUTDIR [--big]

Every case is made here, deterministically, from the standard library: the
small ones are also kept in tests/hostile/files/ (gen.py --small-only
tests/hostile/files rewrites them) so they can be read and used as fuzz
seeds; the big ones (bombs, 200 MB lines, 100k-deep nesting) exist only
while the test runs.  Each case's expected exit status and counters are in
tests/hostile/cases.
"""
import gzip
import os
import subprocess
import sys
import zlib

SENTENCES = [
    "The council met on Tuesday evening to discuss the new library.",
    "Members said the building would open next spring.",
    "The collection of local history will move there from the town hall.",
    "The plan was approved after a short debate about parking.",
    "Heating the old reading room had cost more than expected.",
    "A group of parents asked for longer opening hours at weekends.",
    "The architect described a quiet garden behind the main hall.",
    "Volunteers have already catalogued most of the old maps.",
    "Some residents worried that the bus service would not reach it.",
    "The mayor promised to review the timetable with the operator.",
    "Work on the roof is due to start before the end of the month.",
    "The contractor expects the scaffolding to stay up until June.",
    "Schools in the area plan to bring classes for weekly visits.",
    "A local bakery has offered to run a small cafe near the entrance.",
    "The council will publish the final budget in the autumn.",
    "Critics argued that the old building should have been restored.",
    "Supporters replied that the new site is easier to reach on foot.",
    "The library will also lend tools, games and musical instruments.",
    "Its archive of parish records will be open to researchers.",
    "Staff are being trained to help visitors trace their families.",
    "The reading room will keep its tall windows and wooden shelves.",
    "Solar panels on the roof should cover part of the power bill.",
    "A children's corner will host stories every Saturday morning.",
    "The county has agreed to share the cost of the new lift.",
    "Opening events are planned with authors from the region.",
    "The old town hall will become offices for small businesses.",
    "Several shops on the high street welcomed the extra visitors.",
    "The project has been discussed for almost ten years.",
    "An earlier design was dropped because it was too expensive.",
    "The final plans were shown at a public meeting in March.",
    "More than two hundred people came to see the drawings.",
    "Most of the questions were about parking and cycle racks.",
    "The council said that the car park would have forty spaces.",
    "Cycle racks will be placed next to the main entrance.",
    "A new crossing will make the road safer for children.",
    "The river path behind the site will be cleared and lit.",
    "Local artists have been asked to design the garden benches.",
    "The library's website will list events and new books.",
    "Members of the public can still comment on the plans.",
    "The final decision on the name will be made next year.",
]


def text_doc(i):
    """Prose that the default filters keep; documents of different i share
    no sentence (i modulo 3), so dedup keeps them apart."""
    k = (i % 3) * 13
    return " ".join(SENTENCES[k:k + 12])


ARTICLE = text_doc(0)


def wet_record(uri, text, length=None):
    body = text.encode()
    n = len(body) if length is None else length
    head = (
        "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: %s\r\n"
        "WARC-Record-ID: <urn:uuid:%s>\r\nContent-Type: text/plain\r\n"
        "Content-Length: %s\r\n\r\n" % (uri, uri[-8:].rjust(8, "0"), n)
    ).encode()
    return head + body + b"\r\n\r\n"


def response_record(uri, http_head, body, extra=b""):
    payload = http_head + b"\r\n\r\n" + body
    head = (
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: %s\r\n"
        "Content-Type: application/http; msgtype=response\r\n"
        "Content-Length: %d\r\n\r\n" % (uri, len(payload) + len(extra))
    ).encode()
    return head + payload + extra + b"\r\n\r\n"


def three_wet(first_length):
    return (
        wet_record("http://a.example/1", text_doc(1), first_length)
        + wet_record("http://b.example/2", text_doc(2))
        + wet_record("http://c.example/3", text_doc(3))
    )


PAGE = (
    "<html><head><title>Library</title></head><body><article><h1>Library"
    "</h1><p>%s</p><p>%s</p></article></body></html>" % (ARTICLE, text_doc(1))
).encode()


def jl(obj_text):
    return (obj_text + "\n").encode()


def small_cases():
    c = {}
    # issue 10, item 1: a wrong Content-Length must not lose the records
    # after it
    c["warc-length-500000.warc"] = three_wet(500000)
    c["warc-length-huge.warc"] = three_wet(99999999999)
    c["warc-length-short.warc"] = three_wet(40)
    c["warc-length-negative.warc"] = three_wet(-5)
    # item 2: labelled gzip, body plain (a real 2014 Common Crawl quirk)
    c["warc-mislabelled-gzip.warc"] = response_record(
        "http://q.example/",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip",
        PAGE,
    )
    # broken chunking: a chunk size that is not hex, then one too long
    chunked = b"10\r\n" + PAGE[:16] + b"\r\nzz\r\n" + PAGE[16:] + b"\r\n0\r\n\r\n"
    c["warc-broken-chunks.warc"] = response_record(
        "http://k.example/",
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked",
        chunked,
    )
    # item 3: a resource record holding HTML (no HTTP head)
    res = (
        "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Target-URI: http://r.example/\r\n"
        "Content-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(PAGE)
    ).encode() + PAGE + b"\r\n\r\n"
    c["warc-resource.warc"] = res
    # a WARC cut inside its second record
    full = three_wet(None)
    c["warc-truncated.warc"] = full[: len(full) // 2]
    # item 4: a duplicate text key must not smuggle unfiltered text out
    c["json-duplicate-key.jsonl"] = (
        jl('{"id":"ok","text":"%s"}' % text_doc(1))
        + jl('{"id":"p","text":"%s","text":"mail spammer.joe@example.com '
             'call 555-867-5309"}' % text_doc(2))
    )
    c["json-invalid.jsonl"] = (
        jl('{"id":"a","text":"%s"}' % text_doc(1)) + jl('{"id":"b","text":')
        + jl("not json at all") + jl('{"id":"c","text":"%s"}' % text_doc(3))
    )
    # overlong UTF-8 (C0 AF = '/'), a lone surrogate in raw bytes and as an
    # escape, NUL bytes
    c["utf8-overlong.txt"] = ARTICLE.encode() + b"\xc0\xaf\xe0\x80\xaf " + text_doc(1).encode()
    c["utf8-surrogate.txt"] = ARTICLE.encode() + b"\xed\xa0\x80 " + text_doc(1).encode()
    c["json-surrogate-escape.jsonl"] = jl(
        '{"id":"s","text":"%s \\ud800 %s"}' % (text_doc(1), ARTICLE)
    )
    c["nul-bytes.txt"] = ARTICLE.encode() + b"\x00\x00abc\x00 " + text_doc(1).encode()
    # corrupt and truncated compressed members
    gz = gzip.compress(full, mtime=0)
    c["gzip-truncated.warc.gz"] = gz[: len(gz) * 2 // 3]
    bad = bytearray(gz)
    for k in range(len(bad) // 3, len(bad) // 3 + 16):
        bad[k] ^= 0x5A
    c["gzip-corrupt.warc.gz"] = bytes(bad)
    # a good member, a damaged one, a good one: the third is still read
    m = [gzip.compress(wet_record("http://m.example/%d" % i, text_doc(i)),
                       mtime=0) for i in range(3)]
    mid = bytearray(m[1])
    mid[len(mid) // 2] ^= 0xFF
    c["gzip-member-damaged.warc.gz"] = m[0] + bytes(mid) + m[2]
    # binary junk, an empty file
    junk = bytearray()
    x = 12345
    for _ in range(4096):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        junk.append((x >> 16) & 0xFF)
    c["binary-junk.bin"] = bytes(junk)
    c["empty.jsonl"] = b""
    # two good documents: the input of the runner's OUTDIR scenarios
    c["good.jsonl"] = (jl('{"id":"g1","text":"%s"}' % text_doc(1)) +
                       jl('{"id":"g2","text":"%s"}' % text_doc(2)))
    # item 5: nesting the gumbo parser choked on, for the default parser
    c["html-deep-tables.html"] = (
        b"<html><body>" + b"<table><tr><td>" * 10000 + b"x"
    )
    return c


def zstd_compress(data, level=19):
    p = subprocess.run(["zstd", "-q", "-%d" % level, "-c"], input=data,
                       stdout=subprocess.PIPE, check=True)
    return p.stdout


def write_big(out):
    """The cases too big to keep in the tree, written straight to disk."""
    # a gzip bomb: 256 MiB of one line of 'a' as JSONL text (~250 KB)
    with open(os.path.join(out, "gzip-bomb.jsonl.gz"), "wb") as f:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)
        f.write(z.compress(b'{"text":"'))
        chunk = b"a" * (1 << 20)
        for _ in range(256):
            f.write(z.compress(chunk))
        f.write(z.compress(b'"}\n' + jl('{"id":"after","text":"%s"}' % text_doc(9))))
        f.write(z.flush())
    # a zstd bomb: 256 MiB of NUL bytes as a text file
    p = subprocess.Popen(["zstd", "-q", "-19", "-c"], stdin=subprocess.PIPE,
                         stdout=open(os.path.join(out, "zstd-bomb.txt.zst"), "wb"))
    zero = b"\0" * (1 << 20)
    for _ in range(256):
        p.stdin.write(zero)
    p.stdin.close()
    p.wait()
    # a 200 MB line between two good ones
    with open(os.path.join(out, "line-200mb.jsonl"), "wb") as f:
        f.write(jl('{"id":"a","text":"%s"}' % text_doc(1)))
        f.write(b'{"id":"huge","text":"')
        chunk = b"word " * (1 << 18)
        for _ in range(200 * (1 << 20) // len(chunk)):
            f.write(chunk)
        f.write(b'"}\n')
        f.write(jl('{"id":"b","text":"%s"}' % text_doc(2)))
    # 100k-deep JSON and HTML nesting
    with open(os.path.join(out, "json-deep.jsonl"), "wb") as f:
        f.write(b'{"id":"deep","text":"x","meta":' + b"[" * 100000 + b"]" * 100000 + b"}\n")
        f.write(jl('{"id":"after","text":"%s"}' % text_doc(4)))
    with open(os.path.join(out, "html-deep-divs.html"), "wb") as f:
        f.write(b"<html><body>" + b"<div>" * 100000 + ARTICLE.encode())


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, data in small_cases().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    if "--small-only" not in sys.argv:
        write_big(out)


if __name__ == "__main__":
    main()
