#!/usr/bin/env python3
"""sweep.py - the fault-injection sweep behind scripts/fault-sweep.sh.

Runs the fault build of winnow (`make fault`, see tests/fault/inject.c) on
a small corpus and fails its Nth allocation, read, write, fsync, ... for
N = 1, 2, ...; checks every outcome (see CHECKS below) and prints a FAIL
line per failed outcome, a summary per case and class, and
"N passed, N failed" last.

    sweep.py [FAULT_WINNOW [CLEAN_WINNOW]]   the sweep
    sweep.py --one CASE N                    one outcome, with a stack
                                             trace; files kept
    sweep.py --list                          the cases and their faults

Environment: FAULT_BUDGET (seconds, default 240), FAULT_ALL=1 (every N of
every case, no budget), FAULT_SCALE (factor on the sampled counts),
FAULT_CASES (regex on case names), FAULT_JOBS (outcomes at once, default
1), FAULT_KEEP=1 (keep the work directory), FAULT_WORK (its path),
FAULT_SHOW (FAIL lines per case and class, default 5; 0: one
line per case and class with an example), FAULT_DIR (the directory of --one, default /tmp/wn-fault-repro000).
"""
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# CHECKS, the contract each outcome is held to.  Exit status: 0 clean, 1
# finished but some input was bad, 3 failed (output not written).
#   fail       allocation failure, or a failed write/fsync/rename/... of
#              winnow's own files: exit 3, or 0 when winnow recovered fully
#              (then the output equals the clean run's)
#   io         a failed call on an input file (open, read): exit 1, the
#              file reported as "FILE: offset N", its task not marked
#              finished; on any other file: as "fail"
# Always: no signal, no sanitizer report, no hang, every file under a
# final name complete (zstd frames whole, JSON lines parse), no temporary
# file left; `winnow run`: a rerun without faults in the same OUTDIR exits
# 0 with data/, rejects/, stats.json, report.html byte-identical to a clean
# run and the same set of files in work/; `read` and `filter`: a failed
# command leaves no output file.
#
# (name, command, fault, expect, head, rest): N = the first call of every
# distinct call site (its SITE_DEPTH innermost callers; not for faults
# with a path filter or +persist), 1..head, and `rest` values evenly over
# the remaining calls.  fault: "alloc" (WN_FAULT_ALLOC),
# or OP:ERRNO[:PATH] (WN_FAULT_IO; PATH @in = the corpus, @work = the run's
# work directory); "+persist" adds WN_FAULT_PERSIST=1.
TIMING_RE = re.compile(rb"^<!-- timing -->\n.*?^<!-- /timing -->\n",
                       re.S | re.M)

CASES = [
    ("run-alloc", "run", "alloc", "fail", 100, 50),
    ("run-alloc-persist", "run", "alloc+persist", "fail", 0, 30),
    ("run-read-input-eio", "run", "read:EIO:@in", "io", 40, 10),
    ("run-write-enospc", "run", "write:ENOSPC", "io", 40, 10),
    ("run-write-enospc-persist", "run", "write:ENOSPC+persist", "io", 20, 10),
    ("run-write-eio", "run", "write:EIO", "io", 40, 10),
    ("run-fsync-eio", "run", "fsync:EIO", "io", 40, 10),
    ("run-close-eio", "run", "close:EIO", "io", 20, 10),
    ("run-rename-eio", "run", "rename:EIO", "io", 20, 15),
    ("run-open-eio", "run", "open:EIO", "io", 20, 10),
    ("run-mkdir-eio", "run", "mkdir:EIO", "io", 20, 5),
    ("run-fwrite-enospc", "run", "fwrite:ENOSPC", "io", 20, 15),
    ("run-fclose-eio", "run", "fclose:EIO", "io", 20, 15),
    ("run-fopen-emfile", "run", "fopen:EMFILE", "io", 20, 15),
    ("run-fread-eio", "run", "fread:EIO", "io", 20, 15),
    ("run-pread-eio", "run", "pread:EIO", "io", 10, 5),
    ("run-getline-eio", "run", "getline:EIO", "io", 10, 5),
    ("run-read-work-eio", "run", "read:EIO:@work", "io", 20, 10),
    ("read-alloc", "read", "alloc", "fail", 80, 40),
    ("filter-alloc", "filter", "alloc", "fail", 80, 40),
]

CLASSES = OrderedDict([
    ("signal", "killed by a signal"),
    ("hang", "did not finish in 60 s"),
    ("sanitizer", "ASan/UBSan/LSan report"),
    ("partial", "partial file under a final name"),
    ("published", "output published by a failed command"),
    ("tmp-left", "temporary file left"),
    ("resume", "rerun without faults fails or differs"),
    ("wrong-output", "exit 0 but output differs from a clean run"),
    ("marked-done", "unreadable input's task marked finished"),
    ("not-reported", "read error not reported as FILE: offset N"),
    ("message", "garbage or empty error message (wn_error not filled)"),
    ("exit", "wrong exit status"),
    ("exit1-pending", "exit 1 where 3 is due (pending exit-3 contract)"),
    ("pass", "passed"),
    ("notfired", "fault not reached (not counted)"),
    ("budget", "not tried (time budget)"),
])
NOT_COUNTED = {"notfired", "budget"}
SITE_DEPTH = 4  # callers that tell one call site from another

SAN_ENV = {
    "ASAN_OPTIONS": "detect_leaks=1:exitcode=86:allocator_may_return_null=1",
    "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1:exitcode=87",
    "LSAN_OPTIONS": "exitcode=88",
}
SAN_RE = re.compile(r"ERROR: (Address|Leak)Sanitizer|runtime error:")
TMP_RE = re.compile(r"\.tmp(\.|$)|\.\d+\.\d+\.0x[0-9a-f]+$")



def marker_payload(data):
    """The payload of a unit marker (src/core/marker.c: payload, the files
    it vouches for, then u64 payload length, u32 count, u64 XXH3 and
    "WNMARK1\\n"), or None when data is not a whole marker."""
    if len(data) < 28 or not data.endswith(b"WNMARK1\n"):
        return None
    plen = int.from_bytes(data[-28:-20], sys.byteorder)
    return data[:plen] if plen <= len(data) - 28 else None

class Sweep:
    def __init__(self, fw, cw, work, keep):
        self.fw, self.cw, self.work, self.keep = fw, cw, work, keep
        self.corpus = os.path.join(work, "corpus")
        self.ref = os.path.join(work, "ref")
        self.deadline = None
        self.trace = False

    # --- running winnow ---------------------------------------------------
    def argv(self, binary, cmd, out):
        if cmd == "run":
            return [binary, "run", "-q", "-j1", "--no-progress",
                    "--shard-size", "2K", self.corpus, "-o", out]
        os.makedirs(out, exist_ok=True)
        if cmd == "read":
            return [binary, "read", "-q", self.corpus,
                    "-o", os.path.join(out, "docs.jsonl.zst")]
        return [binary, "filter", "-q", self.corpus,
                "-o", os.path.join(out, "good.jsonl.zst"),
                "--rejects", os.path.join(out, "bad.jsonl.zst")]

    def fault_env(self, fault, n):
        env = {}
        if fault.endswith("+persist"):
            env["WN_FAULT_PERSIST"] = "1"
            fault = fault[:-len("+persist")]
        if fault == "alloc":
            env["WN_FAULT_ALLOC"] = str(n)
            return env
        w = fault.split(":", 2)
        path = ""
        if len(w) > 2:
            path = {"@in": self.corpus + "/", "@work": "/out/work/"}.get(w[2], w[2])
            path = ":" + path
        env["WN_FAULT_IO"] = "%s:%s:%d%s" % (w[0], w[1], n, path)
        return env

    def exec(self, binary, cmd, out, fenv, log):
        env = dict(os.environ)
        env.update(SAN_ENV)
        env.update(fenv)
        argv = self.argv(binary, cmd, out)
        try:
            with open(log, "wb") as f:
                p = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT,
                                   env=env, timeout=60)
            rc = p.returncode
        except subprocess.TimeoutExpired:
            rc = None
        with open(log, "rb") as f:
            return rc, f.read().decode(errors="replace")

    def outdir(self, name, n):
        """Where outcome N of a case runs ("count" for the counting run):
        names of one length, as the paths winnow builds change how many
        allocations it makes."""
        return os.path.join(self.work, "%s-%s" % (
            name, "count" if n is None else "%05d" % n))

    def count(self, name, cmd, fault):
        """(calls the fault can hit, [the first N of each distinct call
        site (the innermost SITE_DEPTH callers)]).  Sites are known for
        faults without a path filter only."""
        d = self.outdir(name, None)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        cf, sf = os.path.join(d, "count"), os.path.join(d, "sites")
        fenv = self.fault_env(fault, 0)
        fenv.pop("WN_FAULT_PERSIST", None)
        fenv["WN_FAULT_COUNT"] = cf
        op = "alloc" if fault.startswith("alloc") else fault.split(":")[0]
        filtered = fault.startswith("alloc") is False and \
            len(fault.replace("+persist", "").split(":")) > 2
        if not filtered:
            fenv["WN_FAULT_SITES"] = sf
        self.exec(self.fw, cmd, os.path.join(d, "out"), fenv,
                  os.path.join(d, "log"))
        key = "alloc" if op == "alloc" else "match"
        k = 0
        with open(cf) as f:
            for line in f:
                w = line.split()
                if len(w) == 3 and w[1] == key:
                    k = int(w[2])
        first = {}
        if os.path.exists(sf):
            with open(sf) as f:
                for line in f:
                    w = line.split()
                    if len(w) > 2 and w[0] == op:
                        first.setdefault(tuple(w[2:2 + SITE_DEPTH]), int(w[1]))
        shutil.rmtree(d, ignore_errors=True)
        return k, sorted(first.values())

    # --- file checks ------------------------------------------------------
    @staticmethod
    def files(top):
        out = set()
        for d, _, names in os.walk(top):
            for n in names:
                out.add(os.path.relpath(os.path.join(d, n), top))
        return out

    @staticmethod
    def check_file(path, rel, probs):
        name = os.path.basename(rel)
        if TMP_RE.search(name):
            probs.append(("tmp-left", rel))
            return
        inner = re.sub(r"\.(zst|gz)$", "", name)
        if not re.search(r"\.(jsonl|json|html|counts)$", inner) and \
                not name.endswith((".zst", ".gz")):
            return
        try:
            if name.endswith(".zst"):
                p = subprocess.run(["zstd", "-dcq", path], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE)
                if p.returncode:
                    probs.append(("partial", "%s: zstd: %s" % (
                        rel, p.stderr.decode(errors="replace").strip()[-160:])))
                    return
                data = p.stdout
            elif name.endswith(".gz"):
                with gzip.open(path) as f:
                    data = f.read()
            else:
                with open(path, "rb") as f:
                    data = f.read()
        except (OSError, EOFError) as e:
            probs.append(("partial", "%s: %s" % (rel, e)))
            return
        if inner.endswith(".counts"):
            # a task's marker: the counters, then what vouches for its
            # files (src/core/marker.c)
            data = marker_payload(data)
            if data is None:
                probs.append(("partial", "%s: not a whole marker" % rel))
                return
        if data and not data.endswith(b"\n"):
            probs.append(("partial", "%s: no newline at the end" % rel))
            return
        if inner.endswith(".jsonl"):
            for i, line in enumerate(data.split(b"\n")[:-1]):
                try:
                    if not isinstance(json.loads(line), dict):
                        raise ValueError("not an object")
                except ValueError as e:
                    probs.append(("partial", "%s: line %d: %s" % (rel, i + 1, e)))
                    return
        elif inner.endswith(".json"):
            try:
                json.loads(data)
            except ValueError as e:
                probs.append(("partial", "%s: %s" % (rel, e)))
        elif inner.endswith(".html"):
            if not data.rstrip().endswith(b"</html>"):
                probs.append(("partial", "%s: does not end with </html>" % rel))
        elif inner.endswith(".counts"):
            if any(len(l.split()) < 2 for l in data.split(b"\n")[:-1]):
                probs.append(("partial", "%s: bad line" % rel))

    def check_tree(self, top, ref=None, absent=False):
        """Problems of the files under top: (kind, detail), kind partial,
        tmp-left, published, differs, missing or extra."""
        probs = []
        have = self.files(top) if os.path.isdir(top) else set()
        if absent:
            probs += [("published", rel) for rel in sorted(have)]
        for rel in sorted(have):
            self.check_file(os.path.join(top, rel), rel, probs)
        if ref:
            want = self.files(ref)
            probs += [("missing", rel) for rel in sorted(want - have)]
            probs += [("extra", rel) for rel in sorted(have - want)
                      if not TMP_RE.search(os.path.basename(rel))]
            for rel in sorted(want & have):
                # timing.json holds CPU seconds: complete, never the same
                if rel.startswith("work" + os.sep) or rel == "timing.json":
                    continue
                with open(os.path.join(top, rel), "rb") as a, \
                        open(os.path.join(ref, rel), "rb") as b:
                    x, y = a.read(), b.read()
                    if rel.endswith(".html"):
                        # the report's time section is timing.json's
                        x, y = TIMING_RE.sub(b"", x), TIMING_RE.sub(b"", y)
                    if x != y:
                        probs.append(("differs", rel))
        return probs

    # --- one outcome ------------------------------------------------------
    def input_index(self, path):
        """Task number of an input file (its place in run.conf, which the
        finished reference run keeps in manifest.json)."""
        with open(os.path.join(self.ref, "run", "manifest.json")) as f:
            lines = json.load(f)["run"].split("\n")
        i = lines.index("[inputs]")
        for k, line in enumerate(lines[i + 1:]):
            if line.startswith(path + " "):
                return k
        return None

    def one(self, case, n):
        name, cmd, fault, expect = case[:4]
        if self.deadline and time.time() >= self.deadline:
            return "budget", [], "", []
        d = self.outdir(name, n)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        out = os.path.join(d, "out")
        fenv = self.fault_env(fault, n)
        repro = " ".join("%s=%s" % kv for kv in sorted(fenv.items()))
        fenv["WN_FAULT_TRACE"] = "1" if self.trace else "raw"
        rc, log = self.exec(self.fw, cmd, out, fenv, os.path.join(d, "log"))
        probs = []
        inj = re.search(r"^wn-fault: injected \S+ into \S+ #\d+(?: \((.*)\))?$",
                        log, re.M)
        if not inj and rc is not None and rc < 0:
            # killed before the announcement could be written?
            inj = re.search(r"^wn-fault: injected", log, re.M)
        if not inj:
            if not self.keep:
                shutil.rmtree(d, ignore_errors=True)
            return "notfired", [], repro, []
        m = SAN_RE.search(log)
        if m:
            line = re.search(r"^.*(SUMMARY: .*|runtime error:.*)$", log, re.M)
            probs.append(("sanitizer", line.group(0).strip() if line else m.group(0)))
        elif rc is None:
            probs.append(("hang", "killed after 60 s"))
        elif rc < 0 or rc in (86, 87, 88):
            probs.append(("signal", "exit %d" % rc))
        for line in re.findall(r"^winnow: .*$", log, re.M):
            m = re.search(r"offset (\d+)", line)
            if "unknown error" in line or "\ufffd" in line or \
                    re.search(r"[\x00-\x08\x0e-\x1f\x7f]", line) or \
                    (m and int(m.group(1)) > 1 << 40) or line == "winnow: ":
                probs.append(("message", line[:120]))
                break
        want = 3
        path = inj.group(1) or ""
        # reading an input failed (closing one that was read is harmless)
        on_input = path.startswith(self.corpus + "/") and re.match(
            r"(open|read|pread|fread|fgets|getline|fopen):", fault)
        if expect == "io" and on_input:
            want = 1
            base = os.path.basename(path)
            if not re.search(r"^winnow: .*%s: offset \d+" % re.escape(base), log, re.M):
                probs.append(("not-reported", "no 'FILE: offset N' for %s" % base))
        if rc is not None and rc >= 0 and rc not in (86, 87, 88) and rc != want:
            if rc == 0 and want == 3:
                pass  # recovered: checked against the clean run below
            elif rc == 1 and want == 3:
                probs.append(("exit1-pending", "exit 1, want 3"))
            else:
                probs.append(("exit", "exit %d, want %d" % (rc, want)))
        if cmd == "run":
            probs += [p for p in self.check_tree(out) if p[0] in ("partial", "tmp-left")]
            if rc == 0:
                probs += [("wrong-output", "exit 0: %s %s" % p)
                          for p in self.check_tree(out, os.path.join(self.ref, "run"))
                          if p[0] in ("differs", "missing", "extra")][:3]
            if expect == "io" and on_input and os.path.isdir(out):
                k = self.input_index(path)
                counts = os.path.join(out, "work", "p1", "%05d.counts" % k) \
                    if k is not None else None
                # the counts of an input cut short say "unfinished 1": the
                # task is kept (its books) but not finished
                if counts and os.path.exists(counts) and \
                        b"unfinished 0" in (marker_payload(
                            open(counts, "rb").read()) or b"").split(b"\n"):
                    probs.append(("marked-done", "work/p1/%05d.counts says "
                                  "finished: %s" % (k, os.path.basename(path))))
            rc2, log2 = self.exec(self.cw, "run", out, {}, os.path.join(d, "log2"))
            if rc2 != 0:
                msg = re.search(r"^winnow: .*$", log2, re.M)
                probs.append(("resume", "rerun exit %s: %s" % (
                    rc2, msg.group(0) if msg else log2.strip()[-200:])))
            else:
                p2 = self.check_tree(out, os.path.join(self.ref, "run"))
                if p2:
                    probs.append(("resume", "after rerun: %s %s (%d problems)" % (
                        p2[0][0], p2[0][1], len(p2))))
        else:
            if rc == 0:
                for kind, det in self.check_tree(out, os.path.join(self.ref, cmd)):
                    probs.append((kind if kind in ("partial", "tmp-left") else
                                  "wrong-output", "exit 0: %s %s" % (kind, det)))
            else:
                for kind, det in self.check_tree(out, absent=True):
                    probs.append((kind, det))
        with open(os.path.join(d, "problems"), "w") as f:
            f.write("".join("%s %s\n" % p for p in probs))
        if not probs:
            if not self.keep:
                shutil.rmtree(d, ignore_errors=True)
            return "pass", [], repro, []
        cls = next(c for c in CLASSES if any(p[0] == c for p in probs))
        at = re.search(r"^wn-fault: at (.*)$", log, re.M)
        return cls, probs, repro, at.group(1).split() if at else []

    def symbolize(self, traces):
        """{offsets tuple: "f (file:line) < g (file:line) ..."}, by one
        addr2line call; frames in inject.c are left out."""
        offs = sorted({o for t in traces for o in t})
        if not offs or not shutil.which("addr2line"):
            return {}
        # return addresses: the call is the byte before
        p = subprocess.run(["addr2line", "-f", "-e", self.fw] +
                           ["%#x" % (int(o, 16) - 1) for o in offs],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        lines = p.stdout.decode(errors="replace").split("\n")
        name = {}
        for i, o in enumerate(offs):
            fn, loc = lines[2 * i:2 * i + 2] if 2 * i + 1 < len(lines) else ("?", "?")
            loc = re.sub(r" \(discriminator \d+\)", "", loc)
            name[o] = None if "inject.c" in loc else \
                "%s (%s)" % (fn, os.path.basename(loc))
        out = {}
        for t in traces:
            fr = [name[o] for o in t if name.get(o)]
            out[tuple(t)] = " < ".join(fr[:4])
        return out

    # --- set-up -----------------------------------------------------------
    def setup(self):
        if os.path.isdir(os.path.join(self.ref, "filter")):
            return
        shutil.rmtree(self.corpus, ignore_errors=True)
        shutil.rmtree(self.ref, ignore_errors=True)
        os.makedirs(self.corpus)
        for f in ("crawl.warc.wet", "feed.jsonl"):
            shutil.copy(os.path.join(TOP, "sample", f), self.corpus)
        # a gzip copy of the JSONL: another codec, and exact duplicates
        with open(os.path.join(TOP, "sample", "feed.jsonl"), "rb") as f, \
                gzip.GzipFile(os.path.join(self.corpus, "feed2.jsonl.gz"),
                              "wb", mtime=0) as g:
            g.write(f.read())
        for cmd in ("run", "read", "filter"):
            log = os.path.join(self.work, "ref-%s.log" % cmd)
            rc, text = self.exec(self.cw, cmd, os.path.join(self.ref, cmd), {}, log)
            if rc != 0:
                raise SystemExit("FAIL fault-sweep: the clean %s exits %s:\n%s\n"
                                 "0 passed, 1 failed" % (cmd, rc, text[-800:]))


def points(k, head, rest):
    head = min(head, k)
    pts = list(range(1, head + 1))
    left = k - head
    if rest > 0 and left > 0:
        rest = min(rest, left)
        pts += sorted({head + (i + 1) * left // rest for i in range(rest)})
    return pts


def main(argv):
    if len(argv) > 1 and argv[1] == "--list":
        for c in CASES:
            print("%-26s %-7s %-22s expect %s" % c[:4])
        return 0
    one = len(argv) > 1 and argv[1] == "--one"
    args = [] if one else argv[1:]
    fw = os.path.abspath(os.environ.get("FAULT_WINNOW") or
                         (args[0] if args else os.path.join(TOP, "build/fault/winnow")))
    cw = os.path.abspath(os.environ.get("CLEAN_WINNOW") or
                         (args[1] if len(args) > 1 else os.path.join(TOP, "build/winnow")))
    if not os.access(cw, os.X_OK):
        cw = fw
    if not os.access(fw, os.X_OK):
        print("FAIL fault-sweep: %s not built (make fault)\n0 passed, 1 failed" % fw)
        return 1
    if not shutil.which("zstd"):
        print("skip fault-sweep: zstd not installed\n0 passed, 0 failed")
        return 0
    keep = one or bool(os.environ.get("FAULT_KEEP"))
    # --one works in a directory named as long as mkdtemp's, so that N
    # counts the same allocations as in a sweep (paths live in buffers)
    work = os.environ.get("FAULT_DIR") or os.path.join(
        tempfile.gettempdir(), "wn-fault-repro000") if one else \
        os.environ.get("FAULT_WORK") or tempfile.mkdtemp(prefix="wn-fault-")
    os.makedirs(work, exist_ok=True)
    s = Sweep(fw, cw, os.path.abspath(work), keep)
    try:
        s.setup()
        if one:
            case = next((c for c in CASES if c[0] == argv[2]), None)
            if not case:
                print("no case %s (--list)" % argv[2])
                return 2
            s.trace = True
            cls, probs, repro, _ = s.one(case, int(argv[3]))
            d = s.outdir(case[0], int(argv[3]))
            print("%s N=%s: %s  [%s]" % (case[0], argv[3], cls, repro))
            for p in probs:
                print("  %s: %s" % p)
            for f in ("log", "log2"):
                if os.path.exists(os.path.join(d, f)):
                    print("--- %s/%s" % (d, f))
                    with open(os.path.join(d, f), errors="replace") as fh:
                        sys.stdout.write(fh.read()[:20000])
            return 0
        return sweep(s)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def spread(pts):
    """pts reordered so that every prefix samples the whole range (the
    order of bit-reversed indices): a sweep cut short by its time budget
    still covers every phase of the run."""
    bits = max(1, (len(pts) - 1).bit_length())
    key = lambda i: int(format(i, "0%db" % bits)[::-1], 2)
    return [pts[i] for i in sorted(range(len(pts)), key=key)]


def sweep(s):
    start = time.time()
    budget = None if os.environ.get("FAULT_ALL") else \
        float(os.environ.get("FAULT_BUDGET", "240"))
    scale = float(os.environ.get("FAULT_SCALE", "1"))
    pat = os.environ.get("FAULT_CASES")
    jobs = int(os.environ.get("FAULT_JOBS", "1"))
    show = int(os.environ.get("FAULT_SHOW", "5"))
    plan = []
    for case in CASES:
        name, cmd, fault, _, head, rest = case
        if pat and not re.search(pat, name):
            continue
        k, sites = s.count(name, cmd, fault)
        if budget is None:
            head, rest = k, 0
        else:
            head, rest = int(head * scale + 0.5), int(rest * scale + 0.5)
        # every distinct call site first, then the first calls and an even
        # stride; each part in spread order, so a cut keeps coverage even
        sites = [n for n in sites if n <= k and "+persist" not in fault]
        more = sorted(set(points(k, head, rest)) - set(sites))
        plan.append((case, k, spread(sites) + spread(more), len(sites)))
    lock = threading.Lock()
    log = open(os.path.join(s.work, "results.txt"), "a")

    def one(case, n):
        r = s.one(case, n)
        with lock:
            log.write("%s %d %s %s [%s] at %s\n" % (case[0], n, r[0], "; ".join(
                "%s %s" % p for p in r[1]), r[2], " ".join(r[3])))
            log.flush()
        return r

    results, secs = {}, {}
    for i, (case, k, pts, nsites) in enumerate(plan):
        t0 = time.time()
        if budget is not None:
            # the time left, shared by the cases left in proportion to
            # their outcomes
            left = sum(len(p[2]) for p in plan[i:]) or 1
            s.deadline = t0 + max(0.0, start + budget - t0) * len(pts) / left
        with ThreadPoolExecutor(max_workers=jobs) as ex:
            results[case[0]] = dict(zip(pts, ex.map(lambda n: one(case, n), pts)))
        secs[case[0]] = time.time() - t0
    if budget is not None:
        # time a case did not use goes to the outcomes others had to skip
        s.deadline = start + budget
        for case, k, pts, nsites in plan:
            todo = [n for n in pts if results[case[0]][n][0] == "budget"]
            t0 = time.time()
            with ThreadPoolExecutor(max_workers=jobs) as ex:
                results[case[0]].update(zip(todo, ex.map(lambda n: one(case, n), todo)))
            secs[case[0]] += time.time() - t0
    passed = failed = 0
    summary = []
    for case, k, pts, nsites in plan:
        name = case[0]
        res = sorted(results[name].items())
        by = OrderedDict((c, []) for c in CLASSES)
        for n, (cls, probs, repro, trace) in res:
            by[cls].append((n, probs, repro, trace))
        shown = [t for c, l in by.items() if c != "pass" and c not in NOT_COUNTED
                 for _, _, _, t in l[:max(show, 1)]]
        where = s.symbolize(shown)
        for cls, lst in by.items():
            if cls == "pass" or cls in NOT_COUNTED or not lst:
                continue
            if show == 0:
                # one line per case and class: the count, the N, an example
                n, probs, repro, trace = lst[0]
                at = where.get(tuple(trace))
                print("FAIL %s: %d %s (N=%s%s); e.g. [%s]: %s%s" % (
                    name, len(lst), cls, ",".join(str(x[0]) for x in lst[:12]),
                    ",..." if len(lst) > 12 else "", repro,
                    "; ".join("%s %s" % p for p in probs[:2])[:200],
                    " at " + at if at else ""))
                continue
            for n, probs, repro, trace in lst[:show]:
                at = where.get(tuple(trace))
                print("FAIL %s N=%d: %s: %s  [%s]%s" % (
                    name, n, cls, "; ".join("%s %s" % p for p in probs[:3]), repro,
                    "\n     fault at " + at if at else ""))
            if len(lst) > show:
                ns = [str(n) for n, _, _, _ in lst[show:show + 30]]
                print("FAIL %s: %d more %s outcomes (N=%s%s)" % (
                    name, len(lst) - show, cls, ",".join(ns),
                    ",..." if len(lst) > show + 30 else ""))
        sys.stdout.flush()
        tried = sum(len(l) for c, l in by.items() if c not in NOT_COUNTED)
        summary.append("== %s: %d calls (%d call sites), %d N tried, %.0f s" % (
            name, k, nsites, tried, secs[name]))
        for cls, lst in by.items():
            if lst:
                summary.append("   %-14s %4d  %s" % (cls, len(lst), CLASSES[cls]))
        passed += len(by["pass"])
        failed += sum(len(l) for c, l in by.items()
                      if c != "pass" and c not in NOT_COUNTED)
    log.close()
    print("\n".join(summary))
    print("fault sweep: %.0f s" % (time.time() - start))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
