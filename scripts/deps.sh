#!/bin/sh
# Makes sure the Debian packages winnow builds and tests with are present.
# As root it installs what is missing; otherwise it prints the one apt-get
# line to run and fails.
set -u
# pkg-config module -> Debian package
MODS="zlib:zlib1g-dev libzstd:libzstd-dev libxxhash:libxxhash-dev
libutf8proc:libutf8proc-dev libpcre2-8:libpcre2-dev inih:libinih-dev
libdeflate:libdeflate-dev libisal:libisal-dev ompi-c:libopenmpi-dev gumbo:libgumbo-dev
libpsl:libpsl-dev icu-uc:libicu-dev libdivsufsort:libdivsufsort-dev"
# commands -> Debian package (tests and benchmarks use them)
CMDS="pkg-config:pkg-config zstd:zstd gzip:gzip python3:python3 g++:g++
chromium:chromium mpirun:openmpi-bin jq:jq fasttext:fasttext"
missing=""
command -v pkg-config >/dev/null 2>&1 || missing="pkg-config"
for m in $MODS; do
  mod=${m%%:*}; pkg=${m#*:}
  pkg-config --exists "$mod" 2>/dev/null || missing="$missing $pkg"
done
for c in $CMDS; do
  cmd=${c%%:*}; pkg=${c#*:}
  command -v "$cmd" >/dev/null 2>&1 || missing="$missing $pkg"
done
# the Public Suffix List libpsl reads (src/core/url.c)
[ -f /usr/share/publicsuffix/public_suffix_list.dafsa ] || missing="$missing publicsuffix"
# libcld2 (language ID, src/filter/cld2_shim.cc) ships no .pc file
[ -f /usr/include/cld2/public/compact_lang_det.h ] || missing="$missing libcld2-dev"
# the Python package (make python, tests/e2e/python.sh): Debian's python3
# with its headers, pytest (the suite), and setuptools, wheel and pip for the offline
# pip install
if [ -x /usr/bin/python3 ]; then
  /usr/bin/python3 -c 'import os, sys, sysconfig
sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' \
    2>/dev/null || missing="$missing python3-dev"
  for m in pytest:python3-pytest setuptools:python3-setuptools \
           wheel:python3-wheel pip:python3-pip; do
    /usr/bin/python3 -c "import ${m%%:*}" 2>/dev/null || missing="$missing ${m#*:}"
  done
fi
missing=$(echo $missing | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ -z "${missing% }" ] && exit 0
line="apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "winnow: installing missing packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends $missing >/dev/null 2>&1 || {
    apt-get update >/dev/null 2>&1
    apt-get install -y --no-install-recommends $missing
  } || { echo "winnow: package installation failed" >&2; exit 1; }
  exit 0
fi
echo "winnow: missing packages; run as root:" >&2
echo "  $line" >&2
exit 1
