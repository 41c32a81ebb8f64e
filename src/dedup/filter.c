/*
 * filter.c - the per-shard stage "filter": the shard read a second time,
 * split into kept documents and rejects, with provenance.
 *
 * The cluster stage left two files per shard, both sorted by position:
 * the removals (asg) and, for documents kept on behalf of others, their
 * members (mem).  Reading them alongside the shard is a merge, so the unit
 * needs no index in memory; the ids and urls of documents in other shards
 * come from the work directory by gid.
 */
#include "dedup.h"
#include "changes.h"
#include "../io/input.h"
#include "../io/io.h"

#include <stdatomic.h>
#include <stdlib.h>

typedef struct filt {
    const dd_ctx *c;
    dd_lookup *lk;
    wn_buf id, url, json, reason;
    /* a worker's first failure, kept for the message: the pool passes on
     * only the code */
    int failed;
    uint64_t failed_seq;
    wn_error err;
} filt;

static void filt_release(filt *f)
{
    dd_lookup_close(f->lk);
    wn_buf_release(&f->id);
    wn_buf_release(&f->url);
    wn_buf_release(&f->json);
    wn_buf_release(&f->reason);
}

static int reason_of(filt *f, const dd_asg_rec *a, wn_error *err)
{
    int rc = dd_lookup_ids(f->lk, a->keeper, &f->id, &f->url, err);
    if (rc)
        return rc;
    wn_buf_reset(&f->reason);
    if (a->kind == DD_KIND_EXACT)
        rc = wn_buf_printf(&f->reason, "exact_duplicate:of=%s", f->id.data);
    else
        rc = wn_buf_printf(&f->reason, "near_duplicate:of=%s,jaccard=%.2f",
                           f->id.data, (double)a->jaccard);
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

/* Appends {"id":..,"url":..} of gid to f->json. */
static int put_member(filt *f, uint64_t gid, wn_error *err)
{
    int rc = dd_lookup_ids(f->lk, gid, &f->id, &f->url, err);
    if (rc)
        return rc;
    /* a failed append would leave broken JSON in the metadata */
    if ((f->json.len > 1 && (rc = wn_buf_putc(&f->json, ','))) ||
        (rc = wn_buf_puts(&f->json, "{\"id\":")) ||
        (rc = wn_json_put_string(&f->json, f->id.data, f->id.len)) ||
        (f->url.len && ((rc = wn_buf_puts(&f->json, ",\"url\":")) ||
                        (rc = wn_json_put_string(&f->json, f->url.data,
                                                 f->url.len)))) ||
        (rc = wn_buf_putc(&f->json, '}')))
        return wn_err(err, rc, "", 0, "out of memory");
    return 0;
}

static FILE *open_in(const dd_ctx *c, const char *pat, unsigned shard,
                     wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    dd_path(&p, c->workdir, pat, shard);
    FILE *f = fopen(p.data, "rb");
    if (!f)
        wn_err(err, WN_EIO, p.data, 0, "cannot open (has the cluster stage "
               "run?)");
    wn_buf_release(&p);
    return f;
}

/* The state of one shard's split, on the reading thread; the workers
 * resolve ids each through a filt of its own (wf, claimed once per thread
 * through the stage scratch, which frees only the claim ticket). */
typedef struct splitter {
    filt f;
    unsigned shard;
    FILE *asg, *mem;
    wn_writer *out, *rej;
    wn_doc members; /* verbatim: the new members' bytes, in its meta */
    wn_buf verdict;
    dd_asg_rec a;
    dd_rec m;
    int have_a, have_m;
    uint64_t idx;
    wn_dedup_stats *st;
    filt *wf;
    unsigned nwf;
    _Atomic unsigned claimed;
} splitter;

/* The verdict on document x->idx, from the cluster stage's lists in shard
 * order, into x->verdict: empty (kept alone), 'R' + its removal, or
 * 'K' + the count of its copies + the gids of the first max_listed. */
static int next_verdict(splitter *x, wn_error *err)
{
    wn_buf *v = &x->verdict;
    int rc = 0;
    wn_buf_reset(v);
    if (x->have_a && x->a.idx == x->idx) {
        if (!(rc = wn_buf_putc(v, 'R')))
            rc = wn_buf_append(v, &x->a, sizeof x->a);
        x->have_a = fread(&x->a, sizeof x->a, 1, x->asg) == 1;
    } else {
        uint64_t g = DD_GID(x->shard, x->idx), count = 0;
        while (!rc && x->have_m && x->m.a == g) {
            if (!count && !(rc = wn_buf_putc(v, 'K')))
                rc = wn_buf_append(v, &count, sizeof count);
            if (!rc && count++ < x->f.c->o->max_listed)
                rc = wn_buf_append(v, &x->m.b, sizeof x->m.b);
            x->have_m = fread(&x->m, sizeof x->m, 1, x->mem) == 1;
        }
        if (count)
            memcpy(v->data + 1, &count, sizeof count);
    }
    x->idx++;
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

/* A verdict resolved through f's lookups: removed, with f->reason, or
 * kept for *count copies listed in f->json. */
static int resolve(filt *f, const char *v, size_t n, int *removed,
                   uint64_t *count, wn_error *err)
{
    *removed = n && v[0] == 'R';
    *count = 0;
    if (*removed) {
        dd_asg_rec a;
        memcpy(&a, v + 1, sizeof a);
        return reason_of(f, &a, err);
    }
    if (!n)
        return 0;
    int rc = wn_buf_set(&f->json, "[", 1);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    memcpy(count, v + 1, sizeof *count);
    for (size_t at = 1 + sizeof *count; at + 8 <= n; at += 8) {
        uint64_t gid;
        memcpy(&gid, v + at, sizeof gid);
        if ((rc = put_member(f, gid, err)))
            return rc;
    }
    if ((rc = wn_buf_putc(&f->json, ']')))
        return wn_err(err, rc, "", 0, "out of memory");
    return 0;
}

/* What dedup adds to a document: its reject reason, or the copies it
 * stands for. */
static int annotate(const filt *f, wn_doc *doc, int removed, uint64_t count)
{
    int rc = 0;
    if (removed)
        rc = wn_doc_meta_set_str(doc, "reject_reason", f->reason.data,
                                 f->reason.len);
    else if (count &&
             !(rc = wn_doc_meta_set(doc, "duplicates", f->json.data,
                                    f->json.len)))
        rc = wn_doc_meta_set_num(doc, "duplicate_count", (double)count);
    return rc;
}

/* One document, on the reading thread: its verdict into the batch's
 * reasons, for a worker. */
static int split_take(void *ctx, batch *b, wn_doc *doc, wn_error *err)
{
    splitter *x = ctx;
    int rc;
    (void)doc;
    if ((rc = next_verdict(x, err)) ||
        (rc = wn_buf_set(&b->reasons[b->n], x->verdict.data,
                         x->verdict.len)))
        return rc < 0 ? rc : wn_err(err, rc, "", 0, "out of memory");
    return 0;
}

/* On a worker: each document's verdict resolved into its metadata, and
 * its reasons left holding its reject reason (empty: kept); the pool then
 * serialises it. */
static int split_work(void *ctx, batch *b, stage_scratch *sc)
{
    splitter *x = ctx;
    if (!sc->tls[0]) {
        unsigned i = atomic_fetch_add(&x->claimed, 1);
        if (i >= x->nwf || !(sc->tls[0] = malloc(sizeof(filt *))))
            return WN_ENOMEM;
        *(filt **)sc->tls[0] = &x->wf[i];
    }
    filt *f = *(filt **)sc->tls[0];
    int removed, rc;
    uint64_t count;
    if (!f->lk && (rc = dd_lookup_open(f->c->workdir, f->c->n, f->c->o->k,
                                       &f->lk, &f->err)))
        goto fail;
    for (size_t i = 0; i < b->n; i++) {
        wn_buf *r = &b->reasons[i];
        if (!r->len)
            continue;
        if ((rc = resolve(f, r->data, r->len, &removed, &count, &f->err)))
            goto fail; /* a failed read of a work file */
        if ((rc = annotate(f, &b->docs[i], removed, count)))
            return rc;
        if (!removed)
            wn_buf_reset(r);
        else if ((rc = wn_buf_set(r, f->reason.data, f->reason.len)))
            return rc;
    }
    return 0;
fail:
    if (!f->failed) {
        f->failed = 1;
        f->failed_seq = b->seq;
    }
    return rc;
}

/* The message of the first batch that failed on a worker, if any. */
static void worker_error(const splitter *x, wn_error *err)
{
    const filt *first = NULL;
    for (unsigned i = 0; i < x->nwf; i++)
        if (x->wf[i].failed &&
            (!first || x->wf[i].failed_seq < first->failed_seq))
            first = &x->wf[i];
    if (first)
        *err = first->err;
}

/* A batch's lines, in order, to the kept or the rejected output. */
static int split_commit(void *ctx, batch *b, wn_error *err)
{
    splitter *x = ctx;
    int rc;
    for (size_t i = 0; i < b->n; i++) {
        int removed = b->reasons[i].len != 0;
        if ((rc = wn_writer_write_line(removed ? x->rej : x->out,
                                       b->lines[i].data, b->lines[i].len,
                                       err)))
            return rc;
        x->st->kept += !removed;
    }
    return 0;
}

/* ---- dedup.verbatim: the input's own lines ----
 *
 * JSONL written by winnow is what the parse-and-rewrite path would write
 * again, so a document dedup leaves alone is copied as its line, and one
 * it changes gets its new members spliced before the closing brace, where
 * wn_doc_meta_set appends them.  Only a line that already has such a key
 * (or does not end with '}') is parsed and rewritten.  Documents are found
 * by the decoded offsets the sig stage recorded, so lines the reader
 * skipped (bad JSON, blank) are skipped here too, without parsing. */

static int has_key(const char *l, size_t len, const char *key)
{
    size_t k = strlen(key);
    for (const char *p = l, *end = l + len;
         (size_t)(end - p) >= k && (p = memchr(p, '"', (size_t)(end - p)));
         p++)
        if ((size_t)(end - p) >= k && !memcmp(p, key, k))
            return 1;
    return 0;
}

/* The line rewritten the slow way: parsed alone, annotated, serialised. */
static int reparse(splitter *x, const char *l, size_t len, int removed,
                   uint64_t count, wn_buf *out, wn_error *err)
{
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_reader *rd;
    wn_doc d = WN_DOC_INIT;
    const char *in = x->f.c->inputs[x->shard];
    ro.format = WN_FMT_JSONL;
    int rc = wn_reader_open_mem(l, len, in, &ro, &rd, err);
    if (rc)
        return rc;
    rc = wn_reader_next(rd, &d, err);
    wn_reader_close(rd);
    if (rc != WN_DOC)
        rc = rc < 0 ? rc : wn_err(err, WN_EFORMAT, in, 0, "line vanished");
    else if ((rc = annotate(&x->f, &d, removed, count)) ||
             (wn_buf_reset(out), rc = wn_doc_to_json(&d, out)))
        rc = wn_err(err, rc, "", 0, "out of memory");
    wn_doc_release(&d);
    return rc;
}

/* The new line of a document dedup changes, into out.  With tail
 * (dedup.changes), a line that takes the new members spliced before its
 * closing brace is not rebuilt: *tail points at the members instead. */
static int rewrite(splitter *x, const char *l, size_t len, int removed,
                   uint64_t count, wn_buf *out, const wn_buf **tail,
                   wn_error *err)
{
    wn_doc *m = &x->members;
    int rc;
    int clash = removed ? has_key(l, len, "\"reject_reason\":")
                        : has_key(l, len, "\"duplicates\":") ||
                              has_key(l, len, "\"duplicate_count\":");
    if (clash || len < 2 || l[len - 1] != '}')
        return reparse(x, l, len, removed, count, out, err);
    wn_buf_reset(&m->meta); /* the same member bytes as the slow path */
    if ((rc = annotate(&x->f, m, removed, count)))
        return wn_err(err, rc, "", 0, "out of memory");
    if (tail) {
        *tail = &m->meta;
        return 0;
    }
    if ((rc = dd_splice_members(out, l, len, m->meta.data, m->meta.len)))
        return wn_err(err, rc, "", 0, "out of memory");
    return 0;
}

static int split_verbatim(splitter *x, uint64_t ndocs, wn_error *err)
{
    const dd_ctx *c = x->f.c;
    const char *in = c->inputs[x->shard];
    size_t recsz = DD_SIG_RECSZ(c->o->k);
    dd_sig_rec *rec = malloc(recsz);
    wn_buf p = WN_BUF_INIT, line = WN_BUF_INIT, change = WN_BUF_INIT;
    istream *s = NULL;
    bufin bi;
    int have_bi = 0, rc = 0;
    FILE *sf = NULL;
    if (!rec) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    dd_path(&p, c->workdir, "sig-%05u.bin", x->shard);
    if (!(sf = fopen(p.data, "rb")) ||
        fseek(sf, sizeof(dd_sig_header), SEEK_SET)) {
        rc = wn_err(err, WN_EIO, p.data, 0, "cannot read");
        goto out;
    }
    if ((rc = istream_open(in, &s, err)))
        goto out;
    if (c->jobs > 1) /* decompressed beside the scanning, as feed_input does */
        (void)istream_ahead(s);
    if ((rc = bufin_init(&bi, s))) {
        rc = wn_err(err, rc, "", 0, "out of memory");
        goto out;
    }
    have_bi = 1;
    for (uint64_t i = 0; i < ndocs && !rc; i++) {
        const char *l = NULL;
        size_t len = 0;
        uint64_t off = 0;
        int got = 0, removed;
        uint64_t count;
        if (fread(rec, recsz, 1, sf) != 1) {
            rc = wn_err(err, WN_ETRUNC, p.data, 0, "ends early");
            break;
        }
        do /* lines the reader skipped: blank, bad, too long */
            got = bufin_getline(&bi, &l, &len, WN_MAX_RECORD, &off);
        while ((got == 1 && off < rec->off) || got == WN_ELIMIT);
        if (got != 1 || off != rec->off) {
            rc = bufin_take_error(&bi, err);
            if (!rc)
                rc = wn_err(err, WN_EFORMAT, in, rec->off, "input changed "
                            "since the sig stage (no record here now)");
            break;
        }
        if ((rc = next_verdict(x, err)) ||
            (rc = resolve(&x->f, x->verdict.data, x->verdict.len, &removed,
                          &count, err)))
            break;
        const wn_buf *tail = NULL;
        int changes = c->o->changes && !removed;
        if (removed || count) {
            if ((rc = rewrite(x, l, len, removed, count, &line,
                              changes ? &tail : NULL, err)))
                break;
            if (!tail) {
                l = line.data;
                len = line.len;
            }
        }
        if (c->o->changes && removed)
            rc = dd_change_put(x->out, rec->off, DD_CHANGE_REMOVED, NULL, 0,
                               &change, err);
        else if (c->o->changes && tail)
            rc = dd_change_put(x->out, rec->off, DD_CHANGE_MEMBERS,
                               tail->data, tail->len, &change, err);
        else if (c->o->changes && count)
            rc = dd_change_put(x->out, rec->off, DD_CHANGE_LINE, l, len,
                               &change, err);
        if (!rc && (removed || !c->o->changes))
            rc = wn_writer_write_line(removed ? x->rej : x->out, l, len,
                                      err);
        x->st->kept += !removed;
    }
    if (!rc && ferror(sf))
        rc = wn_err(err, WN_EIO, p.data, 0, "read error");
out:
    if (have_bi)
        bufin_release(&bi); /* frees the buffer, not the stream */
    if (s)
        istream_close(s);
    if (sf)
        fclose(sf);
    free(rec);
    wn_buf_release(&p);
    wn_buf_release(&line);
    wn_buf_release(&change);
    return rc < 0 ? rc : 0;
}

int dd_stage_filter(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                    wn_error *err)
{
    splitter x;
    memset(&x, 0, sizeof x);
    atomic_init(&x.claimed, 0);
    wn_doc init = WN_DOC_INIT;
    x.members = init;
    x.shard = shard;
    x.st = st;
    x.f.c = c;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_buf rpath = WN_BUF_INIT;
    dd_sig_header hd;
    wn_stats rst;
    memset(&rst, 0, sizeof rst);
    int rc;
    if ((rc = dd_read_header(c->workdir, shard, &hd, err)) ||
        (rc = dd_lookup_open(c->workdir, c->n, c->o->k, &x.f.lk, err)))
        goto out;
    if (!(x.asg = open_in(c, "asg-%05u.bin", shard, err)) ||
        !(x.mem = open_in(c, "mem-%05u.bin", shard, err))) {
        rc = WN_EIO;
        goto out;
    }
    x.have_a = fread(&x.a, sizeof x.a, 1, x.asg) == 1;
    x.have_m = fread(&x.m, sizeof x.m, 1, x.mem) == 1;
    dd_path(&rpath, c->workdir, DD_REJ_FILE, shard);
    if ((rc = wn_writer_open(c->outputs[shard], WN_OUT_JSONL, &x.out, err)) ||
        (rc = wn_writer_open(rpath.data, WN_OUT_JSONL, &x.rej, err)))
        goto out;
    writer_work(x.rej); /* gathered into the final rejects later */
    (void)wn_writer_set_level(x.out, c->o->level); /* before any write */
    (void)wn_writer_set_level(x.rej, c->o->level);
    /* in frames cut by the bytes alone (the same for any -j), and with
     * more than one job compressed off the thread that commits the
     * batches, which is the filter's critical path */
    writer_chunks(x.out, c->jobs > 1 ? (int)c->jobs : 0);
    writer_chunks(x.rej, c->jobs > 1 ? (int)c->jobs : 0);
    if (c->o->verbatim) {
        if ((rc = split_verbatim(&x, hd.ndocs, err)))
            goto out;
    } else {
        /* the one reader loop; bad input is skipped as the sig stage
         * skipped it (and reported there, once) */
        unsigned jobs = c->jobs ? c->jobs : 1;
        if (!(x.wf = calloc(jobs, sizeof *x.wf))) {
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            goto out;
        }
        x.nwf = jobs;
        for (unsigned i = 0; i < jobs; i++)
            x.wf[i].c = c;
        batch_feed fd = {split_take, split_commit, NULL, NULL, &x};
        rc = feed_work(jobs, POOL_SERIALIZE, split_work, &fd, c->inputs[shard],
                       &ro, &rst, err);
        if (rc < 0)
            worker_error(&x, err);
    }
    if (rc == 0 && rst.io_errors)
        rc = wn_err(err, WN_EIO, c->inputs[shard], 0,
                    "read error: the shard is left unsplit");
    if (rc < 0)
        goto out;
    /* a read error ends a list early: never taken for its end */
    if (ferror(x.asg) || ferror(x.mem)) {
        rc = wn_err(err, WN_EIO, c->workdir, 0,
                    "read error in the cluster stage's lists of shard %u",
                    shard);
        goto out;
    }
    if (x.idx != hd.ndocs || x.have_a || x.have_m) {
        rc = wn_err(err, WN_EFORMAT, c->inputs[shard], 0,
                    "input changed since the sig stage (%llu documents now, "
                    "%llu then)", (unsigned long long)x.idx,
                    (unsigned long long)hd.ndocs);
        goto out;
    }
    /* a writer is freed by its close, failed or not */
    rc = wn_writer_close(x.rej, err);
    x.rej = NULL;
    if (!rc) {
        rc = wn_writer_close(x.out, err);
        x.out = NULL;
    }
out:
    if (x.out)
        wn_writer_abort(x.out);
    if (x.rej)
        wn_writer_abort(x.rej);
    if (x.asg)
        fclose(x.asg);
    if (x.mem)
        fclose(x.mem);
    filt_release(&x.f);
    for (unsigned i = 0; x.wf && i < x.nwf; i++)
        filt_release(&x.wf[i]);
    free(x.wf);
    wn_doc_release(&x.members);
    wn_buf_release(&x.verdict);
    wn_buf_release(&rpath);
    return rc;
}
