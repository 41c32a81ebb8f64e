#!/bin/sh
# eval_extract.sh - accuracy of `winnow extract` against human gold text.
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
# Reported per set: pages, then token-level precision, recall and F1 of
# the lowercased word tokens against the gold (extract_eval.py score).
# Usage: eval/eval_extract.sh BUILD_DIR [extra winnow extract options]
# Needs python3 and xz (tar -J).
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
shared=${WN_SHARED:-../shared}
data=$shared/data/extraction
winnow=$build/winnow
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
[ -f "$work/sets/.done" ] || {
  python3 eval/extract_eval.py prepare "$data" "$work/unpacked" \
    "$work/sets" >/dev/null && touch "$work/sets/.done"
} || exit 1
printf '%-16s %5s | %-17s | %-17s | %-17s\n' set pages \
  "main    P    R   F1" "gumbo   P    R   F1" "all     P    R   F1"
: >"$work/table"
for g in "$work"/sets/*.gold.jsonl; do
  set=$(basename "$g" .gold.jsonl)
  in=$work/sets/$set.jsonl
  line=""
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
    r=$(python3 eval/extract_eval.py score "$g" "$work/$set.$how.jsonl")
    pages=${r%% *}
    line="$line $(echo "$r" | cut -d' ' -f2-)"
  done
  echo "$set $pages $line" >>"$work/table"
done
awk '{ printf "%-16s %5d | %5.3f %5.3f %5.3f | %5.3f %5.3f %5.3f | %5.3f %5.3f %5.3f\n",
       $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11
       n += $2; for (i = 3; i <= 11; i++) s[i] += $2 * $i }
     END { printf "%-16s %5d |", "all (by pages)", n
           for (i = 3; i <= 11; i++) printf " %5.3f%s", s[i] / n, (i % 3 == 2 && i < 11) ? " |" : ""
           printf "\n" }' "$work/table"
