/*
 * jsonl.c - JSONL input: one JSON object per line.
 *
 * The text field (opts.text_field, default "text") and id/url/date/source,
 * when they are strings, are decoded into the document; every other member
 * is validated and kept as raw bytes in doc->meta, in input order, so that
 * the metadata leaves winnow as it came in.  A line that is not one valid
 * JSON object is reported with its offset and skipped.
 */
#include "io.h"

static int bad_json(rctx *r, wn_error *err, uint64_t line_off,
                    const char *line, const char *at, const char *what)
{
    r->bad_counter = &r->st.bad_json;
    return wn_err(err, WN_EFORMAT, r->path, line_off + (uint64_t)(at - line),
                  "invalid JSON line: %s", what);
}

/* Appends raw member bytes to meta, repairing invalid UTF-8 so that it is
 * never passed through. */
static int keep_member(rctx *r, wn_doc *doc, const char *m, size_t n)
{
    int rc;
    if (doc->meta.len && (rc = wn_buf_putc(&doc->meta, ',')))
        return rc;
    if (WN_LIKELY(wn_utf8_valid(m, n)))
        return wn_buf_append(&doc->meta, m, n);
    size_t nuls = 0;
    long rep = wn_utf8_repair(m, n, &doc->meta, &nuls);
    if (rep < 0)
        return (int)rep;
    r->st.invalid_utf8++;
    r->st.utf8_replaced += (uint64_t)rep - nuls;
    r->st.nul_bytes += nuls;
    reader_warn(r, "invalid UTF-8 in metadata repaired");
    return 0;
}

/* The keys that may appear once: the text field, id, url, date. */
static unsigned key_bit(const wn_buf *key, const char *tf, size_t tfl)
{
    if (key->len == tfl && !memcmp(key->data, tf, tfl))
        return 1;
    if (key->len == 2 && !memcmp(key->data, "id", 2))
        return 2;
    if (key->len == 3 && !memcmp(key->data, "url", 3))
        return 4;
    if (key->len == 4 && !memcmp(key->data, "date", 4))
        return 8;
    return 0;
}

static int parse_line(rctx *r, wn_doc *doc, const char *line, size_t len,
                      uint64_t off, wn_error *err)
{
    const char *p = line, *end = line + len;
    wn_buf *key = &r->scratch;
    size_t repaired = 0;
    int have_text = 0, rc;
    unsigned seen = 0; /* key_bit of the keys met */
    const char *tf = r->opts.text_field;
    size_t tfl = strlen(tf);

    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3; /* BOM on the first line */
    p = json_skip_ws(p, end);
    if (p >= end || *p != '{')
        return bad_json(r, err, off, line, p, "not an object");
    p = json_skip_ws(p + 1, end);
    if (p < end && *p == '}')
        p++;
    else
        for (;;) {
            const char *m = p;
            if (p >= end || *p != '"')
                return bad_json(r, err, off, line, p, "expected a key");
            wn_buf_reset(key);
            if ((rc = json_decode_string(&p, end, key, NULL)))
                return rc == WN_EFORMAT
                           ? bad_json(r, err, off, line, p, "bad key")
                           : rc;
            p = json_skip_ws(p, end);
            if (p >= end || *p != ':')
                return bad_json(r, err, off, line, p, "expected ':'");
            /* A key that names the text or the identity twice is refused:
             * winnow would filter one value while jq and Python read the
             * other (text smuggled past filters and redaction). */
            unsigned bit = key_bit(key, tf, tfl);
            if (bit & seen)
                return bad_json(r, err, off, line, m,
                                "duplicate_key (the text, id, url or date "
                                "given twice)");
            seen |= bit;
            p = json_skip_ws(p + 1, end);
            wn_buf *field = NULL;
            int is_text = 0;
            if (p < end && *p == '"') {
                if (key->len == tfl && !memcmp(key->data, tf, tfl) &&
                    (!have_text || doc->kind == WN_DOC_HTML)) {
                    if (have_text)
                        wn_buf_reset(&doc->text);
                    field = &doc->text;
                    is_text = 1;
                } else if (key->len == 2 && !memcmp(key->data, "id", 2))
                    field = &doc->id;
                else if (key->len == 3 && !memcmp(key->data, "url", 3))
                    field = &doc->url;
                else if (key->len == 4 && !memcmp(key->data, "date", 4))
                    field = &doc->date;
                else if (key->len == 6 && !memcmp(key->data, "source", 6))
                    field = &doc->source;
                else if (key->len == 4 && !memcmp(key->data, "html", 4) &&
                         !have_text) {
                    /* winnow's own form of an HTML document */
                    field = &doc->text;
                    is_text = 2;
                } else if (key->len == 4 && !memcmp(key->data, "http", 4))
                    field = &doc->http;
                if (field && field->len && !is_text)
                    field = NULL; /* duplicate key: keep the later raw */
            }
            if (field) {
                wn_buf_reset(field);
                if ((rc = json_decode_string(&p, end, field, &repaired)))
                    return rc == WN_EFORMAT
                               ? bad_json(r, err, off, line, p,
                                          "bad string")
                               : rc;
                if (is_text) {
                    have_text = 1;
                    doc->kind = is_text == 2 ? WN_DOC_HTML : WN_DOC_TEXT;
                }
            } else {
                if ((rc = json_skip_value(&p, end, 128)))
                    return bad_json(r, err, off, line, p,
                                    rc == WN_ELIMIT ? "nested too deeply"
                                                    : "bad value");
                if ((rc = keep_member(r, doc, m, (size_t)(p - m))))
                    return rc;
            }
            p = json_skip_ws(p, end);
            if (p < end && *p == ',') {
                p = json_skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == '}') {
                p++;
                break;
            }
            return bad_json(r, err, off, line, p, "expected ',' or '}'");
        }
    p = json_skip_ws(p, end);
    if (p < end)
        return bad_json(r, err, off, line, p, "data after the object");
    if (!have_text) {
        r->bad_counter = &r->st.bad_json;
        return wn_err(err, WN_EFORMAT, r->path, off,
                      "JSON line has no string field \"%s\"", tf);
    }
    if (repaired) {
        r->st.invalid_utf8++;
        r->st.utf8_replaced += repaired;
        reader_warn(r, "invalid UTF-8 or lone surrogates repaired: %zu "
                       "replaced by U+FFFD", repaired);
    }
    return 0;
}

int jsonl_next(rctx *r, wn_doc *doc, wn_error *err)
{
    for (;;) {
        const char *line;
        size_t len;
        uint64_t off;
        int rc = bufin_getline(&r->in, &line, &len, r->opts.max_record, &off);
        if (rc == WN_ELIMIT)
            return wn_err(err, WN_ELIMIT, r->path, off,
                          "JSON line longer than the limit (%zu bytes): "
                          "skipped", r->opts.max_record);
        if (rc <= 0)
            return rc;
        const char *q = json_skip_ws(line, line + len);
        if (q == line + len)
            continue; /* blank line */
        r->st.jsonl_lines++;
        r->rec_off = off;
        rc = parse_line(r, doc, line, len, off, err);
        doc->offset = off;
        if (!rc && !doc->source.len)
            rc = reader_set_source(r, doc, off);
        if (!rc && !doc->id.len)
            rc = wn_buf_append(&doc->id, doc->source.data, doc->source.len);
        if (rc) {
            wn_doc_reset(doc); /* never half a document */
            if (rc != WN_EFORMAT) /* bad_json said why; a buffer did not */
                rc = wn_err(err, rc, r->path, off, "cannot hold the JSON "
                            "line: %s", wn_strerror(rc));
            return rc;
        }
        return WN_DOC;
    }
}
