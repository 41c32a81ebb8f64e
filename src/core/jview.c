/*
 * jview.c - reading values out of a small JSON document (stats.json,
 * timing.json) without building a tree.
 *
 * A jview is a validated JSON value in place: [p, end) in the caller's
 * buffer.  jview_parse checks the whole document once (json_skip_value),
 * so navigation below it can rely on well-formed text.  Lookups walk the
 * members each time: the documents are a few kilobytes, read once.
 */
#include "core.h"

#include <stdlib.h>
#include <string.h>

#define JVIEW_DEPTH 64

int jview_parse(const char *s, size_t n, jview *out)
{
    const char *end = s + n, *p = json_skip_ws(s, end), *v = p;
    if (json_skip_value(&p, end, JVIEW_DEPTH))
        return WN_EFORMAT;
    if (json_skip_ws(p, end) != end)
        return WN_EFORMAT;
    out->p = v;
    out->end = p;
    return 0;
}

int jview_iter(jview v, jview *it)
{
    if (v.p >= v.end || (*v.p != '{' && *v.p != '['))
        return 0;
    it->p = v.p + 1;
    it->end = v.end;
    return 1;
}

/* Decodes the member name at p (a valid string literal) into key, cut to
 * cap - 1 bytes: no allocation, so walking a document cannot fail. */
static void decode_key(const char *p, char *key, size_t cap)
{
    size_t n = 0;
    for (p++; *p != '"'; p++) {
        char tmp[4];
        size_t k = 1;
        tmp[0] = *p;
        if (*p == '\\') {
            p++;
            switch (*p) {
            case 'b': tmp[0] = '\b'; break;
            case 'f': tmp[0] = '\f'; break;
            case 'n': tmp[0] = '\n'; break;
            case 'r': tmp[0] = '\r'; break;
            case 't': tmp[0] = '\t'; break;
            case 'u': {
                unsigned c = (unsigned)strtoul((char[5]){p[1], p[2], p[3], p[4], 0},
                                               NULL, 16);
                p += 4;
                if (c >= 0xD800 && c < 0xE000)
                    c = 0xFFFD; /* a key is a label: no pairs needed */
                if (c < 0x80)
                    tmp[0] = (char)c;
                else if (c < 0x800) {
                    tmp[0] = (char)(0xC0 | c >> 6);
                    tmp[1] = (char)(0x80 | (c & 0x3F));
                    k = 2;
                } else {
                    tmp[0] = (char)(0xE0 | c >> 12);
                    tmp[1] = (char)(0x80 | ((c >> 6) & 0x3F));
                    tmp[2] = (char)(0x80 | (c & 0x3F));
                    k = 3;
                }
                break;
            }
            default: tmp[0] = *p; /* " \\ / */
            }
        }
        if (n + k >= cap)
            break;
        memcpy(key + n, tmp, k);
        n += k;
    }
    key[n] = 0;
}

int jview_next(jview *it, char *key, size_t cap, jview *val)
{
    const char *p = json_skip_ws(it->p, it->end);
    if (p < it->end && *p == ',')
        p = json_skip_ws(p + 1, it->end);
    if (p >= it->end || *p == '}' || *p == ']')
        return 0;
    if (*p == '"' && p + 1 < it->end) {
        /* an object member, unless this is an array of strings: a member
         * name is followed by ':' */
        const char *q = p;
        if (json_skip_value(&q, it->end, 1) == 0) {
            const char *c = json_skip_ws(q, it->end);
            if (c < it->end && *c == ':') {
                if (key && cap)
                    decode_key(p, key, cap);
                p = json_skip_ws(c + 1, it->end);
            }
        }
    }
    val->p = p;
    if (json_skip_value(&p, it->end, JVIEW_DEPTH))
        return 0;
    val->end = p;
    it->p = p;
    return 1;
}

int jview_get(jview v, const char *key, jview *out)
{
    jview it, val;
    char k[JVIEW_KEY];
    if (v.p < v.end && *v.p == '{' && jview_iter(v, &it))
        while (jview_next(&it, k, sizeof k, &val))
            if (!strcmp(k, key)) {
                *out = val;
                return 1;
            }
    return 0;
}

int jview_path(jview v, const char *path, jview *out)
{
    char part[256];
    while (*path == '/') {
        path++;
        size_t n = strcspn(path, "/");
        if (n >= sizeof part)
            return 0;
        memcpy(part, path, n);
        part[n] = 0;
        path += n;
        if (v.p < v.end && *v.p == '[') {
            char *e;
            unsigned long i = strtoul(part, &e, 10);
            jview it, val;
            int found = 0;
            jview_iter(v, &it);
            for (unsigned long k = 0;
                 !found && jview_next(&it, NULL, 0, &val);
                 k++)
                found = k == i;
            if (!found || *e)
                return 0;
            v = val;
        } else if (!jview_get(v, part, &v))
            return 0;
    }
    *out = v;
    return 1;
}

double jview_num(jview v)
{
    char b[64];
    size_t n = (size_t)(v.end - v.p);
    if (!n || n >= sizeof b)
        return 0;
    memcpy(b, v.p, n);
    b[n] = 0;
    return strtod(b, NULL);
}

uint64_t jview_u64(jview v)
{
    char b[32];
    size_t n = (size_t)(v.end - v.p);
    if (!n || n >= sizeof b || *v.p == '-')
        return 0;
    memcpy(b, v.p, n);
    b[n] = 0;
    return strtoull(b, NULL, 10);
}

int jview_cstr(jview v, char *out, size_t cap)
{
    if (!cap)
        return 0;
    out[0] = 0;
    if (v.p >= v.end || *v.p != '"')
        return 0;
    decode_key(v.p, out, cap);
    return 1;
}

int jview_str(jview v, wn_buf *out)
{
    wn_buf_reset(out);
    if (v.p >= v.end || *v.p != '"')
        return wn_buf_set(out, "", 0);
    const char *p = v.p;
    int rc = json_decode_string(&p, v.end, out, NULL);
    return rc ? rc : out->data ? 0 : wn_buf_set(out, "", 0);
}
