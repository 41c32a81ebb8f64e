/*
 * text.c - plain text input: one file is one document, id = its path; the
 * same for raw HTML files (format "html": one file is one page).
 *
 * A file that is mostly not text (NUL bytes or a high share of invalid
 * UTF-8 in its first 64 KiB) is rejected as binary rather than turned into
 * a document full of U+FFFD.
 */
#include "io.h"

#define SNIFF (64u << 10)

/* Returns 1 for binary data, 0 for text, or WN_ENOMEM. */
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
    if (rep < 0)
        return (int)rep;
    bad = (size_t)rep;
    return bad * 10 > n / 4 + 1; /* > 10% of (roughly) characters */
}

/* One file, one document: kind says whether it is text or an HTML page. */
static int whole_file(rctx *r, wn_doc *doc, int kind, wn_error *err)
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
    int rc = looks_binary(raw->data ? raw->data : "", raw->len);
    if (rc == 1) {
        r->bad_counter = &r->st.bad_files;
        return wn_err(err, WN_EFORMAT, r->path, 0,
                      "binary data, not text: file skipped");
    }
    if (rc ||
        (rc = reader_set_text(r, doc, raw->data ? raw->data : "", raw->len)) ||
        (rc = wn_buf_puts(&doc->id, r->path)) ||
        (rc = reader_set_source(r, doc, 0))) {
        wn_doc_reset(doc); /* never half a document */
        return wn_err(err, rc, r->path, 0, "cannot hold the file: %s",
                      wn_strerror(rc));
    }
    doc->kind = kind;
    r->st.text_files++;
    return WN_DOC;
}

int text_next(rctx *r, wn_doc *doc, wn_error *err)
{
    return whole_file(r, doc, WN_DOC_TEXT, err);
}

int html_next(rctx *r, wn_doc *doc, wn_error *err)
{
    return whole_file(r, doc, WN_DOC_HTML, err);
}
