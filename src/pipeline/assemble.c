/*
 * assemble.c - the end of `winnow run`: duplicate removal over the task
 * outputs, then the final shards and stats.json.
 *
 * Shards are cut by uncompressed size in input order, so the same corpus
 * and options give the same shards whatever the thread count.  Rejects are
 * the stage rejects of every task in input order, then the duplicates.
 * While copying, the report's figures are gathered (lengths, languages,
 * duplicate groups, a few examples per reject reason), and the run checks
 * its books: documents read = kept + rejected, by reason.
 */
#include "run_internal.h"

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct sharder {
    wn_run *r;
    const char *dir; /* "data" or "rejects" */
    wn_writer *w;
    size_t shard, bytes;
    wn_buf line, path;
} sharder;

static int shard_open(sharder *s, wn_error *err)
{
    run_path(s->r, &s->path, "%s/part-%05zu.jsonl.zst", s->dir, s->shard);
    s->bytes = 0;
    return wn_writer_open(s->path.data, WN_OUT_JSONL, &s->w, err);
}

static int shard_put(sharder *s, const wn_doc *d, wn_error *err)
{
    int rc;
    wn_buf_reset(&s->line);
    if ((rc = wn_doc_to_json(d, &s->line)))
        return wn_err(err, rc, "", 0, "out of memory");
    if (s->bytes && s->bytes + s->line.len + 1 > s->r->shard_size) {
        rc = wn_writer_close(s->w, err); /* frees the writer, even failing */
        s->w = NULL;
        if (rc)
            return rc;
        s->shard++;
        if ((rc = shard_open(s, err)))
            return rc;
    }
    s->bytes += s->line.len + 1;
    return wn_writer_write_line(s->w, s->line.data, s->line.len, err);
}

/* Closes the last shard and removes shards past it left by an earlier,
 * interrupted attempt (same inputs and options, so only extra tails). */
static int shard_finish(sharder *s, size_t *count, wn_error *err)
{
    int rc = wn_writer_close(s->w, err);
    s->w = NULL;
    *count = s->shard + 1;
    for (size_t k = *count;; k++) {
        run_path(s->r, &s->path, "%s/part-%05zu.jsonl.zst", s->dir, k);
        if (unlink(s->path.data))
            break;
    }
    wn_buf_release(&s->line);
    wn_buf_release(&s->path);
    return rc;
}

/* Reads every document of path into fn. */
static int each_doc(wn_run *r, const char *path,
                    int (*fn)(wn_run *, wn_doc *, void *, wn_error *),
                    void *ctx, wn_error *err)
{
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = WN_FMT_JSONL;
    ro.max_record = (size_t)1 << 30;
    wn_reader *rd;
    int rc = wn_reader_open(path, &ro, &rd, err);
    if (rc)
        return rc;
    wn_doc d = WN_DOC_INIT;
    while ((rc = wn_reader_next(rd, &d, err)) == WN_DOC)
        if ((rc = fn(r, &d, ctx, err)))
            break;
    if (rc < 0 && WN_IS_BAD_INPUT(rc)) /* our own files: a real failure */
        rc = wn_err(err, WN_EIO, path, err->offset, "damaged work file: %s",
                    err->msg);
    wn_doc_release(&d);
    wn_reader_close(rd);
    return rc < 0 ? rc : 0;
}

static int put_kept(wn_run *r, wn_doc *d, void *ctx, wn_error *err)
{
    tally *t = &r->total;
    t->final_kept++;
    t->final_bytes += d->text.len;
    size_t chars = 0;
    for (size_t i = 0; i < d->text.len; i++)
        chars += ((unsigned char)d->text.data[i] & 0xC0) != 0x80;
    t->len_hist[tally_len_bucket(chars)]++;
    const char *v;
    size_t n;
    int rc;
    if (wn_doc_meta_get(d, "language", &v, &n) && n >= 2 && v[0] == '"') {
        if ((rc = tally_kv_add(&t->langs, &t->nlangs, v + 1, n - 2, 1)))
            return rc;
    }
    if (wn_doc_meta_get(d, "duplicate_count", &v, &n)) {
        char tmp[32];
        long long c = strtoll(v, NULL, 10) + 1;
        int k = snprintf(tmp, sizeof tmp, "%lld", c);
        if ((rc = tally_kv_add(&t->clusters, &t->nclusters, tmp, (size_t)k, 1)))
            return rc;
    }
    return shard_put(ctx, d, err);
}

static int add_example(wn_run *r, const wn_doc *d, const char *reason,
                       size_t rn, const wn_buf *key)
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
    if (wn_buf_set(&e->id, d->id.data, d->id.len) ||
        wn_buf_set(&e->url, d->url.data, d->url.len) ||
        wn_buf_set(&e->reason, reason, rn))
        return WN_ENOMEM;
    /* an excerpt of at most 400 bytes, cut on a character boundary */
    size_t n = d->text.len < 400 ? d->text.len : 400;
    while (n < d->text.len && n && ((unsigned char)d->text.data[n] & 0xC0) == 0x80)
        n--;
    return wn_buf_set(&e->excerpt, d->text.data, n);
}

typedef struct rej_ctx {
    sharder *s;
    int count; /* duplicates: count their reasons (stage ones are counted) */
    wn_buf key;
} rej_ctx;

static int put_rejected(wn_run *r, wn_doc *d, void *ctx, wn_error *err)
{
    rej_ctx *c = ctx;
    const char *v;
    size_t n;
    int rc;
    wn_buf reason = WN_BUF_INIT;
    rc = 0;
    if (wn_doc_meta_get(d, "reject_reason", &v, &n) && n && *v == '"') {
        const char *p = v;
        rc = json_decode_string(&p, v + n, &reason, NULL);
        if (rc == WN_EFORMAT) /* not ours to judge here: "unknown" */
            rc = 0;
    }
    if (!rc && !reason.len)
        rc = wn_buf_puts(&reason, "unknown");
    if (!rc)
        rc = tally_reason_key(reason.data, reason.len, &c->key);
    if (!rc && c->count) {
        r->total.dup_rejected++;
        rc = tally_kv_add(&r->total.reasons, &r->total.nreasons, c->key.data,
                          c->key.len, 1);
    }
    if (!rc)
        rc = add_example(r, d, reason.data, reason.len, &c->key);
    wn_buf_release(&reason);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    return shard_put(c->s, d, err);
}

static void copy_key(void *ctx, const char *k, const char *v)
{
    wn_config_set(ctx, k, v);
}

int run_dedup_io_init(wn_run *r, run_dedup_io *io, wn_error *err)
{
    size_t n = r->nfiles;
    wn_buf b = WN_BUF_INIT;
    memset(io, 0, sizeof *io);
    io->p1 = calloc(n + 1, sizeof *io->p1);
    io->p2 = calloc(n + 1, sizeof *io->p2);
    io->cfg = wn_config_new();
    int rc = io->p1 && io->p2 && io->cfg ? 0 : WN_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++) {
        io->p1[i] = strdup(run_path(r, &b, "work/p1/%05zu.jsonl.zst", i));
        io->p2[i] = strdup(run_path(r, &b, "work/p2/%05zu.jsonl.zst", i));
        if (!io->p1[i] || !io->p2[i])
            rc = WN_ENOMEM;
    }
    if (!rc) {
        io->rejects = strdup(run_path(r, &b, "work/p2/rejects.jsonl.zst"));
        io->workdir = strdup(run_path(r, &b, "work/dedup"));
        if (!io->rejects || !io->workdir)
            rc = WN_ENOMEM;
    }
    if (!rc) {
        /* dedup threads follow run.jobs unless set */
        wn_config_each(r->cfg, copy_key, io->cfg);
        if (!wn_config_lookup(io->cfg, "dedup.threads")) {
            char j[16];
            snprintf(j, sizeof j, "%d", r->jobs);
            wn_config_set(io->cfg, "dedup.threads", j);
        }
    }
    wn_buf_release(&b);
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

void run_dedup_io_release(wn_run *r, run_dedup_io *io)
{
    for (size_t i = 0; i < r->nfiles; i++) {
        free(io->p1 ? io->p1[i] : NULL);
        free(io->p2 ? io->p2[i] : NULL);
    }
    free(io->p1);
    free(io->p2);
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
} rej_job;

/* Writes rejects/: the stage rejects of every task in input order, then
 * the duplicates. */
static void *write_rejects(void *arg)
{
    rej_job *j = arg;
    wn_run *r = j->r;
    sharder rej = {r, "rejects", NULL, 0, 0, WN_BUF_INIT, WN_BUF_INIT};
    rej_ctx ctx = {&rej, 0, WN_BUF_INIT};
    wn_buf b = WN_BUF_INIT;
    int rc = shard_open(&rej, &j->err);
    for (size_t i = 0; i < j->n && !rc; i++)
        rc = each_doc(r, run_path(r, &b, "work/p1/%05zu.rej.jsonl.zst", i),
                      put_rejected, &ctx, &j->err);
    if (!rc && r->dedup && j->n) {
        ctx.count = 1;
        rc = each_doc(r, j->io->rejects, put_rejected, &ctx, &j->err);
    }
    if (rej.w) {
        int rc2 = shard_finish(&rej, &r->reject_shards, &j->err);
        if (!rc)
            rc = rc2;
    }
    wn_buf_release(&rej.line); /* a failed open or close left no writer */
    wn_buf_release(&rej.path);
    wn_buf_release(&ctx.key);
    wn_buf_release(&b);
    j->rc = rc;
    return NULL;
}

int run_assemble(wn_run *r, wn_error *err)
{
    size_t n = r->nfiles;
    run_dedup_io io;
    int rc = run_dedup_io_init(r, &io, err);
    if (!rc && r->dedup && n) {
        r->phase = PH_DEDUP;
        rc = wn_dedup_run(io.cfg, (const char *const *)io.p1, n, io.workdir,
                          (const char *const *)io.p2, io.rejects, &r->dstats,
                          err);
    }
    r->phase = PH_WRITE;
    sharder data = {r, "data", NULL, 0, 0, WN_BUF_INIT, WN_BUF_INIT};
    rej_job rj = {r, &io, n, 0, {0}};
    /* data and rejects touch disjoint counters, so with more than one job
     * the rejects are written by a second thread meanwhile */
    pthread_t th;
    int threaded = !rc && r->jobs > 1 &&
                   pthread_create(&th, NULL, write_rejects, &rj) == 0;
    if (!rc)
        rc = shard_open(&data, err);
    for (size_t i = 0; i < n && !rc; i++)
        rc = each_doc(r, r->dedup ? io.p2[i] : io.p1[i], put_kept, &data, err);
    if (data.w) {
        int rc2 = shard_finish(&data, &r->data_shards, err);
        if (!rc)
            rc = rc2;
    }
    wn_buf_release(&data.line);
    wn_buf_release(&data.path);
    if (threaded)
        pthread_join(th, NULL);
    else if (!rc)
        write_rejects(&rj);
    if (!rc && rj.rc) {
        rc = rj.rc;
        *err = rj.err;
    }
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

static int cmp_kv(const void *a, const void *b)
{
    return strcmp(((const tally_kv *)a)->key, ((const tally_kv *)b)->key);
}

static void put_kv_object(wn_buf *o, tally_kv *kv, size_t n)
{
    if (n)
        qsort(kv, n, sizeof *kv, cmp_kv);
    wn_buf_putc(o, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            wn_buf_putc(o, ',');
        wn_json_put_string(o, kv[i].key, strlen(kv[i].key));
        wn_buf_printf(o, ":%llu", (unsigned long long)kv[i].n);
    }
    wn_buf_putc(o, '}');
}

int run_write_stats(wn_run *r, wn_error *err)
{
    tally *t = &r->total;
    uint64_t read, kept, rejected;
    wn_run_totals(r, &read, &kept, &rejected);
    wn_buf o = WN_BUF_INIT;
    wn_buf_printf(&o, "{\n\"winnow_version\":\"%s\",\n", wn_version());
    wn_buf_printf(&o, "\"documents\":{\"read\":%llu,\"kept\":%llu,"
                      "\"rejected\":%llu},\n",
                  (unsigned long long)read, (unsigned long long)kept,
                  (unsigned long long)rejected);
    wn_buf_puts(&o, "\"accounting\":\"read = kept + rejected\",\n");
    wn_buf_puts(&o, "\"rejected_by_reason\":");
    put_kv_object(&o, t->reasons, t->nreasons);
    wn_buf_puts(&o, ",\n\"stages\":[");
    for (size_t i = 0; i < t->nstages; i++)
        wn_buf_printf(&o, "%s\n {\"name\":\"%s\",\"in\":%llu,\"kept\":%llu,"
                          "\"rejected\":%llu}",
                      i ? "," : "", t->stage_name[i],
                      (unsigned long long)t->stage_in[i],
                      (unsigned long long)(t->stage_in[i] - t->stage_rejected[i]),
                      (unsigned long long)t->stage_rejected[i]);
    if (r->dedup)
        wn_buf_printf(&o, "%s\n {\"name\":\"dedup\",\"in\":%llu,\"kept\":%llu,"
                          "\"rejected\":%llu}",
                      t->nstages ? "," : "", (unsigned long long)t->docs_kept,
                      (unsigned long long)(t->docs_kept - t->dup_rejected),
                      (unsigned long long)t->dup_rejected);
    wn_buf_puts(&o, "],\n\"input\":");
    wn_stats_write_json(&t->input, &o);
    wn_buf_printf(&o, ",\n\"dedup\":{\"enabled\":%s,\"exact_duplicates\":%llu,"
                      "\"near_duplicates\":%llu,\"groups\":%llu,"
                      "\"candidate_pairs\":%llu}",
                  r->dedup ? "true" : "false",
                  (unsigned long long)r->dstats.exact_dups,
                  (unsigned long long)r->dstats.near_dups,
                  (unsigned long long)r->dstats.groups,
                  (unsigned long long)r->dstats.candidate_pairs);
    wn_buf_printf(&o, ",\n\"output\":{\"data_shards\":%zu,\"reject_shards\":%zu,"
                      "\"text_bytes\":%llu}",
                  r->data_shards, r->reject_shards,
                  (unsigned long long)t->final_bytes);
    wn_buf_puts(&o, ",\n\"histograms\":{\"length_chars_log2\":[");
    for (size_t i = 0; i < TALLY_LEN_BUCKETS; i++)
        wn_buf_printf(&o, "%s%llu", i ? "," : "",
                      (unsigned long long)t->len_hist[i]);
    wn_buf_puts(&o, "],\"language\":");
    put_kv_object(&o, t->langs, t->nlangs);
    wn_buf_puts(&o, ",\"duplicate_group_size\":");
    put_kv_object(&o, t->clusters, t->nclusters);
    wn_buf_puts(&o, "}\n}\n");
    wn_buf path = WN_BUF_INIT;
    int rc = write_text_file(run_path(r, &path, "stats.json"), &o, err);
    wn_buf_release(&o);
    wn_buf_release(&path);
    return rc;
}
