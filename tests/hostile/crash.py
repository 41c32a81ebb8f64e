#!/usr/bin/env python3
"""Crash consistency: `winnow run` and `winnow dedup` killed with SIGKILL
at random moments, then run again with the same command, must end with
the bytes of an uninterrupted run - every time.

For each command: a reference run; then TRIALS trials, each in a fresh
output directory: start, kill -9 after a random delay (uniform over the
reference run's duration; a third of the trials wait until the first output
shard, or manifest.json, appears and kill within 20 ms: inside the final
writing, or the removal of the work that follows it),
rerun to the end, compare every output file with the reference.  The seed
is printed, so a failure can be replayed (WN_CRASH_SEED).

Environment: WINNOW, WN_SHARED (reuters-21578 makes the corpus bigger;
without it the repository's sample is used), WN_CRASH_TRIALS (default 20;
6 under AddressSanitizer, whose runs are slower).
Prints "N passed, N failed" last.
"""
import gzip
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WINNOW = os.environ["WINNOW"]
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
passed = failed = 0


def asan():
    with open(WINNOW, "rb") as f:
        return b"__asan_init" in f.read()


def corpus(d):
    os.makedirs(d)
    for f in ("crawl.warc.wet", "feed.jsonl"):
        shutil.copy(os.path.join(TOP, "sample", f), d)
    r = os.path.join(os.environ.get("WN_SHARED", os.path.join(TOP, "..", "shared")),
                     "data/text/reuters-21578/reuters-21578.jsonl.gz")
    if os.path.exists(r):
        with gzip.open(r, "rb") as f:
            lines = f.read().split(b"\n")[:4000]
        for k in range(8):  # several tasks, each a file
            with open(os.path.join(d, "r-%d.jsonl" % k), "wb") as o:
                o.write(b"\n".join(lines[k * 500:(k + 1) * 500]) + b"\n")
    else:
        print("skip crash: %s absent, the sample alone is small" % r)


def files(out, skip):
    got = {}
    for root, _, names in os.walk(out):
        for n in names:
            p = os.path.join(root, n)
            rel = os.path.relpath(p, out)
            if not any(rel == s or rel.startswith(s + "/") for s in skip):
                with open(p, "rb") as f:
                    b = f.read()
                if rel == "report.html":  # its time section is the machine's
                    b = re.sub(rb"<!-- timing -->\n.*?<!-- /timing -->\n", b"",
                               b, flags=re.S)
                got[rel] = b
    return got


def trial(name, argv, out, delay, shard, ref, skip):
    global passed, failed
    shutil.rmtree(out, ignore_errors=True)
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t0 = time.monotonic()
    if shard:  # wait for the first published shard, then a few ms
        while p.poll() is None and not os.path.exists(shard):
            time.sleep(0.002)
        time.sleep(delay)
    else:
        while p.poll() is None and time.monotonic() - t0 < delay:
            time.sleep(0.002)
    killed = p.poll() is None
    if killed:
        p.send_signal(signal.SIGKILL)
    p.wait()
    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    got = files(out, skip)
    why = None
    if r.returncode != 0:
        why = "rerun exit %d: %s" % (r.returncode, r.stderr.decode()[-200:])
    elif got != ref:
        diff = sorted(set(got) ^ set(ref)) or \
            sorted(k for k in ref if got.get(k) != ref[k])
        why = "output differs from the uninterrupted run: %s" % diff[:4]
    if why:
        failed += 1
        print("FAIL crash %s: killed %s %.3f s: %s" %
              (name, "%s appeared +" % os.path.basename(shard) if shard else "at",
               delay, why))
    else:
        passed += 1
    return killed


def main():
    seed = int(os.environ.get("WN_CRASH_SEED", random.randrange(1 << 30)))
    trials = int(os.environ.get("WN_CRASH_TRIALS", 6 if asan() else 20))
    rnd = random.Random(seed)
    print("crash: seed %d, %d trials per command" % (seed, trials))
    tmp = tempfile.mkdtemp(prefix="wn-crash-")
    try:
        src = os.path.join(tmp, "in")
        corpus(src)
        ins = [os.path.join(src, f) for f in sorted(os.listdir(src))]
        cmds = {
            # small shards: the final writing takes several files
            "run": lambda o: [WINNOW, "run", "-q", "--no-progress", "-j2",
                              "--languages", "all", "--shard-size", "64K",
                              src, "-o", o],
            "dedup": lambda o: [WINNOW, "dedup", "-q", "-j2", "-o", o,
                                "--rejects", os.path.join(o, "rejects.jsonl")] + ins,
            # the paragraph step (issue 14): one pass after dedup
            "run-para": lambda o: [WINNOW, "run", "-q", "--no-progress", "-j2",
                                   "--languages", "all", "--shard-size", "64K",
                                   "--set", "dedup.paragraphs=1",
                                   "--set", "dedup.expected_docs=10000",
                                   src, "-o", o],
        }
        # timing.json holds CPU seconds; dedup's work directory is its own
        skip = {"run": ["timing.json"], "dedup": [".dedup"],
                "run-para": ["timing.json"]}
        # files whose appearance starts a targeted kill: the first shard
        # (the final writing), and for run manifest.json (the removal of
        # work/ that follows it)
        marks = {"run": ["data/part-00000.jsonl.zst", "manifest.json"],
                 "dedup": [os.path.basename(ins[0])],
                 "run-para": ["work/p3/00000.jsonl.zst",
                              "data/part-00000.jsonl.zst"]}
        for name, argv in cmds.items():
            if name == "run-para" and asan():
                continue
            ref_out = os.path.join(tmp, name + "-ref")
            t0 = time.monotonic()
            r = subprocess.run(argv(ref_out), stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            dur = time.monotonic() - t0
            if r.returncode != 0:
                global failed
                failed += 1
                print("FAIL crash %s: reference run exit %d: %s" %
                      (name, r.returncode, r.stderr.decode()[-200:]))
                continue
            ref = files(ref_out, skip[name])
            killed = 0
            # the paragraph step: a few trials, none under ASan (time)
            n = trials if name != "run-para" else 0 if asan() else 3
            for k in range(n):
                out = os.path.join(tmp, "%s-%d" % (name, k))
                if k % 3 == 2:
                    mark = marks[name][(k // 3) % len(marks[name])]
                    killed += trial(name, argv(out), out, rnd.uniform(0, 0.02),
                                    os.path.join(out, mark), ref, skip[name])
                else:
                    killed += trial(name, argv(out), out, rnd.uniform(0, dur),
                                    None, ref, skip[name])
            print("crash %s: reference %.2f s, %d of %d trials killed mid-run" %
                  (name, dur, killed, n))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
