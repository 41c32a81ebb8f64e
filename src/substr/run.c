/*
 * run.c - the public substr API: stages, units, resumption, threads.
 *
 * As in dedup (src/dedup/units.c runs both): a unit is one stage applied to one shard
 * or partition, writes only its own files and then a ".done" marker that
 * holds its counters, so a resumed run skips it and reports the same
 * totals, and no output depends on how many threads ran the units.
 */
#include "substr.h"
#include "../dedup/dedup.h"
#include "../io/input.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
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

static int run_one(void *ctx, unsigned unit, void *stats, wn_error *err);

typedef struct stage_job {
    const ss_ctx *c;
    int stage;
} stage_job;

/* The runner's view of one stage's units (src/dedup/units.c). */
static int run_one(void *ctx, unsigned unit, void *stats, wn_error *err)
{
    const stage_job *j = ctx;
    switch (j->stage) {
    case SS_INDEX: return ss_stage_index(j->c, unit, stats, err);
    case SS_MATCH: return ss_stage_match(j->c, unit, stats, err);
    default: return ss_stage_strike(j->c, unit, stats, err);
    }
}

static int stage_all_units(const ss_ctx *c, int stage, wn_substr_stats *st,
                           wn_error *err)
{
    stage_job j = {c, stage};
    dd_units u = {c->workdir, stage_names[stage],
                  units_of(c->o, stage, c->n), c->o->threads,
                  stage == SS_STRIKE ? c->outputs : NULL,
                  sizeof(wn_substr_stats),
                  offsetof(wn_substr_stats, skipped_units), run_one, &j};
    return dd_units_run_all(&u, st, err);
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
