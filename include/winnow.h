/*
 * winnow.h - the one public header of libwinnow.
 *
 * libwinnow turns raw web crawls (WARC/WET, JSONL, plain text; gzip, zstd or
 * plain) into clean, deduplicated text corpora.  Everything a program needs
 * is declared here; nothing under src/ is part of the interface.
 *
 * Conventions (see docs/DESIGN.md):
 *  - every public name starts with wn_ / WN_;
 *  - functions return 0 (or a positive count) on success and a negative
 *    WN_E* code on failure; details go into a caller-provided wn_error;
 *  - handles are opaque and come in _open/_close or _new/_free pairs;
 *  - the library never prints, exits or aborts on bad input: a broken record
 *    is a verdict that is counted, and reading goes on;
 *  - structs grow only at their end.  Those a caller fills or lends for
 *    filling (wn_reader_opts, wn_progress, wn_dedup_stats) begin with a
 *    size field that their _INIT macro sets, so a program built against an
 *    older header keeps working; wn_stats is only read through pointers
 *    the library owns (or summed with wn_stats_add into a wn_stats of the
 *    caller's header);
 *  - the stable API is below; the advanced one, free to change between
 *    minor versions, is at the end, behind WINNOW_EXPERIMENTAL.
 */
#ifndef WINNOW_H
#define WINNOW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WN_VERSION_MAJOR 0
#define WN_VERSION_MINOR 1
#define WN_VERSION_PATCH 0
#define WN_VERSION_STRING "0.1.0"

/* Returns the library's version string (may differ from the header's). */
const char *wn_version(void);

/* ------------------------------------------------------------------ errors */

enum wn_status {
    WN_OK = 0,
    WN_EOF = 0,        /* wn_reader_next: no more documents */
    WN_DOC = 1,        /* wn_reader_next: a document was produced */
    WN_EIO = -1,       /* cannot open/read/write a file */
    WN_ENOMEM = -2,    /* allocation failed */
    WN_EINVAL = -3,    /* caller error: bad argument or option */
    WN_EFORMAT = -4,   /* bad input: broken record, invalid JSON, ... */
    WN_ETRUNC = -5,    /* bad input: input ends inside a record or stream */
    WN_ECODEC = -6,    /* bad input: corrupt compressed data */
    WN_ELIMIT = -7,    /* bad input: a record or line exceeds a size limit */
};

/* Is this code a bad-input verdict (count it, report it, carry on) rather
 * than a failure of the run itself? */
#define WN_IS_BAD_INPUT(c) ((c) <= WN_EFORMAT && (c) >= WN_ELIMIT)

/* Filled by any function that fails; file/offset name the byte of input at
 * fault (offset is in the decompressed stream unless msg says otherwise). */
typedef struct wn_error {
    int code;
    uint64_t offset;
    char file[512];
    char msg[512];
} wn_error;

/* Short description of a WN_E* code. */
const char *wn_strerror(int code);

/* Formats "file: offset N: msg" into out (always NUL-terminated). */
void wn_error_format(const wn_error *err, char *out, size_t outsz);

/* ---------------------------------------------------------------- buffers */

/* The growable byte buffer used wherever text is built (after git's strbuf).
 * Invariants: WN_BUF_INIT is a valid empty buffer; when data != NULL it is
 * NUL-terminated at data[len]; len is the truth; cap bounds growth (0 means
 * the library default of 1 GiB) and growing past it fails with WN_ELIMIT. */
typedef struct wn_buf {
    char *data;
    size_t len;
    size_t alloc;
} wn_buf;

#define WN_BUF_INIT {NULL, 0, 0}

int wn_buf_reserve(wn_buf *b, size_t extra);
int wn_buf_append(wn_buf *b, const void *p, size_t n);
int wn_buf_puts(wn_buf *b, const char *s);
int wn_buf_putc(wn_buf *b, char c);
int wn_buf_printf(wn_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int wn_buf_set(wn_buf *b, const void *p, size_t n);
void wn_buf_reset(wn_buf *b); /* len = 0, memory kept */
void wn_buf_release(wn_buf *b); /* frees memory, back to WN_BUF_INIT */

/* --------------------------------------------------------------- documents */

enum wn_doc_kind {
    WN_DOC_TEXT = 0, /* text holds plain UTF-8 text */
    WN_DOC_HTML = 1, /* text holds an HTML page (from a WARC response) */
};

/* A document: UTF-8 text plus its identity and provenance, and any further
 * metadata.  Metadata other than id/url/date/source is kept as raw, valid
 * JSON members ("key":value,...) in input order, so that it survives every
 * stage byte for byte.  A wn_doc owns all its buffers; reuse one wn_doc
 * across wn_reader_next calls to avoid allocation. */
typedef struct wn_doc {
    wn_buf text;
    wn_buf id;
    wn_buf url;
    wn_buf date;
    wn_buf source;    /* "FILE:OFFSET" where winnow read it, or as given */
    wn_buf meta;      /* raw JSON members, comma separated, no braces */
    wn_buf http;      /* HTML documents: the HTTP response head, raw */
    int kind;         /* enum wn_doc_kind */
    uint64_t offset;  /* byte offset of the record in the decoded input */
} wn_doc;

#define WN_DOC_INIT {WN_BUF_INIT, WN_BUF_INIT, WN_BUF_INIT, WN_BUF_INIT, \
                     WN_BUF_INIT, WN_BUF_INIT, WN_BUF_INIT, 0, 0}

void wn_doc_reset(wn_doc *d);   /* empties, keeps memory */
void wn_doc_release(wn_doc *d); /* frees memory */
int wn_doc_copy(wn_doc *dst, const wn_doc *src);

/* Appends metadata member "key": json (json must be one valid JSON value).
 * A key that is already present is replaced in place. */
int wn_doc_meta_set(wn_doc *d, const char *key, const char *json, size_t n);
/* Convenience: sets key to a JSON string / number. */
int wn_doc_meta_set_str(wn_doc *d, const char *key, const char *s, size_t n);
int wn_doc_meta_set_num(wn_doc *d, const char *key, double v);
/* Finds key; on success json and n point into d->meta (raw JSON value).
 * Returns 1 if found, 0 if not. */
int wn_doc_meta_get(const wn_doc *d, const char *key, const char **json,
                    size_t *n);
/* Removes metadata member key; returns 1 if it was there, else 0. */
int wn_doc_meta_del(wn_doc *d, const char *key);

/* ------------------------------------------------------------------ stats */

/* Counters of one run.  Readers add to them; every field is documented in
 * docs/FORMATS.md and printed by wn_stats_write_json. */
typedef struct wn_stats {
    uint64_t files;
    uint64_t bytes_in;        /* bytes read from disk (compressed) */
    uint64_t bytes_decoded;   /* bytes after decompression */
    uint64_t docs;            /* documents produced */
    uint64_t text_bytes;      /* bytes of document text produced */
    uint64_t warc_records;    /* all WARC records seen */
    uint64_t warc_conversion; /* WET conversion records -> documents */
    uint64_t warc_response_html;  /* response records holding HTML -> docs */
    uint64_t warc_response_other; /* responses skipped: not HTML */
    uint64_t warc_skipped;    /* other record types, skipped */
    uint64_t jsonl_lines;     /* non-blank JSONL lines */
    uint64_t text_files;      /* plain-text documents */
    /* bad input, each also reported once on stderr by the CLI */
    uint64_t bad_files;       /* unreadable or unrecognised files */
    uint64_t bad_codec;       /* corrupt gzip/zstd data */
    uint64_t truncated;       /* input ending inside a record or stream */
    uint64_t bad_records;     /* broken WARC records (headers, length) */
    uint64_t bad_http;        /* broken HTTP head or chunking (body kept) */
    uint64_t bad_json;        /* invalid JSON lines */
    uint64_t oversize;        /* records/lines beyond the size limit */
    uint64_t invalid_utf8;    /* documents whose text had invalid UTF-8 */
    uint64_t utf8_replaced;   /* invalid sequences replaced by U+FFFD */
    uint64_t nul_bytes;       /* NUL bytes replaced by U+FFFD */
    /* appended fields (the struct only grows at its end) */
    uint64_t io_errors;       /* read errors (EIO...): the input is left
                               * unfinished, so a resumed run reads it again */
    uint64_t http_quirks;     /* HTTP bodies labelled compressed that are not:
                               * kept as they are (repaired, not bad) */
    uint64_t warc_resource_html; /* resource records holding HTML -> docs */
    uint64_t inputs_changed;  /* inputs whose size, time or first block
                               * changed between two reading passes */
} wn_stats;

/* Adds every counter of b to a. */
void wn_stats_add(wn_stats *a, const wn_stats *b);
/* Total count of bad-input events (the CLI exits 1 when non-zero). */
uint64_t wn_stats_bad(const wn_stats *s);
/* Appends the counters as one JSON object; on failure out is left as it
 * was. */
int wn_stats_write_json(const wn_stats *s, wn_buf *out);

/* ---------------------------------------------------------------- readers */

enum wn_format {
    WN_FMT_AUTO = 0, /* sniff the decompressed bytes */
    WN_FMT_WARC,     /* WARC 0.18/1.0/1.1, WET included */
    WN_FMT_JSONL,
    WN_FMT_TEXT,
    WN_FMT_HTML,     /* one file is one HTML page (never sniffed) */
};

/* Parses "auto", "warc", "jsonl", "text", "html"; -1 if unknown. */
int wn_format_parse(const char *name);
const char *wn_format_name(int fmt);

typedef struct wn_reader_opts {
    size_t size;             /* sizeof the struct as the caller built it
                              * (WN_READER_OPTS_INIT; 0 = this header's):
                              * fields added later take their defaults */
    int format;              /* enum wn_format */
    const char *text_field;  /* JSONL text field, default "text" */
    size_t max_record;       /* bytes; default 64 MiB (WN_MAX_RECORD) */
    int warc_html;           /* read HTML responses from WARC (default 1) */
    /* Called for problems that are repaired rather than skipped (invalid
     * UTF-8, NUL bytes, broken HTTP chunking): the document is still
     * produced and the problem counted; the callback may report it. */
    void (*warn)(void *ctx, const wn_error *w);
    void *warn_ctx;
} wn_reader_opts;

#define WN_MAX_RECORD ((size_t)64 << 20)
#define WN_READER_OPTS_INIT                                                  \
    {sizeof(wn_reader_opts), WN_FMT_AUTO, "text", WN_MAX_RECORD, 1, NULL, NULL}

typedef struct wn_reader wn_reader;

/* Opens one input: a file, or "-" for stdin.  Compression is detected from
 * the first bytes (gzip incl. multi-member, zstd, none).  Directories are
 * not accepted here; see wn_inputs_expand.  On failure returns a negative
 * code with err filled and *out NULL. */
int wn_reader_open(const char *path, const wn_reader_opts *opts,
                   wn_reader **out, wn_error *err);

/* The same over n bytes in memory, which must outlive the reader; name is
 * used as the file name in messages and sources. */
int wn_reader_open_mem(const void *data, size_t n, const char *name,
                       const wn_reader_opts *opts, wn_reader **out,
                       wn_error *err);

/* Reads the next document into doc (reset first).  Returns WN_DOC when a
 * document was produced, WN_EOF at the end, or a negative code:
 *  - a bad-input code (WN_IS_BAD_INPUT): err says what and where; the
 *    problem is counted in the reader's stats; call again to go on;
 *  - WN_EIO/WN_ENOMEM: the reader cannot go on. */
int wn_reader_next(wn_reader *r, wn_doc *doc, wn_error *err);

/* The format actually being read (after sniffing). */
int wn_reader_format(const wn_reader *r);
/* Counters for this reader so far. */
const wn_stats *wn_reader_stats(const wn_reader *r);
void wn_reader_close(wn_reader *r);

/* Expands input arguments: directories are walked recursively (entries in
 * byte order, hidden files skipped), files and "-" pass through.  Appends
 * malloc'd strings to *list (grown with realloc); the caller frees them
 * with wn_inputs_free.  Returns 0 or a negative code. */
int wn_inputs_expand(const char *const *args, size_t nargs, char ***list,
                     size_t *n, wn_error *err);
/* Frees a list made by wn_inputs_expand (each string and the array). */
void wn_inputs_free(char **list, size_t n);

/* ---------------------------------------------------------------- writers */

enum wn_out_format {
    WN_OUT_JSONL = 0,
    WN_OUT_TEXT = 1, /* text only; documents separated by a blank line */
};

typedef struct wn_writer wn_writer;

/* Opens an output.  path "-" (or NULL) is stdout.  Otherwise the data goes
 * to a temporary file beside path and appears under path only when
 * wn_writer_close succeeds (atomic rename).  Compression follows the name:
 * ".gz" gzip, ".zst" zstd, anything else none. */
int wn_writer_open(const char *path, int out_format, wn_writer **out,
                   wn_error *err);
/* Compression level for .gz (1-9, default 6) or .zst (1-19, default 3);
 * only before the first write.  Returns 0 or WN_EINVAL. */
int wn_writer_set_level(wn_writer *w, int level);
int wn_writer_write(wn_writer *w, const wn_doc *doc, wn_error *err);
/* Writes one raw, already-formatted line (a JSON object) plus '\n'. */
int wn_writer_write_line(wn_writer *w, const char *line, size_t n,
                         wn_error *err);
/* Flushes, finishes compression, renames into place, frees.  Returns 0 or
 * a negative code (the temporary file is removed on failure). */
int wn_writer_close(wn_writer *w, wn_error *err);
/* Frees without publishing: the temporary file is removed. */
void wn_writer_abort(wn_writer *w);

/* Serialises doc as one JSON object (no newline) appended to out.  Key
 * order is fixed: id, url, date, source, text (or html and http for HTML
 * documents), then the other metadata in input order.  Empty id/url/date
 * are omitted. */
int wn_doc_to_json(const wn_doc *doc, wn_buf *out);

/* ----------------------------------------------------------- configuration */

/* A run's configuration: "section.key" -> value strings (e.g.
 * "gopher.min_words" -> "50").  CLI flags, INI files and defaults all land
 * here; stages read their options from it.  See docs/CONFIG.md. */
typedef struct wn_config wn_config;

wn_config *wn_config_new(void);
void wn_config_free(wn_config *c);
/* Sets key to value (both copied); a later set replaces an earlier one. */
int wn_config_set(wn_config *c, const char *key, const char *value);
/* Returns the value, or NULL if the key is unset. */
const char *wn_config_lookup(const wn_config *c, const char *key);
/* Reads an INI file: "[section]" then "key = value" lines become
 * "section.key"; '#' and ';' start comments.  Unknown keys are kept (the
 * caller validates them). */
int wn_config_load_ini(wn_config *c, const char *path, wn_error *err);
/* Calls fn for each key in sorted order. */
void wn_config_each(const wn_config *c,
                    void (*fn)(void *ctx, const char *key, const char *value),
                    void *ctx);
/* Sets every key of from in to (a key of both takes from's value).
 * Returns 0 or WN_ENOMEM (to may then hold part of from). */
int wn_config_merge(wn_config *to, const wn_config *from);
/* What option `key` ("section.option": run.*, dedup.* or a stage's)
 * accepts: its type and range or choices as one line, e.g. "bool", "int,
 * >= 0", "double in [0, 1], or off" (off switches the rule off), "size,
 * >= 1024" (the wn_parse_size grammar), "one of main, all", "list of
 * email, ip, phone, may be empty", "list, or all", "path", "string".
 * Written to out (always NUL-terminated).  Returns 1, or 0 for an unknown
 * key.  Every option is checked against this when a stage or a run is
 * created (wn_stage_new, wn_run_new, wn_dedup_check_config): a value it
 * does not accept is WN_EINVAL with a message naming the option. */
int wn_option_describe(const char *key, char *out, size_t outsz);

/* ------------------------------------------------------------------ stages */

/* A stage (cleaner, filter, deduplicator) created by name from the registry
 * (`winnow stages` lists them).  A handle owns the stage's state and one
 * set of scratch buffers, so ONE HANDLE IS USED BY ONE THREAD AT A TIME;
 * threads that work in parallel each create their own handle.
 * Lifecycle:
 *   wn_stage_new -> [wn_stage_observe over the corpus -> wn_stage_prepare]
 *   -> wn_stage_process per document -> wn_stage_free.
 * The bracketed first pass matters only when wn_stage_has_first_pass()
 * (e.g. site-template lines count lines across a site's pages); skipping it
 * is allowed and means the stage saw an empty corpus. */
typedef struct wn_stage wn_stage;

/* Name of the i-th registered stage in pipeline order, NULL past the end. */
const char *wn_stage_name_at(size_t i);
/* The group of a stage: "extract", "clean" or "filter" (the command that
 * runs the group, e.g. winnow filter the "filter" stages), NULL if
 * unknown. */
const char *wn_stage_group(const char *name);
/* One-line summary of a stage, NULL if unknown. */
const char *wn_stage_summary(const char *name);
/* The i-th option of a stage: key ("stage.option"), default value as text
 * and one-line help (any pointer may be NULL).  Returns 1, or 0 past the
 * end or for an unknown stage.  Pointers are static. */
int wn_stage_option_at(const char *name, size_t i, const char **key,
                       const char **def, const char **help);

/* Creates stage `name` reading its options ("name.option" keys) from cfg,
 * which may be NULL (all defaults) and need not outlive the call.  A key
 * under the stage's prefix that the stage does not declare is WN_EINVAL.
 * Returns 0 with *out set, or a negative code with err filled. */
int wn_stage_new(const char *name, const wn_config *cfg, wn_stage **out,
                 wn_error *err);
const char *wn_stage_name(const wn_stage *st);
/* Runs the stage on doc, which it may edit (text, metadata).  Returns 1
 * (keep) or 0 (drop, with a reason "stage:measure=value<bound" in reason,
 * which may be NULL), or a negative WN_E* code. */
int wn_stage_process(wn_stage *st, wn_doc *doc, wn_buf *reason);
void wn_stage_free(wn_stage *st);

/* ---------------------------------------------------------- deduplication */

/* Exact and near-duplicate removal over a corpus of JSONL (or any readable)
 * shards; see docs/dedup.md.  Exact copies share the XXH3-128 of the
 * whitespace-normalised text; near copies share MinHash LSH buckets over
 * word n-gram shingles of text normalised as for anchors (lowercase, digits
 * folded to 0, punctuation dropped).  Groups are joined by union-find and
 * one document per group is kept by a deterministic policy.
 *
 * The work is split into stages that communicate only through files in a
 * work directory, so each unit can run on any machine under any scheduler:
 *   sig     (one unit per input shard)  signatures, hashes, ids
 *   bands   (one unit per input shard)  band keys, partitioned into P files
 *   pairs   (one unit per partition)    candidate pairs of the partition
 *   cluster (one unit)                  union-find, keeper per group
 *   filter  (one unit per input shard)  kept docs and rejects of a shard
 * A unit's outputs appear atomically (temporary name, then rename) and a
 * unit whose outputs exist is skipped, so an interrupted run resumes.
 * Memory is bounded by dedup.memory: sorts spill runs to disk; only the
 * cluster unit holds O(N) state (8 bytes per document, 16 with
 * keep=longest|earliest).  Results do not depend on dedup.threads.
 *
 * Options (wn_config keys; defaults in brackets; wn_dedup_option_at lists
 * them): dedup.exact [1], dedup.near [1], dedup.ngram [5], dedup.bands
 * [16], dedup.rows [6], dedup.minhash [perm|oph], dedup.verify
 * [exact|estimate|none], dedup.threshold [0.8], dedup.keep
 * [first|longest|earliest], dedup.partitions [16], dedup.memory [2G],
 * dedup.threads [1], dedup.max_listed [1000], dedup.seed. */

/* Counters of a dedup run (or of one stage unit: fields it does not touch
 * stay as they were, so one struct can accumulate several units). */
typedef struct wn_dedup_stats {
    size_t size;              /* set by the caller (WN_DEDUP_STATS_INIT; 0 =
                               * this header's): the library touches no
                               * field past it */
    uint64_t docs;            /* documents read by the sig stage */
    uint64_t text_bytes;      /* bytes of their text */
    uint64_t kept;            /* written to the outputs */
    uint64_t exact_dups;      /* removed: exact copy of the kept one */
    uint64_t near_dups;       /* removed: near copy */
    uint64_t groups;          /* groups of two or more documents */
    uint64_t candidate_pairs; /* distinct LSH candidate pairs */
    uint64_t verified_pairs;  /* candidates that passed --verify */
    uint64_t refuted_pairs;   /* candidates that failed --verify */
    uint64_t spilled_runs;    /* sorted runs spilled to disk */
    uint64_t skipped_units;   /* units whose outputs existed (resume) */
    uint64_t bad_input;       /* bad-input events while reading */
    uint64_t prefiltered_pairs; /* of refuted: by signature prefixes alone */
    /* paragraph dedup (dedup.paragraphs, wn_para) */
    uint64_t paragraphs;         /* paragraphs with n-grams, checked */
    uint64_t paragraphs_removed; /* of them: seen before, removed */
    uint64_t paragraph_bytes;    /* text bytes removed with them */
    uint64_t paragraph_emptied;  /* documents left without text: rejected */
} wn_dedup_stats;

#define WN_DEDUP_STATS_INIT {sizeof(wn_dedup_stats)}


/* Checks every dedup.* key of cfg (unknown dedup.* keys and bad values are
 * WN_EINVAL with a message). */
int wn_dedup_check_config(const wn_config *cfg, wn_error *err);
/* The i-th dedup option: key, default and help line; 0 past the end. */
int wn_dedup_option_at(size_t i, const char **key, const char **def,
                       const char **help);

/* Runs every stage: reads the n input shards (any format wn_reader_open
 * accepts), writes the kept documents of inputs[i] to outputs[i] (in input
 * order; a kept document standing for others gets metadata "duplicates":
 * [{"id":..,"url":..},...] and "duplicate_count"), and, when rejects is
 * not NULL, every removed document with metadata "reject_reason"
 * ("exact_duplicate:of=ID" or "near_duplicate:of=ID,jaccard=0.93"), in
 * input order.  workdir (created if missing) holds the intermediate files
 * and must be used for one corpus and one set of options only (a file
 * there records them; a mismatch is WN_EINVAL).  Bad input records are
 * skipped and counted in st->bad_input.  st may be NULL.  Returns 0 or a
 * negative code. */
int wn_dedup_run(const wn_config *cfg, const char *const *inputs, size_t n,
                 const char *workdir, const char *const *outputs,
                 const char *rejects, wn_dedup_stats *st, wn_error *err);

/* Appends st as JSON in the schema of winnow run's stats.json (documents
 * read = kept + rejected, by reason; docs/FORMATS.md). */
int wn_dedup_stats_json(const wn_dedup_stats *st, wn_buf *out);

/* ------------------------------------------------------ exact substrings */

/* Counters of wn_substr_run (docs/dedup.md, "Exact substrings"). */
typedef struct wn_substr_stats {
    size_t size;            /* as wn_dedup_stats.size */
    uint64_t docs;          /* documents read */
    uint64_t text_bytes;    /* bytes of their text */
    uint64_t kept;          /* written to the outputs */
    uint64_t rejected;      /* cut below substr.min_doc_bytes */
    uint64_t docs_struck;   /* documents with at least one span */
    uint64_t bytes_struck;  /* bytes in spans (cut, or listed with
                             * substr.annotate) */
    uint64_t spans;         /* maximal struck spans */
    uint64_t chunks;        /* suffix-array chunks */
    uint64_t ngrams;        /* distinct L-grams of the chunks (records) */
    uint64_t cross_checked; /* L-grams compared across chunks */
    uint64_t spilled_runs;  /* sorted runs spilled to disk */
    uint64_t skipped_units; /* units found done (resume) */
    uint64_t bad_input;     /* bad-input events while reading */
    uint64_t bytes_out;     /* text bytes of the kept documents */
    uint64_t bytes_rejected; /* text bytes of the rejected ones */
} wn_substr_stats;

#define WN_SUBSTR_STATS_INIT {sizeof(wn_substr_stats)}

int wn_substr_check_config(const wn_config *cfg, wn_error *err);
/* The i-th substr option: key, default and help line; 0 past the end. */
int wn_substr_option_at(size_t i, const char **key, const char **def,
                        const char **help);
/* Exact-substring removal (Lee et al. 2022) in bounded memory
 * (substr.memory): every span of at least substr.min_length bytes that
 * occurs twice in the corpus is cut from the documents of inputs[i],
 * written to outputs[i] (substr.strike=later keeps the first occurrence;
 * substr.annotate lists the spans in metadata "substr_spans" instead).  A
 * document cut below substr.min_doc_bytes goes to rejects with
 * "reject_reason": "substr:bytes_left=N<M".  workdir as for
 * wn_dedup_run (resumable; the problems met while reading are read back
 * with wn_dedup_problems, the rejects are joined into rejects).  st may be
 * NULL.  The output does not depend on substr.threads or substr.memory. */
int wn_substr_run(const wn_config *cfg, const char *const *inputs, size_t n,
                  const char *workdir, const char *const *outputs,
                  const char *rejects, wn_substr_stats *st, wn_error *err);
/* st as JSON in the schema of stats.json, with a "substr" section. */
int wn_substr_stats_json(const wn_substr_stats *st, wn_buf *out);



/* ------------------------------------------------------------------ engine */

/* The document loop that every command drives (winnow read, extract,
 * clean, explain, filter, dedup --streaming, and each input of winnow run).
 * Inputs are read by one reader loop; documents pass through the selected
 * stages in registry order on run.jobs threads and come back in input order
 * to be written (kept documents; rejected ones with "reject_reason") and
 * counted in one set of books: read = kept + rejected, by stage and by
 * reason, with the input counters and every bad-input event.  Stages with
 * a first pass (site_lines) get it over all inputs first; an input that
 * cannot be read twice ("-", a pipe, process substitution) is then spooled
 * once, compressed, into the work directory and both passes read the copy.
 * Output does not depend on run.jobs.
 *
 * Options (wn_config): run.stages (which stages; the order is always the
 * registry's, wn_stage_name_at), run.jobs, run.format, run.text_field,
 * run.max_record, run.html, and each selected stage's own options; keys
 * of other stages, run.* and dedup.* may be present. */
typedef struct wn_engine wn_engine;

int wn_engine_new(const wn_config *cfg, wn_engine **out, wn_error *err);
void wn_engine_free(wn_engine *e);
/* Where spools of streams go (default $TMPDIR, else /tmp).  The spools are
 * removed by wn_engine_free. */
int wn_engine_set_workdir(wn_engine *e, const char *dir);
/* Every problem met in the main pass (bad input, repaired input, I/O
 * errors) is counted and passed to fn once, on the thread that called
 * wn_engine_exec/process, as it is met. */
void wn_engine_set_warn(wn_engine *e, void (*fn)(void *ctx, const wn_error *w),
                        void *ctx);
/* Kept documents go to kept, rejected ones (with "reject_reason") to
 * rejects.  Either may be NULL (counted, not written) and both may be the
 * same writer.  May change between inputs. */
void wn_engine_set_outputs(wn_engine *e, wn_writer *kept, wn_writer *rejects);

/* The number of stages this engine runs. */
size_t wn_engine_nstages(const wn_engine *e);

/* wn_engine_observe, then wn_engine_process over every input.  Returns 0
 * or a negative code (bad input is in the books, not an error). */
int wn_engine_exec(wn_engine *e, const char *const *inputs, size_t n,
                   wn_error *err);

/* The books. */
void wn_engine_totals(const wn_engine *e, uint64_t *read, uint64_t *kept,
                      uint64_t *rejected);
const wn_stats *wn_engine_input_stats(const wn_engine *e);
/* The i-th stage of the books (the engine's stages, then a decide
 * function's own name): documents in and rejected, CPU seconds and text
 * bytes it was given.  Returns 1, or 0 past the end. */
int wn_engine_stage_stats(const wn_engine *e, size_t i, const char **name,
                          uint64_t *in, uint64_t *rejected, double *cpu_s,
                          uint64_t *bytes);
/* Appends the books as JSON in the schema of winnow run's stats.json
 * (docs/FORMATS.md). */
int wn_engine_stats_json(wn_engine *e, wn_buf *out);

/* -------------------------------------------------------------------- run */

/* The whole job: read, run the per-document stages (run.stages), remove
 * duplicates, and write OUTDIR/data/part-NNNNN.jsonl.zst, OUTDIR/rejects/
 * part-NNNNN.jsonl.zst (every rejected document with "reject_reason"),
 * OUTDIR/stats.json and OUTDIR/report.html, and last OUTDIR/manifest.json
 * (the run's options, input fingerprints and files).  Work is kept under
 * OUTDIR/work, one finished unit per input file, so a killed run started
 * again with the same inputs and options continues from finished work and
 * ends with the same bytes; a finished run removes it (WN_RUN_KEEP_WORK
 * keeps it).  OUTDIR must be new, empty, or hold only this run's own files
 * (WN_RUN_FORCE writes there anyway, replacing another run's output and
 * removing stale shards).  Output does not depend on run.jobs.
 * Options: run.* (wn_run_option_at), the stages' own options, dedup.*. */
typedef struct wn_run wn_run;

typedef struct wn_progress {
    size_t size;           /* set by the caller (WN_PROGRESS_INIT; 0 = this
                            * header's): the library fills no more */
    const char *phase;     /* "site-pass", "process", "dedup", "write", "done" */
    uint64_t bytes_done;   /* input bytes read in this phase */
    uint64_t bytes_total;  /* input bytes of one pass */
    uint64_t docs_read;    /* documents read in the processing phase */
    uint64_t docs_kept;
    double fraction;       /* of the whole run, 0..1 */
} wn_progress;

#define WN_PROGRESS_INIT {sizeof(wn_progress), NULL, 0, 0, 0, 0, 0}

/* Checks cfg (unknown keys under run., dedup. or a stage's prefix are
 * WN_EINVAL) and prepares a run; cfg is copied. */
int wn_run_new(const wn_config *cfg, wn_run **out, wn_error *err);
/* Reports bad input (and repaired input) as it is met; the run counts it
 * either way.  Called from the thread that called wn_run_exec. */
void wn_run_set_warn(wn_run *r, void (*fn)(void *ctx, const wn_error *w),
                     void *ctx);
/* How the run treats OUTDIR (before wn_run_exec; default 0). */
#define WN_RUN_FORCE 1u     /* write into an OUTDIR holding other files */
#define WN_RUN_KEEP_WORK 2u /* keep OUTDIR/work after a finished run */
void wn_run_set_flags(wn_run *r, unsigned flags);
unsigned wn_run_flags(const wn_run *r);
/* Runs the job.  Returns 0 when it finished (bad input may have been
 * counted: see wn_run_input_stats), or a negative code. */
int wn_run_exec(wn_run *r, const char *const *inputs, size_t n,
                const char *outdir, wn_error *err);
/* A snapshot of the progress; may be called from any thread. */
void wn_run_get_progress(wn_run *r, wn_progress *p);
/* Reader counters of the finished run (bad input included). */
const wn_stats *wn_run_input_stats(const wn_run *r);
/* Appends the finished run's stats.json (the same bytes as the file). */
int wn_run_stats_json(wn_run *r, wn_buf *out);
/* Documents read and kept by the finished run. */
void wn_run_totals(const wn_run *r, uint64_t *read, uint64_t *kept,
                   uint64_t *rejected);
void wn_run_free(wn_run *r);
/* The command line shown in the report's Time section (timing.json
 * "command"); line is copied.  Returns 0 or WN_ENOMEM. */
int wn_run_set_command(wn_run *r, const char *line);

/* ----------------------------------------------------------------- report */

/* Renders the report of a finished run from the files of OUTDIR
 * (stats.json; timing.json, problems.jsonl, examples.jsonl and
 * work/run.conf when present) into out_path (NULL: OUTDIR/report.html),
 * written atomically.  One self-contained HTML page: inline CSS and SVG,
 * no script.  Returns 0 or a negative code (err filled). */
int wn_report_write(const char *outdir, const char *out_path, wn_error *err);
/* Compares two finished runs a and b (e.g. two threshold settings) on one
 * page: the funnel of each, the reasons that grew or shrank, and the
 * documents kept by one and not the other (read from data/), with
 * examples.  Returns 0 or a negative code (err filled). */
int wn_report_diff(const char *a, const char *b, const char *out_path,
                   wn_error *err);
/* The i-th run.* option (key, default, help); 0 past the end. */
int wn_run_option_at(size_t i, const char **key, const char **def,
                     const char **help);
/* Appends the effective configuration of every option the run would use
 * (run.*, each listed stage's options, dedup.*) as INI text. */
int wn_run_print_config(const wn_config *cfg, wn_buf *out, wn_error *err);

/* ------------------------------------------------------------------- text */

/* Appends src to out as valid UTF-8: each invalid sequence becomes U+FFFD
 * and NUL bytes become U+FFFD.  Returns the number of replacements (>= 0)
 * or a negative code; *nuls (if not NULL) receives the NUL count. */
long wn_utf8_repair(const char *src, size_t n, wn_buf *out, size_t *nuls);
/* Returns 1 if s is valid UTF-8 without NUL bytes. */
int wn_utf8_valid(const char *s, size_t n);

/* Parses a size such as 4096, 64k, 512M, 2G, 1.5G, 64MiB, 64MB or 1T
 * (binary multiples, any case; "i" and "B" optional; a fraction needs a
 * multiple and is rounded down to whole bytes) into *out.  Returns 0, or
 * WN_EINVAL for anything else: empty, negative, blanks, nan/inf, trailing
 * characters, or more than SIZE_MAX bytes. */
int wn_parse_size(const char *s, size_t *out);

/* Appends s as a JSON string literal (quotes included). */
int wn_json_put_string(wn_buf *out, const char *s, size_t n);

#ifdef __cplusplus
}
#endif
#endif /* WINNOW_H */

/* ======================================================================
 * The advanced API: stable enough for winnow's own commands, free to
 * change between minor versions.  A program that uses it defines
 * WINNOW_EXPERIMENTAL before including winnow.h, knowing it must follow
 * those changes (zstd's ZSTD_STATIC_LINKING_ONLY is the model): the
 * distributed run's parts, the dedup units for a scheduler of one's own,
 * streaming dedup, the engine's hooks and handles, the line cleaners'
 * per-line verdicts, a stage handle's own first pass.
 * ====================================================================== */
#if defined(WINNOW_EXPERIMENTAL) && !defined(WINNOW_H_EXPERIMENTAL)
#define WINNOW_H_EXPERIMENTAL

#ifdef __cplusplus
extern "C" {
#endif

/* ---- stages: a handle's own first pass (the engine runs it for you) */

/* Does this stage want a first pass over the corpus (observe/prepare)? */
int wn_stage_has_first_pass(const wn_stage *st);
/* First pass: shows one document to the stage (not modified).  A no-op for
 * stages without a first pass; WN_EINVAL after wn_stage_prepare. */
int wn_stage_observe(wn_stage *st, const wn_doc *doc);
/* Ends the first pass.  Returns 0 or a negative code. */
int wn_stage_prepare(wn_stage *st, wn_error *err);

/* ---- deduplication units, for any scheduler */

enum wn_dedup_stage {
    WN_DEDUP_SIG = 0,
    WN_DEDUP_BANDS,
    WN_DEDUP_PAIRS,
    WN_DEDUP_SHINGLES, /* fingerprints of pair members (verify=exact) */
    WN_DEDUP_CLUSTER,
    WN_DEDUP_FILTER,
    WN_DEDUP_NSTAGES
};

/* Calls fn with each problem met while reading the inputs (bad records,
 * repaired text), formatted "FILE: offset N: message", in input order:
 * the sig units keep them in the work directory.  Returns the count. */
int wn_dedup_problems(const char *workdir, size_t n,
                      void (*fn)(void *ctx, const char *msg), void *ctx);

/* Parses a stage name ("sig", "bands", "pairs", "shingles", "cluster",
 * "filter");
 * returns -1 if unknown. */
int wn_dedup_stage_parse(const char *name);
const char *wn_dedup_stage_name(int stage);
/* Number of units of a stage for n input shards. */
unsigned wn_dedup_stage_units(const wn_config *cfg, int stage, size_t n);
/* Runs one unit of one stage (all units of every earlier stage must be
 * done; the inputs list must be the same, in the same order, for every
 * unit).  outputs is used by the filter stage only (outputs[unit] gets
 * that shard's kept documents; its rejects go to the work directory and
 * wn_dedup_collect_rejects joins them).  Skipped, counted in
 * st->skipped_units, when its outputs exist. */
int wn_dedup_stage_run(const wn_config *cfg, int stage, unsigned unit,
                       const char *const *inputs, size_t n,
                       const char *workdir, const char *const *outputs,
                       wn_dedup_stats *st, wn_error *err);
/* Concatenates the per-shard rejects of the filter units into path
 * (atomically; compression follows the name). */
int wn_dedup_collect_rejects(const char *workdir, size_t n, const char *path,
                             wn_error *err);
/* The file in workdir holding the filter unit's rejects of shard s (JSONL,
 * zstd), for a caller that reads them in place of joining them: its path
 * into out (replacing what out held).  Returns 0 or WN_ENOMEM. */
int wn_dedup_rejects_path(const char *workdir, size_t s, wn_buf *out);

/* Streaming mode: one pass, fixed memory (dedup.memory), for pipelines
 * that cannot read the corpus twice.  Exact hashes and LSH band keys go to
 * fixed-size tables that overwrite old entries when full, so recall falls
 * once the corpus outgrows the memory; there is no verification and the
 * kept document cannot list its copies (it was already written).  Call
 * wn_dedup_stream_check on each document in corpus order (one thread). */
typedef struct wn_dedup_stream wn_dedup_stream;
int wn_dedup_stream_new(const wn_config *cfg, wn_dedup_stream **out,
                        wn_error *err);
/* Returns 1 when doc is new (keep it) or 0 when it is a copy of an earlier
 * document, with the reason ("exact_duplicate:of=ID" or
 * "near_duplicate:of=ID,jaccard=EST", the estimate from band agreement)
 * written to reason; negative on allocation failure. */
int wn_dedup_stream_check(wn_dedup_stream *s, const wn_doc *doc,
                          wn_buf *reason);
void wn_dedup_stream_free(wn_dedup_stream *s);

/* Paragraph deduplication (dedup.paragraphs; BFF's rule, docs/dedup.md
 * "Paragraphs"): a paragraph is a '\n'-separated line; it is removed when
 * more than dedup.para_threshold of its word n-grams are in the filter,
 * else its n-grams are added.  Decisions depend on the order of the calls
 * (the first occurrence stays), so call wn_para_check on each document in
 * corpus order, from one thread.  wn_para_new refuses (WN_EINVAL, with
 * the size it needs) a Bloom filter larger than dedup.memory.
 * wn_para_check removes the duplicate paragraphs from doc's text (or, with
 * dedup.para_annotate, lists their byte spans in "paragraph_duplicates")
 * and returns 1 (keep), 0 (nothing left: reason
 * "paragraph_dedup:kept_bytes=0<1") or a negative code; its counters are
 * added to *st (paragraphs, paragraphs_removed, paragraph_bytes,
 * paragraph_emptied). */
typedef struct wn_para wn_para;
int wn_para_new(const wn_config *cfg, wn_para **out, wn_error *err);
int wn_para_check(wn_para *p, wn_doc *doc, wn_buf *reason,
                  wn_dedup_stats *st);
/* Bytes the filter holds (the Bloom filter, or the hash set now). */
size_t wn_para_memory(const wn_para *p);
void wn_para_free(wn_para *p);

/* ---------------------------------------------------------------- cleaning */

/* The line cleaners (docs/clean.md): stage "normalize" (NFC, whitespace,
 * controls), "site_lines" (lines a site prints on many pages; has a first
 * pass) and "clean" (named boilerplate rules, or a published preset).  They
 * are ordinary wn_stage handles; these two functions add what only line
 * cleaners have. */

/* Called once per line of a document, in order: line points into the
 * document's text (n bytes, no '\n', surrounding blanks trimmed; n == 0 for
 * a blank line); rule is NULL if the line is kept, else the name of the
 * rule that drops it (static while the stage lives). */
typedef void (*wn_line_verdict_fn)(void *ctx, const char *line, size_t n,
                                   const char *rule);

/* Decides every line of doc for a "clean" or "site_lines" handle without
 * changing doc, by the same code as wn_stage_process, and calls fn per
 * line.  For a "normalize" handle: fn per non-blank line of the raw text
 * (not trimmed), rule "debris_line" for the lines it removes as
 * mis-decoding debris.  Returns 1 (document kept), 0 (the whole document is dropped by a
 * document rule, e.g. a preset's; reason says which; fn is still called),
 * or a negative code (WN_EINVAL for other stages).  Does not count. */
int wn_clean_lines(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                   wn_line_verdict_fn fn, void *ctx);

/* As wn_clean_lines, also giving the line model's score of each line
 * (probability that it is article text; -1 where the model did not score
 * it: blank lines, lines a rule dropped, site_lines handles) and, when
 * features is non-zero, the model's nfeat features of a scored line (else
 * feat is NULL).  WN_EINVAL for a "normalize" handle. */
typedef void (*wn_line_score_fn)(void *ctx, const char *line, size_t n,
                                 const char *rule, double score,
                                 const float *feat, size_t nfeat);
int wn_clean_lines_scored(wn_stage *st, const wn_doc *doc, wn_buf *reason,
                          wn_line_score_fn fn, int features, void *ctx);

/* The i-th rule of a "clean", "site_lines" or "normalize" handle and how many lines
 * (documents, for document rules such as "c4:sentences") it dropped in
 * wn_stage_process calls so far.  Returns 1, or 0 past the end. */
int wn_clean_rule_at(wn_stage *st, size_t i, const char **name,
                     uint64_t *drops);


/* ---- engine: hooks and handles */

/* The first pass of every stage that has one, over inputs (directories
 * are expanded); a no-op when no stage has one.  Returns 0 or a negative
 * code. */
int wn_engine_observe(wn_engine *e, const char *const *inputs, size_t n,
                      wn_error *err);
/* The main pass over one input (not a directory).  Returns 1 when it was
 * read to its end, 0 when it ended early (unreadable, or an I/O error:
 * reported and counted; a resumable caller leaves it unfinished), or a
 * negative code when the engine cannot go on (an output failed, out of
 * memory). */
int wn_engine_process(wn_engine *e, const char *input, wn_error *err);

/* A last decision per document that passed the first `upto` stages, made
 * in input order on the calling thread: fn returns 1 (keep), 0 (reject;
 * reason "stage:..." filled) or a negative code.  The stages from `upto` on
 * are not run by the engine: fn may run them itself with wn_engine_stage
 * (explain does, to see each line's verdict).  A rejection is booked under
 * the stage its reason names, else under `name` (a stage of its own in the
 * books, e.g. "dedup"). */
/* winnow select (src/pipeline/select.c): decisions on a corpus written by
 * an annotated run (run.mode = annotate), from the verdicts and signals in
 * its metadata, nothing computed again.  cfg: options of stages that can
 * decide from their signals (gopher_quality, gopher_repetition,
 * c4_filter, fineweb, langid, classifier, url_filter; others
 * are WN_EINVAL); where: an expression such as 'classifier.hq >= 0.9 &&
 * language == "en"' (NULL: none).  wn_select_decide is a decide function
 * for wn_engine_set_decide: 1 keep, 0 reject with the reason a plain run
 * gives, or a negative code; it removes "verdicts" and "signals". */
typedef struct wn_select wn_select;
int wn_select_new(const wn_config *cfg, const char *where, wn_select **out,
                  wn_error *err);
int wn_select_decide(void *sel, wn_doc *doc, wn_buf *reason);
/* Why wn_select_decide failed with WN_EINVAL (a stage's signals measured
 * under other options), or NULL. */
const char *wn_select_why(const wn_select *sel);
void wn_select_free(wn_select *sel);

int wn_engine_set_decide(wn_engine *e, const char *name, size_t upto,
                         int (*fn)(void *ctx, wn_doc *doc, wn_buf *reason),
                         void *ctx);
/* The stages, in order, and the engine's handle of each (prepared after
 * the first pass; for use on the calling thread only). */
size_t wn_engine_nstages(const wn_engine *e);
wn_stage *wn_engine_stage(wn_engine *e, size_t i);

/* ---- the parts of a distributed run */

/* Distributed runs (MPI, a batch scheduler): the same job split over
 * processes that share OUTDIR.  Each process creates its own wn_run with
 * the same options and calls wn_run_exec_part with its part (0..nparts-1):
 * the per-file work of files i with i % nparts == part.  When every part
 * is done, the dedup units of each stage in turn (WN_DEDUP_SIG ..
 * WN_DEDUP_FILTER; every unit of a stage before any of the next) may be
 * spread the same way with wn_run_dedup_unit on those handles.  Finally
 * one process runs wn_run_exec on a fresh wn_run: it finds the work done
 * and only writes the final shards, stats and report. */
int wn_run_exec_part(wn_run *r, const char *const *inputs, size_t n,
                     const char *outdir, unsigned part, unsigned nparts,
                     wn_error *err);
/* Optional, before wn_run_exec_part on the same handle and arguments: the
 * first passes (site_lines' line counts) split over the parts instead of
 * made by each over the whole corpus.  Each call either observes this
 * part's share of the inputs (files i with i % nparts == part) for the
 * next stage with a first pass, saves it under OUTDIR/work/observe (with
 * the bytes it read in STAGE.PART-of-NPARTS.json) and returns 1 - then
 * every part must have returned 1 before any calls again (a barrier) -
 * or returns 0 when every first pass is done: the saves of all parts are
 * merged in part order, so each part holds the same state, which is the
 * state of one process that observed everything as long as the stage's
 * table did not fill (docs/clean.md, site_lines.table_mb).  Shares saved
 * by an earlier run are not observed again.  Negative on error. */
int wn_run_observe_part(wn_run *r, const char *const *inputs, size_t n,
                        const char *outdir, unsigned part, unsigned nparts,
                        wn_error *err);
/* Number of units of a dedup stage (0 when dedup is off). */
unsigned wn_run_dedup_units(wn_run *r, int stage);
int wn_run_dedup_unit(wn_run *r, int stage, unsigned unit, wn_error *err);

#ifdef __cplusplus
}
#endif
#endif /* WINNOW_EXPERIMENTAL */
