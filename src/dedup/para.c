/*
 * para.c - paragraph deduplication with a Bloom filter (dedup.paragraphs),
 * the rule of allenai/bff as Dolma and DCLM run it.
 *
 * A paragraph is a '\n'-separated line.  Its words (the quality filters'
 * words, ftok_get_lang: runs of non-space, cut by ICU in documents whose
 * language writes without spaces) make n-grams of dedup.para_ngram
 * words (13), each hashed once (XXH3-128 of the word hashes); a line of
 * fewer words is one n-gram of all its words when it has at least
 * dedup.para_min_words (5), and is left alone, neither checked nor added,
 * below that (BFF: --min-ngram-size; DCLM sets it to 13, Dolma to 5).
 * When more than dedup.para_threshold (0.8) of a paragraph's n-grams are
 * in the filter, the paragraph goes; otherwise all its n-grams are added.
 * So the first occurrence stays and the decision depends on the order of
 * the documents: callers decide on one thread in corpus order, which makes
 * the output the same for any number of threads.
 *
 * The filter is a Bloom filter of m bits and k probes, sized for n
 * expected n-grams at false-positive rate p: m = -n ln p / (ln 2)^2,
 * k = round(m/n ln 2); the k probes come from the two halves of the
 * 128-bit hash (Kirsch and Mitzenmacher).  A false positive can only
 * remove a paragraph: the check says "seen" for an n-gram never added.
 * dedup.para_filter=exact keeps every n-gram hash in a hash set instead,
 * the reference the Bloom filter's false removals are measured against.
 */
#include "dedup.h"
#include "../filter/tokens.h"
#include "../filter/wordseg.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

typedef struct para_hash {
    uint64_t a, b;
} para_hash;

struct wn_para {
    dd_opts o;
    /* Bloom filter */
    uint64_t *bits;
    uint64_t nbits;
    unsigned k;
    /* exact: open addressing over nonzero keys */
    uint64_t *set;
    size_t cap, used;
    wn_buf h;  /* para_hash: the n-grams of the paragraph being decided */
    wn_buf wh; /* uint64_t: its word hashes */
    wn_buf out, spans;
};

static int bloom_size(const dd_opts *o, uint64_t *nbits, unsigned *k,
                      wn_error *err)
{
    double n = o->expected_ngrams
                   ? (double)o->expected_ngrams
                   : (double)o->expected_docs * (double)o->ngrams_per_doc;
    double m = ceil(-n * log(o->fp_rate) / (M_LN2 * M_LN2));
    if (m < 512)
        m = 512;
    double bytes = ceil(m / 64) * 8;
    if (bytes > (double)o->memory)
        return wn_err(err, WN_EINVAL, "", 0,
                      "the paragraph Bloom filter for %.0f n-grams at "
                      "false-positive rate %g needs %.0f MiB; the memory "
                      "budget (dedup.memory, --memory) is %.0f MiB: raise "
                      "it, or lower the expected count or raise the rate",
                      n, o->fp_rate, bytes / 1048576.0,
                      (double)o->memory / 1048576.0);
    *nbits = (uint64_t)(bytes * 8);
    double kk = round(m / n * M_LN2);
    *k = kk < 1 ? 1 : kk > 32 ? 32 : (unsigned)kk;
    return 0;
}

int wn_para_new(const wn_config *cfg, wn_para **out, wn_error *err)
{
    *out = NULL;
    wn_para *p = calloc(1, sizeof *p);
    if (!p)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = dd_opts_parse(cfg, &p->o, err);
    if (!rc && p->o.para_filter == DD_PARA_BLOOM &&
        !(rc = bloom_size(&p->o, &p->nbits, &p->k, err))) {
        /* calloc'd pages cost nothing until touched */
        if (!(p->bits = calloc(p->nbits / 64, sizeof *p->bits)))
            rc = wn_err(err, WN_ENOMEM, "", 0,
                        "out of memory for the paragraph Bloom filter");
    }
    if (rc) {
        wn_para_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

void wn_para_free(wn_para *p)
{
    if (!p)
        return;
    free(p->bits);
    free(p->set);
    wn_buf_release(&p->h);
    wn_buf_release(&p->wh);
    wn_buf_release(&p->out);
    wn_buf_release(&p->spans);
    free(p);
}

size_t wn_para_memory(const wn_para *p)
{
    return p->bits ? (size_t)(p->nbits / 8) : p->cap * sizeof *p->set;
}

/* ---- the two filters ---- */

static int bloom_has(const wn_para *p, para_hash h)
{
    for (unsigned i = 0; i < p->k; i++) {
        uint64_t bit = (h.a + i * (h.b | 1)) % p->nbits;
        if (!(p->bits[bit >> 6] & (1ULL << (bit & 63))))
            return 0;
    }
    return 1;
}

static void bloom_add(wn_para *p, para_hash h)
{
    for (unsigned i = 0; i < p->k; i++) {
        uint64_t bit = (h.a + i * (h.b | 1)) % p->nbits;
        p->bits[bit >> 6] |= 1ULL << (bit & 63);
    }
}

static size_t set_slot(const wn_para *p, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 31)) & (p->cap - 1);
    while (p->set[i] && p->set[i] != key)
        i = (i + 1) & (p->cap - 1);
    return i;
}

static uint64_t set_key(para_hash h) { return h.a ? h.a : 1; }

static int set_has(const wn_para *p, para_hash h)
{
    return p->cap && p->set[set_slot(p, set_key(h))] != 0;
}

static int set_add(wn_para *p, para_hash h)
{
    if (2 * (p->used + 1) > p->cap) {
        size_t ncap = p->cap ? 2 * p->cap : 1024;
        uint64_t *old = p->set, *nw = calloc(ncap, sizeof *nw);
        if (!nw)
            return WN_ENOMEM;
        size_t ocap = p->cap;
        p->set = nw;
        p->cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i])
                p->set[set_slot(p, old[i])] = old[i];
        free(old);
    }
    size_t i = set_slot(p, set_key(h));
    if (!p->set[i]) {
        p->set[i] = set_key(h);
        p->used++;
    }
    return 0;
}

/* ---- one paragraph ---- */

static para_hash ngram_hash(const uint64_t *w, size_t n)
{
    XXH128_hash_t x = XXH3_128bits(w, n * sizeof *w);
    para_hash h = {x.low64, x.high64};
    return h;
}

/* Decides the paragraph of the nw word hashes wh: 1 remove, 0 keep (its
 * n-grams added), or WN_ENOMEM. */
static int decide(wn_para *p, size_t nw, wn_dedup_stats *st)
{
    size_t g = p->o.para_ngram, nh;
    if (nw >= g)
        nh = nw - g + 1;
    else if (nw >= p->o.para_min_words)
        nh = 1, g = nw;
    else
        return 0; /* too short to judge: BFF leaves it alone */
    wn_buf_reset(&p->h);
    if (wn_buf_reserve(&p->h, nh * sizeof(para_hash)))
        return WN_ENOMEM;
    para_hash *h = (para_hash *)(void *)p->h.data;
    const uint64_t *wh = (const uint64_t *)(void *)p->wh.data;
    size_t seen = 0;
    int exact = p->o.para_filter == DD_PARA_EXACT;
    for (size_t i = 0; i < nh; i++) {
        h[i] = ngram_hash(wh + i, g);
        seen += exact ? set_has(p, h[i]) : bloom_has(p, h[i]);
    }
    st->paragraphs++;
    if ((double)seen / (double)nh > p->o.para_threshold)
        return 1;
    for (size_t i = 0; i < nh; i++) {
        if (!exact)
            bloom_add(p, h[i]);
        else if (set_add(p, h[i]))
            return WN_ENOMEM;
    }
    return 0;
}

static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
            return 0;
    return 1;
}

int wn_para_check(wn_para *p, wn_doc *doc, wn_buf *reason,
                  wn_dedup_stats *st)
{
    const char *text = doc->text.data ? doc->text.data : "";
    size_t len = doc->text.len;
    /* the words the quality filters see: ICU's for zh, ja, th, ... */
    char lang[16];
    wseg_doc_lang(doc, lang, sizeof lang);
    const ftok_doc *t = ftok_get_lang(text, len, lang);
    if (!t)
        return WN_ENOMEM;
    wn_buf_reset(&p->out);
    wn_buf_reset(&p->spans);
    size_t w = 0, removed = 0;
    int rc = 0;
    /* a line runs from its start to the next line's start, its '\n'
     * included, so that removing it leaves no empty line behind */
    for (size_t li = 0; li < t->nlines && !rc; li++) {
        size_t start = t->lines[li].off;
        size_t end = li + 1 < t->nlines ? t->lines[li + 1].off : len;
        size_t nw = 0;
        wn_buf_reset(&p->wh);
        for (; w < t->nwords && t->words[w].off < end; w++, nw++)
            if (wn_buf_append(&p->wh, &t->words[w].hash, sizeof(uint64_t)))
                return WN_ENOMEM;
        int dup = decide(p, nw, st);
        if (dup < 0)
            return dup;
        if (dup) {
            st->paragraphs_removed++;
            st->paragraph_bytes += end - start;
            removed += end - start;
            rc = wn_buf_printf(&p->spans, "%s[%zu,%zu]",
                               p->spans.len ? "," : "", start, end);
        } else if (!p->o.para_annotate) {
            rc = wn_buf_append(&p->out, text + start, end - start);
        }
    }
    if (rc || !removed)
        return rc ? WN_ENOMEM : 1;
    if (p->o.para_annotate) {
        wn_buf j = WN_BUF_INIT;
        rc = wn_buf_printf(&j, "[%s]", p->spans.data);
        if (!rc)
            rc = wn_doc_meta_set(doc, "paragraph_duplicates", j.data, j.len);
        wn_buf_release(&j);
        return rc ? WN_ENOMEM : 1;
    }
    /* a removed last line leaves the '\n' of the one before it */
    if (p->out.len && p->out.data[p->out.len - 1] == '\n' && len &&
        text[len - 1] != '\n')
        p->out.len--;
    if (blank(p->out.data ? p->out.data : "", p->out.len)) {
        st->paragraph_emptied++;
        wn_buf_reset(reason);
        return wn_buf_puts(reason, "paragraph_dedup:kept_bytes=0<1") ? WN_ENOMEM
                                                                      : 0;
    }
    if (wn_buf_set(&doc->text, p->out.data, p->out.len))
        return WN_ENOMEM;
    return 1;
}
