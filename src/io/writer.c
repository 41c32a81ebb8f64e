/*
 * writer.c - JSONL and plain-text output, compressed by the output name,
 * published atomically.
 *
 * Data goes to "<path>.tmp.<pid>" in the same directory and is renamed to
 * <path> only after the last byte (and the compressor's trailer) reached
 * the disk, so a reader never sees a partial file under a final name and a
 * killed run leaves only a temporary file behind.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define OUT_CAP (1u << 20)

struct wn_writer {
    int fd;
    int codec;
    int format;
    int ndocs;
    int direct; /* fd opened on a non-regular file: close, no rename */
    int started; /* data was written: the level is fixed */
    char *path;
    char *tmp;
    wn_buf line;
    unsigned char *cbuf; /* compressor output */
    z_stream z;
    ZSTD_CStream *zs;
    wn_buf pending; /* uncompressed bytes not yet handed to the codec */
};

int writer_format(const wn_writer *w) { return w->format; }

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), k = strlen(suf);
    return n >= k && !strcmp(s + n - k, suf);
}

static int write_all(wn_writer *w, const void *p, size_t n, wn_error *err)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(w->fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return wn_err(err, WN_EIO, w->path ? w->path : "-", 0,
                          "write: %s", strerror(errno));
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Compresses (or copies) pending bytes to the file.  fin finishes the
 * compressed stream. */
static int drain(wn_writer *w, int fin, wn_error *err)
{
    int rc;
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
                return wn_err(err, WN_EIO, w->path, 0, "deflate failed");
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
                return wn_err(err, WN_EIO, w->path, 0, "zstd: %s",
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
    if (path && strcmp(path, "-") && lstat(path, &sb) == 0 &&
        !S_ISREG(sb.st_mode)) {
        /* a link, device or FIFO (/dev/stdout, /dev/null): write through
         * it; renaming over it would replace the link itself */
        w->fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (w->fd < 0) {
            rc = wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                        strerror(errno));
            goto fail;
        }
        w->direct = 1;
    } else if (path && strcmp(path, "-")) {
        w->path = strdup(path);
        size_t n = strlen(path) + 32;
        w->tmp = malloc(n);
        if (!w->path || !w->tmp) {
            rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
            goto fail;
        }
        snprintf(w->tmp, n, "%s.tmp.%ld", path, (long)getpid());
        w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (w->fd < 0) {
            rc = wn_err(err, WN_EIO, path, 0, "cannot create %s: %s", w->tmp,
                        strerror(errno));
            goto fail;
        }
    }
    if (path && strcmp(path, "-")) {
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
        return wn_err(err, rc, w->path, 0, "out of memory");
    if (w->pending.len >= OUT_CAP)
        return drain(w, 0, err);
    return 0;
}

int wn_writer_set_level(wn_writer *w, int level)
{
    if (w->started)
        return WN_EINVAL;
    if (w->codec == CODEC_ZSTD) {
        size_t r = ZSTD_CCtx_setParameter(w->zs, ZSTD_c_compressionLevel, level);
        return ZSTD_isError(r) ? WN_EINVAL : 0;
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
        return wn_err(err, rc, w->path, 0, "out of memory");
    return wn_writer_write_line(w, w->line.data, w->line.len, err);
}

static void writer_free(wn_writer *w)
{
    if (w->codec == CODEC_GZIP && w->cbuf)
        deflateEnd(&w->z);
    if (w->zs)
        ZSTD_freeCStream(w->zs);
    free(w->cbuf);
    wn_buf_release(&w->line);
    wn_buf_release(&w->pending);
    free(w->path);
    free(w->tmp);
    free(w);
}

int wn_writer_close(wn_writer *w, wn_error *err)
{
    if (!w)
        return 0;
    int rc = drain(w, 1, err);
    if (w->direct)
        close(w->fd);
    if (!rc && w->tmp) {
        if (fsync(w->fd) && errno != EINVAL)
            rc = wn_err(err, WN_EIO, w->path, 0, "fsync: %s", strerror(errno));
        if (close(w->fd) && !rc)
            rc = wn_err(err, WN_EIO, w->path, 0, "close: %s", strerror(errno));
        w->fd = -1;
        if (!rc && rename(w->tmp, w->path))
            rc = wn_err(err, WN_EIO, w->path, 0, "rename: %s",
                        strerror(errno));
        if (rc)
            unlink(w->tmp);
    }
    writer_free(w);
    return rc;
}

void wn_writer_abort(wn_writer *w)
{
    if (!w)
        return;
    if (w->tmp || w->direct) {
        if (w->fd >= 0)
            close(w->fd);
        if (w->tmp)
            unlink(w->tmp);
    }
    writer_free(w);
}
