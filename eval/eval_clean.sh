#!/bin/sh
# eval_clean.sh - accuracy of `winnow clean` on real labelled lines.
#
# ../shared/data/lines/aeb-lines.jsonl.gz holds 181 real pages (Scrapinghub
# Article Extraction Benchmark) with every line labelled KEEP (article) or
# DROP (boilerplate); see its README.  Each page is cleaned alone (site
# lines off: the pages have no siblings) through `winnow explain`, which
# prints the verdict of every line, and the verdicts are compared with the
# labels.  Reported: share of KEEP lines kept (goal >= 99%), share of DROP
# lines dropped (goal >= 90%), the same by words, the lines each rule
# removed and how many of them were KEEP lines (its mistakes), and the KEEP
# lines lost, so a rule's errors can be read.
# Usage: eval/eval_clean.sh BUILD_DIR [extra winnow explain options]
# Needs jq (Debian package jq) to unpack the labelled JSON.
set -u
build=${1:-build}
[ $# -gt 0 ] && shift
shared=${WN_SHARED:-../shared}
data=$shared/data/lines/aeb-lines.jsonl.gz
if [ ! -f "$data" ]; then
  echo "skip eval_clean: $data not found"
  exit 0
fi
if ! command -v jq >/dev/null 2>&1; then
  echo "skip eval_clean: jq not installed (apt-get install jq)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# One document per page: its lines joined by '\n' (how a cleaner sees it);
# labels one per line, in the same order.
# Lines of nothing but invisible characters (U+200B, U+FEFF) vanish in
# normalisation; they are counted as removed by "normalize".
inv='def invisible: gsub("[\\s\u200b\ufeff\u00ad]"; "") == "";'
gzip -dc "$data" | jq -c "$inv"'{id: .id, url: .url,
  text: ([.lines[] | select(.text | invisible | not) | .text] | join("\n"))}' \
  >"$tmp/docs.jsonl"
gzip -dc "$data" | jq -r "$inv"'.lines[] | select(.text | invisible | not)
  | .label' >"$tmp/labels"
gzip -dc "$data" | jq -r "$inv"'.lines[] | select(.text | invisible)
  | "\(.label)\tDROP\tnormalize\t"' >"$tmp/invisible"
"$build/winnow" explain --no-site-lines -q "$@" "$tmp/docs.jsonl" \
  | grep -v '^# ' >"$tmp/verdicts" || { echo "explain failed"; exit 1; }
nl=$(wc -l <"$tmp/labels"); nv=$(wc -l <"$tmp/verdicts")
if [ "$nl" -ne "$nv" ]; then
  echo "FAIL eval_clean: $nv verdicts for $nl labelled lines"
  exit 1
fi
{ paste "$tmp/labels" "$tmp/verdicts"; cat "$tmp/invisible"; } | awk -F'\t' '
{
  label = $1; verdict = $2
  text = verdict == "DROP" ? $4 : $3
  w = split(text, tmp, " ")
  if (label == "KEEP") { k++; kw += w } else { d++; dw += w }
  if (verdict == "DROP") {
    rule[$3]++
    if (label == "KEEP") { bad[$3]++; lost[++nlost] = $3 "\t" substr(text, 1, 100); klw += w }
    else { dd++; ddw += w }
  } else if (label == "KEEP") { kk++; kkw += w }
}
END {
  printf "lines: %d KEEP, %d DROP (%d words KEEP, %d DROP)\n", k, d, kw, dw
  printf "KEEP lines kept:    %6.2f%%  (%d of %d; goal >= 99%%)\n", 100*kk/k, kk, k
  printf "DROP lines dropped: %6.2f%%  (%d of %d; goal >= 90%%)\n", 100*dd/d, dd, d
  printf "KEEP words kept:    %6.2f%%\n", 100*kkw/kw
  printf "DROP words dropped: %6.2f%%\n", 100*ddw/dw
  printf "\nlines removed per rule (of which KEEP-labelled):\n"
  n = 0
  for (r in rule) names[++n] = r
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
    if (rule[names[j]] > rule[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
  for (i = 1; i <= n; i++)
    printf "  %-20s %6d  (%d)  %5.1f%% of DROP lines\n", names[i], rule[names[i]], bad[names[i]], 100*(rule[names[i]]-bad[names[i]])/d
  printf "\nKEEP lines dropped (%d):\n", nlost
  for (i = 1; i <= nlost; i++) printf "  %s\n", lost[i]
}'
