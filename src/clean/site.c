/*
 * site.c - the "site_lines" stage: lines a site prints on many of its pages
 * (taglines, footers, menus) are boilerplate even when no rule knows them.
 *
 * First pass (observe, one thread, in input order): for each page, every
 * distinct non-empty line is normalised CCNet-style (lowercase, digits ->
 * 0, punctuation and spaces dropped) and hashed with XXH3 seeded by the
 * hash of the page's site (registered domain or directory, domain.c); the
 * 64-bit key's counter in an open-addressing table goes up by one per page,
 * and so does the site's page count.  Strings are never stored.
 * Second pass (process, read-only, any number of threads): a line is
 * dropped when its key was seen on at least min_pages pages AND on at
 * least min_share of its site's pages.
 *
 * Memory is fixed: the table has 2^k slots of 16 bytes chosen from
 * site_lines.table_mb.  When it is 7/8 full, every counter of 1 (the
 * great majority: lines seen once) is evicted in place; a line evicted
 * and seen again restarts from 1, so counts can only be under-estimated
 * and a fuller corpus can only make the stage drop LESS, never remove a
 * line that should stay.  If a sweep frees too little, new keys are no
 * longer inserted (counted in overflow) while known keys keep counting.
 * A 64-bit collision merges two lines' counts; at 10^8 keys the chance
 * that any pair collides is about 3e-4.
 *
 * site_lines.scope = corpus makes the whole corpus one site: the CCNet
 * idea of dropping paragraphs repeated across documents.
 */
#include "clean.h"

#include <stdlib.h>
#include <xxhash.h>

static const char R_SITE[] = "site_lines";

typedef struct site_opts {
    long long min_pages, table_mb, min_chars;
    double min_share;
    int corpus; /* scope: 0 site, 1 corpus */
} site_opts;

#define AT(f) OPT_AT(site_opts, f)

static const config_opt site_table[] = {
    OPTION_INT("site_lines.min_pages", "3", 1, OPT_NOLIMIT, 0, AT(min_pages),
               "drop a line seen on at least N pages"),
    OPTION_DOUBLE("site_lines.min_share", "0.1", 0, 1, 0, AT(min_share),
                  "... and on at least this share of its site's pages"),
    OPTION_ENUM("site_lines.scope", "site", "site|corpus", AT(corpus),
                "site: per registered domain / directory; corpus: the "
                "whole corpus is one site (CCNet-style)"),
    OPTION_INT("site_lines.table_mb", "64", 1, 1 << 20, 0, AT(table_mb),
               "memory for line counters, MiB (fixed)"),
    OPTION_INT("site_lines.min_chars", "1", 0, OPT_NOLIMIT, 0, AT(min_chars),
               "ignore lines shorter than N characters"),
    OPTION_END,
};

typedef struct slot {
    uint64_t key; /* 0 = empty (a real 0 key is mapped to 1) */
    uint64_t count;
} slot;

typedef struct site_state {
    slot *lines;     /* line counters */
    size_t lmask, lused;
    slot *sites;     /* site -> page count, grows (few entries) */
    size_t smask, sused;
    uint64_t min_pages, overflow, sweeps;
    double min_share;
    long min_chars;
    int corpus;
    int frozen; /* table full after a sweep: no new keys */
    wn_buf key, norm, seen;
    cl_counts counts;
} site_state;

static slot *find(slot *t, size_t mask, uint64_t key)
{
    size_t i = (size_t)(key * 0x9E3779B97F4A7C15ull >> 17) & mask;
    while (t[i].key && t[i].key != key)
        i = (i + 1) & mask;
    return &t[i];
}

static void site_free(void *p)
{
    site_state *st = p;
    if (!st)
        return;
    free(st->lines);
    free(st->sites);
    wn_buf_release(&st->key);
    wn_buf_release(&st->norm);
    wn_buf_release(&st->seen);
    free(st);
}

static void site_setup(site_state *st, const site_opts *o);

/* On failure nothing is left behind: *out is NULL. */
static int site_create(const void *opts, void **out, wn_error *err)
{
    site_state *st = calloc(1, sizeof *st);
    *out = NULL;
    if (!st)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    site_setup(st, opts);
    *out = st;
    return 0;
}

static void site_setup(site_state *st, const site_opts *o)
{
    st->min_pages = (uint64_t)o->min_pages;
    st->min_share = o->min_share;
    st->min_chars = (long)o->min_chars;
    st->corpus = o->corpus;
    size_t slots = 1024;
    while (slots * 2 * sizeof(slot) <= (size_t)o->table_mb << 20)
        slots *= 2;
    /* Allocated lazily on first observe: a run without a first pass (or
     * explain on one file) costs nothing. */
    st->lmask = slots - 1;
    st->smask = 255;
    cl_counts_slot(&st->counts, R_SITE);
}

/* CCNet's normalisation: lowercase, digits to 0, drop punctuation and
 * whitespace (non-ASCII bytes kept as they are). */
static void normalise(const char *s, size_t n, wn_buf *out)
{
    wn_buf_reset(out);
    if (wn_buf_reserve(out, n + 1))
        return;
    char *o = out->data;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            o[k++] = (char)c;
        else if (c >= '0' && c <= '9')
            o[k++] = '0';
        else if (isalnum_c((char)c))
            o[k++] = lower_c((char)c);
    }
    o[k] = 0;
    out->len = k;
}

static uint64_t site_hash(site_state *st, const wn_doc *doc)
{
    if (st->corpus)
        return 0x5173u;
    cl_site_key(doc, &st->key);
    return XXH3_64bits(st->key.data ? st->key.data : "", st->key.len);
}

static uint64_t line_key(site_state *st, uint64_t site, const char *s,
                         size_t n)
{
    normalise(s, n, &st->norm);
    if (!st->norm.len)
        return 0;
    uint64_t k = XXH3_64bits_withSeed(st->norm.data, st->norm.len, site);
    return k ? k : 1;
}

static void sweep(site_state *st)
{
    /* Evict every singleton, then re-place survivors (linear probing
     * needs no tombstones if we rebuild the runs). */
    size_t cap = st->lmask + 1;
    for (size_t i = 0; i < cap; i++)
        if (st->lines[i].key && st->lines[i].count <= 1) {
            st->lines[i].key = 0;
            st->lused--;
        }
    for (size_t i = 0; i < cap; i++) {
        slot s = st->lines[i];
        if (!s.key)
            continue;
        st->lines[i].key = 0;
        slot *d = find(st->lines, st->lmask, s.key);
        *d = s;
    }
    st->sweeps++;
    if (st->lused * 8 >= cap * 6)
        st->frozen = 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int site_observe(void *state, const wn_doc *doc)
{
    site_state *st = state;
    if (!st->lines) {
        st->lines = calloc(st->lmask + 1, sizeof(slot));
        st->sites = calloc(st->smask + 1, sizeof(slot));
        if (!st->lines || !st->sites)
            return WN_ENOMEM;
    }
    uint64_t site = site_hash(st, doc);
    slot *ps = find(st->sites, st->smask, site ? site : 1);
    if (!ps->key) {
        ps->key = site ? site : 1;
        if (++st->sused * 2 > st->smask) {
            size_t nm = st->smask * 2 + 1;
            slot *nt = calloc(nm + 1, sizeof(slot));
            if (!nt)
                return WN_ENOMEM;
            for (size_t i = 0; i <= st->smask; i++)
                if (st->sites[i].key)
                    *find(nt, nm, st->sites[i].key) = st->sites[i];
            free(st->sites);
            st->sites = nt;
            st->smask = nm;
            ps = find(st->sites, st->smask, site ? site : 1);
        }
    }
    ps->count++;
    /* Distinct keys of this page: a line printed twice counts once. */
    const char *t = doc->text.data;
    size_t n = doc->text.len, nk = 0;
    wn_buf_reset(&st->seen);
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - t) : n;
        if (e > i && (long)(e - i) >= st->min_chars) {
            uint64_t k = line_key(st, site, t + i, e - i);
            if (k && !wn_buf_append(&st->seen, &k, sizeof k))
                nk++;
        }
        i = e + 1;
    }
    uint64_t *keys = (uint64_t *)(void *)st->seen.data;
    if (nk > 1)
        qsort(keys, nk, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < nk; i++) {
        if (i && keys[i] == keys[i - 1])
            continue;
        slot *s = find(st->lines, st->lmask, keys[i]);
        if (s->key) {
            s->count++;
            continue;
        }
        if (st->frozen) {
            st->overflow++;
            continue;
        }
        s->key = keys[i];
        s->count = 1;
        if (++st->lused * 8 >= (st->lmask + 1) * 7)
            sweep(st);
    }
    return 0;
}

static int site_prepare(void *state, wn_error *err)
{
    (void)state;
    (void)err;
    return 0;
}

static uint64_t lookup(const slot *t, size_t mask, uint64_t key)
{
    if (!t)
        return 0;
    const slot *s = find((slot *)t, mask, key);
    return s->key ? s->count : 0;
}

int site_decide(void *state, const wn_doc *doc, cl_line *lines, size_t n,
                wn_buf *tmp)
{
    site_state *st = state;
    if (!st->lines)
        return STAGE_KEEP; /* no first pass: nothing is known */
    /* process() may run on many threads: use the caller's buffers, not
     * the state's. */
    uint64_t site;
    if (st->corpus)
        site = 0x5173u;
    else {
        cl_site_key(doc, tmp);
        site = XXH3_64bits(tmp->data ? tmp->data : "", tmp->len);
    }
    uint64_t pages = lookup(st->sites, st->smask, site ? site : 1);
    if (pages < st->min_pages)
        return STAGE_KEEP;
    for (size_t i = 0; i < n; i++) {
        cl_line *l = &lines[i];
        if (!l->len || l->rule || (long)l->len < st->min_chars)
            continue;
        normalise(doc->text.data + l->off, l->len, tmp);
        if (!tmp->len)
            continue;
        uint64_t k = XXH3_64bits_withSeed(tmp->data, tmp->len, site);
        uint64_t c = lookup(st->lines, st->lmask, k ? k : 1);
        if (c >= st->min_pages && (double)c >= st->min_share * (double)pages)
            l->rule = R_SITE;
    }
    return STAGE_KEEP;
}

static int site_process(void *state, wn_doc *doc, stage_scratch *sc,
                        wn_buf *reason)
{
    site_state *st = state;
    cl_line *lines;
    size_t n = cl_split(doc->text.data, doc->text.len, &sc->b[0], &lines);
    int rc = site_decide(st, doc, lines, n, &sc->b[2]);
    if (rc < 0)
        return rc;
    cl_counts_add(&st->counts, lines, n);
    int any = 0;
    for (size_t i = 0; i < n && !any; i++)
        any = lines[i].rule != NULL;
    if (!any)
        return STAGE_KEEP;
    if ((rc = cl_rebuild(&doc->text, lines, n, &sc->b[1])) < 0)
        return rc;
    if (!doc->text.len) {
        wn_buf_puts(reason, "site_lines:empty_after_cleaning");
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const cl_counts *site_counts(void *state)
{
    return &((site_state *)state)->counts;
}

void site_table_stats(void *state, uint64_t *used, uint64_t *cap,
                      uint64_t *overflow, uint64_t *sweeps)
{
    site_state *st = state;
    *used = st->lused;
    *cap = st->lmask + 1;
    *overflow = st->overflow;
    *sweeps = st->sweeps;
}

const stage_ops stage_site_lines = {
    .name = "site_lines",
    .summary = "drop lines a site prints on many of its pages (two passes)",
    .opts = site_table,
    .opts_size = sizeof(site_opts),
    .create = site_create,
    .observe = site_observe,
    .prepare = site_prepare,
    .process = site_process,
    .free = site_free,
};
