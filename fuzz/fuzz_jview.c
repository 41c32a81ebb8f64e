/*
 * fuzz_jview.c - fuzz target for the in-place JSON views the report reads
 * stats.json and timing.json with (src/core/jview.c): arbitrary bytes are
 * parsed, and a valid value is walked whole (every member and element,
 * names and strings decoded, numbers read) and probed with pointers.
 * Built by scripts/fuzz.sh with -fsanitize=fuzzer,address,undefined.
 */
#include "../src/core/core.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(jview v, wn_buf *s, int depth)
{
    jview it, val;
    char key[JVIEW_KEY], small[8];
    (void)jview_num(v);
    (void)jview_u64(v);
    (void)jview_cstr(v, small, sizeof small);
    (void)jview_str(v, s);
    if (depth > 70 || !jview_iter(v, &it))
        return;
    while (jview_next(&it, key, sizeof key, &val)) {
        jview again;
        if (*v.p == '{' && !jview_get(v, key, &again))
            __builtin_trap(); /* a name just listed must be found */
        walk(val, s, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    jview v, x;
    if (jview_parse((const char *)data, size, &v))
        return 0;
    wn_buf s = WN_BUF_INIT;
    walk(v, &s, 0);
    static const char *const paths[] = {"/documents/read", "/stages/0/name",
                                        "/a/0/b", "/", "/0", "/~1"};
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++)
        if (jview_path(v, paths[i], &x))
            (void)jview_u64(x);
    wn_buf_release(&s);
    return 0;
}
