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

int dd_stage_filter(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                    wn_error *err)
{
    filt f;
    FILE *asg = NULL, *mem = NULL;
    wn_reader *r = NULL;
    wn_writer *out = NULL, *rej = NULL;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_doc doc = WN_DOC_INIT;
    wn_buf rpath = WN_BUF_INIT;
    dd_sig_header hd;
    dd_asg_rec a;
    dd_rec m;
    int rc, have_a, have_m;
    uint64_t idx = 0;

    memset(&f, 0, sizeof f);
    f.c = c;
    if ((rc = dd_read_header(c->workdir, shard, &hd, err)) ||
        (rc = dd_lookup_open(c->workdir, c->n, c->o->k, &f.lk, err)))
        goto out;
    if (!(asg = open_in(c, "asg-%05u.bin", shard, err)) ||
        !(mem = open_in(c, "mem-%05u.bin", shard, err))) {
        rc = WN_EIO;
        goto out;
    }
    have_a = fread(&a, sizeof a, 1, asg) == 1;
    have_m = fread(&m, sizeof m, 1, mem) == 1;
    dd_path(&rpath, c->workdir, "rej-%05u.jsonl", shard);
    if ((rc = wn_reader_open(c->inputs[shard], &ro, &r, err)) ||
        (rc = wn_writer_open(c->outputs[shard], WN_OUT_JSONL, &out, err)) ||
        (rc = wn_writer_open(rpath.data, WN_OUT_JSONL, &rej, err)))
        goto out;
    for (;;) {
        rc = wn_reader_next(r, &doc, err);
        if (rc == WN_EOF)
            break;
        if (rc < 0) {
            if (WN_IS_BAD_INPUT(rc))
                continue; /* skipped, as the sig stage did */
            goto out;
        }
        if (have_a && a.idx == idx) {
            if ((rc = reason_of(&f, &a, err)))
                goto out;
            if ((rc = wn_doc_meta_set_str(&doc, "reject_reason",
                                          f.reason.data, f.reason.len))) {
                rc = wn_err(err, rc, "", 0, "out of memory");
                goto out;
            }
            if ((rc = wn_writer_write(rej, &doc, err)))
                goto out;
            have_a = fread(&a, sizeof a, 1, asg) == 1;
        } else {
            uint64_t g = DD_GID(shard, idx), count = 0;
            if ((rc = wn_buf_set(&f.json, "[", 1))) {
                rc = wn_err(err, rc, "", 0, "out of memory");
                goto out;
            }
            while (have_m && m.a == g) {
                if (count++ < c->o->max_listed &&
                    (rc = put_member(&f, m.b, err)))
                    goto out;
                have_m = fread(&m, sizeof m, 1, mem) == 1;
            }
            if (count) {
                if ((rc = wn_buf_putc(&f.json, ']')) ||
                    (rc = wn_doc_meta_set(&doc, "duplicates", f.json.data,
                                          f.json.len)) ||
                    (rc = wn_doc_meta_set_num(&doc, "duplicate_count",
                                              (double)count))) {
                    rc = wn_err(err, rc, "", 0, "out of memory");
                    goto out;
                }
            }
            if ((rc = wn_writer_write(out, &doc, err)))
                goto out;
            st->kept++;
        }
        idx++;
    }
    if (idx != hd.ndocs || have_a || have_m) {
        rc = wn_err(err, WN_EFORMAT, c->inputs[shard], 0,
                    "input changed since the sig stage (%llu documents now, "
                    "%llu then)", (unsigned long long)idx,
                    (unsigned long long)hd.ndocs);
        goto out;
    }
    rc = wn_writer_close(rej, err);
    rej = NULL;
    if (!rc)
        rc = wn_writer_close(out, err);
    out = NULL;
out:
    if (out)
        wn_writer_abort(out);
    if (rej)
        wn_writer_abort(rej);
    if (r)
        wn_reader_close(r);
    if (asg)
        fclose(asg);
    if (mem)
        fclose(mem);
    dd_lookup_close(f.lk);
    wn_doc_release(&doc);
    wn_buf_release(&rpath);
    wn_buf_release(&f.id);
    wn_buf_release(&f.url);
    wn_buf_release(&f.json);
    wn_buf_release(&f.reason);
    return rc;
}
