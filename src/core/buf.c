/*
 * buf.c - wn_buf, the growable byte buffer every module builds text in.
 *
 * Growth doubles, so appends are amortised O(1).  A hard cap (1 GiB) turns
 * runaway input into WN_ELIMIT instead of exhausting memory.
 */
#include "core.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BUF_CAP ((size_t)1 << 30)


int wn_buf_reserve(wn_buf *b, size_t extra)
{
    /* bound first: len + extra + 1 must not wrap around to a small size
     * that the buffer seems to have room for */
    if (extra > BUF_CAP || b->len > BUF_CAP - extra)
        return WN_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return 0;
    if (fault_sim(FAULT_ALLOC))
        return WN_ENOMEM;
    size_t n = b->alloc ? b->alloc : 64;
    while (n < need)
        n *= 2;
    if (n > BUF_CAP + 1)
        n = BUF_CAP + 1;
    char *p = realloc(b->alloc ? b->data : NULL, n);
    if (!p)
        return WN_ENOMEM;
    if (!b->alloc)
        p[0] = '\0';
    b->data = p;
    b->alloc = n;
    return 0;
}

int wn_buf_append(wn_buf *b, const void *p, size_t n)
{
    int rc = wn_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int wn_buf_puts(wn_buf *b, const char *s) { return wn_buf_append(b, s, strlen(s)); }

int wn_buf_putc(wn_buf *b, char c)
{
    if (b->len + 2 > b->alloc) {
        int rc = wn_buf_reserve(b, 1);
        if (rc)
            return rc;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

int wn_buf_printf(wn_buf *b, const char *fmt, ...)
{
    va_list ap;
    char tmp[256];
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return WN_EINVAL;
    if ((size_t)n < sizeof tmp)
        return wn_buf_append(b, tmp, (size_t)n);
    int rc = wn_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

int wn_buf_set(wn_buf *b, const void *p, size_t n)
{
    wn_buf_reset(b);
    return wn_buf_append(b, p, n);
}

void wn_buf_reset(wn_buf *b)
{
    b->len = 0;
    if (b->alloc)
        b->data[0] = '\0';
}

void wn_buf_release(wn_buf *b)
{
    if (b->alloc)
        free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}
