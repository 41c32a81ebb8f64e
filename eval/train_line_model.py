#!/usr/bin/python3
"""train_line_model.py - trains clean's line model and writes its C tables.

Usage: /usr/bin/python3 eval/train_line_model.py BUILD_DIR   (Debian python: sklearn)
  (after eval/make_line_sets.py has written BUILD_DIR/data/lines/*.jsonl.gz)

Features come from `winnow explain --no-site-lines --features` (the C code
that computes them at run time, so training and use agree), on the
"train" pages of the derived line sets (70% of the sites; the AEB lines and
the "test" sites are never seen), run with the model on and its threshold
at 0 (so nav_run is a feature, as at run time, and nothing is dropped by
the model).  Only lines the rules kept are scored by the model, so only
those are training rows; label 1 = KEEP.  The model is scikit-learn's
GradientBoostingClassifier (Debian python3-sklearn; fixed random_state, no
subsampling: deterministic), each set weighted equally.  The threshold is
the highest one that keeps KEEP_TARGET of the KEEP lines the rules kept on
the training pages.  Writes src/clean/line_model_weights.h (the trees as a
C table, each a complete tree of depth DEPTH) and src/clean/line_model_threshold.h.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier

NFEAT = 29
KEEP_TARGET = 0.992
TREES, DEPTH, RATE = 120, 3, 0.15
BLANK = set(" \t\n\r\f\v\u00a0\u1680\u202f\u205f\u3000" +
            "".join(chr(c) for c in range(0x2000, 0x200b)))


def blank(t):
    return all(c in BLANK for c in t)


def oneline(t):
    for c in "\r\u0085\u2028\u2029":
        t = t.replace(c, " ")
    return t


def rows(build, path):
    pages = []
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            p = json.loads(line)
            if p.get("split") == "train":
                pages.append(p)
    X, y = [], []
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                     encoding="utf-8") as t:
        for p in pages:
            lines = [l for l in p["lines"] if not blank(l["text"])]
            t.write(json.dumps({"id": p["id"], "url": p["url"],
                                "text": "\n".join(oneline(l["text"])
                                                  for l in lines)}) + "\n")
        name = t.name
    out = subprocess.run([os.path.join(build, "winnow"), "explain",
                          "--no-site-lines", "-q", "--features",
                          "--set", "clean.model_threshold=0", name],
                         capture_output=True, text=True, check=False).stdout
    os.unlink(name)
    labels = [l["label"] for p in pages for l in p["lines"]
              if not blank(l["text"])]
    verdicts = [v for v in out.split("\n") if v and not v.startswith("# ")]
    if len(verdicts) != len(labels):
        sys.exit(f"{path}: {len(verdicts)} verdicts for {len(labels)} lines")
    for v, lab in zip(verdicts, labels):
        f = v.split("\t")
        if f[0] != "KEEP":
            continue  # a rule dropped it: the model never sees it
        X.append([float(x) for x in f[2].split(" ")])
        y.append(1 if lab == "KEEP" else 0)
    return np.array(X, dtype=np.float64), np.array(y)


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    d = os.path.join(build, "data", "lines")
    Xs, ys, ws = [], [], []
    for name in sorted(os.listdir(d)):
        if not name.endswith(".jsonl.gz"):
            continue
        X, y = rows(build, os.path.join(d, name))
        print(f"{name}: {len(y)} rows, {int(y.sum())} KEEP", file=sys.stderr)
        Xs.append(X)
        ys.append(y)
        ws.append(np.full(len(y), 1.0 / len(y)))
    X, y, w = np.vstack(Xs), np.concatenate(ys), np.concatenate(ws)
    w *= len(y) / w.sum()
    m = GradientBoostingClassifier(n_estimators=TREES, max_depth=DEPTH,
                                   learning_rate=RATE, random_state=0)
    m.fit(X.astype(np.float32), y, sample_weight=w)
    p = m.predict_proba(X.astype(np.float32))[:, 1]
    keep = np.sort(p[y == 1])
    thr = float(keep[int((1 - KEEP_TARGET) * len(keep))])
    drop_share = float((p[y == 0] < thr).mean())
    print(f"threshold {thr:.4f}: training KEEP kept {KEEP_TARGET}, "
          f"rule-kept DROP lines dropped {drop_share:.4f}", file=sys.stderr)
    init = float(m._raw_predict_init(X[:1].astype(np.float32))[0, 0])
    # Each tree as a complete tree of depth DEPTH (node i's children at
    # 2i+1, 2i+2; a leaf above the last level becomes a node that always
    # goes left, both children carrying its value), so C walks it without
    # branches on the layout.
    n_in = 2 ** DEPTH - 1
    trees = []
    for est in m.estimators_[:, 0]:
        t = est.tree_
        feat = [0] * n_in
        cut = [3.0e38] * n_in
        leaf = [0.0] * (n_in + 1)

        def put(node, pos, depth):
            if depth == DEPTH:
                leaf[pos - n_in] = float(t.value[node, 0, 0])
                return
            if t.children_left[node] == -1:
                put(node, 2 * pos + 1, depth + 1)
                put(node, 2 * pos + 2, depth + 1)
                return
            feat[pos] = int(t.feature[node])
            cut[pos] = float(np.float32(t.threshold[node]))
            put(int(t.children_left[node]), 2 * pos + 1, depth + 1)
            put(int(t.children_right[node]), 2 * pos + 2, depth + 1)
        put(0, 0, 0)
        trees.append((feat, cut, leaf))
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "src", "clean")
    with open(os.path.join(src, "line_model_weights.h"), "w") as f:
        f.write("/* Generated by eval/train_line_model.py from the train "
                "sites of the derived\n * line sets "
                f"({len(y)} lines the rules kept; {TREES} trees of depth "
                f"{DEPTH}): do not edit. */\n")
        f.write(f"#define LM_TRAINED_NFEAT {NFEAT}\n")
        f.write(f"#define LM_DEPTH {DEPTH}\n")
        f.write(f"static const float lm_init = {init:.9g}f, "
                f"lm_rate = {RATE}f;\n")
        f.write(f"static const lm_tree lm_trees[{len(trees)}] = {{\n")
        for feat, tthr, leaf in trees:
            f.write("    {{" + ", ".join(map(str, feat)) + "},\n")
            f.write("     {" + ", ".join(f"{v:.9g}f" for v in tthr) + "},\n")
            f.write("     {" + ", ".join(f"{v:.9g}f" for v in leaf) + "}},\n")
        f.write("};\n")
    with open(os.path.join(src, "line_model_threshold.h"), "w") as f:
        f.write("/* Generated by eval/train_line_model.py: do not edit. */\n"
                f"#define LM_THRESHOLD_S \"{thr:.4f}\"\n")


if __name__ == "__main__":
    main()
