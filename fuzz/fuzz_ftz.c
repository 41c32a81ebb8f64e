/*
 * fuzz_ftz.c - libFuzzer target: the fastText model reader (src/filter/
 * ftz.c) on arbitrary bytes; a model it accepts must also predict without
 * reading outside its matrices.  Seeds: tiny models written by
 * tests/fixtures/filter/make_ftz.py.
 */
#include "../src/filter/ftz.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ftz_model *m;
    wn_error err;
    if (ftz_load_mem(data, size, "fuzz", &m, &err)) {
        if (err.code >= 0)
            abort(); /* a failure always carries its code */
        return 0;
    }
    ftz_ctx *c = ftz_ctx_new();
    static const char text[] = "hello world __label__x \xc3\xa9t\xc3\xa9 a";
    int label;
    double p;
    if (c && !ftz_predict(m, c, text, sizeof text - 1, &label, &p)) {
        if (label < 0 || label >= ftz_nlabels(m) || !(p >= 0 && p <= 1.0001))
            abort();
        (void)ftz_label(m, label);
    }
    ftz_ctx_free(c);
    ftz_free(m);
    return 0;
}
