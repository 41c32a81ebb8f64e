#!/bin/sh
# Fuzzing: every fuzz/fuzz_*.c is a libFuzzer target.
#   scripts/fuzz.sh smoke   replay seeds + past crashes (fuzz/crashes/NAME/)
#                           and, where clang has libFuzzer, fuzz each target
#                           for FUZZ_SMOKE_SECONDS (default 10)
#   scripts/fuzz.sh run [SECONDS]   fuzz each target longer (default 60 s);
#                           crashes are saved under fuzz/crashes/NAME/
# Without clang, inputs are replayed through fuzz/replay_main.c built with
# the normal compiler and sanitizers.  Last line: "N passed, N failed".
set -u
mode=${1:-smoke}
secs=${2:-}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
B=build/fuzz
mkdir -p "$B"
CFL="-std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -g -O1 -Iinclude"
# the library, built once per mode with the matching instrumentation
LIBLINK=$(make --no-print-directory -s print-ldlibs 2>/dev/null)
pass=0 fail=0
have_fuzzer=0
if command -v clang >/dev/null 2>&1 && echo 'int LLVMFuzzerTestOneInput(const char*d,unsigned long n){return 0;}' \
   | clang -x c -fsanitize=fuzzer - -o "$B/probe" >/dev/null 2>&1; then
  have_fuzzer=1
fi
if [ $have_fuzzer = 1 ]; then
  LIBDIR=build/fuzz/lib
  make --no-print-directory -s BUILD=$LIBDIR CC=clang CXX=clang++ \
    OPT="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
    $LIBDIR/libwinnow.a >"$B/lib.log" 2>&1 || { echo "FAIL fuzz: library build failed"; tail -5 "$B/lib.log"; echo "0 passed, 1 failed"; exit 1; }
else
  LIBDIR=build/fuzz/replay-lib
  make --no-print-directory -s BUILD=$LIBDIR \
    OPT="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all" \
    $LIBDIR/libwinnow.a >"$B/lib.log" 2>&1 || { echo "FAIL fuzz: library build failed"; tail -5 "$B/lib.log"; echo "0 passed, 1 failed"; exit 1; }
fi
for t in fuzz/fuzz_*.c; do
  name=$(basename "$t" .c); name=${name#fuzz_}
  seeds="fuzz/seeds/$name"; crashes="fuzz/crashes/$name"
  mkdir -p "$seeds"
  extra=""
  [ -d "$crashes" ] && extra="$crashes"
  if [ $have_fuzzer = 1 ]; then
    bin="$B/fuzz_$name"
    if ! clang $CFL -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
         -o "$bin" "$t" $LIBDIR/libwinnow.a $LIBLINK 2>"$B/$name.log"; then
      echo "FAIL fuzz $name: build failed"; tail -5 "$B/$name.log"; fail=$((fail + 1)); continue
    fi
    # replay seeds and past crashes
    if "$bin" -runs=0 -artifact_prefix="$B/" "$seeds" $extra >"$B/$name.replay" 2>&1; then pass=$((pass + 1)); else
      echo "FAIL fuzz $name: replay crashed"; tail -20 "$B/$name.replay"; fail=$((fail + 1)); continue; fi
    if [ "$mode" = smoke ]; then s=${FUZZ_SMOKE_SECONDS:-10}; else s=${secs:-60}; fi
    work="fuzz/corpus-work/$name"; mkdir -p "$work" "$crashes"
    if "$bin" -max_total_time="$s" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
         -artifact_prefix="$crashes/" "$work" "$seeds" >"$B/$name.run" 2>&1; then
      pass=$((pass + 1))
    else
      echo "FAIL fuzz $name: crash found (saved under $crashes/)"; tail -20 "$B/$name.run"; fail=$((fail + 1))
    fi
  else
    bin="$B/replay_$name"
    if ! ${CC:-cc} $CFL -fsanitize=address,undefined -o "$bin" "$t" fuzz/replay_main.c $LIBDIR/libwinnow.a $LIBLINK 2>"$B/$name.log"; then
      echo "FAIL fuzz $name: replay build failed"; tail -5 "$B/$name.log"; fail=$((fail + 1)); continue
    fi
    if "$bin" "$seeds" $extra >/dev/null 2>"$B/$name.replay"; then pass=$((pass + 1)); else
      echo "FAIL fuzz $name: replay crashed"; tail -20 "$B/$name.replay"; fail=$((fail + 1)); fi
  fi
done
[ $have_fuzzer = 0 ] && echo "skip fuzz: clang with libFuzzer not found; replayed seeds and crashes only"
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
