/*
 * linebook.h - what the line cleaners did, for the books and the report
 * (engine.c keeps one per engine):
 *   - lines dropped per rule: the stages' own counters (wn_clean_rule_at)
 *     read after each input, the growth booked as "stage:rule";
 *   - example pages: the pool keeps a copy of each page as a line stage
 *     receives it (pool_capture) for the first LX_BUDGET pages of an
 *     input; on the reading thread, in input order, the page is decided
 *     again by the stage's own decision (wn_clean_lines) and kept as an
 *     example of each rule that dropped lines of it, up to `want` per
 *     rule: JSON lines {"rule","id","url","first","lines":[[text,
 *     rule|null]..]}.  In input order, so the same for any thread count.
 */
#ifndef WN_LINEBOOK_H
#define WN_LINEBOOK_H

#include "batch.h"

typedef struct linebook {
    tally_kv *base;     /* the counters when last read */
    size_t nbase;
    size_t want;        /* examples per rule; 0 = none */
    int n;              /* line stages with examples */
    size_t stage[POOL_CAPTURE];
    unsigned evals;     /* pages decided again in this input */
    tally_kv *count;    /* examples per "stage:rule" */
    size_t ncount;
    wn_buf out;         /* the examples, JSON lines */
    wn_doc doc;
    struct lb_line { const char *p; size_t n; const char *rule; } *lines;
    size_t nlines, cap;
    int oom;
} linebook;

/* Adds what the rules of stages st[0..nst) dropped since the last call
 * to books (NULL: only noted).  0 or WN_ENOMEM. */
int linebook_count(linebook *lb, wn_stage *const *st,
                   const char *const *names, size_t nst, tally *books);
/* Examples of up to per_rule pages per rule of the line stages among
 * st[0..upto). */
void linebook_examples(linebook *lb, wn_stage *const *st, size_t upto,
                       size_t per_rule);
/* Asks pool p (running stages [0, nst)) for the copies. */
void linebook_capture(const linebook *lb, pool *p, size_t nst);
/* Document i of batch b (committed in input order). 0 or WN_ENOMEM. */
int linebook_document(linebook *lb, wn_stage *const *st,
                      const char *const *names, pool *p, batch *b, size_t i);
/* Appends the examples to out and starts afresh for the next input. */
int linebook_take(linebook *lb, wn_buf *out);
void linebook_release(linebook *lb);

#endif
