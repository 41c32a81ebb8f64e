#!/bin/sh
# The Python package (python/, docs/python.md): `make python` builds the
# extension for Debian's python3 against this build's libwinnow.a, then
# the suite in python/tests runs (pytest where python3-pytest is
# installed, else unittest) and compares every call with the CLI; last,
# `pip install --no-build-isolation` into a scratch directory must work
# offline.  Skips with a message when python3-dev is absent.
# WN_PYTHON picks another interpreter (it must have its Python.h);
# WN_PY_RUNNER=unittest runs the suite with unittest even where pytest is.
set -u
. "$(dirname "$0")/lib.inc"

PY=${WN_PYTHON:-/usr/bin/python3}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${WN_BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
rel=${build#"$top"/}

has_dev() {
  [ -x "$PY" ] && "$PY" -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null
}

if ! has_dev; then
  skip "python: no Python.h for $PY (apt-get install python3-dev)"
  finish; exit
fi

# A sanitizer build's library needs its runtime loaded first: preload it.
san=""
if nm "$build/libwinnow.a" 2>/dev/null | grep -q __asan_report; then
  san=$(${CC:-cc} -print-file-name=libasan.so)
  ubsan=$(${CC:-cc} -print-file-name=libubsan.so)
  [ -f "$ubsan" ] && san="$san $ubsan"
  san_opt="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
fi

log=$TMP/make.log
if [ -n "$san" ]; then
  make -C "$top" --no-print-directory BUILD="$rel" PYTHON="$PY" \
    OPT="$san_opt" EXTRA_LDFLAGS="-fsanitize=address,undefined" python >"$log" 2>&1
else
  make -C "$top" --no-print-directory BUILD="$rel" PYTHON="$PY" python >"$log" 2>&1
fi
if [ $? -ne 0 ]; then
  fail "make python failed"; tail -20 "$log"
  finish; exit
fi
pass
if grep -q 'warning:' "$log"; then fail "make python: warnings"; grep 'warning:' "$log"; else pass; fi

run_py() { # the interpreter with the build on its path (and the sanitizer)
  if [ -n "$san" ]; then
    # Python's own allocations are not winnow's: leaks are not checked
    LD_PRELOAD="$san" ASAN_OPTIONS=detect_leaks=0 \
      PYTHONPATH="$build/python" PYTHONDONTWRITEBYTECODE=1 "$PY" "$@"
  else
    PYTHONPATH="$build/python" PYTHONDONTWRITEBYTECODE=1 "$PY" "$@"
  fi
}

export WINNOW WN_SHARED WN_FIXTURES
# fewer documents in the leak loop under the sanitizers (10x slower)
# and no RSS bounds (ASan's quarantine holds freed memory)
[ -n "$san" ] && export WN_PY_LEAK_DOCS=${WN_PY_LEAK_DOCS:-20000} WN_PY_SANITIZED=1
out=$TMP/py.log
if [ "${WN_PY_RUNNER:-}" != unittest ] && run_py -c 'import pytest' 2>/dev/null; then
  (cd "$top" && run_py -m pytest -q -rs -p no:cacheprovider python/tests) >"$out" 2>&1
  rc=$?
  summary=$(grep -E '^(=+ )?[0-9]+ (passed|failed|skipped|error)' "$out" | tail -1)
  n() { echo "$summary" | grep -oE "[0-9]+ $1" | head -1 | cut -d' ' -f1; }
  p=$(n passed); f=$(n failed); e=$(n error); s=$(n skipped)
  p=${p:-0}; f=$((${f:-0} + ${e:-0})); s=${s:-0}
  grep -E '^SKIPPED' "$out" | sed 's/^/skip python: /'
else
  echo "skip python: pytest not used (python3-pytest absent, or WN_PY_RUNNER=unittest): unittest runs the suite"
  (cd "$top" && run_py -m unittest python.tests.test_winnow) >"$out" 2>&1
  rc=$?
  total=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$out" | tail -1)
  f=$(grep -oE '(failures|errors)=[0-9]+' "$out" | cut -d= -f2 | paste -sd+ - | bc 2>/dev/null)
  s=$(grep -oE 'skipped=[0-9]+' "$out" | cut -d= -f2)
  f=${f:-0}; s=${s:-0}; p=$((${total:-0} - f - s))
  grep -E "skipped '" "$out" | sed 's/^/skip python: /'
fi
if [ "$p" -eq 0 ] || [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=$((f + 1)); fi
PASSED=$((PASSED + p))
if [ "$f" -gt 0 ]; then
  FAILED=$((FAILED + f))
  echo "FAIL python.sh: python/tests: $f failed (rc $rc)"; tail -40 "$out"
fi

# pip, offline, with Debian's setuptools (README "From Python")
if [ -n "$san" ]; then
  skip "python: pip install not tried on a sanitizer build"
elif ! "$PY" -m pip --version >/dev/null 2>&1; then
  skip "python: pip not installed for $PY (python3-pip)"
else
  WINNOW_BUILD=$build "$PY" -m pip install -q --no-build-isolation --no-index \
    --disable-pip-version-check --root-user-action=ignore \
    --target "$TMP/site" "$top/python" >"$TMP/pip.log" 2>&1
  if [ $? -ne 0 ]; then
    fail "pip install --no-build-isolation ./python"; tail -20 "$TMP/pip.log"
  else
    got=$(cd "$TMP" && PYTHONPATH="$TMP/site" "$PY" -c '
import sys, winnow
print(sum(1 for _ in winnow.read(sys.argv[1])), winnow.__file__.startswith(sys.argv[2]))' \
      "$top/sample/feed.jsonl" "$TMP/site")
    expect_eq "pip-installed module reads" "2 True" "$got"
  fi
fi
finish
