/*
 * text.c - plain text input: one file is one document, id = its path.
 *
 * A file that is mostly not text (NUL bytes or a high share of invalid
 * UTF-8 in its first 64 KiB) is rejected as binary rather than turned into
 * a document full of U+FFFD.
 */
#include "io.h"

#define SNIFF (64u << 10)

static int looks_binary(const char *p, size_t n)
{
    size_t nul = 0, bad = 0;
    if (n > SNIFF)
        n = SNIFF;
    for (size_t i = 0; i < n; i++)
        nul += p[i] == 0;
    if (nul * 100 > n) /* > 1% NUL bytes */
        return 1;
    wn_buf tmp = WN_BUF_INIT;
    long rep = wn_utf8_repair(p, n, &tmp, NULL);
    wn_buf_release(&tmp);
    bad = rep > 0 ? (size_t)rep : 0;
    return bad * 10 > n / 4 + 1; /* > 10% of (roughly) characters */
}

int text_next(rctx *r, wn_doc *doc, wn_error *err)
{
    if (r->text_done)
        return WN_EOF;
    r->text_done = 1;
    wn_buf *raw = &r->scratch;
    wn_buf_reset(raw);
    size_t max = r->opts.max_record;
    size_t got = bufin_read(&r->in, raw, max);
    if (got == max && bufin_fill(&r->in, 1)) {
        bufin_read(&r->in, NULL, SIZE_MAX);
        return wn_err(err, WN_ELIMIT, r->path, 0,
                      "file is larger than the record limit (%zu bytes)",
                      max);
    }
    if (r->in.err_code)
        return WN_ETRUNC; /* the stream error is reported in its place */
    if (!raw->len)
        return WN_EOF; /* an empty file holds no document */
    if (looks_binary(raw->data ? raw->data : "", raw->len)) {
        r->bad_counter = &r->st.bad_files;
        return wn_err(err, WN_EFORMAT, r->path, 0,
                      "binary data, not text: file skipped");
    }
    int rc;
    if ((rc = reader_set_text(r, doc, raw->data ? raw->data : "", raw->len)) ||
        (rc = wn_buf_puts(&doc->id, r->path)) ||
        (rc = reader_set_source(r, doc, 0)))
        return wn_err(err, rc, r->path, 0, "%s", wn_strerror(rc));
    r->st.text_files++;
    return WN_DOC;
}
