#!/bin/sh
# classifier.sh - the "classifier" stage against fastText itself: a small
# bigram model is trained here with Debian's `fasttext supervised` from
# the DCLM-labelled pages in ../shared (no model can be downloaded), with
# softmax and with hierarchical softmax, and winnow's scores must equal
# `fasttext predict-prob MODEL - -1` within 1e-5 on every document.  Also:
# the threshold drops with a reason naming the score, two instances run in
# one pipeline, a label the model lacks is a usage error.
# Skips with a message when fasttext or the data is absent.
. "$(dirname "$0")/lib.inc"
DATA=$WN_SHARED/data/jsonl/dclm-quality-labels
# an instance's options print as their own INI section and read back
"$WINNOW" run --set run.stages=classifier,classifier@edu \
  --set classifier@edu.threshold=0.3 --print-config >"$TMP/pc.ini"
grep -A7 '^\[classifier@edu\]' "$TMP/pc.ini" | grep -q '^threshold = 0.3$' &&
  pass || fail "print-config: instance section"
"$WINNOW" run --config "$TMP/pc.ini" --print-config | cmp -s - "$TMP/pc.ini" &&
  pass || fail "print-config: instance section reads back"
if ! command -v fasttext >/dev/null 2>&1; then
  skip "fasttext not installed (apt-get install fasttext)"; finish; exit
fi
if [ ! -f "$DATA/majority_data.jsonl.gz" ]; then
  skip "no $DATA"; finish; exit
fi
# fastText's training format, and the same pages as JSONL (one line each:
# predict-prob reads a line per document)
gzip -dc "$DATA"/*.jsonl.gz | python3 -c '
import json, sys
ft = open(sys.argv[1], "w"); js = open(sys.argv[2], "w")
for i, l in enumerate(sys.stdin):
    d = json.loads(l)
    t = " ".join(d["text"].split())
    ft.write(("__label__hq " if d["label"] == 1 else "__label__lq ") + t + "\n")
    if i % 3 == 0:
        js.write(json.dumps({"text": t}) + "\n")
' "$TMP/train.txt" "$TMP/docs.jsonl"
python3 -c '
import json, sys
for l in open(sys.argv[1]): print(json.loads(l)["text"])' \
  "$TMP/docs.jsonl" >"$TMP/docs.txt"

for loss in softmax hs; do
  fasttext supervised -input "$TMP/train.txt" -output "$TMP/$loss" \
    -wordNgrams 2 -dim 16 -epoch 25 -lr 0.5 -bucket 200000 -loss $loss \
    -thread 1 -verbose 0 >/dev/null 2>&1 || { fail "$loss: training"; continue; }
  fasttext predict-prob "$TMP/$loss.bin" "$TMP/docs.txt" -1 >"$TMP/$loss.ft"
  "$WINNOW" filter -q --filters classifier \
    --set classifier.model="$TMP/$loss.bin" \
    --set classifier.label=__label__hq "$TMP/docs.jsonl" -o "$TMP/$loss.out"
  expect_eq "$loss: exit" 0 $?
  r=$(python3 -c '
import json, sys
ft = []
for l in open(sys.argv[1]):
    p = l.split()
    ft.append(dict(zip(p[0::2], map(float, p[1::2]))).get("__label__hq", 0.0))
wn = [json.loads(l)["classifier"]["hq"] for l in open(sys.argv[2])]
worst = max(abs(a - b) for a, b in zip(ft, wn))
spread = max(wn) - min(wn)
print("ok" if len(ft) == len(wn) > 100 and worst <= 1e-5 and spread > 0.5
      else "n=%d/%d worst=%g spread=%g" % (len(ft), len(wn), worst, spread))
' "$TMP/$loss.ft" "$TMP/$loss.out")
  expect_eq "$loss: scores equal fasttext predict-prob within 1e-5" ok "$r"
done

# the threshold: kept + rejected = read, reasons name instance and score
"$WINNOW" filter -q --filters classifier \
  --set classifier.model="$TMP/softmax.bin" --set classifier.label=hq \
  --set classifier.threshold=0.5 --rejects "$TMP/rej.jsonl" \
  "$TMP/docs.jsonl" -o "$TMP/kept.jsonl"
n=$(wc -l <"$TMP/docs.jsonl"); k=$(wc -l <"$TMP/kept.jsonl")
j=$(wc -l <"$TMP/rej.jsonl")
expect_eq "threshold: read = kept + rejected" "$n" "$((k + j))"
r=$(python3 -c '
import json, sys
bad = [d for d in map(json.loads, open(sys.argv[1]))
       if not (d["reject_reason"].startswith("classifier:hq=")
               and d["classifier"]["hq"] < 0.5)]
print(len(bad))' "$TMP/rej.jsonl")
expect_eq "threshold: reasons" 0 "$r"

# two instances in one pipeline, each with its object and options
"$WINNOW" filter -q --filters classifier,classifier@lq \
  --set classifier.model="$TMP/softmax.bin" --set classifier.label=hq \
  --set classifier@lq.model="$TMP/hs.bin" --set classifier@lq.label=lq \
  --set classifier@lq.field=low "$TMP/docs.jsonl" -o "$TMP/two.jsonl"
r=$(python3 -c '
import json, sys
ok = all("hq" in d["classifier"] and "low" in d["classifier@lq"]
         for d in map(json.loads, open(sys.argv[1])))
print(ok)' "$TMP/two.jsonl")
expect_eq "instances: both objects" True "$r"

"$WINNOW" filter -q --filters classifier \
  --set classifier.model="$TMP/softmax.bin" --set classifier.label=nope \
  "$TMP/docs.jsonl" -o "$TMP/x.jsonl" 2>"$TMP/err"
expect_eq "unknown label: usage error" 2 $?
grep -q "has no label 'nope'" "$TMP/err" && pass || fail "unknown label message"
"$WINNOW" filter -q --filters classifier@x \
  --set classifier@x.nosuch=1 "$TMP/docs.jsonl" -o "$TMP/x.jsonl" 2>"$TMP/err"
expect_eq "instance: unknown option is a usage error" 2 $?
finish
