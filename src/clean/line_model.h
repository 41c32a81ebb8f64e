/*
 * line_model.h - the line model's features and score (line_model.c).
 */
#ifndef WN_LINE_MODEL_H
#define WN_LINE_MODEL_H

#include "clean.h"

/* Features per line; eval/train_line_model.py reads them in this order
 * from `winnow explain --features`. */
#define LM_NFEAT 29
/* The default of clean.model_threshold, chosen by the training script. */
#include "line_model_threshold.h"

/* Per-page arrays over the m non-empty lines, computed once (lm_prepare)
 * so that each line's features cost O(1): log(1 + words), log(1 + other
 * lines with the same bytes), log of the length of the run of short
 * unpunctuated lines it is in (0: not short), sentence-like (8+ words and
 * a sentence ending), ends like a sentence (cl_ends_sentence). */
typedef struct lm_page {
    float *lw, *rep, *run;
    uint8_t *prose, *ends;
} lm_page;
int lm_prepare(const char *text, const cl_line *lines, const uint32_t *idx,
               size_t m, wn_buf *store, lm_page *pg);
/* Features of non-empty line idx[j] of m (idx: the non-empty lines), with
 * the article span [bs, be] over idx (span == 0: the page has none), the
 * rules' verdicts so far and the page's arrays, into x[LM_NFEAT]. */
void lm_features(const char *text, const cl_line *lines, const uint32_t *idx,
                 size_t m, size_t j, size_t bs, size_t be, int span,
                 const lm_page *pg, float *x);
/* Probability that a line with features x is article text. */
float lm_score(const float *x);
/* lm_score of n lines whose features are rows of x (LM_NFEAT floats
 * each), into out[n]: the same floats, eight lines at a time. */
void lm_score_batch(const float *x, size_t n, float *out);
/* lm_score; with fast == 0 without the AVX2 path (for the test that both
 * give the same bits). */
float lm_score_with(const float *x, int fast);

#endif
