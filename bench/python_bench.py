"""python_bench.py WINNOW PAGES.jsonl SHARED: the Python package against
the CLI (and datatrove, when its source is in SHARED/peers) on the same
documents in one run; run by bench/bench_python.sh (`make bench`).

Figures are medians of RUNS runs (wall clock, one process):
  - reading: winnow.read over the file vs `winnow read -j1 -o /dev/null`
    vs datatrove's JsonlReader;
  - the four quality filters: Pipeline.process_batch over documents
    already in Python vs `winnow filter -j1` (-j2 for 2 threads), whose
    time also holds reading and writing, and the same filters run by
    `winnow filter` minus `winnow read` (the stages' share);
  - the cost of crossing into C: process() with no stage, and process()
    vs process_batch() on the same stages, per document;
  - datatrove's Gopher/C4/FineWeb filters (plain tokenizer) on the same
    documents, and winnow.datatrove.WinnowFilter in their place.
"""
import os
import statistics
import subprocess
import sys
import time

import winnow

W, PAGES, SHARED = sys.argv[1:4]
RUNS = int(os.environ.get("WN_BENCH_RUNS", "5"))
FILTERS = ["gopher_repetition", "gopher_quality", "c4_filter", "fineweb"]


def median_time(fn, runs=RUNS, clock=time.perf_counter):
    times = []
    for _ in range(runs):
        t = clock()
        fn()
        times.append(clock() - t)
    return statistics.median(times)


def cli(*args):
    subprocess.run([W, *args], check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


docs = list(winnow.read(PAGES))
n = len(docs)
text_mb = sum(len(d.text.encode()) for d in docs) / 1e6
file_mb = os.path.getsize(PAGES) / 1e6
print(f"input: {PAGES}: {n} documents, {file_mb:.1f} MB JSONL, "
      f"{text_mb:.1f} MB text; medians of {RUNS} runs; "
      f"python {sys.version.split()[0]}")


def row(label, secs, base=None, mb=text_mb, ndocs=n):
    extra = f"  {base / secs:5.2f}x the CLI" if base else ""
    print(f"  {label:44s} {secs:7.3f} s {ndocs / secs:9.0f} docs/s "
          f"{mb / secs:7.1f} MB/s{extra}")


def cli_stage_cpu(*args):
    """The CPU seconds the CLI's stages took (--timing), median."""
    vals = []
    for _ in range(RUNS):
        p = subprocess.run([W, "filter", "-q", "--timing", *args],
                           capture_output=True, text=True)
        for line in p.stderr.splitlines():
            if "timing all stages" in line:
                vals.append(float(line.split()[5]))
    return statistics.median(vals) if vals else float("nan")


print("reading (MB/s of JSONL read):")
t_cli_read = median_time(lambda: cli("read", "-q", "-j1", PAGES, "-o",
                                     "/dev/null"))
row("winnow read -j1 (CLI, writes JSONL)", t_cli_read, mb=file_mb)
t_py_read = median_time(lambda: sum(1 for _ in winnow.read(PAGES)))
row("winnow.read (Documents in Python)", t_py_read, t_cli_read, mb=file_mb)

print("the four quality filters (MB/s of text):")
t_cli_1 = median_time(lambda: cli("filter", "-q", "-j1", "--filters",
                                  ",".join(FILTERS), PAGES, "-o",
                                  "/dev/null"))
row("winnow filter -j1 (CLI: read+filter+write)", t_cli_1)
stages_1 = max(t_cli_1 - t_cli_read, 1e-9)
row("  of which stages (filter - read)", stages_1)
pipe = winnow.Pipeline(stages=FILTERS)


def batch(threads, clock=time.perf_counter):
    fresh = [winnow.Document(text=d.text, id=d.id, source=d.source)
             for d in docs]
    return median_time(lambda: pipe.process_batch(fresh, threads=threads),
                       clock=clock)


t_b1 = batch(1)
row("Pipeline.process_batch, threads=1", t_b1, t_cli_1)
cpu_1 = cli_stage_cpu("-j1", "--filters", ",".join(FILTERS), PAGES, "-o",
                      "/dev/null")
row("  the CLI's stages alone (--timing, CPU s)", cpu_1)
c_b1 = batch(1, clock=time.process_time)
row("  process_batch, threads=1 (CPU s)", c_b1)
print(f"  {'':44s} {cpu_1 / c_b1:5.2f}x the CLI's stages (CPU)")
t_cli_2 = median_time(lambda: cli("filter", "-q", "-j2", "--filters",
                                  ",".join(FILTERS), PAGES, "-o",
                                  "/dev/null"))
row("winnow filter -j2 (CLI)", t_cli_2)
t_b2 = batch(2)
row("Pipeline.process_batch, threads=2", t_b2, t_cli_2)
t_p = median_time(lambda: [pipe.process(d) for d in docs])
row("Pipeline.process, one by one", t_p, t_cli_1)

print("per-document overhead of the bindings:")
empty = winnow.Pipeline(stages=[])
t_e = median_time(lambda: [empty.process(d) for d in docs],
                  clock=time.process_time)
print(f"  process() with no stage (to C and back), CPU"
      f"{t_e / n * 1e6:7.2f} us/doc")
c_p = median_time(lambda: [pipe.process(d) for d in docs],
                  clock=time.process_time)
print(f"  process() one by one - process_batch, CPU   "
      f"{(c_p - c_b1) / n * 1e6:7.2f} us/doc (of {c_p / n * 1e6:.1f})")

# datatrove, when its source is present
peers = os.path.join(SHARED, "peers")
try:
    sys.path.insert(0, peers)
    import dt_common
    dt_common.setup_paths()
    dt_common.setup_fsspec_compat()
    dt_common.setup_tokenizer("plain")
    from datatrove.data import Document as DTDoc
    from datatrove.pipeline.filters import (C4QualityFilter,
                                            FineWebQualityFilter,
                                            GopherQualityFilter,
                                            GopherRepetitionFilter)
    from datatrove.pipeline.readers import JsonlReader
except Exception as e:  # noqa: BLE001 - any failure: no datatrove figures
    print(f"skip datatrove: not importable from {peers} ({e!r})")
    sys.exit(0)
import winnow.datatrove as wd  # noqa: E402 - after datatrove is on the path

print("datatrove (same documents, same process; plain tokenizer):")
d_runs = max(1, RUNS // 2)


def dt_read():
    r = JsonlReader(os.path.dirname(os.path.abspath(PAGES)),
                    glob_pattern=os.path.basename(PAGES))
    return sum(1 for _ in r.run())


t_dr = median_time(dt_read, d_runs)
row("datatrove JsonlReader", t_dr, t_cli_read, mb=file_mb)


# datatrove's filters run at about 1 MB/s: a quarter of the documents
sub = docs[: max(1, n // 4)]
sub_mb = sum(len(d.text.encode()) for d in sub) / 1e6


def dt_docs():
    return [DTDoc(text=d.text, id=d.id or d.source) for d in sub]


def dt_filters():
    data = iter(dt_docs())
    for step in (GopherRepetitionFilter(), GopherQualityFilter(),
                 C4QualityFilter(), FineWebQualityFilter()):
        data = step.run(data)
    return sum(1 for _ in data)


def wn_step(threads):
    return lambda: sum(1 for _ in wd.WinnowFilter(threads=threads).run(
        iter(dt_docs())))


print(f"  filters on the first {len(sub)} documents ({sub_mb:.1f} MB):")
t_df = median_time(dt_filters, d_runs)
row("datatrove Gopher+C4+FineWeb filters", t_df, mb=sub_mb, ndocs=len(sub))
t_w1 = median_time(wn_step(1))
row("winnow.datatrove.WinnowFilter, threads=1", t_w1, mb=sub_mb,
    ndocs=len(sub))
print(f"  {'':44s} {t_df / t_w1:5.1f}x datatrove's filters")
t_w2 = median_time(wn_step(2))
row("winnow.datatrove.WinnowFilter, threads=2", t_w2, mb=sub_mb,
    ndocs=len(sub))
print(f"  {'':44s} {t_df / t_w2:5.1f}x datatrove's filters")
