/*
 * pump.c - one input shard read through the pipeline's worker pool
 * (src/pipeline/batch.c), for the dedup units that read documents (sig,
 * filter).
 *
 * A unit is one input file, so a corpus of one large file would be one
 * unit per stage and one busy thread.  Instead the reading thread fills
 * batches of documents and the pool's workers run the unit's per-document
 * work (a pool hook, no stages) on whole batches; batches come back to the
 * reading thread strictly in input order, and only that thread writes.
 * So a unit uses every thread it is given, and its files are the same
 * byte for byte whatever the number (compressed inputs cannot be split
 * into byte ranges, which is why the split is by batches, not offsets).
 */
#include "dedup.h"
#include "../io/input.h"

typedef struct pumper {
    pool *p;
    batch *cur;
    const dd_pump *u;
} pumper;

static wn_doc *pump_slot(void *ctx)
{
    pumper *m = ctx;
    return &m->cur->docs[m->cur->n];
}

static int commit(pumper *m, batch *done, wn_error *err)
{
    int rc = done->error ? wn_err(err, done->error, "", 0, "%s",
                                  wn_strerror(done->error))
                         : m->u->commit(m->u->ctx, done, err);
    pool_release(m->p, done);
    return rc;
}

static int pump_take(void *ctx, wn_doc *doc, wn_error *err)
{
    pumper *m = ctx;
    int rc;
    if (m->u->take && (rc = m->u->take(m->u->ctx, m->cur, doc, err)))
        return rc;
    if (++m->cur->n < m->cur->cap)
        return 0;
    pool_submit(m->p, m->cur);
    while (!(m->cur = pool_get(m->p)))
        if ((rc = commit(m, pool_next(m->p), err)))
            return rc;
    return 0;
}

int dd_pump_input(const dd_pump *u, const char *path,
                  const wn_reader_opts *ro, wn_stats *st, wn_error *err)
{
    pumper m = {NULL, NULL, u};
    int rc = pool_new(NULL, NULL, NULL, 0, u->jobs ? (int)u->jobs : 1,
                      u->flags, &m.p);
    if (rc)
        return wn_err(err, rc, "", 0, "cannot start the workers");
    if (u->work)
        pool_set_hook(m.p, u->work, u->ctx);
    m.cur = pool_get(m.p);
    doc_sink sink = {pump_slot, pump_take, NULL, &m};
    int got = input_each(path, NULL, ro, &sink, st, err);
    rc = got < 0 ? got : 0;
    if (m.cur && m.cur->n)
        pool_submit(m.p, m.cur);
    else if (m.cur)
        pool_release(m.p, m.cur);
    /* every batch in flight comes back, so that none is left running;
     * the first failure is the one reported */
    batch *done;
    while ((done = pool_next(m.p))) {
        if (rc)
            pool_release(m.p, done);
        else
            rc = commit(&m, done, err);
    }
    pool_free(m.p);
    return rc ? rc : got;
}
