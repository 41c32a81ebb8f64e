/*
 * run_para.c - the paragraph step of `winnow run` (dedup.paragraphs=1, off
 * by default): after document dedup, before the shards are written.
 *
 * Whether a paragraph is a duplicate depends on every paragraph before it,
 * so the step reads the dedup outputs (the task outputs without dedup) on
 * one thread in input order, whatever run.jobs is: the same corpus gives
 * the same bytes.  Each input i gives work/p3/NNNNN.jsonl.zst; documents
 * left without text go to work/p3/rejects.jsonl.zst.  Its counters are
 * written into work/p3/para.done last; a run that finds the marker skips
 * the step.  The Bloom filter lives in memory only, so a run killed during
 * the step does the whole step again (its files appear atomically, the
 * earlier attempt's are replaced).
 */
#include "run_internal.h"
#include "../io/io.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct para_ctx {
    wn_para *p;
    wn_writer *kept, *rej;
    wn_dedup_stats st;
    wn_buf reason, line;
} para_ctx;

static int para_doc(void *ctx, wn_doc *d, wn_error *err)
{
    para_ctx *c = ctx;
    c->st.docs++;
    c->st.text_bytes += d->text.len;
    int rc = wn_para_check(c->p, d, &c->reason, &c->st);
    if (rc < 0)
        return wn_err(err, rc, "", 0, "paragraph dedup: %s",
                      wn_strerror(rc));
    if (!rc && wn_doc_meta_set_str(d, "reject_reason", c->reason.data,
                                   c->reason.len))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    c->st.kept += rc == 1;
    wn_buf_reset(&c->line);
    if (wn_doc_to_json(d, &c->line))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    return wn_writer_write_line(rc ? c->kept : c->rej, c->line.data,
                                c->line.len, err);
}

static int open_work(const char *path, wn_writer **w, wn_error *err)
{
    int rc = wn_writer_open(path, WN_OUT_JSONL, w, err);
    if (!rc) {
        writer_work(*w);
        /* read once more, by the final copy: the fastest level, as the
         * task outputs and dedup's */
        wn_writer_set_level(*w, 1);
    }
    return rc;
}

int run_paragraphs_on(const wn_run *r)
{
    /* the one declaration of the option, in the dedup table */
    const config_opt *o = config_find(dedup_option_table(),
                                      "dedup.paragraphs");
    config_opt t[2] = {*o, OPTION_END};
    struct { int on; } v = {0};
    wn_error e;
    t[0].offset = 0;
    t[0].size = sizeof v.on;
    return !config_parse(t, r->cfg, &v, &e) && v.on;
}

int run_paragraphs(wn_run *r, char *const *in, wn_error *err)
{
    wn_buf p = WN_BUF_INIT, pd = WN_BUF_INIT;
    para_ctx c;
    memset(&c, 0, sizeof c);
    int rc = 0;
    const char *done = run_path(r, &pd, "work/p3/para.done");
    if (!done) {
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    wn_buf marker = WN_BUF_INIT;
    work_ledger led;
    ledger_begin(&led); /* para.done vouches for what follows (marker.c) */
    if ((rc = marker_read(done, &marker, err)) < 0)
        goto out;
    rc = 0;
    if (marker.len == sizeof c.st) {
        memcpy(&c.st, marker.data, sizeof c.st);
        goto add; /* finished by an earlier attempt */
    }
    if ((rc = wn_para_new(r->cfg, &c.p, err)) ||
        (rc = open_work(run_path(r, &p, "work/p3/rejects.jsonl.zst"), &c.rej,
                        err)))
        goto out;
    for (size_t i = 0; i < r->nfiles && !rc; i++) {
        if ((rc = open_work(run_path(r, &p, "work/p3/%05zu.jsonl.zst", i),
                            &c.kept, err)))
            break;
        rc = run_each_own_doc(in[i], para_doc, &c, err);
        if (rc) {
            wn_writer_abort(c.kept);
        } else {
            rc = wn_writer_close(c.kept, err);
        }
        c.kept = NULL;
    }
    if (!rc) {
        rc = wn_writer_close(c.rej, err);
        c.rej = NULL;
    }
    ledger_end(&led);
    if (!rc)
        rc = marker_write(done, &c.st, sizeof c.st, &led, err);
add:
    if (!rc) {
        r->dstats.paragraphs += c.st.paragraphs;
        r->dstats.paragraphs_removed += c.st.paragraphs_removed;
        r->dstats.paragraph_bytes += c.st.paragraph_bytes;
        r->dstats.paragraph_emptied += c.st.paragraph_emptied;
    }
out:
    ledger_release(&led);
    if (c.rej)
        wn_writer_abort(c.rej);
    wn_para_free(c.p);
    wn_buf_release(&c.reason);
    wn_buf_release(&c.line);
    wn_buf_release(&marker);
    wn_buf_release(&p);
    wn_buf_release(&pd);
    return rc;
}
