"""quality_split.py - the labelled pages for eval/eval_quality.sh.

split DATA_DIR OUT_DIR: reads DCLM's human quality labels (agreement_data
and majority_data, {"text", "label": 0|1}), drops repeated texts (a page
in both files is one page), and splits by a hash of the page's first line
(its title, nearly always; the data has no URLs, so a site cannot be
told), 80% train / 20% test, so that copies and near-copies of a page
with the same title cannot sit on both sides.  Writes train.txt (fastText
format, __label__hq / __label__lq), its parts tune.txt and valid.txt (a
quarter of train held back for choosing hyper-parameters), and
test.jsonl ({"text", "label"}), looked at only for the final figures.

score TEST_JSONL KEPT_JSONL NAME: precision, recall, F1 and accuracy of
"kept" as a prediction of label 1 (kept documents are matched by text).
"""
import gzip, hashlib, json, sys


def split(data, out):
    seen, train, test = set(), [], []
    for name in ("agreement_data.jsonl.gz", "majority_data.jsonl.gz"):
        for line in gzip.open(f"{data}/{name}", "rt", encoding="utf-8"):
            d = json.loads(line)
            if d["text"] in seen:
                continue
            seen.add(d["text"])
            head = d["text"].strip().split("\n", 1)[0].strip().lower()
            h = int(hashlib.md5(head.encode()).hexdigest(), 16) % 5
            (test if h == 0 else train).append(d)
            d["h"] = int(hashlib.md5(head.encode()).hexdigest(), 16) // 5 % 4

    def ft(d):
        lab = "__label__hq" if d["label"] == 1 else "__label__lq"
        return lab + " " + " ".join(d["text"].split()) + "\n"

    # train.txt: all of the train split; tune.txt / valid.txt: a quarter
    # of it held back (by the same hash) to choose hyper-parameters on
    with open(f"{out}/train.txt", "w") as f, \
         open(f"{out}/tune.txt", "w") as t, open(f"{out}/valid.txt", "w") as v:
        for d in train:
            f.write(ft(d))
            (v if d["h"] == 0 else t).write(ft(d))
    with open(f"{out}/test.jsonl", "w") as f:
        for d in test:
            f.write(json.dumps({"text": d["text"], "label": d["label"]}) + "\n")
    pos = sum(d["label"] for d in test)
    print(f"pages: {len(train)} train, {len(test)} test "
          f"({pos} labelled good, {len(test) - pos} bad)")


def score(test, kept, name):
    gold = [json.loads(l) for l in open(test)]
    keep = {json.loads(l)["text"] for l in open(kept)}
    tp = sum(1 for d in gold if d["label"] == 1 and d["text"] in keep)
    fp = sum(1 for d in gold if d["label"] == 0 and d["text"] in keep)
    fn = sum(1 for d in gold if d["label"] == 1 and d["text"] not in keep)
    tn = len(gold) - tp - fp - fn
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    acc = (tp + tn) / len(gold)
    print(f"{name:<34} kept {tp + fp:4d}/{len(gold)}  precision {p:.3f}  "
          f"recall {r:.3f}  F1 {f1:.3f}  accuracy {acc:.3f}")


if __name__ == "__main__":
    if sys.argv[1] == "split":
        split(sys.argv[2], sys.argv[3])
    else:
        score(sys.argv[2], sys.argv[3], sys.argv[4])
