/*
 * run_substr.c - the substring step of `winnow run` (run.substr=1, off by
 * default): after document dedup and the paragraph step, before the
 * shards are written.
 *
 * The step is wn_substr_run over the files the earlier steps left (input
 * i gives work/p4/NNNNN.jsonl.zst, documents cut below
 * substr.min_doc_bytes go to work/p4/rejects.jsonl.zst), with its work
 * directory in work/substr: its units write `.done` markers with their
 * counters, so a run killed in the step resumes from the last finished
 * unit and reports the same totals.  Its outputs do not depend on the
 * thread count or the memory budget, so run.jobs only sets
 * substr.threads (unless the caller did).
 */
#include "run_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Problems met while reading the step's inputs: they are work files this
 * run wrote, so any problem there is damage, not bad input. */
static void first_problem(void *ctx, const char *msg)
{
    wn_buf *b = ctx;
    if (!b->len)
        wn_buf_puts(b, msg);
}

int run_substr(wn_run *r, char *const *in, wn_error *err)
{
    size_t n = r->nfiles;
    wn_buf b = WN_BUF_INIT, wd = WN_BUF_INIT, rej = WN_BUF_INIT;
    char **out = calloc(n ? n : 1, sizeof *out);
    wn_config *cfg = wn_config_new();
    int rc = out && cfg ? wn_config_merge(cfg, r->cfg) : WN_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *p = run_path(r, &b, "work/p4/%05zu.jsonl.zst", i);
        if (!p || !(out[i] = strdup(p)))
            rc = WN_ENOMEM;
    }
    if (!rc && !wn_config_lookup(cfg, "substr.threads")) {
        char j[16];
        snprintf(j, sizeof j, "%d", r->jobs);
        rc = wn_config_set(cfg, "substr.threads", j);
    }
    if (!rc && (!run_path(r, &wd, "work/substr") ||
                !run_path(r, &rej, "work/p4/rejects.jsonl.zst")))
        rc = WN_ENOMEM;
    if (rc) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    } else {
        wn_substr_stats st = WN_SUBSTR_STATS_INIT;
        rc = wn_substr_run(cfg, (const char *const *)in, n, wd.data,
                           (const char *const *)out, rej.data, &st, err);
        wn_buf_reset(&b);
        wn_dedup_problems(wd.data, n, first_problem, &b);
        if (!rc && (st.bad_input || b.len))
            rc = wn_err(err, WN_EIO, wd.data, 0, "damaged work file: %s",
                        b.len ? b.data : "unreadable");
        if (!rc)
            r->sstats = st;
    }
    for (size_t i = 0; out && i < n; i++)
        free(out[i]);
    free(out);
    wn_config_free(cfg);
    wn_buf_release(&b);
    wn_buf_release(&wd);
    wn_buf_release(&rej);
    return rc;
}
