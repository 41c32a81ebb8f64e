/*
 * run_internal.h - state shared by the files of `winnow run`:
 * run.c (options, work directory, the sequence of phases), run_task.c
 * (one input file through the stages), assemble.c (final shards and
 * stats.json) and report.c (report.html).
 */
#ifndef WN_RUN_INTERNAL_H
#define WN_RUN_INTERNAL_H

#include "stage.h"
#include "tally.h"

#include <stdatomic.h>

enum run_phase { PH_IDLE, PH_SITE, PH_PROCESS, PH_DEDUP, PH_WRITE, PH_DONE };

/* What one input file gave (stats.json "inputs"). */
typedef struct run_file {
    uint64_t read, stage_kept, kept, problems, bytes;
} run_file;

/* Wall and CPU seconds of the phases of wn_run_exec (timing.json). */
enum { RT_READ, RT_DEDUP, RT_WRITE, RT_N };
typedef struct run_clock {
    double start_real, end_real;   /* seconds since the epoch */
    double wall[RT_N], cpu[RT_N];
    double mark_wall, mark_cpu;    /* when the current phase began */
} run_clock;
void run_clock_start(run_clock *c);
/* Ends phase ph (its time since the last mark) and marks now. */
void run_clock_lap(run_clock *c, int ph);

typedef struct run_example {
    char *reason_key;
    wn_buf id, url, reason, excerpt;
} run_example;

struct wn_run {
    wn_config *cfg;
    wn_engine *eng;     /* the document loop and its stages */
    int jobs;
    int dedup;
    int para;           /* dedup.paragraphs: the paragraph step runs */
    int substr;         /* run.substr: the substring step runs */
    size_t shard_size;
    size_t examples;
    void (*warn)(void *, const wn_error *);
    void *warn_ctx;
    /* inputs and work paths */
    char **files;
    size_t nfiles;
    char *outdir;
    int lock_fd;        /* holds the OUTDIR lock while > 0 */
    unsigned flags;     /* WN_RUN_FORCE, WN_RUN_KEEP_WORK */
    int clear_work;     /* --force: the work of another run is removed */
    wn_buf conf;        /* work/run.conf: options and input fingerprints */
    wn_buf setup_problems; /* what the walk of input folders skipped */
    size_t tasks_run;   /* tasks run (not resumed) by this process */
    /* progress */
    _Atomic int phase;
    uint64_t bytes_total;
    int npasses;        /* reading passes over the input */
    _Atomic int pass;   /* finished passes */
    /* results */
    tally total;
    wn_dedup_stats dstats;
    wn_substr_stats sstats;
    run_example *ex;
    size_t nex;
    size_t data_shards, reject_shards;
    run_file *finfo;    /* nfiles of them */
    run_clock clock;
    char *command;      /* wn_run_set_command */
    /* run_observe.c: the first passes of a part (wn_run_observe_part) */
    struct {
        int started, done; /* done: every first pass prepared */
        int todo;          /* some task of the whole run is left */
        int waiting;       /* stage `next` is saved, not yet merged */
        unsigned part, nparts;
        size_t next;       /* the first stage not prepared yet */
    } obs;
};

/* Formats "OUTDIR/rel" into b. */
const char *run_path(wn_run *r, wn_buf *b, const char *fmt, ...)
    WN_PRINTF(3, 4);
/* Reports a bad-input verdict through the warn callback. */
void run_warn(wn_run *r, const wn_error *e);

/* run.c: inputs, work directories and the options check of every way to
 * run; whole = 0 for a part of a distributed run. */
int run_setup(wn_run *r, const char *const *inputs, size_t n,
              const char *outdir, int whole, wn_error *err);

/* outdir.c: may this run write into OUTDIR?  (conf: its run.conf; sets
 * r->clear_work.)  Changes nothing on disk. */
int outdir_claim(wn_run *r, const wn_buf *conf, int whole, wn_error *err);
/* A temporary file of winnow's, of this version or an older one. */
int outdir_is_temporary(const char *name);
/* Removes dir and everything under it (NULL: nothing). */
void outdir_remove_tree(const char *dir);
/* Removes work.removing, what a run killed while removing work/ left. */
void outdir_remove_old_work(wn_run *r);
/* Removes what work/ holds but the lock (another run's work, --force). */
void outdir_clear_work(wn_run *r);
/* A finished run: stale shards removed, manifest.json written, work/
 * removed unless WN_RUN_KEEP_WORK. */
int outdir_finish(wn_run *r, wn_error *err);

/* run_observe.c: is this the part, outdir (and, with done, the finished
 * first passes) that wn_run_observe_part began? */
int run_observe_check(wn_run *r, const char *outdir, unsigned part,
                      unsigned nparts, int done, wn_error *err);
/* run_task.c: input i through every stage into work/p1 (skipped if done).
 * Adds its counters to r->total. */
int run_task(wn_run *r, size_t i, wn_error *err);
/* Is task i finished (its counters file exists)? */
int run_task_done(wn_run *r, size_t i);

/* assemble.c: the files and options wn_dedup_* is called with. */
typedef struct run_dedup_io {
    char **p1, **p2;   /* task outputs, dedup outputs (nfiles each) */
    int changes;       /* p2 holds dedup.changes: only what dedup changed */
    char **p3;         /* paragraph step outputs (nfiles) */
    char *rejects;     /* dedup rejects */
    char *workdir;
    wn_config *cfg;    /* the run's options, dedup.threads = run.jobs */
} run_dedup_io;
int run_dedup_io_init(wn_run *r, run_dedup_io *io, wn_error *err);
void run_dedup_io_release(wn_run *r, run_dedup_io *io);

/* assemble.c: dedup (if on), then data/ and rejects/ shards, stats.json. */
int run_assemble(wn_run *r, wn_error *err);
int run_write_stats(wn_run *r, wn_error *err);
/* assemble.c: every document of a file winnow wrote itself (work files,
 * output shards) into fn, through the one reader loop; any problem there
 * is a failure ("damaged work file"), not bad input. */
int run_each_own_doc(const char *path,
                     int (*fn)(void *, wn_doc *, wn_error *), void *ctx,
                     wn_error *err);
/* assemble.c: OUTDIR/examples.jsonl, the examples the report shows. */
int run_write_examples(wn_run *r, wn_error *err);
/* run_para.c: is dedup.paragraphs on?  The paragraph step over the files
 * in (nfiles of them) into work/p3 (skipped when done); adds its counters
 * to r->dstats. */
int run_paragraphs_on(const wn_run *r);
int run_paragraphs(wn_run *r, char *const *in, wn_error *err);
/* run_substr.c: the substring step over the files in (nfiles of them)
 * into work/p4 (its units resume from work/substr); sets r->sstats. */
int run_substr(wn_run *r, char *const *in, wn_error *err);
/* report.c */
int run_write_report(wn_run *r, wn_error *err);

#endif
