/*
 * run.c - the public substr API: stages, units, resumption, threads.
 *
 * As in dedup (src/dedup/run.c): a unit is one stage applied to one shard
 * or partition, writes only its own files and then a ".done" marker that
 * holds its counters, so a resumed run skips it and reports the same
 * totals, and no output depends on how many threads ran the units.
 */
#include "substr.h"
#include "../dedup/dedup.h"
#include "../io/input.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

enum { SS_INDEX = 0, SS_MATCH, SS_STRIKE, SS_NSTAGES };
static const char *const stage_names[SS_NSTAGES] = {"index", "match",
                                                    "strike"};

int ss_read_file(const char *path, unsigned char **data, size_t *n,
                 wn_error *err)
{
    *data = NULL;
    *n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb)) {
        if (fd >= 0)
            close(fd);
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    }
    size_t len = (size_t)sb.st_size, got = 0;
    unsigned char *p = malloc(len ? len : 1);
    while (p && got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r <= 0 && !(r < 0 && errno == EINTR))
            break;
        if (r > 0)
            got += (size_t)r;
    }
    close(fd);
    if (!p)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (got != len) {
        free(p);
        return wn_err(err, WN_EIO, path, got, "short read");
    }
    *data = p;
    *n = len;
    return 0;
}

int ss_read_chunks(const ss_ctx *c, unsigned shard, ss_chunk **ch,
                   size_t *nch, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    unsigned char *d;
    size_t n;
    dd_path(&p, c->workdir, "chk-%05u.bin", shard);
    int rc = ss_read_file(p.data, &d, &n, err);
    uint64_t cnt = 0;
    if (!rc && n >= sizeof cnt)
        memcpy(&cnt, d, sizeof cnt);
    if (!rc && (n < sizeof cnt || n != sizeof cnt + cnt * sizeof **ch))
        rc = wn_err(err, WN_EFORMAT, p.data, 0, "damaged chunk table");
    *ch = NULL;
    *nch = 0;
    if (!rc && cnt) {
        if (!(*ch = malloc((size_t)cnt * sizeof **ch)))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        else {
            memcpy(*ch, d + sizeof cnt, (size_t)cnt * sizeof **ch);
            *nch = (size_t)cnt;
        }
    }
    if (!rc || d)
        free(d);
    wn_buf_release(&p);
    return rc;
}

static unsigned units_of(const ss_opts *o, int stage, size_t n)
{
    return stage == SS_MATCH ? o->partitions : (unsigned)n;
}

static void add_stats(wn_substr_stats *a, const wn_substr_stats *b)
{
    uint64_t *x = (uint64_t *)(a + 0) + 1, *end = (uint64_t *)(a + 1);
    const uint64_t *y = (const uint64_t *)b + 1;
    /* every field after size is a uint64_t */
    while (x < end)
        *x++ += *y++;
}

static int unit_run(const ss_ctx *c, int stage, unsigned unit,
                    wn_substr_stats *st, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    wn_substr_stats local;
    int rc = 0;
    memset(&local, 0, sizeof local);
    dd_path(&p, c->workdir, "%s-%05u.done", stage_names[stage], unit);
    FILE *f = fopen(p.data, "rb");
    if (f && (stage != SS_STRIKE || dd_exists(c->outputs[unit]))) {
        if (fread(&local, sizeof local, 1, f) == 1) {
            fclose(f);
            local.skipped_units = 1;
            add_stats(st, &local);
            wn_buf_release(&p);
            return 0;
        }
    }
    if (f)
        fclose(f);
    switch (stage) {
    case SS_INDEX: rc = ss_stage_index(c, unit, &local, err); break;
    case SS_MATCH: rc = ss_stage_match(c, unit, &local, err); break;
    default: rc = ss_stage_strike(c, unit, &local, err); break;
    }
    if (!rc)
        rc = atomic_write_work(p.data, &local, sizeof local, err);
    if (!rc)
        add_stats(st, &local);
    wn_buf_release(&p);
    return rc;
}

typedef struct pool {
    const ss_ctx *c;
    int stage;
    unsigned units, next, bad_unit;
    pthread_mutex_t mu;
    wn_substr_stats *st;
    int rc;
    wn_error err;
} pool;

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        unsigned u = p->next++;
        int stop = p->rc != 0 || u >= p->units;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            return NULL;
        wn_substr_stats local;
        wn_error e;
        memset(&local, 0, sizeof local);
        int rc = unit_run(p->c, p->stage, u, &local, &e);
        pthread_mutex_lock(&p->mu);
        add_stats(p->st, &local);
        if (rc && (!p->rc || u < p->bad_unit)) {
            p->rc = rc;
            p->bad_unit = u;
            p->err = e;
        }
        pthread_mutex_unlock(&p->mu);
    }
}

static int stage_all_units(const ss_ctx *c, int stage, wn_substr_stats *st,
                           wn_error *err)
{
    pool p;
    memset(&p, 0, sizeof p);
    p.units = units_of(c->o, stage, c->n);
    unsigned nt = c->o->threads < p.units ? c->o->threads : p.units;
    p.c = c;
    p.stage = stage;
    p.st = st;
    pthread_mutex_init(&p.mu, NULL);
    pthread_t *t = nt > 1 ? calloc(nt, sizeof *t) : NULL;
    unsigned started = 0;
    if (t)
        for (; started < nt - 1; started++)
            if (pthread_create(&t[started], NULL, worker, &p))
                break;
    worker(&p);
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    pthread_mutex_destroy(&p.mu);
    if (p.rc && err)
        *err = p.err;
    return p.rc;
}

static int prepare_workdir(const ss_opts *o, const char *const *inputs,
                           size_t n, const char *workdir, wn_error *err)
{
    if (mkdir(workdir, 0777) && errno != EEXIST)
        return wn_err(err, WN_EIO, workdir, 0, "cannot create: %s",
                      strerror(errno));
    wn_buf want = WN_BUF_INIT, path = WN_BUF_INIT;
    unsigned char *have = NULL;
    size_t hn = 0;
    int rc = 0, built = wn_buf_puts(&want, "winnow substr work directory\n");
    keep_first(&built, ss_opts_describe(o, &want));
    keep_first(&built, wn_buf_printf(&want, "\ninputs %zu\n", n));
    for (size_t i = 0; i < n; i++)
        keep_first(&built, wn_buf_printf(&want, "%s\n", inputs[i]));
    dd_path(&path, workdir, "params");
    if (built)
        rc = wn_err(err, built, "", 0, "out of memory");
    else if (!dd_exists(path.data))
        rc = atomic_write_work(path.data, want.data, want.len, err);
    else if (!(rc = ss_read_file(path.data, &have, &hn, err)) &&
             (hn != want.len || memcmp(have, want.data, hn)))
        rc = wn_err(err, WN_EINVAL, path.data, 0,
                    "work directory holds a run with other inputs or "
                    "options; use another one");
    free(have);
    wn_buf_release(&want);
    wn_buf_release(&path);
    return rc;
}

static int substr_run(const wn_config *cfg, const char *const *inputs,
                      size_t n, const char *workdir,
                      const char *const *outputs, const char *rejects,
                      wn_substr_stats *st, wn_error *err)
{
    ss_opts o;
    int rc = ss_opts_parse(cfg, &o, err);
    if (rc)
        return rc;
    if (!outputs || !workdir)
        return wn_err(err, WN_EINVAL, "", 0, "no outputs or work directory");
    if (n >= SS_MAXSHARDS)
        return wn_err(err, WN_ELIMIT, "", 0, "more than %u inputs",
                      SS_MAXSHARDS - 1);
    for (size_t i = 0; i < n; i++)
        if (!input_rereadable(inputs[i]))
            return wn_err(err, WN_EINVAL, inputs[i], 0,
                          "substr reads each input twice: a stream or pipe "
                          "cannot be an input (save it to a file first)");
    if ((rc = prepare_workdir(&o, inputs, n, workdir, err)))
        return rc;
    wn_buf lp = WN_BUF_INIT;
    int lock = -1;
    if (dd_path(&lp, workdir, "lock"))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else if ((lock = open(lp.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        rc = wn_err(err, WN_EIO, lp.data, 0, "cannot open: %s",
                    strerror(errno));
    else if (flock(lock, LOCK_EX | LOCK_NB))
        rc = wn_err(err, WN_EIO, workdir, 0,
                    "another winnow substr is using this work directory");
    wn_buf_release(&lp);
    for (size_t i = 0; i < n && !rc; i++)
        atomic_remove_temporaries(outputs[i]);
    if (!rc && rejects)
        atomic_remove_temporaries(rejects);
    /* each unit's share of the budget.  A chunk costs about 6.5 times its
     * text in the index unit (the text, whose buffer may have grown to
     * twice it, a 4-byte suffix array, three bitmaps): an eighth of the
     * share leaves room for the reader and the record streams.  The
     * chunking depends on the budget and threads, the spans do not. */
    ss_ctx c = {&o, inputs, n, workdir, outputs, o.memory / o.threads, 0};
    c.chunk_bytes = c.mem / 8;
    if (c.chunk_bytes > ((size_t)1 << 29))
        c.chunk_bytes = (size_t)1 << 29;
    if (c.chunk_bytes < 4096)
        c.chunk_bytes = 4096;
    for (int s = 0; s < SS_NSTAGES && !rc; s++)
        rc = stage_all_units(&c, s, st, err);
    if (!rc && rejects)
        rc = wn_dedup_collect_rejects(workdir, n, rejects, err);
    if (lock >= 0)
        close(lock);
    return rc;
}

int wn_substr_run(const wn_config *cfg, const char *const *inputs, size_t n,
                  const char *workdir, const char *const *outputs,
                  const char *rejects, wn_substr_stats *st, wn_error *err)
{
    wn_substr_stats full;
    memset(&full, 0, sizeof full);
    int rc = substr_run(cfg, inputs, n, workdir, outputs, rejects, &full,
                        err);
    if (st) {
        size_t sz = st->size && st->size < sizeof full ? st->size
                                                       : sizeof full;
        full.size = sz;
        memcpy(st, &full, sz);
    }
    return rc;
}
