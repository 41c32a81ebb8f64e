#!/bin/sh
# `make install PREFIX=...` installs binary, libraries, header, pkg-config
# file and man page; a program built with `pkg-config winnow` links and runs.
set -u
. "$(dirname "$0")/lib.inc"
top=$(cd "$(dirname "$0")/../.." && pwd)
case "$WN_BUILD" in
  *asan*) skip "install: not repeated for the sanitizer build"; finish; exit $? ;;
esac
P=$TMP/inst
make -s -C "$top" BUILD="${WN_BUILD#$top/}" install PREFIX="$P" >"$TMP/log" 2>&1
expect_eq "make install" 0 $?
for f in bin/winnow lib/libwinnow.a lib/libwinnow.so include/winnow.h \
         lib/pkgconfig/winnow.pc share/man/man1/winnow.1; do
  [ -e "$P/$f" ] && pass || fail "installed $f missing"
done
cat > "$TMP/use.c" <<'C'
#include <winnow.h>
#include <stdio.h>
int main(void)
{
    const char in[] = "{\"text\":\"hi\"}\n";
    wn_reader *r; wn_error e; wn_doc d = WN_DOC_INIT;
    if (wn_reader_open_mem(in, sizeof in - 1, "m", NULL, &r, &e)) return 1;
    int n = 0;
    while (wn_reader_next(r, &d, &e) == WN_DOC) n++;
    wn_reader_close(r); wn_doc_release(&d);
    printf("%s %d\n", wn_version(), n);
    return 0;
}
C
export PKG_CONFIG_PATH=$P/lib/pkgconfig
cc -o "$TMP/use" "$TMP/use.c" $(pkg-config --cflags winnow) $(pkg-config --static --libs winnow) >"$TMP/log" 2>&1
expect_eq "program builds with pkg-config winnow" 0 $?
expect_eq "program runs against libwinnow" "0.1.0 1" "$(LD_LIBRARY_PATH=$P/lib "$TMP/use" 2>&1)"
MANPATH=$P/share/man man -P cat winnow 2>/dev/null | grep -q 'turn raw web crawls' && pass || \
  { command -v man >/dev/null && fail "man winnow" || skip "man not installed"; }
"$P/bin/winnow" --version | grep -q 0.1.0 && pass || fail "installed binary"
finish
