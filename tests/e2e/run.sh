#!/bin/sh
# End-to-end tests of `winnow run`: the four parts of OUTDIR, accounting
# (read = kept + rejected by reason) in stats.json and in the rejects,
# byte-identical output across -j, kill -9 and resume at several points,
# refusal to mix work of different options (report.html: report.sh).
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)

files_of() { # dir -> list of output files with content hashes
  (cd "$1" && for f in stats.json report.html data/* rejects/*; do
     # report.html: but for its time section (where, when, how long)
     [ "$f" = report.html ] && { printf '%s %s\n' "$f" "$(sed '/^<!-- timing -->$/,/^<!-- \/timing -->$/d' "$f" | md5sum | cut -d' ' -f1)"; continue; }
     [ -f "$f" ] && printf '%s %s\n' "$f" "$(zstd -dcf "$f" 2>/dev/null | md5sum | cut -d' ' -f1)"
   done)
}

# --- the sample corpus, as `make run` runs it
O=$TMP/sample
"$WINNOW" run -q --no-progress --config "$top/config/english-web.ini" \
  "$top/sample/crawl.warc.wet" "$top/sample/feed.jsonl" -o "$O" 2>"$TMP/err"
expect_eq "sample: exit status" 0 $?
for p in stats.json report.html data/part-00000.jsonl.zst rejects/part-00000.jsonl.zst; do
  [ -f "$O/$p" ] && pass || fail "sample: $p missing"
done
python3 - "$O" <<'PY' && pass || fail "sample: accounting"
import json, subprocess, sys, glob
o = sys.argv[1]
s = json.load(open(o + "/stats.json"))
d = s["documents"]
assert d["read"] == d["kept"] + d["rejected"], d
assert d["rejected"] == sum(s["rejected_by_reason"].values())
def lines(pattern):
    out = []
    for f in sorted(glob.glob(o + pattern)):
        out += subprocess.run(["zstd", "-dc", f], capture_output=True).stdout.decode().splitlines()
    return [json.loads(l) for l in out]
kept, rej = lines("/data/*.zst"), lines("/rejects/*.zst")
assert len(kept) == d["kept"] and len(rej) == d["rejected"]
assert all(r.get("reject_reason") for r in rej)
assert d["read"] == s["input"]["docs"]
# the sample holds an exact copy, a syndicated near copy, German, spam
reasons = s["rejected_by_reason"]
assert reasons.get("exact_duplicate", 0) >= 1, reasons
assert reasons.get("near_duplicate", 0) >= 1, reasons
assert any(k.startswith("langid") for k in reasons), reasons
# boilerplate is gone from the kept text, the article is there
text = "\n".join(k["text"] for k in kept)
assert "cookie" not in text.lower(), "cookie banner kept"
assert "Share this article" not in text
assert "Port director Samuel Reyes" in text
PY

# --- every real WARC/WET/JSONL sample in one run: HTML extracted, damage
# counted (exit 1), the books balance
if [ -d "$WN_SHARED/data/warc" ]; then
  "$WINNOW" run -q --no-progress --languages all "$WN_SHARED/data/warc" \
    "$WN_SHARED/data/jsonl/dolma-cc-head" -o "$TMP/real" 2>/dev/null
  expect_eq "real samples: exit status (bad input present)" 1 $?
  python3 - "$TMP/real/stats.json" <<'PY' && pass || fail "real samples: stats"
import json, sys
s = json.load(open(sys.argv[1]))
d = s["documents"]
assert d["read"] == d["kept"] + d["rejected"] == s["input"]["docs"], d
assert d["kept"] > 0 and s["input"]["warc_response_html"] > 50
assert s["input"]["truncated"] >= 1 and s["input"]["bad_files"] >= 1
PY
else
  skip "run over real samples: $WN_SHARED/data/warc absent"
fi

# --- determinism across thread counts, on real text when present
R=$WN_SHARED/data/text/reuters-21578/reuters-21578.jsonl.gz
mkdir -p "$TMP/in"
if [ -f "$R" ]; then
  zcat "$R" | head -6000 | split -l 750 - "$TMP/in/part-"
  for f in "$TMP"/in/part-*; do gzip "$f"; done
else
  skip "run determinism on Reuters: $R absent; using the sample"
  cp "$top/sample/crawl.warc.wet" "$top/sample/feed.jsonl" "$TMP/in/"
fi
"$WINNOW" run -q --no-progress -j 1 --languages all "$TMP/in" -o "$TMP/j1" 2>/dev/null
expect_eq "-j1 exit status" 0 $?
"$WINNOW" run -q --no-progress -j 2 --languages all "$TMP/in" -o "$TMP/j2" 2>/dev/null
"$WINNOW" run -q --no-progress -j 3 --languages all "$TMP/in" -o "$TMP/j3" 2>/dev/null
files_of "$TMP/j1" > "$TMP/h1"; files_of "$TMP/j2" > "$TMP/h2"; files_of "$TMP/j3" > "$TMP/h3"
[ -s "$TMP/h1" ] && cmp -s "$TMP/h1" "$TMP/h2" && pass || fail "-j1 and -j2 outputs differ: $(diff "$TMP/h1" "$TMP/h2" | head -5)"
cmp -s "$TMP/h1" "$TMP/h3" && pass || fail "-j1 and -j3 outputs differ"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["documents"]; assert d["read"]==d["kept"]+d["rejected"] and d["read"]>0' "$TMP/j1/stats.json" \
  && pass || fail "accounting on the determinism corpus"

# --- kill -9 at several points, then resume with the same command
for delay in 0.05 0.2 0.4 0.7 1.0 1.5; do
  rm -rf "$TMP/k"
  "$WINNOW" run -q --no-progress -j 2 --languages all "$TMP/in" -o "$TMP/k" 2>/dev/null &
  pid=$!
  sleep "$delay"; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
  # nothing partial under a final name
  bad=$(find "$TMP/k" -path '*/data/*' -name '*.tmp.*' -o -path '*/rejects/*' -name '*.tmp.*' 2>/dev/null | head -1)
  if [ -f "$TMP/k/stats.json" ]; then
    python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/k/stats.json" && pass || fail "kill at $delay: partial stats.json"
  else pass; fi
  "$WINNOW" run -q --no-progress -j 2 --languages all "$TMP/in" -o "$TMP/k" 2>"$TMP/err"
  expect_eq "resume after kill at ${delay}s: exit status" 0 $?
  files_of "$TMP/k" > "$TMP/hk"
  cmp -s "$TMP/h1" "$TMP/hk" && pass || fail "resume after kill at ${delay}s differs: $(diff "$TMP/h1" "$TMP/hk" | head -4)"
  left=$(find "$TMP/k/data" "$TMP/k/rejects" -name '*.tmp.*' | wc -l)
  expect_eq "resume after kill at ${delay}s: no temporary files left" 0 "$left"
done

# --- a power cut: work files are renamed into place without fsync, so a
# task's output may come back cut short beside its intact counts file;
# the counts are then not trusted and the task is redone
rm -rf "$TMP/pcut"
"$WINNOW" run -q --no-progress -j 2 --keep-work --languages all "$TMP/in" -o "$TMP/pcut" 2>/dev/null
cp "$TMP/pcut/work/p1/00000.jsonl.zst" "$TMP/pcut.p1"
sz=$(wc -c < "$TMP/pcut.p1")
truncate -s $((sz / 2)) "$TMP/pcut/work/p1/00000.jsonl.zst"
"$WINNOW" run -q --no-progress -j 2 --keep-work --languages all "$TMP/in" -o "$TMP/pcut" 2>"$TMP/err"
expect_eq "power cut: exit status" 0 $?
cmp -s "$TMP/pcut.p1" "$TMP/pcut/work/p1/00000.jsonl.zst" && pass || fail "power cut: the task was not redone"
files_of "$TMP/pcut" > "$TMP/hpcut"
cmp -s "$TMP/h1" "$TMP/hpcut" && pass || fail "power cut: output differs: $(diff "$TMP/h1" "$TMP/hpcut" | head -4)"

# --- the same OUTDIR with other options is refused
"$WINNOW" run -q --no-progress --set gopher_quality.min_words=10 --languages all "$TMP/in" -o "$TMP/j1" 2>"$TMP/err"
rc=$?
[ $rc -ne 0 ] && grep -q 'other inputs or options' "$TMP/err" && pass || fail "mixed options not refused (rc=$rc)"

# --- configuration: --print-config reflects file and flags; bad keys refused
printf '[gopher_quality]\nmin_words = 42\n' > "$TMP/c.ini"
"$WINNOW" run --config "$TMP/c.ini" --set run.jobs=3 --print-config > "$TMP/pc"
grep -q '^min_words = 42$' "$TMP/pc" && grep -q '^jobs = 3$' "$TMP/pc" && pass || fail "--print-config"
"$WINNOW" run --set nosuch.key=1 sample -o "$TMP/x" 2>/dev/null; expect_eq "unknown option: usage error" 2 $?
"$WINNOW" run sample 2>/dev/null; expect_eq "no -o: usage error" 2 $?
"$WINNOW" run --help | grep -q 'examples:' && pass || fail "run --help"

# --- progress: on with --progress even without a terminal, silent without
"$WINNOW" run --progress --languages all "$TMP/in" -o "$TMP/p1" 2>"$TMP/err" >/dev/null
grep -q 'ETA' "$TMP/err" && grep -q 'docs/s' "$TMP/err" && pass || fail "--progress shows progress"
"$WINNOW" run --languages all "$TMP/in" -o "$TMP/p2" 2>"$TMP/err" >/dev/null
grep -q 'ETA' "$TMP/err" && fail "progress shown on a non-terminal" || pass

# report.html, in a real browser too: tests/e2e/report.sh
finish
