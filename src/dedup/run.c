/*
 * run.c - the public dedup API: stages, units, resumption, threads.
 *
 * A unit is one stage applied to one shard (or partition); units.c runs
 * them, resumably, on a small thread pool.  The memory budget is shared
 * out among the units running at once, and threads left over when a
 * stage has fewer units than threads go to the units' own workers.
 */
#include "dedup.h"
#include "../io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const stage_names[WN_DEDUP_NSTAGES] = {
    "sig", "bands", "pairs", "shingles", "cluster", "filter"};

int wn_dedup_stage_parse(const char *name)
{
    for (int i = 0; i < WN_DEDUP_NSTAGES; i++)
        if (!strcmp(name, stage_names[i]))
            return i;
    return -1;
}

const char *wn_dedup_stage_name(int stage)
{
    return stage >= 0 && stage < WN_DEDUP_NSTAGES ? stage_names[stage] : "?";
}

static unsigned units_of(const dd_opts *o, int stage, size_t n)
{
    switch (stage) {
    case WN_DEDUP_PAIRS: return o->partitions;
    case WN_DEDUP_CLUSTER: return 1;
    default: return (unsigned)n;
    }
}

unsigned wn_dedup_stage_units(const wn_config *cfg, int stage, size_t n)
{
    dd_opts o;
    wn_error e;
    if (dd_opts_parse(cfg, &o, &e))
        return 0;
    return units_of(&o, stage, n);
}

static int run_one(void *ctx, unsigned unit, void *stats, wn_error *err);

typedef struct stage_job {
    const dd_ctx *c;
    int stage;
} stage_job;

/* The runner's view of one stage's units. */
static dd_units stage_units(const stage_job *j, unsigned threads)
{
    dd_units u = {j->c->workdir, stage_names[j->stage],
                  units_of(j->c->o, j->stage, j->c->n), threads,
                  j->stage == WN_DEDUP_FILTER ? j->c->outputs : NULL,
                  sizeof(wn_dedup_stats),
                  offsetof(wn_dedup_stats, skipped_units), run_one,
                  (void *)j};
    return u;
}

static int run_one(void *ctx, unsigned unit, void *stats, wn_error *err)
{
    const stage_job *j = ctx;
    const dd_ctx *c = j->c;
    wn_dedup_stats *st = stats;
    switch (j->stage) {
    case WN_DEDUP_SIG: return dd_stage_sig(c, unit, st, err);
    case WN_DEDUP_BANDS: return dd_stage_bands(c, unit, st, err);
    case WN_DEDUP_PAIRS: return dd_stage_pairs(c, unit, st, err);
    case WN_DEDUP_SHINGLES: return dd_stage_shingles(c, unit, st, err);
    case WN_DEDUP_CLUSTER: return dd_stage_cluster(c, st, err);
    case WN_DEDUP_FILTER: return dd_stage_filter(c, unit, st, err);
    default:
        return wn_err(err, WN_EINVAL, "", 0, "unknown stage %d", j->stage);
    }
}

static int stage_all_units(const dd_ctx *base, int stage,
                           wn_dedup_stats *st, wn_error *err)
{
    dd_ctx c = *base;
    unsigned nt = c.o->threads, units = units_of(c.o, stage, c.n);
    if (nt > units)
        nt = units ? units : 1;
    c.mem = c.o->memory / nt;
    /* fewer units than threads (one large input): the units that read
     * documents use the rest inside (feed_work) */
    c.jobs = c.o->threads / nt ? c.o->threads / nt : 1;
    stage_job j = {&c, stage};
    dd_units u = stage_units(&j, nt);
    return dd_units_run_all(&u, st, err);
}

/* ---- work directory ---- */

static int prepare_workdir(const dd_opts *o, const char *const *inputs,
                           size_t n, const char *workdir, wn_error *err)
{
    if (mkdir(workdir, 0777) && errno != EEXIST)
        return wn_err(err, WN_EIO, workdir, 0, "cannot create: %s",
                      strerror(errno));
    wn_buf want = WN_BUF_INIT, path = WN_BUF_INIT, have = WN_BUF_INIT;
    int rc = 0, built = wn_buf_puts(&want, "winnow dedup work directory\n");
    dd_opts_describe(o, &want);
    keep_first(&built, wn_buf_printf(&want, "\ninputs %zu\n", n));
    for (size_t i = 0; i < n; i++)
        keep_first(&built, wn_buf_printf(&want, "%s\n", inputs[i]));
    dd_path(&path, workdir, "params");
    if (built) {
        rc = wn_err(err, built, path.data, 0, "cannot build: %s",
                    wn_strerror(built));
        goto out;
    }
    FILE *f = fopen(path.data, "rb");
    if (f) {
        char b[65536];
        size_t m;
        while ((m = fread(b, 1, sizeof b, f)) > 0)
            wn_buf_append(&have, b, m);
        fclose(f);
        if (have.len != want.len || memcmp(have.data, want.data, want.len))
            rc = wn_err(err, WN_EINVAL, path.data, 0,
                        "work directory holds a run with other inputs or "
                        "options; use another one");
    } else {
        /* units may start at once (threads, machines): each writes its own
         * temporary (a random name) and renames it; the contents are the
         * same */
        rc = atomic_write_work(path.data, want.data, want.len, err);
    }
out:
    wn_buf_release(&want);
    wn_buf_release(&path);
    wn_buf_release(&have);
    return rc;
}

static int setup(const wn_config *cfg, const char *const *inputs, size_t n,
                 const char *workdir, dd_opts *o, wn_error *err)
{
    int rc = dd_opts_parse(cfg, o, err);
    if (rc)
        return rc;
    if (!n || !inputs || !workdir)
        return wn_err(err, WN_EINVAL, "", 0, "no inputs or no workdir");
    if (n >= (1u << 23))
        return wn_err(err, WN_EINVAL, "", 0, "too many input shards");
    return prepare_workdir(o, inputs, n, workdir, err);
}

/* Once the cluster stage's marker is written nothing reads the shingle
 * fingerprints, their index or the pair lists again (a resumed run skips
 * every stage up to the filter, which needs only the signatures, ids and
 * assignments): they are removed, so the work directory does not hold them
 * through the filter and the caller's later steps.  Their markers vouch for
 * them (marker.c), so they are struck from the markers first; and before
 * that the cluster's marker and files are made durable, or a power cut
 * could leave the struck markers without the clustering that made them so
 * (the cluster would run again without its inputs).  Best effort: a file
 * left behind costs disk, not correctness. */
static void drop_cluster_inputs(const dd_ctx *c)
{
    wn_buf p = WN_BUF_INIT;
    wn_error e;
    if (dd_path(&p, c->workdir, "cluster-%05u.done", 0u) ||
        marker_sync(p.data, &e))
        goto out;
    for (size_t s = 0; s < c->n; s++) {
        if (dd_path(&p, c->workdir, "shingles-%05zu.done", s) ||
            marker_forget(p.data, "shg-", &e) ||
            marker_forget(p.data, "shx-", &e))
            continue;
        if (!dd_path(&p, c->workdir, "shg-%05zu.bin", s))
            unlink(p.data);
        if (!dd_path(&p, c->workdir, "shx-%05zu.bin", s))
            unlink(p.data);
    }
    for (unsigned q = 0; q < c->o->partitions; q++)
        if (!dd_path(&p, c->workdir, "pairs-%05u.done", q) &&
            !marker_forget(p.data, "pair-", &e) &&
            !dd_path(&p, c->workdir, "pair-%03u.bin", q))
            unlink(p.data);
out:
    wn_buf_release(&p);
}

/* The band files of partition q are read by pairs unit q alone: once its
 * marker is written they are removed (a resumed run skips the unit), so
 * they are gone before the shingles stage writes.  As above: the pairs
 * unit is made durable, then the files are struck from the bands markers
 * that vouch for them, then removed. */
static void drop_pairs_inputs(const dd_ctx *c, unsigned q)
{
    wn_buf p = WN_BUF_INIT;
    wn_error e;
    char name[48];
    if (dd_path(&p, c->workdir, "pairs-%05u.done", q) ||
        marker_sync(p.data, &e))
        goto out;
    for (size_t s = 0; s < c->n; s++) {
        snprintf(name, sizeof name, "bnd-%05zu-%03u.", s, q);
        if (!dd_path(&p, c->workdir, "bands-%05zu.done", s) &&
            !marker_forget(p.data, name, &e) &&
            !dd_path(&p, c->workdir, "bnd-%05zu-%03u.bin", s, q))
            unlink(p.data);
    }
out:
    wn_buf_release(&p);
}

/* What a stage's drop_* waits on is the disk (the fsyncs of
 * marker_sync), not the processor: in a whole run it overlaps the next
 * stage, on a thread of its own, joined when that stage ends.  The next
 * stage reads none of what a drop syncs, strikes or removes (shingles:
 * the signatures and the input; filter: signatures, ids, assignments,
 * members).  Without a thread the drop runs here, as before. */
typedef struct dropper {
    const dd_ctx *c;
    int stage;
    int running;
    pthread_t th;
} dropper;

static void drop_inputs(const dd_ctx *c, int stage)
{
    if (stage == WN_DEDUP_CLUSTER)
        drop_cluster_inputs(c);
    else
        for (unsigned q = 0; q < c->o->partitions; q++)
            drop_pairs_inputs(c, q);
}

static void *drop_main(void *arg)
{
    dropper *d = arg;
    drop_inputs(d->c, d->stage);
    return NULL;
}

static void drop_start(dropper *d, int stage)
{
    d->stage = stage;
    d->running = !pthread_create(&d->th, NULL, drop_main, d);
    if (!d->running)
        drop_inputs(d->c, stage);
}

static void drop_wait(dropper *d)
{
    if (d->running)
        pthread_join(d->th, NULL);
    d->running = 0;
}

static int stage_run(const wn_config *cfg, int stage, unsigned unit,
                     const char *const *inputs, size_t n,
                     const char *workdir, const char *const *outputs,
                     wn_dedup_stats *st, wn_error *err)
{
    dd_opts o;
    wn_dedup_stats dummy;
    int rc = setup(cfg, inputs, n, workdir, &o, err);
    if (rc)
        return rc;
    if (stage < 0 || stage >= WN_DEDUP_NSTAGES ||
        unit >= units_of(&o, stage, n))
        return wn_err(err, WN_EINVAL, "", 0, "no unit %u in stage %s", unit,
                      wn_dedup_stage_name(stage));
    if (stage == WN_DEDUP_FILTER && (!outputs || !outputs[unit]))
        return wn_err(err, WN_EINVAL, "", 0, "filter needs an output");
    dd_ctx c = {&o, inputs, n, workdir, outputs, o.memory, o.threads};
    if (!st) {
        memset(&dummy, 0, sizeof dummy);
        st = &dummy;
    }
    stage_job j = {&c, stage};
    dd_units u = stage_units(&j, 1);
    rc = dd_unit_run(&u, unit, st, err);
    if (!rc && stage == WN_DEDUP_CLUSTER)
        drop_cluster_inputs(&c);
    if (!rc && stage == WN_DEDUP_PAIRS)
        drop_pairs_inputs(&c, unit);
    return rc;
}

int wn_dedup_rejects_path(const char *workdir, size_t s, wn_buf *out)
{
    return dd_path(out, workdir, DD_REJ_FILE, (unsigned)s);
}

int wn_dedup_collect_rejects(const char *workdir, size_t n, const char *path,
                             wn_error *err)
{
    wn_writer *w;
    wn_buf p = WN_BUF_INIT;
    int rc = wn_writer_open(path, WN_OUT_JSONL, &w, err);
    if (rc)
        return rc;
    for (size_t s = 0; s < n && !rc; s++) {
        wn_dedup_rejects_path(workdir, s, &p);
        bufin b;
        if (bufin_open(&b, p.data, err)) {
            rc = wn_err(err, WN_EIO, p.data, 0, "cannot open (has the "
                        "filter stage run?)");
            break;
        }
        const char *line;
        size_t len;
        uint64_t off;
        while (!rc && (rc = bufin_getline(&b, &line, &len, (size_t)1 << 30,
                                          &off)) == 1)
            rc = wn_writer_write_line(w, line, len, err);
        if (rc == 0 && bufin_take_error(&b, err))
            rc = WN_EIO;
        else if (rc == WN_ELIMIT)
            rc = wn_err(err, WN_EIO, p.data, off, "a line over 1 GiB");
        bufin_close(&b);
    }
    wn_buf_release(&p);
    if (rc) {
        wn_writer_abort(w);
        return rc;
    }
    return wn_writer_close(w, err);
}

int wn_dedup_problems(const char *workdir, size_t n,
                      void (*fn)(void *ctx, const char *msg), void *ctx)
{
    wn_buf p = WN_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    int count = 0;
    for (size_t s = 0; s < n; s++) {
        dd_path(&p, workdir, "problems-%05zu.txt", s);
        FILE *f = fopen(p.data, "rb");
        if (!f)
            continue;
        ssize_t len;
        while ((len = getline(&line, &cap, f)) > 0) {
            if (line[len - 1] == '\n')
                line[len - 1] = 0;
            fn(ctx, line);
            count++;
        }
        fclose(f);
    }
    free(line);
    wn_buf_release(&p);
    return count;
}

static int dedup_run(const wn_config *cfg, const char *const *inputs,
                     size_t n, const char *workdir,
                     const char *const *outputs, const char *rejects,
                     wn_dedup_stats *st, wn_error *err)
{
    dd_opts o;
    wn_dedup_stats dummy;
    int rc = setup(cfg, inputs, n, workdir, &o, err);
    if (rc)
        return rc;
    if (!outputs)
        return wn_err(err, WN_EINVAL, "", 0, "no outputs");
    /* one whole run per work directory at a time (two would rename each
     * other's files away); units run by a scheduler are not locked */
    wn_buf lp = WN_BUF_INIT;
    int lock = -1;
    if (dd_path(&lp, workdir, "lock"))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else if ((lock = open(lp.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
        rc = wn_err(err, WN_EIO, lp.data, 0, "cannot open: %s",
                    strerror(errno));
    else if (flock(lock, LOCK_EX | LOCK_NB))
        rc = wn_err(err, WN_EIO, workdir, 0,
                    "another winnow dedup is using this work directory");
    wn_buf_release(&lp);
    /* what a killed run was writing (it holds the lock no more) */
    for (size_t i = 0; i < n && !rc; i++)
        atomic_remove_temporaries(outputs[i]);
    if (!rc && rejects)
        atomic_remove_temporaries(rejects);
    if (!st)
        st = &dummy;
    memset(st, 0, sizeof *st);
    dd_ctx c = {&o, inputs, n, workdir, outputs, o.memory, 1};
    dropper d = {&c, 0, 0};
    for (int s = 0; s < WN_DEDUP_NSTAGES && !rc; s++) {
        rc = stage_all_units(&c, s, st, err);
        drop_wait(&d); /* the previous stage's, which overlapped this one */
        if (!rc && (s == WN_DEDUP_PAIRS || s == WN_DEDUP_CLUSTER))
            drop_start(&d, s);
    }
    drop_wait(&d);
    if (!rc && rejects)
        rc = wn_dedup_collect_rejects(workdir, n, rejects, err);
    if (lock >= 0)
        close(lock);
    return rc;
}

/* A caller's wn_dedup_stats may be an older, shorter struct (its size
 * field): the units count into a whole one, and only the fields the
 * caller knows are copied back. */
static size_t caller_size(const wn_dedup_stats *st)
{
    return st->size && st->size < sizeof *st ? st->size : sizeof *st;
}

static void stats_in(wn_dedup_stats *full, const wn_dedup_stats *st)
{
    memset(full, 0, sizeof *full);
    if (st)
        memcpy(full, st, caller_size(st));
}

static void stats_out(wn_dedup_stats *st, wn_dedup_stats *full)
{
    if (!st)
        return;
    size_t n = caller_size(st);
    full->size = n;
    memcpy(st, full, n);
}

int wn_dedup_stage_run(const wn_config *cfg, int stage, unsigned unit,
                       const char *const *inputs, size_t n,
                       const char *workdir, const char *const *outputs,
                       wn_dedup_stats *st, wn_error *err)
{
    wn_dedup_stats full;
    stats_in(&full, st);
    int rc = stage_run(cfg, stage, unit, inputs, n, workdir, outputs, &full,
                       err);
    stats_out(st, &full);
    return rc;
}

int wn_dedup_run(const wn_config *cfg, const char *const *inputs, size_t n,
                 const char *workdir, const char *const *outputs,
                 const char *rejects, wn_dedup_stats *st, wn_error *err)
{
    wn_dedup_stats full;
    stats_in(&full, st);
    int rc = dedup_run(cfg, inputs, n, workdir, outputs, rejects, &full, err);
    stats_out(st, &full);
    return rc;
}
