/*
 * stream.c - single-pass deduplication in fixed memory (--streaming).
 *
 * Each new document's exact hash and LSH band keys are remembered in one
 * hash table of 4-entry buckets that never grows: when a bucket is full the
 * oldest entry gives way.  A later document is an exact copy when its hash
 * is found, a near copy when any of its band keys is (the document it
 * shares most bands with is named, if it shares at least two - there is no
 * verification, and one shared band is common far below the threshold; the
 * Jaccard estimate inverts the LSH curve: J ~ (matching bands /
 * bands)^(1/rows)).  Copies are not indexed.
 * The ids needed for reject reasons live in a ring buffer of fixed size;
 * an entry whose id has been overwritten is treated as forgotten.
 *
 * Trade-off against the staged run (docs/dedup.md measures it): one pass
 * and a fixed footprint, but no verification, no choice of keeper (the
 * first one seen stays), no "duplicates" list on kept documents, and recall
 * that falls once the corpus holds more keys than the table.
 */
#include "dedup.h"
#include "../filter/wordseg.h"

#include <math.h>
#include <stdlib.h>

#define WAYS 4
#define STREAM_MIN_BANDS 2

typedef struct slot {
    uint64_t key;
    uint64_t ref; /* 1 + position of the id in the ring; 0 = empty */
} slot;

struct wn_dedup_stream {
    dd_opts o;
    dd_hasher h;
    slot *tab;
    uint64_t nbuckets, maxbuckets, used;
    char *ring;
    uint64_t ringsz, head; /* head: bytes ever written */
    uint64_t *sh;
    size_t shcap;
    uint32_t sig[DD_MAXK];
    uint64_t keys[DD_MAXK + 1], refs[DD_MAXK + 1];
    wn_buf scratch, id;
};

int wn_dedup_stream_new(const wn_config *cfg, wn_dedup_stream **out,
                        wn_error *err)
{
    wn_dedup_stream *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = dd_opts_parse(cfg, &s->o, err);
    if (rc) {
        free(s);
        return rc;
    }
    dd_hasher_init(&s->h, &s->o);
    /* three quarters for keys, one for ids; calloc'd pages cost nothing
     * until touched, so a small corpus stays small */
    s->maxbuckets = s->o.memory / 4 * 3 / (WAYS * sizeof(slot));
    if (s->maxbuckets < 16)
        s->maxbuckets = 16;
    s->nbuckets = s->maxbuckets < 4096 ? s->maxbuckets : 4096;
    s->ringsz = s->o.memory / 4;
    if (s->ringsz < 4096)
        s->ringsz = 4096;
    s->tab = calloc(s->nbuckets * WAYS, sizeof(slot));
    s->ring = malloc(s->ringsz);
    if (!s->tab || !s->ring) {
        wn_dedup_stream_free(s);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    *out = s;
    return 0;
}

void wn_dedup_stream_free(wn_dedup_stream *s)
{
    if (!s)
        return;
    free(s->tab);
    free(s->ring);
    free(s->sh);
    wn_buf_release(&s->scratch);
    wn_buf_release(&s->id);
    free(s);
}

/* The table doubles while it is less than its share of the budget, so a
 * small corpus neither touches nor holds the whole budget; once at full
 * size, old entries give way instead. */
static int grow(wn_dedup_stream *s);

/* An entry is alive while its id is still in the ring. */
static int alive(const wn_dedup_stream *s, uint64_t ref)
{
    return ref && ref - 1 + s->ringsz >= s->head;
}

static uint64_t lookup(const wn_dedup_stream *s, uint64_t key)
{
    const slot *b = s->tab + (key % s->nbuckets) * WAYS;
    for (int i = 0; i < WAYS; i++)
        if (b[i].key == key && alive(s, b[i].ref))
            return b[i].ref;
    return 0;
}

static void insert(wn_dedup_stream *s, uint64_t key, uint64_t ref)
{
    if (s->used > s->nbuckets * WAYS / 2 && s->nbuckets * 2 <= s->maxbuckets)
        grow(s); /* on failure the table just stays as it is */
    slot *b = s->tab + (key % s->nbuckets) * WAYS, *victim = b;
    for (int i = 0; i < WAYS; i++) {
        if (!alive(s, b[i].ref)) {
            victim = &b[i];
            break;
        }
        if (b[i].ref < victim->ref)
            victim = &b[i];
    }
    if (!victim->ref)
        s->used++;
    victim->key = key;
    victim->ref = ref;
}

static int grow(wn_dedup_stream *s)
{
    slot *old = s->tab;
    uint64_t n = s->nbuckets * WAYS;
    slot *t = calloc(n * 2, sizeof *t);
    if (!t)
        return WN_ENOMEM;
    s->tab = t;
    s->nbuckets *= 2;
    s->used = 0;
    for (uint64_t i = 0; i < n; i++) /* in order: oldest stay oldest */
        if (alive(s, old[i].ref))
            insert(s, old[i].key, old[i].ref);
    free(old);
    return 0;
}

static void ring_put(wn_dedup_stream *s, const void *p, size_t n)
{
    const char *c = p;
    for (size_t i = 0; i < n; i++)
        s->ring[(s->head + i) % s->ringsz] = c[i];
    s->head += n;
}

static void ring_get(const wn_dedup_stream *s, uint64_t at, void *p,
                     size_t n)
{
    char *c = p;
    for (size_t i = 0; i < n; i++)
        c[i] = s->ring[(at + i) % s->ringsz];
}

/* Records the id of doc; returns its ref. */
static uint64_t remember(wn_dedup_stream *s, const wn_doc *d)
{
    const wn_buf *id = d->id.len ? &d->id : &d->source;
    uint32_t len = (uint32_t)(id->len < s->ringsz / 4 ? id->len
                                                       : s->ringsz / 4);
    uint64_t ref = s->head + 1;
    ring_put(s, &len, sizeof len);
    ring_put(s, id->data ? id->data : "", len);
    return ref;
}

static int id_of(wn_dedup_stream *s, uint64_t ref)
{
    uint32_t len;
    ring_get(s, ref - 1, &len, sizeof len);
    wn_buf_reset(&s->id);
    if (wn_buf_reserve(&s->id, len + 1))
        return WN_ENOMEM;
    ring_get(s, ref - 1 + sizeof len, s->id.data, len);
    s->id.len = len;
    s->id.data[len] = 0;
    return 0;
}

int wn_dedup_stream_check(wn_dedup_stream *s, const wn_doc *doc,
                          wn_buf *reason)
{
    const char *text = doc->text.data ? doc->text.data : "";
    uint64_t h[2];
    unsigned nk = 0;
    wn_buf_reset(reason);
    int rc = dd_exact_hash(text, doc->text.len, &s->scratch, h);
    if (rc)
        return rc;
    if (s->o.exact) {
        uint64_t key = h[0] ^ 0x6a09e667f3bcc909ULL; /* own namespace */
        uint64_t ref = lookup(s, key);
        if (ref) {
            if (id_of(s, ref))
                return WN_ENOMEM;
            return wn_buf_printf(reason, "exact_duplicate:of=%s",
                                 s->id.data) < 0 ? WN_ENOMEM : 0;
        }
        s->keys[nk++] = key;
    }
    if (s->o.near) {
        char lang[16];
        wseg_doc_lang(doc, lang, sizeof lang);
        long cnt = dd_shingles_lang(text, doc->text.len, lang, s->o.ngram,
                                    &s->sh, &s->shcap);
        if (cnt < 0)
            return (int)cnt;
        if (cnt > 0) {
            dd_signature(&s->h, s->sh, (size_t)cnt, s->sig);
            dd_band_keys(&s->h, s->sig, s->keys + nk);
            /* the band with most matches names the original */
            unsigned nb = s->o.bands, best = 0, bestn = 0;
            for (unsigned b = 0; b < nb; b++)
                s->refs[b] = lookup(s, s->keys[nk + b]);
            for (unsigned b = 0; b < nb; b++) {
                unsigned m = 0;
                if (!s->refs[b])
                    continue;
                for (unsigned j = 0; j < nb; j++)
                    m += s->refs[j] == s->refs[b];
                if (m > bestn || (m == bestn && s->refs[b] < s->refs[best]))
                    best = b, bestn = m;
            }
            /* two bands, not one: a single shared band is what pairs far
             * below the threshold produce (P = 0.22 at J = 0.5 with 16x6),
             * two shared bands rarely (0.025) while a pair at J = 0.8
             * still shares two with P = 0.95 */
            if (bestn >= STREAM_MIN_BANDS || (bestn && nb < 4)) {
                double j = pow((double)bestn / nb, 1.0 / s->o.rows);
                if (id_of(s, s->refs[best]))
                    return WN_ENOMEM;
                return wn_buf_printf(reason,
                                     "near_duplicate:of=%s,jaccard=%.2f",
                                     s->id.data, j) < 0 ? WN_ENOMEM : 0;
            }
            nk += nb;
        }
    }
    uint64_t ref = remember(s, doc);
    for (unsigned i = 0; i < nk; i++)
        insert(s, s->keys[i], ref);
    return 1;
}
