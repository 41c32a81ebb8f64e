/*
 * engine.c - the one document loop (see "engine" in winnow.h).
 *
 * Reading is input_each (src/io/input.c), the only reader loop; the
 * documents it reads go straight into the batches of the worker pool
 * (batch.c), which runs the stages on every core and hands batches back
 * in input order; commit() then writes each document and books it.  So the
 * promises every command makes - nothing lost, bad input counted once and
 * reported once, the same reject_reason whatever the command, output
 * independent of the thread count - are kept here, once.
 *
 * A first pass (a stage with observe(), e.g. site_lines) reads the inputs
 * through the stages before that stage and shows it the survivors, in
 * input order; problems are reported by the main pass only, so each is
 * reported once.  A stream cannot be read twice: when a first pass is due,
 * it is spooled (input_spool) and both passes read the spool under the
 * stream's own name.  Each input is fingerprinted (size, time, first
 * 64 KiB) before its first pass and checked before its main pass: a file
 * replaced in between is reported and counted (inputs_changed).
 */
#include "engine_impl.h"
#include "batch.h"
#include "stage_api.h"
#include "../io/input.h"
#include "../io/io.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Problems listed in detail per engine (all are counted). */
#define MAX_LISTED ((uint64_t)1 << 20)

/* ------------------------------------------------------------- options */

/* Every key must be an option of something winnow has: run.*, dedup.* or
 * a registered stage's; a misspelt key is a usage error, not a setting
 * silently ignored. */
struct keycheck {
    const char *bad;
};

static void check_key(void *ctx, const char *key, const char *value)
{
    struct keycheck *kc = ctx;
    (void)value;
    if (kc->bad)
        return;
    if (!strncmp(key, "dedup.", 6))
        return; /* wn_dedup_check_config decides */
    if (!config_find_any(key))
        kc->bad = key;
}

/* Options of registered stages this engine does not run are checked too:
 * a bad value is a mistake whether or not the stage runs today. */
static int check_other_stages(const wn_engine *e, const wn_config *c,
                              wn_error *err)
{
    size_t n;
    const stage_ops *const *all = stage_all(&n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        int used = 0;
        for (size_t k = 0; k < e->nstages; k++)
            used |= !strcmp(e->names[k], all[i]->name);
        if (used)
            continue;
        void *o = calloc(1, all[i]->opts_size ? all[i]->opts_size : 1);
        if (!o)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        rc = config_parse(all[i]->opts, c, o, err);
        free(o);
    }
    return rc;
}

/* The name of an instance in run.stages ("classifier@edu"), kept for the
 * engine's life: the names array points to it. */
static int add_instance(wn_engine *e, const char *p, size_t k, wn_error *err)
{
    for (size_t i = 0; i < e->ninst; i++)
        if (strlen(e->inst[i]) == k && !strncmp(e->inst[i], p, k))
            return 0;
    if (e->ninst == TALLY_MAX_STAGES)
        return wn_err(err, WN_ELIMIT, "", 0, "too many stages");
    if (!(e->inst[e->ninst] = strndup(p, k)))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (!stage_find(e->inst[e->ninst])) {
        wn_err(err, WN_EINVAL, "", 0,
               "run.stages: '%s' is no instance of a stage that has them "
               "(NAME@WORD, e.g. classifier@edu)", e->inst[e->ninst]);
        free(e->inst[e->ninst]);
        return WN_EINVAL;
    }
    e->ninst++;
    return 0;
}

/* The selection run.stages makes, in registry order; a stage's instances
 * right after it, in the order listed. */
static int select_stages(wn_engine *e, const char *list, wn_error *err)
{
    int want[TALLY_MAX_STAGES] = {0};
    size_t nreg = 0;
    while (wn_stage_name_at(nreg))
        nreg++;
    if (nreg > TALLY_MAX_STAGES)
        return wn_err(err, WN_ELIMIT, "", 0, "too many stages");
    if (list && !strcmp(list, "none"))
        return 0;
    if (!list) {
        for (size_t i = 0; i < nreg; i++)
            want[i] = 1;
    } else {
        for (const char *p = list; *p;) {
            size_t k = strcspn(p, ", ");
            if (k && memchr(p, '@', k)) {
                int rc = add_instance(e, p, k, err);
                if (rc)
                    return rc;
            } else if (k) {
                size_t i = 0;
                while (i < nreg && (strlen(wn_stage_name_at(i)) != k ||
                                    strncmp(wn_stage_name_at(i), p, k)))
                    i++;
                if (i == nreg)
                    return wn_err(err, WN_EINVAL, "", 0,
                                  "run.stages: unknown stage '%.*s' (winnow "
                                  "run --list-stages lists them)", (int)k, p);
                want[i] = 1;
            }
            p += k;
            p += strspn(p, ", ");
        }
    }
    for (size_t i = 0; i < nreg; i++) {
        const char *base = wn_stage_name_at(i);
        if (want[i])
            e->names[e->nstages++] = base;
        for (size_t j = 0; j < e->ninst; j++)
            if (stage_base_len(e->inst[j]) == strlen(base) &&
                !strncmp(e->inst[j], base, strlen(base))) {
                if (e->nstages == TALLY_MAX_STAGES)
                    return wn_err(err, WN_ELIMIT, "", 0, "too many stages");
                e->names[e->nstages++] = e->inst[j];
            }
    }
    return 0;
}

static void engine_warn(void *ctx, const wn_error *w);

int wn_engine_new(const wn_config *cfg, wn_engine **out, wn_error *err)
{
    *out = NULL;
    wn_engine *e = calloc(1, sizeof *e);
    if (!e || !(e->cfg = wn_config_new())) {
        free(e);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    e->decide_book = -1;
    int rc = wn_config_merge(e->cfg, cfg);
    if (rc) {
        wn_engine_free(e);
        return wn_err(err, rc, "", 0, "out of memory");
    }
    const wn_config *c = e->cfg;
    struct keycheck kc = {NULL};
    wn_config_each(c, check_key, &kc);
    if (kc.bad)
        rc = wn_err(err, WN_EINVAL, "", 0, "unknown option '%s'", kc.bad);
    if (!rc)
        rc = wn_dedup_check_config(c, err);
    /* strings in e->opts point into e->cfg and live as long as e */
    if (!rc)
        rc = config_parse(run_option_table(), c, &e->opts, err);
    if (!rc) {
        long jobs = e->opts.jobs, cores = sysconf(_SC_NPROCESSORS_ONLN);
        e->jobs = jobs ? (int)jobs : cores > 0 ? (int)cores : 1;
    }
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = e->opts.format;
    ro.warc_html = e->opts.html;
    ro.text_field = e->opts.text_field;
    ro.max_record = e->opts.max_record;
    ro.warn = engine_warn;
    ro.warn_ctx = e;
    e->ro = ro;
    if (!rc)
        rc = select_stages(e, e->opts.stages, err);
    if (!rc)
        rc = check_other_stages(e, c, err);
    for (size_t i = 0; i < e->nstages && !rc; i++) {
        rc = wn_stage_new(e->names[i], c, &e->st[i], err);
        if (!rc) {
            e->ops[i] = stage_api_ops(e->st[i]);
            e->states[i] = stage_api_shared(e->st[i]);
        }
    }
    e->upto = e->nstages;
    for (size_t i = 0; i < e->nstages; i++) {
        e->pii |= !strcmp(e->names[i], "pii");
        e->decontam |= !strcmp(e->names[i], "decontaminate");
    }
    if (!rc)
        rc = tally_set_stages(&e->books, e->names, e->nstages);
    if (rc) {
        if (rc == WN_ENOMEM || rc == WN_ELIMIT)
            wn_err(err, rc, "", 0, "cannot set up the stages: %s",
                   wn_strerror(rc));
        wn_engine_free(e);
        return rc;
    }
    e->final = 1;
    *out = e;
    return 0;
}

void wn_engine_free(wn_engine *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->nstages; i++)
        wn_stage_free(e->st[i]);
    for (size_t i = 0; i < e->nspools; i++) {
        unlink(e->spools[i].path);
        free(e->spools[i].path);
        free(e->spools[i].name);
    }
    free(e->spools);
    input_seen_release(&e->seen);
    free(e->workdir);
    for (size_t i = 0; i < e->ninst; i++)
        free(e->inst[i]);
    tally_release(&e->books);
    linebook_release(&e->lb);
    wn_buf_release(&e->problems);
    wn_buf_release(&e->reason);
    wn_buf_release(&e->key);
    wn_buf_release(&e->line);
    wn_config_free(e->cfg);
    free(e);
}

int wn_engine_set_workdir(wn_engine *e, const char *dir)
{
    char *d = strdup(dir);
    if (!d)
        return WN_ENOMEM;
    free(e->workdir);
    e->workdir = d;
    return 0;
}

void wn_engine_set_warn(wn_engine *e, void (*fn)(void *, const wn_error *),
                        void *ctx)
{
    e->warn = fn;
    e->warn_ctx = ctx;
}

void wn_engine_set_outputs(wn_engine *e, wn_writer *kept, wn_writer *rejects)
{
    e->kept = kept;
    e->rej = rejects;
}

int wn_engine_set_decide(wn_engine *e, const char *name, size_t upto,
                         int (*fn)(void *, wn_doc *, wn_buf *), void *ctx)
{
    if (upto > e->nstages || !name || !*name)
        return WN_EINVAL;
    e->decide = fn;
    e->dctx = ctx;
    e->upto = upto;
    e->decide_book = -1;
    for (size_t i = 0; i < e->nstages; i++)
        if (!strcmp(e->names[i], name))
            e->decide_book = (int)i;
    if (e->decide_book < 0) {
        /* a stage of its own in the books */
        if (e->books.nstages == TALLY_MAX_STAGES)
            return WN_ELIMIT;
        char *n = strdup(name);
        if (!n)
            return WN_ENOMEM;
        e->books.stage_name[e->books.nstages] = n;
        e->decide_book = (int)e->books.nstages++;
    }
    return 0;
}

size_t wn_engine_nstages(const wn_engine *e) { return e->nstages; }

wn_stage *wn_engine_stage(wn_engine *e, size_t i)
{
    return i < e->nstages ? e->st[i] : NULL;
}

/* ------------------------------------------------------------ problems */

static void engine_warn(void *ctx, const wn_error *w)
{
    wn_engine *e = ctx;
    /* a first pass leaves bad input to the main pass, which meets it
     * again; a read error it may not meet again, and the first pass saw
     * less than the input: that is reported, here */
    if (e->quiet && w->code != WN_EIO)
        return;
    tally_problem(&e->books, &e->problems, MAX_LISTED, w);
    if (e->warn)
        e->warn(e->warn_ctx, w);
}

const wn_buf *engine_problems(const wn_engine *e) { return &e->problems; }

/* ---------------------------------------------------------------- pump */

enum { MAIN_PASS = -1 };

typedef struct pump {
    wn_engine *e;
    pool *p;
    int observe; /* stage index to observe, or MAIN_PASS */
    _Atomic int observe_rc; /* why observing failed */
} pump;

/* The book index a decide function's rejection goes to. */
static size_t decide_stage(wn_engine *e, const wn_buf *reason)
{
    for (size_t i = e->upto; i < e->nstages; i++) {
        size_t k = strlen(e->names[i]);
        if (reason->len > k && !memcmp(reason->data, e->names[i], k) &&
            reason->data[k] == ':')
            return i;
    }
    return (size_t)e->decide_book;
}

static int write_doc(wn_writer *w, wn_doc *d, const wn_buf *line,
                     wn_error *err)
{
    if (!w)
        return 0;
    if (line)
        return wn_writer_write_line(w, line->data, line->len, err);
    return wn_writer_write(w, d, err);
}

/* A batch whose stages (or first pass) failed. */
static int batch_failed(void *ctx, const batch *b, wn_error *err)
{
    pump *u = ctx;
    if (u->observe != MAIN_PASS && u->observe_rc)
        return wn_err(err, b->error, "", 0, "%s: first pass failed: %s",
                      u->e->names[u->observe], wn_strerror(b->error));
    return wn_err(err, b->error, "", 0, "a stage failed: %s",
                  wn_strerror(b->error));
}

/* One processed batch, in input order: decide, write, book. */
static int commit(void *ctx, batch *b, wn_error *err)
{
    pump *u = ctx;
    wn_engine *e = u->e;
    tally *t = &e->books;
    int rc;
    if (u->observe != MAIN_PASS)
        return 0; /* observed by observe_tail */
    for (size_t s = 0; s < e->upto; s++) {
        t->stage_cpu[s] += b->cpu[s];
        t->stage_bytes[s] += b->bytes[s];
        t->stage_flagged[s] += b->flagged[s];
        t->stage_bytes_out[s] += b->bytes_out[s];
        t->stage_bytes_rej[s] += b->bytes_rej[s];
    }
    t->annotated |= e->opts.annotate;
    if ((rc = tally_add_measures(t, &b->meas)))
        return wn_err(err, rc, "", 0, "out of memory");
    size_t nbook = t->nstages;
    for (size_t i = 0; i < b->n; i++) {
        wn_doc *d = &b->docs[i];
        size_t at = b->dropped_at[i] < 0 ? SIZE_MAX : (size_t)b->dropped_at[i];
        const wn_buf *why = &b->reasons[i];
        const wn_buf *line = b->lines[i].data ? &b->lines[i] : NULL;
        if (e->lb.want &&
            (rc = linebook_document(&e->lb, e->st, e->names, u->p, b, i)))
            return wn_err(err, rc, "", 0, "out of memory");
        t->docs_read++;
        e->docs_read++;
        size_t upto = at == SIZE_MAX ? e->upto : at + 1;
        for (size_t s = 0; s < upto; s++)
            t->stage_in[s]++;
        if (at == SIZE_MAX && e->decide) {
            wn_buf_reset(&e->reason);
            rc = e->decide(e->dctx, d, &e->reason);
            if (rc < 0)
                return wn_err(err, rc, "", 0, "%s failed: %s",
                              t->stage_name[e->decide_book],
                              wn_strerror(rc));
            size_t last = rc ? nbook - 1 : decide_stage(e, &e->reason);
            for (size_t s = e->upto; s <= last && s < nbook; s++)
                t->stage_in[s]++;
            if (!rc) {
                if (!e->reason.len)
                    wn_buf_printf(&e->reason, "%s:rejected",
                                  t->stage_name[last]);
                at = last;
                why = &e->reason;
            }
            line = NULL; /* the decision may have changed the document */
        }
        if (e->decontam && (rc = tally_decontaminated(t, d)))
            return wn_err(err, rc, "", 0, "out of memory");
        if (at == SIZE_MAX) {
            t->docs_kept++;
            t->kept_bytes += d->text.len;
            e->docs_kept++;
            if (e->pii)
                tally_redactions(t, d);
            tally_doc td;
            if (e->final)
                tally_doc_of(&td, d);
            if (e->final && (rc = tally_final_kept(t, &td)))
                return wn_err(err, rc, "", 0, "out of memory");
            if ((rc = write_doc(e->kept, d, line, err)))
                return rc;
            continue;
        }
        t->stage_rejected[at]++;
        tally_reason_key(why->data, why->len, &e->key);
        if ((rc = tally_kv_add(&t->reasons, &t->nreasons, e->key.data,
                               e->key.len, 1)))
            return wn_err(err, rc, "", 0, "out of memory");
        if (!e->rej)
            continue;
        if (!line && (rc = wn_doc_meta_set_str(d, "reject_reason", why->data,
                                               why->len)))
            return wn_err(err, rc, "", 0, "out of memory");
        if ((rc = write_doc(e->rej, d, line, err)))
            return rc;
    }
    return 0;
}

/* A first pass: the survivors of a processed batch, observed in input
 * order on the worker that ran it (pool_set_tail), not on the reading
 * thread, so that reading and observing overlap. */
static int observe_tail(void *ctx, batch *b)
{
    pump *u = ctx;
    wn_stage *st = u->e->st[u->observe];
    for (size_t i = 0; i < b->n; i++) {
        int rc;
        if (b->dropped_at[i] < 0 &&
            (rc = wn_stage_observe(st, &b->docs[i])) < 0) {
            u->observe_rc = rc;
            return rc;
        }
    }
    return 0;
}

static void pump_progress(void *ctx, uint64_t bytes_in)
{
    pump *u = ctx;
    u->e->bytes_done = u->e->bytes_base + bytes_in;
}

/* Reads path (named name) through stages [0, nst): into the observed stage
 * on a first pass, else written and booked.  Returns as input_each. */
static int pump_input(wn_engine *e, const char *path, const char *name,
                      size_t nst, int observe, wn_stats *st, wn_error *err)
{
    pump u = {e, NULL, observe, 0};
    int flags = 0;
    /* workers serialise each document when the output is JSONL and no
     * decision on this thread can still change it */
    if (observe == MAIN_PASS && !e->decide &&
        (!e->kept || writer_format(e->kept) == WN_OUT_JSONL) &&
        (!e->rej || writer_format(e->rej) == WN_OUT_JSONL) &&
        (e->kept || e->rej))
        flags |= POOL_SERIALIZE;
    /* run.mode = annotate: the main pass drops nothing (a first pass
     * still sees only what the stages before it keep, as in a plain run,
     * so that the signals are the ones a plain run computes) */
    if (observe == MAIN_PASS && e->opts.annotate)
        flags |= POOL_ANNOTATE;
    int rc = pool_new(e->ops, e->states, e->names, nst, e->jobs, flags, &u.p);
    if (rc)
        return wn_err(err, rc, "", 0, "cannot start the workers");
    if (observe == MAIN_PASS)
        linebook_capture(&e->lb, u.p, nst);
    else
        pool_set_tail(u.p, observe_tail, &u);
    batch_feed f = {NULL, commit, batch_failed, pump_progress, &u};
    rc = feed_input(u.p, &f, path, name, &e->ro, st, err);
    pool_free(u.p);
    return rc;
}

/* ---------------------------------------------------------- the passes */

static spool *find_spool(wn_engine *e, const char *name)
{
    for (size_t i = 0; i < e->nspools; i++)
        if (!strcmp(e->spools[i].name, name))
            return &e->spools[i];
    return NULL;
}

static int spool_input(wn_engine *e, const char *name, wn_error *err)
{
    if (find_spool(e, name))
        return 0;
    spool *ns = realloc(e->spools, (e->nspools + 1) * sizeof *ns);
    if (!ns)
        return wn_err(err, WN_ENOMEM, name, 0, "out of memory");
    e->spools = ns;
    spool *s = &ns[e->nspools];
    memset(s, 0, sizeof *s);
    const char *dir = e->workdir;
    if (!dir && !(dir = getenv("TMPDIR")))
        dir = "/tmp";
    int rc = input_spool(name, dir, &s->path, &s->err);
    if (rc < 0) {
        *err = s->err;
        return rc == WN_ENOMEM ? rc : wn_err(err, WN_EIO, s->err.file,
                                             s->err.offset, "%s", s->err.msg);
    }
    s->complete = rc;
    if (!(s->name = strdup(name))) {
        unlink(s->path);
        free(s->path);
        return wn_err(err, WN_ENOMEM, name, 0, "out of memory");
    }
    e->nspools++;
    return 0;
}

/* Before the main pass: is name what the first pass saw?  A change is
 * counted and reported; the input is still read - what it holds now is
 * what there is to read.  -1 (and *w) when the file could not be looked
 * at: the caller reports it unless the main pass's own open fails too. */
static int check_unchanged(wn_engine *e, const char *name, wn_stats *st,
                           wn_error *w)
{
    int rc = input_seen_changed(&e->seen, name, w);
    if (rc > 0) {
        st->inputs_changed++;
        engine_warn(e, w);
    }
    return rc < 0 ? -1 : 0;
}

int engine_observe_stage(wn_engine *e, size_t k, char *const *files,
                         size_t n, unsigned part, unsigned nparts,
                         uint64_t *bytes, wn_error *err)
{
    int rc = 0;
    if (bytes)
        *bytes = 0;
    for (size_t i = part; i < n && !rc; i += nparts)
        if (!input_rereadable(files[i]))
            rc = spool_input(e, files[i], err);
    e->quiet = 1;
    engine_reset_progress(e);
    for (size_t i = part; i < n && !rc; i += nparts) {
        wn_stats ignore; /* the main pass counts the input */
        memset(&ignore, 0, sizeof ignore);
        spool *s = find_spool(e, files[i]);
        input_fp fp;
        /* an input that cannot be opened is reported by the main pass; a
         * read error is one like any other in a first pass (below) */
        int fpr = s ? 0 : input_fingerprint(files[i], &fp, 1);
        int fperr = errno;
        if (fpr == 1 && (rc = input_seen_note(&e->seen, files[i], &fp)))
            return wn_err(err, rc, "", 0, "out of memory");
        int got = pump_input(e, s ? s->path : files[i], files[i], k, (int)k,
                             &ignore, err);
        /* an open that failed for the fingerprint but not for the pass
         * (a passing EIO) leaves the input without the check that it
         * did not change before the main pass: a read error all the same */
        if (fpr == -2 || (fpr == -1 && ignore.files && !ignore.bad_files &&
                          !ignore.io_errors)) {
            wn_error w;
            wn_err(&w, WN_EIO, files[i], 0, "%s: %s",
                   fpr == -2 ? "read" : "open", strerror(fperr));
            engine_warn(e, &w);
            e->books.input.io_errors++;
            e->partial = 1;
        }
        e->bytes_base += ignore.bytes_in;
        if (bytes)
            *bytes += ignore.bytes_in;
        if (got == 0 && ignore.io_errors) {
            /* the stage observed less than the corpus: counted here, and
             * every input of this run is left unfinished (engine_partial)
             * so that the next run observes and processes all again */
            e->books.input.io_errors += ignore.io_errors;
            e->partial = 1;
        }
        rc = got < 0 ? got : 0;
    }
    e->quiet = 0;
    e->passes++;
    return rc;
}

int engine_prepare_stage(wn_engine *e, size_t k, wn_error *err)
{
    return wn_stage_prepare(e->st[k], err);
}

int engine_stage_save(wn_engine *e, size_t k, wn_buf *out)
{
    if (!e->ops[k]->save)
        return WN_EINVAL;
    return e->ops[k]->save(e->states[k], out);
}

int engine_stage_can_merge(const wn_engine *e, size_t k)
{
    return e->ops[k]->save && e->ops[k]->merge;
}

int engine_stage_renew(wn_engine *e, size_t k, wn_error *err)
{
    wn_stage *st;
    int rc = wn_stage_new(e->names[k], e->cfg, &st, err);
    if (rc)
        return rc;
    wn_stage_free(e->st[k]);
    e->st[k] = st;
    e->states[k] = stage_api_shared(st);
    return 0;
}

int engine_stage_merge(wn_engine *e, size_t k, const void *data, size_t n,
                       wn_error *err)
{
    if (!e->ops[k]->merge)
        return wn_err(err, WN_EINVAL, "", 0, "%s cannot merge first passes",
                      e->names[k]);
    return e->ops[k]->merge(e->states[k], data, n, err);
}

const char *engine_stage_name(const wn_engine *e, size_t k)
{
    return e->names[k];
}

int engine_observe_files(wn_engine *e, char *const *files, size_t n,
                         wn_error *err)
{
    int rc = 0;
    for (size_t k = 0; k < e->nstages && !rc; k++) {
        if (!wn_stage_has_first_pass(e->st[k]))
            continue;
        rc = engine_observe_stage(e, k, files, n, 0, 1, NULL, err);
        if (!rc)
            rc = wn_stage_prepare(e->st[k], err);
    }
    /* lines a first pass dropped are not the main pass's */
    if (!rc && (rc = linebook_count(&e->lb, e->st, e->names, e->nstages,
                                    NULL)))
        rc = wn_err(err, rc, "", 0, "out of memory");
    return rc;
}

int wn_engine_observe(wn_engine *e, const char *const *inputs, size_t n,
                      wn_error *err)
{
    int any = 0;
    for (size_t k = 0; k < e->nstages; k++)
        any |= wn_stage_has_first_pass(e->st[k]);
    if (!any)
        return 0;
    char **files = NULL;
    size_t nf = 0;
    int rc = wn_inputs_expand(inputs, n, &files, &nf, err);
    if (!rc)
        rc = engine_observe_files(e, files, nf, err);
    wn_inputs_free(files, nf);
    return rc;
}

int wn_engine_process(wn_engine *e, const char *input, wn_error *err)
{
    spool *s = find_spool(e, input);
    wn_stats st;
    memset(&st, 0, sizeof st);
    int complete = 1;
    if (s && !s->complete) {
        /* the stream broke while it was spooled: what came is read, the
         * break is reported and counted here, in the main pass */
        st.io_errors++;
        engine_warn(e, &s->err);
        complete = 0;
    }
    if (e->partial)
        complete = 0; /* processed with a first pass over part of the corpus */
    wn_error w;
    int unchecked = s ? 0 : check_unchanged(e, input, &st, &w);
    int rc = pump_input(e, s ? s->path : input, input, e->upto, MAIN_PASS,
                        &st, err);
    if (unchecked && st.files && !st.bad_files && !st.io_errors) {
        /* read now, but not known to be what the first pass read: a read
         * error, and the input is read again by the next run */
        st.io_errors++;
        engine_warn(e, &w);
        complete = 0;
    }
    wn_stats_add(&e->books.input, &st);
    e->bytes_base += st.bytes_in;
    if (rc >= 0 && !(rc && complete)) {
        e->books.unfinished++;
        rc = 0;
    }
    return rc;
}

int wn_engine_exec(wn_engine *e, const char *const *inputs, size_t n,
                   wn_error *err)
{
    char **files = NULL;
    size_t nf = 0;
    /* what a directory holds that is not an input is reported and
     * counted as a bad file */
    int rc = inputs_expand(inputs, n, &files, &nf, engine_warn, e,
                           &e->books.input.bad_files, err);
    if (!rc)
        rc = engine_observe_files(e, files, nf, err);
    for (size_t i = 0; i < nf && !rc; i++) {
        rc = wn_engine_process(e, files[i], err);
        rc = rc < 0 ? rc : 0;
    }
    wn_inputs_free(files, nf);
    return rc;
}
