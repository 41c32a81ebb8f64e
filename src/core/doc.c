/*
 * doc.c - the document: text, identity, provenance and raw metadata.
 *
 * Metadata beyond id/url/date/source is stored as the raw bytes of JSON
 * object members ("k":v,"k2":v2) in the order they arrived.  Writers paste
 * it unchanged, so metadata winnow does not understand survives every stage
 * exactly; the few lookups stages need scan it with the JSON scanner.
 */
#include "core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void wn_doc_reset(wn_doc *d)
{
    wn_buf_reset(&d->text);
    wn_buf_reset(&d->id);
    wn_buf_reset(&d->url);
    wn_buf_reset(&d->date);
    wn_buf_reset(&d->source);
    wn_buf_reset(&d->meta);
    wn_buf_reset(&d->http);
    d->kind = WN_DOC_TEXT;
    d->offset = 0;
}

void wn_doc_release(wn_doc *d)
{
    wn_buf_release(&d->text);
    wn_buf_release(&d->id);
    wn_buf_release(&d->url);
    wn_buf_release(&d->date);
    wn_buf_release(&d->source);
    wn_buf_release(&d->meta);
    wn_buf_release(&d->http);
    d->kind = WN_DOC_TEXT;
    d->offset = 0;
}

int wn_doc_copy(wn_doc *dst, const wn_doc *src)
{
    int rc;
    if ((rc = wn_buf_set(&dst->text, src->text.data, src->text.len)) ||
        (rc = wn_buf_set(&dst->id, src->id.data, src->id.len)) ||
        (rc = wn_buf_set(&dst->url, src->url.data, src->url.len)) ||
        (rc = wn_buf_set(&dst->date, src->date.data, src->date.len)) ||
        (rc = wn_buf_set(&dst->source, src->source.data, src->source.len)) ||
        (rc = wn_buf_set(&dst->meta, src->meta.data, src->meta.len)) ||
        (rc = wn_buf_set(&dst->http, src->http.data, src->http.len)))
        return rc;
    dst->kind = src->kind;
    dst->offset = src->offset;
    return 0;
}

/* Finds member `key` in d->meta.  On success sets the byte range of the
 * whole member [*mstart, *mend) and of its value [*vstart, *vend). */
int json_member_find(const char *base, size_t len, const char *key,
                     size_t *mstart, size_t *mend, size_t *vstart,
                     size_t *vend)
{
    if (!len)
        return 0;
    const char *end = base + len;
    const char *p = json_skip_ws(base, end);
    wn_buf k = WN_BUF_INIT;
    size_t klen = strlen(key);
    int found = 0;
    while (p < end && *p == '"') {
        const char *m = p;
        /* a key without escapes is compared in place: no allocation, so
         * no failure to mistake for "not found" */
        const char *q = p + 1;
        while (q < end && *q != '"' && *q != '\\')
            q++;
        const char *kd;
        size_t kl;
        if (q < end && *q == '"') {
            kd = p + 1;
            kl = (size_t)(q - kd);
            p = q + 1;
        } else {
            wn_buf_reset(&k);
            if (json_decode_string(&p, end, &k, NULL))
                break;
            kd = k.data;
            kl = k.len;
        }
        p = json_skip_ws(p, end);
        if (p >= end || *p != ':')
            break;
        p = json_skip_ws(p + 1, end);
        const char *v = p;
        if (json_skip_value(&p, end, 64))
            break;
        if (kl == klen && !memcmp(kd, key, klen)) {
            *mstart = (size_t)(m - base);
            *mend = (size_t)(p - base);
            *vstart = (size_t)(v - base);
            *vend = (size_t)(p - base);
            found = 1;
            break;
        }
        p = json_skip_ws(p, end);
        if (p < end && *p == ',')
            p = json_skip_ws(p + 1, end);
    }
    wn_buf_release(&k);
    return found;
}

static int meta_find(const wn_doc *d, const char *key, size_t *mstart,
                     size_t *mend, size_t *vstart, size_t *vend)
{
    return json_member_find(d->meta.data, d->meta.len, key, mstart, mend,
                            vstart, vend);
}

int wn_doc_meta_del(wn_doc *d, const char *key)
{
    size_t ms, me, vs, ve;
    if (!meta_find(d, key, &ms, &me, &vs, &ve))
        return 0;
    char *m = d->meta.data;
    /* the member and the comma after it, or else the one before it */
    size_t a = ms, b = me;
    const char *q = json_skip_ws(m + b, m + d->meta.len);
    if (q < m + d->meta.len && *q == ',')
        b = (size_t)(json_skip_ws(q + 1, m + d->meta.len) - m);
    else
        while (a > 0 && (m[a - 1] == ',' || m[a - 1] == ' ' ||
                         m[a - 1] == '\n' || m[a - 1] == '\t' ||
                         m[a - 1] == '\r'))
            if (m[--a] == ',')
                break;
    memmove(m + a, m + b, d->meta.len - b);
    d->meta.len -= b - a;
    m[d->meta.len] = '\0';
    return 1;
}

int wn_doc_meta_get(const wn_doc *d, const char *key, const char **json,
                    size_t *n)
{
    size_t ms, me, vs, ve;
    if (!meta_find(d, key, &ms, &me, &vs, &ve))
        return 0;
    *json = d->meta.data + vs;
    *n = ve - vs;
    return 1;
}

int wn_doc_meta_set(wn_doc *d, const char *key, const char *json, size_t n)
{
    size_t ms, me, vs, ve;
    int rc;
    if (meta_find(d, key, &ms, &me, &vs, &ve)) {
        /* replace the value in place, keeping member order */
        wn_buf nb = WN_BUF_INIT;
        if ((rc = wn_buf_append(&nb, d->meta.data, vs)) ||
            (rc = wn_buf_append(&nb, json, n)) ||
            (rc = wn_buf_append(&nb, d->meta.data + ve, d->meta.len - ve))) {
            wn_buf_release(&nb);
            return rc;
        }
        wn_buf_release(&d->meta);
        d->meta = nb;
        return 0;
    }
    if (d->meta.len && (rc = wn_buf_putc(&d->meta, ',')))
        return rc;
    if ((rc = wn_json_put_string(&d->meta, key, strlen(key))) ||
        (rc = wn_buf_putc(&d->meta, ':')))
        return rc;
    return wn_buf_append(&d->meta, json, n);
}

int wn_doc_meta_set_str(wn_doc *d, const char *key, const char *s, size_t n)
{
    wn_buf v = WN_BUF_INIT;
    int rc = wn_json_put_string(&v, s, n);
    if (!rc)
        rc = wn_doc_meta_set(d, key, v.data, v.len);
    wn_buf_release(&v);
    return rc;
}

int wn_doc_meta_set_num(wn_doc *d, const char *key, double x)
{
    char tmp[64];
    int n;
    if (!isfinite(x))
        n = snprintf(tmp, sizeof tmp, "null");
    else if (x == (double)(long long)x && fabs(x) < 1e15)
        n = snprintf(tmp, sizeof tmp, "%lld", (long long)x);
    else
        n = snprintf(tmp, sizeof tmp, "%.6g", x);
    return wn_doc_meta_set(d, key, tmp, (size_t)n);
}

/* Appends `,"key":` then a JSON string, for the writer below. */
static int put_field(wn_buf *out, const char *key, const wn_buf *v, int first)
{
    int rc;
    if (!first && (rc = wn_buf_putc(out, ',')))
        return rc;
    if ((rc = wn_buf_putc(out, '"')) || (rc = wn_buf_puts(out, key)) ||
        (rc = wn_buf_append(out, "\":", 2)))
        return rc;
    return wn_json_put_string(out, v->data ? v->data : "", v->len);
}

int wn_doc_to_json(const wn_doc *d, wn_buf *out)
{
    int rc, first = 1;
    if ((rc = wn_buf_putc(out, '{')))
        return rc;
    if (d->id.len) {
        if ((rc = put_field(out, "id", &d->id, first)))
            return rc;
        first = 0;
    }
    if (d->url.len && !(rc = put_field(out, "url", &d->url, first)))
        first = 0;
    if (rc)
        return rc;
    if (d->date.len && !(rc = put_field(out, "date", &d->date, first)))
        first = 0;
    if (rc)
        return rc;
    if (d->source.len && !(rc = put_field(out, "source", &d->source, first)))
        first = 0;
    if (rc)
        return rc;
    if (d->kind == WN_DOC_HTML) {
        if ((rc = put_field(out, "html", &d->text, first)) ||
            (rc = put_field(out, "http", &d->http, 0)))
            return rc;
    } else if ((rc = put_field(out, "text", &d->text, first)))
        return rc;
    if (d->meta.len &&
        ((rc = wn_buf_putc(out, ',')) ||
         (rc = wn_buf_append(out, d->meta.data, d->meta.len))))
        return rc;
    return wn_buf_putc(out, '}');
}
