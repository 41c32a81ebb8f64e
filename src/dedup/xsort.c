/*
 * xsort.c - external sort of 16-byte records {a, b} in bounded memory.
 *
 * Records collect in one buffer of at most `mem` bytes.  When it fills, it
 * is sorted in place (quicksort: glibc's qsort may allocate a second
 * buffer as large as the first, which would break the bound) and written
 * out as a sorted run.  At the end the runs are merged with a binary heap,
 * in passes of at most FANIN runs so that the read buffers also fit in the
 * budget.  Without spilling nothing touches the disk.
 */
#include "dedup.h"

#include <errno.h>
#include <stdlib.h>

#define FANIN 64

struct run_in {
    FILE *f;
    dd_rec cur;
};

struct dd_xsort {
    dd_rec *buf;
    size_t cap, len, pos;
    int uniq, spilled, finished;
    char *prefix;
    uint64_t nruns, first_run; /* live runs: first_run .. nruns-1 */
    struct run_in *in;        /* merge state */
    size_t nin;
    size_t *heap;
    size_t nheap;
    dd_rec last;
    int have_last;
    int read_error; /* a run could not be read to its end */
};

static inline int rec_lt(const dd_rec *x, const dd_rec *y)
{
    return x->a < y->a || (x->a == y->a && x->b < y->b);
}

static void isort(dd_rec *r, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        dd_rec t = r[i];
        size_t j = i;
        while (j > 0 && rec_lt(&t, &r[j - 1])) {
            r[j] = r[j - 1];
            j--;
        }
        r[j] = t;
    }
}

void dd_rec_sort(dd_rec *r, size_t n)
{
    while (n > 24) {
        dd_rec *m = r + n / 2, *l = r + n - 1, t;
        /* median of three to r[0] */
        if (rec_lt(m, r)) { t = *m; *m = *r; *r = t; }
        if (rec_lt(l, r)) { t = *l; *l = *r; *r = t; }
        if (rec_lt(l, m)) { t = *l; *l = *m; *m = t; }
        dd_rec p = *m;
        size_t i = 0, j = n - 1;
        for (;;) {
            while (rec_lt(&r[i], &p))
                i++;
            while (rec_lt(&p, &r[j]))
                j--;
            if (i >= j)
                break;
            t = r[i]; r[i] = r[j]; r[j] = t;
            i++;
            j--;
        }
        /* recurse into the smaller side, loop on the larger */
        size_t left = j + 1;
        if (left < n - left) {
            dd_rec_sort(r, left);
            r += left;
            n -= left;
        } else {
            dd_rec_sort(r + left, n - left);
            n = left;
        }
    }
    isort(r, n);
}

int dd_xsort_new(size_t mem, const char *tmpprefix, int uniq, dd_xsort **out,
                 wn_error *err)
{
    dd_xsort *x = calloc(1, sizeof *x);
    if (!x)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    x->cap = mem / sizeof(dd_rec);
    if (x->cap < 16)
        x->cap = 16;
    x->uniq = uniq;
    /* NULL when the caller's path could not be built (dd_path) */
    x->prefix = tmpprefix ? strdup(tmpprefix) : NULL;
    /* the buffer grows on demand up to cap, so small sorts stay small */
    if (!x->prefix) {
        free(x);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    *out = x;
    return 0;
}

static void run_name(const dd_xsort *x, uint64_t i, char *out, size_t n)
{
    snprintf(out, n, "%s.run%llu", x->prefix, (unsigned long long)i);
}

static size_t compact(dd_rec *r, size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!m || r[m - 1].a != r[i].a || r[m - 1].b != r[i].b)
            r[m++] = r[i];
    return m;
}

static int spill(dd_xsort *x, wn_error *err)
{
    char name[4200];
    dd_rec_sort(x->buf, x->len);
    if (x->uniq)
        x->len = compact(x->buf, x->len);
    run_name(x, x->nruns, name, sizeof name);
    FILE *f = fopen(name, "wb");
    if (!f)
        return wn_err(err, WN_EIO, name, 0, "cannot create: %s",
                      strerror(errno));
    /* a run is private scratch, read back by this process: no fsync or
     * rename, but a short one would silently lose records */
    size_t w = fwrite(x->buf, sizeof(dd_rec), x->len, f);
    int bad = w != x->len || fflush(f) || ferror(f);
    if (fclose(f) || bad) {
        remove(name);
        return wn_err(err, WN_EIO, name, 0, "cannot write sorted run");
    }
    x->nruns++;
    x->len = 0;
    x->spilled = 1;
    return 0;
}

int dd_xsort_add(dd_xsort *x, uint64_t a, uint64_t b, wn_error *err)
{
    if (x->len == x->cap) {
        int rc = spill(x, err);
        if (rc)
            return rc;
    }
    if (!x->buf || x->len == x->pos) { /* pos doubles as allocated size */
        size_t nc = x->pos ? x->pos * 2 : 4096;
        if (nc > x->cap)
            nc = x->cap;
        dd_rec *p = realloc(x->buf, nc * sizeof *p);
        if (!p)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        x->buf = p;
        x->pos = nc;
    }
    x->buf[x->len].a = a;
    x->buf[x->len].b = b;
    x->len++;
    return 0;
}

/* ---- merging ---- */

/* 1 with the next record; 0 at the end of the run, or on a read error,
 * which is remembered: a run cut short must never pass for a whole one. */
static int in_read(dd_xsort *x, struct run_in *r)
{
    if (fread(&r->cur, sizeof r->cur, 1, r->f) == 1)
        return 1;
    if (ferror(r->f))
        x->read_error = 1;
    return 0;
}

static void sift_down(dd_xsort *x, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < x->nheap && rec_lt(&x->in[x->heap[l]].cur,
                                   &x->in[x->heap[m]].cur))
            m = l;
        if (l + 1 < x->nheap && rec_lt(&x->in[x->heap[l + 1]].cur,
                                       &x->in[x->heap[m]].cur))
            m = l + 1;
        if (m == i)
            return;
        size_t t = x->heap[i];
        x->heap[i] = x->heap[m];
        x->heap[m] = t;
        i = m;
    }
}

static void close_inputs(dd_xsort *x, int unlink_them)
{
    for (size_t i = 0; i < x->nin; i++)
        if (x->in[i].f)
            fclose(x->in[i].f);
    if (unlink_them) {
        char name[4200];
        for (uint64_t r = x->first_run; r < x->first_run + x->nin; r++) {
            run_name(x, r, name, sizeof name);
            remove(name);
        }
    }
    free(x->in);
    free(x->heap);
    x->in = NULL;
    x->heap = NULL;
    x->nin = x->nheap = 0;
}

/* Opens runs first_run .. first_run+cnt-1 for merging. */
static int open_inputs(dd_xsort *x, size_t cnt, wn_error *err)
{
    char name[4200];
    x->in = calloc(cnt, sizeof *x->in);
    x->heap = calloc(cnt, sizeof *x->heap);
    if (!x->in || !x->heap)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    x->nin = cnt;
    x->nheap = 0;
    for (size_t i = 0; i < cnt; i++) {
        run_name(x, x->first_run + i, name, sizeof name);
        x->in[i].f = fopen(name, "rb");
        if (!x->in[i].f)
            return wn_err(err, WN_EIO, name, 0, "cannot open sorted run");
        if (in_read(x, &x->in[i]))
            x->heap[x->nheap++] = i;
    }
    if (x->read_error)
        return wn_err(err, WN_EIO, x->prefix, 0, "read error in a sorted run");
    for (size_t i = x->nheap; i-- > 0;)
        sift_down(x, i);
    return 0;
}

static int heap_pop(dd_xsort *x, dd_rec *r)
{
    if (!x->nheap)
        return 0;
    struct run_in *in = &x->in[x->heap[0]];
    *r = in->cur;
    if (!in_read(x, in))
        x->heap[0] = x->heap[--x->nheap];
    sift_down(x, 0);
    return 1;
}

int dd_xsort_finish(dd_xsort *x, wn_error *err)
{
    int rc;
    x->finished = 1;
    if (!x->spilled) {
        dd_rec_sort(x->buf, x->len);
        if (x->uniq)
            x->len = compact(x->buf, x->len);
        x->pos = 0;
        return 0;
    }
    if (x->len && (rc = spill(x, err)))
        return rc;
    free(x->buf);
    x->buf = NULL;
    /* merge passes until one pass can take all live runs */
    while (x->nruns - x->first_run > FANIN) {
        char name[4200];
        if ((rc = open_inputs(x, FANIN, err)))
            return rc;
        run_name(x, x->nruns, name, sizeof name);
        FILE *f = fopen(name, "wb");
        if (!f)
            return wn_err(err, WN_EIO, name, 0, "cannot create sorted run");
        dd_rec r;
        while (heap_pop(x, &r))
            fwrite(&r, sizeof r, 1, f);
        int bad = fflush(f) || ferror(f); /* any fwrite that failed */
        if (fclose(f) || bad || x->read_error) {
            remove(name);
            return wn_err(err, WN_EIO, name, 0, x->read_error
                          ? "read error in a sorted run"
                          : "cannot write sorted run");
        }
        close_inputs(x, 1);
        x->first_run += FANIN;
        x->nruns++;
    }
    return open_inputs(x, (size_t)(x->nruns - x->first_run), err);
}

int dd_xsort_next(dd_xsort *x, dd_rec *r, wn_error *err)
{
    if (!x->finished)
        return WN_EINVAL;
    if (!x->spilled) {
        if (x->pos >= x->len)
            return 0;
        *r = x->buf[x->pos++];
        return 1;
    }
    for (;;) {
        int got = heap_pop(x, r);
        if (x->read_error)
            return wn_err(err, WN_EIO, x->prefix, 0,
                          "read error in a sorted run");
        if (!got)
            return 0;
        if (x->uniq && x->have_last && x->last.a == r->a &&
            x->last.b == r->b)
            continue;
        x->last = *r;
        x->have_last = 1;
        return 1;
    }
}

uint64_t dd_xsort_runs(const dd_xsort *x)
{
    return x->nruns;
}

void dd_xsort_free(dd_xsort *x)
{
    if (!x)
        return;
    if (x->spilled)
        close_inputs(x, 1);
    free(x->buf);
    free(x->prefix);
    free(x);
}
