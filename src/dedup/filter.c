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
#include "../io/input.h"

#include <stdlib.h>

typedef struct filt {
    const dd_ctx *c;
    dd_lookup *lk;
    wn_buf id, url, json, reason;
} filt;

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

/* The state of one shard's split, for the reader loop's callback. */
typedef struct splitter {
    filt f;
    unsigned shard;
    FILE *asg, *mem;
    wn_writer *out, *rej;
    dd_asg_rec a;
    dd_rec m;
    int have_a, have_m;
    uint64_t idx;
    wn_dedup_stats *st;
} splitter;

/* One document, in shard order, on the reading thread: removed (its
 * reason in the batch's reasons, and in its metadata) or kept (with the
 * copies it stands for).  The pool's workers then serialise it. */
static int split_take(void *ctx, batch *b, wn_doc *doc, wn_error *err)
{
    splitter *x = ctx;
    filt *f = &x->f;
    wn_buf *why = &b->reasons[b->n];
    int rc;
    wn_buf_reset(why);
    if (x->have_a && x->a.idx == x->idx) {
        if ((rc = reason_of(f, &x->a, err)))
            return rc;
        if ((rc = wn_buf_set(why, f->reason.data, f->reason.len)) ||
            (rc = wn_doc_meta_set_str(doc, "reject_reason", f->reason.data,
                                      f->reason.len)))
            return wn_err(err, rc, "", 0, "out of memory");
        x->have_a = fread(&x->a, sizeof x->a, 1, x->asg) == 1;
    } else {
        uint64_t g = DD_GID(x->shard, x->idx), count = 0;
        if ((rc = wn_buf_set(&f->json, "[", 1)))
            return wn_err(err, rc, "", 0, "out of memory");
        while (x->have_m && x->m.a == g) {
            if (count++ < f->c->o->max_listed &&
                (rc = put_member(f, x->m.b, err)))
                return rc;
            x->have_m = fread(&x->m, sizeof x->m, 1, x->mem) == 1;
        }
        if (count) {
            if ((rc = wn_buf_putc(&f->json, ']')) ||
                (rc = wn_doc_meta_set(doc, "duplicates", f->json.data,
                                      f->json.len)) ||
                (rc = wn_doc_meta_set_num(doc, "duplicate_count",
                                          (double)count)))
                return wn_err(err, rc, "", 0, "out of memory");
        }
    }
    x->idx++;
    return 0;
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

int dd_stage_filter(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                    wn_error *err)
{
    splitter x;
    memset(&x, 0, sizeof x);
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
    dd_path(&rpath, c->workdir, "rej-%05u.jsonl", shard);
    if ((rc = wn_writer_open(c->outputs[shard], WN_OUT_JSONL, &x.out, err)) ||
        (rc = wn_writer_open(rpath.data, WN_OUT_JSONL, &x.rej, err)))
        goto out;
    (void)wn_writer_set_level(x.out, c->o->level); /* before any write */
    /* the one reader loop; bad input is skipped as the sig stage skipped
     * it (and reported there, once) */
    dd_pump pu = {NULL, NULL, c->jobs, POOL_SERIALIZE, split_take,
                  split_commit, &x};
    rc = dd_pump_input(&pu, c->inputs[shard], &ro, &rst, err);
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
    dd_lookup_close(x.f.lk);
    wn_buf_release(&rpath);
    wn_buf_release(&x.f.id);
    wn_buf_release(&x.f.url);
    wn_buf_release(&x.f.json);
    wn_buf_release(&x.f.reason);
    return rc;
}
