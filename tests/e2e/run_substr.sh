#!/bin/sh
# the substring step of `winnow run` (run.substr=1): after document dedup
# (and the paragraph step), the same spans as `winnow substr` on the same
# kept documents, cut documents in rejects/, read = kept + rejected, the
# same bytes for -j 1 and -j 2, and a run killed (-9) then rerun gives the
# same outputs.
set -u
. "$(dirname "$0")/lib.inc"
cd "$TMP" || exit 1

# planted sentences repeated across documents and inputs; some documents
# are one planted sentence only (cut to nothing: rejected); a few whole
# copies (document dedup takes them first)
python3 - <<'PY'
import json, random
r = random.Random(11)
w = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu "
     "nu xi omicron pi rho sigma tau upsilon phi chi psi omega").split()
def sent(n): return " ".join(r.choice(w) + str(r.randint(0, 999)) for _ in range(n))
planted = [sent(r.randint(20, 40)) + "." for _ in range(8)]
docs = []
for i in range(240):
    t = "\n".join(r.choice(planted) if r.random() < 0.35 else sent(r.randint(10, 60)) + "."
                  for _ in range(r.randint(2, 5)))
    if i % 17 == 3:
        t = r.choice(planted)
    if i % 29 == 7:
        t = docs[i - 5]
    docs.append(t)
for f in range(2):
    with open("c%d.jsonl" % f, "w") as o:
        for i in range(120):
            o.write(json.dumps({"id": "d%d-%d" % (f, i), "text": docs[f * 120 + i]}) + "\n")
PY
C="c0.jsonl c1.jsonl"
texts() { # shard files -> one JSON text per line (ids kept, order kept)
  for f in "$@"; do zstd -dcq "$f"; done | python3 -c '
import json, sys
for l in sys.stdin:
    d = json.loads(l); print(json.dumps([d["id"], d["text"]]))'
}
wrun() { # OUTDIR -j N [more options]; exec: `wrun ... &` is winnow's pid
  o=$1 j=$2; shift 2
  exec "$WINNOW" run -q --no-progress -j "$j" --set run.stages=none \
    --set run.substr=1 --set substr.memory=256K --set substr.min_length=60 \
    "$@" $C -o "$o" >/dev/null 2>"$o.err"
}

# ---- off by default; on: a section in stats.json and a line in the report
"$WINNOW" run -q --no-progress --set run.stages=none $C -o off >/dev/null 2>&1
expect_eq "off: exit" 0 $?
expect_eq "off by default" False "$(json_get off/stats.json substr.enabled)"
(wrun r1 1)
expect_eq "-j 1: exit" 0 $?
(wrun r2 2)
expect_eq "-j 2: exit" 0 $?
expect_eq "on: stats.json substr.enabled" True "$(json_get r1/stats.json substr.enabled)"
struck=$(json_get r1/stats.json substr.bytes_struck)
[ "$struck" -gt 1000 ] && pass || fail "bytes struck: $struck"
grep -q "substrings struck: [0-9,]* bytes" r1/report.html && pass ||
  fail "report: no substrings line"
expect_eq "read = kept + rejected" "$(json_get r1/stats.json documents.read)" \
  "$(json_sum r1/stats.json documents.kept documents.rejected)"
expect_eq "read = 240" 240 "$(json_get r1/stats.json documents.read)"
rej=$(json_get r1/stats.json rejected_by_reason.substr:bytes_left)
expect_eq "rejects by reason = the step's rejects" \
  "$(json_get r1/stats.json substr.rejected)" "$rej"
[ "$rej" -gt 5 ] && pass || fail "cut documents rejected: $rej"
n=$(texts r1/rejects/*.jsonl.zst | grep -c . )
expect_eq "rejects/ holds every rejected document" \
  "$(json_get r1/stats.json documents.rejected)" "$n"
zstd -dcq r1/rejects/*.jsonl.zst | grep -q '"reject_reason":"substr:bytes_left=[0-9]*<50"' &&
  pass || fail "reject reason"
same=1
for f in data/part-00000.jsonl.zst rejects/part-00000.jsonl.zst stats.json; do
  cmp -s "r1/$f" "r2/$f" || same=0
done
expect_eq "-j 1 and -j 2: same bytes" 1 $same

# ---- the same spans as winnow substr on the documents dedup kept
zstd -dcq off/data/*.jsonl.zst >kept.jsonl
"$WINNOW" substr -q -l 60 -r sarej.jsonl --stats sa.json -o sa kept.jsonl
expect_eq "standalone: exit" 0 $?
texts r1/data/*.jsonl.zst >got.txt
zstd -qf sa/kept.jsonl -o sa.zst && texts sa.zst >want.txt
cmp -s got.txt want.txt && pass || fail "kept texts differ from winnow substr"
expect_eq "bytes struck = winnow substr's" \
  "$(json_get sa.json substr.bytes_struck)" "$struck"
expect_eq "spans = winnow substr's" "$(json_get sa.json substr.spans)" \
  "$(json_get r1/stats.json substr.spans)"

# ---- substr.annotate: spans listed, nothing cut or rejected by the step
(wrun ra 2 --set substr.annotate=1)
expect_eq "annotate: exit" 0 $?
expect_eq "annotate: kept = kept without the step" \
  "$(json_get off/stats.json documents.kept)" "$(json_get ra/stats.json documents.kept)"
expect_eq "annotate: bytes listed = bytes struck" "$struck" \
  "$(json_get ra/stats.json substr.bytes_struck)"
zstd -dcq ra/data/*.jsonl.zst | grep -q '"substr_spans":\[\[' && pass ||
  fail "annotate: no substr_spans"

# ---- after the paragraph step
(wrun rp 2 --set dedup.paragraphs=1 --set dedup.expected_docs=1000)
expect_eq "with paragraphs: exit" 0 $?
expect_eq "with paragraphs: read = kept + rejected" \
  "$(json_get rp/stats.json documents.read)" \
  "$(json_sum rp/stats.json documents.kept documents.rejected)"
[ "$(json_get rp/stats.json dedup.paragraphs.removed)" -gt 0 ] && pass ||
  fail "with paragraphs: none removed"

# ---- resume: units of the step found done are skipped (work kept, a
# strike unit and a match unit undone), then kill -9 at random points
(wrun rk 1 --keep-work)
rm -f rk/work/substr/strike-00001.done rk/work/p4/00001.jsonl.zst \
  rk/work/substr/match-00003.done
(wrun rk 1 --keep-work)
expect_eq "resume: exit" 0 $?
for f in data/part-00000.jsonl.zst rejects/part-00000.jsonl.zst stats.json; do
  cmp -s "r1/$f" "rk/$f" && pass || fail "resume: $f differs"
done
# a kill when a file appears: inside the step (its first unit done, its
# strike units begun) and while the shards are written
for mark in work/substr/index-00000.done work/substr/strike-00000.done \
    data/part-00000.jsonl.zst; do
  rm -rf k k.err
  (wrun k 2) &
  pid=$!
  i=0
  while [ ! -e "k/$mark" ] && [ $i -lt 1000 ] && kill -0 $pid 2>/dev/null; do
    sleep 0.005; i=$((i + 1))
  done
  kill -9 $pid 2>/dev/null
  wait $pid 2>/dev/null
  (wrun k 2)
  delay=$mark
  expect_eq "kill -9 at ${delay}: rerun exits 0" 0 $?
  same=1
  for f in data/part-00000.jsonl.zst rejects/part-00000.jsonl.zst stats.json; do
    cmp -s "r2/$f" "k/$f" || same=0
  done
  expect_eq "kill -9 at ${delay}: same outputs" 1 $same
  ls -a k k/data k/rejects | grep -q '\.tmp\.' && fail "kill -9: temporaries left" || pass
done

# ---- options: substr.* values checked, run.conf changes with them
"$WINNOW" run -q --no-progress --set run.substr=1 --set substr.strike=some \
  $C -o bad >/dev/null 2>&1
expect_eq "bad substr.strike: usage error" 2 $?
"$WINNOW" run -q --no-progress --set substr.nothing=1 $C -o bad2 >/dev/null 2>&1
expect_eq "unknown substr key: usage error" 2 $?
"$WINNOW" run --help | grep -q "run.substr=1" && pass || fail "--help: run.substr"
finish
