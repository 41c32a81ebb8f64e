/*
 * urllist.c - the block-list sets of url_filter (urllist.h).
 *
 * A UT1 category holds millions of domains, so a set is one blob of
 * NUL-terminated entries and an open-addressing table of (64-bit XXH3
 * hash, offset, list) slots kept under half full; a hit compares the
 * string too, so a hash collision cannot block a page.  Read-only after
 * loading: any number of threads may look up at once.
 */
#include "urllist.h"

#include <stdlib.h>
#include <xxhash.h>

typedef struct slot {
    uint64_t hash;   /* 0: empty (a real 0 is stored as 1) */
    uint32_t off;    /* entry in blob */
    uint32_t list;
} slot;

struct url_set {
    int kind;
    wn_buf blob;
    slot *t;
    size_t mask, used;
};

url_set *url_set_new(int kind)
{
    url_set *s = calloc(1, sizeof *s);
    if (s)
        s->kind = kind;
    return s;
}

void url_set_free(url_set *s)
{
    if (!s)
        return;
    wn_buf_release(&s->blob);
    free(s->t);
    free(s);
}

size_t url_set_size(const url_set *s) { return s->used; }

static uint64_t key_hash(const char *k, size_t n)
{
    uint64_t h = XXH3_64bits(k, n);
    return h ? h : 1;
}

static int has_prefix(const char *t, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && !memcmp(t, p, k);
}

int url_set_key(int kind, const char *t, size_t n, wn_buf *out)
{
    wn_buf_reset(out);
    if (kind == URLSET_URL) {
        const char *s = memchr(t, ':', n);
        if (s && (size_t)(s - t) + 2 < n && s[1] == '/' && s[2] == '/') {
            n -= (size_t)(s + 3 - t);
            t = s + 3;
        }
    }
    int rc = wn_buf_reserve(out, n + 1);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        out->data[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    out->len = n;
    out->data[n] = '\0';
    char *d = out->data;
    size_t skip = 0;
    if (kind == URLSET_URL && has_prefix(d, n, "www."))
        skip = 4;
    else if (kind == URLSET_DOMAIN && has_prefix(d, n, "*."))
        skip = 2;
    else if (kind == URLSET_DOMAIN && has_prefix(d, n, "."))
        skip = 1;
    memmove(d, d + skip, n - skip + 1);
    out->len -= skip;
    char trail = kind == URLSET_URL ? '/' : kind == URLSET_DOMAIN ? '.' : 0;
    while (trail && out->len && d[out->len - 1] == trail)
        d[--out->len] = '\0';
    return 0;
}

static slot *find_slot(slot *t, size_t mask, uint64_t h, const char *blob,
                       const char *k, size_t n)
{
    size_t i = (size_t)h & mask;
    /* strnlen first: an entry shorter than k ends inside the blob */
    while (t[i].hash && !(t[i].hash == h && strnlen(blob + t[i].off, n + 1) == n &&
                          !memcmp(blob + t[i].off, k, n)))
        i = (i + 1) & mask;
    return &t[i];
}

static int grow(url_set *s)
{
    size_t cap = s->t ? (s->mask + 1) * 2 : 1024;
    slot *nt = calloc(cap, sizeof *nt);
    if (!nt)
        return WN_ENOMEM;
    for (size_t i = 0; s->t && i <= s->mask; i++)
        if (s->t[i].hash) {
            size_t j = (size_t)s->t[i].hash & (cap - 1);
            while (nt[j].hash)
                j = (j + 1) & (cap - 1);
            nt[j] = s->t[i];
        }
    free(s->t);
    s->t = nt;
    s->mask = cap - 1;
    return 0;
}

static int add(url_set *s, const char *k, size_t n, uint32_t list)
{
    if ((!s->t || s->used + 1 > (s->mask + 1) / 2) && grow(s))
        return WN_ENOMEM;
    uint64_t h = key_hash(k, n);
    const char *blob = s->blob.data ? s->blob.data : "";
    slot *sl = find_slot(s->t, s->mask, h, blob, k, n);
    if (sl->hash)
        return 0; /* listed twice: the first list names it */
    if (s->blob.len > UINT32_MAX - n - 1)
        return WN_ENOMEM; /* 4 GiB of entries: more than any list */
    sl->hash = h;
    sl->off = (uint32_t)s->blob.len;
    sl->list = list;
    s->used++;
    int rc = wn_buf_append(&s->blob, k, n);
    return rc ? rc : wn_buf_putc(&s->blob, '\0');
}

long url_set_add_text(url_set *s, const char *data, size_t n, uint32_t list)
{
    wn_buf key = WN_BUF_INIT;
    long added = 0;
    int rc = 0;
    for (size_t i = 0; i < n && !rc;) {
        const char *nl = memchr(data + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - data) : n, a = i;
        i = e + 1;
        while (a < e && (unsigned char)data[a] <= ' ')
            a++;
        size_t b = e;
        while (b > a && (unsigned char)data[b - 1] <= ' ')
            b--;
        if (a == b || data[a] == '#')
            continue;
        if (memchr(data + a, '\0', b - a))
            continue; /* not text: no entry can match it */
        rc = url_set_key(s->kind, data + a, b - a, &key);
        if (!rc && key.len) {
            size_t before = s->used;
            rc = add(s, key.data, key.len, list);
            added += s->used > before;
        }
    }
    wn_buf_release(&key);
    return rc ? rc : added;
}

int url_set_has(const url_set *s, const char *key, size_t n, uint32_t *list)
{
    if (!s->t || !s->blob.data)
        return 0;
    slot *sl = find_slot(s->t, s->mask, key_hash(key, n), s->blob.data, key,
                         n);
    if (!sl->hash)
        return 0;
    if (list)
        *list = sl->list;
    return 1;
}
