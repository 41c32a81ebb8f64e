/*
 * batch.h - parallel stage processing with ordered results.
 *
 * The reading thread fills batches of documents and submits them; worker
 * threads run a chain of stages over whole batches; batches are handed
 * back to the reading thread strictly in submission order.  So the output
 * is the same byte for byte whatever the number of threads, and one reader
 * feeds all cores.  Each worker owns one scratch per stage; stage state is
 * shared and only read by process() (the stage contract).
 */
#ifndef WN_BATCH_H
#define WN_BATCH_H

#include "stage.h"
#include "tally.h"

typedef struct batch {
    wn_doc *docs;
    wn_buf *reasons;  /* reasons[i] when docs[i] was dropped */
    int *dropped_at;  /* stage index that dropped docs[i], or -1 */
    wn_buf *notes;    /* with POOL_ANNOTATE: the verdicts of docs[i] */
    wn_buf *lines;    /* with POOL_SERIALIZE: docs[i] as a JSON line;
                       * a dropped one carries "reject_reason" */
    size_t n, cap;
    int error;        /* a stage's negative code, if any */
    double cpu[TALLY_MAX_STAGES];     /* thread CPU seconds per stage */
    uint64_t bytes[TALLY_MAX_STAGES]; /* text bytes each stage was given */
    uint64_t flagged[TALLY_MAX_STAGES]; /* POOL_ANNOTATE: would reject */
    uint64_t bytes_out[TALLY_MAX_STAGES]; /* ... of the documents it kept,
                                           * after its edits */
    uint64_t bytes_rej[TALLY_MAX_STAGES]; /* ... of the ones it dropped */
    wn_buf *pre;      /* pool_capture: pre[k * cap + i], docs[i]'s text as
                       * the stage of slot k received it ... */
    unsigned char *pre_ok; /* ... when pre_ok[k * cap + i] */
    stage_measures meas;   /* what the stages measured (stage_measure) */
    uint64_t seq;
    int state;        /* internal */
} batch;

typedef struct pool pool;

/* Runs stages [0, nstages) (ops[i] with state[i]); jobs >= 1 threads
 * (jobs == 1 runs inline).  With POOL_SERIALIZE the workers also turn each
 * document into its output line, so the thread that writes only
 * compresses. */
/* POOL_ANNOTATE (run.mode = annotate): no document is dropped; each gets
 * metadata "verdicts", {"stage": null or "its reason", ...} in stage
 * order, and the stages write their signals (stage_scratch.annotate). */
/* POOL_ONE: batches of one document.  For one job whose per-document work
 * should find the document's buffers still in the cache when it commits
 * (a ring of 256-document batches cost the dedup units ~10% more CPU). */
enum { POOL_SERIALIZE = 1, POOL_ANNOTATE = 2, POOL_ONE = 4 };
int pool_new(const stage_ops *const *ops, void *const *states,
             const char *const *names, size_t nstages, int jobs, int flags,
             pool **out);
/* A batch to fill (docs reset, n = 0), or NULL when every batch is in
 * flight: then call pool_next first. */
batch *pool_get(pool *p);
void pool_submit(pool *p, batch *b);
/* The oldest submitted batch once it is processed (waits), or NULL if none
 * is in flight.  Give it back with pool_release when done with it. */
batch *pool_next(pool *p);
void pool_release(pool *p, batch *b);
void pool_free(pool *p);
/* The threads it runs batches on (1: inline, on the submitting thread). */
int pool_jobs(const pool *p);
/* An ordered step on the workers: once a batch is processed, the worker
 * that ran it calls fn(ctx, b) - one batch at a time, in submission
 * order - before the batch is handed back (with one job, inline in
 * pool_submit).  So work that must see the documents in input order (a
 * first pass's observe) runs beside the reading thread instead of on it.
 * A negative return is stored in b->error.  Set before the first submit;
 * not called for a batch whose stages failed. */
void pool_set_tail(pool *p, int (*fn)(void *ctx, batch *b), void *ctx);
/* Optional, set before the first submit: fn(ctx, b, sc) runs on the
 * worker after the stages (and before POOL_SERIALIZE makes the lines),
 * with that worker's scratch; a negative return is the batch's error. */
void pool_set_hook(pool *p, int (*fn)(void *ctx, batch *b, stage_scratch *sc),
                   void *ctx);
/* Report examples of line rules (engine.c): while capturing is on, the
 * workers keep a copy of each document's text as stage s receives it in
 * the batch's slot k < POOL_CAPTURE.  Set up before the first submit;
 * pool_capture_stop may be called any time from the submitting thread
 * (documents after it need no copy). */
#define POOL_CAPTURE 2
void pool_capture(pool *p, size_t s, int k);
void pool_capture_stop(pool *p);

/* ---- one input read into a pool (feed.c) ----
 *
 * The reading thread fills batches, submits each when full, and commits
 * the processed ones in input order whenever it needs a free batch; at the
 * end of the input it submits the last and commits the rest.  With more
 * than one job the input is decompressed on a thread of its own
 * (istream_ahead), so that reading keeps up with the workers; with one,
 * each batch is committed as soon as it is processed. */
typedef struct batch_feed {
    /* optional, on the reading thread as each document is read (b->n is
     * its index in b); a negative return stops the reading */
    int (*take)(void *ctx, batch *b, wn_doc *doc, wn_error *err);
    /* each processed batch whose work succeeded, in input order, on the
     * reading thread */
    int (*commit)(void *ctx, batch *b, wn_error *err);
    /* optional: what a batch whose work failed (b->error) reports; by
     * default the code's message */
    int (*failed)(void *ctx, const batch *b, wn_error *err);
    /* optional: compressed bytes read from the input so far */
    void (*progress)(void *ctx, uint64_t bytes_in);
    void *ctx;
} batch_feed;

/* The batch feeding itself, for a reading loop of the caller's own (a
 * source that is not input_each's documents): fill feeder.cur->docs or
 * its other slots at index cur->n, then feeder_push; at the end
 * feeder_finish.  take is not called; commit, failed and the order are as
 * below. */
typedef struct feeder {
    pool *p;
    batch *cur; /* being filled, or NULL after a failure */
    const batch_feed *f;
} feeder;
void feeder_init(feeder *m, pool *p, const batch_feed *f);
/* Slot cur->n is filled: when the batch is full it goes to the workers
 * and a free one comes back, finished batches committed until one is
 * (with one job: the batch just processed, at once). */
int feeder_push(feeder *m, wn_error *err);
/* rc: the reading's result so far.  The last batch submitted (rc 0) or
 * dropped, every batch in flight waited for and committed while nothing
 * failed; the first failure is returned. */
int feeder_finish(feeder *m, int rc, wn_error *err);

/* Reads path (messages call it name; NULL: path) with input_each into p,
 * whose stages, hook, tail and capture the caller set up.  After the first
 * failure (take, a batch's work, commit, or the reading) no batch is
 * committed, but every batch in flight is waited for, so that p is idle
 * when it returns; that first failure is the one reported.  Returns as
 * input_each: 1 read to its end, 0 ended early (counted in *st), or a
 * negative code with err filled. */
int feed_input(pool *p, const batch_feed *f, const char *path, const char *name,
               const wn_reader_opts *ro, wn_stats *st, wn_error *err);
/* feed_input into a pool of its own without stages: work (optional) runs
 * on the workers for each batch (pool_set_hook); flags as pool_new's (a
 * pool of one job gets POOL_ONE). */
int feed_work(unsigned jobs, int flags,
              int (*work)(void *ctx, batch *b, stage_scratch *sc),
              const batch_feed *f, const char *path, const wn_reader_opts *ro,
              wn_stats *st, wn_error *err);

#endif
