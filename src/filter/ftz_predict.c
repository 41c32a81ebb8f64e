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
#include <xxhash.h>

static const float *centroid(const pq *q, int m, uint8_t i)
{
    if (m == q->nsubq - 1)
        return q->centroids + (size_t)m * KSUB * q->dsub + (size_t)i * q->lastdsub;
    return q->centroids + ((size_t)m * KSUB + i) * q->dsub;
}

/* x += row (restrict: the two never overlap, so the loop vectorises) */
static void add_dense(float *restrict x, const float *restrict row,
                      int64_t n)
{
    for (int64_t k = 0; k < n; k++)
        x[k] += row[k];
}

/* x += a * row i */
static void add_row(const matrix *mx, float *x, int64_t i, float a)
{
    if (!mx->quant && a == 1.0f) {
        add_dense(x, mx->data + i * mx->n, mx->n);
        return;
    }
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            x[k] += a * row[k];
        return;
    }
    const pq *q = &mx->pq;
    if (mx->qnorm)
        a *= centroid(&mx->npq, 0, mx->norm_codes[i])[0];
    const uint8_t *code = mx->codes + (size_t)q->nsubq * i;
    int d = q->dsub;
    for (int m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        float *y = x + (size_t)m * q->dsub;
        for (int k = 0; k < d; k++)
            y[k] += a * c[k];
    }
}

static float dot_row(const matrix *mx, const float *x, int64_t i)
{
    float r = 0;
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            r += x[k] * row[k];
        return r;
    }
    const pq *q = &mx->pq;
    float norm = mx->qnorm ? centroid(&mx->npq, 0, mx->norm_codes[i])[0] : 1;
    const uint8_t *code = mx->codes + (size_t)q->nsubq * i;
    int d = q->dsub;
    for (int m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        const float *y = x + (size_t)m * q->dsub;
        for (int k = 0; k < d; k++)
            r += y[k] * c[k];
    }
    return r * norm;
}

/* Pruning index lookup: bucket id -> kept row, or -1. */
static int32_t prune_map(const ftz_model *m, int32_t id)
{
    uint32_t i = ((uint32_t)id * 2654435761u) & m->pmask;
    for (;;) {
        if (m->prune_keys[i] == -1)
            return -1;
        if (m->prune_keys[i] == id)
            return m->prune_vals[i];
        i = (i + 1) & m->pmask;
    }
}

/* ------------------------------------------------------------ prediction */

/* 2^17 slots, at most half used: 64K distinct words (a few MB for
 * lid.176's 16 dimensions) before the cache starts over. */
#define CACHE_BITS 17
#define CACHE_DIM 64 /* wider models skip the cache */

struct ftz_ctx {
    uint64_t serial;        /* the cache holds this model's vectors (its
                             * serial: a pointer could be a new model's) */
    uint64_t *keys;         /* 0 = empty */
    uint32_t *nids;
    float *vecs;            /* model->dim floats per slot */
    int dim;                /* what vecs was allocated for */
    size_t used;
    struct tok *toks;       /* the line's words */
    size_t tcap;
    int32_t *hashes;        /* word hashes of the line (word n-grams) */
    size_t nh, hcap;
    int64_t *rows;          /* the input rows of its word n-grams */
    size_t rcap;
    struct dfs_item *stack; /* the tree search's */
    size_t scap;
};

ftz_ctx *ftz_ctx_new(void)
{
    ftz_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    size_t n = (size_t)1 << CACHE_BITS;
    c->keys = calloc(n, sizeof *c->keys);
    c->nids = malloc(n * sizeof *c->nids);
    if (!c->keys || !c->nids) {
        ftz_ctx_free(c);
        return NULL;
    }
    return c;
}

void ftz_ctx_free(ftz_ctx *c)
{
    if (!c)
        return;
    free(c->keys);
    free(c->nids);
    free(c->vecs);
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

static void add_id(const ftz_model *m, float *x, uint32_t *nids, int64_t id)
{
    if (id < 0 || id >= m->in.m)
        return; /* a malformed model: rows it does not have add nothing */
    add_row(&m->in, x, id, 1.0f);
    (*nids)++;
}

/* fastText's pushHash: a bucket id, through the pruning index if any. */
static void add_bucket(const ftz_model *m, float *x, uint32_t *nids,
                       int64_t id)
{
    if (m->prune_n == 0)
        return;
    if (m->prune_n > 0 && (id = prune_map(m, (int32_t)id)) < 0)
        return;
    add_id(m, x, nids, m->nwords + id);
}

/* The character n-grams of "<word>" (computeSubwords). */
static void add_subwords(const ftz_model *m, float *x, uint32_t *nids,
                         const char *w, size_t n)
{
    char buf[4096 + 2];
    if (n > 4096 || m->maxn <= 0 || !m->bucket)
        return; /* fastText would add them; such "words" are not text */
    buf[0] = '<';
    memcpy(buf + 1, w, n);
    buf[n + 1] = '>';
    size_t len = n + 2;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)buf[i] & 0xC0) == 0x80)
            continue;
        size_t j = i;
        for (int k = 1; j < len && k <= m->maxn; k++) {
            j++;
            while (j < len && ((unsigned char)buf[j] & 0xC0) == 0x80)
                j++;
            if (k >= m->minn && !(k == 1 && (i == 0 || j == len)))
                add_bucket(m, x, nids,
                           ft_hash(buf + i, j - i) % (uint32_t)m->bucket);
        }
    }
}

/* x += the word's contribution; returns the number of rows added. */
static uint32_t word_vector(const ftz_model *m, ftz_ctx *c, const char *w,
                            size_t n, uint32_t h, uint64_t key, float *x)
{
    float tmp[MAX_DIM];
    uint32_t nids = 0;
    int dim = m->dim;
    float *slot = NULL;
    if (c->vecs && n <= 4096) {
        size_t mask = ((size_t)1 << CACHE_BITS) - 1, i = key & mask;
        while (c->keys[i] && c->keys[i] != key)
            i = (i + 1) & mask;
        if (c->keys[i]) {
            const float *v = c->vecs + i * (size_t)dim;
            for (int k = 0; k < dim; k++)
                x[k] += v[k];
            return c->nids[i];
        }
        if (c->used < mask / 2) {
            c->keys[i] = key;
            c->used++;
            slot = c->vecs + i * (size_t)dim;
            nids = 0;
            memset(slot, 0, (size_t)dim * sizeof *slot);
            int32_t id = find_word(m, w, n, h);
            if (id >= 0)
                add_id(m, slot, &nids, id);
            if (n != 4 || memcmp(w, EOS, 4))
                add_subwords(m, slot, &nids, w, n);
            c->nids[i] = nids;
            for (int k = 0; k < dim; k++)
                x[k] += slot[k];
            return nids;
        }
    }
    memset(tmp, 0, (size_t)dim * sizeof *tmp);
    int32_t id = find_word(m, w, n, h);
    if (id >= 0)
        add_id(m, tmp, &nids, id);
    if (n != 4 || memcmp(w, EOS, 4))
        add_subwords(m, tmp, &nids, w, n);
    for (int k = 0; k < dim; k++)
        x[k] += tmp[k];
    return nids;
}

static int is_ft_space(unsigned char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t' || ch == '\v' ||
           ch == '\f' || ch == '\0';
}

typedef struct tok {
    const char *w;
    size_t n;
    uint32_t h;   /* fastText's hash */
    uint64_t key; /* the word cache's (odd, never 0) */
} tok;

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
        float f = dot_row(&m->out, hidden, node - m->nlabels);
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
    memset(hidden, 0, (size_t)dim * sizeof *hidden);
    if (c->serial != m->serial) {
        memset(c->keys, 0, ((size_t)1 << CACHE_BITS) * sizeof *c->keys);
        c->used = 0;
        c->serial = m->serial;
        if (c->dim != dim) {
            free(c->vecs);
            c->vecs = NULL;
            c->dim = 0;
            if (dim <= CACHE_DIM && m->maxn > 0 && m->bucket &&
                (c->vecs = malloc(((size_t)1 << CACHE_BITS) * (size_t)dim *
                                  sizeof *c->vecs)))
                c->dim = dim; /* without memory, no cache: still right */
        }
    } else if (c->used >= (((size_t)1 << CACHE_BITS) - 1) / 2) {
        memset(c->keys, 0, ((size_t)1 << CACHE_BITS) * sizeof *c->keys);
        c->used = 0;
    }
    /* The words first, then their vectors: with the cache slots of the
     * words a few ahead fetched meanwhile, since a web page's vocabulary
     * spreads over a cache larger than L2 and each lookup would otherwise
     * wait on memory */
    size_t nt = 0, i = 0;
    int eos_done = 0;
    while (!eos_done) {
        while (i < n && is_ft_space((unsigned char)text[i]))
            i++;
        const char *w;
        size_t wl;
        if (i < n) {
            size_t s = i;
            while (i < n && !is_ft_space((unsigned char)text[i]))
                i++;
            w = text + s;
            wl = i - s;
        } else {
            w = EOS;
            wl = 4;
            eos_done = 1;
        }
        if (wl >= 9 && !memcmp(w, "__label__", 9))
            continue; /* a label, known or not, is not input */
        if (nt == c->tcap &&
            grow((void **)&c->toks, &c->tcap, sizeof *c->toks))
            return WN_ENOMEM;
        tok *t = &c->toks[nt++];
        t->w = w;
        t->n = wl;
        t->h = ft_hash(w, wl);
        t->key = c->vecs && m->maxn > 0 && m->bucket ? XXH3_64bits(w, wl) | 1
                                                       : 0;
    }
    if (m->word_ngrams > 1 && c->hcap < nt) {
        int32_t *p = realloc(c->hashes, nt * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        c->hashes = p;
        c->hcap = nt;
    }
    uint64_t nids = 0;
    size_t mask = ((size_t)1 << CACHE_BITS) - 1, nr = 0;
    /* Without subwords (supervised models' default, DCLM's among them) a
     * word is its one row: the rows' ids are gathered first, with the
     * dictionary slots of words a few ahead fetched meanwhile, and summed
     * below with the n-gram rows, rows a few ahead fetched meanwhile */
    int direct = m->maxn <= 0 || !m->bucket;
    for (size_t j = 0; direct && j < nt; j++) {
        if (j + 8 < nt)
            __builtin_prefetch(&m->table[c->toks[j + 8].h & m->tmask]);
        const tok *t = &c->toks[j];
        int32_t id = find_word(m, t->w, t->n, t->h);
        if (id < 0 || id >= m->in.m)
            continue;
        if (nr == c->rcap && grow((void **)&c->rows, &c->rcap, sizeof *c->rows))
            return WN_ENOMEM;
        c->rows[nr++] = id;
    }
    for (size_t j = 0; !direct && j < nt; j++) {
        if (c->vecs && j + 8 < nt) {
            size_t at = c->toks[j + 8].key & mask;
            __builtin_prefetch(&c->keys[at]);
            __builtin_prefetch(c->vecs + at * (size_t)dim);
        }
        const tok *t = &c->toks[j];
        nids += word_vector(m, c, t->w, t->n, t->h, t->key, hidden);
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
    for (size_t r = 0; r < nr; r++) {
        if (!m->in.quant && r + 4 < nr) {
            const char *q = (const char *)(m->in.data + c->rows[r + 4] * m->in.n);
            for (size_t b = 0; b < rowb; b += 64)
                __builtin_prefetch(q + b);
        }
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
        float f = dot_row(&m->out, hidden, l);
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
        sum += expf(dot_row(&m->out, hidden, l) - mx);
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
            float f = dot_row(&m->out, hidden, up - m->nlabels);
            f = (float)(1.0 / (1.0 + exp(-(double)f)));
            score += std_log(m->left[up] == node ? 1.0f - f : f);
            node = up;
        }
        return (double)expf(score);
    }
    float mine = dot_row(&m->out, hidden, label);
    if (m->loss == LOSS_OVA)
        return (double)expf(std_log((float)(1.0 / (1.0 + exp(-(double)mine)))));
    float mx = -INFINITY, z = 0;
    for (int32_t l = 0; l < m->nlabels; l++) {
        float f = dot_row(&m->out, hidden, l);
        if (f > mx)
            mx = f;
    }
    for (int32_t l = 0; l < m->nlabels; l++)
        z += expf(dot_row(&m->out, hidden, l) - mx);
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
