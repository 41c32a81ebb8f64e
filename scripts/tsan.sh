#!/bin/sh
# ThreadSanitizer over the threaded pipeline: builds winnow with
# -fsanitize=thread and runs `winnow run -j 4` on the sample corpus and on
# real text when present; any data race fails.  Last line: N passed, N failed.
set -u
cd "$(dirname "$0")/.."
S=${SHARED:-../shared}
B=build/tsan
make --no-print-directory -s BUILD=$B OPT="-O1 -g -fsanitize=thread" \
  EXTRA_LDFLAGS="-fsanitize=thread" $B/winnow >"$B.log" 2>&1 || {
  echo "FAIL tsan: build failed"; tail -5 "$B.log"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d /tmp/wn-tsan-XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/in"
cp sample/crawl.warc.wet sample/feed.jsonl "$T/in/"
R=$S/data/text/reuters-21578/reuters-21578.jsonl.gz
[ -f "$R" ] && zcat "$R" | head -2000 > "$T/in/reuters.jsonl"
# Chinese, Japanese and Thai: ICU's word break iterators, one per thread
U=$S/data/langid/udhr/udhr-532.jsonl.gz
[ -f "$U" ] && zcat "$U" | grep -E '"code": "(cmn_hans|jpn|tha|cmn_hant|jpn_tokyo)"' \
  > "$T/in/udhr.jsonl"
pass=0 fail=0
TSAN_OPTIONS="halt_on_error=0 exitcode=66" $B/winnow run -q --no-progress -j 4 \
  --languages all "$T/in" -o "$T/out" 2>"$T/err"
rc=$?
if grep -q 'ThreadSanitizer' "$T/err" || [ $rc -eq 66 ]; then
  echo "FAIL tsan: $(grep -m1 'ThreadSanitizer' "$T/err")"
  grep -A12 'ThreadSanitizer' "$T/err" | grep -E '^ +#[0-9]' | head -12 | sed 's/^/FAIL tsan:   /'
  fail=1
elif [ $rc -ne 0 ]; then
  echo "FAIL tsan: winnow run exited $rc"; tail -5 "$T/err"; fail=1
else
  pass=1
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
