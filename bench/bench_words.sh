#!/bin/sh
# Word segmentation speed (bench/words_bench.c: MB/s of text through the
# shared tokenisation, CPU time, median of 7 runs):
#  - English (BBC News, 2,225 articles) without a language and as "en":
#    the whitespace path; with BASE=DIR (a build directory of an earlier
#    commit) the same against that build, as a ratio measured in this run;
#  - Chinese (the UDHR in Simplified Chinese cut into article-sized
#    documents, 200 copies) without a language (whitespace only) and as
#    "zh" (ICU's word break iterator).
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
S=${WN_SHARED:-../shared}
B=$S/data/text/bbc-news-2225/bbc-news-2225.jsonl.gz
U=$S/data/langid/udhr/udhr-532.jsonl.gz
if [ ! -f "$B" ] || [ ! -f "$U" ]; then
  echo "skip bench_words: $S/data/text or data/langid absent"; exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
zcat "$B" >"$tmp/en.jsonl"
zcat "$U" | python3 -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    if d["code"] != "cmn_hans": continue
    paras = d["text"].split("\n")
    for copy in range(200):
        for i in range(0, len(paras), 12):
            print(json.dumps({"text": "\n".join(paras[i:i + 12])}, ensure_ascii=False))
' >"$tmp/zh.jsonl"
libs=$(make --no-print-directory -s print-ldlibs)
${CC:-cc} -O2 -Iinclude -o "$tmp/wb" bench/words_bench.c "$build/libwinnow.a" \
  $libs || { echo "FAIL: cannot build bench/words_bench.c"; exit 1; }
"$tmp/wb" 7 "$tmp/en.jsonl" - "$tmp/en.jsonl" en "$tmp/zh.jsonl" - \
  "$tmp/zh.jsonl" zh | sed "s|$tmp/||"
if [ -n "${BASE:-}" ]; then
  ${CC:-cc} -O2 -DWORDS_BASE -Iinclude -o "$tmp/wb0" bench/words_bench.c \
    "$BASE/libwinnow.a" $libs || { echo "FAIL: cannot build baseline"; exit 1; }
  # alternate the two builds, 3 rounds, so machine noise hits both alike
  for r in 1 2 3 4 5; do
    "$tmp/wb0" 7 "$tmp/en.jsonl" - | sed 's/.*words, //; s/ MB.*//' >>"$tmp/b0"
    "$tmp/wb" 7 "$tmp/en.jsonl" en | sed 's/.*words, //; s/ MB.*//' >>"$tmp/b1"
  done
  paste "$tmp/b0" "$tmp/b1" | awk '{print $2 / $1, $1, $2}' | sort -n |
    awk '{l[NR]=$0} END {split(l[int((NR+1)/2)], m, " ");
      printf "English, this build vs BASE: %.1f vs %.1f MB/s, ratio %.3f (median of %d rounds)\n", m[3], m[2], m[1], NR}'
fi
