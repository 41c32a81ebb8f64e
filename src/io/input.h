/*
 * input.h - the one reader loop of the library (input.c), used by the
 * engine, the dedup units and the run's assembly: every place that turns
 * an input file into documents goes through input_each, so every verdict
 * of a reader is counted in one place and handled the same way.
 */
#ifndef WN_INPUT_H
#define WN_INPUT_H

#include "../core/core.h"

/* Where documents go.  slot() names the document to read the next one into
 * (so a batch can be filled in place, without copies); take() is called
 * once that document is complete and returns 0, or a negative code that
 * stops the loop (a failure of the caller, not of the input). */
typedef struct doc_sink {
    wn_doc *(*slot)(void *ctx);
    int (*take)(void *ctx, wn_doc *doc, wn_error *err);
    /* optional: compressed bytes read from the input so far */
    void (*progress)(void *ctx, uint64_t bytes_in);
    void *ctx;
    /* decompress on a thread of its own, ahead of the parsing (for callers
     * whose documents go to other threads: the reading thread is then the
     * one that limits them) */
    int ahead;
} doc_sink;

/* Reads every document of one input into sink.  name (NULL: path) is what
 * messages and "source" fields call the input: a spooled stream is read
 * from its spool under its own name.  Every verdict is counted once in *st:
 * documents, bad input and I/O errors by the reader, an input that cannot
 * be opened or recognised here (bad_files).  Every problem, repaired or
 * not, goes to ro->warn once.
 * Returns 1 when the input was read to its end, 0 when it ended early (it
 * could not be opened, or a read error stopped it: counted and reported;
 * the caller must not mark it finished), or a negative code when the
 * caller cannot go on (out of memory, take() failed), with err filled. */
int input_each(const char *path, const char *name, const wn_reader_opts *ro,
               const doc_sink *sink, wn_stats *st, wn_error *err);

/* wn_inputs_expand that reports what it skips inside directories (link
 * loops, a directory reached twice, dangling links, FIFOs, sockets)
 * through warn and counts it in *skipped. */
int inputs_expand(const char *const *args, size_t nargs, char ***list,
                  size_t *n, void (*warn)(void *, const wn_error *),
                  void *ctx, uint64_t *skipped, wn_error *err);

/* Can path be read twice?  Regular files can; "-", pipes (process
 * substitution), FIFOs, terminals and sockets cannot. */
int input_rereadable(const char *path);

/* What identifies the contents of an input file without reading it all:
 * its size, modification time and (when asked for) a hash of its first
 * 64 KiB.  A file replaced or rewritten between two reading passes differs
 * in one of them. */
typedef struct input_fp {
    long long size;
    long long mtime_ns;
    uint64_t head; /* XXH3 of the first 64 KiB; 0 unless asked for */
} input_fp;

/* Fills *fp for a regular file (head: also read and hash its first
 * 64 KiB): 1; 0 for anything else (a stream cannot be read twice, so it
 * has no fingerprint); -1 when path cannot be opened, -2 on a read error
 * (errno says which). */
int input_fingerprint(const char *path, input_fp *fp, int head);
/* Appends "SIZE MTIME_NS" (or "-" when got is not 1). */
int input_fp_format(const input_fp *fp, int got, wn_buf *out);

/* Fingerprints by input name (zeroed: empty). */
typedef struct input_seen_entry {
    char *name;
    input_fp fp;
} input_seen_entry;
typedef struct input_seen {
    input_seen_entry *v;
    size_t n, cap, at;
} input_seen;
/* Notes name's fingerprint, unless it has one: 0 or WN_ENOMEM. */
int input_seen_note(input_seen *t, const char *name, const input_fp *fp);
/* 1 (and *w says how) when name has a fingerprint and the file now has
 * another; 0 when it has none or is unchanged; -1 (and *w says why) when
 * it cannot be opened or read now. */
int input_seen_changed(input_seen *t, const char *name, wn_error *w);
void input_seen_release(input_seen *t);

/* Copies the stream path into a new file in dir, once: compressed input
 * (gzip, zstd) as it is, anything else through zstd level 1, so the copy
 * decodes to the same bytes and offsets.  *spool receives the malloc'd
 * path of the copy (removed by the caller).  Returns 1 when the whole
 * stream was copied, 0 when a read error cut it short (err says where;
 * what was read is in the copy), or a negative code (nothing usable). */
int input_spool(const char *path, const char *dir, char **spool,
                wn_error *err);

#endif
