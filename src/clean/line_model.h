/*
 * line_model.h - the line model's features and score (line_model.c).
 */
#ifndef WN_LINE_MODEL_H
#define WN_LINE_MODEL_H

#include "clean.h"

/* Features per line; eval/train_line_model.py reads them in this order
 * from `winnow explain --features`. */
#define LM_NFEAT 20
/* The default of clean.model_threshold, chosen by the training script. */
#include "line_model_threshold.h"

/* Features of non-empty line idx[j] of m (idx: the non-empty lines), with
 * the article span [bs, be] over idx (span == 0: the page has none) and
 * the rules' verdicts so far, into x[LM_NFEAT]. */
void lm_features(const char *text, const cl_line *lines, const uint32_t *idx,
                 size_t m, size_t j, size_t bs, size_t be, int span,
                 float *x);
/* Probability that a line with features x is article text. */
float lm_score(const float *x);

#endif
