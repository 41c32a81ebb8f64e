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
    int32_t *prune_keys, *prune_vals;
    uint32_t pmask;
    matrix in, out;
    int32_t *left, *right; /* hierarchical softmax tree, 2*nlabels-1 */
    int32_t *parent;       /* its parents (-1 at the root) */
    uint64_t serial;       /* unique per loaded model, from 1 */
};

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
