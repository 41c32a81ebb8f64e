/*
 * fuzz_common.h - shared body of the reader fuzz targets: open the input
 * from memory with a given format, read every document, check invariants
 * (valid UTF-8 out, JSON serialisation succeeds, errors carry a code).
 */
#ifndef WN_FUZZ_COMMON_H
#define WN_FUZZ_COMMON_H

/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdint.h>
#include <stdlib.h>

static int fuzz_read(const uint8_t *data, size_t size, int format)
{
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.format = format;
    o.max_record = 1 << 20;
    wn_reader *r;
    wn_error err;
    if (wn_reader_open_mem(data, size, "fuzz", &o, &r, &err))
        return 0;
    wn_doc d = WN_DOC_INIT;
    wn_buf out = WN_BUF_INIT;
    int rc, guard = 0;
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF && guard++ < 100000) {
        if (rc == WN_DOC) {
            if (!wn_utf8_valid(d.text.data ? d.text.data : "", d.text.len) ||
                !wn_utf8_valid(d.meta.data ? d.meta.data : "", d.meta.len))
                abort();
            wn_buf_reset(&out);
            if (wn_doc_to_json(&d, &out))
                abort();
            if (!wn_utf8_valid(out.data, out.len))
                abort();
        } else if (rc > 0 || err.code != rc) {
            abort();
        }
    }
    wn_buf_release(&out);
    wn_doc_release(&d);
    wn_reader_close(r);
    return 0;
}

#endif
