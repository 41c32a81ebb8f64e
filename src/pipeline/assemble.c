/*
 * assemble.c - the end of `winnow run`: duplicate removal over the task
 * outputs (documents, then paragraphs and substrings when on), then the
 * final shards and stats.json.
 *
 * Shards are cut by uncompressed size in input order, so the same corpus
 * and options give the same shards whatever the thread count.  Rejects are
 * the stage rejects of every task in input order, then the duplicates.
 * While copying, the report's figures are gathered (lengths, languages,
 * duplicate groups, a few examples per reject reason), and the run checks
 * its books: documents read = kept + rejected, by reason.
 */
#include "docline.h"
#include "run_internal.h"
#include "../dedup/changes.h"
#include "../io/input.h"
#include "../io/io.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct sharder {
    wn_run *r;
    const char *dir; /* "data" or "rejects" */
    wn_writer *w;
    size_t shard, bytes;
    wn_buf path;
    size_t file; /* the input whose documents are being copied */
    wn_buf url, tmp; /* scratch of the counts */
} sharder;

static int shard_open(sharder *s, wn_error *err)
{
    /* (a NULL path would be stdout for wn_writer_open) */
    if (!run_path(s->r, &s->path, "%s/part-%05zu.jsonl.zst", s->dir,
                  s->shard))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->bytes = 0;
    int rc = wn_writer_open(s->path.data, WN_OUT_JSONL, &s->w, err);
    if (!rc) /* in frames, beside the copy with more than one job: the
              * same bytes for any -j */
        writer_chunks(s->w, s->r->jobs > 1 ? s->r->jobs : 0);
    return rc;
}

/* The document's line, as the work file holds it: wn_doc_to_json of the
 * document it decodes to, so copying it gives the bytes that decoding and
 * writing it again would. */
static int shard_put(sharder *s, const char *line, size_t n, wn_error *err)
{
    int rc;
    if (s->bytes && s->bytes + n + 1 > s->r->shard_size) {
        rc = wn_writer_close(s->w, err); /* frees the writer, even failing */
        s->w = NULL;
        if (rc)
            return rc;
        s->shard++;
        if ((rc = shard_open(s, err)))
            return rc;
    }
    s->bytes += n + 1;
    return wn_writer_write_line(s->w, line, n, err);
}

/* Closes the last shard (outdir_finish removes any shard past it). */
static int shard_finish(sharder *s, size_t *count, wn_error *err)
{
    int rc = wn_writer_close(s->w, err);
    s->w = NULL;
    *count = s->shard + 1;
    return rc;
}

static void sharder_release(sharder *s)
{
    wn_writer_abort(s->w); /* a failed open or close left none */
    s->w = NULL;
    wn_buf_release(&s->path);
    wn_buf_release(&s->url);
    wn_buf_release(&s->tmp);
}

typedef struct each_ctx {
    int (*fn)(void *, wn_doc *, wn_error *);
    void *ctx;
    wn_doc doc;
    wn_error first; /* the first problem met */
    int bad;
} each_ctx;

static wn_doc *each_slot(void *ctx) { return &((each_ctx *)ctx)->doc; }

static int each_take(void *ctx, wn_doc *d, wn_error *err)
{
    each_ctx *c = ctx;
    int rc = c->fn(c->ctx, d, err);
    return rc < 0 ? rc : 0;
}

static void each_warn(void *ctx, const wn_error *e)
{
    each_ctx *c = ctx;
    if (!c->bad++)
        c->first = *e;
}

int run_each_own_doc(const char *path,
                     int (*fn)(void *, wn_doc *, wn_error *), void *ctx,
                     wn_error *err)
{
    each_ctx c;
    memset(&c, 0, sizeof c);
    c.fn = fn;
    c.ctx = ctx;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = WN_FMT_JSONL;
    ro.max_record = (size_t)1 << 30;
    ro.warn = each_warn;
    ro.warn_ctx = &c;
    wn_stats st;
    memset(&st, 0, sizeof st);
    doc_sink sink = {each_slot, each_take, NULL, &c};
    int rc = input_each(path, NULL, &ro, &sink, &st, err);
    if (rc >= 0 && (c.bad || !rc))
        rc = wn_err(err, WN_EIO, path, c.first.offset,
                    "damaged work file: %s", c.bad ? c.first.msg : "unreadable");
    wn_doc_release(&c.doc);
    return rc < 0 ? rc : 0;
}

/* Every document line of a work file of this run into fn, with what
 * docline_scan found in it: the final copy reads no more than that.  With
 * ch (open, its first change read), the lines it removes are skipped and
 * the ones it rewrites are replaced.  In a run of more than one job the
 * file is decompressed on a thread of its own, beside the scanning. */
static int each_own_line(const wn_run *r, const char *path, dd_changes *ch,
                         int (*fn)(void *, const char *, size_t,
                                   const docline *, wn_error *),
                         void *ctx, wn_error *err)
{
    bufin b;
    if (!path) /* run_path could not build it */
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = bufin_open(&b, path, err);
    if (rc)
        return rc;
    if (r->jobs > 1)
        (void)istream_ahead(b.s); /* reads on the caller's thread without */
    const char *line;
    size_t len;
    uint64_t off = 0;
    docline d;
    while ((rc = bufin_getline(&b, &line, &len, (size_t)1 << 30, &off)) ==
           1) {
        if (json_skip_ws(line, line + len) == line + len)
            continue; /* a blank line, as the JSONL reader skips it */
        int changed = ch && ch->have && ch->off <= off;
        if (changed && ch->off < off) {
            rc = wn_err(err, WN_EIO, ch->path, ch->at, "damaged work file: "
                        "a change of no line of %s", path);
            break;
        }
        if (changed && ch->kind == DD_CHANGE_REMOVED) {
            if ((rc = dd_changes_next(ch, err)))
                break;
            continue;
        }
        if (changed && (rc = dd_changes_apply(ch, &line, &len, err)))
            break;
        if (docline_scan(line, len, &d)) {
            rc = changed ? wn_err(err, WN_EIO, ch->path, ch->at,
                                  "damaged work file: not a document line")
                         : wn_err(err, WN_EIO, path, off,
                                  "damaged work file: not a document line");
            break;
        }
        if ((rc = fn(ctx, line, len, &d, err)))
            break;
        if (changed && (rc = dd_changes_next(ch, err)))
            break;
    }
    if (rc == WN_ELIMIT)
        rc = wn_err(err, WN_EIO, path, off,
                    "damaged work file: a line over 1 GiB");
    wn_error why;
    if (!rc && bufin_take_error(&b, &why))
        rc = wn_err(err, WN_EIO, path, why.offset, "damaged work file: %s",
                    why.msg);
    if (!rc && ch && ch->have)
        rc = wn_err(err, WN_EIO, ch->path, ch->at,
                    "damaged work file: a change past the end of %s", path);
    bufin_close(&b);
    return rc;
}

/* The kept documents of input i: p1's lines with dedup's changes (or, when
 * dedup wrote the kept documents out, p2's; or p3's, p4's). */
static int copy_kept(sharder *s, const char *in, const char *chpath,
                     int (*fn)(void *, const char *, size_t, const docline *,
                               wn_error *),
                     wn_error *err)
{
    if (!chpath)
        return each_own_line(s->r, in, NULL, fn, s, err);
    dd_changes ch;
    int rc = dd_changes_open(&ch, chpath, err);
    if (rc)
        return rc;
    rc = each_own_line(s->r, in, &ch, fn, s, err);
    dd_changes_close(&ch);
    return rc;
}

/* The counts' view of a document line (s->url holds a url with escapes). */
static int line_counts(sharder *s, const docline *d, tally_doc *v)
{
    memset(v, 0, sizeof *v);
    v->bytes = d->text_bytes;
    v->chars = d->text_chars;
    if ((v->lang = d->lang.p))
        v->lang_n = (size_t)(d->lang.end - d->lang.p);
    if ((v->dupc = d->dupc.p))
        v->dupc_n = (size_t)(d->dupc.end - d->dupc.p);
    v->url = "";
    if (!d->url.p)
        return 0;
    const char *q = d->url.p + 1, *e = d->url.end - 1;
    if (!memchr(q, '\\', (size_t)(e - q))) {
        v->url = q;
        v->url_n = (size_t)(e - q);
        return 0;
    }
    int rc = jview_str(d->url, &s->url);
    v->url = s->url.data;
    v->url_n = s->url.len;
    return rc;
}

static int put_kept(void *ctx, const char *line, size_t n, const docline *d,
                    wn_error *err)
{
    sharder *s = ctx;
    wn_run *r = s->r;
    tally_doc v;
    int rc = line_counts(s, d, &v);
    if (!rc)
        rc = tally_final_kept(&r->total, &v);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    if (r->finfo)
        r->finfo[s->file].kept++;
    return shard_put(s, line, n, err);
}

/* A reject's example: its id, url, reason and the start of its text (the
 * only documents the copy decodes). */
static int add_example(wn_run *r, sharder *s, const docline *d,
                       const char *reason, size_t rn, const wn_buf *key)
{
    size_t have = 0;
    for (size_t i = 0; i < r->nex; i++)
        have += !strcmp(r->ex[i].reason_key, key->data);
    if (have >= r->examples)
        return 0;
    run_example *ne = realloc(r->ex, (r->nex + 1) * sizeof *ne);
    if (!ne)
        return WN_ENOMEM;
    r->ex = ne;
    run_example *e = &ne[r->nex++];
    memset(e, 0, sizeof *e);
    if (!(e->reason_key = strdup(key->data)))
        return WN_ENOMEM;
    int rc;
    if ((rc = jview_str(d->id, &e->id)) || (rc = jview_str(d->url, &e->url)) ||
        (rc = wn_buf_set(&e->reason, reason, rn)) ||
        (rc = jview_str(d->text, &s->tmp)))
        return rc;
    /* an excerpt of at most 1000 bytes, cut on a character boundary */
    const wn_buf *x = &s->tmp;
    size_t n = x->len < 1000 ? x->len : 1000;
    while (n < x->len && n && ((unsigned char)x->data[n] & 0xC0) == 0x80)
        n--;
    return wn_buf_set(&e->excerpt, x->data, n);
}

typedef struct rej_ctx {
    sharder *s;
    int count; /* duplicates: count their reasons (stage ones are counted) */
    wn_buf key, reason;
} rej_ctx;

static int put_rejected(void *ctx, const char *line, size_t n,
                        const docline *d, wn_error *err)
{
    rej_ctx *c = ctx;
    wn_run *r = c->s->r;
    wn_buf *reason = &c->reason;
    int rc = 0;
    wn_buf_reset(reason);
    if (d->reason.p && *d->reason.p == '"') {
        const char *p = d->reason.p;
        rc = json_decode_string(&p, d->reason.end, reason, NULL);
        if (rc == WN_EFORMAT) /* not ours to judge here: "unknown" */
            rc = 0;
    }
    if (!rc && !reason->len)
        rc = wn_buf_puts(reason, "unknown");
    if (!rc)
        rc = tally_reason_key(reason->data, reason->len, &c->key);
    if (!rc && c->count) {
        r->total.dup_rejected++;
        rc = tally_kv_add(&r->total.reasons, &r->total.nreasons, c->key.data,
                          c->key.len, 1);
    }
    tally_doc v;
    if (!rc)
        rc = line_counts(c->s, d, &v);
    if (!rc)
        rc = tally_final_rejected(&r->total, &v, c->count);
    if (!rc)
        rc = add_example(r, c->s, d, reason->data, reason->len, &c->key);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    return shard_put(c->s, line, n, err);
}

/* A malloc'd OUTDIR path, or NULL when out of memory. */
static char *dup_path(wn_run *r, wn_buf *b, const char *fmt, size_t i)
{
    const char *p = run_path(r, b, fmt, i);
    return p ? strdup(p) : NULL;
}

int run_dedup_io_init(wn_run *r, run_dedup_io *io, wn_error *err)
{
    size_t n = r->nfiles;
    wn_buf b = WN_BUF_INIT;
    memset(io, 0, sizeof *io);
    io->p1 = calloc(n + 1, sizeof *io->p1);
    io->p2 = calloc(n + 1, sizeof *io->p2);
    io->p3 = calloc(n + 1, sizeof *io->p3);
    io->cfg = wn_config_new();
    int rc = io->p1 && io->p2 && io->p3 && io->cfg ? 0 : WN_ENOMEM;
    if (!rc) {
        /* dedup threads follow run.jobs unless set; a key lost here
         * would run dedup with other options than run.conf says */
        rc = wn_config_merge(io->cfg, r->cfg);
        if (!rc && !wn_config_lookup(io->cfg, "dedup.threads")) {
            char j[16];
            snprintf(j, sizeof j, "%d", r->jobs);
            rc = wn_config_set(io->cfg, "dedup.threads", j);
        }
        /* its outputs are work files, read once by the final copy: the
         * fastest level (level 3 cost ~0.2 s of CPU per 35 MB of text) */
        if (!rc && !wn_config_lookup(io->cfg, "dedup.level"))
            rc = wn_config_set(io->cfg, "dedup.level", "1");
        /* its inputs are work files winnow wrote: a document dedup does
         * not change is copied as its line, not parsed and rewritten */
        if (!rc && !wn_config_lookup(io->cfg, "dedup.verbatim"))
            rc = wn_config_set(io->cfg, "dedup.verbatim", "1");
        /* the run's reading phase already holds ~120 MB: dedup's own
         * budget (sorts, the cluster's optional arrays, which only speed
         * it up) is kept so that the whole run stays under 1 GiB
         * (bench-large: 136 bytes per document in the cluster stage) */
        if (!rc && !wn_config_lookup(io->cfg, "dedup.memory"))
            rc = wn_config_set(io->cfg, "dedup.memory", "768M");
        /* the final copy reads p1 and skips or replaces what dedup
         * changed, so dedup need not write the kept documents a second
         * time; the paragraph and substring steps still read a whole
         * corpus, and without verbatim dedup has no offsets to give */
        const char *vb = rc ? NULL : wn_config_lookup(io->cfg,
                                                      "dedup.verbatim");
        io->changes = vb && !strcmp(vb, "1") && !r->para && !r->substr;
        if (!rc)
            rc = wn_config_set(io->cfg, "dedup.changes",
                               io->changes ? "1" : "0");
    }
    for (size_t i = 0; i < n && !rc; i++) {
        io->p1[i] = dup_path(r, &b, "work/p1/%05zu.jsonl.zst", i);
        io->p2[i] = dup_path(r, &b, io->changes ? "work/p2/%05zu.changes.zst"
                                                : "work/p2/%05zu.jsonl.zst",
                             i);
        io->p3[i] = dup_path(r, &b, "work/p3/%05zu.jsonl.zst", i);
        if (!io->p1[i] || !io->p2[i] || !io->p3[i])
            rc = WN_ENOMEM;
    }
    if (!rc) {
        io->rejects = dup_path(r, &b, "work/p2/rejects.jsonl.zst", 0);
        io->workdir = dup_path(r, &b, "work/dedup", 0);
        if (!io->rejects || !io->workdir)
            rc = WN_ENOMEM;
    }
    wn_buf_release(&b);
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

void run_dedup_io_release(wn_run *r, run_dedup_io *io)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        free(io->p1 ? io->p1[i] : NULL);
        free(io->p2 ? io->p2[i] : NULL);
        free(io->p3 ? io->p3[i] : NULL);
    }
    free(io->p1);
    free(io->p2);
    free(io->p3);
    free(io->rejects);
    free(io->workdir);
    wn_config_free(io->cfg);
    memset(io, 0, sizeof *io);
}

typedef struct rej_job {
    wn_run *r;
    run_dedup_io *io;
    size_t n;
    int rc;
    wn_error err;
    /* the steps between the reading and the final copy (dedup,
     * paragraphs, substrings): 0 running, 1 done, -1 failed; a thread
     * writing the rejects meanwhile waits on cv for the duplicates */
    int steps;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} rej_job;

static void steps_end(rej_job *j, int ok)
{
    pthread_mutex_lock(&j->mu);
    j->steps = ok ? 1 : -1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
}

/* Whether the steps succeeded, once they end. */
static int steps_wait(rej_job *j)
{
    pthread_mutex_lock(&j->mu);
    while (!j->steps)
        pthread_cond_wait(&j->cv, &j->mu);
    int ok = j->steps > 0;
    pthread_mutex_unlock(&j->mu);
    return ok;
}

/* Writes rejects/: the stage rejects of every task in input order, then
 * the duplicates. */
static void *write_rejects(void *arg)
{
    rej_job *j = arg;
    wn_run *r = j->r;
    sharder rej = {r, "rejects", NULL, 0, 0, WN_BUF_INIT, 0, WN_BUF_INIT,
                   WN_BUF_INIT};
    rej_ctx ctx = {&rej, 0, WN_BUF_INIT, WN_BUF_INIT};
    wn_buf b = WN_BUF_INIT;
    int rc = shard_open(&rej, &j->err);
    for (size_t i = 0; i < j->n && !rc; i++)
        rc = each_own_line(r,
                           run_path(r, &b, "work/p1/%05zu.rej.jsonl.zst", i),
                           NULL, put_rejected, &ctx, &j->err);
    /* the rest are the steps' rejects; a failed step reports itself */
    if (!rc && !steps_wait(j))
        rc = WN_EINVAL;
    if (!rc && r->dedup && j->n) {
        ctx.count = 1;
        if (!j->io->changes)
            rc = each_own_line(r, j->io->rejects, NULL, put_rejected, &ctx,
                               &j->err);
        /* dedup's own per-shard files, read where they are rather than
         * joined into one more compressed copy first */
        for (size_t i = 0; j->io->changes && i < j->n && !rc; i++)
            rc = wn_dedup_rejects_path(j->io->workdir, i, &b)
                     ? wn_err(&j->err, WN_ENOMEM, "", 0, "out of memory")
                     : each_own_line(r, b.data, NULL, put_rejected, &ctx,
                                     &j->err);
    }
    if (!rc && r->para && j->n) { /* documents the paragraph step emptied */
        ctx.count = 1;
        rc = each_own_line(r, run_path(r, &b, "work/p3/rejects.jsonl.zst"),
                           NULL, put_rejected, &ctx, &j->err);
    }
    if (!rc && r->substr && j->n) { /* documents the substring step cut
                                      * below substr.min_doc_bytes */
        ctx.count = 1;
        rc = each_own_line(r, run_path(r, &b, "work/p4/rejects.jsonl.zst"),
                           NULL, put_rejected, &ctx, &j->err);
    }
    if (rej.w) {
        int rc2 = shard_finish(&rej, &r->reject_shards, &j->err);
        if (!rc)
            rc = rc2;
    }
    sharder_release(&rej);
    wn_buf_release(&ctx.key);
    wn_buf_release(&ctx.reason);
    wn_buf_release(&b);
    j->rc = rc;
    return NULL;
}

int run_assemble(wn_run *r, wn_error *err)
{
    size_t n = r->nfiles;
    run_dedup_io io;
    int rc = run_dedup_io_init(r, &io, err);
    rej_job rj = {r, &io, n, 0, {0}, 0, PTHREAD_MUTEX_INITIALIZER,
                  PTHREAD_COND_INITIALIZER};
    /* data and rejects touch disjoint counters, so with more than one job
     * the rejects are written by a second thread meanwhile: started now,
     * as the stages' rejects are all known after the reading, so that
     * copying them fills the cores the dedup's serial stretches leave
     * idle; the steps' rejects follow when the steps end */
    pthread_t th;
    int threaded = !rc && r->jobs > 1 &&
                   pthread_create(&th, NULL, write_rejects, &rj) == 0;
    if (!rc && r->dedup && n) {
        r->phase = PH_DEDUP;
        rc = wn_dedup_run(io.cfg, (const char *const *)io.p1, n, io.workdir,
                          (const char *const *)io.p2,
                          io.changes ? NULL : io.rejects, &r->dstats, err);
    }
    if (!rc && r->para && n)
        rc = run_paragraphs(r, r->dedup ? io.p2 : io.p1, err);
    if (!rc && r->substr && n)
        rc = run_substr(r, r->para ? io.p3 : r->dedup ? io.p2 : io.p1, err);
    run_clock_lap(&r->clock, RT_DEDUP);
    steps_end(&rj, !rc);
    r->phase = PH_WRITE;
    sharder data = {r, "data", NULL, 0, 0, WN_BUF_INIT, 0, WN_BUF_INIT,
                    WN_BUF_INIT};
    if (!rc)
        rc = shard_open(&data, err);
    wn_buf p4 = WN_BUF_INIT;
    for (size_t i = 0; i < n && !rc; i++) {
        data.file = i;
        const char *in = r->para ? io.p3[i] : r->dedup ? io.p2[i] : io.p1[i];
        const char *ch = NULL;
        if (r->dedup && io.changes) {
            in = io.p1[i];
            ch = io.p2[i];
        }
        if (r->substr &&
            !(in = run_path(r, &p4, "work/p4/%05zu.jsonl.zst", i)))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        if (!rc)
            rc = copy_kept(&data, in, ch, put_kept, err);
    }
    wn_buf_release(&p4);
    if (data.w) {
        int rc2 = shard_finish(&data, &r->data_shards, err);
        if (!rc)
            rc = rc2;
    }
    sharder_release(&data);
    if (threaded)
        pthread_join(th, NULL);
    else if (!rc)
        write_rejects(&rj);
    if (!rc && rj.rc) {
        rc = rj.rc;
        *err = rj.err;
    }
    pthread_mutex_destroy(&rj.mu);
    pthread_cond_destroy(&rj.cv);
    run_dedup_io_release(r, &io);
    if (rc)
        return rc;
    uint64_t read, kept, rejected;
    wn_run_totals(r, &read, &kept, &rejected);
    if (read != kept + rejected)
        return wn_err(err, WN_EINVAL, r->outdir, 0,
                      "accounting failed: %llu documents read, %llu kept + "
                      "%llu rejected",
                      (unsigned long long)read, (unsigned long long)kept,
                      (unsigned long long)rejected);
    return 0;
}

/* OUTDIR/problems.jsonl: what the walk of input folders skipped, then the
 * tasks' problems in input order. */
static int write_problems(wn_run *r, wn_error *err)
{
    wn_buf all = WN_BUF_INIT, p = WN_BUF_INIT;
    int rc = r->setup_problems.len ? wn_buf_append(&all, r->setup_problems.data,
                                                   r->setup_problems.len)
                                    : 0;
    if (rc)
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    for (size_t i = 0; i < r->nfiles && !rc; i++) {
        const char *name = run_path(r, &p, "work/p1/%05zu.problems.jsonl", i);
        if (!name) {
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            break;
        }
        /* absent: a task without problems */
        if ((rc = read_whole_file(name, &all, err)) > 0)
            rc = 0;
    }
    const char *name = rc ? NULL : run_path(r, &p, "problems.jsonl");
    if (!rc && !name)
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (!rc)
        rc = write_text_file(name, &all, err);
    wn_buf_release(&all);
    wn_buf_release(&p);
    return rc;
}

int wn_run_stats_json(wn_run *r, wn_buf *out)
{
    size_t at = out->len;
    int rc = tally_json(&r->total,
                        r->dedup || r->para || r->substr ? &r->dstats : NULL,
                        r->dedup, r->data_shards, r->reject_shards, out);
    if (rc)
        return rc;
    /* and what only a run has: the substring step (its bytes struck are
     * part of the dedup row's cut bytes) and its input files, in order */
    tally_json_reopen(out, at);
    const wn_substr_stats *ss = &r->sstats;
    rc |= wn_buf_printf(out,
                        ",\n\"substr\":{\"enabled\":%s,\"docs\":%llu,"
                        "\"docs_struck\":%llu,\"bytes_struck\":%llu,"
                        "\"spans\":%llu,\"rejected\":%llu,"
                        "\"bytes_in\":%llu,\"bytes_out\":%llu}",
                        r->substr ? "true" : "false",
                        (unsigned long long)ss->docs,
                        (unsigned long long)ss->docs_struck,
                        (unsigned long long)ss->bytes_struck,
                        (unsigned long long)ss->spans,
                        (unsigned long long)ss->rejected,
                        (unsigned long long)ss->text_bytes,
                        (unsigned long long)ss->bytes_out);
    rc |= wn_buf_puts(out, ",\n\"inputs\":[");
    for (size_t i = 0; i < r->nfiles && r->finfo; i++) {
        const run_file *f = &r->finfo[i];
        rc |= wn_buf_puts(out, i ? ",\n {\"file\":" : "\n {\"file\":");
        rc |= wn_json_put_string(out, r->files[i], strlen(r->files[i]));
        rc |= wn_buf_printf(out, ",\"bytes\":%llu,\"read\":%llu,"
                                 "\"kept_by_stages\":%llu,\"kept\":%llu,"
                                 "\"problems\":%llu}",
                            (unsigned long long)f->bytes,
                            (unsigned long long)f->read,
                            (unsigned long long)f->stage_kept,
                            (unsigned long long)f->kept,
                            (unsigned long long)f->problems);
    }
    rc |= wn_buf_puts(out, "]\n}\n");
    return rc ? WN_ENOMEM : 0;
}

/* "2026-11-30T19:40:01Z" */
static int put_time(wn_buf *o, double t)
{
    time_t s = (time_t)t;
    struct tm tm;
    char b[32];
    if (!gmtime_r(&s, &tm) || !strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm))
        b[0] = 0;
    return wn_buf_printf(o, "\"%s\"", b);
}

/* timing.json: the stages' CPU time (tally_timing_json), then the run's
 * phases, threads, start and end, and command line. */
static int timing_json(wn_run *r, wn_buf *o)
{
    int rc = tally_timing_json(&r->total, o);
    if (rc)
        return rc;
    tally_json_reopen(o, 0);
    static const char *const names[RT_N] = {"read", "dedup", "write"};
    const run_clock *c = &r->clock;
    rc |= wn_buf_printf(o, ",\n\"threads\":%d,\"start\":", r->jobs);
    rc |= put_time(o, c->start_real);
    rc |= wn_buf_puts(o, ",\"end\":");
    rc |= put_time(o, c->end_real);
    rc |= wn_buf_printf(o, ",\"wall_seconds\":%.3f,\"input_bytes\":%llu,"
                           "\n\"command\":",
                        c->end_real - c->start_real,
                        (unsigned long long)r->total.input.bytes_in);
    const char *cmd = r->command ? r->command : "";
    rc |= wn_json_put_string(o, cmd, strlen(cmd));
    rc |= wn_buf_puts(o, ",\n\"phases\":[");
    for (int i = 0; i < RT_N; i++) {
        /* reading is measured on the input bytes, dedup and writing on
         * the text they handle */
        uint64_t bytes = i == RT_READ ? r->total.input.bytes_in
                         : i == RT_DEDUP ? (r->dedup ? r->total.kept_bytes : 0)
                                         : r->total.kept_bytes;
        rc |= wn_buf_printf(o, "%s\n {\"name\":\"%s\",\"wall_seconds\":%.3f,"
                               "\"cpu_seconds\":%.3f,\"bytes\":%llu,"
                               "\"mb_per_s\":%.1f}",
                            i ? "," : "", names[i], c->wall[i], c->cpu[i],
                            (unsigned long long)bytes,
                            c->wall[i] > 0 ? bytes / 1e6 / c->wall[i] : 0);
    }
    rc |= wn_buf_puts(o, "]}\n");
    return rc ? WN_ENOMEM : 0;
}

/* The tasks' examples of line rules, in input order, the first
 * r->examples of each rule, appended to o. */
static int line_examples(wn_run *r, wn_buf *o, wn_error *err)
{
    wn_buf all = WN_BUF_INIT, p = WN_BUF_INIT;
    tally_kv *count = NULL;
    size_t ncount = 0;
    int rc = 0;
    for (size_t i = 0; i < r->nfiles && !rc; i++) {
        const char *name = run_path(r, &p, "work/p1/%05zu.lines.jsonl", i);
        wn_buf_reset(&all);
        if (!name)
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        else if ((rc = read_whole_file(name, &all, err)) > 0)
            rc = 0; /* no examples in this input */
        const char *at = all.data, *end = at + all.len;
        while (!rc && at && at < end) {
            const char *nl = memchr(at, '\n', (size_t)(end - at));
            const char *le = nl ? nl : end;
            jview line, v;
            char key[JVIEW_KEY];
            if (jview_parse(at, (size_t)(le - at), &line) ||
                !jview_get(line, "rule", &v) || !jview_cstr(v, key, sizeof key))
                rc = wn_err(err, WN_EIO, name, 0, "damaged work file");
            size_t have = 0;
            for (size_t k = 0; !rc && k < ncount; k++)
                if (!strcmp(count[k].key, key))
                    have = count[k].n;
            if (!rc && have < r->examples &&
                !(rc = wn_buf_append(o, at, (size_t)(le - at) + 1)))
                rc = tally_kv_add(&count, &ncount, key, strlen(key), 1);
            if (rc == WN_ENOMEM)
                rc = wn_err(err, rc, "", 0, "out of memory");
            at = le + 1;
        }
    }
    for (size_t k = 0; k < ncount; k++)
        free(count[k].key);
    free(count);
    wn_buf_release(&all);
    wn_buf_release(&p);
    return rc;
}

int run_write_examples(wn_run *r, wn_error *err)
{
    wn_buf o = WN_BUF_INIT, p = WN_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < r->nex; i++) {
        const run_example *e = &r->ex[i];
        rc |= wn_buf_puts(&o, "{\"reason_key\":");
        rc |= wn_json_put_string(&o, e->reason_key, strlen(e->reason_key));
#define FIELD(name, b)                                                     \
    rc |= wn_buf_puts(&o, ",\"" name "\":");                                \
    rc |= wn_json_put_string(&o, (b).data ? (b).data : "", (b).len)
        FIELD("reason", e->reason);
        FIELD("id", e->id);
        FIELD("url", e->url);
        FIELD("text", e->excerpt);
#undef FIELD
        rc |= wn_buf_puts(&o, "}\n");
    }
    if (!rc) {
        rc = line_examples(r, &o, err);
        if (rc) {
            wn_buf_release(&o);
            return rc;
        }
    }
    const char *name = rc ? NULL : run_path(r, &p, "examples.jsonl");
    if (!name)
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else
        rc = write_text_file(name, &o, err);
    wn_buf_release(&o);
    wn_buf_release(&p);
    return rc;
}

int run_write_stats(wn_run *r, wn_error *err)
{
    wn_buf o = WN_BUF_INIT, path = WN_BUF_INIT;
    int rc = wn_run_stats_json(r, &o);
    if (!rc && !run_path(r, &path, "stats.json"))
        rc = WN_ENOMEM;
    if (rc)
        rc = wn_err(err, rc, "", 0, "out of memory");
    else
        rc = write_text_file(path.data, &o, err);
    wn_buf_reset(&o);
    run_clock_lap(&r->clock, RT_WRITE);
    if (!rc && ((rc = timing_json(r, &o)) ||
                !run_path(r, &path, "timing.json")))
        rc = wn_err(err, rc ? rc : WN_ENOMEM, "", 0, "out of memory");
    else if (!rc)
        rc = write_text_file(path.data, &o, err);
    if (!rc)
        rc = write_problems(r, err);
    if (!rc)
        rc = run_write_examples(r, err);
    wn_buf_release(&o);
    wn_buf_release(&path);
    return rc;
}
#undef PUTC
#undef PUTS
#undef PUTF
