#!/bin/sh
# `winnow substr` end to end: usage, exactness against the brute-force
# reference (eval/substr_brute.py) on a synthetic corpus with planted,
# overlapping and cross-chunk repeats (a tiny --memory makes many chunks)
# and on real plagiarised texts, both --strike modes, cutting and rejects,
# determinism across -j and --memory, resume after kill -9.
set -u
. "$(dirname "$0")/lib.inc"
BRUTE=$(cd "$(dirname "$0")/../../eval" && pwd)/substr_brute.py
cd "$TMP" || exit 1

# ---- usage
"$WINNOW" substr --help >h 2>&1
expect_eq "--help exits 0" 0 $?
grep -q '^examples:' h && pass || fail "--help has examples"
printf '{"text":"x"}\n' >one.jsonl
"$WINNOW" substr one.jsonl >/dev/null 2>&1
expect_eq "no --output-dir is a usage error" 2 $?
"$WINNOW" substr --strike some -o x one.jsonl >/dev/null 2>&1
expect_eq "bad --strike is a usage error" 2 $?
"$WINNOW" substr -l 3 -o x one.jsonl >/dev/null 2>&1
expect_eq "--min-length below 8 is a usage error" 2 $?
cat one.jsonl | "$WINNOW" substr -o x - >/dev/null 2>&1
expect_eq "stdin (read twice) is refused" 2 $?

# ---- synthetic: planted spans (whole and as overlapping suffixes), random
# filler with multi-byte characters, three inputs
python3 - <<'PY'
import json, random
r = random.Random(7)
alpha = "abcdefghij klmnopqrstuvwxyz \u00e9\u00fc\u4e2d\u6587"
def rnd(n): return "".join(r.choice(alpha) for _ in range(n))
planted = [rnd(r.randint(60, 300)) for _ in range(20)]
docs = []
for d in range(300):
    parts = []
    for k in range(r.randint(1, 6)):
        if r.random() < 0.4:
            p = r.choice(planted)
            if r.random() < 0.5:
                p = p[r.randint(0, len(p) // 2):]
            parts.append(p)
        else:
            parts.append(rnd(r.randint(10, 400)))
    docs.append("".join(parts))
docs.append(docs[5])  # a whole copy
docs.append("")       # an empty document
for f in range(3):
    with open("s%d.jsonl" % f, "w") as o:
        for i, t in enumerate(docs[f * 101:(f + 1) * 101]):
            o.write(json.dumps({"id": "d%d-%d" % (f, i), "text": t},
                               ensure_ascii=False) + "\n")
PY

spans_of() { # dir files... -> one line of spans per document
  d=$1; shift
  for f in "$@"; do cat "$d/$(basename "$f")"; done | python3 -c '
import json, sys
for l in sys.stdin:
    print(json.dumps(json.loads(l).get("substr_spans", []), separators=(",", ":")))'
}

check_exact() { # name L strike memory files...
  name=$1 L=$2 mode=$3 mem=$4; shift 4
  rm -rf ex
  "$WINNOW" substr -q --annotate -l "$L" --strike "$mode" -m "$mem" -j 2 \
    --stats ex.json -o ex "$@"
  expect_eq "$name: exit" 0 $?
  spans_of ex "$@" >got.txt
  python3 "$BRUTE" --min-length "$L" --strike "$mode" "$@" >want.txt
  cmp -s got.txt want.txt && pass ||
    fail "$name: spans differ from the brute force ($(diff got.txt want.txt | head -3))"
}

S="s0.jsonl s1.jsonl s2.jsonl"
check_exact "synthetic all" 50 all 1G $S
expect_eq "synthetic: one chunk per input with 1G" 3 "$(json_get ex.json substr_work.chunks)"
check_exact "synthetic later, tiny memory" 50 later 96K $S
[ "$(json_get ex.json substr_work.chunks)" -gt 12 ] && pass ||
  fail "96K: many chunks ($(json_get ex.json substr_work.chunks))"
check_exact "synthetic later, L=8" 8 later 1G $S

# ---- real text: the plagiarism corpus (copied passages) and BBC news
D=$WN_SHARED/data
if [ -d "$D/neardup/clough-stevenson-plagiarism/texts" ]; then
  python3 - "$D/neardup/clough-stevenson-plagiarism/texts" <<'PY'
import json, os, sys
d = sys.argv[1]
with open("clough.jsonl", "w") as o:
    for n in sorted(os.listdir(d)):
        t = open(os.path.join(d, n), "rb").read().decode("utf-8", "replace")
        t = t.replace("\0", "")
        o.write(json.dumps({"id": n, "text": t}) + "\n")
PY
  check_exact "plagiarism corpus all" 100 all 64K clough.jsonl
  [ "$(json_get ex.json substr.bytes_struck)" -gt 10000 ] && pass ||
    fail "plagiarism corpus: copied passages struck"
  check_exact "plagiarism corpus later" 50 later 64K clough.jsonl
else
  skip "no $D/neardup (set WN_SHARED)"
fi
if [ -f "$D/text/bbc-news-2225/bbc-news-2225.jsonl.gz" ]; then
  gzip -dc "$D/text/bbc-news-2225/bbc-news-2225.jsonl.gz" | head -n 200 >bbc.jsonl
  check_exact "bbc news later" 100 later 256K bbc.jsonl
else
  skip "no $D/text (set WN_SHARED)"
fi

# ---- cutting: kept text = text without the spans; rejects with reasons
"$WINNOW" substr -q -l 50 --strike later -m 96K --min-doc-bytes 60 \
  -r rej.jsonl --stats cut.json -o cut $S
expect_eq "cut: exit" 0 $?
"$WINNOW" substr -q -l 50 --strike later -m 96K --annotate -o ann $S
python3 - $S <<'PY' >cut.txt
import json, os, sys
rej = {}
for l in open("rej.jsonl"):
    d = json.loads(l); rej[d["id"]] = d
bad = 0
for f in sys.argv[1:]:
    cut = {json.loads(l)["id"]: json.loads(l) for l in open("cut/" + f)}
    for l in open("ann/" + f):
        d = json.loads(l)
        b = d["text"].encode()
        keep, at = b"", 0
        for s, e in d.get("substr_spans", []):
            keep += b[at:s]; at = e
        keep += b[at:]
        if d["id"] in cut:
            bad += cut[d["id"]]["text"].encode() != keep
            bad += "substr_spans" in cut[d["id"]]
        else:
            r = rej.get(d["id"])
            want = "substr:bytes_left=%d<60" % len(keep)
            bad += r is None or r["reject_reason"] != want or len(keep) >= 60
print(bad)
PY
expect_eq "cut: kept texts are the texts without the spans, rejects say why" \
  0 "$(cat cut.txt)"
expect_eq "cut: every document accounted for" 302 \
  "$(json_sum cut.json documents.kept documents.rejected)"
expect_eq "cut: rejects = rejected" "$(json_get cut.json substr.rejected)" \
  "$(wc -l <rej.jsonl | tr -d ' ')"
[ "$(json_get cut.json substr.bytes_struck)" -gt 0 ] && pass ||
  fail "cut: bytes struck counted"

# ---- the report draws the stats: a funnel row with the bytes struck
mkdir rep && cp cut.json rep/stats.json
"$WINNOW" report rep >/dev/null 2>&1
expect_eq "report: exit" 0 $?
grep -q 'bytes struck in' rep/report.html && pass || fail "report: bytes struck shown"

# ---- the same bytes for any -j and --memory
"$WINNOW" substr -q -l 50 --strike later -j 1 -m 1G --min-doc-bytes 60 \
  -r rej1.jsonl -o cut1 $S
for f in $S; do cmp -s "cut/$f" "cut1/$f" || fail "-j/-m: $f differs"; done
cmp -s rej.jsonl rej1.jsonl && pass || fail "-j/-m: rejects differ"

# ---- resume: a finished work directory is reused; kill -9 then rerun
"$WINNOW" substr -q -l 50 --strike later -m 96K --min-doc-bytes 60 \
  -r rej.jsonl --stats cut2.json -o cut $S
[ "$(json_get cut2.json substr_work.skipped_units)" -gt 0 ] && pass ||
  fail "resume: units skipped"
expect_eq "resume: same counters" "$(json_get cut.json substr.bytes_struck)" \
  "$(json_get cut2.json substr.bytes_struck)"
"$WINNOW" substr -q -l 60 -o cut $S 2>/dev/null
expect_eq "resume with other options refused" 2 $?
for delay in 0.1 0.4; do
  rm -rf k
  "$WINNOW" substr -q -l 50 --strike later -m 96K --min-doc-bytes 60 \
    -r k/rej.jsonl -o k $S &
  pid=$!
  sleep $delay
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  "$WINNOW" substr -q -l 50 --strike later -m 96K --min-doc-bytes 60 \
    -r k/rej.jsonl -o k $S
  expect_eq "kill -9 after ${delay}s: rerun exits 0" 0 $?
  same=1
  for f in $S; do cmp -s "cut/$f" "k/$f" || same=0; done
  cmp -s rej.jsonl k/rej.jsonl || same=0
  expect_eq "kill -9 after ${delay}s: same outputs" 1 $same
  ls -a k | grep -q '\.tmp\.' && fail "kill -9: temporaries left" || pass
done

# ---- bad input: reported with offset, counted, the rest processed
printf '{"id":"a","text":"hi"}\n{bad\n' >bad.jsonl
"$WINNOW" substr -q -o b --stats b.json bad.jsonl 2>b.err
expect_eq "bad input: exit 1" 1 $?
grep -q 'bad.jsonl: offset 2[34]' b.err && pass || fail "bad input reported: $(cat b.err)"
expect_eq "bad input: counted" 1 "$(json_get b.json problems)"

finish
