/*
 * files.c - the work directory: names, atomic creation, random access.
 *
 * Every file a stage writes is published atomically (atomic_fopen, then
 * atomic_commit when complete), and a unit's ".done" marker is written
 * after all its files, so a killed run leaves either a complete unit or
 * one that is redone.  The
 * cluster and filter stages look up documents of any shard by gid
 * (a fixed-size record, from a mapping of the file or by pread), so no
 * stage needs the corpus in memory.
 */
#include "dedup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int dd_path(wn_buf *out, const char *dir, const char *fmt, ...)
{
    va_list ap;
    char name[256];
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    wn_buf_reset(out);
    /* on failure out is "": every open of it fails, so a unit fails
     * rather than use another file.  An unallocated buffer gets a
     * constant "" (alloc 0: wn_buf never writes to or frees it), never
     * NULL, which open() must not be given. */
    int rc = wn_buf_printf(out, "%s/%s", dir, name);
    if (rc) {
        if (!out->alloc)
            out->data = (char *)"";
        wn_buf_reset(out);
    }
    return rc;
}

int dd_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

int dd_mark(const char *path, wn_error *err)
{
    return atomic_write_work(path, "", 0, err);
}

int dd_read_header(const char *workdir, unsigned shard, dd_sig_header *h,
                   wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    dd_path(&p, workdir, "sig-%05u.bin", shard);
    FILE *f = fopen(p.data, "rb");
    int rc = 0;
    if (!f)
        rc = wn_err(err, WN_EIO, p.data, 0, "cannot open: %s (has the sig "
                    "stage run?)", strerror(errno));
    else if (fread(h, sizeof *h, 1, f) != 1 || memcmp(h->magic, DD_SIG_MAGIC, 7))
        rc = wn_err(err, WN_EFORMAT, p.data, 0, "not a signature file");
    if (f)
        fclose(f);
    wn_buf_release(&p);
    return rc;
}

/* ---- lookups ---- */

/* Records read by gid are kept in a small direct-mapped cache: keepers
 * and bucket heads come back again and again (CACHE records of 48 + 4k
 * bytes: 14 MiB at k = 100).  Only for files that could not be mapped. */
#define CACHE 32768

/* A work file open for lookups.  Mapped when it can be: the cluster stage
 * looks up some 10^5 records of a few hundred bytes, and a pread each cost
 * more than the lookups' own work (and the cache above, 14 MiB touched
 * afresh, page faults); the files are the run's own, replaced by rename,
 * never cut short in place, so the mapping stays whole.  Only up to
 * map_budget bytes of files per lookup: the pages a mapping touches count
 * in the process's resident set, and at scale (GBs of signatures) that
 * would grow with the corpus, where pread and the cache stay bounded
 * (bench-large, 1 GB: peak RSS 519 MiB mapped, 286 MiB so). */
static size_t map_budget = (size_t)64 << 20;

void dd_lookup_map_budget(size_t bytes) { map_budget = bytes; }
typedef struct view {
    int fd; /* -1 when closed */
    const char *map; /* NULL: read with pread */
    size_t len;
} view;

struct dd_lookup {
    size_t n;
    unsigned k;
    view *sig, *ids, *shg, *shx;
    const char *workdir;
    size_t mapped; /* bytes of the mappings, at most map_budget */
    uint64_t *tag; /* gid + 1 of each cached record, 0 = empty */
    char *rec;
};

int dd_lookup_open(const char *workdir, size_t nshards, unsigned k,
                   dd_lookup **out, wn_error *err)
{
    dd_lookup *l = calloc(1, sizeof *l);
    if (!l)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    l->n = nshards;
    l->k = k;
    l->workdir = workdir;
    l->sig = calloc(nshards, sizeof(view));
    l->ids = calloc(nshards, sizeof(view));
    l->shg = calloc(nshards, sizeof(view));
    l->shx = calloc(nshards, sizeof(view));
    if (!l->sig || !l->ids || !l->shg || !l->shx) {
        dd_lookup_close(l);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    for (size_t i = 0; i < nshards; i++)
        l->sig[i].fd = l->ids[i].fd = l->shg[i].fd = l->shx[i].fd = -1;
    *out = l;
    return 0;
}

/* Files open lazily: a filter unit touches few other shards. */
static int view_of(dd_lookup *l, view *vs, uint32_t shard, const char *pat,
                   view **out, wn_error *err)
{
    if (shard >= l->n)
        return wn_err(err, WN_EFORMAT, "", 0, "gid of shard %u out of range",
                      shard);
    view *v = &vs[shard];
    if (v->fd < 0) {
        wn_buf p = WN_BUF_INIT;
        dd_path(&p, l->workdir, pat, shard);
        v->fd = open(p.data, O_RDONLY);
        if (v->fd < 0) {
            int rc = wn_err(err, WN_EIO, p.data, 0, "cannot open: %s",
                            strerror(errno));
            wn_buf_release(&p);
            return rc;
        }
        wn_buf_release(&p);
        struct stat st;
        if (!fstat(v->fd, &st) && st.st_size > 0 &&
            l->mapped <= map_budget &&
            (uint64_t)st.st_size <= map_budget - l->mapped) {
            void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED,
                           v->fd, 0);
            if (m != MAP_FAILED) {
                v->map = m;
                v->len = (size_t)st.st_size;
                l->mapped += v->len;
            }
        }
    }
    *out = v;
    return 0;
}

static void view_close(view *v)
{
    if (v->map)
        munmap((void *)v->map, v->len);
    if (v->fd >= 0)
        close(v->fd);
}

static int pread_all(int fd, void *p, size_t n, uint64_t off, wn_error *err)
{
    char *c = p;
    while (n) {
        ssize_t r = pread(fd, c, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return wn_err(err, WN_EIO, "", off, "short read in work file");
        c += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return 0;
}

/* n bytes at off: from the mapping, or by pread (which reports a file
 * that is too short). */
static int view_read(const view *v, void *p, size_t n, uint64_t off,
                     wn_error *err)
{
    if (v->map && off <= v->len && n <= v->len - off) {
        memcpy(p, v->map + off, n);
        return 0;
    }
    return pread_all(v->fd, p, n, off, err);
}

int dd_lookup_sig(dd_lookup *l, uint64_t gid, dd_sig_rec *rec, wn_error *err)
{
    size_t sz = DD_SIG_RECSZ(l->k), slot = 0;
    view *v;
    int rc = view_of(l, l->sig, DD_SHARD(gid), "sig-%05u.bin", &v, err);
    if (rc)
        return rc;
    uint64_t off = sizeof(dd_sig_header) + DD_INDEX(gid) * sz;
    if (v->map)
        return view_read(v, rec, sz, off, err);
    if (!l->tag) { /* lazily; without memory the cache is simply off */
        l->tag = calloc(CACHE, sizeof *l->tag);
        l->rec = l->tag ? malloc(CACHE * sz) : NULL;
        if (!l->rec) {
            free(l->tag);
            l->tag = NULL;
        }
    }
    if (l->tag) {
        slot = (size_t)((gid * 0x9e3779b97f4a7c15ULL) >> 49) & (CACHE - 1);
        if (l->tag[slot] == gid + 1) {
            memcpy(rec, l->rec + slot * sz, sz);
            return 0;
        }
    }
    if ((rc = pread_all(v->fd, rec, sz, off, err)))
        return rc;
    if (l->tag) {
        l->tag[slot] = gid + 1;
        memcpy(l->rec + slot * sz, rec, sz);
    }
    return 0;
}

int dd_lookup_ids(dd_lookup *l, uint64_t gid, wn_buf *id, wn_buf *url,
                  wn_error *err)
{
    dd_sig_rec *r = malloc(DD_SIG_RECSZ(l->k)), rec;
    view *v;
    int rc;
    if (!r)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    rc = dd_lookup_sig(l, gid, r, err);
    rec = *r;
    free(r);
    if (rc)
        return rc;
    if ((rc = view_of(l, l->ids, DD_SHARD(gid), "ids-%05u.bin", &v, err)))
        return rc;
    /* one read covers the usual short id and url */
    char head[512];
    ssize_t got;
    if (v->map && rec.idoff <= v->len) {
        got = (ssize_t)(v->len - rec.idoff < sizeof head
                            ? v->len - rec.idoff : sizeof head);
        memcpy(head, v->map + rec.idoff, (size_t)got);
    } else {
        got = pread(v->fd, head, sizeof head, (off_t)rec.idoff);
    }
    if (got < 8)
        return wn_err(err, WN_EIO, "", rec.idoff, "short read in ids file");
    uint32_t len[2];
    memcpy(len, head, sizeof len);
    wn_buf_reset(id);
    wn_buf_reset(url);
    if (wn_buf_reserve(id, len[0] + 1) || wn_buf_reserve(url, len[1] + 1))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if ((size_t)got >= 8 + (size_t)len[0] + len[1]) {
        memcpy(id->data, head + 8, len[0]);
        memcpy(url->data, head + 8 + len[0], len[1]);
    } else if ((rc = view_read(v, id->data, len[0], rec.idoff + 8, err)) ||
               (rc = view_read(v, url->data, len[1],
                               rec.idoff + 8 + len[0], err))) {
        return rc;
    }
    id->len = len[0];
    id->data[id->len] = 0;
    url->len = len[1];
    url->data[url->len] = 0;
    return 0;
}

int dd_lookup_shingles(dd_lookup *l, uint64_t gid, uint32_t **fp,
                       size_t *cap, size_t *n, wn_error *err)
{
    uint64_t x[2];
    view *vx, *vg;
    int rc;
    if ((rc = view_of(l, l->shx, DD_SHARD(gid), "shx-%05u.bin", &vx, err)) ||
        (rc = view_of(l, l->shg, DD_SHARD(gid), "shg-%05u.bin", &vg, err)))
        return rc;
    if ((rc = view_read(vx, x, sizeof x, DD_INDEX(gid) * sizeof *x, err)))
        return rc;
    if (x[1] < x[0] || x[1] - x[0] > UINT32_MAX)
        return wn_err(err, WN_EFORMAT, "", DD_INDEX(gid) * sizeof *x,
                      "bad shingle index");
    *n = (size_t)(x[1] - x[0]);
    if (*n > *cap) {
        uint32_t *p = realloc(*fp, *n * sizeof *p);
        if (!p)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        *fp = p;
        *cap = *n;
    }
    return view_read(vg, *fp, *n * sizeof **fp, x[0] * sizeof **fp, err);
}

void dd_lookup_close(dd_lookup *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++) {
        if (l->sig)
            view_close(&l->sig[i]);
        if (l->ids)
            view_close(&l->ids[i]);
        if (l->shg)
            view_close(&l->shg[i]);
        if (l->shx)
            view_close(&l->shx[i]);
    }
    free(l->sig);
    free(l->ids);
    free(l->shg);
    free(l->shx);
    free(l->tag);
    free(l->rec);
    free(l);
}

int dd_each_rec(const char *path, const char *stage,
                int (*fn)(void *ctx, const dd_rec *r, const char *path,
                          wn_error *err),
                void *ctx, wn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open (has the %s stage "
                      "run?)", stage);
    dd_rec buf[4096];
    size_t n;
    int rc = 0;
    while (!rc && (n = fread(buf, sizeof *buf, 4096, f)) > 0)
        for (size_t i = 0; i < n && !rc; i++)
            rc = fn(ctx, &buf[i], path, err);
    if (!rc && ferror(f))
        rc = wn_err(err, WN_EIO, path, 0, "read error");
    fclose(f);
    return rc;
}

int dd_rec_to_xsort(void *x, const dd_rec *r, const char *path, wn_error *err)
{
    (void)path;
    return dd_xsort_add(x, r->a, r->b, err);
}

int dd_each_pair(const dd_ctx *c,
                 int (*fn)(void *ctx, const dd_rec *r, const char *path,
                           wn_error *err),
                 void *ctx, wn_error *err)
{
    wn_buf path = WN_BUF_INIT;
    int rc = 0;
    for (unsigned p = 0; p < c->o->partitions && !rc; p++) {
        dd_path(&path, c->workdir, "pair-%03u.bin", p);
        rc = dd_each_rec(path.data, "pairs", fn, ctx, err);
    }
    wn_buf_release(&path);
    return rc;
}
