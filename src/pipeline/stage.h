/*
 * stage.h - the stage interface: how clean/, filter/ and dedup/ plug into
 * the pipeline.
 *
 * A stage is one source file that defines one `const stage_ops` and one row
 * in the registry (src/pipeline/registry.c).  The pipeline
 *   1. checks the run's configuration against the stage's option table
 *      (stage_create: unknown keys and bad values are WN_EINVAL) and calls
 *      create() once with the parsed options struct;
 *   2. if the stage has observe(): streams every document of the corpus
 *      through observe() (first pass: e.g. site-line counts), then calls
 *      prepare() once;
 *   3. calls process() on each document in input order per shard - from
 *      several threads at once, so process() must only read the shared
 *      state; per-call scratch memory comes from the `scratch` arena the
 *      caller passes (one per thread, reset between documents);
 *   4. calls free().
 * A distributed run splits step 2 (wn_run_observe_part): each process
 * observes its share of the inputs and save()s the state to a file; after
 * all shares are saved, every process creates a fresh state, merge()s the
 * saved shares into it in part order, and calls prepare().  A stage with
 * observe() but without save/merge is observed over the whole corpus by
 * every process instead.
 * process() may edit doc->text (cleaning, redaction) and add metadata
 * (wn_doc_meta_set); it returns STAGE_KEEP, or STAGE_DROP with a reason
 * written to `reason` in the form "stage:measure=value<bound" (e.g.
 * "gopher_quality:mean_word_length=2.1<3"), or a negative WN_E* code.
 */
#ifndef WN_STAGE_H
#define WN_STAGE_H

#include "../core/core.h"
#include "config.h"

enum { STAGE_DROP = 0, STAGE_KEEP = 1 };

/* Per-thread scratch: buffers a stage may use freely within one call. */
typedef struct stage_scratch {
    wn_buf b[4];
    void *tls[8]; /* per-thread stage-private state, indexed by stage id */
    struct stage_measures *measures; /* see stage_measure; may be NULL */
} stage_scratch;

/* For the report's distributions: a stage that decides on a measured
 * value (Gopher, C4, FineWeb) tells each value it measured, its
 * threshold ("reject when value op bound") and whether the document
 * failed it.  Counted in a histogram per measure when the caller of
 * process() set sc->measures; nothing otherwise.  stage and name must be
 * string constants (they are compared by address first). */
void stage_measure(stage_scratch *sc, const char *stage, const char *name,
                   double value, const char *op, double bound, int failed);

typedef struct stage_ops {
    const char *name;        /* also the prefix of its config keys */
    const char *group;       /* "extract", "clean" or "filter": the command
                              * that runs the group (winnow filter runs the
                              * "filter" stages), in registry order */
    const char *summary;     /* one line for --help and the docs */
    const config_opt *opts;  /* options table, ends with OPTION_END */
    size_t opts_size;        /* sizeof the options struct opts fills */
    /* opts: the parsed options struct (config_parse of the table), valid
     * during the call only; cross-checks between options stay here */
    int (*create)(const void *opts, void **state, wn_error *err);
    /* optional first pass */
    int (*observe)(void *state, const wn_doc *doc);
    int (*prepare)(void *state, wn_error *err);
    int (*process)(void *state, wn_doc *doc, stage_scratch *scratch,
                   wn_buf *reason);
    void (*free)(void *state);
    /* Optional, with observe (last in the struct, so that stages
     * initialised by position need no change).  save appends the
     * first-pass state (what observe gathered; nothing of prepare) to out
     * in a versioned format; returns 0 or WN_ENOMEM.  merge adds such
     * bytes into a state not yet prepared: merging the saves of the
     * shares of a corpus into a fresh state must decide like observing
     * the whole corpus (the stage documents where its limits make that
     * approximate).  merge validates the bytes first and refuses damaged
     * or foreign ones with WN_EFORMAT, and ones saved under other options
     * with WN_EINVAL, leaving the state unchanged then. */
    int (*save)(void *state, wn_buf *out);
    int (*merge)(void *state, const void *data, size_t n, wn_error *err);
} stage_ops;

/* Validates cfg's options of the stage (keys under "name." that the table
 * does not declare, values through config_parse) and calls create() with
 * the parsed struct.  cfg may be NULL (all defaults). */
int stage_create(const stage_ops *ops, const wn_config *cfg, void **state,
                 wn_error *err);

/* The registry: every stage winnow knows, in pipeline order. */
const stage_ops *stage_find(const char *name);
const stage_ops *const *stage_all(size_t *n);

#endif
