/*
 * substr.h - internals of exact-substring removal (not installed).
 *
 * The corpus is cut into chunks (consecutive documents of one input,
 * at most chunk_bytes of text each); a position's L-gram is the L bytes
 * that start there when they lie inside one document.  A position is
 * flagged when its L-gram occurs at another position of the corpus
 * (strike=all) or at an earlier one (strike=later); the struck bytes are
 * the union of [i, i+L) over flagged i, widened to whole UTF-8
 * characters.  (A repeat of M >= L bytes flags its M-L+1 starting
 * positions, whose L-grams cover exactly its M bytes, so L-grams are all
 * that is ever compared.)
 *
 * Units and their files in the work directory:
 *   index (per shard): for each chunk J of shard S its text (documents
 *     joined by 0xFF, a byte UTF-8 never holds) txt-SSSSS-JJJJ.bin, the
 *     positions repeated inside it wfl-SSSSS-JJJJ.bin (bitmap, from the
 *     chunk's suffix array), and for every distinct L-gram of the chunk
 *     {hash, key} in rec-SSSSS-PPP.bin, partition P by hash; the chunk
 *     table chk-SSSSS.bin.  key = S << 44 | J << 32 | first position.
 *   match (per partition): all shards' records sorted by (hash, key) on
 *     disk; records of one hash from two chunks are compared byte for
 *     byte (pread from the chunk texts); those whose L-gram occurs in
 *     another (an earlier) chunk go to flg-PPP-SSSSS.bin.
 *   strike (per shard): each chunk's positions whose L-gram is flagged
 *     (rolling hash, then memcmp) plus its own repeats; the shard read
 *     again and written with the spans cut (or listed); rej-SSSSS.jsonl.zst.
 *   *.done markers hold each unit's counters (resume, as dedup does).
 */
#ifndef WN_SUBSTR_H
#define WN_SUBSTR_H

#include "../core/core.h"

#include <stdio.h>

#define SS_SEP 0xFF
#define SS_KEY(s, j, pos) (((uint64_t)(s) << 44) | ((uint64_t)(j) << 32) | \
                           (uint64_t)(pos))
#define SS_CHUNK(key) ((key) >> 32) /* shard and chunk, input order */
#define SS_POS(key) ((uint32_t)(key))
#define SS_MAXCHUNKS 4096u
#define SS_MAXSHARDS (1u << 20)

enum { SS_STRIKE_ALL = 0, SS_STRIKE_LATER = 1 };

typedef struct ss_opts {
    unsigned min_length, partitions, threads, min_doc_bytes;
    int strike, annotate;
    size_t memory;
} ss_opts;

int ss_opts_parse(const wn_config *cfg, ss_opts *o, wn_error *err);
/* The options that shape the output, one line (0 or WN_ENOMEM). */
int ss_opts_describe(const ss_opts *o, wn_buf *out);

typedef struct ss_ctx {
    const ss_opts *o;
    const char *const *inputs;
    size_t n;
    const char *workdir;
    const char *const *outputs;
    size_t mem;         /* memory budget of one unit */
    size_t chunk_bytes; /* text per chunk (the same for every unit) */
} ss_ctx;

/* One chunk in chk-SSSSS.bin (after a uint64_t count). */
typedef struct ss_chunk {
    uint64_t first_doc, ndocs;
    uint64_t bytes; /* text with separators */
} ss_chunk;

/* Calls fn with the polynomial hash (mod 2^64) of every L-gram of t (the
 * L bytes at pos, inside one document), in position order. */
void ss_roll(const unsigned char *t, size_t n, unsigned L,
             void (*fn)(void *ctx, size_t pos, uint64_t h), void *ctx);
#define SS_HASH_MUL 0x9E3779B97F4A7C15ULL
/* Partition of a hash. */
unsigned ss_partition(uint64_t h, unsigned parts);
/* bitmap helpers */
#define SS_BIT(m, i) (((m)[(i) >> 3] >> ((i) & 7)) & 1)
#define SS_SET(m, i) ((m)[(i) >> 3] |= (unsigned char)(1u << ((i) & 7)))

/* Reads a whole work file. */
int ss_read_file(const char *path, unsigned char **data, size_t *n,
                 wn_error *err);
/* Reads chk-SSSSS.bin. */
int ss_read_chunks(const ss_ctx *c, unsigned shard, ss_chunk **ch,
                   size_t *nch, wn_error *err);

int ss_stage_index(const ss_ctx *c, unsigned shard, wn_substr_stats *st,
                   wn_error *err);
int ss_stage_match(const ss_ctx *c, unsigned part, wn_substr_stats *st,
                   wn_error *err);
int ss_stage_strike(const ss_ctx *c, unsigned shard, wn_substr_stats *st,
                    wn_error *err);

#endif
