/*
 * ftz_model.h - the inside of a fastText model as ftz.c reads it, shared
 * by the reader (ftz.c) and the prediction (ftz_predict.c); nothing else
 * includes it.
 */
#ifndef WN_FILTER_FTZ_MODEL_H
#define WN_FILTER_FTZ_MODEL_H

#include "ftz.h"

#define KSUB 256
#define MAX_DIM 1024
#define EOS "</s>"

enum { LOSS_HS = 1, LOSS_NS = 2, LOSS_SOFTMAX = 3, LOSS_OVA = 4 };

typedef struct pq {
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * KSUB */
} pq;

typedef struct matrix {
    int quant;
    int64_t m, n;
    float *data;     /* dense: m * n */
    int qnorm;
    uint8_t *codes;  /* quantised: m * nsubq */
    pq pq, npq;
    uint8_t *norm_codes;
} matrix;

struct ftz_model {
    int32_t dim, word_ngrams, loss, bucket, minn, maxn;
    int32_t size, nwords, nlabels;
    char **words;     /* size entries, into blob */
    char *blob;
    int64_t *counts;
    uint32_t *whash;  /* fastText hash of each entry */
    /* word lookup, open addressing: a slot holds the word's hash and
     * offset in blob beside its id, so that a lookup reads the slot and
     * the word's bytes, and no other array (lookups are most of the work
     * of a model without subwords) */
    struct wslot {
        uint32_t h;
        int32_t id;   /* -1: empty */
        size_t off;
    } *table;
    uint32_t tmask;
    int64_t prune_n;  /* -1: not pruned */
    /* the pruning index, open addressing: pairs (bucket id, kept row)
     * side by side, so that a probe reads one cache line; -1: empty */
    int32_t *prune;
    uint32_t pmask;
    /* bit b set: bucket b is in the pruning index (NULL: not built, too
     * many buckets).  lid.176 keeps 43 K of its 2 M buckets: most n-grams
     * are answered by these 256 KB, which stay in L2, instead of a probe
     * of the 1 MB index */
    uint64_t *pbits;
    matrix in, out;
    /* quantised matrices expanded to floats at load (NULL: dense, or too
     * big): input rows scaled by their norms, output rows not (the norm
     * is applied after the dot product, as the quantised product does) */
    float *in_rows, *out_rows, *out_norms;
    int32_t *left, *right; /* hierarchical softmax tree, 2*nlabels-1 */
    int32_t *parent;       /* its parents (-1 at the root) */
    uint64_t serial;       /* unique per loaded model, from 1 */
};

static inline const float *centroid(const pq *q, int m, uint8_t i)
{
    if (m == q->nsubq - 1)
        return q->centroids + (size_t)m * KSUB * q->dsub + (size_t)i * q->lastdsub;
    return q->centroids + ((size_t)m * KSUB + i) * q->dsub;
}

/* x[0..n) += v[0..n), each element getting the one addition a scalar
 * loop gives.  Blocks of 16 first: gcc -O2 vectorises a loop of a fixed
 * count, not one of n (restrict: the two never overlap). */
static inline void vec_add(float *restrict x, const float *restrict v,
                           int64_t n)
{
    int64_t k = 0;
    for (; k + 16 <= n; k += 16)
        for (int j = 0; j < 16; j++)
            x[k + j] += v[k + j];
    for (; k < n; k++)
        x[k] += v[k];
}

/* x += a * row i */
static inline void add_row(const matrix *mx, float *x, int64_t i, float a)
{
    if (!mx->quant && a == 1.0f) {
        vec_add(x, mx->data + i * mx->n, mx->n);
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

/* x . row i, summed in order over the row (the norm of a quantised row
 * multiplied in after the sum) */
static inline float dot_row(const matrix *mx, const float *x, int64_t i)
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

/* fastText's hash: FNV-1a over bytes read as signed chars. */
static inline uint32_t ft_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static inline int32_t find_word(const ftz_model *m, const char *w, size_t n,
                         uint32_t h)
{
    uint32_t i = h & m->tmask;
    for (;;) {
        const struct wslot *sl = &m->table[i];
        if (sl->id < 0)
            return -1;
        const char *e = m->blob + sl->off;
        if (sl->h == h && !strncmp(e, w, n) && !e[n])
            return sl->id;
        i = (i + 1) & m->tmask;
    }
}

#endif
