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
 * A distributed run observes shares of the corpus in several processes
 * and merges their saved tables (site_save/site_merge, below).
 *
 * site_lines.scope = corpus makes the whole corpus one site: the CCNet
 * idea of dropping paragraphs repeated across documents.
 */
#include "clean.h"

#include <pthread.h>
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

/* What CCNet's normalisation makes of each byte: lowercase, digits to
 * 0, non-ASCII bytes as they are; 0 for the punctuation and whitespace it
 * drops (and for NUL, which it drops too). */
static unsigned char norm_byte[256];
static pthread_once_t norm_once = PTHREAD_ONCE_INIT;

static void norm_init(void)
{
    for (int c = 1; c < 256; c++)
        norm_byte[c] = (unsigned char)(c >= 0x80                ? c
                                       : c >= '0' && c <= '9'   ? '0'
                                       : isalnum_c((char)c) ? lower_c((char)c)
                                                            : 0);
}

/* CCNet's normalisation of s[0..n) into out.  Table-driven and without a
 * branch per byte: every line of every page goes through it twice (first
 * pass and decision). */
static int normalise(const char *s, size_t n, wn_buf *out)
{
    pthread_once(&norm_once, norm_init);
    wn_buf_reset(out);
    if (wn_buf_reserve(out, n + 1))
        return WN_ENOMEM; /* an empty key would keep the line */
    unsigned char *o = (unsigned char *)out->data;
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0, i = 0;
    for (; i + 4 <= n; i += 4) { /* four a round: fewer loop tests */
        unsigned char c0 = norm_byte[u[i]], c1 = norm_byte[u[i + 1]];
        unsigned char c2 = norm_byte[u[i + 2]], c3 = norm_byte[u[i + 3]];
        o[k] = c0;
        k += c0 != 0;
        o[k] = c1;
        k += c1 != 0;
        o[k] = c2;
        k += c2 != 0;
        o[k] = c3;
        k += c3 != 0;
    }
    for (; i < n; i++) {
        unsigned char c = norm_byte[u[i]];
        o[k] = c;
        k += c != 0;
    }
    o[k] = 0;
    out->len = k;
    return 0;
}

/* The hash of doc's site, made in key; WN_ENOMEM when the key cannot be
 * made. */
static int site_hash(const site_state *st, const wn_doc *doc, wn_buf *key,
                     uint64_t *h)
{
    if (st->corpus) {
        *h = 0x5173u;
        return 0;
    }
    int rc = cl_site_key(doc, key);
    *h = XXH3_64bits(key->data ? key->data : "", key->len);
    return rc;
}

/* The key of a line in *k (0: no key, the line is blank once
 * normalised); WN_ENOMEM when it cannot be made. */
static int line_key(site_state *st, uint64_t site, const char *s, size_t n,
                    uint64_t *k)
{
    *k = 0;
    if (normalise(s, n, &st->norm))
        return WN_ENOMEM;
    if (st->norm.len) {
        *k = XXH3_64bits_withSeed(st->norm.data, st->norm.len, site);
        *k = *k ? *k : 1;
    }
    return 0;
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

/* A page's keys in order; most pages have a few dozen lines, where an
 * insertion sort costs less than qsort's calls through a pointer. */
static void sort_keys(uint64_t *k, size_t n)
{
    if (n > 32) {
        qsort(k, n, sizeof *k, cmp_u64);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t v = k[i];
        size_t j = i;
        for (; j > 0 && k[j - 1] > v; j--)
            k[j] = k[j - 1];
        k[j] = v;
    }
}

/* The tables exist from the first observe or merge on. */
static int alloc_tables(site_state *st)
{
    if (st->lines)
        return 0;
    st->lines = calloc(st->lmask + 1, sizeof(slot));
    st->sites = calloc(st->smask + 1, sizeof(slot));
    if (!st->lines || !st->sites) {
        free(st->lines);
        free(st->sites);
        st->lines = st->sites = NULL;
        return WN_ENOMEM;
    }
    return 0;
}

/* Adds n pages to site key (not 0); the site table grows at half full. */
static int add_site(site_state *st, uint64_t key, uint64_t n)
{
    slot *ps = find(st->sites, st->smask, key);
    if (!ps->key && (st->sused + 1) * 2 > st->smask) {
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
        ps = find(st->sites, st->smask, key);
    }
    if (!ps->key) {
        ps->key = key;
        st->sused++;
    }
    ps->count += n;
    return 0;
}

/* Adds n pages to line key (not 0) under the eviction rules above. */
static void add_line(site_state *st, uint64_t key, uint64_t n)
{
    slot *s = find(st->lines, st->lmask, key);
    if (s->key) {
        s->count += n;
        return;
    }
    if (st->frozen) {
        st->overflow++;
        return;
    }
    s->key = key;
    s->count = n;
    if (++st->lused * 8 >= (st->lmask + 1) * 7)
        sweep(st);
}

static int site_observe(void *state, const wn_doc *doc)
{
    site_state *st = state;
    uint64_t site;
    if (site_hash(st, doc, &st->key, &site) || alloc_tables(st) ||
        add_site(st, site ? site : 1, 1))
        return WN_ENOMEM;
    /* Distinct keys of this page: a line printed twice counts once. */
    const char *t = doc->text.data;
    size_t n = doc->text.len, nk = 0;
    wn_buf_reset(&st->seen);
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - t) : n;
        if (e > i && (long)(e - i) >= st->min_chars) {
            /* a line left out would be counted on fewer pages */
            uint64_t k;
            if (line_key(st, site, t + i, e - i, &k) ||
                (k && wn_buf_append(&st->seen, &k, sizeof k)))
                return WN_ENOMEM;
            nk += k != 0;
        }
        i = e + 1;
    }
    uint64_t *keys = (uint64_t *)(void *)st->seen.data;
    sort_keys(keys, nk);
    for (size_t i = 0; i < nk; i++)
        if (!i || keys[i] != keys[i - 1])
            add_line(st, keys[i], 1);
    return 0;
}

/*
 * The saved first pass (save/merge), little-endian:
 *   "WNSITELN"  magic
 *   u32 version (1), u32 flags (bit 0: scope = corpus)
 *   u64 min_chars                  (with the scope, what the keys mean)
 *   u64 nsites, nlines, overflow, sweeps
 *   nsites x (u64 site key, u64 pages), nlines x (u64 line key, u64 pages)
 *   u64 XXH3-64 of every byte before it
 * Only used slots are written, so a save is as large as what was seen,
 * not as the table, and the table size (table_mb) may differ between the
 * process that saved and the one that merges.
 *
 * Merging adds counts key by key: pages are observed by exactly one
 * share, so while no sweep ran (in a share or during the merge) the
 * merged table holds for every key the count a single pass over the
 * whole corpus gives, and every line is decided the same.  Once the table
 * fills, a merge inserts keys under the observe rules (a sweep at 7/8
 * evicts counts of 1, then new keys overflow), so counts stay
 * under-estimates, never over-estimates - but need not equal a single
 * pass's: the merged state then depends on the split, though not on
 * anything else (the same shares merged in the same order give the same
 * table).
 */
static const char SAVE_MAGIC[8] = "WNSITELN";
enum { SAVE_VERSION = 1, SAVE_HEAD = 56 };

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> 8 * i);
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static size_t used_slots(const slot *t, size_t mask)
{
    size_t n = 0;
    for (size_t i = 0; t && i <= mask; i++)
        n += t[i].key != 0;
    return n;
}

static unsigned char *put_slots(unsigned char *p, const slot *t, size_t mask)
{
    for (size_t i = 0; t && i <= mask; i++)
        if (t[i].key) {
            put64(p, t[i].key);
            put64(p + 8, t[i].count);
            p += 16;
        }
    return p;
}

static int site_save(void *state, wn_buf *out)
{
    site_state *st = state;
    /* counted, not taken from sused/lused: the size must match what
     * put_slots writes whatever happened before */
    size_t ns = used_slots(st->sites, st->smask);
    size_t nl = used_slots(st->lines, st->lmask);
    size_t n = SAVE_HEAD + 16 * (ns + nl) + 8;
    if (wn_buf_reserve(out, n))
        return WN_ENOMEM;
    unsigned char *p0 = (unsigned char *)out->data + out->len, *p = p0;
    memcpy(p, SAVE_MAGIC, 8);
    put64(p + 8, SAVE_VERSION | (uint64_t)st->corpus << 32);
    put64(p + 16, (uint64_t)st->min_chars);
    put64(p + 24, ns);
    put64(p + 32, nl);
    put64(p + 40, st->overflow);
    put64(p + 48, st->sweeps);
    p = put_slots(p + SAVE_HEAD, st->sites, st->smask);
    p = put_slots(p, st->lines, st->lmask);
    put64(p, XXH3_64bits(p0, (size_t)(p - p0)));
    out->len += n;
    return 0;
}

/* Checks data as a save of st's options; returns the counts in *ns, *nl. */
static int check_save(const site_state *st, const unsigned char *p, size_t n,
                      uint64_t *ns, uint64_t *nl, wn_error *err)
{
    if (n < SAVE_HEAD + 8 || memcmp(p, SAVE_MAGIC, 8))
        return wn_err(err, WN_EFORMAT, "", 0,
                      "site_lines: not a saved first pass");
    uint64_t vf = get64(p + 8);
    if ((uint32_t)vf != SAVE_VERSION)
        return wn_err(err, WN_EFORMAT, "", 0,
                      "site_lines: saved first pass of format %u, not %u",
                      (unsigned)(uint32_t)vf, (unsigned)SAVE_VERSION);
    *ns = get64(p + 24);
    *nl = get64(p + 32);
    size_t body = n - SAVE_HEAD - 8;
    if (body % 16 || *ns > body / 16 || *nl != body / 16 - *ns ||
        get64(p + n - 8) != XXH3_64bits(p, n - 8))
        return wn_err(err, WN_EFORMAT, "", 0,
                      "site_lines: saved first pass is damaged");
    if (vf >> 32 != (uint64_t)st->corpus ||
        get64(p + 16) != (uint64_t)st->min_chars)
        return wn_err(err, WN_EINVAL, "", 0,
                      "site_lines: first pass saved with another scope or "
                      "min_chars");
    for (uint64_t i = 0; i < *ns + *nl; i++) {
        const unsigned char *q = p + SAVE_HEAD + 16 * i;
        if (!get64(q) || !get64(q + 8))
            return wn_err(err, WN_EFORMAT, "", 0,
                          "site_lines: saved first pass is damaged");
    }
    return 0;
}

static int site_merge(void *state, const void *data, size_t n, wn_error *err)
{
    site_state *st = state;
    const unsigned char *p = data;
    uint64_t ns = 0, nl = 0;
    int rc = check_save(st, p, n, &ns, &nl, err);
    if (rc)
        return rc;
    if (!ns && !nl) /* an empty share: leave "nothing observed" as it is */
        return 0;
    if (alloc_tables(st))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    p += SAVE_HEAD;
    for (uint64_t i = 0; i < ns; i++, p += 16)
        if (add_site(st, get64(p), get64(p + 8)))
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    for (uint64_t i = 0; i < nl; i++, p += 16)
        add_line(st, get64(p), get64(p + 8));
    const unsigned char *h = data;
    st->overflow += get64(h + 40);
    st->sweeps += get64(h + 48);
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

/* The pages of doc's site in *pages and its hash in *site; 0 pages when
 * nothing was observed. */
static int site_pages(const site_state *st, const wn_doc *doc, wn_buf *tmp,
                      uint64_t *site, uint64_t *pages)
{
    *pages = 0;
    if (!st->lines)
        return 0; /* no first pass: nothing is known */
    if (site_hash(st, doc, tmp, site))
        return WN_ENOMEM;
    *pages = lookup(st->sites, st->smask, *site ? *site : 1);
    return 0;
}

/* Marks the lines of a page of a site with that many pages. */
static int decide_lines(const site_state *st, const wn_doc *doc,
                        uint64_t site, uint64_t pages, cl_line *lines,
                        size_t n, wn_buf *tmp)
{
    for (size_t i = 0; i < n; i++) {
        cl_line *l = &lines[i];
        if (!l->len || l->rule || (long)l->len < st->min_chars)
            continue;
        if (normalise(doc->text.data + l->off, l->len, tmp))
            return WN_ENOMEM;
        if (!tmp->len)
            continue;
        uint64_t k = XXH3_64bits_withSeed(tmp->data, tmp->len, site);
        uint64_t c = lookup(st->lines, st->lmask, k ? k : 1);
        if (c >= st->min_pages && (double)c >= st->min_share * (double)pages)
            l->rule = R_SITE;
    }
    return STAGE_KEEP;
}

int site_decide(void *state, const wn_doc *doc, cl_line *lines, size_t n,
                wn_buf *tmp)
{
    site_state *st = state;
    /* process() may run on many threads: use the caller's buffers, not
     * the state's. */
    uint64_t site = 0, pages;
    if (site_pages(st, doc, tmp, &site, &pages))
        return WN_ENOMEM;
    if (pages < st->min_pages)
        return STAGE_KEEP;
    return decide_lines(st, doc, site, pages, lines, n, tmp);
}

static int site_process(void *state, wn_doc *doc, stage_scratch *sc,
                        wn_buf *reason)
{
    site_state *st = state;
    /* a page of a site with too few pages keeps every line: it is not
     * even split */
    uint64_t site = 0, pages;
    if (site_pages(st, doc, &sc->b[2], &site, &pages))
        return WN_ENOMEM;
    if (pages < st->min_pages)
        return STAGE_KEEP;
    cl_line *lines;
    size_t n = cl_split(doc->text.data, doc->text.len, &sc->b[0], &lines);
    if (n == CL_SPLIT_NOMEM)
        return WN_ENOMEM;
    int rc = decide_lines(st, doc, site, pages, lines, n, &sc->b[2]);
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
    .group = "clean",
    .summary = "drop lines a site prints on many of its pages (two passes)",
    .opts = site_table,
    .opts_size = sizeof(site_opts),
    .create = site_create,
    .observe = site_observe,
    .prepare = site_prepare,
    .save = site_save,
    .merge = site_merge,
    .process = site_process,
    .free = site_free,
};
