/*
 * dedup.h - internals of exact and near-duplicate removal (not installed).
 *
 * Files of the work directory (all little-endian, native layout; the
 * stages are meant to run on machines of one architecture):
 *   sig-SSSSS.bin    header + one fixed-size record per document of shard S
 *                    (hashes, length, date, ids offset, MinHash signature)
 *   ids-SSSSS.bin    id and url of each document, for provenance
 *   bnd-SSSSS-PPP.bin  band records {key, gid} of shard S, partition P
 *                    (removed once the pairs stage is done)
 *   pair-PPP.bin     sorted unique candidate pairs {a, b} of partition P
 *   shg-SSSSS.bin    shingle fingerprints (unsorted) of the documents of
 *                    shard S named by a pair (verify=exact only)
 *   shx-SSSSS.bin    ndocs + 1 offsets into shg-SSSSS.bin (in elements)
 *                    (shg, shx and pair files are removed after cluster)
 *   asg-SSSSS.bin    removals in shard S: {idx, kind, jaccard, keeper gid}
 *   mem-SSSSS.bin    members of groups kept in shard S: {keeper, member}
 *   rej-SSSSS.jsonl.zst  rejects of shard S (filter stage)
 *   *.done           unit markers, written last: the unit is complete
 * A gid is (shard << 40 | index in shard); its top bit marks records of
 * the exact hash (as opposed to LSH bands).
 */
#ifndef WN_DEDUP_H
#define WN_DEDUP_H

#include "../core/core.h"
#include "../pipeline/batch.h"

#include <stdio.h>

#define DD_MAXK 512          /* largest bands * rows */
#define DD_EXACT_FLAG (1ULL << 63)
#define DD_GID(s, i) (((uint64_t)(s) << 40) | (uint64_t)(i))
#define DD_SHARD(g) ((uint32_t)(((g) & ~DD_EXACT_FLAG) >> 40))
#define DD_INDEX(g) ((uint64_t)((g) & ((1ULL << 40) - 1)))

enum { DD_MH_OPH = 0, DD_MH_PERM = 1 };
enum { DD_VERIFY_NONE = 0, DD_VERIFY_ESTIMATE = 1, DD_VERIFY_EXACT = 2 };
enum { DD_KEEP_FIRST = 0, DD_KEEP_LONGEST = 1, DD_KEEP_EARLIEST = 2 };
enum { DD_KIND_EXACT = 1, DD_KIND_NEAR = 2 };
enum { DD_PARA_BLOOM = 0, DD_PARA_EXACT = 1 };

/* A filter unit's rejects, shard S (read back by wn_dedup_collect_rejects;
 * substr's strike units write theirs under the same name). */
#define DD_REJ_FILE "rej-%05u.jsonl.zst"

/* Parsed options (options.c). */
typedef struct dd_opts {
    int exact, near;
    unsigned ngram, bands, rows, k; /* k = bands * rows */
    int minhash, verify, keep;
    double threshold;
    unsigned partitions, threads;
    size_t memory, max_listed;
    uint64_t seed;
    int level; /* of compressed outputs: no effect on results */
    int verbatim; /* inputs are JSONL as winnow writes it (filter.c) */
    int changes;  /* outputs: only the changed and removed lines (filter.c) */
    /* paragraph dedup (para.c) */
    int paragraphs, para_filter, para_annotate;
    unsigned para_ngram, para_min_words;
    double para_threshold, fp_rate;
    uint64_t expected_docs, ngrams_per_doc, expected_ngrams;
} dd_opts;

int dd_opts_parse(const wn_config *cfg, dd_opts *o, wn_error *err);
/* Canonical one-line text of the options that change results. */
void dd_opts_describe(const dd_opts *o, wn_buf *out);

/* ---- shingles and signatures (minhash.c) ---- */

typedef struct dd_hasher {
    unsigned ngram, k, bands, rows;
    int minhash;
    uint32_t mul[DD_MAXK], xr[DD_MAXK]; /* per-permutation constants */
    uint64_t bandseed[DD_MAXK];
} dd_hasher;

void dd_hasher_init(dd_hasher *h, const dd_opts *o);

/* Shingle hashes (64-bit) of text normalised for near-duplicate detection:
 * words are maximal runs of letters, marks and numbers, lowercased, every
 * decimal digit folded to '0'; a shingle is n consecutive words (the whole
 * text when it has fewer).  Appended to *sh (grown with realloc). Returns
 * the count or a negative code. */
long dd_shingles(const char *text, size_t n, unsigned ngram, uint64_t **sh,
                 size_t *cap);
/* The same for a text in language lang (NULL or "": as dd_shingles): in
 * a language written without spaces (src/filter/wordseg.h) the words are
 * ICU's (then normalised the same way), so that a shingle of Chinese is
 * n words, not n sentences. */
long dd_shingles_lang(const char *text, size_t n, const char *lang,
                      unsigned ngram, uint64_t **sh, size_t *cap);
/* MinHash signature of k values from the shingle hashes (count > 0). */
void dd_signature(const dd_hasher *h, const uint64_t *sh, size_t count,
                  uint32_t *sig);
void dd_signature_perm_portable(const dd_hasher *h, const uint64_t *sh,
                                size_t count, uint32_t *sig);
/* Band keys: key[b] hashes band b of sig (and b). */
void dd_band_keys(const dd_hasher *h, const uint32_t *sig, uint64_t *key);
/* XXH3-128 of the text with whitespace runs collapsed and trimmed (built
 * in scratch).  Returns 0, or WN_ENOMEM / WN_ELIMIT without a hash. */
int dd_exact_hash(const char *text, size_t n, wn_buf *scratch,
                  uint64_t out[2]);
/* Fraction of equal positions. */
double dd_sig_similarity(const uint32_t *a, const uint32_t *b, unsigned k);
/* 32-bit shingle fingerprints, sorted and unique; returns the count. */
size_t dd_fingerprints(const uint64_t *sh, size_t count, uint32_t *out);
/* The same unsorted (the shingles stage stores them so; only the few
 * documents that are verified pay for sorting). */
void dd_fingerprints_raw(const uint64_t *sh, size_t count, uint32_t *out);
size_t dd_sort_unique(uint32_t *a, size_t n);
/* Jaccard of two sorted unique arrays. */
double dd_jaccard_sorted(const uint32_t *a, size_t na, const uint32_t *b,
                         size_t nb);
/* Sort key of a date ("YYYY-MM-DD[Thh:mm:ss]" or "DD-MON-YYYY hh:mm:ss");
 * INT64_MAX when empty or unparsed. */
int64_t dd_date_key(const char *s, size_t n);

/* ---- external sort of 16-byte records (xsort.c) ---- */

typedef struct dd_rec {
    uint64_t a, b;
} dd_rec;

typedef struct dd_xsort dd_xsort;

/* Sorts records by (a, b) in at most mem bytes of buffer, spilling sorted
 * runs into files named prefix.N in tmpdir.  With uniq, equal records are
 * returned once. */
int dd_xsort_new(size_t mem, const char *tmpprefix, int uniq, dd_xsort **out,
                 wn_error *err);
int dd_xsort_add(dd_xsort *x, uint64_t a, uint64_t b, wn_error *err);
/* Ends input; after it dd_xsort_next returns records in order. */
int dd_xsort_finish(dd_xsort *x, wn_error *err);
/* 1 with *r filled, 0 at the end, negative on error. */
int dd_xsort_next(dd_xsort *x, dd_rec *r, wn_error *err);
uint64_t dd_xsort_runs(const dd_xsort *x);
void dd_xsort_free(dd_xsort *x);
/* In-memory sort of n records by (a, b). */
void dd_rec_sort(dd_rec *r, size_t n);

/* ---- files (files.c) ---- */

typedef struct dd_sig_header {
    char magic[8];
    uint64_t ndocs;
    uint32_t k, recsz;
    uint64_t text_bytes;
    uint64_t bad_input;
} dd_sig_header;

/* One record of sig-*.bin; sig[] (k values) follows. */
typedef struct dd_sig_rec {
    uint64_t h[2];     /* exact hash */
    uint32_t len;      /* text bytes */
    uint32_t nsh;      /* shingles, with repeats (verify=exact) */
    int64_t date;      /* dd_date_key */
    uint64_t idoff;    /* offset in ids-*.bin */
    uint64_t off;      /* of the record in the decoded input (verbatim) */
} dd_sig_rec;

#define DD_SIG_RECSZ(k) (sizeof(dd_sig_rec) + 4 * (size_t)(k))

/* The signature files' magic (with its NUL): a new record layout takes a
 * new one, so that a work directory of another version is refused. */
#define DD_SIG_MAGIC "WNSIG3"

/* "dir/name" formatted into out; on failure (out of memory) out is "",
 * which every open refuses. */
int dd_path(wn_buf *out, const char *dir, const char *fmt, ...)
    WN_PRINTF(3, 4);
int dd_exists(const char *path);
/* Writes an empty marker file atomically. */
int dd_mark(const char *path, wn_error *err);
int dd_read_header(const char *workdir, unsigned shard, dd_sig_header *h,
                   wn_error *err);
/* Random access to the per-shard files of a work directory. */
typedef struct dd_lookup dd_lookup;
int dd_lookup_open(const char *workdir, size_t nshards, unsigned k,
                   dd_lookup **out, wn_error *err);
/* Reads the record (and signature) of gid into rec (DD_SIG_RECSZ). */
int dd_lookup_sig(dd_lookup *l, uint64_t gid, dd_sig_rec *rec, wn_error *err);
/* Reads id and url of gid. */
int dd_lookup_ids(dd_lookup *l, uint64_t gid, wn_buf *id, wn_buf *url,
                  wn_error *err);
/* Reads the shingle fingerprints of gid (from the shingles stage) into
 * *fp (grown to *cap), their count into *n. */
int dd_lookup_shingles(dd_lookup *l, uint64_t gid, uint32_t **fp,
                       size_t *cap, size_t *n, wn_error *err);
void dd_lookup_close(dd_lookup *l);
/* Bytes of work files a lookup may map (default 64 MiB); past them it
 * reads with pread through its cache.  For tests of that path. */
void dd_lookup_map_budget(size_t bytes);

/* One removal in asg-*.bin. */
typedef struct dd_asg_rec {
    uint64_t idx;    /* index in the shard */
    uint64_t keeper; /* gid */
    uint32_t kind;   /* DD_KIND_* */
    float jaccard;   /* estimate (exact Jaccard with verify=exact) */
} dd_asg_rec;

/* ---- stages (sig.c, pairs.c, shingles.c, cluster.c, filter.c) ---- */

typedef struct dd_ctx {
    const dd_opts *o;
    const char *const *inputs;
    size_t n;
    const char *workdir;
    const char *const *outputs;
    size_t mem;  /* memory budget of this unit */
    unsigned jobs; /* threads of this unit (feed_work) */
} dd_ctx;

/* Every record of the dd_rec work file path, in file order, into fn; the
 * first nonzero return of fn stops and is returned.  stage names the stage
 * that writes the file, for the message when it cannot be opened
 * (files.c). */
int dd_each_rec(const char *path, const char *stage,
                int (*fn)(void *ctx, const dd_rec *r, const char *path,
                          wn_error *err),
                void *ctx, wn_error *err);
/* For dd_each_rec: adds (r->a, r->b) to the dd_xsort x. */
int dd_rec_to_xsort(void *x, const dd_rec *r, const char *path, wn_error *err);

/* Every candidate pair of the pairs stage's files (pair-P.bin, partition
 * by partition, in file order) into fn (r->b may carry DD_EXACT_FLAG;
 * path: the pair's file, for messages); the first nonzero return of fn
 * stops and is returned (files.c). */
int dd_each_pair(const dd_ctx *c,
                 int (*fn)(void *ctx, const dd_rec *r, const char *path,
                           wn_error *err),
                 void *ctx, wn_error *err);

/* ---- units of a stage on a thread pool, resumable (units.c) ---- */

typedef struct dd_units {
    const char *workdir;
    const char *stage;          /* markers: workdir/STAGE-UUUUU.done */
    unsigned units, threads;
    const char *const *outputs; /* if set, a marker counts only while
                                 * outputs[unit] exists */
    size_t stats_size;          /* counters: a size_t, then uint64_t */
    size_t skipped_at;          /* offset of the skipped-units counter */
    /* runs a unit that is not done, adding to stats (zeroed) */
    int (*run)(void *ctx, unsigned unit, void *stats, wn_error *err);
    void *ctx;
} dd_units;

/* One unit unless its marker exists; adds its counters to stats. */
int dd_unit_run(const dd_units *u, unsigned unit, void *stats, wn_error *err);
/* Every unit, on up to u->threads threads; the failure reported is that
 * of the first failing unit by number. */
int dd_units_run_all(const dd_units *u, void *stats, wn_error *err);

int dd_stage_sig(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                 wn_error *err);
int dd_stage_bands(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                   wn_error *err);
int dd_stage_pairs(const dd_ctx *c, unsigned part, wn_dedup_stats *st,
                   wn_error *err);
int dd_stage_shingles(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                      wn_error *err);
int dd_stage_cluster(const dd_ctx *c, wn_dedup_stats *st, wn_error *err);
int dd_stage_filter(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                    wn_error *err);

#endif
