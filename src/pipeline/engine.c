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
 * stream's own name.
 */
#include "engine.h"
#include "batch.h"
#include "stage_api.h"
#include "../io/input.h"
#include "../io/io.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Problems listed in detail per engine (all are counted). */
#define MAX_LISTED ((uint64_t)1 << 20)

typedef struct spool {
    char *name;   /* the input as given */
    char *path;   /* its copy */
    int complete; /* the copy holds the whole stream */
    wn_error err; /* why not */
} spool;

struct wn_engine {
    wn_config *cfg;
    run_options opts;
    int jobs;
    wn_reader_opts ro;
    size_t nstages;
    wn_stage *st[TALLY_MAX_STAGES];
    const stage_ops *ops[TALLY_MAX_STAGES];
    void *states[TALLY_MAX_STAGES];
    const char *names[TALLY_MAX_STAGES + 1];
    /* a last decision on the calling thread */
    int (*decide)(void *, wn_doc *, wn_buf *);
    void *dctx;
    size_t upto;      /* stages run by the pool */
    int decide_book;  /* book index of the decide function's own name */
    wn_writer *kept, *rej;
    void (*warn)(void *, const wn_error *);
    void *warn_ctx;
    int quiet;        /* first pass: problems are the main pass's to report */
    char *workdir;
    spool *spools;
    size_t nspools;
    tally books;
    tally_kv *line_base; /* the line cleaners' counters when last booked */
    size_t nline_base;
    /* examples of line rules (engine_line_examples): the pages, as the
     * line stage lx_stage[k] received them, where a rule dropped lines */
    size_t lx_want;     /* per rule; 0 = off */
    int lx_n;
    size_t lx_stage[POOL_CAPTURE];
    unsigned lx_evals;  /* documents decided again in this input */
    tally_kv *lx_count; /* examples per "stage:rule" */
    size_t nlx_count;
    wn_buf lx_out;      /* JSON lines */
    wn_doc lx_doc;
    struct lx_line { const char *p; size_t n; const char *rule; } *lx_lines;
    size_t lx_nlines, lx_cap;
    int lx_oom;
    int final;        /* book kept documents as the final output */
    int pii;          /* the pii stage runs: book its redactions */
    wn_buf problems;  /* JSON lines: {"file":..,"offset":..,"message":..} */
    wn_buf reason, key, line;
    _Atomic uint64_t bytes_done, docs_read, docs_kept;
    uint64_t bytes_base;
    _Atomic int passes; /* first passes done */
    int partial;        /* a first pass could not read all of an input */
};

static int book_lines(wn_engine *e, int book);

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

/* The selection run.stages makes, in registry order. */
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
            if (k) {
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
    for (size_t i = 0; i < nreg; i++)
        if (want[i])
            e->names[e->nstages++] = wn_stage_name_at(i);
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
    for (size_t i = 0; i < e->nstages; i++)
        e->pii |= !strcmp(e->names[i], "pii");
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
    free(e->workdir);
    tally_release(&e->books);
    for (size_t i = 0; i < e->nline_base; i++)
        free(e->line_base[i].key);
    free(e->line_base);
    for (size_t i = 0; i < e->nlx_count; i++)
        free(e->lx_count[i].key);
    free(e->lx_count);
    free(e->lx_lines);
    wn_buf_release(&e->lx_out);
    wn_doc_release(&e->lx_doc);
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
    if (e->books.problems++ < MAX_LISTED) {
        wn_buf *p = &e->problems;
        size_t at = p->len;
        /* a problem that cannot be listed is still counted */
        if (wn_buf_puts(p, "{\"file\":") ||
            wn_json_put_string(p, w->file, strlen(w->file)) ||
            wn_buf_printf(p, ",\"offset\":%llu,\"code\":\"%s\",\"message\":",
                          (unsigned long long)w->offset,
                          wn_strerror(w->code)) ||
            wn_json_put_string(p, w->msg, strlen(w->msg)) ||
            wn_buf_puts(p, "}\n"))
            p->len = at;
    }
    if (e->warn)
        e->warn(e->warn_ctx, w);
}

const wn_buf *engine_problems(const wn_engine *e) { return &e->problems; }

/* ---------------------------------------------------------------- pump */

enum { MAIN_PASS = -1 };

typedef struct pump {
    wn_engine *e;
    pool *p;
    batch *cur;
    int observe; /* stage index to observe, or MAIN_PASS */
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

/* ------------------------------------------------ examples of line rules */

/* Documents whose lines are decided again, per input, at most: the
 * examples of the common rules come early; this bounds the cost (one
 * more decision per document, on this thread) of the rare ones. */
#define LX_BUDGET 300
/* Lines of an example: around the rule's lines, each cut to LX_LINE. */
#define LX_CONTEXT 6
#define LX_MAX_LINES 60
#define LX_LINE 300

static void lx_line(void *ctx, const char *line, size_t n, const char *rule)
{
    wn_engine *e = ctx;
    if (e->lx_nlines == e->lx_cap) {
        size_t cap = e->lx_cap ? e->lx_cap * 2 : 256;
        struct lx_line *nl = realloc(e->lx_lines, cap * sizeof *nl);
        if (!nl) {
            e->lx_oom = 1;
            return;
        }
        e->lx_lines = nl;
        e->lx_cap = cap;
    }
    e->lx_lines[e->lx_nlines++] = (struct lx_line){line, n, rule};
}

/* One example: {"rule","id","url","first","lines":[[text,rule|null]..]},
 * the lines around those `rule` dropped. */
static int lx_example(wn_engine *e, const char *key, const char *rule,
                      const wn_doc *d)
{
    size_t first = SIZE_MAX, last = 0;
    for (size_t j = 0; j < e->lx_nlines; j++)
        if (e->lx_lines[j].rule == rule) {
            first = first == SIZE_MAX ? j : first;
            last = j;
        }
    size_t from = first > LX_CONTEXT ? first - LX_CONTEXT : 0;
    size_t to = last + LX_CONTEXT + 1 < e->lx_nlines ? last + LX_CONTEXT + 1
                                                      : e->lx_nlines;
    if (to - from > LX_MAX_LINES)
        to = from + LX_MAX_LINES;
    wn_buf *o = &e->lx_out;
    size_t at = o->len;
    int rc = wn_buf_puts(o, "{\"rule\":");
    rc |= wn_json_put_string(o, key, strlen(key));
    rc |= wn_buf_puts(o, ",\"id\":");
    rc |= wn_json_put_string(o, d->id.data ? d->id.data : "", d->id.len);
    rc |= wn_buf_puts(o, ",\"url\":");
    rc |= wn_json_put_string(o, d->url.data ? d->url.data : "", d->url.len);
    rc |= wn_buf_printf(o, ",\"first\":%zu,\"lines\":[", from);
    for (size_t j = from; j < to; j++) {
        const struct lx_line *l = &e->lx_lines[j];
        size_t n = l->n < LX_LINE ? l->n : LX_LINE;
        while (n < l->n && n && ((unsigned char)l->p[n] & 0xC0) == 0x80)
            n--; /* on a character boundary */
        rc |= wn_buf_puts(o, j > from ? ",[" : "[");
        rc |= wn_json_put_string(o, l->p, n);
        if (l->rule) {
            rc |= wn_buf_putc(o, ',');
            rc |= wn_json_put_string(o, l->rule, strlen(l->rule));
            rc |= wn_buf_putc(o, ']');
        } else
            rc |= wn_buf_puts(o, ",null]");
    }
    rc |= wn_buf_puts(o, "]}\n");
    if (rc)
        o->len = at; /* no example rather than half a line */
    return rc ? WN_ENOMEM : 0;
}

/* Document i of b, if the pool kept its text for a line stage: decides
 * its lines again (wn_clean_lines, the stage's own decision) and keeps it
 * as the example of each rule that dropped lines of it and has fewer
 * than lx_want.  Deterministic: in input order, and the copies stop only
 * once no later document is wanted. */
static int lx_document(wn_engine *e, pool *p, batch *b, size_t i)
{
    const wn_doc *d = &b->docs[i];
    wn_buf key = WN_BUF_INIT;
    int rc = 0;
    for (int k = 0; k < e->lx_n && !rc; k++) {
        if (!b->pre_ok[k * b->cap + i])
            continue;
        if (e->lx_evals++ >= LX_BUDGET) {
            pool_capture_stop(p);
            break;
        }
        size_t s = e->lx_stage[k];
        wn_doc *t = &e->lx_doc;
        const wn_buf *pre = &b->pre[k * b->cap + i];
        wn_doc_reset(t);
        if (wn_buf_set(&t->text, pre->data ? pre->data : "", pre->len) ||
            wn_buf_set(&t->url, d->url.data ? d->url.data : "", d->url.len) ||
            wn_buf_set(&t->source, d->source.data ? d->source.data : "",
                       d->source.len))
            continue; /* no example; the run goes on */
        e->lx_nlines = 0;
        e->lx_oom = 0;
        if (wn_clean_lines(e->st[s], t, NULL, lx_line, e) < 0 || e->lx_oom)
            continue;
        for (size_t j = 0; j < e->lx_nlines && !rc; j++) {
            const char *rule = e->lx_lines[j].rule;
            size_t seen = 0;
            for (size_t q = 0; rule && q < j && !seen; q++)
                seen = e->lx_lines[q].rule == rule;
            if (!rule || seen)
                continue;
            wn_buf_reset(&key);
            if (wn_buf_printf(&key, "%s:%s", e->names[s], rule))
                break;
            size_t have = 0, c;
            for (c = 0; c < e->nlx_count; c++)
                if (!strcmp(e->lx_count[c].key, key.data)) {
                    have = e->lx_count[c].n;
                    break;
                }
            if (have >= e->lx_want)
                continue;
            /* a rule's example counts only once it is written */
            if (!lx_example(e, key.data, rule, d))
                rc = tally_kv_add(&e->lx_count, &e->nlx_count, key.data,
                                  key.len, 1);
        }
    }
    wn_buf_release(&key);
    return rc;
}

/* One processed batch, in input order: decide, write, book. */
static int commit(pump *u, batch *b, wn_error *err)
{
    wn_engine *e = u->e;
    tally *t = &e->books;
    int rc;
    if (b->error)
        return wn_err(err, b->error, "", 0, "a stage failed: %s",
                      wn_strerror(b->error));
    if (u->observe != MAIN_PASS) {
        wn_stage *st = e->st[u->observe];
        for (size_t i = 0; i < b->n; i++)
            if (b->dropped_at[i] < 0 &&
                (rc = wn_stage_observe(st, &b->docs[i])) < 0)
                return wn_err(err, rc, "", 0, "%s: first pass failed: %s",
                              e->names[u->observe], wn_strerror(rc));
        return 0;
    }
    for (size_t s = 0; s < e->upto; s++) {
        t->stage_cpu[s] += b->cpu[s];
        t->stage_bytes[s] += b->bytes[s];
        t->stage_bytes_out[s] += b->bytes_out[s];
        t->stage_bytes_rej[s] += b->bytes_rej[s];
    }
    if ((rc = tally_add_measures(t, &b->meas)))
        return wn_err(err, rc, "", 0, "out of memory");
    size_t nbook = t->nstages;
    for (size_t i = 0; i < b->n; i++) {
        wn_doc *d = &b->docs[i];
        size_t at = b->dropped_at[i] < 0 ? SIZE_MAX : (size_t)b->dropped_at[i];
        const wn_buf *why = &b->reasons[i];
        const wn_buf *line = b->lines[i].data ? &b->lines[i] : NULL;
        if (e->lx_want && (rc = lx_document(e, u->p, b, i)))
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
        if (at == SIZE_MAX) {
            t->docs_kept++;
            t->kept_bytes += d->text.len;
            e->docs_kept++;
            if (e->pii)
                tally_redactions(t, d);
            if (e->final && (rc = tally_final_kept(t, d)))
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

static wn_doc *pump_slot(void *ctx)
{
    pump *u = ctx;
    return &u->cur->docs[u->cur->n];
}

/* A document is in the current batch: when the batch is full, hand it to
 * the workers and take a free one, committing finished batches until one
 * is free. */
static int pump_take(void *ctx, wn_doc *doc, wn_error *err)
{
    pump *u = ctx;
    (void)doc;
    if (++u->cur->n < u->cur->cap)
        return 0;
    pool_submit(u->p, u->cur);
    while (!(u->cur = pool_get(u->p))) {
        batch *done = pool_next(u->p);
        int rc = commit(u, done, err);
        pool_release(u->p, done);
        if (rc)
            return rc;
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
    pump u = {e, NULL, NULL, observe};
    int flags = 0;
    /* workers serialise each document when the output is JSONL and no
     * decision on this thread can still change it */
    if (observe == MAIN_PASS && !e->decide &&
        (!e->kept || writer_format(e->kept) == WN_OUT_JSONL) &&
        (!e->rej || writer_format(e->rej) == WN_OUT_JSONL) &&
        (e->kept || e->rej))
        flags |= POOL_SERIALIZE;
    int rc = pool_new(e->ops, e->states, nst, e->jobs, flags, &u.p);
    if (rc)
        return wn_err(err, rc, "", 0, "cannot start the workers");
    for (int k = 0; observe == MAIN_PASS && e->lx_want && k < e->lx_n; k++)
        if (e->lx_stage[k] < nst)
            pool_capture(u.p, e->lx_stage[k], k);
    u.cur = pool_get(u.p);
    doc_sink sink = {pump_slot, pump_take, pump_progress, &u};
    int got = input_each(path, name, &e->ro, &sink, st, err);
    rc = got < 0 ? got : 0;
    if (u.cur && u.cur->n)
        pool_submit(u.p, u.cur);
    else if (u.cur)
        pool_release(u.p, u.cur);
    batch *done;
    wn_error cerr;
    while ((done = pool_next(u.p))) {
        int crc = commit(&u, done, &cerr);
        if (crc && !rc) {
            rc = crc;
            *err = cerr;
        }
        pool_release(u.p, done);
    }
    pool_free(u.p);
    return rc ? rc : got;
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
        int got = pump_input(e, s ? s->path : files[i], files[i], k, (int)k,
                             &ignore, err);
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
    if (!rc && (rc = book_lines(e, 0)))
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
    int rc = pump_input(e, s ? s->path : input, input, e->upto, MAIN_PASS,
                        &st, err);
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

/* ------------------------------------------------------------ the books */

void wn_engine_totals(const wn_engine *e, uint64_t *read, uint64_t *kept,
                      uint64_t *rejected)
{
    if (read)
        *read = e->books.docs_read;
    if (kept)
        *kept = e->books.docs_kept;
    if (rejected)
        *rejected = e->books.docs_read - e->books.docs_kept;
}

const wn_stats *wn_engine_input_stats(const wn_engine *e)
{
    return &e->books.input;
}

int wn_engine_stage_stats(const wn_engine *e, size_t i, const char **name,
                          uint64_t *in, uint64_t *rejected, double *cpu_s,
                          uint64_t *bytes)
{
    const tally *t = &e->books;
    if (i >= t->nstages)
        return 0;
    if (name)
        *name = t->stage_name[i];
    if (in)
        *in = t->stage_in[i];
    if (rejected)
        *rejected = t->stage_rejected[i];
    if (cpu_s)
        *cpu_s = t->stage_cpu[i];
    if (bytes)
        *bytes = t->stage_bytes[i];
    return 1;
}

int wn_engine_stats_json(wn_engine *e, wn_buf *out)
{
    return tally_json(&e->books, NULL, 0, 0, out);
}

tally *engine_books(wn_engine *e) { return &e->books; }

const run_options *engine_options(const wn_engine *e) { return &e->opts; }

int engine_jobs(const wn_engine *e) { return e->jobs; }

void engine_book_final(wn_engine *e, int on) { e->final = on; }

void engine_progress(const wn_engine *e, uint64_t *bytes, uint64_t *read,
                     uint64_t *kept)
{
    *bytes = e->bytes_done;
    *read = e->docs_read;
    *kept = e->docs_kept;
}

void engine_reset_progress(wn_engine *e)
{
    e->bytes_base = 0;
    e->bytes_done = 0;
}

void engine_clear_problems(wn_engine *e) { wn_buf_reset(&e->problems); }

int engine_first_passes(const wn_engine *e)
{
    int n = 0;
    for (size_t k = 0; k < e->nstages; k++)
        n += wn_stage_has_first_pass(e->st[k]);
    return n;
}

int engine_passes_done(const wn_engine *e) { return e->passes; }

/* What the line cleaners' per-rule counters (wn_clean_rule_at) grew by
 * since they were last booked: into the books when `book`, else only
 * noted (lines a first pass dropped are not the main pass's). */
static int book_lines(wn_engine *e, int book)
{
    wn_buf key = WN_BUF_INIT;
    int rc = 0;
    for (size_t s = 0; s < e->nstages && !rc; s++) {
        const char *name;
        uint64_t n;
        for (size_t i = 0; !rc && wn_clean_rule_at(e->st[s], i, &name, &n);
             i++) {
            wn_buf_reset(&key);
            if ((rc = wn_buf_printf(&key, "%s:%s", e->names[s], name)))
                break;
            for (size_t k = 0; k < key.len; k++) /* keys are one token */
                if ((unsigned char)key.data[k] <= ' ')
                    key.data[k] = '_';
            uint64_t was = 0;
            size_t k;
            for (k = 0; k < e->nline_base; k++)
                if (!strcmp(e->line_base[k].key, key.data))
                    break;
            if (k < e->nline_base) {
                was = e->line_base[k].n;
                e->line_base[k].n = n;
            } else
                rc = tally_kv_add(&e->line_base, &e->nline_base, key.data,
                                  key.len, n);
            if (!rc && book && n > was)
                rc = tally_kv_add(&e->books.lines, &e->books.nlines,
                                  key.data, key.len, n - was);
        }
    }
    wn_buf_release(&key);
    return rc;
}

void engine_line_examples(wn_engine *e, size_t per_rule)
{
    e->lx_want = per_rule;
    e->lx_n = 0;
    for (size_t s = 0; s < e->upto && e->lx_n < POOL_CAPTURE; s++)
        if (wn_clean_rule_at(e->st[s], 0, NULL, NULL))
            e->lx_stage[e->lx_n++] = s;
}

int engine_take_line_examples(wn_engine *e, wn_buf *out)
{
    int rc = wn_buf_append(out, e->lx_out.data ? e->lx_out.data : "",
                           e->lx_out.len);
    wn_buf_reset(&e->lx_out);
    for (size_t i = 0; i < e->nlx_count; i++)
        free(e->lx_count[i].key);
    free(e->lx_count);
    e->lx_count = NULL;
    e->nlx_count = 0;
    e->lx_evals = 0;
    return rc;
}

int engine_take_books(wn_engine *e, tally *dst)
{
    int rc0 = book_lines(e, 1);
    if (rc0)
        return rc0;
    tally fresh;
    tally_init(&fresh);
    int rc = tally_set_stages(&fresh, (const char *const *)e->books.stage_name,
                              e->books.nstages);
    if (rc) {
        tally_release(&fresh);
        return rc;
    }
    *dst = e->books;
    e->books = fresh;
    return 0;
}
