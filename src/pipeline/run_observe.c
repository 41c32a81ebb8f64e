/*
 * run_observe.c - the first pass (site_lines' site-line counts) of a
 * distributed run, split over its parts instead of repeated by each.
 *
 * A part observes only its share of the inputs, files i with
 * i % nparts == part, and saves what it saw (stage_ops.save) to
 *   OUTDIR/work/observe/STAGE.PART-of-NPARTS       the state
 *   OUTDIR/work/observe/STAGE.PART-of-NPARTS.json  what the share read
 * both written atomically, the JSON first, so the state marks the share
 * done.  Once every part has saved (the caller's barrier), each process
 * merges all saves in part order into a fresh state and prepares it: the
 * same bytes merged in the same order give every process the same state,
 * and with nothing evicted from the stage's table the state of one
 * process that observed everything (see site.c).  N parts thus read the
 * corpus once between them, not N times.  A rerun finds the saves of
 * finished shares and does not observe them again; they belong to the
 * options and inputs in work/run.conf, which run_setup checks.
 */
#include "engine.h"
#include "run_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *share_path(wn_run *r, wn_buf *b, size_t k, unsigned part)
{
    return run_path(r, b, "work/observe/%s.%u-of-%u",
                    engine_stage_name(r->eng, k), part,
                    r->obs.nparts);
}

/* Observes this part's share for stage k and saves it. */
static int observe_share(wn_run *r, size_t k, wn_error *err)
{
    wn_buf path = WN_BUF_INIT, b = WN_BUF_INIT;
    if (!access(share_path(r, &path, k, r->obs.part), F_OK)) {
        wn_buf_release(&path); /* saved by an earlier run */
        return 0;
    }
    size_t files = 0;
    for (size_t i = r->obs.part; i < r->nfiles; i += r->obs.nparts)
        files++;
    r->phase = PH_SITE;
    uint64_t bytes = 0;
    int rc = engine_observe_stage(r->eng, k, r->files, r->nfiles, r->obs.part,
                                  r->obs.nparts, &bytes, err);
    r->pass++;
    if (!rc) {
        const char *name = engine_stage_name(r->eng, k);
        wn_buf_puts(&b, "{\"stage\": ");
        wn_json_put_string(&b, name, strlen(name));
        wn_buf_printf(&b, ", \"part\": %u, \"nparts\": %u, \"files\": %zu, "
                      "\"bytes_read\": %llu}\n", r->obs.part, r->obs.nparts,
                      files, (unsigned long long)bytes);
        wn_buf_puts(&path, ".json");
        rc = write_text_file(path.data, &b, err);
    }
    if (!rc) {
        wn_buf_reset(&b);
        rc = engine_stage_save(r->eng, k, &b);
        /* the file ends in '\n' so that the text writer adds nothing; a
         * load takes it off again */
        if (rc || wn_buf_putc(&b, '\n'))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    if (!rc)
        rc = write_text_file(share_path(r, &path, k, r->obs.part), &b, err);
    wn_buf_release(&b);
    wn_buf_release(&path);
    return rc;
}

/* Stage k afresh, with the saves of all parts merged in part order. */
static int merge_shares(wn_run *r, size_t k, wn_error *err)
{
    /* the stage holds this part's share only: start from a fresh one */
    int rc = engine_stage_renew(r->eng, k, err);
    if (rc < 0)
        return rc;
    wn_buf path = WN_BUF_INIT, b = WN_BUF_INIT;
    rc = 0;
    for (unsigned p = 0; p < r->obs.nparts && !rc; p++) {
        const char *name = share_path(r, &path, k, p);
        wn_buf_reset(&b);
        if ((rc = read_whole_file(name, &b, err)) > 0)
            rc = wn_err(err, WN_EIO, name, 0, "missing: a part has not "
                        "saved its share");
        if (rc)
            break;
        if (!b.len || b.data[b.len - 1] != '\n') {
            rc = wn_err(err, WN_EFORMAT, name, 0, "saved first pass is "
                        "damaged (remove it to observe the share again)");
            break;
        }
        if ((rc = engine_stage_merge(r->eng, k, b.data, b.len - 1, err))) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            rc = wn_err(err, rc, name, 0, "%s (remove the file to observe "
                        "that share again)", msg);
        }
    }
    wn_buf_release(&b);
    wn_buf_release(&path);
    return rc;
}

/* prepare() of stage k; a positive return is no error. */
static int prepare(wn_run *r, size_t k, wn_error *err)
{
    int rc = engine_prepare_stage(r->eng, k, err);
    return rc < 0 ? rc : 0;
}

/* First call: the work directory, and whether any task is left. */
static int start(wn_run *r, const char *const *inputs, size_t n,
                 const char *outdir, unsigned part, unsigned nparts,
                 wn_error *err)
{
    if (!nparts || part >= nparts)
        return wn_err(err, WN_EINVAL, "", 0, "part %u of %u", part, nparts);
    int rc = run_setup(r, inputs, n, outdir, 0, err);
    if (rc)
        return rc;
    r->obs.started = 1;
    r->obs.part = part;
    r->obs.nparts = nparts;
    /* Every part decides on all tasks, not on its own: a part whose tasks
     * are done must still observe its share for the others.  No task can
     * finish before every part has passed its first call. */
    for (size_t i = 0; i < r->nfiles && !r->obs.todo; i++)
        r->obs.todo = !run_task_done(r, i);
    r->npasses = 1;
    if (r->obs.todo)
        r->npasses += engine_first_passes(r->eng);
    wn_buf p = WN_BUF_INIT;
    if (mkdir(run_path(r, &p, "work/observe"), 0755) && errno != EEXIST)
        rc = wn_err(err, WN_EIO, p.data, 0, "mkdir: %s", strerror(errno));
    wn_buf_release(&p);
    return rc;
}

int wn_run_observe_part(wn_run *r, const char *const *inputs, size_t n,
                        const char *outdir, unsigned part, unsigned nparts,
                        wn_error *err)
{
    int rc;
    if (!r->obs.started) {
        if ((rc = start(r, inputs, n, outdir, part, nparts, err)))
            return rc;
    } else if ((rc = run_observe_check(r, outdir, part, nparts, 0, err)))
        return rc;
    if (r->obs.waiting) { /* every part has saved stage next */
        if ((rc = merge_shares(r, r->obs.next, err)) ||
            (rc = prepare(r, r->obs.next, err)))
            return rc;
        r->obs.waiting = 0;
        r->obs.next++;
    }
    size_t nst = wn_engine_nstages(r->eng);
    for (; r->obs.next < nst; r->obs.next++) {
        size_t k = r->obs.next;
        if (!wn_stage_has_first_pass(wn_engine_stage(r->eng, k)))
            continue;
        if (r->obs.todo && engine_stage_can_merge(r->eng, k)) {
            if ((rc = observe_share(r, k, err)))
                return rc;
            r->obs.waiting = 1;
            return 1;
        }
        if (r->obs.todo) { /* a stage that cannot merge sees everything */
            r->phase = PH_SITE;
            rc = engine_observe_stage(r->eng, k, r->files, r->nfiles, 0, 1,
                                      NULL, err);
            r->pass++;
        }
        if (rc || (rc = prepare(r, k, err)))
            return rc;
    }
    r->obs.done = 1;
    return 0;
}

int run_observe_check(wn_run *r, const char *outdir, unsigned part,
                      unsigned nparts, int done, wn_error *err)
{
    if (part != r->obs.part || nparts != r->obs.nparts ||
        strcmp(outdir, r->outdir))
        return wn_err(err, WN_EINVAL, "", 0, "wn_run_observe_part began "
                      "part %u of %u in %s", r->obs.part, r->obs.nparts,
                      r->outdir);
    if (done && !r->obs.done)
        return wn_err(err, WN_EINVAL, "", 0, "wn_run_observe_part has not "
                      "returned 0 yet");
    return 0;
}
