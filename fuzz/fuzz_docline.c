/*
 * fuzz_docline.c - fuzz target for reading a document's line without
 * decoding it (src/pipeline/docline.c, json_measure_string): arbitrary
 * bytes are scanned, and for a line that is accepted the measured text
 * must be what json_decode_string gives, with nothing repaired.
 * Built by scripts/fuzz.sh with -fsanitize=fuzzer,address,undefined.
 */
#include "../src/pipeline/docline.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    docline d;
    if (docline_scan((const char *)data, size, &d))
        return 0;
    wn_buf s = WN_BUF_INIT;
    const char *p = d.text.p;
    size_t repaired = 0, chars = 0;
    if (json_decode_string(&p, d.text.end, &s, &repaired) || repaired ||
        p != d.text.end || s.len != d.text_bytes)
        __builtin_trap();
    for (size_t i = 0; i < s.len; i++)
        chars += ((unsigned char)s.data[i] & 0xC0) != 0x80;
    if (chars != d.text_chars)
        __builtin_trap();
    jview vs[] = {d.id, d.url, d.lang, d.dupc, d.reason};
    for (size_t i = 0; i < sizeof vs / sizeof *vs; i++)
        if (vs[i].p && (vs[i].p < (const char *)data ||
                        vs[i].end > (const char *)data + size))
            __builtin_trap();
    (void)jview_str(d.id, &s);
    wn_buf_release(&s);
    return 0;
}
