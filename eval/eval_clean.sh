#!/bin/sh
# eval_clean.sh - accuracy of `winnow clean` on real labelled lines, beside
# C4's line rules (`--preset c4`) on the same lines.
#
# Line sets: ../shared/data/lines/aeb-lines.jsonl.gz (181 real pages of the
# Scrapinghub Article Extraction Benchmark, every line labelled KEEP
# (article) or DROP (boilerplate); see its README), and every set that
# eval/make_line_sets.py derived into BUILD_DIR/data/lines/ from the shared
# extraction sets with HTML and human text (made here when python3 is
# present); of those only the pages of held-out sites ("split": "test",
# 30% of the sites) are scored: the line model was trained on the rest.  Each page is cleaned alone (site lines off: most pages have no
# siblings) through `winnow explain`, which prints the verdict of every
# line, and the verdicts are compared with the labels.  Systems: winnow
# (rules + line model, the default), rules (clean.model=0: winnow's rules
# alone, nav_run a veto), c4 (--preset c4).  Reported per set and system: share of KEEP lines kept (goal >= 98.5%), share of DROP lines
# dropped (goal >= 90%), the same by words; for winnow on the AEB set also
# the lines each rule removed and how many of them were KEEP lines (its
# mistakes), and the KEEP lines lost, so a rule's errors can be read.
# A page C4 drops whole (fewer than 3 sentences, "lorem ipsum", "{") has
# all its lines counted as dropped.  Every labelled line is accounted for:
# normalize's debris_line verdicts are printed by explain like any other;
# a line that is blank once spaces are collapsed counts as dropped by
# "normalize" (explain prints no blank line), and line-break characters
# inside a labelled line (CR, U+0085, U+2028/9) are read as spaces so that
# a labelled line stays one line.
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
here=$(cd "$(dirname "$0")" && pwd)
if command -v python3 >/dev/null 2>&1; then
  python3 "$here/make_line_sets.py" "$shared/data/extraction" \
    "$build/data/lines" >&2 || echo "eval_clean: derived line sets not made" >&2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

blank='def blank: test("^[\\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]*$");
  def oneline: gsub("[\r\u0085\u2028\u2029]"; " ");'

# prepare SET: docs.jsonl (one document per page, lines joined by '\n', as
# a cleaner sees them), labels (one per non-blank line, in order) and
# blank (the blank lines, as verdicts).
prepare() {
  gzip -dc "$1" | jq -c 'select(.split != "train")' | gzip -1 >"$tmp/set.gz"
  set -- "$tmp/set.gz"
  gzip -dc "$1" | jq -c "$blank"'{id: .id, url: .url,
    text: ([.lines[] | select(.text | blank | not) | .text | oneline]
           | join("\n"))}' >"$tmp/docs.jsonl"
  gzip -dc "$1" | jq -r "$blank"'.lines[] | select(.text | blank | not)
    | .label' >"$tmp/labels"
  gzip -dc "$1" | jq -r "$blank"'.lines[] | select(.text | blank)
    | "\(.label)\tDROP\tnormalize\t"' >"$tmp/blank"
}

# verdicts [explain options]: one verdict line per labelled non-blank line;
# the lines of a page dropped whole get its reason as their rule.
verdicts() {
  "$build/winnow" explain --no-site-lines -q "$@" "$tmp/docs.jsonl" |
    awk -F'\t' '
    function flush(   i) { for (i = 1; i <= n; i++) print buf[i]; n = 0 }
    /^# dropped: / {
      r = substr($0, 12)
      for (i = 1; i <= n; i++) {
        split(buf[i], f, "\t")
        t = f[1] == "KEEP" ? f[2] : f[3]
        buf[i] = "DROP\t" r "\t" t
      }
      flush(); next
    }
    /^# / { flush(); next }
    { buf[++n] = $0 }
    END { flush() }' >"$tmp/verdicts"
  nl=$(wc -l <"$tmp/labels"); nv=$(wc -l <"$tmp/verdicts")
  if [ "$nl" -ne "$nv" ]; then
    echo "FAIL eval_clean: $nv verdicts for $nl labelled lines" >&2
    return 1
  fi
}

# score NAME SYSTEM DETAIL: one table row; with DETAIL=1 the per-rule
# table and the KEEP lines lost too.
score() {
  { paste "$tmp/labels" "$tmp/verdicts"; cat "$tmp/blank"; } |
  awk -F'\t' -v set="$1" -v sys="$2" -v detail="$3" '
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
    printf "| %-18s | %-8s | %6d | %6d | %6.2f%% | %6.2f%% | %6.2f%% | %6.2f%% |\n", set, sys, k, d,
      100*kk/k, 100*dd/d, 100*kkw/kw, 100*ddw/dw
    if (!detail) exit
    printf "\nlines removed per rule (of which KEEP-labelled):\n" >"/dev/stderr"
    n = 0
    for (r in rule) names[++n] = r
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
      if (rule[names[j]] > rule[names[i]]) { t = names[i]; names[i] = names[j]; names[j] = t }
    for (i = 1; i <= n; i++)
      printf "  %-20s %6d  (%d)  %5.1f%% of DROP lines\n", names[i], rule[names[i]], bad[names[i]], 100*(rule[names[i]]-bad[names[i]])/d >"/dev/stderr"
    printf "\nKEEP lines dropped (%d):\n", nlost >"/dev/stderr"
    for (i = 1; i <= nlost; i++) printf "  %s\n", lost[i] >"/dev/stderr"
    printf "\n" >"/dev/stderr"
  }'
}

rc=0
rows=$tmp/rows
: >"$rows"
for set in "$data" "$build"/data/lines/*.jsonl.gz; do
  [ -f "$set" ] || continue
  name=$(basename "$set" .jsonl.gz)
  prepare "$set"
  detail=0
  [ "$set" = "$data" ] && detail=1
  if verdicts "$@"; then
    score "$name" winnow "$detail" >>"$rows" 2>"$tmp/detail"
    [ "$detail" = 1 ] && cat "$tmp/detail"
  else rc=1; fi
  if verdicts --set clean.model=0 "$@"; then
    score "$name" rules 0 >>"$rows"; else rc=1; fi
  if verdicts --preset c4; then score "$name" c4 0 >>"$rows"; else rc=1; fi
done
echo "line cleaning, each page alone, site lines off (goal: KEEP lines kept >= 98.5%,"
echo "KEEP words kept >= 99.5%, DROP lines dropped >= 90%):"
echo "| set                | system   |   KEEP |   DROP | KEEP lines kept | DROP lines dropped | KEEP words kept | DROP words dropped |"
echo "|---|---|---|---|---|---|---|---|"
cat "$rows"
exit $rc
