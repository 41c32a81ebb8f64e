/*
 * linebook.c - what the line cleaners (clean, site_lines) did, for the
 * books and the report: lines dropped per rule, and example pages of each
 * rule with its lines marked (see linebook.h).
 */
#include "linebook.h"
#include "../core/core.h"

#include <stdlib.h>

/* What the line cleaners' per-rule counters (wn_clean_rule_at) grew by
 * since they were last counted: into books, or only noted (NULL). */
int linebook_count(linebook *lb, wn_stage *const *st,
                   const char *const *names, size_t nst, tally *books)
{
    wn_buf key = WN_BUF_INIT;
    int rc = 0;
    for (size_t s = 0; s < nst && !rc; s++) {
        const char *name;
        uint64_t n;
        for (size_t i = 0; !rc && wn_clean_rule_at(st[s], i, &name, &n);
             i++) {
            wn_buf_reset(&key);
            if ((rc = wn_buf_printf(&key, "%s:%s", names[s], name)))
                break;
            for (size_t k = 0; k < key.len; k++) /* keys are one token */
                if ((unsigned char)key.data[k] <= ' ')
                    key.data[k] = '_';
            uint64_t was = 0;
            size_t k;
            for (k = 0; k < lb->nbase; k++)
                if (!strcmp(lb->base[k].key, key.data))
                    break;
            if (k < lb->nbase) {
                was = lb->base[k].n;
                lb->base[k].n = n;
            } else
                rc = tally_kv_add(&lb->base, &lb->nbase, key.data,
                                  key.len, n);
            if (!rc && books && n > was)
                rc = tally_kv_add(&books->lines, &books->nlines,
                                  key.data, key.len, n - was);
        }
    }
    wn_buf_release(&key);
    return rc;
}

/* Documents whose lines are decided again, per input, at most: the
 * examples of the common rules come early; this bounds the cost (one
 * more decision per document, on this thread) of the rare ones. */
#define LX_BUDGET 300
/* Lines of an example: around the rule's lines, each cut to LX_LINE. */
#define LX_CONTEXT 6
#define LX_MAX_LINES 60
#define LX_LINE 300

static void lx_line(void *ctx, const char *line, size_t n, const char *rule)
{
    linebook *lb = ctx;
    if (lb->nlines == lb->cap) {
        size_t cap = lb->cap ? lb->cap * 2 : 256;
        struct lb_line *nl = realloc(lb->lines, cap * sizeof *nl);
        if (!nl) {
            lb->oom = 1;
            return;
        }
        lb->lines = nl;
        lb->cap = cap;
    }
    lb->lines[lb->nlines++] = (struct lb_line){line, n, rule};
}

/* One example: {"rule","id","url","first","lines":[[text,rule|null]..]},
 * the lines around those `rule` dropped. */
static int lx_example(linebook *lb, const char *key, const char *rule,
                      const wn_doc *d)
{
    size_t first = SIZE_MAX, last = 0;
    for (size_t j = 0; j < lb->nlines; j++)
        if (lb->lines[j].rule == rule) {
            first = first == SIZE_MAX ? j : first;
            last = j;
        }
    size_t from = first > LX_CONTEXT ? first - LX_CONTEXT : 0;
    size_t to = last + LX_CONTEXT + 1 < lb->nlines ? last + LX_CONTEXT + 1
                                                      : lb->nlines;
    if (to - from > LX_MAX_LINES)
        to = from + LX_MAX_LINES;
    wn_buf *o = &lb->out;
    size_t at = o->len;
    int rc = wn_buf_puts(o, "{\"rule\":");
    rc |= wn_json_put_string(o, key, strlen(key));
    rc |= wn_buf_puts(o, ",\"id\":");
    rc |= wn_json_put_string(o, d->id.data ? d->id.data : "", d->id.len);
    rc |= wn_buf_puts(o, ",\"url\":");
    rc |= wn_json_put_string(o, d->url.data ? d->url.data : "", d->url.len);
    rc |= wn_buf_printf(o, ",\"first\":%zu,\"lines\":[", from);
    for (size_t j = from; j < to; j++) {
        const struct lb_line *l = &lb->lines[j];
        size_t n = l->n < LX_LINE ? l->n : LX_LINE;
        while (n < l->n && n && ((unsigned char)l->p[n] & 0xC0) == 0x80)
            n--; /* on a character boundary */
        rc |= wn_buf_puts(o, j > from ? ",[" : "[");
        rc |= wn_json_put_string(o, l->p, n);
        if (l->rule) {
            rc |= wn_buf_putc(o, ',');
            rc |= wn_json_put_string(o, l->rule, strlen(l->rule));
            rc |= wn_buf_putc(o, ']');
        } else
            rc |= wn_buf_puts(o, ",null]");
    }
    rc |= wn_buf_puts(o, "]}\n");
    if (rc)
        o->len = at; /* no example rather than half a line */
    return rc ? WN_ENOMEM : 0;
}

/* Document i of b, if the pool kept its text for a line stage: decides
 * its lines again (wn_clean_lines, the stage's own decision) and keeps it
 * as the example of each rule that dropped lines of it and has fewer
 * than lx_want.  Deterministic: in input order, and the copies stop only
 * once no later document is wanted. */
int linebook_document(linebook *lb, wn_stage *const *st,
                      const char *const *names, pool *p, batch *b, size_t i)
{
    const wn_doc *d = &b->docs[i];
    wn_buf key = WN_BUF_INIT;
    int rc = 0;
    for (int k = 0; k < lb->n && !rc; k++) {
        if (!b->pre_ok[k * b->cap + i])
            continue;
        if (lb->evals++ >= LX_BUDGET) {
            pool_capture_stop(p);
            break;
        }
        size_t s = lb->stage[k];
        wn_doc *t = &lb->doc;
        const wn_buf *pre = &b->pre[k * b->cap + i];
        wn_doc_reset(t);
        if (wn_buf_set(&t->text, pre->data ? pre->data : "", pre->len) ||
            wn_buf_set(&t->url, d->url.data ? d->url.data : "", d->url.len) ||
            wn_buf_set(&t->source, d->source.data ? d->source.data : "",
                       d->source.len)) {
            /* a failure here fails the run: examples that depended on
             * the memory at hand would make a resumed run differ */
            rc = WN_ENOMEM;
            break;
        }
        lb->nlines = 0;
        lb->oom = 0;
        if ((rc = wn_clean_lines(st[s], t, NULL, lx_line, lb)) >= 0)
            rc = lb->oom ? WN_ENOMEM : 0;
        if (rc)
            break;
        for (size_t j = 0; j < lb->nlines && !rc; j++) {
            const char *rule = lb->lines[j].rule;
            size_t seen = 0;
            for (size_t q = 0; rule && q < j && !seen; q++)
                seen = lb->lines[q].rule == rule;
            if (!rule || seen)
                continue;
            wn_buf_reset(&key);
            if ((rc = wn_buf_printf(&key, "%s:%s", names[s], rule)))
                break;
            size_t have = 0, c;
            for (c = 0; c < lb->ncount; c++)
                if (!strcmp(lb->count[c].key, key.data)) {
                    have = lb->count[c].n;
                    break;
                }
            if (have >= lb->want)
                continue;
            /* a rule's example counts only once it is written */
            if (!(rc = lx_example(lb, key.data, rule, d)))
                rc = tally_kv_add(&lb->count, &lb->ncount, key.data,
                                  key.len, 1);
        }
    }
    wn_buf_release(&key);
    return rc;
}

void linebook_examples(linebook *lb, wn_stage *const *st, size_t upto,
                       size_t per_rule)
{
    lb->want = per_rule;
    lb->n = 0;
    for (size_t s = 0; s < upto && lb->n < POOL_CAPTURE; s++)
        if (wn_clean_rule_at(st[s], 0, NULL, NULL))
            lb->stage[lb->n++] = s;
}

void linebook_capture(const linebook *lb, pool *p, size_t nst)
{
    for (int k = 0; lb->want && k < lb->n; k++)
        if (lb->stage[k] < nst)
            pool_capture(p, lb->stage[k], k);
}

static void free_kv(tally_kv **kv, size_t *n)
{
    for (size_t i = 0; i < *n; i++)
        free((*kv)[i].key);
    free(*kv);
    *kv = NULL;
    *n = 0;
}

int linebook_take(linebook *lb, wn_buf *out)
{
    int rc = wn_buf_append(out, lb->out.data ? lb->out.data : "",
                           lb->out.len);
    wn_buf_reset(&lb->out);
    free_kv(&lb->count, &lb->ncount);
    lb->evals = 0;
    return rc;
}

void linebook_release(linebook *lb)
{
    free_kv(&lb->base, &lb->nbase);
    free_kv(&lb->count, &lb->ncount);
    free(lb->lines);
    wn_buf_release(&lb->out);
    wn_doc_release(&lb->doc);
    memset(lb, 0, sizeof *lb);
}

