/*
 * ftz.h - fastText supervised models (.bin, and quantised .ftz such as
 * lid.176.ftz) read and run in C: the language-ID engine that gives the
 * same answers as fastText, hence as CCNet, datatrove and FineWeb.
 */
#ifndef WN_FILTER_FTZ_H
#define WN_FILTER_FTZ_H

#include "../core/core.h"

typedef struct ftz_model ftz_model;
typedef struct ftz_ctx ftz_ctx;

/* Loads a model file.  Returns 0 with *out set, or a negative code (err
 * names the byte offset of a malformed field). */
int ftz_load(const char *path, ftz_model **out, wn_error *err);
/* The same from n bytes in memory (copied what it keeps). */
int ftz_load_mem(const void *data, size_t n, const char *name,
                 ftz_model **out, wn_error *err);
void ftz_free(ftz_model *m);

/* Number of labels and the i-th label without its "__label__" prefix. */
int ftz_nlabels(const ftz_model *m);
const char *ftz_label(const ftz_model *m, int i);

/* Per-thread working memory (a cache of per-word vectors across documents,
 * the input ids): one per thread, any model. */
ftz_ctx *ftz_ctx_new(void);
void ftz_ctx_free(ftz_ctx *c);
/* This thread's context for model m (made on first use, freed when the
 * thread ends), or NULL without memory: what stages running on the
 * engine's threads use. */
ftz_ctx *ftz_thread_ctx(const ftz_model *m);

/* Top-1 prediction for text[0..n) read as ONE line, as fastText's Python
 * predict() reads it after datatrove replaced newlines by spaces: words
 * are split on whitespace and the end-of-line token is added.  Sets *label
 * (index) and *prob.  Returns 0 or WN_ENOMEM. */
int ftz_predict(const ftz_model *m, ftz_ctx *c, const char *text, size_t n,
                int *label, double *prob);

/* Index of the label called name ("__label__hq" or "hq"), or -1. */
int ftz_find_label(const ftz_model *m, const char *name);

/* The probability of label `label` for text[0..n) read as one line (as
 * ftz_predict reads it): what `fasttext predict-prob MODEL - -1` prints
 * for that label, i.e. fastText's exp(log(p + 1e-5)) in float, whichever
 * the loss (softmax, hierarchical softmax, one-vs-all).  Returns 0,
 * WN_EINVAL for a label out of range, or WN_ENOMEM. */
int ftz_label_prob(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int label, double *prob);

#endif
