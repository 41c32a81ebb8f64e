/*
 * batch.c - a fixed ring of batches processed by worker threads and
 * returned in order (see batch.h).
 *
 * Batch states: FREE -> FILLING (pool_get) -> QUEUED (pool_submit) ->
 * RUNNING (a worker took it) -> DONE -> back to FREE (pool_release).
 * One mutex guards the states; workers take the oldest queued batch, the
 * consumer waits for the oldest submitted one.  Batches are big (hundreds
 * of documents), so the lock is taken a few thousand times per second.
 */
#include "batch.h"
#include "stage_api.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

enum { B_FREE, B_FILLING, B_QUEUED, B_RUNNING, B_DONE };

#define BATCH_DOCS 256

struct pool {
    const stage_ops *const *ops;
    void *const *states;
    const char *const *names; /* what each stage runs under */
    size_t nstages;
    int jobs;
    batch *ring;
    size_t nring;
    uint64_t next_seq;   /* seq of the next submitted batch */
    uint64_t next_out;   /* seq of the next batch to hand back */
    pthread_mutex_t mu;
    pthread_cond_t work; /* a batch was queued, or stopping */
    pthread_cond_t done; /* a batch finished */
    pthread_cond_t turn; /* the ordered tail moved on */
    int (*tail)(void *, batch *);
    void *tail_ctx;
    uint64_t next_tail;  /* seq of the next batch for the tail */
    pthread_t *threads;
    stage_scratch *scratch; /* [jobs][nstages] */
    int stop;
    int flags;
    int inited; /* mutex and conditions exist */
    int pre_slot[TALLY_MAX_STAGES]; /* capture slot + 1 of each stage */
    int (*hook)(void *ctx, batch *b, stage_scratch *sc);
    void *hook_ctx;
    _Atomic int capturing;
};

/* CPU time of the calling thread: a stage's cost whatever else runs. */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Appends stage's verdict to the document's verdicts object in notes. */
static int note(wn_buf *notes, const char *stage, int keep,
                const wn_buf *reason)
{
    int rc = wn_buf_putc(notes, notes->len ? ',' : '{');
    if (!rc && !(rc = wn_json_put_string(notes, stage, strlen(stage))) &&
        !(rc = wn_buf_putc(notes, ':')))
        rc = keep ? wn_buf_puts(notes, "null")
                  : wn_json_put_string(notes, reason->data, reason->len);
    return rc;
}

/* Stage by stage over the batch (each document still meets the stages in
 * order and stops at the first that drops it), so each stage's time is
 * measured once per batch rather than once per document. */
static void run_batch(pool *p, batch *b, stage_scratch *sc)
{
    for (size_t i = 0; i < b->n; i++) {
        b->dropped_at[i] = -1;
        if (p->flags & POOL_ANNOTATE)
            wn_buf_reset(&b->notes[i]);
    }
    for (size_t s = 0; s < p->nstages; s++) {
        double t0 = thread_cpu();
        sc[s].measures = &b->meas;
        for (size_t i = 0; i < b->n; i++) {
            if (b->dropped_at[i] >= 0)
                continue;
            b->bytes[s] += b->docs[i].text.len;
            int k = p->pre_slot[s] - 1;
            if (k >= 0 && atomic_load_explicit(&p->capturing,
                                               memory_order_relaxed)) {
                const wn_doc *d = &b->docs[i];
                if (wn_buf_set(&b->pre[k * b->cap + i],
                               d->text.data ? d->text.data : "",
                               d->text.len)) {
                    b->error = WN_ENOMEM; /* else examples would vary */
                    return;
                }
                b->pre_ok[k * b->cap + i] = 1;
            }
            wn_buf_reset(&b->reasons[i]);
            int rc = p->ops[s]->process(p->states[s], &b->docs[i], &sc[s],
                                        &b->reasons[i]);
            if (rc < 0) {
                b->error = rc;
                return;
            }
            if (rc != STAGE_KEEP && !b->reasons[i].len &&
                wn_buf_printf(&b->reasons[i], "%s:rejected", p->names[s])) {
                b->error = WN_ENOMEM;
                return;
            }
            if (p->flags & POOL_ANNOTATE) {
                b->flagged[s] += rc != STAGE_KEEP;
                b->bytes_out[s] += b->docs[i].text.len; /* passed on */
                if ((rc = note(&b->notes[i], p->names[s], rc == STAGE_KEEP,
                               &b->reasons[i]))) {
                    b->error = rc;
                    return;
                }
                continue;
            }
            if (rc == STAGE_KEEP) {
                b->bytes_out[s] += b->docs[i].text.len;
                continue;
            }
            b->dropped_at[i] = (int)s;
            b->bytes_rej[s] += b->docs[i].text.len;
        }
        b->cpu[s] += thread_cpu() - t0;
        sc[s].measures = NULL;
    }
    for (size_t i = 0; (p->flags & POOL_ANNOTATE) && i < b->n; i++) {
        wn_buf *v = &b->notes[i];
        int rc = wn_buf_putc(v, '}');
        if (rc || (rc = wn_doc_meta_set(&b->docs[i], "verdicts", v->data,
                                        v->len))) {
            b->error = rc;
            return;
        }
    }
    if (p->hook) {
        int rc = p->hook(p->hook_ctx, b, sc);
        if (rc < 0) {
            b->error = rc;
            return;
        }
    }
    if (!(p->flags & POOL_SERIALIZE))
        return;
    for (size_t i = 0; i < b->n; i++) {
        int rc = 0;
        if (b->dropped_at[i] >= 0)
            rc = wn_doc_meta_set_str(&b->docs[i], "reject_reason",
                                     b->reasons[i].data, b->reasons[i].len);
        wn_buf_reset(&b->lines[i]);
        if (rc || (rc = wn_doc_to_json(&b->docs[i], &b->lines[i]))) {
            b->error = rc;
            return;
        }
    }
}

static void run_tail(pool *p, batch *b)
{
    int rc;
    if (!b->error && (rc = p->tail(p->tail_ctx, b)) < 0)
        b->error = rc;
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    size_t me = 0;
    while (me < (size_t)p->jobs && !pthread_equal(p->threads[me], pthread_self()))
        me++;
    /* a pool without stages still gives each worker its own scratch */
    stage_scratch *sc = p->scratch + me * (p->nstages ? p->nstages : 1);
    for (;;) {
        batch *b = NULL;
        uint64_t best = UINT64_MAX;
        for (size_t i = 0; i < p->nring; i++)
            if (p->ring[i].state == B_QUEUED && p->ring[i].seq < best) {
                best = p->ring[i].seq;
                b = &p->ring[i];
            }
        if (!b) {
            if (p->stop)
                break;
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        b->state = B_RUNNING;
        pthread_mutex_unlock(&p->mu);
        run_batch(p, b, sc);
        pthread_mutex_lock(&p->mu);
        if (p->tail) {
            /* every older batch was taken before this one (workers take
             * the oldest queued), so the one whose turn it is is running
             * or at its tail: the wait ends */
            while (b->seq != p->next_tail)
                pthread_cond_wait(&p->turn, &p->mu);
            pthread_mutex_unlock(&p->mu);
            run_tail(p, b);
            pthread_mutex_lock(&p->mu);
            p->next_tail++;
            pthread_cond_broadcast(&p->turn);
        }
        b->state = B_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static int batch_alloc(batch *b, int flags)
{
    b->cap = flags & POOL_ONE ? 1 : BATCH_DOCS;
    b->docs = calloc(b->cap, sizeof *b->docs);
    b->reasons = calloc(b->cap, sizeof *b->reasons);
    b->dropped_at = calloc(b->cap, sizeof *b->dropped_at);
    b->lines = calloc(b->cap, sizeof *b->lines);
    b->notes = calloc(b->cap, sizeof *b->notes);
    b->pre = calloc(b->cap * POOL_CAPTURE, sizeof *b->pre);
    b->pre_ok = calloc(b->cap * POOL_CAPTURE, 1);
    return b->docs && b->reasons && b->dropped_at && b->lines && b->notes &&
                   b->pre && b->pre_ok
               ? 0
               : WN_ENOMEM;
}

int pool_new(const stage_ops *const *ops, void *const *states,
             const char *const *names, size_t nstages, int jobs, int flags,
             pool **out)
{
    *out = NULL;
    pool *p = calloc(1, sizeof *p);
    if (!p)
        return WN_ENOMEM;
    p->ops = ops;
    p->states = states;
    p->names = names;
    p->nstages = nstages;
    p->flags = flags;
    p->jobs = jobs < 1 ? 1 : jobs;
    p->nring = (size_t)p->jobs * 2 + 1;
    p->ring = calloc(p->nring, sizeof *p->ring);
    p->scratch = calloc((size_t)p->jobs * (nstages ? nstages : 1),
                        sizeof *p->scratch);
    p->threads = calloc((size_t)p->jobs, sizeof *p->threads);
    if (!p->ring || !p->scratch || !p->threads) {
        pool_free(p);
        return WN_ENOMEM;
    }
    for (size_t i = 0; i < (size_t)p->jobs * (nstages ? nstages : 1); i++)
        p->scratch[i].annotate = (flags & POOL_ANNOTATE) != 0;
    for (size_t i = 0; i < p->nring; i++)
        if (batch_alloc(&p->ring[i], flags)) {
            pool_free(p);
            return WN_ENOMEM;
        }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    pthread_cond_init(&p->turn, NULL);
    p->inited = 1;
    if (p->jobs > 1) {
        pthread_mutex_lock(&p->mu); /* workers find their index under it */
        for (int i = 0; i < p->jobs; i++)
            if (pthread_create(&p->threads[i], NULL, worker, p)) {
                p->jobs = i;
                break;
            }
        pthread_mutex_unlock(&p->mu);
        if (p->jobs < 1) {
            pool_free(p);
            return WN_ENOMEM;
        }
    }
    *out = p;
    return 0;
}

int pool_jobs(const pool *p) { return p->jobs; }

void pool_capture(pool *p, size_t s, int k)
{
    if (s < TALLY_MAX_STAGES && k >= 0 && k < POOL_CAPTURE) {
        p->pre_slot[s] = k + 1;
        atomic_store(&p->capturing, 1);
    }
}

void pool_set_hook(pool *p, int (*fn)(void *ctx, batch *b, stage_scratch *sc),
                   void *ctx)
{
    p->hook = fn;
    p->hook_ctx = ctx;
}

void pool_capture_stop(pool *p) { atomic_store(&p->capturing, 0); }

void pool_set_tail(pool *p, int (*fn)(void *ctx, batch *b), void *ctx)
{
    p->tail = fn;
    p->tail_ctx = ctx;
}

/* States are read by workers under the mutex, so every change of a state
 * takes it too (with one job there are no workers and no lock). */
static void lock(pool *p)
{
    if (p->jobs > 1)
        pthread_mutex_lock(&p->mu);
}

static void unlock(pool *p)
{
    if (p->jobs > 1)
        pthread_mutex_unlock(&p->mu);
}

batch *pool_get(pool *p)
{
    batch *b = NULL;
    lock(p);
    for (size_t i = 0; i < p->nring && !b; i++)
        if (p->ring[i].state == B_FREE) {
            b = &p->ring[i];
            b->state = B_FILLING;
        }
    unlock(p);
    if (!b)
        return NULL;
    /* a FILLING batch belongs to this thread alone */
    for (size_t k = 0; k < b->n; k++)
        wn_doc_reset(&b->docs[k]);
    b->n = 0;
    b->error = 0;
    /* only the pool's stages are counted (a pool of one-document batches
     * takes a batch per document) */
    size_t ns = p->nstages;
    memset(b->cpu, 0, ns * sizeof *b->cpu);
    memset(b->flagged, 0, ns * sizeof *b->flagged);
    memset(b->bytes, 0, ns * sizeof *b->bytes);
    memset(b->bytes_out, 0, ns * sizeof *b->bytes_out);
    memset(b->bytes_rej, 0, ns * sizeof *b->bytes_rej);
    memset(b->pre_ok, 0, b->cap * POOL_CAPTURE);
    b->meas.n = 0;
    return b;
}

void pool_submit(pool *p, batch *b)
{
    b->seq = p->next_seq++; /* seq is read by workers only once QUEUED */
    if (p->jobs <= 1) {
        run_batch(p, b, p->scratch);
        if (p->tail)
            run_tail(p, b);
        b->state = B_DONE;
        return;
    }
    pthread_mutex_lock(&p->mu);
    b->state = B_QUEUED;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

batch *pool_next(pool *p)
{
    if (p->next_out == p->next_seq)
        return NULL;
    batch *b = NULL;
    lock(p);
    for (size_t i = 0; i < p->nring; i++)
        if (p->ring[i].state != B_FREE && p->ring[i].state != B_FILLING &&
            p->ring[i].seq == p->next_out)
            b = &p->ring[i];
    while (b && p->jobs > 1 && b->state != B_DONE)
        pthread_cond_wait(&p->done, &p->mu);
    unlock(p);
    if (b)
        p->next_out++;
    return b;
}

void pool_release(pool *p, batch *b)
{
    lock(p);
    b->state = B_FREE;
    unlock(p);
}

void pool_free(pool *p)
{
    if (!p)
        return;
    if (p->jobs > 1 && p->inited) {
        pthread_mutex_lock(&p->mu);
        p->stop = 1;
        pthread_cond_broadcast(&p->work);
        pthread_mutex_unlock(&p->mu);
        for (int i = 0; i < p->jobs; i++)
            pthread_join(p->threads[i], NULL);
    }
    if (p->inited) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->work);
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->turn);
    }
    for (size_t i = 0; p->ring && i < p->nring; i++) {
        batch *b = &p->ring[i];
        for (size_t k = 0; k < b->cap && b->docs; k++)
            wn_doc_release(&b->docs[k]);
        for (size_t k = 0; k < b->cap && b->reasons; k++)
            wn_buf_release(&b->reasons[k]);
        for (size_t k = 0; k < b->cap && b->lines; k++)
            wn_buf_release(&b->lines[k]);
        for (size_t k = 0; k < b->cap && b->notes; k++)
            wn_buf_release(&b->notes[k]);
        free(b->lines);
        free(b->notes);
        for (size_t k = 0; k < b->cap * POOL_CAPTURE && b->pre; k++)
            wn_buf_release(&b->pre[k]);
        free(b->pre);
        free(b->pre_ok);
        free(b->docs);
        free(b->reasons);
        free(b->dropped_at);
    }
    for (size_t i = 0; p->scratch && i < (size_t)p->jobs * (p->nstages ? p->nstages : 1); i++)
        stage_scratch_release(&p->scratch[i]);
    free(p->scratch);
    free(p->ring);
    free(p->threads);
    free(p);
}
