#!/bin/sh
# Languages other than English through `winnow run`: a Chinese, a
# Japanese, a Thai and an Arabic article (the UDHR, ../shared/data/langid)
# are kept by `--languages all`, each judged under its own settings, with
# word counts of their script (ICU words for zh/ja/th, not whitespace
# runs); a per-language INI section changes one language only; --preset
# and --print-config show the settings.
. "$(dirname "$0")/lib.inc"
U=$WN_SHARED/data/langid/udhr/udhr-532.jsonl.gz
if [ ! -f "$U" ]; then
  skip "$U absent"; finish; exit
fi
zcat "$U" | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["code"] in ("cmn_hans", "jpn", "tha", "arb"):
        print(json.dumps({"id": d["code"], "text": d["text"]}, ensure_ascii=False))
' >"$TMP/four.jsonl"

"$WINNOW" run -q --no-progress --languages all "$TMP/four.jsonl" -o "$TMP/o1"
expect_eq "exit status, --languages all" 0 $?
expect_eq "all four kept" 4 "$(json_get "$TMP/o1/stats.json" documents.kept)"

# words per document: --annotate writes every stage's measures
"$WINNOW" run -q --no-progress --annotate --languages all "$TMP/four.jsonl" \
  -o "$TMP/o2"
zstdcat "$TMP"/o2/data/*.zst | python3 -c 'import json, sys
# characters per word of each language (UDHR, ICU words for zh/ja/th):
# Chinese ~1.7, Japanese ~1.9, Thai ~4, Arabic ~5.7
rng = {"zh": (1.2, 2.5), "ja": (1.3, 2.8), "th": (2.5, 6), "ar": (4, 8)}
for l in sys.stdin:
    d = json.loads(l)
    w = d["signals"]["gopher_quality"]["words"]
    lo, hi = rng[d["language"]]
    r = len(d["text"]) / w
    print("%s %s" % (d["language"], "ok" if lo <= r <= hi and
                     d["signals"]["gopher_quality"]["stop_words"] >= 2 else
                     "bad: %d words for %d characters" % (w, len(d["text"]))))
' | sort >"$TMP/words"
expect_eq "word counts" "ar ok
ja ok
th ok
zh ok" "$(cat "$TMP/words")"

# one language's INI section changes that language only
printf '[gopher_quality.zh]\nmin_words = 100000\n' >"$TMP/zh.ini"
"$WINNOW" run -q --no-progress --languages all --config "$TMP/zh.ini" \
  "$TMP/four.jsonl" -o "$TMP/o3"
expect_eq "[gopher_quality.zh]: three kept" 3 \
  "$(json_get "$TMP/o3/stats.json" documents.kept)"
reason=$(zstdcat "$TMP"/o3/rejects/*.zst | python3 -c 'import json, sys
print(json.loads(sys.stdin.readline())["reject_reason"])')
expect_eq "[gopher_quality.zh]: its reason" \
  "gopher_quality:words=1533<100000" "$reason"
printf '[gopher_quality.zh]\nmin_wordz = 1\n' >"$TMP/bad.ini"
"$WINNOW" run -q --no-progress --config "$TMP/bad.ini" "$TMP/four.jsonl" \
  -o "$TMP/o4" 2>"$TMP/err"
expect_eq "a misspelt per-language key is a usage error" 2 $?

# the settings, with their sources
"$WINNOW" run --languages zh --print-config >"$TMP/cfg"
expect_eq "--languages zh implies the multilingual preset" "languages = zh" \
  "$(grep '^languages' "$TMP/cfg")"
expect_eq "[gopher_quality.zh] printed with its source" 1 \
  "$(grep -A2 '^\[gopher_quality.zh\]' "$TMP/cfg" | grep -c 'cmn_Hani')"
"$WINNOW" run --preset multilingual --print-config >"$TMP/cfg2"
expect_eq "--preset multilingual keeps every language" "languages = all" \
  "$(grep '^languages' "$TMP/cfg2")"

# MinHash near copies: the UDHR cut into 6-line documents, each with a
# copy that has one word in 100 replaced; Chinese and Japanese copies are
# found as English ones are (ICU words), and not at all without the
# language (a whole line is one whitespace word)
zcat "$U" >"$TMP/udhr.jsonl"
pr() { # UDHR-CODE LANG LABEL -> "found/pairs precision"
  python3 "$(dirname "$0")/make_neardup.py" "$1" "$2" "$3" "$TMP/udhr.jsonl" \
    >"$TMP/d.jsonl"
  rm -rf "$TMP/dd"
  "$WINNOW" dedup -q -o "$TMP/dd" -r "$TMP/dr.jsonl" "$TMP/d.jsonl" 2>/dev/null
  python3 -c 'import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
true = {("c" + d["id"][1:], "o" + d["id"][1:]) for d in docs if d["id"][0] == "c"}
found = set()
for l in open(sys.argv[2]):
    d = json.loads(l)
    if d["reject_reason"].startswith("near_duplicate:of="):
        o = d["reject_reason"].split("=")[1].split(",")[0]
        found.add(tuple(sorted((d["id"], o))))
print("%d/%d %s" % (len(found & true), len(true),
                    "exact" if found <= true else "false pairs"))' \
    "$TMP/d.jsonl" "$TMP/dr.jsonl"
}
expect_eq "English near copies" "14/15 exact" "$(pr eng en en)"
expect_eq "Chinese near copies" "15/15 exact" "$(pr cmn_hans zh zh)"
expect_eq "Japanese near copies" "15/15 exact" "$(pr jpn ja ja)"
expect_eq "Chinese without its language" "0/15 exact" "$(pr cmn_hans zh -)"
finish
