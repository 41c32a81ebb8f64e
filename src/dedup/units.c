/*
 * units.c - the units of a staged run on a thread pool, with resumption:
 * the one runner of dedup's and substr's stages.
 *
 * A unit is one stage applied to one shard (or partition).  When it
 * succeeds its counters are written into its ".done" marker; a later run
 * that finds the marker skips the unit and adds the recorded counters, so
 * a resumed run reports the same totals as an uninterrupted one.  The
 * units of a stage run on up to T threads (the calling thread works too);
 * each writes only its own files, so the output cannot depend on T, and
 * when several fail, the one reported is the first by number.
 */
#include "dedup.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

/* Counters: a size_t size, then uint64_t fields only. */
static void add_counters(void *acc, const void *one, size_t n)
{
    uint64_t *x = acc;
    const uint64_t *y = one;
    for (size_t i = 1; i < n / sizeof *x; i++)
        x[i] += y[i];
}

#define MAX_WORDS 64

int dd_unit_run(const dd_units *u, unsigned unit, void *stats, wn_error *err)
{
    uint64_t local[MAX_WORDS];
    wn_buf p = WN_BUF_INIT, m = WN_BUF_INIT;
    int rc = 0;
    if (u->stats_size > sizeof local ||
        u->skipped_at + sizeof(uint64_t) > u->stats_size)
        return wn_err(err, WN_EINVAL, "", 0, "counters too large");
    memset(local, 0, sizeof local);
    dd_path(&p, u->workdir, "%s-%05u.done", u->stage, unit);
    /* a marker counts only if the files it lists are intact (marker.c)
     * and, for a unit with a final output, while that output exists */
    rc = marker_read(p.data, &m, err);
    if (!rc && m.len == u->stats_size &&
        (!u->outputs || dd_exists(u->outputs[unit]))) {
        memcpy(local, m.data, u->stats_size);
        uint64_t one = 1;
        memcpy((char *)local + u->skipped_at, &one, sizeof one);
        add_counters(stats, local, u->stats_size);
        wn_buf_release(&m);
        wn_buf_release(&p);
        return 0;
    }
    wn_buf_release(&m);
    if (rc < 0) {
        wn_buf_release(&p);
        return rc;
    }
    memset(local, 0, sizeof local);
    work_ledger l;
    ledger_begin(&l);
    rc = u->run(u->ctx, unit, local, err);
    ledger_end(&l);
    if (!rc)
        rc = marker_write(p.data, local, u->stats_size, &l, err);
    if (!rc)
        add_counters(stats, local, u->stats_size);
    ledger_release(&l);
    wn_buf_release(&p);
    return rc;
}

typedef struct runner {
    const dd_units *u;
    unsigned next, bad_unit;
    pthread_mutex_t mu;
    void *stats;
    int rc;
    wn_error err;
} runner;

static void *worker(void *arg)
{
    runner *r = arg;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        unsigned u = r->next++;
        int stop = r->rc != 0 || u >= r->u->units;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            return NULL;
        uint64_t local[MAX_WORDS];
        wn_error e;
        memset(local, 0, sizeof local);
        int rc = dd_unit_run(r->u, u, local, &e);
        pthread_mutex_lock(&r->mu);
        add_counters(r->stats, local, r->u->stats_size);
        if (rc && (!r->rc || u < r->bad_unit)) {
            r->rc = rc;
            r->bad_unit = u;
            r->err = e;
        }
        pthread_mutex_unlock(&r->mu);
    }
}

int dd_units_run_all(const dd_units *u, void *stats, wn_error *err)
{
    runner r;
    memset(&r, 0, sizeof r);
    r.u = u;
    r.stats = stats;
    unsigned nt = u->threads < u->units ? u->threads : u->units;
    pthread_mutex_init(&r.mu, NULL);
    pthread_t *t = nt > 1 ? calloc(nt, sizeof *t) : NULL;
    unsigned started = 0;
    if (t)
        for (; started < nt - 1; started++)
            if (pthread_create(&t[started], NULL, worker, &r))
                break;
    worker(&r);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    pthread_mutex_destroy(&r.mu);
    if (r.rc && err)
        *err = r.err;
    return r.rc;
}
