/*
 * fuzz_dedup.c - libFuzzer target: the text parsers of src/dedup on
 * arbitrary bytes - shingling (word splitting over any UTF-8, valid or
 * not), date keys, signatures and the streaming checker.  Invariants:
 * shingling is deterministic, a text and its copy are exact duplicates of
 * each other in the streaming mode, dates parse or give INT64_MAX.  The
 * ICU word segmentation of unspaced scripts (src/filter/wordseg.c), as
 * shingling and the filters' tokeniser use it: deterministic, and its
 * words lie in order inside the text.
 */
#include "../src/dedup/dedup.h"
#include "../src/filter/tokens.h"

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
    static const char *const langs[] = {"zh", "th"};
    for (int k = 0; k < 2; k++) {
        uint64_t *x = NULL, *y = NULL;
        size_t cx = 0, cy = 0;
        long nx = dd_shingles_lang(t, size, langs[k], 5, &x, &cx);
        long ny = dd_shingles_lang(t, size, langs[k], 5, &y, &cy);
        if (nx != ny || (nx > 0 && memcmp(x, y, (size_t)nx * 8)))
            abort();
        free(x);
        free(y);
    }
    ftok_doc td;
    if (!ftok_build_lang(&td, t, size, "ja")) {
        size_t end = 0;
        for (size_t i = 0; i < td.nwords; i++) {
            if (td.words[i].off < end || !td.words[i].len ||
                td.words[i].off + td.words[i].len > size)
                abort();
            end = td.words[i].off + td.words[i].len;
        }
        ftok_release(&td);
    }
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
