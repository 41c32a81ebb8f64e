/*
 * bufin.c - buffered reading of lines and fixed-size blocks from an istream.
 *
 * Format parsers need both "the next line" (headers, JSONL) and "the next
 * N bytes" (WARC blocks).  The buffer is a window onto the decoded stream;
 * a line longer than the window grows it, up to the caller's limit, past
 * which the line is skipped without being held in memory.  Stream errors
 * are parked in the bufin and reported by the parser at a record boundary
 * (bufin_take_error), so parsing code has one error path.
 */
#include "io.h"

#include <stdlib.h>

#define BUF_MIN (1u << 20)

int bufin_init(bufin *b, istream *s)
{
    memset(b, 0, sizeof *b);
    b->s = s;
    b->cap = BUF_MIN;
    b->buf = malloc(b->cap);
    return b->buf ? 0 : WN_ENOMEM;
}

void bufin_release(bufin *b)
{
    free(b->buf);
    b->buf = NULL;
}

int bufin_open(bufin *b, const char *path, wn_error *err)
{
    istream *in;
    int rc = istream_open(path, &in, err);
    if (rc)
        return rc;
    if ((rc = bufin_init(b, in))) {
        istream_close(in);
        return wn_err(err, rc, path, 0, "out of memory");
    }
    return 0;
}

void bufin_close(bufin *b)
{
    istream_close(b->s);
    b->s = NULL;
    bufin_release(b);
}

/* Parks an allocation failure like a stream error that ends the input at
 * the current position: the parser sees its data end there, and the
 * reader reports the failure instead of what the parser made of it (a
 * short block is never a document). */
static void park_nomem(bufin *b, int code)
{
    if (b->err_code)
        return;
    b->err_code = wn_err(&b->err, code, istream_path(b->s), bufin_tell(b),
                         "%s", code == WN_ENOMEM ? "out of memory"
                                                 : "record too large");
    b->err_at = bufin_tell(b);
    if (!WN_IS_BAD_INPUT(code))
        b->eof = 1;
}

/* Reads more decoded bytes into the buffer, compacting it first.  Returns
 * 1 if bytes were added, 0 at the end (or after parking an error). */
static int more(bufin *b)
{
    /* a parked error stops reading until it is taken, so the parser sees
     * the damage as the end of its data, exactly where it happened */
    if (b->eof || b->err_code)
        return 0;
    if (b->pos > 0 && (b->end == b->cap || b->pos >= b->cap / 2)) {
        memmove(b->buf, b->buf + b->pos, b->end - b->pos);
        b->base += b->pos;
        b->end -= b->pos;
        b->pos = 0;
    }
    if (b->end == b->cap) {
        char *nb = realloc(b->buf, b->cap * 2);
        if (!nb) {
            park_nomem(b, WN_ENOMEM);
            return 0;
        }
        b->buf = nb;
        b->cap *= 2;
    }
    wn_error e;
    long n = istream_read(b->s, b->buf + b->end, b->cap - b->end, &e);
    if (n > 0) {
        b->end += (size_t)n;
        return 1;
    }
    if (n == 0) {
        b->eof = 1;
        return 0;
    }
    b->err_code = (int)n;
    b->err = e;
    b->err_at = b->base + b->end;
    if (!WN_IS_BAD_INPUT((int)n))
        b->eof = 1;
    return 0;
}

size_t bufin_fill(bufin *b, size_t n)
{
    while (b->end - b->pos < n) {
        /* grow so that n bytes fit */
        while (b->cap - (b->end - b->pos) < n && b->cap < n * 2) {
            if (b->pos) {
                memmove(b->buf, b->buf + b->pos, b->end - b->pos);
                b->base += b->pos;
                b->end -= b->pos;
                b->pos = 0;
            }
            char *nb = realloc(b->buf, b->cap * 2);
            if (!nb) {
                park_nomem(b, WN_ENOMEM);
                return b->end - b->pos;
            }
            b->buf = nb;
            b->cap *= 2;
        }
        size_t before = b->end - b->pos;
        if (!more(b) && b->end - b->pos == before)
            break;
    }
    return b->end - b->pos;
}

int bufin_getline(bufin *b, const char **line, size_t *len, size_t max,
                  uint64_t *off)
{
    size_t scanned = 0;
    int skipping = 0;
    uint64_t start = bufin_tell(b);
    if (off)
        *off = start;
    for (;;) {
        char *p = b->buf + b->pos + scanned;
        char *nl = memchr(p, '\n', b->end - b->pos - scanned);
        if (nl) {
            size_t n = (size_t)(nl - (b->buf + b->pos));
            if (skipping || n > max) {
                b->pos += n + 1;
                return WN_ELIMIT;
            }
            *line = b->buf + b->pos;
            b->pos += n + 1;
            if (n && (*line)[n - 1] == '\r')
                n--;
            *len = n;
            return 1;
        }
        scanned = b->end - b->pos;
        if (scanned > max) {
            /* drop what we have, keep looking for the end of the line */
            skipping = 1;
            b->base += b->end;
            b->pos = b->end = 0;
            scanned = 0;
        }
        size_t before = b->end - b->pos;
        if (!more(b) && b->end - b->pos == before) {
            if (skipping)
                return WN_ELIMIT;
            if (!scanned)
                return 0;
            *line = b->buf + b->pos;
            *len = scanned;
            b->pos = b->end;
            if (*len && (*line)[*len - 1] == '\r')
                (*len)--;
            return 1;
        }
    }
}

size_t bufin_read(bufin *b, wn_buf *dst, size_t n)
{
    size_t done = 0;
    while (done < n) {
        if (b->pos == b->end && !more(b) && b->pos == b->end)
            break;
        size_t k = b->end - b->pos;
        if (k > n - done)
            k = n - done;
        int rc = dst ? wn_buf_append(dst, b->buf + b->pos, k) : 0;
        if (rc) {
            park_nomem(b, rc);
            break;
        }
        b->pos += k;
        done += k;
    }
    return done;
}

int bufin_take_error(bufin *b, wn_error *err)
{
    int c = b->err_code;
    if (c && err)
        *err = b->err;
    b->err_code = 0;
    return c;
}
