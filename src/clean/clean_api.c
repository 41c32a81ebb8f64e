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

int wn_clean_lines(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                   wn_line_verdict_fn fn, void *ctx)
{
    void *cs = stage_api_state(st, &stage_clean);
    void *ss = stage_api_state(st, &stage_site_lines);
    void *ns = stage_api_state(st, &stage_normalize);
    if (ns)
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
    rc = cs ? clean_decide(cs, doc, lines, n, reason, sc)
            : site_decide(ss, doc, lines, n, &sc->b[2]);
    wn_buf_release(&local);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n && fn; i++)
        fn(ctx, doc->text.data + lines[i].off, lines[i].len, lines[i].rule);
    return rc;
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
