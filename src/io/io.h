/*
 * io.h - internal interfaces of the io/ stage: decompressing input streams,
 * a buffered record/line reader on top of them, and the format readers.
 */
#ifndef WN_IO_H
#define WN_IO_H

#include "../core/core.h"

/* ---- istream.c: bytes from a file, decompressed ---- */

enum { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

typedef struct istream istream;

/* Opens path ("-" = stdin) and detects the codec from its magic bytes. */
int istream_open(const char *path, istream **out, wn_error *err);
/* Reads up to n decoded bytes into dst.  Returns the count (> 0), 0 at the
 * end, or a bad-input code with err filled (offset = compressed offset);
 * after such an error the stream has skipped to the next gzip member or
 * zstd frame if there is one, so reading may go on. */
long istream_read(istream *s, void *dst, size_t n, wn_error *err);
/* The same over n bytes in memory (not copied: they must outlive the
 * stream); name is used in messages. */
int istream_open_mem(const void *data, size_t n, const char *name,
                     istream **out, wn_error *err);
int istream_codec(const istream *s);
uint64_t istream_bytes_in(const istream *s);
const char *istream_path(const istream *s);
/* What messages call the stream from now on (a spool reads as its
 * original). */
void istream_set_name(istream *s, const char *name);
/* From now on a thread of the stream's own decodes ahead of the caller
 * (a few MiB), so that decompression overlaps parsing; what istream_read
 * returns is the same.  Only for regular files and memory (a pipe's read
 * could keep istream_close waiting); else, and if the thread cannot be
 * started, reading stays on the caller's thread.  Call after
 * istream_set_name.  Returns 0, or WN_ENOMEM (reading goes on without). */
int istream_ahead(istream *s);
void istream_close(istream *s);

/* ---- bufin.c: buffered reading of lines and blocks ---- */

typedef struct bufin {
    istream *s;
    char *buf;
    size_t cap, pos, end;
    uint64_t base;   /* decoded offset of buf[0] */
    int eof;         /* the stream has ended */
    int err_code;    /* a stream error waiting to be reported */
    uint64_t err_at; /* decoded offset where that damage begins */
    wn_error err;
} bufin;

int bufin_init(bufin *b, istream *s);
void bufin_release(bufin *b);
/* istream_open and bufin_init; bufin_close closes both. */
int bufin_open(bufin *b, const char *path, wn_error *err);
void bufin_close(bufin *b);
/* Makes at least n bytes available from pos if the input has them;
 * returns how many are available (may be < n at the end, or after an
 * allocation failure, which is parked like a stream error). */
size_t bufin_fill(bufin *b, size_t n);
/* Returns the next line without its "\n" / "\r\n" in *line (valid until
 * the next call).  Returns 1, 0 at the end, or WN_ELIMIT when the line is
 * longer than max (the line is skipped).  *off is its decoded offset. */
int bufin_getline(bufin *b, const char **line, size_t *len, size_t max,
                  uint64_t *off);
/* Appends up to n bytes to dst (dst may be NULL to skip them); returns the
 * number of bytes moved.  Fewer than n: the input ended, or a stream error
 * or a failure to grow dst (WN_ENOMEM, WN_ELIMIT) was parked. */
size_t bufin_read(bufin *b, wn_buf *dst, size_t n);
static inline uint64_t bufin_tell(const bufin *b) { return b->base + b->pos; }
/* Takes a pending stream error: returns its code (0 if none) and copies it
 * into err. */
int bufin_take_error(bufin *b, wn_error *err);

/* ---- writer.c ---- */

/* WN_OUT_JSONL or WN_OUT_TEXT. */
int writer_format(const wn_writer *w);
/* Marks the output a work file (atomic_file.work). */
void writer_work(wn_writer *w);
/* A .zst output, from now on (before the first write): compressed in
 * independent frames, one per 4 MiB of lines, on the caller's thread
 * (threads 0) or on that many threads of the writer's own (at most 4),
 * beside the caller's work.  Frames are cut by the bytes alone, so the
 * file is the same for any threads (other bytes than one stream, the
 * same once decompressed).  No effect on other outputs. */
void writer_chunks(wn_writer *w, int threads);

/* ---- reader.c ---- */

/* wn_reader_open, but messages and sources name the input `name`. */
int reader_open_named(const char *path, const char *name,
                      const wn_reader_opts *opts, wn_reader **out,
                      wn_error *err);
/* istream_ahead on the reader's stream. */
int reader_read_ahead(wn_reader *rd);

/* ---- format readers: warc.c, jsonl.c, text.c ---- */

/* Per-reader context shared with the format parsers. */
typedef struct rctx {
    bufin in;
    const char *path;
    wn_reader_opts opts;
    wn_stats st;
    wn_buf scratch;
    wn_buf scratch2;
    uint64_t *bad_counter; /* which stat a WN_EFORMAT verdict counts in */
    int done;
    uint64_t rec_off; /* offset of the record being parsed (for warnings) */
    int text_done; /* text.c: the one document has been produced */
    void *priv;    /* a parser's own state, freed with priv_free */
    void (*priv_free)(void *);
} rctx;

int warc_next(rctx *r, wn_doc *doc, wn_error *err);
int jsonl_next(rctx *r, wn_doc *doc, wn_error *err);
int text_next(rctx *r, wn_doc *doc, wn_error *err);
int html_next(rctx *r, wn_doc *doc, wn_error *err);

/* Sets doc->text to a valid-UTF-8 copy of src, counting repairs in r->st;
 * reports invalid input through err (returns WN_EFORMAT after storing the
 * text) only when report is set. */
int reader_set_text(rctx *r, wn_doc *doc, const char *src, size_t n);
/* Sets field to a valid-UTF-8 copy of src (repairs are counted). */
int reader_set_field(rctx *r, wn_buf *field, const char *src, size_t n);
/* Reports a repaired problem through opts.warn (if set). */
void reader_warn(rctx *r, const char *fmt, ...) WN_PRINTF(2, 3);
/* Sets doc->source to "path:offset". */
int reader_set_source(rctx *r, wn_doc *doc, uint64_t off);

#endif
