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
#include "../pipeline/stage_api.h"

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

/* One thread: no pool.  Each document is worked on and committed as soon
 * as it is read, in a one-document batch, so that its buffers stay in the
 * cache (a ring of batches cost ~10% more CPU at one thread). */
typedef struct single {
    const dd_pump *u;
    batch b;
    wn_doc doc;
    wn_buf reason, line;
    int dropped;
    stage_scratch sc;
} single;

static wn_doc *single_slot(void *ctx) { return &((single *)ctx)->doc; }

static int single_take(void *ctx, wn_doc *doc, wn_error *err)
{
    single *s = ctx;
    const dd_pump *u = s->u;
    int rc;
    s->b.n = 0;
    if (u->take && (rc = u->take(u->ctx, &s->b, doc, err)))
        return rc;
    s->b.n = 1;
    s->dropped = -1;
    if (u->work && (rc = u->work(u->ctx, &s->b, &s->sc)) < 0)
        return wn_err(err, rc, "", 0, "%s", wn_strerror(rc));
    if (u->flags & POOL_SERIALIZE) {
        wn_buf_reset(&s->line);
        if ((rc = wn_doc_to_json(doc, &s->line)))
            return wn_err(err, rc, "", 0, "out of memory");
    }
    return u->commit(u->ctx, &s->b, err);
}

static int pump_single(const dd_pump *u, const char *path,
                       const wn_reader_opts *ro, wn_stats *st, wn_error *err)
{
    single s;
    memset(&s, 0, sizeof s);
    s.u = u;
    wn_doc init = WN_DOC_INIT;
    s.doc = init;
    s.b.docs = &s.doc;
    s.b.reasons = &s.reason;
    s.b.lines = &s.line;
    s.b.dropped_at = &s.dropped;
    s.b.cap = 1;
    doc_sink sink = {single_slot, single_take, NULL, &s};
    int got = input_each(path, NULL, ro, &sink, st, err);
    wn_doc_release(&s.doc);
    wn_buf_release(&s.reason);
    wn_buf_release(&s.line);
    stage_scratch_release(&s.sc);
    return got;
}

int dd_pump_input(const dd_pump *u, const char *path,
                  const wn_reader_opts *ro, wn_stats *st, wn_error *err)
{
    if (u->jobs <= 1)
        return pump_single(u, path, ro, st, err);
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
