"""Tests of the winnow Python package against the winnow CLI.

Run by tests/e2e/python.sh (make check), with pytest where Debian's
python3-pytest is installed, else unittest:
    WINNOW=build/winnow WN_SHARED=../shared WN_FIXTURES=tests/fixtures \
    PYTHONPATH=build/python python3 -m pytest python/tests
The interpreter must be the one the module was built for (Debian's
/usr/bin/python3 by default).
"""
import gc
import glob
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import unittest

import winnow

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
WINNOW = os.environ.get("WINNOW", os.path.join(TOP, "build", "winnow"))
SHARED = os.environ.get("WN_SHARED", os.path.join(TOP, "..", "shared"))
FIXTURES = os.environ.get("WN_FIXTURES", os.path.join(TOP, "tests",
                                                      "fixtures"))
# the number of documents of the leak test (the issue asks for 100k)
LEAK_DOCS = int(os.environ.get("WN_PY_LEAK_DOCS", "100000"))
# under ASan (tests/e2e/python.sh on the sanitizer build) freed memory is
# held in quarantine, so RSS says nothing about leaks: only tracemalloc's
# count is checked, and ASan checks every access
SANITIZED = os.environ.get("WN_PY_SANITIZED") == "1"


def cli(*args, ok=(0, 1)):
    """Runs the winnow CLI; returns stdout."""
    p = subprocess.run([WINNOW, *args], capture_output=True)
    if p.returncode not in ok:
        raise AssertionError(f"winnow {' '.join(args)}: exit {p.returncode}:"
                             f" {p.stderr.decode()[-500:]}")
    return p.stdout.decode()


def shared(*parts):
    path = os.path.join(SHARED, *parts)
    return path if os.path.exists(path) else None


def read_inputs():
    """Inputs of every format for the read round trip."""
    out = [os.path.join(TOP, "sample", "feed.jsonl"),
           os.path.join(TOP, "sample", "crawl.warc.wet"),
           os.path.join(FIXTURES, "filter", "docs.jsonl")]
    for p in ("data/warc/dolma/sample-0000.warc.gz",
              "data/warc/jwarc/cc.warc.gz",
              "data/jsonl/dolma-cc-head/cc_en_head-0091.jsonl.gz",
              "data/warc/ia-web-commons/text-extraction-test.warc"):
        if shared(p):
            out.append(shared(p))
    return [p for p in out if os.path.exists(p)]


def corpus():
    """A JSONL corpus with documents that pass and fail the filters."""
    p = shared("data/jsonl/dclm-quality-labels/majority_data.jsonl.gz")
    return p or os.path.join(FIXTURES, "filter", "docs.jsonl")


def rss_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wn-py-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.tmp, name)


class TestRead(Tmp):
    def test_round_trip_equals_cli(self):
        for path in read_inputs():
            with self.subTest(path=os.path.basename(path)):
                want = cli("read", "-q", "-j1", path).splitlines()
                docs = list(winnow.read(path, errors="skip"))
                self.assertEqual(len(docs), len(want))
                self.assertEqual([d.to_json() for d in docs], want)
                for d, line in zip(docs, want):
                    obj = json.loads(line)
                    text_key = "html" if d.kind == "html" else "text"
                    self.assertEqual(d.text, obj.pop(text_key))
                    obj.pop("http", None)
                    for k in ("id", "url", "date", "source"):
                        self.assertEqual(getattr(d, k), obj.pop(k, ""))
                    self.assertEqual(d.metadata, obj)

    def test_formats_and_options(self):
        path = os.path.join(TOP, "sample", "feed.jsonl")
        a = list(winnow.read([path], format="jsonl"))
        self.assertEqual([d.id for d in a],
                         [d.id for d in winnow.read(path)])
        src = self.path("c.jsonl")
        with open(src, "w") as f:
            f.write('{"id":"x","content":"hello there","n":[1,2]}\n')
        d, = winnow.read(src, text_field="content")
        self.assertEqual((d.id, d.text, d.metadata), ("x", "hello there",
                                                      {"n": [1, 2]}))
        self.assertEqual(d.source, src + ":0")
        # directories are walked; the counters add up
        r = winnow.read(os.path.dirname(src), text_field="content")
        self.assertEqual(len(list(r)), 1)
        self.assertEqual(r.stats["docs"], 1)
        self.assertEqual(r.stats["files"], 1)
        with winnow.read(path) as r:
            next(r)
        self.assertEqual(list(r), [])

    def test_html_warc(self):
        p = shared("data/warc/dolma/sample-0000.warc.gz")
        if not p:
            self.skipTest("no shared data")
        kinds = {d.kind for d in winnow.read(p)}
        self.assertIn("html", kinds)
        self.assertNotIn("html", {d.kind for d in winnow.read(p,
                                                               html=False)})


class TestErrors(Tmp):
    def test_bad_json_raises_with_file_and_offset(self):
        p = self.path("bad.jsonl")
        with open(p, "w") as f:
            f.write('{"text":"one"}\n{"text": broken\n{"text":"three"}\n')
        r = winnow.read(p)
        self.assertEqual(next(r).text, "one")
        with self.assertRaises(winnow.InputError) as cm:
            next(r)
        e = cm.exception
        # the file and offset the CLI reports for the same input
        err = subprocess.run([WINNOW, "read", "-q", p], capture_output=True,
                             text=True).stderr
        self.assertIn(f"{p}: offset {e.offset}: ", err)
        self.assertEqual(e.file, p)
        self.assertTrue(15 <= e.offset < 31, e.offset)  # in line 2
        self.assertIn(f"offset {e.offset}", str(e))
        self.assertTrue(e.code < 0)
        # the reader goes on after bad input, as the CLI does
        self.assertEqual([d.text for d in r], ["three"])
        self.assertEqual(r.stats["bad_json"], 1)
        # errors="skip": counted, not raised
        r = winnow.read(p, errors="skip")
        self.assertEqual(len(list(r)), 2)
        self.assertEqual(r.stats["bad_json"], 1)

    def test_corrupt_and_truncated_gzip(self):
        data = gzip.compress(b"".join(b'{"text":"%d"}\n' % (i * i)
                                      for i in range(100000)))
        p = self.path("t.jsonl.gz")
        with open(p, "wb") as f:
            f.write(data[:len(data) // 2])
        with self.assertRaises(winnow.InputError) as cm:
            list(winnow.read(p))
        self.assertEqual(cm.exception.file, p)
        cut = list(winnow.read(p, errors="skip"))
        self.assertTrue(0 < len(cut) < 100000, len(cut))

    def test_missing_file(self):
        with self.assertRaises(winnow.FileError) as cm:
            list(winnow.read(self.path("nope.jsonl")))
        self.assertIsInstance(cm.exception, OSError)
        self.assertIn("nope.jsonl", cm.exception.file)

    def test_missing_file_in_jobs(self):
        missing = self.path("nope.jsonl")
        with self.assertRaises(winnow.FileError) as cm:
            winnow.dedup([missing], [self.path("o.jsonl")], self.path("w"))
        self.assertEqual(cm.exception.file, missing)
        # a run finishes, as `winnow run` does (exit 1), and says what
        st = winnow.run([missing], self.path("run"))
        self.assertTrue(st["problems"])
        self.assertTrue(all(p.startswith(missing + ": offset 0: ")
                            for p in st["problems"]), st["problems"])
        self.assertEqual(st["documents"]["read"], 0)

    def test_bad_options(self):
        with self.assertRaises(winnow.OptionError):
            winnow.read(self.path("x"), format="yaml")
        with self.assertRaises(winnow.OptionError):
            winnow.read(self.path("x"), errors="ignore")
        with self.assertRaises(winnow.OptionError):
            winnow.Pipeline(stages=["nope"])
        with self.assertRaises(winnow.OptionError):
            winnow.Pipeline(config={"gopher_quality.nope": 1})
        with self.assertRaises(ValueError):  # OptionError is a ValueError
            winnow.Pipeline(config={"gopher_quality.min_words": "many"})
        with self.assertRaises(TypeError):
            winnow.Pipeline(config={"gopher_quality.min_words": object()})
        with self.assertRaises(TypeError):
            winnow.Pipeline().process("not a document")
        with self.assertRaises(TypeError):
            winnow.Document(text=b"bytes")
        with self.assertRaises(ValueError):  # NaN is not JSON
            winnow.Document(metadata={"x": float("nan")}).to_json()
        with self.assertRaises(TypeError):  # nor is a set
            winnow.Pipeline().process(winnow.Document(metadata={"x": {1}}))
        with self.assertRaises(winnow.OptionError):
            winnow.run([], self.path("o"), nope=1)
        with self.assertRaises(winnow.OptionError):
            winnow.dedup([], [], self.path("w"), threshold=2)
        with self.assertRaises(winnow.OptionError):
            winnow.dedup(["a"], [], self.path("w"))


class TestDocument(unittest.TestCase):
    def test_fields_and_json(self):
        d = winnow.Document(text="héllo", id="1", url="u",
                            metadata={"k": [1, "ü"]})
        self.assertEqual(d.kind, "text")
        self.assertEqual(json.loads(d.to_json()),
                         {"id": "1", "url": "u", "text": "héllo",
                          "k": [1, "ü"]})
        d.metadata["z"] = None
        self.assertEqual(json.loads(d.to_json())["z"], None)
        d.text = "other"
        self.assertEqual(d.text, "other")
        with self.assertRaises(TypeError):
            d.text = 3
        with self.assertRaises(TypeError):
            d.metadata = []
        self.assertIn("id='1'", repr(d))


class TestPipeline(Tmp):
    def cli_filter(self, path, *flags):
        kept = self.path("kept.jsonl")
        rej = self.path("rej.jsonl")
        cli("filter", "-q", "-j1", *flags, "--rejects", rej, "-o", kept, path)
        with open(kept) as f:
            k = f.read().splitlines()
        with open(rej) as f:
            r = [json.loads(x) for x in f]
        # in input order: (id, source, reason); a record's own "source"
        # field (dolma's) is not unique
        return k, [(x.get("id", ""), x.get("source", ""), x["reject_reason"])
                   for x in r]

    def test_decisions_equal_cli_filter(self):
        paths = [corpus()] + sorted(
            glob.glob(os.path.join(SHARED, "data", "jsonl", "*", "*.gz")))
        for path in dict.fromkeys(paths):  # in order, once each
            with self.subTest(path=os.path.basename(path)):
                self.check_filter(path)

    def check_filter(self, path):
        want_kept, want_rej = self.cli_filter(path)
        docs = list(winnow.read(path))
        pipe = winnow.Pipeline()
        got = [pipe.process(d) for d in docs]
        kept = [d.to_json() for d, (k, _) in zip(docs, got) if k]
        rej = [(d.id, d.source, r) for d, (k, r) in zip(docs, got) if not k]
        self.assertEqual(kept, want_kept)  # same set, same text, metadata
        self.assertEqual(rej, want_rej)    # same reasons
        if path == corpus():
            self.assertTrue(kept and rej, "the corpus should keep and reject")
        st = pipe.stats
        self.assertEqual(st["read"], len(docs))
        self.assertEqual(st["kept"], len(kept))
        self.assertEqual(sum(st["rejected"].values()), len(rej))
        for k, r in got:
            self.assertEqual(k, r is None)

    def test_batch_equals_process_and_cli(self):
        path = corpus()
        stages = ["gopher_repetition", "gopher_quality", "c4_filter",
                  "fineweb"]
        want_kept, want_rej = self.cli_filter(path, "--filters",
                                              ",".join(stages))
        for threads in (1, 2, 4):
            docs = list(winnow.read(path))
            res = winnow.Pipeline(stages=stages).process_batch(
                docs, threads=threads)
            self.assertEqual(len(res), len(docs))
            self.assertEqual([d.to_json() for d, (k, _) in zip(docs, res)
                              if k], want_kept)
            self.assertEqual([(d.id, d.source, r)
                              for d, (k, r) in zip(docs, res) if not k],
                             want_rej)
        self.assertEqual(winnow.Pipeline(stages=stages).process_batch([]),
                         [])

    def test_config_and_order(self):
        names = [n for n, _, _ in winnow.stages()]
        # the registry's order, the only order: extract before normalize
        self.assertLess(names.index("extract"), names.index("normalize"))
        self.assertEqual(winnow.Pipeline().stages,
                         [n for n, g, _ in winnow.stages()
                          if g == "filter" and n != "pii"])
        self.assertEqual(winnow.Pipeline(stages=[]).process(
            winnow.Document(text="x")), (True, None))
        p = winnow.Pipeline(stages="fineweb,gopher_quality",
                            config={"gopher_quality": {"min_words": 3}})
        self.assertEqual(p.stages, ["gopher_quality", "fineweb"])
        d = winnow.Document(text="one two")
        kept, reason = p.process(d)
        self.assertFalse(kept)
        self.assertTrue(reason.startswith("gopher_quality:"), reason)
        p = winnow.Pipeline(stages=["gopher_quality"],
                            config={"gopher_quality.enabled": False})
        self.assertEqual(p.process(winnow.Document(text="one two")),
                         (True, None))

    def test_pii_edits_text(self):
        p = winnow.Pipeline(stages=["pii"], config={"pii.redact": "email"})
        d = winnow.Document(text="write to someone@example.com today")
        self.assertEqual(p.process(d), (True, None))
        self.assertNotIn("someone@example.com", d.text)

    def test_batch_releases_the_gil(self):
        # a Python thread runs while process_batch works: with the GIL held
        # for the whole batch it could not tick in the middle of the call
        docs = list(winnow.read(corpus())) * 10
        pipe = winnow.Pipeline(stages=["gopher_repetition",
                                       "gopher_quality", "fineweb"])
        ticks, stop = [], threading.Event()

        def tick():
            while not stop.is_set():
                ticks.append(time.perf_counter())
                time.sleep(0.001)
        t = threading.Thread(target=tick)
        t.start()
        time.sleep(0.01)
        t0 = time.perf_counter()
        pipe.process_batch(docs, threads=1)
        t1 = time.perf_counter()
        stop.set()
        t.join()
        if t1 - t0 < 0.1:
            self.skipTest(f"the batch took {t1 - t0:.3f} s: too short")
        inside = [x for x in ticks if t0 + 0.03 < x < t1 - 0.03]
        self.assertTrue(inside, f"no tick in {t1 - t0:.3f} s of batch")

    def test_threads_share_nothing(self):
        # one Pipeline per thread, all at once: the same answers
        docs = list(winnow.read(corpus()))
        want = [r for r in winnow.Pipeline().process_batch(docs)]
        out = {}

        def work(i):
            mine = list(winnow.read(corpus()))
            p = winnow.Pipeline()
            out[i] = [p.process(d) for d in mine]
        ts = [threading.Thread(target=work, args=(i,)) for i in range(3)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        for i in range(3):
            self.assertEqual(out[i], want)


class TestText(Tmp):
    def test_extract_equals_cli(self):
        html_path = os.path.join(FIXTURES, "extract", "article.html")
        with open(html_path, encoding="utf-8") as f:
            html = f.read()
        got = winnow.extract(html)
        line, = cli("extract", "-q", "-j1", "--from", "html",
                    html_path).splitlines()
        self.assertEqual(got, json.loads(line)["text"])
        self.assertIsNone(winnow.extract("<html><body></body></html>"))

    def test_clean_and_explain_equal_cli(self):
        text = ("Breaking: the harbour reopens after the storm.\n"
                "Share on Facebook\n"
                "Officials said the ferries will run on Monday morning.\n"
                "Accept all cookies\n")
        src = self.path("t.jsonl")
        with open(src, "w") as f:
            f.write(json.dumps({"id": "a", "text": text}) + "\n")
        out = cli("clean", "-q", "-j1", "--no-site-lines", src)
        got = winnow.clean(text)
        self.assertEqual(got, json.loads(out)["text"] if out else None)
        lines = cli("explain", "-q", "--no-site-lines", src).splitlines()
        want = []
        for ln in lines:
            if ln.startswith("#"):
                continue
            parts = ln.split("\t")
            want.append(("KEEP", None, parts[1]) if parts[0] == "KEEP"
                        else ("DROP", parts[1], parts[2]))
        self.assertEqual(winnow.explain(text), want)
        self.assertIn("DROP", {v for v, _, _ in want})


class TestRunDedup(Tmp):
    def test_run_equals_cli(self):
        inp = os.path.join(TOP, "sample", "feed.jsonl")
        calls = []
        st = winnow.run([inp], self.path("py"), progress=calls.append,
                        jobs=1, interval=0.01)
        cli("run", "-q", "-j1", "-o", self.path("cli"), inp)
        with open(self.path("cli/stats.json")) as f:
            want = json.load(f)
        self.assertTrue(calls and calls[-1]["phase"] == "done", calls[-1:])
        for key in ("documents", "rejected_by_reason", "input"):
            self.assertEqual(st[key], want[key])
        got = sorted(os.listdir(self.path("py/data")))
        self.assertEqual(got, sorted(os.listdir(self.path("cli/data"))))
        for name in got:
            with open(self.path("py/data/" + name), "rb") as a, \
                    open(self.path("cli/data/" + name), "rb") as b:
                self.assertEqual(a.read(), b.read())
        self.assertEqual(st["problems"], [])

    def test_progress_exception_propagates(self):
        inp = os.path.join(TOP, "sample", "feed.jsonl")

        def boom(p):
            raise KeyError("stop")
        with self.assertRaises(KeyError):
            winnow.run(inp, self.path("o"), progress=boom, interval=0.01)

    def test_dedup_equals_cli(self):
        inp = os.path.join(FIXTURES, "dedup", "small.jsonl")
        st = winnow.dedup([inp], [self.path("py.jsonl")], self.path("w"),
                          rejects=self.path("py.rej.jsonl"))
        cli("dedup", "-o", self.path("cli"), "-r", self.path("cli.rej.jsonl"),
            inp)
        for a, b in ((self.path("py.jsonl"),
                      self.path("cli/" + os.path.basename(inp))),
                     (self.path("py.rej.jsonl"), self.path("cli.rej.jsonl"))):
            with open(a, "rb") as fa, open(b, "rb") as fb:
                self.assertEqual(fa.read(), fb.read())
        self.assertEqual(st["kept"] + st["exact_dups"] + st["near_dups"],
                         st["docs"])
        self.assertGreater(st["exact_dups"] + st["near_dups"], 0)


class TestLeaks(Tmp):
    """Memory must not grow with the number of documents."""

    def loop(self, n, pipe, docs):
        for i in range(n):
            d = winnow.Document(text=docs[i % len(docs)], id=str(i),
                                metadata={"i": i})
            pipe.process(d)
            d.metadata
            d.to_json()

    def test_process_100k(self):
        # short texts: the test is of the bindings, not the stages' speed
        docs = [d.text[:400] for d in winnow.read(corpus())][:200]
        # pii edits the text (new strings back); langid is left out for
        # time: it is C, not bindings
        pipe = winnow.Pipeline(stages=["gopher_quality", "fineweb", "pii"])
        self.loop(2000, pipe, docs)  # warm up buffers and caches
        gc.collect()
        tracemalloc.start()
        r0 = rss_kb()
        t0, _ = tracemalloc.get_traced_memory()
        self.loop(LEAK_DOCS, pipe, docs)
        gc.collect()
        t1, _ = tracemalloc.get_traced_memory()
        r1 = rss_kb()
        tracemalloc.stop()
        self.assertLess(t1 - t0, 256 * 1024, "Python objects leaked")
        if not SANITIZED:
            self.assertLess(r1 - r0, 8 * 1024, f"RSS grew {r1 - r0} kB")

    def test_read_and_batch_loop(self):
        # LEAK_DOCS documents read (metadata parsed), a tenth of them also
        # through process_batch on 2 threads, and an error per pass
        path = corpus()
        pipe = winnow.Pipeline()
        bad = self.path("bad.jsonl")
        with open(bad, "w") as f:
            f.write('{"text":"a","m":{"k":1}}\n{"text": oops\n')

        def once(i):
            docs = list(winnow.read(path))
            for d in docs:
                d.metadata
            if i % 10 == 0:
                pipe.process_batch(docs, threads=2)
            try:
                list(winnow.read([bad, self.path("missing")]))
            except winnow.Error:
                pass
            return len(docs)
        for i in range(3):
            once(i)
        gc.collect()
        tracemalloc.start()
        r0 = rss_kb()
        t0, _ = tracemalloc.get_traced_memory()
        n = i = 0
        while n < LEAK_DOCS:
            n += once(i)
            i += 1
        gc.collect()
        t1, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        self.assertLess(t1 - t0, 256 * 1024, "Python objects leaked")
        if not SANITIZED:
            self.assertLess(rss_kb() - r0, 16 * 1024)

def _datatrove_path():
    peers = os.path.join(SHARED, "peers")
    if not os.path.exists(os.path.join(peers, "dt_common.py")):
        return None
    sys.path.insert(0, peers)
    try:
        import dt_common
        dt_common.setup_paths()
        dt_common.setup_fsspec_compat()
        from datatrove.pipeline.base import PipelineStep  # noqa: F401
        from datatrove.data import Document  # noqa: F401
        return peers
    except Exception as e:  # any import failure: the test is skipped
        sys.stderr.write(f"datatrove not importable: {e!r}\n")
        return None


class StandIn:
    """The shape of datatrove's Document."""

    def __init__(self, text, id, metadata=None):
        self.text, self.id = text, id
        self.media = []
        self.metadata = metadata if metadata is not None else {}


class TestDatatrove(Tmp):
    def want(self, stages):
        docs = list(winnow.read(corpus()))
        res = winnow.Pipeline(stages=stages).process_batch(docs)
        return docs, res

    def check_filter(self, make_doc, step):
        docs, res = self.want(list(step.stage_names))
        mine = [make_doc(d.text, d.id or d.source, {"url": d.url,
                                                    **d.metadata})
                for d in docs]
        out = list(step.run(iter(mine)))
        kept = [d for d, (k, _) in zip(docs, res) if k]
        self.assertEqual([o.text for o in out], [d.text for d in kept])
        self.assertEqual([o.metadata.get("url") for o in out],
                         [d.url for d in kept])
        self.assertTrue(all("language" not in o.metadata for o in out))
        stats = step.stats
        get = (lambda k: stats[k].total) if hasattr(stats, "stats") \
            else (lambda k: stats[k])
        self.assertEqual(get("total"), len(docs))
        self.assertEqual(get("forwarded"), len(kept))
        self.assertEqual(get("dropped"), len(docs) - len(kept))

    def test_stand_in(self):
        # the steps must work without datatrove's classes
        from winnow.datatrove import (WinnowCleaner, WinnowExtractor,
                                      WinnowFilter)
        self.check_filter(StandIn, WinnowFilter(threads=2, batch_size=64))
        c = WinnowCleaner()
        d = StandIn("Real text here today.\nShare on Facebook\n", "1")
        out, = list(c.run([d]))
        self.assertEqual(out.text, winnow.clean(d.text))
        with open(os.path.join(FIXTURES, "extract", "article.html"),
                  encoding="utf-8") as f:
            html = f.read()
        pages = [StandIn(html, "p1", {"url": "https://example.com/a"}),
                 StandIn("<html><body></body></html>", "p2")]
        out = list(WinnowExtractor().run(pages))
        self.assertEqual([o.id for o in out], ["p1"])
        self.assertEqual(out[0].text, winnow.extract(html))
        self.assertEqual(out[0].metadata["url"], "https://example.com/a")

    def test_datatrove(self):
        if not _datatrove_path():
            self.skipTest("datatrove not importable from "
                          f"{SHARED}/peers (run its setup.sh)")
        from datatrove.data import Document as DTDoc
        from datatrove.pipeline.base import PipelineStep
        import winnow.datatrove as wd
        if not wd.HAVE_DATATROVE:  # imported before datatrove was on path
            import importlib
            wd = importlib.reload(wd)
        step = wd.WinnowFilter(threads=2, batch_size=100)
        self.assertIsInstance(step, PipelineStep)
        self.check_filter(lambda t, i, m: DTDoc(text=t, id=i, metadata=m),
                          step)
        # in a datatrove pipeline: reader -> winnow -> writer
        from datatrove.executor import LocalPipelineExecutor
        from datatrove.pipeline.readers import JsonlReader
        from datatrove.pipeline.writers import JsonlWriter
        src = self.path("in")
        os.makedirs(src)
        shutil.copy(os.path.join(FIXTURES, "filter", "docs.jsonl"), src)
        ex = LocalPipelineExecutor(pipeline=[
            JsonlReader(src, glob_pattern="*.jsonl"),
            wd.WinnowCleaner(),
            wd.WinnowFilter(),
            JsonlWriter(self.path("out"), compression=None),
        ], tasks=1, workers=1, logging_dir=self.path("logs"))
        ex.run()
        kept = []
        for p in glob.glob(self.path("out/*.jsonl")):
            with open(p) as f:
                kept += [json.loads(x) for x in f]
        docs = list(winnow.read(os.path.join(src, "docs.jsonl")))
        pipe = winnow.Pipeline(stages=["normalize", "clean",
                                       "gopher_repetition", "gopher_quality",
                                       "c4_filter", "fineweb"])
        want = [d.text for d in docs if pipe.process(d)[0]]
        self.assertEqual([k["text"] for k in kept], want)


if __name__ == "__main__":
    unittest.main()
