/*
 * json.c - the JSON needed for JSONL: a validating scanner and a string
 * decoder for reading, an escaper for writing.
 *
 * winnow never builds a JSON tree: a JSONL line is scanned once, the few
 * fields winnow interprets (text, id, url, date, source) are decoded, and
 * every other member is kept as its raw, validated bytes.  That keeps
 * unknown metadata byte-identical through every stage and costs one pass.
 */
#include "core.h"

#include <string.h>

const char *json_skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex4(const char *p, const char *end, uint32_t *v)
{
    if (end - p < 4)
        return -1;
    uint32_t x = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval((unsigned char)p[i]);
        if (h < 0)
            return -1;
        x = x << 4 | (uint32_t)h;
    }
    *v = x;
    return 0;
}

/* Scans a string literal without decoding; validates escapes and rejects
 * raw control characters.  Bytes >= 0x80 are left to the decoder, which
 * repairs invalid UTF-8. */
static int skip_string(const char **pp, const char *end)
{
    const char *p = *pp + 1;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *pp = p + 1;
            return 0;
        }
        if (c < 0x20)
            break;
        if (c != '\\') {
            p++;
            continue;
        }
        if (p + 1 >= end)
            break;
        char e = p[1];
        uint32_t v;
        if (e == 'u') {
            if (read_hex4(p + 2, end, &v))
                break;
            p += 6;
        } else if (e && strchr("\"\\/bfnrt", e)) {
            p += 2;
        } else
            break;
    }
    *pp = p;
    return WN_EFORMAT;
}

static int skip_number(const char **pp, const char *end)
{
    const char *p = *pp;
    if (p < end && *p == '-')
        p++;
    if (p >= end)
        goto bad;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    else
        goto bad;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9')
            goto bad;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            goto bad;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    *pp = p;
    return 0;
bad:
    *pp = p;
    return WN_EFORMAT;
}

static int skip_lit(const char **pp, const char *end, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n))
        return WN_EFORMAT;
    *pp += n;
    return 0;
}

int json_skip_value(const char **pp, const char *end, int depth)
{
    const char *p = *pp;
    if (p >= end)
        return WN_EFORMAT;
    if (depth <= 0)
        return WN_ELIMIT;
    switch (*p) {
    case '"':
        return skip_string(pp, end);
    case 't':
        return skip_lit(pp, end, "true");
    case 'f':
        return skip_lit(pp, end, "false");
    case 'n':
        return skip_lit(pp, end, "null");
    case '[':
    case '{': {
        char close = *p == '[' ? ']' : '}';
        int obj = *p == '{';
        p = json_skip_ws(p + 1, end);
        if (p < end && *p == close) {
            *pp = p + 1;
            return 0;
        }
        for (;;) {
            int rc;
            if (obj) {
                if (p >= end || *p != '"') {
                    *pp = p;
                    return WN_EFORMAT;
                }
                if ((rc = skip_string(&p, end))) {
                    *pp = p;
                    return rc;
                }
                p = json_skip_ws(p, end);
                if (p >= end || *p != ':') {
                    *pp = p;
                    return WN_EFORMAT;
                }
                p = json_skip_ws(p + 1, end);
            }
            if ((rc = json_skip_value(&p, end, depth - 1))) {
                *pp = p;
                return rc;
            }
            p = json_skip_ws(p, end);
            if (p < end && *p == ',') {
                p = json_skip_ws(p + 1, end);
                continue;
            }
            if (p < end && *p == close) {
                *pp = p + 1;
                return 0;
            }
            *pp = p;
            return WN_EFORMAT;
        }
    }
    default:
        return skip_number(pp, end);
    }
}

/* Eight bytes at a time: nonzero when some byte of x is c, or below c
 * (c <= 0x80).  Exact as a test (no false positives for the word). */
#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGH (SWAR_ONES * 0x80)
static inline uint64_t swar_eq(uint64_t x, unsigned char c)
{
    uint64_t y = x ^ (SWAR_ONES * c);
    return (y - SWAR_ONES) & ~y & SWAR_HIGH;
}

static inline uint64_t swar_below(uint64_t x, unsigned char c)
{
    return (x - SWAR_ONES * c) & ~x & SWAR_HIGH;
}

static inline uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

int json_decode_string(const char **pp, const char *end, wn_buf *out,
                       size_t *repaired)
{
    const char *p = *pp + 1;
    size_t bad = 0;
    int rc;
    for (;;) {
        /* copy the run up to the next quote or backslash */
        const char *s = p;
        while (end - s >= 8 &&
               !(swar_eq(load8(s), '"') | swar_eq(load8(s), '\\')))
            s += 8;
        while (s < end && *s != '"' && *s != '\\')
            s++;
        if (s > p) {
            long r = wn_utf8_repair(p, (size_t)(s - p), out, NULL);
            if (r < 0)
                return (int)r;
            bad += (size_t)r;
        }
        if (s >= end) {
            *pp = end;
            return WN_EFORMAT;
        }
        if (*s == '"') {
            *pp = s + 1;
            break;
        }
        /* escape */
        if (s + 1 >= end) {
            *pp = s;
            return WN_EFORMAT;
        }
        char e = s[1];
        char c = 0;
        switch (e) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            uint32_t v, lo;
            if (read_hex4(s + 2, end, &v)) {
                *pp = s;
                return WN_EFORMAT;
            }
            p = s + 6;
            if (v >= 0xD800 && v <= 0xDBFF && end - p >= 6 && p[0] == '\\' &&
                p[1] == 'u' && !read_hex4(p + 2, end, &lo) && lo >= 0xDC00 &&
                lo <= 0xDFFF) {
                v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if ((v >= 0xD800 && v <= 0xDFFF) || v == 0) {
                v = 0xFFFD; /* lone surrogate or NUL */
                bad++;
            }
            if ((rc = utf8_put(out, v)))
                return rc;
            continue;
        }
        default:
            *pp = s;
            return WN_EFORMAT;
        }
        if ((rc = wn_buf_putc(out, c)))
            return rc;
        p = s + 2;
    }
    if (repaired)
        *repaired += bad;
    return 0;
}

/* A byte of x is '"', '\\', NUL or >= 0x80. */
static inline int swar_special(uint64_t x)
{
    return ((swar_eq(x, '"') | swar_eq(x, '\\') | swar_eq(x, 0) | x) &
            SWAR_HIGH) != 0;
}

int json_measure_string(const char **pp, const char *end, size_t *bytes,
                        size_t *chars)
{
    const char *p = *pp + 1, *raw = p;
    size_t nb = 0, nc = 0;
    int wide = 0; /* bytes >= 0x80 met: the raw runs need a UTF-8 check */
    for (;;) {
        while (end - p >= 8 && !swar_special(load8(p))) {
            p += 8;
            nb += 8;
            nc += 8;
        }
        if (p >= end)
            return WN_EFORMAT;
        unsigned char c = (unsigned char)*p;
        if (!c)
            return WN_EFORMAT; /* the decoder would repair it */
        if (c != '"' && c != '\\') {
            nb++;
            nc += (c & 0xC0) != 0x80;
            wide |= c >= 0x80;
            p++;
            continue;
        }
        if (c == '"')
            break;
        if (end - p < 2)
            return WN_EFORMAT;
        if (p[1] != 'u') {
            switch (p[1]) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n':
            case 'r': case 't':
                break;
            default:
                return WN_EFORMAT;
            }
            nb++;
            nc++;
            p += 2;
            continue;
        }
        uint32_t v, lo;
        if (read_hex4(p + 2, end, &v))
            return WN_EFORMAT;
        p += 6;
        if (v >= 0xD800 && v <= 0xDBFF && end - p >= 6 && p[0] == '\\' &&
            p[1] == 'u' && !read_hex4(p + 2, end, &lo) && lo >= 0xDC00 &&
            lo <= 0xDFFF) {
            nb += 4;
            p += 6;
        } else if ((v >= 0xD800 && v <= 0xDFFF) || v == 0)
            return WN_EFORMAT; /* the decoder would repair it */
        else
            nb += v < 0x80 ? 1 : v < 0x800 ? 2 : 3;
        nc++;
    }
    /* escapes are ASCII, so the raw runs are valid UTF-8 exactly when the
     * whole literal is */
    if (wide && !wn_utf8_valid(raw, (size_t)(p - raw)))
        return WN_EFORMAT;
    *pp = p + 1;
    *bytes = nb;
    *chars = nc;
    return 0;
}

/* Bytes that need escaping in a JSON string: ", \ and controls. */
static const unsigned char needs_escape[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};

int wn_json_put_string(wn_buf *out, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    /* worst case 6 bytes per input byte; reserve the common case */
    int rc = wn_buf_reserve(out, n + 2);
    if (rc)
        return rc;
    out->data[out->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        /* text has a newline every line or so: skip eight bytes at a time
         * between them */
        while (i + 8 <= n) {
            uint64_t x = load8(str + i);
            if (swar_below(x, 0x20) | swar_eq(x, '"') | swar_eq(x, '\\') |
                swar_eq(x, 0x7F))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (WN_LIKELY(!needs_escape[c]))
            continue;
        /* the run and the escape go straight into out (a text escapes a
         * newline every line): room for them and for the rest and the
         * closing quote, so that the common case reserves once */
        size_t need = (i - run) + 6 + (n - i) + 1;
        if (out->len + need + 1 > out->alloc &&
            (rc = wn_buf_reserve(out, need)))
            return rc;
        memcpy(out->data + out->len, s + run, i - run);
        out->len += i - run;
        char *esc = out->data + out->len;
        size_t k = 2;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default: {
            static const char hex[] = "0123456789abcdef";
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        }
        }
        out->len += k;
        out->data[out->len] = '\0';
        run = i + 1;
    }
    if ((rc = wn_buf_append(out, s + run, n - run)))
        return rc;
    return wn_buf_putc(out, '"');
}
