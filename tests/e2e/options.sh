#!/bin/sh
# options.sh - every option value is checked: a value an option does not
# accept is a usage error (exit status 2) whose message names the option,
# wherever it comes from (--set, a --config file, a flag), and a --config
# that cannot be read is one too.  Also the one size grammar (1.5G, 2GiB)
# and --print-config's comments.  Prints "N passed, N failed" last.
set -u
. "$(dirname "$0")/lib.inc"
printf '{"id":"a","text":"The council met on Tuesday evening to discuss the budget."}\n' \
  > "$TMP/in.jsonl"

# expect_usage NAME WORD ARGS...: `winnow run ARGS` exits 2 and its message
# contains WORD (the option's name)
expect_usage() {
  name=$1 word=$2
  shift 2
  rm -rf "$TMP/out"
  "$WINNOW" run -q --no-progress "$@" "$TMP/in.jsonl" -o "$TMP/out" 2>"$TMP/err"
  rc=$?
  expect_eq "$name: exit status" 2 $rc
  grep -q -- "$word" "$TMP/err" && pass || fail "$name: message does not name $word: $(head -c 200 "$TMP/err")"
  [ -e "$TMP/out/data" ] && fail "$name: the run started" || pass
}

expect_usage "link_density=abc" "extract.link_density" --set extract.link_density=abc
expect_usage "nav_words=4x" "clean.nav_words" --set clean.nav_words=4x
expect_usage "run.dedup=nope" "run.dedup" --set run.dedup=nope
grep -q "not a boolean" "$TMP/err" && pass || fail "run.dedup: message does not say what it accepts"
printf '[langid]\nmin_score = nan\n' > "$TMP/nan.ini"
expect_usage "[langid] min_score = nan" "langid.min_score" --config "$TMP/nan.ini"
printf '[run]\nexamples = -1\n' > "$TMP/neg.ini"
expect_usage "[run] examples = -1" "run.examples" --config "$TMP/neg.ini"
expect_usage "langid.languages=" "langid.languages" --set langid.languages=
expect_usage "--languages ''" "langid.languages" --languages ''
mkdir "$TMP/dir.ini"
expect_usage "--config DIR" "dir.ini" --config "$TMP/dir.ini"
expect_usage "--config MISSING" "missing.ini" --config "$TMP/missing.ini"
expect_usage "dedup.memory=2X" "dedup.memory" --set dedup.memory=2X
grep -q "not a size" "$TMP/err" && pass || fail "dedup.memory: message does not say what it accepts"
expect_usage "--shard-size 1.5" "run.shard_size" --shard-size 1.5
expect_usage "-j many" "run.jobs" -j many
expect_usage "min_words=abc" "gopher_quality.min_words" --set gopher_quality.min_words=abc
# a stage the run does not use: its options are checked all the same
expect_usage "unused stage" "clean.nav_words" --stages normalize --set clean.nav_words=4x

# the other commands
"$WINNOW" filter --set gopher_quality.min_words=abc "$TMP/in.jsonl" >/dev/null 2>"$TMP/err"
expect_eq "filter min_words=abc: exit status" 2 $?
grep -q "gopher_quality.min_words" "$TMP/err" && pass || fail "filter: message does not name the option"
"$WINNOW" filter --config "$TMP/dir.ini" "$TMP/in.jsonl" >/dev/null 2>&1
expect_eq "filter --config DIR" 2 $?
"$WINNOW" dedup --set dedup.memory=2X -o "$TMP/dd" "$TMP/in.jsonl" >/dev/null 2>&1
expect_eq "dedup dedup.memory=2X" 2 $?

# one size grammar: the run, dedup and the reader take the same sizes
"$WINNOW" run -q --no-progress --languages all --set dedup.memory=1.5G \
  --shard-size 64MiB "$TMP/in.jsonl" -o "$TMP/ok" 2>"$TMP/err"
expect_eq "sizes 1.5G and 64MiB accepted" 0 $?
"$WINNOW" dedup -m 2GiB -o "$TMP/dd2" "$TMP/in.jsonl" >/dev/null 2>&1
expect_eq "dedup -m 2GiB" 0 $?

# --print-config: a comment with help and type above each key, read back
"$WINNOW" run --print-config > "$TMP/p.ini"
grep -q '^; fewest non-symbol words (int, >= 0, or off)$' "$TMP/p.ini" && pass || \
  fail "--print-config has no typed comment"
awk '/^[a-z_]+ = / && prev !~ /^; / {bad = 1} {prev = $0} END {exit bad}' "$TMP/p.ini" && pass || \
  fail "--print-config: a key without its comment"
"$WINNOW" run --config "$TMP/p.ini" --print-config | cmp -s - "$TMP/p.ini" && pass || \
  fail "--print-config does not read back"
"$WINNOW" run --set run.dedup=nope --print-config >/dev/null 2>&1
expect_eq "--print-config checks values" 2 $?
finish
