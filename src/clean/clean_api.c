/*
 * clean_api.c - the public cleaning API (winnow.h, "Cleaning"): per-line
 * verdicts for `winnow explain` and per-rule drop counters, reached
 * through an ordinary wn_stage handle.
 *
 * wn_clean_lines runs the very decision function that process() runs
 * (clean_decide / site_decide), on the handle's scratch, without touching
 * the document - so what explain prints is what clean does.
 */
#include "clean.h"
#include "line_model.h"

static int decide_lines(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                        wn_line_verdict_fn fn, wn_line_score_fn sfn,
                        int features, void *ctx)
{
    void *cs = stage_api_state(st, &stage_clean);
    void *ss = stage_api_state(st, &stage_site_lines);
    void *ns = stage_api_state(st, &stage_normalize);
    if (ns && fn)
        return norm_lines(ns, doc, fn, ctx);
    if (!cs && !ss)
        return WN_EINVAL;
    wn_error err;
    int rc = wn_stage_prepare(st, &err); /* no first pass: empty corpus */
    if (rc < 0)
        return rc;
    stage_scratch *sc = stage_api_scratch(st);
    wn_buf local = WN_BUF_INIT;
    if (!reason)
        reason = &local;
    wn_buf_reset(reason);
    cl_line *lines;
    size_t n = cl_split(doc->text.data, doc->text.len, &sc->b[0], &lines);
    if (n == CL_SPLIT_NOMEM) {
        wn_buf_release(&local);
        return WN_ENOMEM;
    }
    wn_buf feat = WN_BUF_INIT;
    rc = cs ? clean_decide(cs, doc, lines, n, reason, sc,
                           features ? &feat : NULL)
            : site_decide(ss, doc, lines, n, &sc->b[2]);
    wn_buf_release(&local);
    if (rc < 0) {
        wn_buf_release(&feat);
        return rc;
    }
    const float *x = (const float *)(void *)feat.data;
    size_t nx = feat.len / (LM_NFEAT * sizeof(float)), j = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = doc->text.data + lines[i].off;
        if (fn)
            fn(ctx, t, lines[i].len, lines[i].rule);
        if (sfn)
            sfn(ctx, t, lines[i].len, lines[i].rule, lines[i].score,
                lines[i].len && j < nx ? x + LM_NFEAT * j : NULL,
                LM_NFEAT);
        j += lines[i].len > 0;
    }
    wn_buf_release(&feat);
    return rc;
}

int wn_clean_lines(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                   wn_line_verdict_fn fn, void *ctx)
{
    return decide_lines(st, doc, reason, fn, NULL, 0, ctx);
}

int wn_clean_lines_scored(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                          wn_line_score_fn fn, int features, void *ctx)
{
    if (stage_api_state(st, &stage_normalize))
        return WN_EINVAL;
    return decide_lines(st, doc, reason, NULL, fn, features, ctx);
}

int wn_clean_rule_at(wn_stage *st, size_t i, const char **name,
                     uint64_t *drops)
{
    void *cs = stage_api_state(st, &stage_clean);
    void *ss = stage_api_state(st, &stage_site_lines);
    void *ns = stage_api_state(st, &stage_normalize);
    const cl_counts *c = cs   ? clean_counts(cs)
                         : ss ? site_counts(ss)
                         : ns ? norm_counts(ns)
                              : NULL;
    if (!c || i >= c->n)
        return 0;
    if (name)
        *name = c->name[i];
    if (drops)
        *drops = atomic_load_explicit(&((cl_counts *)c)->drops[i],
                                      memory_order_relaxed);
    return 1;
}
