/*
 * ftz_predict.c - fastText's supervised prediction over a model ftz.c
 * read: the average of the input rows of a line's words, their character
 * n-grams (minn..maxn, hashed FNV-1a into `bucket` rows, remapped by the
 * pruning index of a quantised model) and word n-grams, then
 * hierarchical softmax (lid.176), softmax or one-vs-all over the labels.
 * Every row index is checked against its matrix here, since the model
 * may be a damaged file (fuzz/fuzz_ftz.c).
 *
 * Speed: a web page repeats its words, and with character n-grams a
 * word's contribution (its row and its n-gram rows) depends on the word
 * alone, so a per-thread cache maps the word's 64-bit hash to that partial
 * sum; without them a word is one row, and the rows of a line are
 * gathered first and summed with the next ones fetched ahead.  Both
 * change only the order of float additions: probabilities agree with
 * fastText's to about 1e-6.
 */
#include "ftz_model.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#define XXH_INLINE_ALL /* words are short: the call costs more than the hash */
#include <xxhash.h>

/* Whether bucket id may be in the pruning index (1 without the bitmap,
 * or for an id past the buckets: only a probe can answer) */
static int pruned_in(const ftz_model *m, int32_t id)
{
    return !m->pbits || id < 0 || id >= m->bucket ||
           (m->pbits[(uint32_t)id / 64] >> ((uint32_t)id % 64) & 1);
}

/* Pruning index lookup: bucket id -> kept row, or -1. */
static int32_t prune_map(const ftz_model *m, int32_t id)
{
    if (!pruned_in(m, id))
        return -1;
    uint32_t i = ((uint32_t)id * 2654435761u) & m->pmask;
    for (;;) {
        if (m->prune[(size_t)2 * i] == -1)
            return -1;
        if (m->prune[(size_t)2 * i] == id)
            return m->prune[(size_t)2 * i + 1];
        i = (i + 1) & m->pmask;
    }
}

/* ------------------------------------------------------------ prediction */

/* The word-vector cache: 2^CACHE_SET_BITS sets of CACHE_WAYS entries (20 MB
 * for lid.176's 16 dimensions).  A set is one 64-byte line of keys (the
 * words' 64-bit hashes, 0 = empty), row counts and the ways' order of use,
 * then the vectors, one 64-byte-aligned block each, which stay where they
 * were computed: a hit reads the key line and its vector's line, and
 * writes only the order byte.  Least recently used out, so the frequent
 * words of a corpus with more distinct words than the cache holds stay.
 * A pass over the news WET (7.3 M words, 174 K distinct) misses 216 K
 * times, a second pass 79 K (a 64 K-word cache that started over when
 * full missed 357 K times in two); each miss costs ~3 x length n-gram
 * rows.  Twice the sets (40 MB per thread) made repeated passes over the
 * news WET ~1.2x faster (fewer misses), a single pass no faster. */
#define CACHE_SET_BITS 16
#define CACHE_WAYS 4
#define CACHE_DIM 64 /* wider models skip the cache */
#define ORDER_AT (CACHE_WAYS * (sizeof(uint64_t) + sizeof(uint32_t)))
/* The order byte: the ways from the most to the least recently used, two
 * bits each, stored XOR this (0, 1, 2, 3), so that a zeroed set is in
 * order */
#define ORDER_ZERO 0xE4u
/* A word's key line is fetched when the line is split into words, and
 * again KEY_AHEAD words before the word is added (in a long line the first
 * fetch is gone by then); its vector line VEC_AHEAD words before, when the
 * key line has arrived and names the way.  Measured on news text (MB/s of
 * the stage): key 8 / vector 4 words ahead 175, 16 / 8 197, 32 / 16 203,
 * at the split / 16 ahead 211, both fetches 218. */
#define KEY_AHEAD 32
#define VEC_AHEAD 16

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

struct ftz_ctx {
    uint64_t serial;        /* the cache holds this model's vectors (its
                             * serial: a pointer could be a new model's) */
    void *mem;              /* the cache's block, sets aligned inside */
    unsigned char *sets;    /* NULL: no cache (a wide model, one without
                             * subwords, or no memory) */
    size_t set_bytes, vec_bytes;
    int dim;                /* what sets was allocated for */
    struct tok *toks;       /* the line's words */
    size_t tcap;
    int32_t *hashes;        /* word hashes of the line (word n-grams) */
    size_t nh, hcap;
    int64_t *rows;          /* the input rows of its word n-grams */
    size_t rcap;
    struct dfs_item *stack; /* the tree search's */
    size_t scap;
};

/* The cache is allocated at a model's first prediction: a new context
 * costs nothing until used (the fuzz target makes one per input). */
ftz_ctx *ftz_ctx_new(void) { return calloc(1, sizeof(ftz_ctx)); }

void ftz_ctx_free(ftz_ctx *c)
{
    if (!c)
        return;
    free(c->mem);
    free(c->hashes);
    free(c->rows);
    free(c->toks);
    free(c->stack);
    free(c);
}

/* The fastText working memory of this thread (freed when it ends): one
 * context per model, so that a pipeline running several models (langid
 * and classifiers) keeps each one's word cache instead of clearing a
 * shared one at every switch.  Beyond THREAD_MODELS models, contexts are
 * reused in turn (still right, with colder caches). */
#define THREAD_MODELS 8

typedef struct thread_ctxs {
    ftz_ctx *c[THREAD_MODELS];
    int next;
} thread_ctxs;

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;

static void ctx_destroy(void *p)
{
    thread_ctxs *t = p;
    for (int i = 0; i < THREAD_MODELS; i++)
        ftz_ctx_free(t->c[i]);
    free(t);
}

static void ctx_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_destroy) == 0;
}

ftz_ctx *ftz_thread_ctx(const ftz_model *m)
{
    pthread_once(&ctx_once, ctx_init);
    if (!ctx_key_ok)
        return NULL;
    thread_ctxs *t = pthread_getspecific(ctx_key);
    if (!t) {
        if (!(t = calloc(1, sizeof *t)))
            return NULL;
        if (pthread_setspecific(ctx_key, t)) {
            free(t);
            return NULL;
        }
    }
    int i = 0;
    while (i < THREAD_MODELS && t->c[i] && t->c[i]->serial != m->serial)
        i++;
    if (i < THREAD_MODELS && t->c[i])
        return t->c[i];
    if (i == THREAD_MODELS)
        i = t->next++ % THREAD_MODELS; /* predict() starts its cache over */
    else if (!(t->c[i] = ftz_ctx_new()))
        return NULL;
    return t->c[i];
}

/* x += input row id; returns 1, or 0 for a row the model lacks. */
static uint32_t add_id(const ftz_model *m, float *x, int64_t id)
{
    if (id < 0 || id >= m->in.m)
        return 0; /* a malformed model: rows it does not have add nothing */
    if (m->in_rows)
        vec_add(x, m->in_rows + (size_t)id * (size_t)m->dim, m->dim);
    else
        add_row(&m->in, x, id, 1.0f);
    return 1;
}

/* x . output row i */
static float out_dot(const ftz_model *m, const float *x, int64_t i)
{
    if (!m->out_rows)
        return dot_row(&m->out, x, i);
    const float *row = m->out_rows + (size_t)i * (size_t)m->dim;
    float r = 0;
    for (int k = 0; k < m->dim; k++)
        r += x[k] * row[k]; /* in order: the quantised sum's order */
    return r * m->out_norms[i];
}

/* fastText's pushHash for n bucket ids, in order: each through the pruning
 * index if any, then its row added.  The lookups of all n are started
 * before the first is used (prefetch), so their cache misses overlap. */
static uint32_t add_buckets(const ftz_model *m, float *x, int64_t *ids,
                            size_t n)
{
    uint32_t nids = 0;
    if (m->prune_n == 0)
        return 0;
    if (m->prune_n > 0) {
        for (size_t i = 0; i < n; i++)
            if (pruned_in(m, (int32_t)ids[i]))
                PREFETCH(m->prune + (size_t)2 * (((uint32_t)ids[i] *
                                                   2654435761u) & m->pmask));
        for (size_t i = 0; i < n; i++)
            ids[i] = prune_map(m, (int32_t)ids[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && m->in_rows && m->nwords + ids[i] < m->in.m)
            PREFETCH(m->in_rows + (size_t)(m->nwords + ids[i]) * m->dim);
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0)
            nids += add_id(m, x, m->nwords + ids[i]);
    return nids;
}

/* The character n-grams of "<word>" (computeSubwords): those starting at
 * one character are prefixes of each other, so one FNV-1a pass over
 * maxn characters gives all their hashes.  Rows are added in fastText's
 * order, in batches (add_buckets). */
static uint32_t add_subwords(const ftz_model *m, float *x, const char *w,
                             size_t n)
{
    char buf[4096 + 2];
    int64_t ids[64];
    size_t nb = 0;
    uint32_t nids = 0;
    if (n > 4096 || m->maxn <= 0 || !m->bucket)
        return 0; /* fastText would add them; such "words" are not text */
    buf[0] = '<';
    memcpy(buf + 1, w, n);
    buf[n + 1] = '>';
    size_t len = n + 2;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)buf[i] & 0xC0) == 0x80)
            continue;
        size_t j = i;
        uint32_t h = 2166136261u;
        for (int k = 1; j < len && k <= m->maxn; k++) {
            do {
                h ^= (uint32_t)(int32_t)(int8_t)buf[j++];
                h *= 16777619u;
            } while (j < len && ((unsigned char)buf[j] & 0xC0) == 0x80);
            if (k >= m->minn && !(k == 1 && (i == 0 || j == len))) {
                ids[nb++] = h % (uint32_t)m->bucket;
                if (nb == sizeof ids / sizeof *ids) {
                    nids += add_buckets(m, x, ids, nb);
                    nb = 0;
                }
            }
        }
    }
    return nids + add_buckets(m, x, ids, nb);
}

/* x = the word's contribution (x zeroed first); returns its row count. */
static uint32_t compute_word(const ftz_model *m, const char *w, size_t n,
                             uint32_t h, float *x)
{
    uint32_t nids = 0;
    memset(x, 0, (size_t)m->dim * sizeof *x);
    int32_t id = find_word(m, w, n, h);
    if (id >= 0)
        nids += add_id(m, x, id);
    if (n != 4 || memcmp(w, EOS, 4))
        nids += add_subwords(m, x, w, n);
    return nids;
}

/* Asks for 2 MB pages over [p, p+n) where the system has them on request
 * (Linux with transparent huge pages in "madvise" mode): the cache is read
 * at random over 20 MB, which with 4 KB pages misses the TLB on most
 * lookups (measured: ~1.2x on the stage).  Only a hint. */
static void huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    uintptr_t a = ((uintptr_t)p + ((uintptr_t)2 << 20) - 1) &
                  ~(((uintptr_t)2 << 20) - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(((uintptr_t)2 << 20) - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

/* Empties the cache and sizes it for m (no cache for a model whose words
 * are single rows: there is nothing to save). */
static void cache_reset(ftz_ctx *c, const ftz_model *m)
{
    size_t nsets = (size_t)1 << CACHE_SET_BITS;
    int want = m->dim <= CACHE_DIM && m->maxn > 0 && m->bucket ? m->dim : 0;
    if (c->dim != want) {
        free(c->mem);
        c->mem = NULL;
        c->sets = NULL;
        c->dim = 0;
        size_t vb = ((size_t)want * sizeof(float) + 63) & ~(size_t)63;
        size_t sb = 64 + CACHE_WAYS * vb;
        /* calloc: a large block comes zeroed from the kernel, page by page
         * as it is touched */
        if (want && (c->mem = calloc(1, nsets * sb + 63))) {
            c->sets = (unsigned char *)(((uintptr_t)c->mem + 63) &
                                        ~(uintptr_t)63);
            huge_pages(c->mem, nsets * sb + 63);
            c->dim = want; /* without memory, no cache: still right */
            c->vec_bytes = vb;
            c->set_bytes = sb;
        }
    } else {
        for (size_t i = 0; c->sets && i < nsets; i++)
            memset(c->sets + i * c->set_bytes, 0,
                   CACHE_WAYS * sizeof(uint64_t));
    }
    c->serial = m->serial;
}

static unsigned char *cache_set(const ftz_ctx *c, uint64_t key)
{
    size_t set = (size_t)(key >> 32) & (((size_t)1 << CACHE_SET_BITS) - 1);
    return c->sets + set * c->set_bytes;
}

typedef struct tok {
    const char *w;
    size_t n;
    uint32_t h;   /* fastText's hash */
    int way;      /* where the cache had the word VEC_AHEAD words before
                   * (-1: nowhere), a guess to check */
    uint64_t key; /* the word cache's (odd, never 0) */
    unsigned char *set; /* its set */
} tok;

/* x[0..nf) += v[0..nf), nf a multiple of 16 (a cached vector's padded
 * length: the padding is zeros, and x has room for it): fixed-size blocks
 * vectorise where a loop of dim floats did not; each element still gets
 * its one addition. */
static void vec_add_blocks(float *restrict x, const float *restrict v,
                           size_t nf)
{
    for (size_t b = 0; b < nf; b += 16)
        for (int k = 0; k < 16; k++)
            x[b + k] += v[b + k];
}

/* The way of set holding key, or -1. */
static int cache_way(const unsigned char *set, uint64_t key)
{
    const uint64_t *keys = (const uint64_t *)(const void *)set;
    for (int k = 0; k < CACHE_WAYS; k++)
        if (keys[k] == key)
            return k;
    return -1;
}

/* x += the word's contribution; returns the number of rows added. */
static uint32_t word_vector(const ftz_model *m, ftz_ctx *c, const tok *t,
                            float *x)
{
    if (!c->sets || t->n > 4096) {
        float tmp[MAX_DIM];
        uint32_t nids = compute_word(m, t->w, t->n, t->h, tmp); /* hashed */
        vec_add(x, tmp, m->dim);
        return nids;
    }
    unsigned char *set = t->set;
    uint32_t *counts =
        (uint32_t *)(void *)(set + CACHE_WAYS * sizeof(uint64_t));
    size_t vf = c->vec_bytes / sizeof(float);
    unsigned order = set[ORDER_AT] ^ ORDER_ZERO;
    int k = t->way, pos;
    if (k < 0 || ((uint64_t *)(void *)set)[k] != t->key)
        k = cache_way(set, t->key);
    if (k >= 0) {
        pos = 0;
        while ((int)((order >> 2 * pos) & 3) != k)
            pos++;
    } else { /* the least recently used way takes the word */
        pos = CACHE_WAYS - 1;
        k = (int)(order >> 2 * pos);
        ((uint64_t *)(void *)set)[k] = t->key;
        counts[k] = compute_word(
            m, t->w, t->n, m->word_ngrams > 1 ? t->h : ft_hash(t->w, t->n),
            (float *)(void *)(set + 64) + (size_t)k * vf);
    }
    /* k moves to the front, the ways before it back one place */
    unsigned below = order & ((1u << 2 * pos) - 1);
    unsigned above = order & ~((1u << (2 * pos + 2)) - 1) & 0xFFu;
    set[ORDER_AT] = (unsigned char)((above | below << 2 | (unsigned)k) ^
                                    ORDER_ZERO);
    vec_add_blocks(x, (const float *)(const void *)(set + 64) + (size_t)k * vf,
                   vf);
    return counts[k];
}

/* fastText splits on these bytes (and the NUL) */
static const unsigned char ft_space[256] = {
    [0] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
    [' '] = 1,
};

/* The end of the word starting at i: 8 bytes at a time where the byte
 * order allows (little-endian): a byte below 0x21 is flagged by the
 * classic "has a byte less than" test, exact for the lowest flagged byte
 * (a borrow only rises from a byte that is itself below 0x21), and only
 * such a byte can be one of fastText's blanks.  ~1.2x on web pages. */
static size_t word_end(const char *t, size_t i, size_t n)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                           \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, t + i, 8);
        uint64_t low = (x - 0x2121212121212121ull) & ~x & 0x8080808080808080ull;
        if (!low) {
            i += 8;
            continue;
        }
        i += (size_t)__builtin_ctzll(low) >> 3;
        if (ft_space[(unsigned char)t[i]])
            return i;
        i++; /* a control byte that is not a blank: part of the word */
    }
#endif
    while (i < n && !ft_space[(unsigned char)t[i]])
        i++;
    return i;
}

/* The 64-bit product of a and b, its two halves XORed (XXH3's fold). */
static uint64_t mul_fold(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 p = (unsigned __int128)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t lo = (mid << 32) | (uint32_t)ll;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

/* The word cache's key of w[0..n) (odd, never 0), where the bytes up to
 * end may be read.  Most words are at most 16 bytes: those are read as two
 * 8-byte loads with the bytes past the word masked off, without XXH3's
 * branches on the length (mispredicted on most words of running text),
 * and mixed much as XXH3 mixes 9 to 16 bytes (the 128-bit product folded,
 * the length added, its avalanche); longer words take XXH3.  The key is all the cache compares: two words share one
 * with a chance of about 2^-64. */
static uint64_t word_key(const char *w, size_t n, const char *end)
{
    /* keep + 16 - n: n bytes 0xFF, then zeros (a mask in memory order) */
    static const unsigned char keep[32] = {
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    if (n > 16)
        return XXH3_64bits(w, n) | 1;
    uint64_t lo, hi, mlo, mhi;
    if (end - w >= 16) {
        memcpy(&lo, w, 8);
        memcpy(&hi, w + 8, 8);
    } else { /* the end of the text: not 16 bytes to read */
        char b[16] = {0};
        memcpy(b, w, n);
        memcpy(&lo, b, 8);
        memcpy(&hi, b + 8, 8);
    }
    memcpy(&mlo, keep + 16 - n, 8);
    memcpy(&mhi, keep + 24 - n, 8);
    lo = (lo & mlo) ^ 0x1cad21f72c81017cull;
    hi = (hi & mhi) ^ 0xdb979083e96dd4deull;
    uint64_t h = (uint64_t)n + (lo << 32 | lo >> 32) + hi + mul_fold(lo, hi);
    h ^= h >> 37; /* XXH3's avalanche */
    h *= 0x165667919E3779F9ull;
    h ^= h >> 32;
    return h | 1;
}

typedef struct best {
    float score;
    int label;
} best;

static float std_log(float x) { return logf(x + 1e-5f); }

/* fastText's depth-first search of the Huffman tree for the best leaf,
 * pruning branches already worse than the best leaf found; iterative with
 * the stack in ctx, because a damaged model's tree can be a chain as deep
 * as it has labels.  Left before right, as fastText recurses. */
typedef struct dfs_item {
    int32_t node;
    float score;
} dfs_item;

static int dfs(const ftz_model *m, ftz_ctx *c, const float *hidden, best *b)
{
    size_t need = 2 * (size_t)m->nlabels + 2;
    if (c->scap < need) {
        dfs_item *p = realloc(c->stack, need * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        c->stack = p;
        c->scap = need;
    }
    dfs_item *st = c->stack;
    size_t sp = 0;
    const float floor_score = std_log(0.0f);
    st[sp++] = (dfs_item){2 * m->nlabels - 2, 0.0f};
    while (sp) {
        dfs_item it = st[--sp];
        if (it.score < floor_score || (b->label >= 0 && it.score < b->score))
            continue;
        int32_t node = it.node;
        if (m->left[node] == -1 && m->right[node] == -1) {
            if (b->label < 0 || it.score > b->score) {
                b->score = it.score;
                b->label = node;
            }
            continue;
        }
        float f = out_dot(m, hidden, node - m->nlabels);
        f = 1.0f / (1.0f + expf(-f));
        st[sp++] = (dfs_item){m->right[node], it.score + std_log(f)};
        st[sp++] = (dfs_item){m->left[node], it.score + std_log(1.0f - f)};
    }
    return 0;
}

static int predict(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int *label, double *prob);

int ftz_predict(const ftz_model *m, ftz_ctx *c, const char *text, size_t n,
                int *label, double *prob)
{
    int rc = predict(m, c, text, n, label, prob);
    /* a model of NaN or infinite weights (a damaged file) still gives a
     * probability in [0, 1] */
    if (!(*prob >= 0))
        *prob = 0;
    else if (*prob > 1)
        *prob = 1;
    return rc;
}

/* Doubles the array *p of *cap elements of size el (256 at first). */
static int grow(void **p, size_t *cap, size_t el)
{
    size_t nc = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, nc * el);
    if (!q)
        return WN_ENOMEM;
    *p = q;
    *cap = nc;
    return 0;
}

/* fastText's computeHidden: the average of the input rows of the line's
 * words, their subwords and word n-grams, into hidden (dim floats). */
static int compute_hidden(const ftz_model *m, ftz_ctx *c, const char *text,
                          size_t n, float *hidden)
{
    int dim = m->dim;
    if (c->serial != m->serial)
        cache_reset(c, m);
    /* with the cache, vectors are added with their zero padding */
    memset(hidden, 0, c->sets ? c->vec_bytes : (size_t)dim * sizeof *hidden);
    /* The words first, then their vectors: each word's cache lines are
     * fetched ahead (KEY_AHEAD), since a web page's vocabulary spreads
     * over a cache larger than L2 and each lookup would otherwise wait on
     * memory.  fastText's hash of a word is needed for word n-grams and,
     * with the cache, only when the word misses it. */
    int need_h = !c->sets || m->word_ngrams > 1;
    size_t nt = 0, i = 0;
    for (;;) {
        while (i < n && ft_space[(unsigned char)text[i]])
            i++;
        const char *w;
        size_t wl;
        int last = i >= n;
        if (!last) {
            size_t s = i;
            i = word_end(text, i, n);
            w = text + s;
            wl = i - s;
            if (*w == '_' && wl >= 9 && !memcmp(w, "__label__", 9))
                continue; /* a label, known or not, is not input */
        } else {
            w = EOS;
            wl = 4;
        }
        if (nt == c->tcap &&
            grow((void **)&c->toks, &c->tcap, sizeof *c->toks))
            return WN_ENOMEM;
        tok *t = &c->toks[nt++];
        t->w = w;
        t->n = wl;
        t->h = need_h ? ft_hash(w, wl) : 0;
        t->key = c->sets ? word_key(w, wl, last ? w : text + n) : 0;
        t->way = -1;
        if (c->sets) {
            t->set = cache_set(c, t->key);
            PREFETCH(t->set);
        }
        if (last)
            break;
    }
    if (m->word_ngrams > 1 && c->hcap < nt) {
        int32_t *p = realloc(c->hashes, nt * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        c->hashes = p;
        c->hcap = nt;
    }
    uint64_t nids = 0;
    size_t nr = 0;
    /* Without subwords (supervised models' default, DCLM's among them) a
     * word is its one row: the rows' ids are gathered first, with the
     * dictionary slots of words a few ahead fetched meanwhile, and summed
     * below with the n-gram rows, rows a few ahead fetched meanwhile */
    int direct = m->maxn <= 0 || !m->bucket;
    for (size_t j = 0; direct && j < nt; j++) {
        if (j + 8 < nt)
            PREFETCH(&m->table[c->toks[j + 8].h & m->tmask]);
        const tok *t = &c->toks[j];
        int32_t id = find_word(m, t->w, t->n, t->h);
        if (id < 0 || id >= m->in.m)
            continue;
        if (nr == c->rcap && grow((void **)&c->rows, &c->rcap, sizeof *c->rows))
            return WN_ENOMEM;
        c->rows[nr++] = id;
    }
    for (size_t j = 0; !direct && j < nt; j++) {
        if (c->sets && j + KEY_AHEAD < nt)
            PREFETCH(c->toks[j + KEY_AHEAD].set);
        if (c->sets && j + VEC_AHEAD < nt) {
            tok *t = &c->toks[j + VEC_AHEAD];
            t->way = cache_way(t->set, t->key);
            if (t->way >= 0)
                PREFETCH(t->set + 64 + (size_t)t->way * c->vec_bytes);
        }
        nids += word_vector(m, c, &c->toks[j], hidden);
    }
    c->nh = 0;
    if (m->word_ngrams > 1)
        for (size_t j = 0; j < nt; j++)
            c->hashes[c->nh++] = (int32_t)c->toks[j].h;
    /* The word n-gram rows: their ids first, then the sum, fetching rows
     * a few ahead; n-gram rows are spread over the whole bucket matrix,
     * so it is memory latency, not arithmetic, that bounds this loop */
    for (size_t a = 0; m->bucket > 0 && m->prune_n && a < c->nh; a++) {
        uint64_t h = (uint64_t)(int64_t)c->hashes[a]; /* sign-extended */
        for (size_t b = a + 1; b < c->nh && b < a + (size_t)m->word_ngrams;
             b++) {
            h = h * 116049371 + (uint64_t)(int64_t)c->hashes[b];
            int64_t id = (int64_t)(h % (uint64_t)m->bucket);
            if (m->prune_n > 0 && (id = prune_map(m, (int32_t)id)) < 0)
                continue;
            id += m->nwords;
            if (id >= m->in.m)
                continue; /* a malformed model: rows it does not have */
            if (nr == c->rcap &&
                grow((void **)&c->rows, &c->rcap, sizeof *c->rows))
                return WN_ENOMEM;
            c->rows[nr++] = id;
        }
    }
    size_t rowb = (size_t)m->in.n * sizeof(float);
    const float *rows = m->in_rows ? m->in_rows : m->in.quant ? NULL : m->in.data;
    for (size_t r = 0; r < nr; r++) {
        if (rows && r + 4 < nr) {
            const char *q = (const char *)(rows + c->rows[r + 4] * m->in.n);
            for (size_t b = 0; b < rowb; b += 64)
                PREFETCH(q + b);
        }
        if (rows)
            vec_add(hidden, rows + c->rows[r] * m->in.n, m->in.n);
        else
            add_row(&m->in, hidden, c->rows[r], 1.0f);
    }
    nids += nr;
    if (nids)
        for (int k = 0; k < dim; k++)
            hidden[k] *= (float)(1.0 / (double)nids);
    return 0;
}

static int predict(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int *label, double *prob)
{
    *label = 0;
    *prob = 0;
    float hidden[MAX_DIM];
    if (compute_hidden(m, c, text, n, hidden))
        return WN_ENOMEM;
    if (m->loss == LOSS_HS) {
        best b = {0, -1};
        if (dfs(m, c, hidden, &b))
            return WN_ENOMEM;
        *label = b.label < 0 ? 0 : b.label;
        *prob = b.label < 0 ? 0 : exp(b.score);
        return 0;
    }
    /* softmax (or one-vs-all: sigmoid per label) over the output rows */
    float mx = -INFINITY, sum = 0;
    int arg = 0;
    for (int32_t l = 0; l < m->nlabels; l++) {
        float f = out_dot(m, hidden, l);
        if (f > mx) {
            mx = f;
            arg = l;
        }
    }
    if (m->loss == LOSS_OVA) {
        *label = arg;
        *prob = 1.0 / (1.0 + exp(-mx));
        return 0;
    }
    for (int32_t l = 0; l < m->nlabels; l++)
        sum += expf(out_dot(m, hidden, l) - mx);
    *label = arg;
    *prob = 1.0 / sum;
    return 0;
}

/* The probability fastText's predict-prob prints for one label when asked
 * for all (k = -1, threshold 0): exp(std_log(p)), so p + 1e-5, computed
 * in float as there.  Hierarchical softmax: the sum of std_log along the
 * leaf's path, the score fastText's search gives that leaf. */
static double label_prob(const ftz_model *m, const float *hidden, int label)
{
    if (m->loss == LOSS_HS) {
        float score = 0;
        int32_t node = label;
        for (int guard = 0; m->parent[node] >= 0 && guard < m->nlabels;
             guard++) {
            int32_t up = m->parent[node];
            float f = out_dot(m, hidden, up - m->nlabels);
            f = (float)(1.0 / (1.0 + exp(-(double)f)));
            score += std_log(m->left[up] == node ? 1.0f - f : f);
            node = up;
        }
        return (double)expf(score);
    }
    float mine = out_dot(m, hidden, label);
    if (m->loss == LOSS_OVA)
        return (double)expf(std_log((float)(1.0 / (1.0 + exp(-(double)mine)))));
    float mx = -INFINITY, z = 0;
    for (int32_t l = 0; l < m->nlabels; l++) {
        float f = out_dot(m, hidden, l);
        if (f > mx)
            mx = f;
    }
    for (int32_t l = 0; l < m->nlabels; l++)
        z += expf(out_dot(m, hidden, l) - mx);
    return (double)expf(std_log(expf(mine - mx) / z));
}

int ftz_label_prob(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int label, double *prob)
{
    float hidden[MAX_DIM];
    *prob = 0;
    if (label < 0 || label >= m->nlabels)
        return WN_EINVAL;
    if (compute_hidden(m, c, text, n, hidden))
        return WN_ENOMEM;
    double p = label_prob(m, hidden, label);
    *prob = p >= 0 ? p > 1 ? 1 : p : 0; /* NaN weights: still in [0, 1] */
    return 0;
}
