/*
 * tally.h - the counters of a `winnow run`: input stats, per-stage in/out,
 * rejections by reason, and the histograms of the report.  A tally is
 * summed from per-task tallies and saved as a small text file per task, so
 * a resumed run rebuilds the same totals from finished work.
 */
#ifndef WN_TALLY_H
#define WN_TALLY_H

#include "../core/core.h"

#define TALLY_MAX_STAGES 32
#define TALLY_LEN_BUCKETS 16
#define TALLY_MEASURE_BINS 20
#define TALLY_MAX_MEASURES 32
#define TALLY_TOP_DOMAINS 30

typedef struct tally_kv {
    char *key;
    uint64_t n;
} tally_kv;

/* Documents per key (domains) for any number of keys: exact counts in a
 * hash table of up to COUNTER_MAX_KEYS keys (counter.c); keys met after it
 * is full are counted in `other`, so the result still depends only on the
 * input order. */
typedef struct counter {
    tally_kv *slot; /* open addressing; key NULL = empty */
    size_t cap, n;
    uint64_t other;
} counter;
int counter_add(counter *c, const char *key, size_t klen, uint64_t by);
/* The k largest counts, sorted (count descending, then key), as a malloc'd
 * array of borrowed keys; *out NULL when k or the counter is empty. */
int counter_top(const counter *c, size_t k, tally_kv **out, size_t *n);
void counter_release(counter *c);
/* FNV-1a of n bytes: the counter's hash, and the key of a document when
 * two runs are compared (report_diff.c). */
uint64_t counter_hash(const char *s, size_t n);

/* The values of one measure (stage_measure) over the documents that met
 * its check, those that passed it (bins[0]) and those it rejected
 * (bins[1]), in TALLY_MEASURE_BINS equal bins over [0, hi), hi = 2 *
 * bound (1 for a bound of 0); the last bin takes what is beyond. */
typedef struct tally_measure {
    char *key;       /* "stage:measure" */
    char op[3];      /* "<", "<=", ">", ">=" (reject when value op bound) */
    double bound, hi;
    uint64_t bins[2][TALLY_MEASURE_BINS];
} tally_measure;

/* The same, gathered by a worker over one batch (no allocation: keys are
 * the stage's constant strings). */
typedef struct stage_measures {
    struct {
        const char *stage, *name;
        char op[3];
        double bound;
        uint64_t bins[2][TALLY_MEASURE_BINS];
    } m[TALLY_MAX_MEASURES];
    size_t n;
} stage_measures;

typedef struct tally {
    tally_measure measures[TALLY_MAX_MEASURES]; /* stage_measure */
    size_t nmeasures;
    wn_stats input;                        /* reader counters */
    uint64_t docs_read, docs_kept;         /* after the per-doc stages */
    size_t nstages;
    char *stage_name[TALLY_MAX_STAGES];
    uint64_t stage_in[TALLY_MAX_STAGES];
    uint64_t stage_rejected[TALLY_MAX_STAGES];
    double stage_cpu[TALLY_MAX_STAGES];     /* thread CPU seconds */
    uint64_t stage_bytes[TALLY_MAX_STAGES]; /* text bytes given to it */
    /* run.mode = annotate: documents each stage would have rejected (all
     * of them, not only those it would have been the first to reject) */
    uint64_t stage_flagged[TALLY_MAX_STAGES];
    int annotated;
    uint64_t stage_bytes_out[TALLY_MAX_STAGES]; /* of those it kept */
    uint64_t stage_bytes_rej[TALLY_MAX_STAGES]; /* of those it dropped */
    uint64_t kept_bytes;                   /* text of docs_kept */
    tally_kv *lines;                       /* lines dropped, "stage:rule" */
    size_t nlines;
    uint64_t problems;                     /* bad-input events recorded */
    uint64_t unfinished;                   /* inputs not read to the end */
    uint64_t redacted[3];                  /* PII: email, ip, phone */
    tally_kv *reasons;                     /* rejections by reason key */
    size_t nreasons;
    /* filled when the final output is assembled */
    uint64_t final_kept, final_bytes, dup_rejected;
    uint64_t len_hist[TALLY_LEN_BUCKETS];  /* kept docs by log2(chars) */
    tally_kv *langs;
    size_t nlangs;
    tally_kv *clusters;                    /* "size" -> number of groups */
    size_t nclusters;
    /* the rejected documents, counted while the rejects are written */
    uint64_t dup_bytes;                    /* text of the duplicates */
    uint64_t len_hist_rej[TALLY_LEN_BUCKETS];
    tally_kv *langs_rej;
    size_t nlangs_rej;
    counter domains_kept, domains_rej;     /* by host of the url */
    tally_kv *decontam;                    /* documents by evaluation set */
    size_t ndecontam;
} tally;

/* Counts one bad-input event in t and lists it in list as a JSON line
 * ({"file","offset","code","message"}: OUTDIR/problems.jsonl) while fewer
 * than max_listed are counted.  0, or WN_ENOMEM (then counted only). */
int tally_problem(tally *t, wn_buf *list, size_t max_listed,
                  const wn_error *w);
void tally_init(tally *t);
/* Adds a batch's measures into t; m is emptied. */
int tally_add_measures(tally *t, stage_measures *m);
void tally_release(tally *t);
int tally_set_stages(tally *t, const char *const *names, size_t n);
/* The reason key of a full reason: text before the first '=', with a
 * trailing ":of" dropped ("near_duplicate:of=..." -> "near_duplicate").
 * Returns 0 or WN_ENOMEM. */
int tally_reason_key(const char *reason, size_t n, wn_buf *key);
/* qsort order of tally_kv: count descending, then key. */
int tally_kv_cmp(const void *a, const void *b);
int tally_kv_add(tally_kv **kv, size_t *n, const char *key, size_t klen,
                 uint64_t by);
/* a += b (stage lists must match). */
int tally_add(tally *a, const tally *b);
/* Saves / loads the per-task counters (text, one "kind key value" line
 * each) as the task's marker, which vouches for the work files l lists
 * (marker.c); load returns 1 when there is no marker to trust. */
int tally_save(const tally *t, const char *path, const work_ledger *l,
               wn_error *err);
int tally_load(tally *t, const char *path, wn_error *err);
/* Publishes text as path (atomic_write_file). */
int write_text_file(const char *path, const wn_buf *text, wn_error *err);
/* The same for a file under OUTDIR/work (atomic_write_work). */
int write_work_file(const char *path, const wn_buf *text, wn_error *err);
/* Bucket of a length in characters for len_hist. */
size_t tally_len_bucket(uint64_t chars);
/* What the final counts read of one document: taken from a wn_doc
 * (tally_doc_of) or from the line written for it (assemble.c, docline.c)
 * without decoding it. */
typedef struct tally_doc {
    size_t bytes, chars;        /* its text's length */
    const char *url;            /* decoded */
    size_t url_n;
    const char *lang, *dupc;    /* the "language" and "duplicate_count" */
    size_t lang_n, dupc_n;      /* values as JSON; NULL when absent */
} tally_doc;
void tally_doc_of(tally_doc *v, const wn_doc *d);
/* Counts a kept document of the final output: length histogram, language,
 * duplicate group size, final_kept and final_bytes. */
int tally_final_kept(tally *t, const tally_doc *d);
/* Counts a rejected document of the final output: length, language,
 * domain.  dup: a duplicate (its bytes go to dup_bytes). */
int tally_final_rejected(tally *t, const tally_doc *d, int dup);
/* The host of a url ("" when it has none), into out. */
int tally_url_host(const char *url, size_t n, wn_buf *out);
/* ... of a document's url. */
int tally_doc_host(const wn_doc *d, wn_buf *out);
/* Adds the redactions the pii stage recorded in d's metadata. */
void tally_redactions(tally *t, const wn_doc *d);
/* Counts d under each evaluation set its "decontaminated" metadata (the
 * decontaminate stage) names.  0 or WN_ENOMEM. */
int tally_decontaminated(tally *t, const wn_doc *d);

/* The one stats schema (stats.json of winnow run, --stats of every
 * command): documents read = kept + rejected, by reason and by stage (with
 * each stage's time), the input counters, dedup (NULL: none of its steps
 * ran; dedup_on: the document dedup ran, which dedup.enabled reports, as
 * the paragraph step alone also fills dedup's counters), output and
 * histograms.  Appends one JSON object and a newline to out. */
int tally_json(tally *t, const wn_dedup_stats *dedup, int dedup_on,
               size_t data_shards, size_t reject_shards, wn_buf *out);
/* Reopens the JSON object that tally_json (or another writer) ended at
 * out's end with "}\n", started at offset at, to append members. */
void tally_json_reopen(wn_buf *out, size_t at);
/* The stages' CPU time and speed (not in stats.json, which is the same
 * bytes for the same inputs and options; time is not). */
int tally_timing_json(const tally *t, wn_buf *out);

#endif
