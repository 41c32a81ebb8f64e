#!/bin/sh
# `make check`: the whole test suite, cheapest checks first:
#   1. warning-free build (-Werror) and all tests;
#   2. the same tests under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the MPI runner, the GUMBO=1 build, the threaded pipeline under
#      ThreadSanitizer;
#   4. fuzz corpus replay and a short bounded run per target (needs clang);
#   5. symbol and layering checks;
#   6. error paths by fault injection (scripts/fault-sweep.sh, bounded by
#      FAULT_BUDGET seconds, default 150).
# The last line is the total: "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
total_p=0 total_f=0
log=$(mktemp)
phase() { # name, command...
  name=$1; shift
  echo "== $name"
  "$@" >"$log" 2>&1
  rc=$?
  grep -vE '^[0-9]+ passed, [0-9]+ failed$' "$log" | grep -E '^(FAIL|skip|==|ERROR|error|SUMMARY|.*runtime error)' | head -50
  last=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1)
  if [ -n "$last" ]; then
    p=${last%% *}; f=${last#*, }; f=${f%% *}
  else
    p=0; f=1; tail -30 "$log"
  fi
  [ $rc -ne 0 ] && [ "$f" -eq 0 ] && { f=1; tail -30 "$log"; }
  echo "   $name: $p passed, $f failed"
  total_p=$((total_p + p)); total_f=$((total_f + f))
}
build_werror() { # gcc, and clang where installed
  make --no-print-directory BUILD=build/werror EXTRA_CFLAGS=-Werror all >/dev/null || { echo "FAIL gcc -Werror build"; echo "0 passed, 1 failed"; return 1; }
  if command -v clang >/dev/null 2>&1; then
    make --no-print-directory BUILD=build/werror-clang CC=clang CXX=clang++ EXTRA_CFLAGS=-Werror all >/dev/null || { echo "FAIL clang -Werror build"; echo "1 passed, 1 failed"; return 1; }
    echo "2 passed, 0 failed"
  else
    echo "skip clang build: clang not installed"; echo "1 passed, 0 failed"
  fi
}
phase "build with -Werror" build_werror
phase "tests" scripts/run-tests.sh build
phase "tests under ASan+UBSan" make --no-print-directory test-asan
mpi() { # the MPI runner, where OpenMPI is installed
  if ! pkg-config --exists ompi-c 2>/dev/null || ! command -v mpirun >/dev/null; then
    echo "skip mpi: OpenMPI (libopenmpi-dev, openmpi-bin) not installed"; echo "0 passed, 0 failed"; return 0
  fi
  make --no-print-directory -s MPI=1 all >/dev/null || { echo "FAIL mpi: build"; echo "0 passed, 1 failed"; return 1; }
  WINNOW=$top/build/winnow WN_SHARED=${SHARED:-$top/../shared} sh tests/e2e/mpi.sh
}
phase "MPI runner" mpi
gumbo() { # the GUMBO=1 build: the reference parser, bounded
  if ! pkg-config --exists gumbo 2>/dev/null; then
    echo "skip gumbo: libgumbo-dev not installed"; echo "0 passed, 0 failed"; return 0
  fi
  make --no-print-directory BUILD=build/gumbo GUMBO=1 EXTRA_CFLAGS=-Werror all >/dev/null || { echo "FAIL gumbo build"; echo "0 passed, 1 failed"; return 1; }
  build/gumbo/test_unit extract
}
phase "GUMBO=1 build" gumbo
phase "threaded pipeline under TSan" scripts/tsan.sh
phase "fuzz replay and smoke" scripts/fuzz.sh smoke
phase "lint" scripts/lint.sh build
fault() { # failed allocations, EIO, ENOSPC, ... injected (make fault)
  make --no-print-directory fault >/dev/null 2>&1 || { echo "FAIL make fault"; echo "0 passed, 1 failed"; return 1; }
  FAULT_BUDGET=${FAULT_BUDGET:-150} FAULT_SHOW=${FAULT_SHOW:-0} \
    scripts/fault-sweep.sh build/fault/winnow build/winnow
}
phase "fault injection" fault
rm -f "$log"
echo "$total_p passed, $total_f failed"
[ $total_f -eq 0 ]
