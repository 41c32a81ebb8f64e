#!/bin/sh
# Decontamination (issue 14): `winnow decontaminate --against` and the
# decontaminate step of `winnow run`.  Evaluation-like sets are built here
# from shared data: Reuters sentences become questions (JSONL) and cloze
# lines (text), planted into BBC articles with other case and punctuation;
# other articles get only 12 consecutive words of a question.  Recall must
# be 1.0 on the planted n-grams, and nothing may be cut from the 12-word
# texts.
set -u
. "$(dirname "$0")/lib.inc"
B=$WN_SHARED/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
R=$WN_SHARED/data/text/reuters-21578/reuters-21578.jsonl.gz
if [ ! -f "$B" ] || [ ! -f "$R" ]; then
  skip "data/text not found"; finish; exit $?
fi
cd "$TMP"

python3 - "$B" "$R" <<'PY'
import gzip, json, random, re, sys
random.seed(14)
bbc = [json.loads(l) for l in gzip.open(sys.argv[1], "rt")][:400]
sents, seen = [], set()
for l in gzip.open(sys.argv[2], "rt"):
    for s in re.split(r"(?<=\.)\s+", json.loads(l)["text"]):
        w = s.split()
        # Reuters repeats itself: no two items may share a 13-gram
        g = {tuple(x.lower() for x in w[i:i + 13]) for i in range(len(w) - 12)}
        if 18 <= len(w) <= 40 and s.isascii() and not g & seen:
            sents.append(" ".join(w))
            seen |= g
    if len(sents) > 2000:
        break
random.shuffle(sents)
qs, cloze = sents[:60], sents[60:90]
with open("qa.jsonl", "w") as f:
    for i, q in enumerate(qs):
        f.write(json.dumps({"question": q + "?", "answer": "A", "id": i}) + "\n")
with open("cloze.txt", "w") as f:
    f.write("\n".join(cloze) + "\n")
def shout(s):  # other case and punctuation: normalisation must see through
    return ", ".join(w.upper() if k % 3 else w + ";" for k, w in enumerate(s.split()))
plan = {}
for k, d in enumerate(bbc):
    t = d["text"]
    mid = len(t) // 2
    if k < 60:       # a question planted: set qa.jsonl
        src, kind = qs[k], "qa.jsonl"
        t = t[:mid] + " " + shout(src) + " " + t[mid:]
    elif k < 90:     # a cloze line planted: set cloze.txt
        src, kind = cloze[k - 60], "cloze.txt"
        t = t[:mid] + " " + src + " " + t[mid:]
    elif k < 150:    # only 12 consecutive words of a question, between
        w = qs[k - 90].split()  # words no question has
        src, kind = " ".join(w[3:15]), "near"
        t = t[:mid] + " xyzzy " + src + " plugh " + t[mid:]
    else:
        src, kind = "", "clean"
    plan[d["id"]] = [kind, src]
    d2 = {"id": d["id"], "text": t}
    open("docs.jsonl", "a").write(json.dumps(d2) + "\n")
json.dump(plan, open("plan.json", "w"))
PY

# ---- cut (the default): every planted n-gram gone, 12 words untouched
"$WINNOW" decontaminate -q --against qa.jsonl,cloze.txt -o out.jsonl \
  --rejects rej.jsonl --stats st.json docs.jsonl
expect_eq "exit status" 0 $?
cat > score.py <<'PY'
import json, re, sys
plan = json.load(open("plan.json"))
def norm(s):
    return [re.sub(r"[^\w]", "", w).lower() for w in s.split() if re.sub(r"[^\w]", "", w)]
def grams(ws, n=13):
    return {tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)}
docs = {}
for f in sys.argv[1:]:
    for l in open(f):
        d = json.loads(l)
        docs[d["id"]] = d
orig = {json.loads(l)["id"]: json.loads(l)["text"] for l in open("docs.jsonl")}
planted = found = left = near_hit = clean_hit = wrong_set = 0
for i, (kind, src) in plan.items():
    d = docs[i]
    meta = d.get("decontaminated")
    if kind in ("qa.jsonl", "cloze.txt"):
        planted += 1
        found += meta is not None
        wrong_set += meta is not None and kind not in meta["sets"]
        # recall: no 13-gram of the planted text is left in the output
        if "reject_reason" not in d:
            left += len(grams(norm(src)) & grams(norm(d["text"])))
    elif kind == "near":
        near_hit += meta is not None or d["text"] != orig[i]
    else:
        clean_hit += meta is not None
print(planted, found, left, near_hit, clean_hit, wrong_set)
PY
read -r planted found left near clean wrong <<EOF2
$(python3 score.py out.jsonl rej.jsonl)
EOF2
expect_eq "planted documents" 90 "$planted"
expect_eq "recall: planted documents found" 90 "$found"
expect_eq "recall: planted 13-grams left" 0 "$left"
expect_eq "the set that matched" 0 "$wrong"
expect_eq "12 shared words: nothing cut" 0 "$near"
expect_eq "other documents untouched" 0 "$clean"
expect_eq "stats: by set (qa)" 60 "$(json_get st.json decontaminated.qa.jsonl 2>/dev/null ||
  python3 -c 'import json;print(json.load(open("st.json"))["decontaminated"]["qa.jsonl"])')"
expect_eq "stats: by set (cloze)" 30 \
  "$(python3 -c 'import json;print(json.load(open("st.json"))["decontaminated"]["cloze.txt"])')"
expect_eq "read = kept + rejected" 400 \
  "$(json_sum st.json documents.kept documents.rejected)"

# ---- --drop: the planted documents rejected, with the reason
"$WINNOW" decontaminate -q --drop --against qa.jsonl,cloze.txt \
  -o drop.jsonl --rejects droprej.jsonl docs.jsonl
expect_eq "drop: rejected" 90 "$(grep -c 'decontaminate:matches=' droprej.jsonl)"

# ---- more pieces than --max-splits: rejected
"$WINNOW" decontaminate -q --max-splits 1 --remove-chars 10 \
  --against qa.jsonl -o ms.jsonl --rejects msrej.jsonl docs.jsonl
expect_eq "max-splits: rejected" 60 "$(grep -c 'decontaminate:pieces=2>1' msrej.jsonl)"

# ---- the same bytes for any -j
"$WINNOW" decontaminate -q -j 3 --against qa.jsonl,cloze.txt -o out3.jsonl \
  docs.jsonl
cmp -s out.jsonl out3.jsonl && pass || fail "-j 1 and -j 3 differ"

# ---- an evaluation set that cannot be read is a usage error
"$WINNOW" decontaminate -q --against nosuch.jsonl -o x.jsonl docs.jsonl \
  2>err.txt
expect_eq "missing set: exit 2" 2 $?

# ---- a step of winnow run (off without decontaminate.against)
"$WINNOW" run -q --no-progress --set run.stages=decontaminate \
  --set decontaminate.against="$TMP/qa.jsonl" docs.jsonl -o run >/dev/null 2>&1
expect_eq "run: exit" 0 $?
expect_eq "run: by set" 60 \
  "$(python3 -c 'import json;print(json.load(open("run/stats.json"))["decontaminated"]["qa.jsonl"])')"
grep -q "decontaminated: " run/report.html && pass ||
  fail "report: no decontaminated line"
finish
