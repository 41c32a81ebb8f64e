/*
 * writer.c - JSONL and plain-text output, compressed by the output name,
 * published atomically.
 *
 * Data goes to a temporary beside the path (atomic_open) and is renamed
 * to the path only after the last byte (and the compressor's trailer)
 * reached the disk, so a reader never sees a partial file under a final
 * name and a killed run leaves only a temporary file behind.  stdout and
 * paths that are not regular files (/dev/stdout, a FIFO) are written
 * through instead.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_CAP (1u << 20)

/* writer_chunks: the uncompressed bytes cut at the first write past each
 * CHUNK_CAP (where depends on the bytes alone), each piece a zstd frame of
 * its own: frames are independent, so which thread compresses one changes
 * no byte.  At most CHUNK_THREADS threads, and a ring of two pieces more
 * than threads in flight bounds the memory. */
#define CHUNK_CAP (4u << 20)
#define CHUNK_THREADS 4

enum { PIECE_FREE, PIECE_QUEUED, PIECE_RUNNING, PIECE_DONE };

typedef struct piece {
    wn_buf in, out;
    int state;
    size_t zerr; /* a zstd error code, or 0 */
} piece;

typedef struct chunker {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    pthread_t th[CHUNK_THREADS];
    int nth, stop, level;
    piece ring[CHUNK_THREADS + 2];
    size_t nring;
    uint64_t queued, written; /* pieces handed in, and written out */
} chunker;

struct wn_writer {
    int fd;
    int codec;
    int format;
    int ndocs;
    int direct; /* fd opened on a non-regular file: close, no rename */
    int started; /* data was written: the level is fixed */
    int failed; /* a write failed: bytes are missing, never publish */
    char *path;     /* as given; NULL for stdout */
    atomic_file af; /* the temporary of a regular file */
    wn_buf line;
    unsigned char *cbuf; /* compressor output */
    z_stream z;
    ZSTD_CStream *zs;
    wn_buf pending; /* uncompressed bytes not yet handed to the codec */
    int chunked;    /* writer_chunks: frames of CHUNK_CAP */
    int level;      /* zstd's, for the frames of chunked mode */
    uint64_t nchunks; /* frames compressed or queued */
    wn_buf zout;    /* a frame compressed on the caller's thread */
    chunker *ck;    /* its threads, when it has any */
};

int writer_format(const wn_writer *w) { return w->format; }

void writer_work(wn_writer *w) { w->af.work = 1; }

/* One piece into a frame of its own, with the writer's parameters. */
static size_t compress_piece(ZSTD_CCtx *z, piece *pc)
{
    size_t cap = ZSTD_compressBound(pc->in.len);
    if (wn_buf_reserve(&pc->out, cap))
        return (size_t)-1;
    size_t n = ZSTD_compress2(z, pc->out.data, cap, pc->in.data, pc->in.len);
    pc->out.len = ZSTD_isError(n) ? 0 : n;
    return ZSTD_isError(n) ? n : 0;
}

static ZSTD_CCtx *piece_cctx(int level)
{
    ZSTD_CCtx *z = ZSTD_createCCtx();
    if (z) {
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level);
        ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
    }
    return z;
}

/* A chunker thread: the oldest queued piece, compressed, until stopped. */
static void *chunk_worker(void *arg)
{
    chunker *k = arg;
    ZSTD_CCtx *z = piece_cctx(k->level);
    pthread_mutex_lock(&k->mu);
    for (;;) {
        piece *pc = NULL;
        for (uint64_t q = k->written; q < k->queued && !pc; q++)
            if (k->ring[q % k->nring].state == PIECE_QUEUED)
                pc = &k->ring[q % k->nring];
        if (!pc) {
            if (k->stop)
                break;
            pthread_cond_wait(&k->work, &k->mu);
            continue;
        }
        pc->state = PIECE_RUNNING;
        pthread_mutex_unlock(&k->mu);
        size_t e = z ? compress_piece(z, pc) : (size_t)-1;
        pthread_mutex_lock(&k->mu);
        pc->zerr = e;
        pc->state = PIECE_DONE;
        pthread_cond_broadcast(&k->done);
    }
    pthread_mutex_unlock(&k->mu);
    ZSTD_freeCCtx(z);
    return NULL;
}

static void chunker_free(chunker *k)
{
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_broadcast(&k->work);
    pthread_mutex_unlock(&k->mu);
    for (int i = 0; i < k->nth; i++)
        pthread_join(k->th[i], NULL);
    for (size_t i = 0; i < k->nring; i++) {
        wn_buf_release(&k->ring[i].in);
        wn_buf_release(&k->ring[i].out);
    }
    pthread_mutex_destroy(&k->mu);
    pthread_cond_destroy(&k->work);
    pthread_cond_destroy(&k->done);
    free(k);
}

void writer_chunks(wn_writer *w, int threads)
{
    if (w->codec != CODEC_ZSTD || w->started)
        return;
    w->chunked = 1;
    if (threads < 1)
        return;
    chunker *k = calloc(1, sizeof *k);
    if (!k)
        return; /* compressed on the caller's thread: the same bytes */
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->work, NULL);
    pthread_cond_init(&k->done, NULL);
    k->level = w->level;
    k->nth = threads < CHUNK_THREADS ? threads : CHUNK_THREADS;
    k->nring = (size_t)k->nth + 2;
    int started = 0;
    while (started < k->nth &&
           !pthread_create(&k->th[started], NULL, chunk_worker, k))
        started++;
    k->nth = started;
    if (!started) {
        chunker_free(k);
        return;
    }
    w->ck = k;
}

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

static const char *name_of(const wn_writer *w)
{
    return w->path ? w->path : "-";
}

static int write_all(wn_writer *w, const void *p, size_t n, wn_error *err)
{
    if (write_full(w->fd, p, n))
        return wn_err(err, WN_EIO, name_of(w), 0, "write: %s",
                      strerror(errno));
    return 0;
}

static int write_piece(wn_writer *w, piece *pc, wn_error *err)
{
    if (pc->zerr)
        return wn_err(err, WN_EIO, name_of(w), 0, "zstd: %s",
                      pc->zerr == (size_t)-1 ? "out of memory"
                                             : ZSTD_getErrorName(pc->zerr));
    return write_all(w, pc->out.data, pc->out.len, err);
}

/* Writes the finished pieces at the head of the ring, in order; with all,
 * waits for every one in flight. */
static int chunk_flush(wn_writer *w, int all, wn_error *err)
{
    chunker *k = w->ck;
    int rc = 0;
    pthread_mutex_lock(&k->mu);
    while (!rc && k->written < k->queued) {
        piece *pc = &k->ring[k->written % k->nring];
        if (pc->state != PIECE_DONE) {
            if (!all)
                break;
            pthread_cond_wait(&k->done, &k->mu);
            continue;
        }
        pthread_mutex_unlock(&k->mu);
        rc = write_piece(w, pc, err);
        pthread_mutex_lock(&k->mu);
        pc->state = PIECE_FREE;
        k->written++;
    }
    pthread_mutex_unlock(&k->mu);
    return rc;
}

/* The pending bytes as one frame: compressed here, or queued for the
 * chunker's threads (waiting, while the ring is full, for the oldest). */
static int drain_chunk(wn_writer *w, wn_error *err)
{
    chunker *k = w->ck;
    int rc;
    w->nchunks++;
    if (!k) {
        piece pc = {w->pending, w->zout, PIECE_FREE, 0};
        pc.zerr = compress_piece(w->zs, &pc);
        w->zout = pc.out; /* kept for the next frame */
        rc = write_piece(w, &pc, err);
        wn_buf_reset(&w->pending);
        return rc;
    }
    for (;;) {
        if ((rc = chunk_flush(w, 0, err)))
            return rc;
        pthread_mutex_lock(&k->mu);
        piece *pc = &k->ring[k->queued % k->nring];
        if (pc->state == PIECE_FREE)
            break;
        pthread_cond_wait(&k->done, &k->mu);
        pthread_mutex_unlock(&k->mu);
    }
    piece *pc = &k->ring[k->queued % k->nring];
    wn_buf t = pc->in; /* the piece's old buffer becomes the pending one */
    pc->in = w->pending;
    w->pending = t;
    wn_buf_reset(&w->pending);
    pc->state = PIECE_QUEUED;
    k->queued++;
    pthread_cond_signal(&k->work);
    pthread_mutex_unlock(&k->mu);
    return 0;
}

/* Compresses (or copies) pending bytes to the file.  fin finishes the
 * compressed stream. */
static int drain(wn_writer *w, int fin, wn_error *err)
{
    int rc;
    if (w->chunked) {
        /* an empty output is still one (empty) frame */
        if ((w->pending.len || (fin && !w->nchunks)) &&
            (rc = drain_chunk(w, err)))
            return rc;
        return fin && w->ck ? chunk_flush(w, 1, err) : 0;
    }
    if (w->codec == CODEC_NONE) {
        rc = write_all(w, w->pending.data, w->pending.len, err);
        wn_buf_reset(&w->pending);
        return rc;
    }
    if (w->codec == CODEC_GZIP) {
        w->z.next_in = (unsigned char *)w->pending.data;
        w->z.avail_in = (uInt)w->pending.len;
        int zr;
        do {
            w->z.next_out = w->cbuf;
            w->z.avail_out = OUT_CAP;
            zr = deflate(&w->z, fin ? Z_FINISH : Z_NO_FLUSH);
            if (zr == Z_STREAM_ERROR)
                return wn_err(err, WN_EIO, name_of(w), 0, "deflate failed");
            if ((rc = write_all(w, w->cbuf, OUT_CAP - w->z.avail_out, err)))
                return rc;
        } while (w->z.avail_out == 0 || (fin && zr != Z_STREAM_END));
    } else {
        ZSTD_inBuffer ib = {w->pending.data, w->pending.len, 0};
        size_t left;
        do {
            ZSTD_outBuffer ob = {w->cbuf, OUT_CAP, 0};
            left = ZSTD_compressStream2(w->zs, &ob, &ib,
                                        fin ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(left))
                return wn_err(err, WN_EIO, name_of(w), 0, "zstd: %s",
                              ZSTD_getErrorName(left));
            if ((rc = write_all(w, w->cbuf, ob.pos, err)))
                return rc;
        } while (ib.pos < ib.size || (fin && left));
    }
    wn_buf_reset(&w->pending);
    return 0;
}

int wn_writer_open(const char *path, int out_format, wn_writer **out,
                   wn_error *err)
{
    *out = NULL;
    wn_writer *w = calloc(1, sizeof *w);
    if (!w)
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    w->format = out_format;
    w->fd = STDOUT_FILENO;
    int rc = 0;
    struct stat sb;
    if (path && strcmp(path, "-") && !(w->path = strdup(path))) {
        rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
        goto fail;
    }
    if (w->path && lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        /* a link, device or FIFO (/dev/stdout, /dev/null): write through
         * it; renaming over it would replace the link itself */
        w->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (w->fd < 0) {
            rc = wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                        strerror(errno));
            goto fail;
        }
        w->direct = 1;
    } else if (w->path) {
        w->fd = -1;
        if ((rc = atomic_open(&w->af, path, err)))
            goto fail;
        w->fd = w->af.fd;
    }
    if (w->path) {
        if (ends_with(path, ".gz"))
            w->codec = CODEC_GZIP;
        else if (ends_with(path, ".zst"))
            w->codec = CODEC_ZSTD;
    }
    if (w->codec != CODEC_NONE && !(w->cbuf = malloc(OUT_CAP))) {
        rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
        goto fail;
    }
    if (w->codec == CODEC_GZIP &&
        deflateInit2(&w->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
            Z_OK) {
        w->codec = CODEC_NONE;
        rc = wn_err(err, WN_ENOMEM, path, 0, "zlib init failed");
        goto fail;
    }
    if (w->codec == CODEC_ZSTD) {
        if (!(w->zs = ZSTD_createCStream())) {
            rc = wn_err(err, WN_ENOMEM, path, 0, "zstd init failed");
            goto fail;
        }
        ZSTD_CCtx_setParameter(w->zs, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(w->zs, ZSTD_c_checksumFlag, 1);
        w->level = 3;
    }
    *out = w;
    return 0;
fail:
    wn_writer_abort(w);
    return rc;
}

static int push(wn_writer *w, const char *p, size_t n, wn_error *err)
{
    w->started = 1;
    int rc = wn_buf_append(&w->pending, p, n);
    if (rc)
        rc = wn_err(err, rc, name_of(w), 0, "out of memory");
    else if (w->pending.len >= (w->chunked ? CHUNK_CAP : OUT_CAP))
        rc = drain(w, 0, err);
    if (rc)
        w->failed = rc;
    return rc;
}

int wn_writer_set_level(wn_writer *w, int level)
{
    if (w->started)
        return WN_EINVAL;
    if (w->codec == CODEC_ZSTD) {
        size_t r = ZSTD_CCtx_setParameter(w->zs, ZSTD_c_compressionLevel, level);
        if (ZSTD_isError(r) || w->ck) /* the chunker's threads have theirs */
            return WN_EINVAL;
        w->level = level;
        return 0;
    }
    if (w->codec == CODEC_GZIP)
        return deflateParams(&w->z, level < 1 ? 1 : level > 9 ? 9 : level,
                             Z_DEFAULT_STRATEGY) == Z_OK ? 0 : WN_EINVAL;
    return 0;
}

int wn_writer_write_line(wn_writer *w, const char *line, size_t n,
                         wn_error *err)
{
    int rc = push(w, line, n, err);
    if (!rc)
        rc = push(w, "\n", 1, err);
    w->ndocs++;
    return rc;
}

int wn_writer_write(wn_writer *w, const wn_doc *doc, wn_error *err)
{
    int rc;
    if (w->format == WN_OUT_TEXT) {
        if (w->ndocs && (rc = push(w, "\n", 1, err)))
            return rc;
        if ((rc = push(w, doc->text.data ? doc->text.data : "", doc->text.len,
                       err)))
            return rc;
        if ((!doc->text.len || doc->text.data[doc->text.len - 1] != '\n') &&
            (rc = push(w, "\n", 1, err)))
            return rc;
        w->ndocs++;
        return 0;
    }
    wn_buf_reset(&w->line);
    if ((rc = wn_doc_to_json(doc, &w->line)))
        return wn_err(err, rc, name_of(w), 0, "out of memory");
    return wn_writer_write_line(w, w->line.data, w->line.len, err);
}

static void writer_free(wn_writer *w)
{
    chunker_free(w->ck);
    if (w->codec == CODEC_GZIP && w->cbuf)
        deflateEnd(&w->z);
    if (w->zs)
        ZSTD_freeCStream(w->zs);
    free(w->cbuf);
    wn_buf_release(&w->line);
    wn_buf_release(&w->pending);
    wn_buf_release(&w->zout);
    free(w->path);
    free(w);
}

int wn_writer_close(wn_writer *w, wn_error *err)
{
    if (!w)
        return 0;
    int rc = w->failed ? wn_err(err, w->failed, name_of(w), 0,
                                "an earlier write failed: not published")
                       : drain(w, 1, err);
    if (w->af.tmp) {
        /* a failed flush must not publish what did get written */
        if (rc)
            atomic_abort(&w->af);
        else
            rc = atomic_commit(&w->af, err);
    } else if (w->direct && close(w->fd) && !rc) {
        rc = wn_err(err, WN_EIO, name_of(w), 0, "close: %s",
                    strerror(errno));
    }
    writer_free(w);
    return rc;
}

void wn_writer_abort(wn_writer *w)
{
    if (!w)
        return;
    if (w->af.tmp)
        atomic_abort(&w->af);
    else if (w->direct && w->fd >= 0)
        close(w->fd);
    writer_free(w);
}
