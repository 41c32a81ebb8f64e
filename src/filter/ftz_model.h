/*
 * ftz_model.h - the fastText model as ftz.c reads it and ftz_predict.c
 * runs it (internal to src/filter): the matrices, the dictionary and the
 * small lookups both files use, inline because prediction calls them once
 * per character n-gram.
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
    int32_t *table;   /* word lookup: open addressing, -1 empty */
    uint32_t tmask;
    int64_t prune_n;  /* -1: not pruned */
    int32_t *prune;   /* pairs (bucket id, row), key -1 = empty: one line */
    uint32_t pmask;
    matrix in, out;
    /* quantised matrices expanded to floats (NULL: dense, or too big):
     * input rows scaled by their norms, output rows not (dot_row applies
     * the norm after the sum, as the quantised product does) */
    float *in_rows, *out_rows, *out_norms;
    int32_t *left, *right; /* hierarchical softmax tree, 2*nlabels-1 */
    uint64_t uid; /* unique per load: a context's cache names its model by
                   * this, as a freed model's address can be reused */
};

static inline const float *centroid(const pq *q, int m, uint8_t i)
{
    if (m == q->nsubq - 1)
        return q->centroids + (size_t)m * KSUB * q->dsub + (size_t)i * q->lastdsub;
    return q->centroids + ((size_t)m * KSUB + i) * q->dsub;
}

/* x[0..n) += v[0..n), 8 lanes at a time: a fixed-length inner loop the
 * compiler turns into SIMD adds (SSE2 is x86-64's baseline, so no
 * dispatch); each element gets the same one addition as a scalar loop. */
static inline void vec_add(float *restrict x, const float *restrict v, int n)
{
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int l = 0; l < 8; l++)
            x[k + l] += v[k + l];
    for (; k < n; k++)
        x[k] += v[k];
}

/* Row i of a quantised matrix is, for each sub-quantiser j, a centroid
 * placed at j * dsub: the one its code names, of *d floats. */
static inline const float *sub_centroid(const matrix *mx, int64_t i, int j,
                                        int *d)
{
    const pq *q = &mx->pq;
    *d = j == q->nsubq - 1 ? q->lastdsub : q->dsub;
    return centroid(q, j, mx->codes[(size_t)q->nsubq * i + (size_t)j]);
}

/* The norm a quantised row is scaled by (1 without norms). */
static inline float row_norm(const matrix *mx, int64_t i)
{
    return mx->qnorm ? centroid(&mx->npq, 0, mx->norm_codes[i])[0] : 1;
}

/* x += a * row i */
static inline void add_row(const matrix *mx, float *x, int64_t i, float a)
{
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            x[k] += a * row[k];
        return;
    }
    if (mx->qnorm)
        a *= row_norm(mx, i);
    for (int j = 0, d; j < mx->pq.nsubq; j++) {
        const float *c = sub_centroid(mx, i, j, &d);
        float *y = x + (size_t)j * mx->pq.dsub;
        for (int k = 0; k < d; k++)
            y[k] += a * c[k];
    }
}

/* x . row i, summed in order over the row */
static inline float dot_row(const matrix *mx, const float *x, int64_t i)
{
    float r = 0;
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            r += x[k] * row[k];
        return r;
    }
    for (int j = 0, d; j < mx->pq.nsubq; j++) {
        const float *c = sub_centroid(mx, i, j, &d);
        const float *y = x + (size_t)j * mx->pq.dsub;
        for (int k = 0; k < d; k++)
            r += y[k] * c[k];
    }
    return r * row_norm(mx, i);
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

static inline int32_t find_word(const ftz_model *m, const char *w,
                                size_t n, uint32_t h)
{
    uint32_t i = h & m->tmask;
    for (;;) {
        int32_t id = m->table[i];
        if (id < 0)
            return -1;
        if (m->whash[id] == h && !strncmp(m->words[id], w, n) &&
            !m->words[id][n])
            return id;
        i = (i + 1) & m->tmask;
    }
}

/* Pruning index lookup: bucket id -> kept row, or -1. */
static inline int32_t prune_map(const ftz_model *m, int32_t id)
{
    uint32_t i = ((uint32_t)id * 2654435761u) & m->pmask;
    for (;;) {
        if (m->prune[2 * i] == -1)
            return -1;
        if (m->prune[2 * i] == id)
            return m->prune[2 * i + 1];
        i = (i + 1) & m->pmask;
    }
}

#endif
