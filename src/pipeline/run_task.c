/*
 * run_task.c - one input file of `winnow run`: the engine's main pass into
 * work/p1.
 *
 * Kept documents go to work/p1/NNNNN.jsonl.zst, rejected ones (with
 * "reject_reason") to work/p1/NNNNN.rej.jsonl.zst, the problems met to
 * work/p1/NNNNN.problems.jsonl, and the task's books to
 * work/p1/NNNNN.counts last.  The counts file marks the task done (it
 * vouches for the task's files by size and hash: marker.c) - unless
 * the input ended early (a read error): then the books say "unfinished",
 * the run goes on with what was read, and the next run reads the input
 * again.
 */
#include "engine.h"
#include "run_internal.h"
#include "../io/io.h"

#include <stdlib.h>
#include <unistd.h>

/* Loads the books of finished task i into t; 1 if it is finished, 0 if it
 * has to run (no books, or an unfinished input), negative on failure. */
static int load_done(wn_run *r, size_t i, tally *t, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    int rc = 0;
    const char *counts = run_path(r, &p, "work/p1/%05zu.counts", i);
    if (!counts)
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else {
        rc = tally_set_stages(t, (const char *const *)r->total.stage_name,
                              r->total.nstages);
        if (!rc)
            rc = tally_load(t, p.data, err);
        if (rc == 1) /* none, or not to be trusted (marker.c) */
            rc = 0;
        else if (!rc)
            rc = t->unfinished ? 0 : 1;
    }
    wn_buf_release(&p);
    return rc;
}

int run_task_done(wn_run *r, size_t i)
{
    tally t;
    tally_init(&t);
    wn_error e;
    int rc = load_done(r, i, &t, &e);
    tally_release(&t);
    return rc == 1;
}

/* The figures of input i for the report. */
static void note_file(wn_run *r, size_t i, const tally *t)
{
    if (!r->finfo)
        return;
    run_file *f = &r->finfo[i];
    f->read = t->docs_read;
    f->stage_kept = t->docs_kept;
    f->problems = t->problems;
    f->bytes = t->input.bytes_in;
}

int run_task(wn_run *r, size_t i, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    tally t;
    tally_init(&t);
    int rc = load_done(r, i, &t, err);
    if (rc) {
        /* finished by an earlier run: take its books */
        if (rc > 0) {
            note_file(r, i, &t);
            rc = tally_add(&r->total, &t);
        }
        tally_release(&t);
        wn_buf_release(&p);
        return rc;
    }
    tally_release(&t);
    tally_init(&t);
    r->tasks_run++;
    wn_writer *kept = NULL, *rej = NULL;
    /* the task's work files, vouched for by its counts (marker.c) */
    work_ledger led;
    ledger_begin(&led);
    /* a path that cannot be built must not become NULL: that is stdout */
    const char *path = run_path(r, &p, "work/p1/%05zu.jsonl.zst", i);
    rc = path ? wn_writer_open(path, WN_OUT_JSONL, &kept, err)
              : wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (!rc) {
        path = run_path(r, &p, "work/p1/%05zu.rej.jsonl.zst", i);
        rc = path ? wn_writer_open(path, WN_OUT_JSONL, &rej, err)
                  : wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    if (!rc) {
        /* work files are read once more: compress them for speed */
        wn_writer_set_level(kept, 1);
        wn_writer_set_level(rej, 1);
        writer_work(kept);
        writer_work(rej);
        wn_engine_set_outputs(r->eng, kept, rej);
        rc = wn_engine_process(r->eng, r->files[i], err);
        wn_engine_set_outputs(r->eng, NULL, NULL);
        rc = rc < 0 ? rc : 0;
    }
    if (!rc) {
        rc = wn_writer_close(kept, err);
        kept = NULL;
    }
    if (!rc) {
        rc = wn_writer_close(rej, err);
        rej = NULL;
    }
    if (!rc)
        rc = engine_take_books(r->eng, &t);
    if (!rc) {
        /* no file when there is nothing to list (not even from an earlier
         * attempt at this task) */
        const wn_buf *pr = engine_problems(r->eng);
        if (!run_path(r, &p, "work/p1/%05zu.problems.jsonl", i))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        else if (pr->len)
            rc = write_work_file(p.data, pr, err);
        else
            unlink(p.data);
        /* the task's problems (and a first pass's, met before it) are
         * kept with it; the next task starts a list of its own */
        engine_clear_problems(r->eng);
    }
    if (!rc) {
        /* and so are its examples of line rules (examples.jsonl) */
        wn_buf lx = WN_BUF_INIT;
        if ((rc = engine_take_line_examples(r->eng, &lx)) ||
            !run_path(r, &p, "work/p1/%05zu.lines.jsonl", i))
            rc = wn_err(err, rc ? rc : WN_ENOMEM, "", 0, "out of memory");
        else if (lx.len)
            rc = write_work_file(p.data, &lx, err);
        else
            unlink(p.data);
        wn_buf_release(&lx);
    }
    if (!rc && !run_path(r, &p, "work/p1/%05zu.counts", i))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    ledger_end(&led);
    if (!rc)
        rc = tally_save(&t, p.data, &led, err);
    if (!rc) {
        note_file(r, i, &t);
        rc = tally_add(&r->total, &t);
    }
    wn_writer_abort(kept);
    wn_writer_abort(rej);
    ledger_release(&led);
    tally_release(&t);
    wn_buf_release(&p);
    return rc;
}
