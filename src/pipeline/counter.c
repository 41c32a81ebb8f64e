/*
 * counter.c - counts per key for many keys (the report's domains): an
 * open-addressing hash table of tally_kv, FNV-1a hashed, doubled at half
 * full.  tally_kv_add's linear list is right for the few reasons and
 * languages; a crawl has a domain for every few documents.
 *
 * The counts are exact up to COUNTER_MAX_KEYS distinct keys; later new
 * keys go to `other`.  Nothing depends on the table's layout: counter_top
 * sorts by count and key, so the figures depend only on the input order.
 */
#include "tally.h"

#include <stdlib.h>

#define COUNTER_MAX_KEYS ((size_t)1 << 20)

uint64_t counter_hash(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* The slot of key, or the empty slot where it goes. */
static tally_kv *find(tally_kv *slot, size_t cap, const char *key,
                      size_t klen)
{
    size_t i = (size_t)counter_hash(key, klen) & (cap - 1);
    while (slot[i].key && (strncmp(slot[i].key, key, klen) ||
                           slot[i].key[klen]))
        i = (i + 1) & (cap - 1);
    return &slot[i];
}

static int grow(counter *c)
{
    size_t cap = c->cap ? c->cap * 2 : 64;
    tally_kv *ns = calloc(cap, sizeof *ns);
    if (!ns)
        return WN_ENOMEM;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i].key)
            *find(ns, cap, c->slot[i].key, strlen(c->slot[i].key)) =
                c->slot[i];
    free(c->slot);
    c->slot = ns;
    c->cap = cap;
    return 0;
}

int counter_add(counter *c, const char *key, size_t klen, uint64_t by)
{
    int rc;
    if (c->n >= c->cap / 2 && c->n < COUNTER_MAX_KEYS && (rc = grow(c)))
        return rc;
    tally_kv *s = find(c->slot, c->cap, key, klen);
    if (s->key) {
        s->n += by;
        return 0;
    }
    if (c->n >= COUNTER_MAX_KEYS) {
        c->other += by;
        return 0;
    }
    if (!(s->key = malloc(klen + 1)))
        return WN_ENOMEM;
    memcpy(s->key, key, klen);
    s->key[klen] = 0;
    s->n = by;
    c->n++;
    return 0;
}

int counter_top(const counter *c, size_t k, tally_kv **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!k || !c->n)
        return 0;
    tally_kv *all = malloc(c->n * sizeof *all);
    if (!all)
        return WN_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < c->cap; i++)
        if (c->slot[i].key)
            all[m++] = c->slot[i];
    qsort(all, m, sizeof *all, tally_kv_cmp);
    *out = all;
    *n = m < k ? m : k;
    return 0;
}

void counter_release(counter *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->slot[i].key);
    free(c->slot);
    memset(c, 0, sizeof *c);
}
