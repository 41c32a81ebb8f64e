#!/usr/bin/env python3
"""False removals of the paragraph Bloom filter against the exact hash set.

Runs `winnow dedup --paragraphs --annotate` twice on the same inputs, once
with dedup.para_filter=bloom (the given --fp-rate and --expected-ngrams)
and once with the exact hash set, and compares the removed spans document
by document: a span only the Bloom run lists is a false removal, one only
the exact run lists a miss (there should be none).  Prints one line per
setting: rate, n-grams sized for, n-grams seen, paragraphs checked,
removed (exact), false removals, their share of the paragraphs checked.

usage: eval/para_fp.py WINNOW OUTDIR RATE:NGRAMS... -- INPUT...
"""
import gzip, json, os, subprocess, sys


def spans(path):
    out = {}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        for i, line in enumerate(f):
            d = json.loads(line)
            out[i] = {tuple(s) for s in d.get("paragraph_duplicates", [])}
    return out


def run(winnow, outdir, inputs, extra):
    os.makedirs(outdir, exist_ok=True)
    subprocess.run([winnow, "dedup", "--paragraphs", "--annotate", "-q",
                    "-o", outdir, "--stats", outdir + "/stats.json"]
                   + extra + inputs, check=True)
    st = json.load(open(outdir + "/stats.json"))["dedup"]["paragraphs"]
    res = {}
    for name in sorted(os.listdir(outdir)):
        if name != "stats.json":
            res[name] = spans(os.path.join(outdir, name))
    return st, res


def main():
    winnow, outdir = sys.argv[1], sys.argv[2]
    cut = sys.argv.index("--")
    settings, inputs = sys.argv[3:cut], sys.argv[cut + 1:]
    ex_st, ex = run(winnow, outdir + "/exact", inputs,
                    ["--set", "dedup.para_filter=exact"])
    print("rate\tsized_for\tchecked\tremoved_exact\tfalse_removals\tshare\tmissed")
    for s in settings:
        rate, ngrams = s.split(":")
        st, bl = run(winnow, outdir + "/bloom-" + s.replace(":", "-"), inputs,
                     ["--fp-rate", rate, "--expected-ngrams", ngrams,
                      "--memory", "8G"])
        false = missed = 0
        for name, docs in ex.items():
            for i, e in docs.items():
                b = bl[name][i]
                false += len(b - e)
                missed += len(e - b)
        print("%s\t%s\t%d\t%d\t%d\t%.5f\t%d" % (
            rate, ngrams, ex_st["checked"], ex_st["removed"], false,
            false / max(1, ex_st["checked"]), missed))


main()
