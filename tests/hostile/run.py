#!/usr/bin/env python3
"""Runs the hostile-input corpus (tests/hostile/cases) against $WINNOW.

Each case is `winnow run` over one crafted input (or a scenario built
here: link loops, OUTDIR states); the exit status, stats.json counters,
peak memory and messages are checked against the table, and always: read =
kept + rejected, and every output line is a JSON object with a text.
Prints "N passed, N failed" last (the e2e convention).

Environment: WINNOW (the binary), WN_HOSTILE_BIG=0 skips the big generated
cases (bombs, 200 MB line, deep nesting).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen  # noqa: E402

WINNOW = os.environ.get("WINNOW")
passed = failed = 0


def ok():
    global passed
    passed += 1


def bad(name, why):
    global failed
    failed += 1
    print("FAIL hostile %s: %s" % (name, why))


def asan(path):
    # peak memory means little under AddressSanitizer (shadow memory)
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def run(args, timeout=300):
    """Runs winnow; returns (exit status, stderr, peak RSS in KB of that
    process alone: wait4 gives each child's own rusage)."""
    with tempfile.TemporaryFile() as errf:
        p = subprocess.Popen([WINNOW, "run"] + args, stdout=subprocess.DEVNULL,
                             stderr=errf)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        _, status, ru = os.wait4(p.pid, 0)
        timer.cancel()
        p.returncode = os.waitstatus_to_exitcode(status)
        errf.seek(0)
        err = errf.read().decode("utf-8", "replace")
    if p.returncode == -9:
        err += " (killed after %d s)" % timeout
    return p.returncode, err, ru.ru_maxrss


def outputs(out):
    files = []
    for sub in ("data", "rejects"):
        d = os.path.join(out, sub)
        if os.path.isdir(d):
            files += [os.path.join(d, f) for f in sorted(os.listdir(d))]
    return files


def decoded(path):
    return subprocess.run(["zstd", "-dcq", path], stdout=subprocess.PIPE,
                          check=True).stdout


def stat_get(stats, key):
    v = stats
    for k in key.split("."):
        v = v[k]
    return v


def check_outdir(name, out, checks, rc, err, peak_kb):
    if rc in (0, 1):
        try:
            with open(os.path.join(out, "stats.json")) as f:
                stats = json.load(f)
        except (OSError, ValueError) as e:
            bad(name, "stats.json: %s" % e)
            return
        d = stats["documents"]
        if d["read"] == d["kept"] + d["rejected"]:
            ok()
        else:
            bad(name, "read %d != kept %d + rejected %d" %
                (d["read"], d["kept"], d["rejected"]))
        lines = 0
        try:
            for f in outputs(out):
                for line in decoded(f).splitlines():
                    o = json.loads(line)
                    if not isinstance(o, dict) or not isinstance(o.get("text"), str):
                        raise ValueError("not a document: %r" % line[:80])
                    lines += 1
            ok()
        except (ValueError, subprocess.CalledProcessError) as e:
            bad(name, "output is not valid JSONL: %s" % e)
        if lines == d["read"]:
            ok()
        else:
            bad(name, "%d output lines for %d documents read" % (lines, d["read"]))
    else:
        stats = None
    for c in checks:
        if c.startswith("msg:"):
            want = c[4:]
            ok() if want in err else bad(name, "stderr lacks %r: %s" % (want, err.strip()[:300]))
        elif c.startswith("absent:"):
            want = c[7:].encode()
            hit = [f for f in outputs(out) if want in decoded(f)]
            ok() if not hit else bad(name, "%r reached %s" % (want, hit))
        elif c.startswith("rss_mb<="):
            if asan(WINNOW) or peak_kb is None:
                continue
            lim = int(c[8:])
            mb = peak_kb / 1024
            ok() if mb <= lim else bad(name, "peak memory %.0f MB > %d MB" % (mb, lim))
        elif stats is None:
            bad(name, "no stats.json to check %s (exit %d)" % (c, rc))
        else:
            op = ">=" if ">=" in c else "="
            key, val = c.split(op)
            got = stat_get(stats, key)
            good = got >= int(val) if op == ">=" else got == int(val)
            ok() if good else bad(name, "%s: expected %s%s, got %s" % (key, op, val, got))


def scenario(name, args, tmp, good):
    """Builds the scenario's input and OUTDIR; returns (input, out, after)
    where after() runs the scenario's own checks once the case ran."""
    out = os.path.join(tmp, "out-" + name.strip("@") + ("-f" if "--force" in args else ""))
    shutil.rmtree(out, ignore_errors=True)
    inp = good
    after = None
    base = [good, "-q", "--no-progress", "-j2", "--languages", "all"]
    if name == "@symlink-loops":
        d = os.path.join(tmp, "loops")
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(os.path.join(d, "sub"))
        shutil.copy(good, d)
        os.symlink("..", os.path.join(d, "sub", "up"))
        os.symlink(os.path.abspath(d), os.path.join(d, "self"))
        os.symlink("/nonexistent/winnow-hostile", os.path.join(d, "dangling"))
        os.mkfifo(os.path.join(d, "fifo"))
        inp = d

        def after():
            # what the walk skipped is listed in problems.jsonl too
            with open(os.path.join(out, "problems.jsonl")) as f:
                listed = [json.loads(x) for x in f]
            n = json.load(open(os.path.join(out, "stats.json")))["problems"]
            ok() if len(listed) == n and n >= 3 else bad(name, "problems.jsonl lists %d of %d" % (len(listed), n))
    elif name == "@outdir-foreign":
        os.makedirs(os.path.join(out, "data"))
        for rel, text in (("part-00000", b"mine\n"), ("notes.txt", b"keep me\n"),
                          ("data/part-00100.jsonl.zst", b"not winnow's\n")):
            with open(os.path.join(out, rel), "wb") as f:
                f.write(text)

        def after():
            same = open(os.path.join(out, "notes.txt"), "rb").read() == b"keep me\n"
            ok() if same else bad(name, "a file winnow did not write was changed")
            stray = os.path.exists(os.path.join(out, "data", "part-00100.jsonl.zst"))
            if "--force" in args:
                ok() if not stray else bad(name, "stale shard part-00100 left beside the run")
            else:
                ok() if stray else bad(name, "refused, yet a file was removed")
    elif name == "@outdir-unrecorded":
        os.makedirs(out)
        with open(os.path.join(out, "stats.json"), "w") as f:
            f.write('{"mine": true}\n')

        def after():
            same = open(os.path.join(out, "stats.json")).read() == '{"mine": true}\n'
            ok() if same else bad(name, "stats.json of unknown origin replaced")
    elif name == "@outdir-other-run":
        # another run, with other options and small shards, finished there
        rc, err, _ = run(base + ["-o", out, "--shard-size", "1K",
                                    "--set", "gopher_quality.min_words=10"])
        if rc:
            bad(name, "setup run failed: %s" % err[:200])

        def after():
            if "--force" not in args:
                return
            d = os.path.join(out, "data")
            shards = sorted(os.listdir(d)) if os.path.isdir(d) else None
            ok() if shards == ["part-00000.jsonl.zst"] else bad(name, "stale shards left: %s" % shards)
    elif name in ("@work-removed", "@work-kept"):
        def after():
            work = os.path.isdir(os.path.join(out, "work"))
            if name == "@work-kept":
                ok() if work else bad(name, "--keep-work: work/ removed")
                return
            ok() if not work else bad(name, "work/ left after a finished run")
            man = json.load(open(os.path.join(out, "manifest.json")))
            sizes = all(f["bytes"] is None or
                        os.path.getsize(os.path.join(out, f["path"])) == f["bytes"]
                        for f in man["files"])
            ok() if sizes and man["files"] else bad(name, "manifest.json does not match the files")
            first = {f: decoded(f) for f in outputs(out)}
            rc, err, _ = run(base + ["-o", out])
            again = {f: decoded(f) for f in outputs(out)}
            ok() if rc == 0 and first == again else bad(name, "a rerun after the work was removed differs (exit %d)" % rc)
    elif name == "@input-changed":
        inp = os.path.join(tmp, "changing.jsonl")
        shutil.copy(good, inp)
        rc, err, _ = run([inp, "-q", "--no-progress", "-j2", "--languages",
                             "all", "--keep-work", "-o", out])
        if rc:
            bad(name, "setup run failed: %s" % err[:200])
        with open(inp, "ab") as f:
            f.write(gen.jl('{"id":"new","text":"%s"}' % gen.text_doc(0)))
    else:
        raise SystemExit("unknown scenario " + name)
    return inp, out, after


def main():
    if not WINNOW:
        sys.exit("WINNOW must point at the winnow binary")
    big = os.environ.get("WN_HOSTILE_BIG", "1") != "0"
    tmp = tempfile.mkdtemp(prefix="wn-hostile-")
    try:
        corpus = os.path.join(tmp, "corpus")
        os.makedirs(corpus)
        # the small cases are kept in the tree; they must still be what
        # gen.py makes (gen.py --small-only tests/hostile/files rewrites)
        for n, data in gen.small_cases().items():
            kept = os.path.join(HERE, "files", n)
            if not os.path.exists(kept) or open(kept, "rb").read() != data:
                bad(n, "tests/hostile/files/%s differs from gen.py's" % n)
            with open(os.path.join(corpus, n), "wb") as f:
                f.write(data)
        if big:
            gen.write_big(corpus)
        else:
            print("skip hostile: big cases (WN_HOSTILE_BIG=0)")
        good = os.path.join(corpus, "good.jsonl")
        k = 0
        for line in open(os.path.join(HERE, "cases")):
            if not line.strip() or line.startswith("#"):
                continue
            f = [x.strip() for x in line.split("|")]
            name, args, want = f[0], [] if f[1] == "-" else f[1].split(), int(f[2])
            checks = [c.strip() for c in f[3].split(";") if c.strip()]
            k += 1
            after = None
            if name.startswith("@"):
                inp, out, after = scenario(name, args, tmp, good)
            else:
                inp = os.path.join(corpus, name)
                if not os.path.exists(inp):
                    continue  # a big case, skipped
                out = os.path.join(tmp, "out-%d" % k)
            label = name + ("" if not args else " " + " ".join(args))
            rc, err, peak = run(args + ["-q", "--no-progress", "-j2",
                                        "--languages", "all", inp, "-o", out])
            ok() if rc == want else bad(label, "exit %d, expected %d: %s" % (rc, want, err.strip()[:300]))
            check_outdir(label, out, checks, rc, err, peak)
            if after:
                after()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
