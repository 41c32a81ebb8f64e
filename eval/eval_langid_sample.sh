#!/bin/sh
# langid.sample against whole-document scoring: how often scoring the
# first and the middle window of a long document gives the language that
# scoring all of it gives, for CLD2 and (when the model is present)
# fastText lid.176, on the multilingual corpus of eval/langid_corpus.py
# (UDHR in 532 languages; with Debian's debian-handbook installed, its 26
# languages, 3,300 long pages).  Prints per engine and window size: the
# documents, how many are long enough to be sampled (> 3 x window), the
# share with the same label (goal >= 99.9%), the share with the same
# verdict of the default run (language en with score >= 0.65), and the
# langid stage's MB/s of text per core with and without the sample.
# usage: eval/eval_langid_sample.sh [BUILD] [WINDOW...]  (default 4096;
# `make eval` runs it with the default)
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
windows=${*:-4096}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
W=$build/winnow
[ -f "$S/data/langid/udhr/udhr-532.jsonl.gz" ] ||
  { echo "skip langid_sample: $S/data/langid is absent"; exit 0; }
mkdir -p build/eval
C=build/eval/langid-multi.jsonl
[ -s "$C" ] || python3 eval/langid_corpus.py "$S" "$C" || exit 1
M=$S/data/langid/fasttext-lid176/lid.176.ftz
O=build/eval/langid-sample
mkdir -p "$O"
# run ENGINE WINDOW: labels to $O/ENGINE-WINDOW.jsonl, prints the MB/s
run() {
  x=""; [ "$1" = fasttext ] && x="--langid-model $M"
  "$W" filter -q -j1 --filters langid $x --set langid.sample="$2" --timing \
    "$C" -o "$O/$1-$2.jsonl" 2>&1 |
    sed -n 's/^winnow filter: timing langid .* \([0-9.]*\) MB\/s.*/\1/p'
}
engines=cld2
[ -f "$M" ] && engines="cld2 fasttext"
for e in $engines; do
  whole=$(run "$e" 0)
  for w in $windows; do
    part=$(run "$e" "$w")
    python3 - "$O/$e-0.jsonl" "$O/$e-$w.jsonl" "$e" "$w" "$whole" "$part" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
b = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
e, w, whole, part = sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
assert [d["id"] for d in a] == [d["id"] for d in b]
n = len(a)
long_ = sum(len(d["text"].encode()) > 3 * w for d in a)
same = sum(x["language"] == y["language"] for x, y in zip(a, b))
keep = lambda d: d["language"] == "en" and d["language_score"] >= 0.65
verdict = sum(keep(x) == keep(y) for x, y in zip(a, b))
print("%-8s sample=%-6d docs %d, sampled %d: same label %.2f%% (%d differ; goal >= 99.9%%), "
      "same en/0.65 verdict %.2f%%; langid %s -> %s MB/s"
      % (e, w, n, long_, 100 * same / n, n - same, 100 * verdict / n, whole, part))
PY
  done
done
