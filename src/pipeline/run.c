/*
 * run.c - `winnow run`: options, the work directory and the sequence of
 * phases.
 *
 * OUTDIR/work/run.conf records the effective options and the inputs (path
 * and size); a run that finds it with other contents refuses to mix its
 * work with it.  Phases:
 *   1. site pass  - for a stage with a first pass (site_lines): every input
 *                   through the stages before it, observed, then prepared;
 *                   skipped when every task is already done;
 *   2. process    - each input file is a task: its documents go through the
 *                   stages in parallel batches (batch.c) and its kept and
 *                   rejected documents and counters land in work/p1;
 *   3. dedup      - wn_dedup_run over the task outputs (resumes itself);
 *   4. write      - data/ and rejects/ shards, stats.json, report.html.
 * Each unit's files appear atomically, so kill -9 at any point loses only
 * the unit in progress.
 */
#include "run_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* Preferred order of the default stage list; stages not built are left
 * out, so the default is always valid. */
static const char *const default_stages[] = {
    "extract", "normalize", "site_lines", "clean", "langid",
    "gopher_repetition", "gopher_quality", "c4_filter", "fineweb", "pii",
};

static char default_stage_list[512];

static const config_opt run_opts[] = {
    {"run.jobs", "0", "worker threads; 0 = one per core"},
    {"run.stages", default_stage_list,
     "per-document stages, in order, comma separated"},
    {"run.dedup", "1", "remove exact and near duplicates (dedup.* options)"},
    {"run.shard_size", "256M", "uncompressed bytes per output shard"},
    {"run.format", "auto", "input format: auto, warc, jsonl or text"},
    {"run.text_field", "text", "JSONL field that holds the text"},
    {"run.max_record", "64M", "largest record or line accepted"},
    {"run.html", "1", "read HTML responses from WARC files"},
    {"run.examples", "3", "rejected examples per reason in the report"},
    {NULL, NULL, NULL},
};

static void build_default_stages(void)
{
    if (default_stage_list[0])
        return;
    size_t len = 0;
    for (size_t i = 0; i < sizeof default_stages / sizeof *default_stages;
         i++) {
        if (!stage_find(default_stages[i]))
            continue;
        len += (size_t)snprintf(default_stage_list + len,
                                sizeof default_stage_list - len, "%s%s",
                                len ? "," : "", default_stages[i]);
    }
}

int wn_run_option_at(size_t i, const char **key, const char **def,
                     const char **help)
{
    build_default_stages();
    if (i >= sizeof run_opts / sizeof *run_opts - 1)
        return 0;
    if (key)
        *key = run_opts[i].key;
    if (def)
        *def = run_opts[i].def;
    if (help)
        *help = run_opts[i].help;
    return 1;
}

static const char *opt(const wn_config *c, const char *key)
{
    for (size_t i = 0; run_opts[i].key; i++)
        if (!strcmp(run_opts[i].key, key))
            return config_get(c, key, run_opts[i].def);
    return NULL;
}

/* Splits the stage list into r->names (pointers into a copy). */
static int parse_stages(wn_run *r, const char *list, char **copy,
                        wn_error *err)
{
    *copy = strdup(list);
    if (!*copy)
        return WN_ENOMEM;
    r->nstages = 0;
    for (char *save = NULL, *t = strtok_r(*copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        const stage_ops *ops = stage_find(t);
        if (!ops)
            return wn_err(err, WN_EINVAL, "", 0, "run.stages: unknown stage "
                          "'%s' (see winnow run --list-stages)", t);
        if (r->nstages == TALLY_MAX_STAGES)
            return wn_err(err, WN_EINVAL, "", 0, "run.stages: too many");
        r->ops[r->nstages] = ops;
        r->names[r->nstages++] = ops->name;
    }
    return 0;
}

struct keycheck {
    const wn_config *cfg;
    const char *bad;
};

static void check_key(void *ctx, const char *key, const char *value)
{
    struct keycheck *kc = ctx;
    (void)value;
    if (kc->bad)
        return;
    const char *dot = strchr(key, '.');
    size_t plen = dot ? (size_t)(dot - key) : strlen(key);
    if (plen == 3 && !strncmp(key, "run", 3)) {
        for (size_t i = 0; run_opts[i].key; i++)
            if (!strcmp(run_opts[i].key, key))
                return;
    } else if (plen == 5 && !strncmp(key, "dedup", 5)) {
        return; /* wn_dedup_check_config decides */
    } else {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)plen, key);
        const stage_ops *ops = stage_find(name);
        for (size_t i = 0; ops && ops->opts && ops->opts[i].key; i++)
            if (!strcmp(ops->opts[i].key, key))
                return;
    }
    kc->bad = key;
}

static int copy_cb_rc;
static void copy_cb(void *ctx, const char *k, const char *v)
{
    if (wn_config_set(ctx, k, v))
        copy_cb_rc = WN_ENOMEM;
}

int wn_run_new(const wn_config *cfg, wn_run **out, wn_error *err)
{
    *out = NULL;
    build_default_stages();
    struct keycheck kc = {cfg, NULL};
    if (cfg)
        wn_config_each(cfg, check_key, &kc);
    if (kc.bad)
        return wn_err(err, WN_EINVAL, "", 0, "unknown option '%s'", kc.bad);
    int rc;
    if (cfg && (rc = wn_dedup_check_config(cfg, err)))
        return rc;
    wn_run *r = calloc(1, sizeof *r);
    if (!r || !(r->cfg = wn_config_new())) {
        free(r);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    copy_cb_rc = 0;
    if (cfg)
        wn_config_each(cfg, copy_cb, r->cfg);
    const wn_config *c = r->cfg;
    char *e;
    long jobs = strtol(opt(c, "run.jobs"), &e, 10);
    if (*e || jobs < 0 || jobs > 1024) {
        wn_run_free(r);
        return wn_err(err, WN_EINVAL, "", 0, "run.jobs: bad value");
    }
    if (!jobs)
        jobs = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN)
                                                 : 1;
    r->jobs = (int)jobs;
    r->dedup = config_get_bool(c, "run.dedup", 1);
    r->examples = (size_t)config_get_int(c, "run.examples", 3);
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = wn_format_parse(opt(c, "run.format"));
    ro.warc_html = config_get_bool(c, "run.html", 1);
    ro.text_field = opt(c, "run.text_field"); /* lives as long as r->cfg */
    if (ro.format < 0 || wn_parse_size(opt(c, "run.shard_size"), &r->shard_size) ||
        wn_parse_size(opt(c, "run.max_record"), &ro.max_record) ||
        !r->shard_size || !ro.max_record) {
        wn_run_free(r);
        return wn_err(err, WN_EINVAL, "", 0,
                      "run.format, run.shard_size or run.max_record: bad value");
    }
    r->ropts = ro;
    char *copy = NULL;
    rc = parse_stages(r, opt(c, "run.stages"), &copy, err);
    if (!rc)
        for (size_t i = 0; i < r->nstages && !rc; i++) {
            rc = r->ops[i]->create(c, &r->states[i], err);
            if (rc > 0)
                rc = 0;
            if (rc)
                r->states[i] = NULL; /* a failed create cleans up itself */
        }
    if (!rc)
        rc = tally_set_stages(&r->total, r->names, r->nstages);
    free(copy);
    if (rc) {
        wn_run_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void wn_run_set_warn(wn_run *r, void (*fn)(void *, const wn_error *),
                     void *ctx)
{
    r->warn = fn;
    r->warn_ctx = ctx;
}

void run_warn(wn_run *r, const wn_error *e)
{
    if (r->warn)
        r->warn(r->warn_ctx, e);
}

const char *run_path(wn_run *r, wn_buf *b, const char *fmt, ...)
{
    char rel[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof rel, fmt, ap);
    va_end(ap);
    wn_buf_reset(b);
    wn_buf_printf(b, "%s/%s", r->outdir, rel);
    return b->data;
}

static int mkdir_p(const char *path, wn_error *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return wn_err(err, WN_EIO, tmp, 0, "mkdir: %s",
                              strerror(errno));
            *p = '/';
        }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return wn_err(err, WN_EIO, tmp, 0, "mkdir: %s", strerror(errno));
    return 0;
}

/* Writes work/run.conf, or checks that an existing one matches. */
static int check_workdir(wn_run *r, wn_error *err)
{
    wn_buf want = WN_BUF_INIT, path = WN_BUF_INIT;
    wn_buf_printf(&want, "winnow %s\n", wn_version());
    wn_run_print_config(r->cfg, &want, err);
    wn_buf_puts(&want, "[inputs]\n");
    for (size_t i = 0; i < r->nfiles; i++) {
        struct stat sb;
        long long sz = stat(r->files[i], &sb) ? -1 : (long long)sb.st_size;
        wn_buf_printf(&want, "%s %lld\n", r->files[i], sz);
    }
    run_path(r, &path, "work/run.conf");
    int rc = 0;
    FILE *f = fopen(path.data, "rb");
    if (f) {
        wn_buf have = WN_BUF_INIT;
        char tmp[4096];
        size_t k;
        while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
            wn_buf_append(&have, tmp, k);
        fclose(f);
        if (have.len != want.len || memcmp(have.data, want.data, want.len))
            rc = wn_err(err, WN_EINVAL, path.data, 0,
                        "this output directory holds work of a run with "
                        "other inputs or options; use another directory or "
                        "remove it");
        wn_buf_release(&have);
    } else
        rc = write_text_file(path.data, &want, err);
    wn_buf_release(&want);
    wn_buf_release(&path);
    return rc;
}

/* Whether name is "NAME.tmp.PID", the temporary of winnow before
 * atomic_open. */
static int old_temporary(const char *name)
{
    const char *t = strstr(name, ".tmp."), *p;
    if (!t || t == name)
        return 0;
    for (p = t + 5; *p >= '0' && *p <= '9'; p++)
        ;
    return p > t + 5 && !*p;
}

/* Removes temporaries a killed run left in dir: atomic_open's
 * ".NAME.tmp.XXXXXXXX", and "NAME.tmp.PID" of older versions. */
static void remove_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[4352];
    while ((e = readdir(d)))
        if (atomic_is_temporary(e->d_name) || old_temporary(e->d_name)) {
            /* a path that does not fit is skipped, never cut short */
            if ((size_t)snprintf(p, sizeof p, "%s/%s", dir, e->d_name) <
                sizeof p)
                unlink(p);
        }
    closedir(d);
}

/* One run per OUTDIR at a time: an advisory lock on work/lock, released
 * by the kernel when the process ends, however it ends. */
static int lock_outdir(wn_run *r, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    run_path(r, &p, "work/lock");
    int fd = open(p.data, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = 0;
    if (fd < 0)
        rc = wn_err(err, WN_EIO, p.data, 0, "cannot open: %s", strerror(errno));
    else if (flock(fd, LOCK_EX | LOCK_NB)) {
        close(fd);
        rc = wn_err(err, WN_EINVAL, r->outdir, 0,
                    "another winnow run is using this output directory");
    } else
        r->lock_fd = fd;
    wn_buf_release(&p);
    return rc;
}

/* Common start of every way to run: inputs, directories, options check.
 * A part of a distributed run neither locks the directory nor clears
 * temporaries: its siblings are at work in it. */
static int run_setup(wn_run *r, const char *const *inputs, size_t n,
                     const char *outdir, int whole, wn_error *err)
{
    int rc;
    if (r->outdir)
        return wn_err(err, WN_EINVAL, "", 0, "a wn_run runs once");
    if (!(r->outdir = strdup(outdir)))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if ((rc = wn_inputs_expand(inputs, n, &r->files, &r->nfiles, err)))
        return rc;
    wn_buf p = WN_BUF_INIT;
    if ((rc = mkdir_p(run_path(r, &p, "work/p1"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "work/p2"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "data"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "rejects"), err)) ||
        (whole && (rc = lock_outdir(r, err))) ||
        (rc = check_workdir(r, err))) {
        wn_buf_release(&p);
        return rc;
    }
    static const char *const dirs[] = {"data", "rejects", "work", "work/p1",
                                       "work/p2", "work/dedup", ""};
    for (size_t i = 0; whole && i < sizeof dirs / sizeof *dirs; i++)
        remove_temporaries(run_path(r, &p, "%s", dirs[i]));
    wn_buf_release(&p);
    for (size_t i = 0; i < r->nfiles; i++) {
        struct stat sb;
        if (!stat(r->files[i], &sb))
            r->bytes_total += (uint64_t)sb.st_size;
    }
    return 0;
}

/* First passes and the per-file tasks i with i % nparts == part. */
static int run_tasks(wn_run *r, unsigned part, unsigned nparts, wn_error *err)
{
    int rc = 0;
    size_t todo = 0;
    for (size_t i = part; i < r->nfiles; i += nparts)
        todo += !run_task_done(r, i);
    /* first passes are needed only if some task still has to run */
    r->npasses = 1;
    for (size_t k = 0; k < r->nstages; k++)
        r->npasses += todo && r->ops[k]->observe;
    for (size_t k = 0; k < r->nstages && !rc; k++) {
        if (!r->ops[k]->observe)
            continue;
        if (todo) {
            r->phase = PH_SITE;
            rc = run_observe_pass(r, k, err);
            r->pass++;
        }
        if (!rc && r->ops[k]->prepare)
            rc = r->ops[k]->prepare(r->states[k], err);
    }
    r->phase = PH_PROCESS;
    r->bytes_done = 0;
    for (size_t i = part; i < r->nfiles && !rc; i += nparts)
        rc = run_task(r, i, err);
    r->pass++;
    return rc;
}

int wn_run_exec(wn_run *r, const char *const *inputs, size_t n,
                const char *outdir, wn_error *err)
{
    int rc = run_setup(r, inputs, n, outdir, 1, err);
    if (!rc)
        rc = run_tasks(r, 0, 1, err);
    if (!rc)
        rc = run_assemble(r, err);
    if (!rc)
        rc = run_write_stats(r, err);
    if (!rc)
        rc = run_write_report(r, err);
    r->phase = PH_DONE;
    return rc;
}

int wn_run_exec_part(wn_run *r, const char *const *inputs, size_t n,
                     const char *outdir, unsigned part, unsigned nparts,
                     wn_error *err)
{
    if (!nparts || part >= nparts)
        return wn_err(err, WN_EINVAL, "", 0, "part %u of %u", part, nparts);
    int rc = run_setup(r, inputs, n, outdir, 0, err);
    if (!rc)
        rc = run_tasks(r, part, nparts, err);
    r->phase = PH_DONE;
    return rc;
}

unsigned wn_run_dedup_units(wn_run *r, int stage)
{
    if (!r->dedup || !r->nfiles || !r->outdir)
        return 0;
    return wn_dedup_stage_units(r->cfg, stage, r->nfiles);
}

int wn_run_dedup_unit(wn_run *r, int stage, unsigned unit, wn_error *err)
{
    run_dedup_io io;
    int rc = run_dedup_io_init(r, &io, err);
    if (!rc)
        rc = wn_dedup_stage_run(io.cfg, stage, unit, (const char *const *)io.p1,
                                r->nfiles, io.workdir,
                                (const char *const *)io.p2, &r->dstats, err);
    run_dedup_io_release(r, &io);
    return rc;
}

void wn_run_get_progress(wn_run *r, wn_progress *p)
{
    static const char *const names[] = {"start", "site-pass", "process",
                                        "dedup", "write", "done"};
    int ph = r->phase;
    p->phase = names[ph];
    p->bytes_done = r->bytes_done;
    p->bytes_total = r->bytes_total;
    p->docs_read = r->docs_read;
    p->docs_kept = r->docs_kept;
    /* reading passes make 80% of the work, dedup and writing the rest */
    double passes = r->npasses ? r->npasses : 1;
    double f = r->pass;
    if (ph == PH_SITE || ph == PH_PROCESS)
        f += r->bytes_total ? (double)p->bytes_done / r->bytes_total : 0;
    f = 0.8 * f / passes;
    if (ph == PH_DEDUP)
        f = 0.85;
    else if (ph == PH_WRITE)
        f = 0.93;
    else if (ph == PH_DONE)
        f = 1;
    p->fraction = f > 1 ? 1 : f;
}

const wn_stats *wn_run_input_stats(const wn_run *r) { return &r->total.input; }

void wn_run_totals(const wn_run *r, uint64_t *read, uint64_t *kept,
                   uint64_t *rejected)
{
    uint64_t rej = 0;
    for (size_t i = 0; i < r->total.nreasons; i++)
        rej += r->total.reasons[i].n;
    if (read)
        *read = r->total.docs_read;
    if (kept)
        *kept = r->total.final_kept;
    if (rejected)
        *rejected = rej;
}

void wn_run_free(wn_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nstages; i++)
        if (r->states[i])
            r->ops[i]->free(r->states[i]);
    wn_inputs_free(r->files, r->nfiles);
    for (size_t i = 0; i < r->nex; i++) {
        free(r->ex[i].reason_key);
        wn_buf_release(&r->ex[i].id);
        wn_buf_release(&r->ex[i].url);
        wn_buf_release(&r->ex[i].reason);
        wn_buf_release(&r->ex[i].excerpt);
    }
    free(r->ex);
    tally_release(&r->total);
    wn_config_free(r->cfg);
    free(r->outdir);
    if (r->lock_fd > 0)
        close(r->lock_fd);
    free(r);
}

int wn_run_print_config(const wn_config *cfg, wn_buf *out, wn_error *err)
{
    build_default_stages();
    wn_buf_puts(out, "[run]\n");
    for (size_t i = 0; run_opts[i].key; i++)
        wn_buf_printf(out, "%s = %s\n", run_opts[i].key + 4,
                      config_get(cfg, run_opts[i].key, run_opts[i].def));
    char *copy = strdup(config_get(cfg, "run.stages", default_stage_list));
    if (!copy)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    for (char *save = NULL, *t = strtok_r(copy, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        const stage_ops *ops = stage_find(t);
        if (!ops || !ops->opts || !ops->opts[0].key)
            continue;
        wn_buf_printf(out, "\n[%s]\n", ops->name);
        for (size_t i = 0; ops->opts[i].key; i++) {
            const char *k = ops->opts[i].key;
            const char *dot = strchr(k, '.');
            wn_buf_printf(out, "%s = %s\n", dot ? dot + 1 : k,
                          config_get(cfg, k, ops->opts[i].def));
        }
    }
    free(copy);
    if (config_get_bool(cfg, "run.dedup", 1)) {
        const char *k, *def, *help;
        wn_buf_puts(out, "\n[dedup]\n");
        for (size_t i = 0; wn_dedup_option_at(i, &k, &def, &help); i++) {
            const char *dot = strchr(k, '.');
            wn_buf_printf(out, "%s = %s\n", dot ? dot + 1 : k,
                          config_get(cfg, k, def ? def : ""));
        }
    }
    return 0;
}
