/*
 * engine_impl.h - the engine's state, shared by engine.c (the passes) and
 * engine_books.c (what the engine counted, read by the run and the API).
 */
#ifndef WN_ENGINE_IMPL_H
#define WN_ENGINE_IMPL_H

#include "engine.h"
#include "linebook.h"
#include "../io/input.h"

#include <stdatomic.h>

typedef struct spool {
    char *name;   /* the input as given */
    char *path;   /* its copy */
    int complete; /* the copy holds the whole stream */
    wn_error err; /* why not */
} spool;

struct wn_engine {
    wn_config *cfg;
    run_options opts;
    int jobs;
    wn_reader_opts ro;
    size_t nstages;
    wn_stage *st[TALLY_MAX_STAGES];
    const stage_ops *ops[TALLY_MAX_STAGES];
    void *states[TALLY_MAX_STAGES];
    const char *names[TALLY_MAX_STAGES + 1];
    char *inst[TALLY_MAX_STAGES]; /* instance names run.stages lists */
    size_t ninst;
    /* a last decision on the calling thread */
    int (*decide)(void *, wn_doc *, wn_buf *);
    void *dctx;
    size_t upto;      /* stages run by the pool */
    int decide_book;  /* book index of the decide function's own name */
    wn_writer *kept, *rej;
    void (*warn)(void *, const wn_error *);
    void *warn_ctx;
    int quiet;        /* first pass: problems are the main pass's to report */
    char *workdir;
    spool *spools;
    size_t nspools;
    tally books;
    linebook lb;      /* lines per rule, examples of line rules */
    int final;        /* book kept documents as the final output */
    int pii;          /* the pii stage runs: book its redactions */
    int decontam;     /* decontaminate runs: book documents by set */
    wn_buf problems;  /* JSON lines: {"file":..,"offset":..,"message":..} */
    wn_buf reason, key, line;
    _Atomic uint64_t bytes_done, docs_read, docs_kept;
    uint64_t bytes_base;
    _Atomic int passes; /* first passes done */
    int partial;        /* a first pass could not read all of an input */
    input_seen seen;    /* fingerprints taken before a first pass */
};

#endif
