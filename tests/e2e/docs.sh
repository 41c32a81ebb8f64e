#!/bin/sh
# The docs stay true: the option reference in docs/CONFIG.md is exactly
# what `winnow run --print-config` prints, config/english-web.ini is
# accepted, and each command named in README.md has a --help with examples.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
awk '/^<!-- reference: generated/ {on=1; next} on && /^```ini$/ {go=1; next} go && /^```$/ {exit} go {print}' \
  "$top/docs/CONFIG.md" > "$TMP/doc.ini"
"$WINNOW" run --print-config > "$TMP/now.ini"
cmp -s "$TMP/doc.ini" "$TMP/now.ini" && pass || \
  fail "docs/CONFIG.md reference is stale (run scripts/gen-config-doc.sh): $(diff "$TMP/doc.ini" "$TMP/now.ini" | head -4)"
"$WINNOW" run --config "$TMP/now.ini" --print-config > "$TMP/again.ini"
cmp -s "$TMP/now.ini" "$TMP/again.ini" && pass || fail "--print-config output does not read back"
"$WINNOW" run --config "$top/config/english-web.ini" --print-config >/dev/null
expect_eq "config/english-web.ini is accepted" 0 $?
for c in $("$WINNOW" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1}'); do
  "$WINNOW" "$c" --help | grep -q '^examples:' && pass || fail "winnow $c --help has no examples"
done
finish
