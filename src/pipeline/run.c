/*
 * run.c - `winnow run`: options, the work directory and the sequence of
 * phases.
 *
 * OUTDIR/work/run.conf records the effective options and the inputs (path
 * and size); a run that finds it with other contents refuses to mix its
 * work with it.  Phases:
 *   1. site pass  - for a stage with a first pass (site_lines): every input
 *                   through the stages before it, observed, then prepared;
 *                   skipped when every task is already done (the
 *                   parts of a distributed run split it: run_observe.c);
 *   2. process    - each input file is a task: its documents go through the
 *                   stages in parallel batches (batch.c) and its kept and
 *                   rejected documents and counters land in work/p1;
 *   3. dedup      - wn_dedup_run over the task outputs (resumes itself),
 *                   then the paragraph step (run_para.c) and the substring
 *                   step (run_substr.c) when they are on;
 *   4. write      - data/ and rejects/ shards, stats.json, report.html.
 * Each unit's files appear atomically, so kill -9 at any point loses only
 * the unit in progress.
 */
#include "engine.h"
#include "run_internal.h"
#include "../io/input.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Every registered stage, in registry order (the only order). */
static char default_stage_list[512];
static void build_default_stages(void);

#define AT(f) OPT_AT(run_options, f)

/* run.format's choices are in the order of enum wn_format. */
static const config_opt run_opts[] = {
    OPTION_INT("run.jobs", "0", 0, 1024, 0, AT(jobs),
               "worker threads; 0 = one per core"),
    OPTION_LIST("run.stages", default_stage_list, NULL, OPT_EMPTY,
                AT(stages), "per-document stages, in order, comma separated"),
    OPTION_ENUM("run.mode", "filter", "filter|annotate", AT(annotate),
                "filter: drop what a stage rejects; annotate: keep every "
                "document, with each stage's signals and verdict in its "
                "metadata, for winnow select (no dedup)"),
    OPTION_BOOL("run.dedup", "1", AT(dedup),
                "remove exact and near duplicates (dedup.* options)"),
    OPTION_BOOL("run.substr", "0", AT(substr),
                "after dedup, strike repeated substrings (substr.* options; "
                "docs/dedup.md, \"Exact substrings\")"),
    OPTION_SIZE("run.shard_size", "256M", 1, OPT_NOLIMIT, AT(shard_size),
                "uncompressed bytes per output shard"),
    OPTION_ENUM("run.format", "auto", "auto|warc|jsonl|text|html", AT(format),
                "input format"),
    OPTION_STRING("run.text_field", "text", 0, AT(text_field),
                  "JSONL field that holds the text"),
    OPTION_SIZE("run.max_record", "64M", 1, OPT_NOLIMIT, AT(max_record),
                "largest record or line accepted"),
    OPTION_BOOL("run.html", "1", AT(html),
                "read HTML responses from WARC files"),
    OPTION_INT("run.examples", "3", 0, OPT_NOLIMIT, 0, AT(examples),
               "examples per reject reason and per line rule in the report"),
    OPTION_END,
};

const config_opt *run_option_table(void)
{
    build_default_stages();
    return run_opts;
}

static void build_default_stages(void)
{
    if (default_stage_list[0])
        return;
    size_t len = 0;
    for (size_t i = 0; wn_stage_name_at(i); i++)
        len += (size_t)snprintf(default_stage_list + len,
                                sizeof default_stage_list - len, "%s%s",
                                len ? "," : "", wn_stage_name_at(i));
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


int wn_run_new(const wn_config *cfg, wn_run **out, wn_error *err)
{
    *out = NULL;
    build_default_stages();
    wn_run *r = calloc(1, sizeof *r);
    if (!r || !(r->cfg = wn_config_new())) {
        free(r);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    int rc = wn_config_merge(r->cfg, cfg)
                 ? wn_err(err, WN_ENOMEM, "", 0, "out of memory") : 0;
    /* the engine checks every key and value once (run.*, dedup.*, each
     * stage's) and creates the stages; the run takes its own options from
     * what the engine parsed */
    if (!rc && !(rc = wn_engine_new(r->cfg, &r->eng, err))) {
        const run_options *o = engine_options(r->eng);
        r->jobs = engine_jobs(r->eng);
        r->dedup = o->dedup && !o->annotate; /* annotate drops nothing */
        r->para = !o->annotate && run_paragraphs_on(r);
        r->substr = o->substr && !o->annotate;
        r->examples = o->examples;
        r->shard_size = o->shard_size;
        engine_book_final(r->eng, 0); /* the final output comes later */
        engine_line_examples(r->eng, r->examples);
        tally *b = engine_books(r->eng);
        rc = tally_set_stages(&r->total, (const char *const *)b->stage_name,
                              b->nstages);
        /* substr.* values are checked even when the step is off, as
         * dedup.* ones are */
        if (!rc)
            rc = wn_substr_check_config(r->cfg, err);
    }
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
    wn_engine_set_warn(r->eng, fn, ctx);
}

void wn_run_set_flags(wn_run *r, unsigned flags) { r->flags = flags; }

unsigned wn_run_flags(const wn_run *r) { return r->flags; }

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
    /* NULL when it cannot be built: never a shorter path by mistake */
    return wn_buf_printf(b, "%s/%s", r->outdir, rel) ? NULL : b->data;
}

static int mkdir_p(const char *path, wn_error *err)
{
    if (!path) /* run_path could not build it */
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
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

/* r->conf: what work/run.conf records - the version, the effective
 * options, and each input with its size and modification time ("-" for a
 * stream): a run resumed after an input changed would mix two versions of
 * it, so it is refused like one with other options. */
static int run_conf(wn_run *r, wn_error *err)
{
    wn_buf *c = &r->conf;
    wn_buf_reset(c);
    /* every part checked: a short run.conf would refuse the next run */
    int rc = wn_buf_printf(c, "winnow %s\n", wn_version());
    if (!rc)
        rc = wn_run_print_config(r->cfg, c, err);
    if (!rc)
        rc = wn_buf_puts(c, "[inputs]\n");
    for (size_t i = 0; i < r->nfiles && !rc; i++) {
        input_fp fp;
        int got = input_fingerprint(r->files[i], &fp, 0);
        if (!(rc = wn_buf_printf(c, "%s ", r->files[i])) &&
            !(rc = input_fp_format(&fp, got, c)))
            rc = wn_buf_putc(c, '\n');
    }
    return rc == WN_ENOMEM ? wn_err(err, rc, "", 0, "out of memory") : rc;
}

/* Writes work/run.conf, or checks that an existing one matches. */
static int check_workdir(wn_run *r, wn_error *err)
{
    wn_buf path = WN_BUF_INIT, have = WN_BUF_INIT;
    if (!run_path(r, &path, "work/run.conf"))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = read_whole_file(path.data, &have, err);
    if (rc == 1) /* a new OUTDIR */
        rc = write_text_file(path.data, &r->conf, err);
    else if (!rc && (have.len != r->conf.len ||
                     memcmp(have.data, r->conf.data, r->conf.len)))
        rc = wn_err(err, WN_EINVAL, path.data, 0,
                    "this output directory holds work of a run with other "
                    "inputs or options; use another directory or remove it");
    wn_buf_release(&have);
    wn_buf_release(&path);
    return rc;
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
        if (outdir_is_temporary(e->d_name)) {
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
    if (!run_path(r, &p, "work/lock")) {
        wn_buf_release(&p);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
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

/* What the walk of input folders skips (link loops, FIFOs...) is bad
 * input of the run: counted, reported, listed in problems.jsonl first. */
static void setup_warn(void *ctx, const wn_error *w)
{
    wn_run *r = ctx;
    tally_problem(&r->total, &r->setup_problems, (size_t)1 << 20, w);
    run_warn(r, w);
}

/* Common start of every way to run: inputs, directories, options check.
 * A part of a distributed run neither locks the directory nor clears
 * temporaries: its siblings are at work in it. */
int run_setup(wn_run *r, const char *const *inputs, size_t n,
              const char *outdir, int whole, wn_error *err)
{
    int rc;
    if (r->outdir)
        return wn_err(err, WN_EINVAL, "", 0, "a wn_run runs once");
    if (!(r->outdir = strdup(outdir)))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if ((rc = inputs_expand(inputs, n, &r->files, &r->nfiles, setup_warn, r,
                            &r->total.input.bad_files, err)))
        return rc;
    if ((rc = run_conf(r, err)) || (rc = outdir_claim(r, &r->conf, whole, err)))
        return rc;
    wn_buf p = WN_BUF_INIT;
    if ((rc = mkdir_p(run_path(r, &p, "work"), err)) ||
        (whole && (rc = lock_outdir(r, err)))) {
        wn_buf_release(&p);
        return rc;
    }
    if (r->clear_work)
        outdir_clear_work(r);
    if (whole)
        outdir_remove_old_work(r);
    if ((rc = mkdir_p(run_path(r, &p, "work/p1"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "work/p2"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "work/p3"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "work/p4"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "data"), err)) ||
        (rc = mkdir_p(run_path(r, &p, "rejects"), err)) ||
        (rc = check_workdir(r, err))) {
        wn_buf_release(&p);
        return rc;
    }
    static const char *const dirs[] = {"data", "rejects", "work", "work/p1",
                                       "work/p2", "work/p3", "work/dedup",
                                       "work/p4", "work/substr", ""};
    for (size_t i = 0; whole && i < sizeof dirs / sizeof *dirs; i++)
        remove_temporaries(run_path(r, &p, "%s", dirs[i]));
    wn_buf_release(&p);
    for (size_t i = 0; i < r->nfiles; i++) {
        struct stat sb;
        if (!stat(r->files[i], &sb))
            r->bytes_total += (uint64_t)sb.st_size;
    }
    if (r->nfiles && !(r->finfo = calloc(r->nfiles, sizeof *r->finfo)))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    return 0;
}

/* First passes and the per-file tasks i with i % nparts == part. */
static int run_tasks(wn_run *r, unsigned part, unsigned nparts, wn_error *err)
{
    int rc = 0;
    size_t todo = 0;
    for (size_t i = part; i < r->nfiles; i += nparts)
        todo += !run_task_done(r, i);
    /* first passes are needed only if some task still has to run, and
     * not again after wn_run_observe_part made them */
    if (!r->obs.done)
        r->npasses = 1 + (todo ? engine_first_passes(r->eng) : 0);
    if (!r->obs.done && todo && r->npasses > 1) {
        r->phase = PH_SITE;
        rc = engine_observe_files(r->eng, r->files, r->nfiles, err);
        r->pass = engine_passes_done(r->eng);
    }
    r->phase = PH_PROCESS;
    engine_reset_progress(r->eng);
    for (size_t i = part; i < r->nfiles && !rc; i += nparts)
        rc = run_task(r, i, err);
    r->pass++;
    if (!rc && r->tasks_run) {
        /* the deduplication of an earlier attempt saw other task outputs
         * (an input it could not read to the end): it starts again */
        wn_buf p = WN_BUF_INIT;
        outdir_remove_tree(run_path(r, &p, "work/dedup"));
        outdir_remove_tree(run_path(r, &p, "work/p2"));
        outdir_remove_tree(run_path(r, &p, "work/p3"));
        outdir_remove_tree(run_path(r, &p, "work/substr"));
        outdir_remove_tree(run_path(r, &p, "work/p4"));
        if (mkdir_p(run_path(r, &p, "work/p2"), err) ||
            mkdir_p(run_path(r, &p, "work/p3"), err) ||
            mkdir_p(run_path(r, &p, "work/p4"), err))
            rc = err->code;
        wn_buf_release(&p);
    }
    return rc;
}

static double now(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

void run_clock_start(run_clock *c)
{
    memset(c, 0, sizeof *c);
    c->start_real = now(CLOCK_REALTIME);
    c->mark_wall = now(CLOCK_MONOTONIC);
    c->mark_cpu = now(CLOCK_PROCESS_CPUTIME_ID);
}

void run_clock_lap(run_clock *c, int ph)
{
    double w = now(CLOCK_MONOTONIC), u = now(CLOCK_PROCESS_CPUTIME_ID);
    c->wall[ph] += w - c->mark_wall;
    c->cpu[ph] += u - c->mark_cpu;
    c->mark_wall = w;
    c->mark_cpu = u;
    c->end_real = now(CLOCK_REALTIME);
}

int wn_run_set_command(wn_run *r, const char *line)
{
    char *c = strdup(line ? line : "");
    if (!c)
        return WN_ENOMEM;
    free(r->command);
    r->command = c;
    return 0;
}

int wn_run_exec(wn_run *r, const char *const *inputs, size_t n,
                const char *outdir, wn_error *err)
{
    run_clock_start(&r->clock);
    int rc = run_setup(r, inputs, n, outdir, 1, err);
    if (!rc)
        rc = run_tasks(r, 0, 1, err);
    run_clock_lap(&r->clock, RT_READ);
    if (!rc)
        rc = run_assemble(r, err);
    if (!rc)
        rc = run_write_stats(r, err);
    if (!rc)
        rc = run_write_report(r, err);
    if (!rc)
        rc = outdir_finish(r, err);
    r->phase = PH_DONE;
    return rc;
}

int wn_run_exec_part(wn_run *r, const char *const *inputs, size_t n,
                     const char *outdir, unsigned part, unsigned nparts,
                     wn_error *err)
{
    if (!nparts || part >= nparts)
        return wn_err(err, WN_EINVAL, "", 0, "part %u of %u", part, nparts);
    int rc = r->obs.started ? run_observe_check(r, outdir, part, nparts, 1, err)
                            : run_setup(r, inputs, n, outdir, 0, err);
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

void wn_run_get_progress(wn_run *r, wn_progress *out)
{
    wn_progress full, *p = &full;
    memset(p, 0, sizeof *p);
    static const char *const names[] = {"start", "site-pass", "process",
                                        "dedup", "write", "done"};
    int ph = r->phase;
    p->phase = names[ph];
    engine_progress(r->eng, &p->bytes_done, &p->docs_read, &p->docs_kept);
    p->bytes_total = r->bytes_total;
    if (ph == PH_SITE)
        p->fraction = engine_passes_done(r->eng);
    /* reading passes make 80% of the work, dedup and writing the rest */
    double passes = r->npasses ? r->npasses : 1;
    double f = ph == PH_SITE ? p->fraction : r->pass;
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
    /* no more than the caller's struct holds */
    size_t n = out->size && out->size < sizeof full ? out->size : sizeof full;
    full.size = n;
    memcpy(out, &full, n);
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
    wn_engine_free(r->eng);
    wn_inputs_free(r->files, r->nfiles);
    for (size_t i = 0; i < r->nex; i++) {
        free(r->ex[i].reason_key);
        wn_buf_release(&r->ex[i].id);
        wn_buf_release(&r->ex[i].url);
        wn_buf_release(&r->ex[i].reason);
        wn_buf_release(&r->ex[i].excerpt);
    }
    free(r->ex);
    free(r->finfo);
    free(r->command);
    tally_release(&r->total);
    wn_buf_release(&r->conf);
    wn_buf_release(&r->setup_problems);
    wn_config_free(r->cfg);
    free(r->outdir);
    if (r->lock_fd > 0)
        close(r->lock_fd);
    free(r);
}

/* "; help (type and range)" then "key = value" for each option of table,
 * after checking every value when opts_size is given (a configuration that
 * would be refused is not printed as if it were fine). */
static int print_section(const char *name, const config_opt *table,
                         size_t opts_size, const wn_config *cfg, wn_buf *out,
                         wn_error *err)
{
    if (!table || !table->key)
        return 0;
    if (opts_size) {
        void *o = calloc(1, opts_size);
        if (!o)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        int rc = config_parse(table, cfg, o, err);
        free(o);
        if (rc)
            return rc;
    }
    wn_buf_printf(out, "%s[%s]\n", strcmp(name, "run") ? "\n" : "", name);
    for (const config_opt *t = table; t->key; t++) {
        char what[320];
        config_describe(t, what, sizeof what);
        const char *dot = strchr(t->key, '.');
        /* an instance's section (classifier@edu) shows its own keys */
        char key[256];
        snprintf(key, sizeof key, "%s%s", name, dot ? dot : "");
        const char *v = wn_config_lookup(cfg, dot ? key : t->key);
        wn_buf_printf(out, "; %s (%s)\n%s = %s\n", t->help, what,
                      dot ? dot + 1 : t->key, v ? v : t->def);
    }
    return 0;
}

int wn_run_print_config(const wn_config *cfg, wn_buf *out, wn_error *err)
{
    build_default_stages();
    run_options o;
    memset(&o, 0, sizeof o);
    int rc = print_section("run", run_opts, sizeof o, cfg, out, err);
    if (rc || (rc = config_parse(run_opts, cfg, &o, err)))
        return rc;
    const char *cur = o.stages, *item;
    size_t n;
    while (!rc && (n = config_list_next(&cur, &item))) {
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)n, item);
        const stage_ops *ops = stage_find(name);
        if (ops)
            rc = print_section(name, ops->opts, ops->opts_size, cfg, out, err);
        if (ops && !rc && stage_print_languages(ops, cfg, out))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    /* dedup's cross-checks (bands * rows) live in wn_dedup_check_config */
    if (!rc && o.dedup && !(rc = wn_dedup_check_config(cfg, err)))
        rc = print_section("dedup", dedup_option_table(), 0, cfg, out, err);
    if (!rc && o.substr && !(rc = wn_substr_check_config(cfg, err)))
        rc = print_section("substr", substr_option_table(), 0, cfg, out, err);
    return rc;
}
