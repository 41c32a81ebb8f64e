/*
 * warc.c - WARC 0.18/1.0/1.1 input (WARC, WET; WAT records are skipped).
 *
 * A record is a version line, header lines up to a blank line, a block of
 * exactly Content-Length bytes, and CRLF CRLF.  The block length is
 * trusted, and then checked: if the bytes after the block are not a record
 * boundary the length was wrong, the record is reported as broken and the
 * parser resynchronises on the next line that starts with "WARC/".
 *
 * conversion records (Common Crawl WET) become text documents.  response
 * records whose payload is HTML become HTML documents with their HTTP head
 * carried beside the body; the body is de-chunked, un-gzipped if the
 * server compressed it, and converted to UTF-8 from its declared charset.
 * Every other record type is counted and skipped.
 */
#include "io.h"

#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <strings.h>
#include <zlib.h>

#define MAX_HEADER_LINE (64u << 10)
#define MAX_HEADERS (256u << 10)

typedef struct warc_head {
    wn_buf type, uri, id, date, ctype, ptype, lang;
    uint64_t clen;
    int have_clen;
} warc_head;

static void head_reset(warc_head *h)
{
    wn_buf_reset(&h->type);
    wn_buf_reset(&h->uri);
    wn_buf_reset(&h->id);
    wn_buf_reset(&h->date);
    wn_buf_reset(&h->ctype);
    wn_buf_reset(&h->ptype);
    wn_buf_reset(&h->lang);
    h->clen = 0;
    h->have_clen = 0;
}

static void warc_head_free(void *p)
{
    warc_head *h = p;
    wn_buf_release(&h->type);
    wn_buf_release(&h->uri);
    wn_buf_release(&h->id);
    wn_buf_release(&h->date);
    wn_buf_release(&h->ctype);
    wn_buf_release(&h->ptype);
    wn_buf_release(&h->lang);
    free(h);
}

static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p))
        (*p)++, (*n)--;
    while (*n && isspace((unsigned char)(*p)[*n - 1]))
        (*n)--;
}

static int name_is(const char *line, size_t nlen, const char *name)
{
    return strlen(name) == nlen && !strncasecmp(line, name, nlen);
}

/* Skips forward to the next line starting with "WARC/", leaving it unread.
 * Returns 1 if found, 0 at the end. */
static int resync(rctx *r)
{
    bufin *b = &r->in;
    for (;;) {
        size_t avail = bufin_fill(b, 6);
        if (avail < 5)
            return 0;
        const char *p = b->buf + b->pos;
        if (!memcmp(p, "WARC/", 5))
            return 1;
        const char *nl = memchr(p, '\n', avail);
        if (nl) {
            b->pos += (size_t)(nl - p) + 1;
            continue;
        }
        b->pos = b->end; /* no newline in the window: drop it */
        if (!bufin_fill(b, 1))
            return 0;
    }
}

static int bad_record(rctx *r, wn_error *err, uint64_t off, const char *fmt,
                      const char *detail)
{
    r->bad_counter = &r->st.bad_records;
    return wn_err(err, WN_EFORMAT, r->path, off, fmt, detail);
}

/* A failure that is not the input's fault (out of memory) as an error
 * with its message, like every other one the parser returns. */
static int no_memory(rctx *r, wn_error *err, uint64_t off, int rc)
{
    return wn_err(err, rc, r->path, off, "%s", wn_strerror(rc));
}

/* Reads header lines up to the blank line.  Returns 0, or a bad-input
 * code. */
static int read_headers(rctx *r, warc_head *h, uint64_t rec_off,
                        wn_error *err)
{
    size_t total = 0;
    for (;;) {
        const char *line;
        size_t len;
        uint64_t off;
        int rc = bufin_getline(&r->in, &line, &len, MAX_HEADER_LINE, &off);
        if (rc == 0)
            return wn_err(err, WN_ETRUNC, r->path, rec_off,
                          "WARC record header cut off by the end of input");
        if (rc == WN_ELIMIT)
            return bad_record(r, err, off, "%s", "WARC header line too long");
        if (len == 0)
            return 0;
        total += len;
        if (total > MAX_HEADERS)
            return bad_record(r, err, off, "%s", "WARC header too large");
        const char *colon = memchr(line, ':', len);
        if (!colon)
            continue; /* continuation or junk line: ignore */
        size_t nlen = (size_t)(colon - line);
        const char *v = colon + 1;
        size_t vlen = len - nlen - 1;
        trim(&v, &vlen);
        wn_buf *dst = NULL;
        if (name_is(line, nlen, "WARC-Type"))
            dst = &h->type;
        else if (name_is(line, nlen, "WARC-Target-URI")) {
            /* wget writes <uri>; some writers leave spaces */
            if (vlen >= 2 && v[0] == '<' && v[vlen - 1] == '>')
                v++, vlen -= 2;
            dst = &h->uri;
        } else if (name_is(line, nlen, "WARC-Record-ID"))
            dst = &h->id;
        else if (name_is(line, nlen, "WARC-Date"))
            dst = &h->date;
        else if (name_is(line, nlen, "Content-Type"))
            dst = &h->ctype;
        else if (name_is(line, nlen, "WARC-Identified-Payload-Type"))
            dst = &h->ptype;
        else if (name_is(line, nlen, "WARC-Identified-Content-Language"))
            dst = &h->lang;
        else if (name_is(line, nlen, "Content-Length")) {
            char tmp[32];
            if (!vlen || vlen >= sizeof tmp)
                return bad_record(r, err, off, "bad Content-Length '%s'",
                                  "");
            memcpy(tmp, v, vlen);
            tmp[vlen] = 0;
            char *e;
            errno = 0;
            unsigned long long x = strtoull(tmp, &e, 10);
            if (*e || errno || tmp[0] == '-')
                return bad_record(r, err, off, "bad Content-Length '%s'",
                                  tmp);
            h->clen = x;
            h->have_clen = 1;
        }
        if (dst && !dst->len) {
            wn_buf_reset(dst);
            if ((rc = wn_buf_append(dst, v, vlen)))
                return no_memory(r, err, rec_off, rc);
        }
    }
}

/* After a block: the standard says CRLF CRLF.  Real writers add or miss
 * a few line ends (hand-made files, off-by-one lengths), so any short run
 * of CR/LF is accepted; then the input must end or the next record begin.
 */
#define MAX_GAP 64
/* How many line-end bytes end a record at p (n bytes available there),
 * or -1 if p is not the end of a record. */
static long boundary_len(const char *p, size_t avail)
{
    size_t i = 0;
    while (i < avail && i < MAX_GAP && (p[i] == '\r' || p[i] == '\n'))
        i++;
    /* the standard terminator: the record is complete even if junk
     * follows (the junk is reported when the next record is read) */
    if ((i >= 4 && !memcmp(p, "\r\n\r\n", 4)) ||
        (i >= 2 && !memcmp(p, "\n\n", 2)))
        return (long)i;
    if (i == avail || (avail - i >= 5 && !memcmp(p + i, "WARC/", 5)) ||
        (avail - i < 5 && !memcmp(p + i, "WARC/", avail - i)))
        return (long)i;
    return -1;
}

static int check_boundary(rctx *r)
{
    bufin *b = &r->in;
    size_t avail = bufin_fill(b, MAX_GAP + 8);
    long k = boundary_len(b->buf + b->pos, avail);
    if (k < 0)
        return 0;
    b->pos += (size_t)k;
    return 1;
}

/* Is there a line starting "WARC/" in p[0..n)? */
static int has_record_line(const char *p, size_t n)
{
    for (size_t i = 0; i + 5 <= n; i++)
        if ((i == 0 || p[i - 1] == '\n') && !memcmp(p + i, "WARC/", 5))
            return 1;
    return 0;
}

/* ---- HTTP payloads ---- */

static const char *find_head_end(const char *p, size_t n, size_t *body)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\n')
            continue;
        if (p[i + 1] == '\n') {
            *body = i + 2;
            return p + i;
        }
        if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
            *body = i + 3;
            return p + i;
        }
    }
    return NULL;
}

/* Finds header `name` in an HTTP head; returns its trimmed value. */
static int http_header(const char *h, size_t n, const char *name,
                       const char **v, size_t *vn)
{
    size_t nl = strlen(name);
    const char *p = h, *end = h + n;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        if ((size_t)(e - p) > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            *v = p + nl + 1;
            *vn = (size_t)(e - *v);
            trim(v, vn);
            return 1;
        }
        p = e + 1;
    }
    return 0;
}

static int contains_ci(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (!strncasecmp(s + i, needle, k))
            return 1;
    return 0;
}

/* Decodes chunked transfer coding.  Returns 0 on success, 1 if the coding
 * is broken, or WN_ENOMEM / WN_ELIMIT. */
static int dechunk(const char *p, size_t n, wn_buf *out)
{
    int rc;
    size_t i = 0;
    for (;;) {
        size_t sz = 0;
        int digits = 0;
        while (i < n && isxdigit((unsigned char)p[i])) {
            int c = tolower((unsigned char)p[i]);
            if (sz > (SIZE_MAX >> 5))
                return 1;
            sz = sz * 16 + (size_t)(c <= '9' ? c - '0' : c - 'a' + 10);
            i++;
            digits++;
        }
        if (!digits)
            return 1;
        while (i < n && p[i] != '\n') /* chunk extensions */
            i++;
        if (i >= n)
            return 1;
        i++;
        if (sz == 0)
            return 0;
        if (sz > n - i)
            return 1;
        if ((rc = wn_buf_append(out, p + i, sz)))
            return rc;
        i += sz;
        if (i < n && p[i] == '\r')
            i++;
        if (i < n && p[i] == '\n')
            i++;
        else
            return 1;
    }
}

/* Inflates a gzip or zlib body.  Returns 0 on success, 1 if the data is
 * not valid, 2 if it inflates past max (a bomb), or WN_ENOMEM. */
static int inflate_body(const char *p, size_t n, wn_buf *out, size_t max)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    int zr = inflateInit2(&z, 15 + 32);
    if (zr != Z_OK)
        return zr == Z_MEM_ERROR ? WN_ENOMEM : 1;
    z.next_in = (unsigned char *)p;
    z.avail_in = (uInt)n;
    do {
        int rc = out->len > max ? 2 : wn_buf_reserve(out, 1 << 16);
        if (rc) {
            inflateEnd(&z);
            return rc == WN_ENOMEM ? rc : 2; /* past max, or WN_ELIMIT */
        }
        if (wn_buf_reserve(out, 1 << 16)) {
            inflateEnd(&z);
            return WN_ENOMEM;
        }
        z.next_out = (unsigned char *)out->data + out->len;
        z.avail_out = (uInt)(out->alloc - out->len - 1);
        size_t before = z.avail_out;
        zr = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        out->data[out->len] = 0;
        if (zr == Z_BUF_ERROR && z.avail_in == 0)
            break;
    } while (zr == Z_OK);
    inflateEnd(&z);
    if (zr == Z_MEM_ERROR)
        return WN_ENOMEM;
    return zr == Z_STREAM_END ? 0 : 1;
}

/* Extracts charset=NAME from a Content-Type value or a <meta> tag. */
static size_t charset_from(const char *s, size_t n, char *cs, size_t cssz)
{
    for (size_t i = 0; i + 8 <= n; i++) {
        if (strncasecmp(s + i, "charset=", 8))
            continue;
        i += 8;
        while (i < n && (s[i] == '"' || s[i] == '\'' || s[i] == ' '))
            i++;
        size_t k = 0;
        while (i < n && k + 1 < cssz &&
               (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' ||
                s[i] == ':' || s[i] == '.'))
            cs[k++] = s[i++];
        cs[k] = 0;
        return k;
    }
    return 0;
}

static int is_utf8_name(const char *cs)
{
    return !strcasecmp(cs, "utf-8") || !strcasecmp(cs, "utf8") ||
           !strcasecmp(cs, "us-ascii") || !strcasecmp(cs, "ascii");
}

/* Converts src from charset cs to UTF-8 (appended to out), replacing
 * unconvertible bytes by U+FFFD and counting them in *bad.  Returns 0, 1 if
 * it cannot (a charset unknown to iconv, a result too large), or
 * WN_ENOMEM. */
static int to_utf8(const char *cs, const char *src, size_t n, wn_buf *out,
                   long *bad)
{
    /* labels mean what browsers (WHATWG Encoding) make of them: pages
     * declared latin1 or gb2312 are really windows-1252 or GBK */
    static const char *const alias[][2] = {
        {"iso-8859-1", "WINDOWS-1252"}, {"latin1", "WINDOWS-1252"},
        {"latin-1", "WINDOWS-1252"},    {"us-ascii", "WINDOWS-1252"},
        {"gb2312", "GB18030"},          {"gbk", "GB18030"},
        {"x-gbk", "GB18030"},           {"shift_jis", "CP932"},
        {"sjis", "CP932"},              {"x-sjis", "CP932"},
        {"euc-kr", "CP949"},            {"iso-8859-9", "WINDOWS-1254"},
        {"tis-620", "CP874"},           {"iso-8859-11", "CP874"},
    };
    for (size_t i = 0; i < sizeof alias / sizeof *alias; i++)
        if (!strcasecmp(cs, alias[i][0])) {
            cs = alias[i][1];
            break;
        }
    iconv_t cd = iconv_open("UTF-8", cs);
    if (cd == (iconv_t)-1)
        return errno == ENOMEM ? WN_ENOMEM : 1;
    int rc = 0;
    char *in = (char *)src;
    size_t inleft = n;
    *bad = 0;
    while (inleft) {
        if ((rc = wn_buf_reserve(out, inleft * 2 + 16)))
            break;
        char *o = out->data + out->len;
        size_t oleft = out->alloc - out->len - 1;
        size_t k = iconv(cd, &in, &inleft, &o, &oleft);
        out->len = (size_t)(o - out->data);
        out->data[out->len] = 0;
        if (k == (size_t)-1) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ / EINVAL: one bad byte */
            if ((rc = wn_buf_append(out, "\xEF\xBF\xBD", 3)))
                break;
            in++;
            inleft--;
            (*bad)++;
            iconv(cd, NULL, NULL, NULL, NULL);
        }
    }
    iconv_close(cd);
    /* past the buffer cap the page is kept unconverted, as before */
    return rc == WN_ELIMIT ? 1 : rc;
}

static int html_text(rctx *r, const char *ct, size_t ctn, wn_doc *doc,
                     wn_error *err, uint64_t off);

/* Turns a response block into an HTML document, or returns 1 if the
 * payload is not HTML (skipped), or a negative code: an allocation failure
 * ends the document, which is never returned with a part missing. */
static int response_doc(rctx *r, warc_head *h, const char *blk, size_t n,
                        uint64_t off, wn_doc *doc, wn_error *err)
{
    size_t body_at = 0;
    const char *he = find_head_end(blk, n, &body_at);
    if (n < 5 || memcmp(blk, "HTTP/", 5) || !he) {
        r->st.warc_response_other++; /* not an HTTP response (e.g. dns:) */
        return 1;
    }
    size_t hn = (size_t)(he - blk);
    const char *body = blk + body_at;
    size_t bn = n - body_at;
    const char *ct = NULL;
    size_t ctn = 0;
    int html = 0;
    if (h->ptype.len)
        html = contains_ci(h->ptype.data, h->ptype.len, "html");
    else if (http_header(blk, hn, "Content-Type", &ct, &ctn))
        html = contains_ci(ct, ctn, "html");
    else {
        size_t k = bn < 1024 ? bn : 1024;
        html = contains_ci(body, k, "<html") || contains_ci(body, k, "<!doctype html");
    }
    if (!html) {
        r->st.warc_response_other++;
        return 1;
    }
    int rc;
    wn_buf *tmp = &r->scratch2;
    const char *v;
    size_t vn;
    if (http_header(blk, hn, "Transfer-Encoding", &v, &vn) &&
        contains_ci(v, vn, "chunked")) {
        wn_buf_reset(tmp);
        if ((rc = dechunk(body, bn, tmp)) < 0)
            return rc;
        if (rc == 0)
            rc = wn_buf_set(&doc->text, tmp->data, tmp->len);
        else {
            r->st.bad_http++;
            reader_warn(r, "broken HTTP chunked encoding: raw body kept");
            rc = wn_buf_set(&doc->text, body, bn); /* keep the raw body */
        }
    } else
        rc = wn_buf_set(&doc->text, body, bn);
    if (rc)
        return rc;
    if (http_header(blk, hn, "Content-Encoding", &v, &vn) &&
        (contains_ci(v, vn, "gzip") || contains_ci(v, vn, "deflate"))) {
        const unsigned char *b = (const unsigned char *)doc->text.data;
        size_t bl = doc->text.len;
        /* servers label plain bodies "gzip" (crawlers often store the
         * decoded body with the header kept): browsers render them, and
         * so do we, sniffing the magic (gzip 1f 8b, zlib 78 xx) */
        int packed = bl >= 2 && ((b[0] == 0x1f && b[1] == 0x8b) ||
                                 (b[0] == 0x78 && (b[0] * 256 + b[1]) % 31 == 0));
        if (!packed) {
            r->st.http_quirks++;
            reader_warn(r, "Content-Encoding %.*s on a body that is not "
                           "compressed: kept as it is", (int)vn, v);
        } else {
            wn_buf_reset(tmp);
            if ((rc = inflate_body(doc->text.data, doc->text.len, tmp,
                                   r->opts.max_record)) < 0)
                return rc;
            if (rc == 0) {
                if ((rc = wn_buf_set(&doc->text, tmp->data, tmp->len)))
                    return rc;
            } else {
                r->st.bad_http++;
                if (rc == 2)
                    reader_warn(r, "HTTP body inflates past the record limit "
                                   "(%zu bytes): body dropped",
                                r->opts.max_record);
                else
                    reader_warn(r, "HTTP body is not valid %.*s data: body "
                                   "dropped", (int)vn, v);
                wn_buf_reset(&doc->text);
            }
        }
    }
    if ((rc = html_text(r, ct, ctn, doc, err, off)))
        return rc;
    size_t nuls = 0;
    long rep = wn_utf8_repair(blk, hn, &doc->http, &nuls);
    if (rep < 0)
        return no_memory(r, err, off, (int)rep);
    doc->kind = WN_DOC_HTML;
    return 0;
}

/* doc->text holds a page's raw bytes: its text as valid UTF-8, converted
 * from the charset the Content-Type ct names, else a <meta> in the first
 * 1 KiB.  Returns 0 or a negative code. */
static int html_text(rctx *r, const char *ct, size_t ctn, wn_doc *doc,
                     wn_error *err, uint64_t off)
{
    int rc;
    wn_buf *tmp = &r->scratch2;
    char cs[64] = "";
    if (ct)
        charset_from(ct, ctn, cs, sizeof cs);
    if (!cs[0])
        charset_from(doc->text.data ? doc->text.data : "",
                     doc->text.len < 1024 ? doc->text.len : 1024, cs,
                     sizeof cs);
    wn_buf *raw = tmp;
    if ((rc = wn_buf_set(raw, doc->text.data, doc->text.len)))
        return rc;
    wn_buf_reset(&doc->text);
    long conv = 0;
    rc = 1; /* not converted */
    if (cs[0] && !is_utf8_name(cs) &&
        !wn_utf8_valid(raw->data ? raw->data : "", raw->len) &&
        (rc = to_utf8(cs, raw->data, raw->len, &doc->text, &conv)) < 0)
        return rc;
    if (rc) {
        wn_buf_reset(&doc->text);
        if ((rc = reader_set_text(r, doc, raw->data ? raw->data : "", raw->len)))
            return no_memory(r, err, off, rc);
    } else if (conv > 0) {
        r->st.invalid_utf8++;
        r->st.utf8_replaced += (uint64_t)conv;
        reader_warn(r, "%ld byte(s) invalid in charset %s replaced by U+FFFD",
                    conv, cs);
    }
    return 0;
}

/* A resource record holding a page (no HTTP head): an HTML document, or 1
 * if it is not HTML (skipped). */
static int resource_doc(rctx *r, warc_head *h, const char *blk, size_t n,
                        uint64_t off, wn_doc *doc, wn_error *err)
{
    const wn_buf *t = h->ptype.len ? &h->ptype : &h->ctype;
    if (!t->len || !contains_ci(t->data, t->len, "html"))
        return 1;
    int rc = wn_buf_set(&doc->text, blk, n);
    if (!rc)
        rc = html_text(r, h->ctype.data, h->ctype.len, doc, err, off);
    if (!rc)
        doc->kind = WN_DOC_HTML;
    return rc;
}

/* A record that cannot be held in memory: the reader stops (WN_ENOMEM) or
 * skips it (WN_ELIMIT), and what was built of the document is dropped. */
static int cannot_hold(rctx *r, wn_doc *doc, wn_error *err, uint64_t off,
                       int rc)
{
    wn_doc_reset(doc);
    return wn_err(err, rc, r->path, off, "cannot hold the WARC record: %s",
                  wn_strerror(rc));
}

int warc_next(rctx *r, wn_doc *doc, wn_error *err)
{
    if (!r->priv) {
        if (!(r->priv = calloc(1, sizeof(warc_head))))
            return wn_err(err, WN_ENOMEM, r->path, 0, "out of memory");
        r->priv_free = warc_head_free;
    }
    warc_head *hp = r->priv;
#define h (*hp)
    for (;;) {
        const char *line;
        size_t len;
        uint64_t off;
        int rc = bufin_getline(&r->in, &line, &len, MAX_HEADER_LINE, &off);
        if (rc == 0)
            return WN_EOF;
        if (rc == WN_ELIMIT || (len && (len < 5 || memcmp(line, "WARC/", 5)))) {
            /* junk between records: report once, skip to the next record */
            rc = bad_record(r, err, off, "%s",
                            "expected a WARC record header; skipping to "
                            "the next record");
            resync(r);
            return rc;
        }
        if (!len)
            continue; /* stray blank lines between records */
        head_reset(&h);
        r->rec_off = off;
        if ((rc = read_headers(r, &h, off, err))) {
            if (rc != WN_ETRUNC)
                resync(r);
            if (rc == WN_ENOMEM)
                return cannot_hold(r, doc, err, off, rc);
            return rc;
        }
        r->st.warc_records++;
        if (!h.have_clen) {
            rc = bad_record(r, err, off, "%s",
                            "WARC record without Content-Length");
            resync(r);
            return rc;
        }
        int want = 0;
        if (h.type.len == 10 && !strncasecmp(h.type.data, "conversion", 10))
            want = 1;
        else if (h.type.len == 8 && !strncasecmp(h.type.data, "response", 8) &&
                 r->opts.warc_html)
            want = 2;
        else if (h.type.len == 8 && !strncasecmp(h.type.data, "resource", 8) &&
                 r->opts.warc_html)
            want = 3; /* a page archived without its HTTP head */
        /* The length is checked before the block is taken: a wrong one
         * (short, long, or past the end of the input) must not swallow the
         * records after it.  So the reader looks for the record's end
         * first and, when it is not there, resynchronises from the start
         * of the block on the next "WARC/" line. */
        bufin *in = &r->in;
        if (h.clen > r->opts.max_record) {
            /* too large to look at: skipped by scanning to the next record
             * (a body holding a line "WARC/" would end it early) */
            resync(r);
            if (want)
                return wn_err(err, WN_ELIMIT, r->path, off,
                              "WARC record of %llu bytes exceeds the limit "
                              "(%zu): skipped",
                              (unsigned long long)h.clen, r->opts.max_record);
            r->st.warc_skipped++;
            continue;
        }
        size_t need = (size_t)h.clen;
        size_t avail = bufin_fill(in, need + MAX_GAP + 8);
        if (avail < need && !has_record_line(in->buf + in->pos, avail)) {
            bufin_read(in, NULL, avail);
            return wn_err(err, WN_ETRUNC, r->path, off,
                          "WARC record truncated: Content-Length %llu, "
                          "only %zu bytes left",
                          (unsigned long long)h.clen, avail);
        }
        if (avail < need ||
            boundary_len(in->buf + in->pos + need, avail - need) < 0) {
            rc = bad_record(r, err, off, "%s",
                            "WARC record does not end where its "
                            "Content-Length says (wrong length): dropped, "
                            "reading goes on at the next record");
            resync(r);
            return rc;
        }
        wn_buf *blk = &r->scratch;
        wn_buf_reset(blk);
        size_t got = bufin_read(in, want ? blk : NULL, need);
        if (got < need) /* out of memory: parked, reported by the reader */
            return wn_err(err, WN_ETRUNC, r->path, off,
                          "WARC record truncated: Content-Length %llu, "
                          "only %zu bytes read",
                          (unsigned long long)h.clen, got);
        check_boundary(r);
        if (!want) {
            if (h.type.len == 8 && !strncasecmp(h.type.data, "response", 8))
                r->st.warc_response_other++;
            else
                r->st.warc_skipped++;
            continue;
        }
        if (want >= 2) {
            rc = (want == 2 ? response_doc : resource_doc)(
                r, &h, blk->data ? blk->data : "", blk->len, off, doc, err);
            if (rc == 1) {
                if (want == 3)
                    r->st.warc_skipped++;
                wn_doc_reset(doc);
                continue;
            }
            if (rc)
                return cannot_hold(r, doc, err, off, rc);
            if (want == 2)
                r->st.warc_response_html++;
            else
                r->st.warc_resource_html++;
        } else {
            if ((rc = reader_set_text(r, doc, blk->data ? blk->data : "",
                                      blk->len)))
                return cannot_hold(r, doc, err, off, rc);
            r->st.warc_conversion++;
            if (h.lang.len &&
                (rc = wn_doc_meta_set_str(doc, "warc_languages", h.lang.data,
                                          h.lang.len)))
                return cannot_hold(r, doc, err, off, rc);
        }
        if ((rc = reader_set_field(r, &doc->id, h.id.data, h.id.len)) ||
            (rc = reader_set_field(r, &doc->url, h.uri.data, h.uri.len)) ||
            (rc = reader_set_field(r, &doc->date, h.date.data, h.date.len)) ||
            (rc = reader_set_source(r, doc, off)))
            return cannot_hold(r, doc, err, off, rc);
        doc->offset = off;
        return WN_DOC;
    }
}
#undef h
