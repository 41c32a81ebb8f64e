/*
 * input.c - the one reader loop (see input.h), and the spool that lets a
 * stream be read by two passes.
 *
 * The loop's policy in one place: bad input is reported and skipped (the
 * reader counted it); an I/O error is reported, counted by the reader and
 * ends the input early, so the caller leaves it unfinished and a resumed
 * run reads it again; running out of memory ends the caller's work.
 */
#include "input.h"
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

static void warn(const wn_reader_opts *ro, const wn_error *e)
{
    if (ro->warn)
        ro->warn(ro->warn_ctx, e);
}

int input_each(const char *path, const char *name, const wn_reader_opts *ro,
               const doc_sink *sink, wn_stats *st, wn_error *err)
{
    wn_error local;
    if (!err)
        err = &local;
    if (!name)
        name = path;
    wn_reader *rd;
    int rc = reader_open_named(path, name, ro, &rd, err);
    if (rc) {
        if (rc == WN_ENOMEM)
            return rc;
        /* one bad-input event: a file that cannot be opened or read is an
         * I/O error (left unfinished, so a resumed run tries it again),
         * one that is not a corpus (ARC, binary) a bad file */
        st->files++;
        if (rc == WN_EIO)
            st->io_errors++;
        else
            st->bad_files++;
        warn(ro, err);
        return 0;
    }
    if (sink->ahead)
        (void)reader_read_ahead(rd); /* WN_ENOMEM: read on this thread */
    int complete = 1;
    rc = 0;
    for (;;) {
        wn_doc *d = sink->slot(sink->ctx);
        int k = wn_reader_next(rd, d, err);
        if (k == WN_DOC) {
            if ((rc = sink->take(sink->ctx, d, err)) < 0)
                break;
            if (sink->progress)
                sink->progress(sink->ctx, wn_reader_stats(rd)->bytes_in);
            continue;
        }
        if (k == WN_EOF)
            break;
        if (WN_IS_BAD_INPUT(k)) {
            warn(ro, err);
            continue;
        }
        if (k == WN_EIO) {
            /* the reader counted it (io_errors); the rest of this input
             * is not read, and the caller must not call it finished */
            warn(ro, err);
            complete = 0;
            break;
        }
        rc = k; /* out of memory: the caller cannot go on */
        break;
    }
    wn_stats_add(st, wn_reader_stats(rd));
    wn_reader_close(rd);
    return rc < 0 ? rc : complete;
}

int input_rereadable(const char *path)
{
    struct stat sb;
    if (!strcmp(path, "-"))
        return 0;
    if (stat(path, &sb))
        return 1; /* missing: both passes report it */
    return S_ISREG(sb.st_mode);
}

#define SPOOL_CHUNK (1u << 20)

int input_spool(const char *path, const char *dir, char **spool,
                wn_error *err)
{
    *spool = NULL;
    int in = STDIN_FILENO;
    if (strcmp(path, "-") && (in = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    size_t dl = strlen(dir);
    char *name = malloc(dl + 32);
    unsigned char *buf = malloc(SPOOL_CHUNK);
    unsigned char *zbuf = malloc(ZSTD_CStreamOutSize());
    ZSTD_CCtx *z = NULL;
    int out = -1, rc = 0, complete = 1, zstd = -1;
    uint64_t off = 0;
    if (!name || !buf || !zbuf) {
        rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
        goto done;
    }
    snprintf(name, dl + 32, "%s/.spool.XXXXXX", dir);
    if ((out = mkstemp(name)) < 0) {
        rc = wn_err(err, WN_EIO, name, 0, "cannot create a spool file: %s",
                    strerror(errno));
        goto done;
    }
    for (;;) {
        ssize_t n = read(in, buf, SPOOL_CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            wn_err(err, WN_EIO, path, off, "read: %s", strerror(errno));
            complete = 0;
            n = 0;
        }
        if (zstd < 0 && n > 0) {
            /* compressed input stays as it is: the copy decodes to the
             * same bytes, so offsets in messages are the stream's own */
            int gz = n >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
            int zs = n >= 4 && buf[0] == 0x28 && buf[1] == 0xb5 &&
                     buf[2] == 0x2f && buf[3] == 0xfd;
            zstd = !gz && !zs;
            if (zstd && !(z = ZSTD_createCCtx())) {
                rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
                goto done;
            }
            if (z)
                ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, 1);
        }
        off += (uint64_t)n;
        if (zstd == 1) {
            ZSTD_inBuffer ib = {buf, (size_t)n, 0};
            ZSTD_EndDirective mode = n ? ZSTD_e_continue : ZSTD_e_end;
            size_t left;
            do {
                ZSTD_outBuffer ob = {zbuf, ZSTD_CStreamOutSize(), 0};
                left = ZSTD_compressStream2(z, &ob, &ib, mode);
                if (ZSTD_isError(left)) {
                    rc = wn_err(err, WN_EIO, name, 0, "zstd: %s",
                                ZSTD_getErrorName(left));
                    goto done;
                }
                if (write_full(out, zbuf, ob.pos)) {
                    rc = wn_err(err, WN_EIO, name, 0, "write: %s",
                                strerror(errno));
                    goto done;
                }
            } while (ib.pos < ib.size || (mode == ZSTD_e_end && left));
        } else if (n && write_full(out, buf, (size_t)n)) {
            rc = wn_err(err, WN_EIO, name, 0, "write: %s", strerror(errno));
            goto done;
        }
        if (!n)
            break;
    }
done:
    if (out >= 0 && close(out) && !rc)
        rc = wn_err(err, WN_EIO, name, 0, "close: %s", strerror(errno));
    if (rc && out >= 0)
        unlink(name);
    if (!rc) {
        *spool = name;
        name = NULL;
    }
    if (in != STDIN_FILENO)
        close(in);
    ZSTD_freeCCtx(z);
    free(name);
    free(buf);
    free(zbuf);
    return rc ? rc : complete;
}
