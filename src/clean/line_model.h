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

/* For each of the m non-empty lines idx[], how many other lines of the
 * page have the same bytes; in store.  NULL when out of memory. */
uint32_t *lm_repeats(const char *text, const cl_line *lines,
                     const uint32_t *idx, size_t m, wn_buf *store);
/* Features of non-empty line idx[j] of m (idx: the non-empty lines), with
 * the article span [bs, be] over idx (span == 0: the page has none), the
 * rules' verdicts so far and lm_repeats' counts, into x[LM_NFEAT]. */
void lm_features(const char *text, const cl_line *lines, const uint32_t *idx,
                 size_t m, size_t j, size_t bs, size_t be, int span,
                 const uint32_t *repeats, float *x);
/* Probability that a line with features x is article text. */
float lm_score(const float *x);

#endif
