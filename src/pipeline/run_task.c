/*
 * run_task.c - one input file through the stages of `winnow run`.
 *
 * The calling thread reads documents into batches and hands them to the
 * pool (batch.c); processed batches come back in order and are written:
 * kept documents to work/p1/NNNNN.jsonl.zst, rejected ones (with
 * "reject_reason") to work/p1/NNNNN.rej.jsonl.zst, and the task's counters
 * to work/p1/NNNNN.counts last, which marks the task done.  The same loop
 * without outputs serves the first pass of a stage such as site_lines:
 * documents go through the stages before it, and the survivors are shown
 * to it in input order.
 */
#include "batch.h"
#include "run_internal.h"

#include <unistd.h>

typedef struct task_out {
    wn_writer *kept, *rej;
    tally *t;
    size_t observe; /* stage index to observe, or SIZE_MAX */
    wn_buf key;
} task_out;

int run_task_done(wn_run *r, size_t i)
{
    wn_buf p = WN_BUF_INIT;
    int done = access(run_path(r, &p, "work/p1/%05zu.counts", i), F_OK) == 0;
    wn_buf_release(&p);
    return done;
}

/* Writes (or observes) one processed batch, in input order. */
static int commit(wn_run *r, task_out *o, batch *b, wn_error *err)
{
    int rc;
    if (b->error)
        return wn_err(err, b->error, "", 0, "a stage failed: %s",
                      wn_strerror(b->error));
    for (size_t i = 0; i < b->n; i++) {
        wn_doc *d = &b->docs[i];
        int at = b->dropped_at[i];
        if (o->observe != SIZE_MAX) {
            if (at < 0 && (rc = r->ops[o->observe]->observe(
                               r->states[o->observe], d)) < 0)
                return wn_err(err, rc, "", 0, "observe failed");
            continue;
        }
        tally *t = o->t;
        t->docs_read++;
        r->docs_read++;
        size_t upto = at < 0 ? r->nstages : (size_t)at + 1;
        for (size_t s = 0; s < upto; s++)
            t->stage_in[s]++;
        /* the workers made the output line (POOL_SERIALIZE) */
        wn_buf *line = &b->lines[i];
        if (at < 0) {
            t->docs_kept++;
            r->docs_kept++;
            if ((rc = wn_writer_write_line(o->kept, line->data, line->len,
                                           err)))
                return rc;
            continue;
        }
        t->stage_rejected[at]++;
        wn_buf *why = &b->reasons[i];
        tally_reason_key(why->data, why->len, &o->key);
        if ((rc = tally_kv_add(&t->reasons, &t->nreasons, o->key.data,
                               o->key.len, 1)) ||
            (rc = wn_writer_write_line(o->rej, line->data, line->len, err)))
            return rc;
    }
    return 0;
}

/* Reads file i through stages [0, nst) into o. */
static int pump(wn_run *r, size_t i, size_t nst, task_out *o, wn_error *err)
{
    wn_reader_opts ro = r->ropts;
    ro.warn = r->warn;
    ro.warn_ctx = r->warn_ctx;
    wn_reader *rd;
    int rc = wn_reader_open(r->files[i], &ro, &rd, err);
    if (rc) {
        if (!WN_IS_BAD_INPUT(rc) && rc != WN_EIO)
            return rc;
        /* unreadable or unrecognised input: counted, the run goes on */
        run_warn(r, err);
        if (o->t) {
            o->t->input.files++;
            o->t->input.bad_files++;
        }
        return 0;
    }
    pool *p;
    if ((rc = pool_new(r->ops, r->states, nst, r->jobs,
                       o->observe == SIZE_MAX ? POOL_SERIALIZE : 0, &p))) {
        wn_reader_close(rd);
        return wn_err(err, rc, "", 0, "cannot start workers");
    }
    uint64_t base = r->bytes_done;
    int eof = 0;
    while (!rc && !eof) {
        batch *b = pool_get(p);
        if (!b) {
            batch *done = pool_next(p);
            rc = commit(r, o, done, err);
            pool_release(p, done);
            continue;
        }
        while (b->n < b->cap) {
            int k = wn_reader_next(rd, &b->docs[b->n], err);
            if (k == WN_DOC) {
                b->n++;
                continue;
            }
            if (k == WN_EOF) {
                eof = 1;
                break;
            }
            run_warn(r, err);
            if (!WN_IS_BAD_INPUT(k)) {
                if (k != WN_EIO)
                    rc = k;
                eof = 1;
                break;
            }
        }
        r->bytes_done = base + wn_reader_stats(rd)->bytes_in;
        pool_submit(p, b);
    }
    batch *done;
    while ((done = pool_next(p))) {
        if (!rc)
            rc = commit(r, o, done, err);
        pool_release(p, done);
    }
    pool_free(p);
    if (o->t)
        wn_stats_add(&o->t->input, wn_reader_stats(rd));
    r->bytes_done = base + wn_reader_stats(rd)->bytes_in;
    wn_reader_close(rd);
    return rc;
}

int run_observe_pass(wn_run *r, size_t k, unsigned part, unsigned nparts,
                     wn_error *err)
{
    task_out o;
    memset(&o, 0, sizeof o);
    o.observe = k;
    r->bytes_done = 0;
    int rc = 0;
    for (size_t i = part; i < r->nfiles && !rc; i += nparts)
        rc = pump(r, i, k, &o, err);
    wn_buf_release(&o.key);
    return rc;
}

int run_task(wn_run *r, size_t i, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    tally t;
    tally_init(&t);
    int rc = tally_set_stages(&t, r->names, r->nstages);
    if (!rc && run_task_done(r, i)) {
        /* finished by an earlier run: take its counters */
        rc = tally_load(&t, run_path(r, &p, "work/p1/%05zu.counts", i), err);
        if (!rc) {
            r->docs_read += t.docs_read;
            r->docs_kept += t.docs_kept;
            rc = tally_add(&r->total, &t);
        }
        tally_release(&t);
        wn_buf_release(&p);
        return rc;
    }
    task_out o;
    memset(&o, 0, sizeof o);
    o.observe = SIZE_MAX;
    o.t = &t;
    if (!rc)
        rc = wn_writer_open(run_path(r, &p, "work/p1/%05zu.jsonl.zst", i),
                            WN_OUT_JSONL, &o.kept, err);
    if (!rc)
        rc = wn_writer_open(run_path(r, &p, "work/p1/%05zu.rej.jsonl.zst", i),
                            WN_OUT_JSONL, &o.rej, err);
    /* work files are read once more: compress them for speed */
    if (!rc) {
        wn_writer_set_level(o.kept, 1);
        wn_writer_set_level(o.rej, 1);
        rc = pump(r, i, r->nstages, &o, err);
    }
    if (!rc) {
        rc = wn_writer_close(o.kept, err);
        o.kept = NULL;
    }
    if (!rc) {
        rc = wn_writer_close(o.rej, err);
        o.rej = NULL;
    }
    if (!rc)
        rc = tally_save(&t, run_path(r, &p, "work/p1/%05zu.counts", i), err);
    if (!rc)
        rc = tally_add(&r->total, &t);
    wn_writer_abort(o.kept);
    wn_writer_abort(o.rej);
    wn_buf_release(&o.key);
    tally_release(&t);
    wn_buf_release(&p);
    return rc;
}
