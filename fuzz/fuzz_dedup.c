/*
 * fuzz_dedup.c - libFuzzer target: the text parsers of src/dedup on
 * arbitrary bytes - shingling (word splitting over any UTF-8, valid or
 * not), date keys, signatures and the streaming checker.  Invariants:
 * shingling is deterministic, a text and its copy are exact duplicates of
 * each other in the streaming mode, dates parse or give INT64_MAX.
 */
#include "../src/dedup/dedup.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    uint64_t *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    long na = dd_shingles(t, size, 5, &a, &ca);
    long nb = dd_shingles(t, size, 5, &b, &cb);
    if (na != nb || na < 0 || (na > 0 && memcmp(a, b, (size_t)na * 8)))
        abort();
    dd_opts o;
    if (dd_opts_parse(NULL, &o, NULL))
        abort();
    dd_hasher h;
    uint32_t sig[DD_MAXK];
    uint64_t keys[DD_MAXK];
    dd_hasher_init(&h, &o);
    if (na > 0) {
        dd_signature(&h, a, (size_t)na, sig);
        dd_band_keys(&h, sig, keys);
    }
    (void)dd_date_key(t, size < 64 ? size : 64);
    /* the streaming checker: the second copy must be an exact duplicate */
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "dedup.memory", "64K");
    wn_dedup_stream *s;
    wn_error err;
    if (cfg && !wn_dedup_stream_new(cfg, &s, &err)) {
        wn_doc d = WN_DOC_INIT;
        wn_buf reason = WN_BUF_INIT;
        wn_buf_set(&d.id, "x", 1);
        wn_buf_set(&d.text, t, size);
        if (wn_dedup_stream_check(s, &d, &reason) != 1 ||
            wn_dedup_stream_check(s, &d, &reason) != 0 ||
            strncmp(reason.data, "exact_duplicate:of=x", 20))
            abort();
        wn_doc_release(&d);
        wn_buf_release(&reason);
        wn_dedup_stream_free(s);
    }
    wn_config_free(cfg);
    free(a);
    free(b);
    return 0;
}
