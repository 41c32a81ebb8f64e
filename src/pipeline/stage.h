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
    /* run.mode = annotate: the stage computes every signal it has (also
     * those of rules switched off) and writes them with stage_signals();
     * it still returns its verdict, which the engine records instead of
     * dropping the document */
    int annotate;
    struct stage_measures *measures; /* see stage_measure; may be NULL */
} stage_scratch;

/* Result of judge() when the document holds no signals of the stage. */
enum { STAGE_NO_SIGNALS = 2 };

/* For the report's distributions: a stage that decides on a measured
 * value (Gopher, C4, FineWeb) tells each value it measured, its
 * threshold ("reject when value op bound") and whether the document
 * failed it.  Counted in a histogram per measure when the caller of
 * process() set sc->measures; nothing otherwise (sc may be NULL).  stage
 * and name must be string constants (they are compared by address
 * first). */
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
    /* Optional: a stage with create_named may run as several instances in
     * one pipeline ("classifier@edu" in run.stages, its options under
     * "classifier@edu.", read through the same table as "classifier.").
     * It is then created by create_named, given the name it runs under
     * (which its reasons start with), instead of create. */
    int (*create_named)(const void *opts, const char *name, void **state,
                        wn_error *err);
    /* Optional (winnow select): the verdict process() would give, decided
     * from the signals an annotated run wrote into doc's metadata (see
     * stage_signals_get), under the options state was created with, with
     * the same reason; STAGE_NO_SIGNALS when doc has none. */
    int (*judge)(void *state, const wn_doc *doc, wn_buf *reason);
    /* Optional: the stage takes per-language values of its options
     * (config.h).  After create(), called once per language that has any
     * (the language table's or the user's "name.L.option" keys) with the
     * options parsed for that language; the stage keeps a state for it
     * (stage_langs) and judges documents whose `language` is L under it. */
    int (*add_language)(void *state, const char *lang, const void *opts,
                        wn_error *err);
} stage_ops;

/* Per-language states of a stage with add_language, by canonical code. */
typedef struct stage_langs {
    size_t n;
    uint64_t *code; /* canonical codes packed into integers: compared per
                     * document by every such stage */
    void **state;
} stage_langs;

/* Adds lang's state (owned by the caller).  Returns 0 or WN_ENOMEM. */
int stage_langs_add(stage_langs *l, const char *lang, void *state);
/* The same with a new state made by create from opts (freed by
 * free_state if it cannot be added).  Returns 0 or a WN_E* code. */
int stage_langs_create(stage_langs *l, const char *lang, const void *opts,
                       int (*create)(const void *, void **, wn_error *),
                       void (*free_state)(void *), wn_error *err);
/* The state of doc's language (its `language` metadata), else dflt. */
void *stage_langs_pick(const stage_langs *l, const wn_doc *doc, void *dflt);
/* --print-config: "[name.L]" sections of the per-language values (and
 * where each comes from) of a stage with add_language.  0 or WN_ENOMEM. */
int stage_print_languages(const stage_ops *ops, const wn_config *cfg,
                          wn_buf *out);
/* Frees the arrays after calling free_state on each state. */
void stage_langs_release(stage_langs *l, void (*free_state)(void *));

/* Adds obj (a JSON object, n bytes) as member `stage` of doc's metadata
 * object "signals" (made if absent).  Returns 0 or WN_ENOMEM. */
int stage_signals(wn_doc *doc, const char *stage, const char *obj, size_t n);
/* The signals object of stage in doc, or 0 if none. */
int stage_signals_get(const wn_doc *doc, const char *stage,
                      const char **obj, size_t *n);
/* The number member key of JSON object obj[0..n); 0 if absent. */
int stage_signal_num(const char *obj, size_t n, const char *key, double *v);
/* The common case: k numbers v named names[] as stage's signals (printed
 * exactly, %.17g, so that a judge reads back the very values), tmp as
 * scratch; and back: 1 if doc has them all, else 0. */
int stage_signals_put_nums(wn_doc *doc, const char *stage,
                           const char *const *names, const double *v,
                           size_t k, wn_buf *tmp);
int stage_signals_get_nums(const wn_doc *doc, const char *stage,
                           const char *const *names, double *v, size_t k);

/* Validates cfg's options of the stage (keys under "name." that the table
 * does not declare, values through config_parse) and calls create() with
 * the parsed struct.  cfg may be NULL (all defaults). */
int stage_create(const stage_ops *ops, const wn_config *cfg, void **state,
                 wn_error *err);

/* The registry: every stage winnow knows, in pipeline order.  stage_find
 * also finds an instance name "base@inst" of a stage with create_named. */
const stage_ops *stage_find(const char *name);
/* The length of name's stage part ("classifier@edu" -> 10). */
size_t stage_base_len(const char *name);
const stage_ops *const *stage_all(size_t *n);

#endif
