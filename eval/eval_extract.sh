#!/bin/sh
# eval_extract.sh - accuracy of `winnow extract` against human gold text,
# beside Mozilla Readability.js on the same pages and the same scorer.
#
# ../shared/data/extraction holds ~2,500 real pages with their gold main
# text (Scrapinghub AEB, CleanEval dev/final, CleanPortalEval, Dragnet,
# Readability.js test pages; see its README).  The archives are unpacked
# under BUILD_DIR/extract-eval (never into the repository), each page goes
# into JSONL as {"id","html"} (eval/extract_eval.py prepare), and
# `winnow extract` runs over each set three ways:
#   main        the default extraction (what the pipeline does)
#   main/gumbo  the same with the gumbo HTML5 parser (extract.parser=gumbo)
#   all         every visible text (extract.mode=all): the trivial baseline
# and Readability.js (npm @mozilla/readability + jsdom, installed here by
# npm into BUILD_DIR/peers/readability, nowhere else; skipped with a message
# without node and npm) runs over the same pages (eval/readability_run.js).
# Reported per set: pages, then token-level precision, recall and F1 of
# the lowercased word tokens against the gold (extract_eval.py score), and
# winnow's F1 minus Readability's with its 95% paired bootstrap interval.
#
# The pages are split by site (extract_eval.py says how): extraction rules
# were tuned on the "tune" half; the table is of the held-out "test" half
# unless EVAL_SPLIT=tune or EVAL_SPLIT=all.
# Usage: eval/eval_extract.sh BUILD_DIR [extra winnow extract options]
# Needs python3 and xz (tar -J).
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
shared=${WN_SHARED:-../shared}
data=$shared/data/extraction
winnow=$build/winnow
split=${EVAL_SPLIT:-test}
if [ ! -d "$data" ]; then
  echo "skip eval_extract: $data not found"
  exit 0
fi
work=$build/extract-eval
# gumbo is linked only in builds made with GUMBO=1: a second build folder
gwinnow=$build/gumbo/winnow
make -s --no-print-directory BUILD="$build/gumbo" GUMBO=1 "$gwinnow" \
  >/dev/null 2>&1 || { echo "eval_extract: the GUMBO=1 build failed"; exit 1; }
mkdir -p "$work/unpacked" "$work/sets"
for a in "$data"/*/*.tar.xz; do
  [ -f "$a" ] || continue
  stamp=$work/unpacked/.$(basename "$a")
  [ -f "$stamp" ] && continue
  tar -xJf "$a" -C "$work/unpacked" && touch "$stamp"
done
[ -f "$work/sets/.done" ] && [ -f "$work/sets/aeb.sites.tsv" ] || {
  python3 eval/extract_eval.py prepare "$data" "$work/unpacked" \
    "$work/sets" >/dev/null && touch "$work/sets/.done"
} || exit 1

# Readability.js: pinned versions, installed once under the build folder
peers=$build/peers/readability
rd=""
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  if [ ! -d "$peers/node_modules/@mozilla/readability" ] ||
     [ ! -d "$peers/node_modules/jsdom" ]; then
    mkdir -p "$peers"
    npm install --prefix "$peers" --no-audit --no-fund --silent \
      @mozilla/readability@0.6.0 jsdom@29.1.1 >/dev/null 2>&1 ||
      echo "eval_extract: npm install of Readability.js failed; no peer column"
  fi
  [ -d "$peers/node_modules/@mozilla/readability" ] && rd=yes
else
  echo "eval_extract: node or npm absent, no Readability.js column (apt-get install nodejs npm)"
fi

echo "split: $split (pages of sites the rules were not tuned on unless 'tune'/'all')"
printf '%-16s %5s | %-17s | %5s | %5s | %-17s | %s\n' set pages \
  "winnow  P    R   F1" gumbo all "Readab. P    R   F1" "dF1 [95% CI]"
golds=""; mains=""; rds=""
for g in "$work"/sets/*.gold.jsonl; do
  set=$(basename "$g" .gold.jsonl)
  in=$work/sets/$set.jsonl
  for how in main gumbo all; do
    w=$winnow
    case $how in
      main) opt="" ;;
      gumbo) opt="--parser gumbo"; w=$gwinnow ;;
      all) opt="--mode all" ;;
    esac
    # exit 1 (a few pages with invalid UTF-8, repaired) is not a failure
    "$w" extract -q $opt "$@" "$in" -o "$work/$set.$how.jsonl" 2>/dev/null
    [ $? -le 1 ] || { echo "eval_extract: winnow extract failed on $in"; exit 1; }
  done
  sc() { python3 eval/extract_eval.py score "$g" "$work/$set.$1.jsonl" "$split"; }
  m=$(sc main); gu=$(sc gumbo); al=$(sc all)
  r="  -     -     -"; d=""
  if [ -n "$rd" ]; then
    out=$work/$set.readability.jsonl
    if [ ! -f "$out" ] || [ "$in" -nt "$out" ]; then
      node eval/readability_run.js "$peers" "$in" "$out" ||
        { echo "eval_extract: Readability.js failed on $in"; exit 1; }
    fi
    r=$(sc readability | cut -d' ' -f2-)
    d=$(python3 eval/extract_eval.py paired "$g" "$work/$set.main.jsonl" "$out" "$split" |
        awk '{ printf "%s [%s, %s]", $2, $3, $4 }')
    rds="$rds,$out"
  fi
  golds="$golds,$g"; mains="$mains,$work/$set.main.jsonl"
  pages=${m%% *}; mp=${m#* }; gf=${gu##* }; af=${al##* }
  printf '%-16s %5s | %-17s | %5s | %5s | %-17s | %s\n' "$set" "$pages" \
    "$mp" "$gf" "$af" "$r" "$d"
done
golds=${golds#,}; mains=${mains#,}; rds=${rds#,}
m=$(python3 eval/extract_eval.py score "$golds" "$mains" "$split")
r="  -     -     -"; d=""
if [ -n "$rd" ]; then
  r=$(python3 eval/extract_eval.py score "$golds" "$rds" "$split" | cut -d' ' -f2-)
  d=$(python3 eval/extract_eval.py paired "$golds" "$mains" "$rds" "$split" |
      awk '{ printf "%s [%s, %s]", $2, $3, $4 }')
fi
printf '%-16s %5s | %-17s | %5s | %5s | %-17s | %s\n' "all (pages)" \
  "${m%% *}" "${m#* }" "" "" "$r" "$d"
