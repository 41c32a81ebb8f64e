/*
 * match.c - the per-partition stage "match": repeats across chunks.
 *
 * Every chunk left one record {hash, key} per distinct L-gram, in the
 * partition of its hash.  Sorted on disk by (hash, key), records of one
 * L-gram in different chunks are neighbours; hashes only propose: the
 * L-grams are read back from the chunk texts and compared byte for byte,
 * so a collision never strikes anything.  What is flagged goes to
 * flg-PPP.bin as {hash, key}: the L-gram at key occurs in another chunk
 * (strike=all) or in an earlier one (strike=later).
 */
#include "substr.h"
#include "../dedup/dedup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#define FD_CACHE 64

typedef struct matcher {
    const ss_ctx *c;
    unsigned L;
    dd_rec *g;       /* the records of one hash */
    size_t ng, gcap;
    unsigned char *bytes; /* their L-grams */
    size_t *ord;
    struct {
        uint64_t chunk;
        int fd;
    } fds[FD_CACHE];
    unsigned next_fd;
    FILE *out;
    wn_substr_stats *st;
} matcher;

/* qsort has no context argument; units of one stage run on threads */
static _Thread_local const matcher *sort_ctx;

static int cmp_gram(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int d = memcmp(sort_ctx->bytes + i * sort_ctx->L,
                   sort_ctx->bytes + j * sort_ctx->L, sort_ctx->L);
    if (d)
        return d;
    return sort_ctx->g[i].b < sort_ctx->g[j].b ? -1 : 1;
}

static int chunk_fd(matcher *m, uint64_t chunk, wn_error *err)
{
    for (unsigned i = 0; i < FD_CACHE; i++)
        if (m->fds[i].fd >= 0 && m->fds[i].chunk == chunk)
            return m->fds[i].fd;
    wn_buf p = WN_BUF_INIT;
    dd_path(&p, m->c->workdir, "txt-%05u-%04u.bin",
            (unsigned)(chunk >> 12), (unsigned)(chunk & 0xfff));
    int fd = open(p.data, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        wn_err(err, WN_EIO, p.data, 0, "cannot open: %s", strerror(errno));
    wn_buf_release(&p);
    if (fd < 0)
        return -1;
    unsigned k = m->next_fd++ % FD_CACHE;
    if (m->fds[k].fd >= 0)
        close(m->fds[k].fd);
    m->fds[k].fd = fd;
    m->fds[k].chunk = chunk;
    return fd;
}

/* One hash's records: flags those whose L-gram is in another chunk. */
static int match_group(matcher *m, wn_error *err)
{
    unsigned L = m->L;
    size_t n = m->ng;
    if (n < 2 || SS_CHUNK(m->g[0].b) == SS_CHUNK(m->g[n - 1].b))
        return 0; /* sorted by key: one chunk only */
    unsigned char *bytes = realloc(m->bytes, n * L);
    size_t *ord = realloc(m->ord, n * sizeof *ord);
    if (bytes)
        m->bytes = bytes;
    if (ord)
        m->ord = ord;
    if (!bytes || !ord)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int fd = chunk_fd(m, SS_CHUNK(m->g[i].b), err);
        if (fd < 0)
            return WN_EIO;
        ssize_t got = pread(fd, bytes + i * L, L, SS_POS(m->g[i].b));
        if (got != (ssize_t)L)
            return wn_err(err, WN_EIO, m->c->workdir, SS_POS(m->g[i].b),
                          "short read of a chunk text");
        ord[i] = i;
    }
    m->st->cross_checked += n;
    sort_ctx = m;
    qsort(ord, n, sizeof *ord, cmp_gram);
    for (size_t i = 0; i < n;) {
        size_t e = i + 1;
        while (e < n && !memcmp(bytes + ord[e] * L, bytes + ord[i] * L, L))
            e++;
        /* one record per chunk and L-gram: a class of two or more spans
         * chunks; ord is by key inside it, the first is the earliest */
        if (e - i > 1)
            for (size_t k = i; k < e; k++)
                if (m->c->o->strike == SS_STRIKE_ALL || k > i)
                    fwrite(&m->g[ord[k]], sizeof(dd_rec), 1, m->out);
        i = e;
    }
    return 0;
}

int ss_stage_match(const ss_ctx *c, unsigned part, wn_substr_stats *st,
                   wn_error *err)
{
    matcher m;
    memset(&m, 0, sizeof m);
    m.c = c;
    m.L = c->o->min_length;
    m.st = st;
    for (unsigned i = 0; i < FD_CACHE; i++)
        m.fds[i].fd = -1;
    wn_buf p = WN_BUF_INIT, tmp = WN_BUF_INIT;
    atomic_file af;
    memset(&af, 0, sizeof af);
    dd_xsort *x = NULL;
    int rc;
    dd_path(&tmp, c->workdir, "sort-%03u", part);
    /* half: the merge's read buffers, the groups and what the index unit
     * left in the heap need the rest */
    if ((rc = dd_xsort_new(c->mem / 2, tmp.data, 0, &x, err)))
        goto out;
    for (size_t s = 0; s < c->n && !rc; s++) {
        dd_path(&p, c->workdir, "rec-%05zu-%03u.bin", s, part);
        rc = dd_each_rec(p.data, "index", dd_rec_to_xsort, x, err);
    }
    if (rc || (rc = dd_xsort_finish(x, err)))
        goto out;
    dd_path(&p, c->workdir, "flg-%03u.bin", part);
    if ((rc = atomic_fopen(&af, p.data, err)))
        goto out;
    af.work = 1;
    m.out = af.f;
    dd_rec r;
    int more;
    while ((more = dd_xsort_next(x, &r, err)) == 1) {
        if (m.ng && m.g[0].a != r.a) {
            if ((rc = match_group(&m, err)))
                goto out;
            m.ng = 0;
        }
        if (m.ng == m.gcap) {
            size_t cap = m.gcap ? 2 * m.gcap : 64;
            dd_rec *g = realloc(m.g, cap * sizeof *g);
            if (!g) {
                rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
                goto out;
            }
            m.g = g;
            m.gcap = cap;
        }
        m.g[m.ng++] = r;
    }
    if (more < 0) {
        rc = more;
        goto out;
    }
    if (m.ng && (rc = match_group(&m, err)))
        goto out;
    st->spilled_runs += dd_xsort_runs(x);
    rc = atomic_commit(&af, err);
out:
    atomic_abort(&af);
    dd_xsort_free(x);
    for (unsigned i = 0; i < FD_CACHE; i++)
        if (m.fds[i].fd >= 0)
            close(m.fds[i].fd);
    free(m.g);
    free(m.bytes);
    free(m.ord);
    wn_buf_release(&p);
    wn_buf_release(&tmp);
    return rc;
}
