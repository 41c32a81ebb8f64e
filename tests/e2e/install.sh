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
# the engine through the stable API only: a whole job in a few lines
cat > "$TMP/eng.c" <<'C'
#include <winnow.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    wn_config *c = wn_config_new(); wn_engine *e; wn_error err;
    wn_config_set(c, "run.stages", "normalize,clean");
    if (argc < 2 || wn_engine_new(c, &e, &err)) return 2;
    if (wn_engine_exec(e, (const char *const *)argv + 1, 1, &err)) return 3;
    uint64_t r, k, j; wn_engine_totals(e, &r, &k, &j);
    printf("%llu=%llu+%llu\n", (unsigned long long)r, (unsigned long long)k,
           (unsigned long long)j);
    wn_engine_free(e); wn_config_free(c);
    return 0;
}
C
cc -Werror=implicit-function-declaration -o "$TMP/eng" "$TMP/eng.c" \
  $(pkg-config --cflags winnow) $(pkg-config --static --libs winnow) >"$TMP/log" 2>&1
expect_eq "engine program builds with the stable API" 0 $?
printf '{"text":"The council met on Tuesday to vote on the plan."}\n' >"$TMP/in.jsonl"
expect_eq "engine program runs" "1=1+0" "$(LD_LIBRARY_PATH=$P/lib "$TMP/eng" "$TMP/in.jsonl" 2>&1)"
# the advanced tier is there only for programs that ask for it
cat > "$TMP/adv.c" <<'C'
#include <winnow.h>
int main(void) { return wn_dedup_stage_parse("sig"); }
C
cc -Werror=implicit-function-declaration -c -o "$TMP/adv.o" "$TMP/adv.c" \
  $(pkg-config --cflags winnow) >/dev/null 2>&1
expect_eq "advanced API hidden without WINNOW_EXPERIMENTAL" 1 $?
cc -DWINNOW_EXPERIMENTAL -Werror=implicit-function-declaration -c -o "$TMP/adv.o" \
  "$TMP/adv.c" $(pkg-config --cflags winnow) >/dev/null 2>&1
expect_eq "advanced API with WINNOW_EXPERIMENTAL" 0 $?
MANPATH=$P/share/man man -P cat winnow 2>/dev/null | grep -q 'turn raw web crawls' && pass || \
  { command -v man >/dev/null && fail "man winnow" || skip "man not installed"; }
"$P/bin/winnow" --version | grep -q 0.1.0 && pass || fail "installed binary"
finish
