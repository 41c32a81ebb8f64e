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

int jview_next(jview *it, wn_buf *key, jview *val)
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
                if (key) {
                    wn_buf_reset(key);
                    const char *k = p;
                    if (json_decode_string(&k, it->end, key, NULL))
                        return 0;
                }
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
    wn_buf k = WN_BUF_INIT;
    int found = 0;
    if (v.p < v.end && *v.p == '{' && jview_iter(v, &it))
        while (!found && jview_next(&it, &k, &val))
            if (k.data && !strcmp(k.data, key)) {
                *out = val;
                found = 1;
            }
    wn_buf_release(&k);
    return found;
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
            for (unsigned long k = 0; !found && jview_next(&it, NULL, &val);
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

int jview_str(jview v, wn_buf *out)
{
    wn_buf_reset(out);
    if (v.p >= v.end || *v.p != '"')
        return wn_buf_set(out, "", 0);
    const char *p = v.p;
    int rc = json_decode_string(&p, v.end, out, NULL);
    return rc ? rc : out->data ? 0 : wn_buf_set(out, "", 0);
}
