/*
 * feed.c - one input read into a worker pool, committed in input order
 * (see batch.h): the batch feeding of the engine's passes and of the
 * dedup units that read documents (sig, shingles, filter), and the
 * feeder under it for a unit with a reading loop of its own (shingles
 * with dedup.verbatim).
 *
 * input_each owns the document loop; this is its sink.  The reading
 * thread is the only one that fills and commits, so commits see the
 * documents in input order whatever the number of workers, and the
 * output is the same byte for byte.
 */
#include "batch.h"
#include "../io/input.h"

static int commit(feeder *m, batch *done, wn_error *err)
{
    const batch_feed *f = m->f;
    int rc;
    if (!done->error)
        rc = f->commit(f->ctx, done, err);
    else if (f->failed)
        rc = f->failed(f->ctx, done, err);
    else
        rc = wn_err(err, done->error, "", 0, "%s", wn_strerror(done->error));
    pool_release(m->p, done);
    return rc;
}

void feeder_init(feeder *m, pool *p, const batch_feed *f)
{
    m->p = p;
    m->cur = pool_get(p);
    m->f = f;
}

int feeder_push(feeder *m, wn_error *err)
{
    int rc;
    if (++m->cur->n < m->cur->cap)
        return 0;
    pool_submit(m->p, m->cur);
    m->cur = NULL;
    if (pool_jobs(m->p) <= 1 && (rc = commit(m, pool_next(m->p), err)))
        return rc;
    while (!(m->cur = pool_get(m->p)))
        if ((rc = commit(m, pool_next(m->p), err)))
            return rc;
    return 0;
}

int feeder_finish(feeder *m, int rc, wn_error *err)
{
    if (m->cur && m->cur->n && !rc)
        pool_submit(m->p, m->cur);
    else if (m->cur)
        pool_release(m->p, m->cur);
    m->cur = NULL;
    /* every batch in flight comes back, so that none is left running */
    batch *done;
    while ((done = pool_next(m->p))) {
        if (rc)
            pool_release(m->p, done);
        else
            rc = commit(m, done, err);
    }
    return rc;
}

static wn_doc *feed_slot(void *ctx)
{
    feeder *m = ctx;
    return &m->cur->docs[m->cur->n];
}

/* A document is in the current batch (input_each's sink). */
static int feed_take(void *ctx, wn_doc *doc, wn_error *err)
{
    feeder *m = ctx;
    int rc;
    if (m->f->take && (rc = m->f->take(m->f->ctx, m->cur, doc, err)))
        return rc;
    return feeder_push(m, err);
}

static void feed_progress(void *ctx, uint64_t bytes_in)
{
    feeder *m = ctx;
    m->f->progress(m->f->ctx, bytes_in);
}

int feed_input(pool *p, const batch_feed *f, const char *path, const char *name,
               const wn_reader_opts *ro, wn_stats *st, wn_error *err)
{
    feeder m;
    feeder_init(&m, p, f);
    doc_sink sink = {feed_slot, feed_take, f->progress ? feed_progress : NULL,
                     &m, pool_jobs(p) > 1};
    int got = input_each(path, name, ro, &sink, st, err);
    int rc = feeder_finish(&m, got < 0 ? got : 0, err);
    return rc ? rc : got;
}

int feed_work(unsigned jobs, int flags,
              int (*work)(void *ctx, batch *b, stage_scratch *sc),
              const batch_feed *f, const char *path, const wn_reader_opts *ro,
              wn_stats *st, wn_error *err)
{
    pool *p;
    int n = jobs ? (int)jobs : 1;
    int rc = pool_new(NULL, NULL, NULL, 0, n, flags | (n == 1 ? POOL_ONE : 0),
                      &p);
    if (rc)
        return wn_err(err, rc, "", 0, "cannot start the workers");
    if (work)
        pool_set_hook(p, work, f->ctx);
    rc = feed_input(p, f, path, NULL, ro, st, err);
    pool_free(p);
    return rc;
}
