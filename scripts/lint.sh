#!/bin/sh
# Structure checks (after zstd/libdeflate habits):
#  - libwinnow.so exports only wn_* symbols and does not link gumbo;
#  - src/core includes nothing from the stage folders;
#  - the CLI (src/cli) uses only the public header;
#  - no .c/.h file passes 900 lines;
#  - every fuzz target has a seed directory.
# Last line: "N passed, N failed".
set -u
build=${1:-build}
cd "$(dirname "$0")/.."
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL lint: $*"; }
if [ -f "$build/libwinnow.so" ]; then
  leaked=$(nm -D --defined-only "$build/libwinnow.so" | awk '$2 ~ /[TDBR]/ {print $3}' | grep -v '^wn_' | grep -v '^_' | head -5)
  [ -z "$leaked" ] && ok || bad "non-wn_ symbols exported: $leaked"
  # gumbo has no bounds of its own: linked only by make GUMBO=1
  readelf -d "$build/libwinnow.so" | grep -q 'NEEDED.*gumbo' &&
    bad "libwinnow.so links gumbo in the default build" || ok
  n=$(nm -D --defined-only "$build/libwinnow.so" | grep -c ' T wn_')
  [ "$n" -gt 20 ] && ok || bad "too few wn_ symbols exported ($n)"
else
  bad "$build/libwinnow.so missing"
fi
core_up=$(grep -l '#include "\.\./\(io\|clean\|filter\|dedup\|pipeline\|extract\|cli\)/' src/core/*.c src/core/*.h 2>/dev/null)
[ -z "$core_up" ] && ok || bad "src/core includes stage code: $core_up"
cli_in=$(grep -h '#include "' src/cli/*.c src/cli/*.h | grep -v -e '"cli.h"' -e '"winnow.h"' | head -3)
[ -z "$cli_in" ] && ok || bad "src/cli includes internal headers: $cli_in"
big=$(find src include tests fuzz bench python -name '*.[ch]' -exec wc -l {} + | awk '$2 != "total" && $1 > 900 {print $2}')
[ -z "$big" ] && ok || bad "files past 900 lines: $big"
for t in fuzz/fuzz_*.c; do
  n=$(basename "$t" .c); n=${n#fuzz_}
  [ -d "fuzz/seeds/$n" ] && ok || bad "fuzz target $n has no fuzz/seeds/$n"
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
