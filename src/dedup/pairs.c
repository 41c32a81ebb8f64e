/*
 * pairs.c - the per-partition stage "pairs": band records -> candidate
 * pairs.
 *
 * All {key, gid} records of partition p (from every shard) are sorted by
 * key, then gid; documents sharing a key form a bucket.  A bucket of m
 * documents yields the m-1 "star" pairs (first, other) rather than all
 * m(m-1)/2: union-find only needs connectivity, so a bucket of 10,000
 * boilerplate pages costs 10,000 pairs, not 50 million.  Pairs are sorted
 * and made unique (a pair found by several bands counts once) before they
 * are written, so the cluster stage reads each partition in order.
 * Both sorts spill to disk beyond half the unit's memory each.
 */
#include "dedup.h"

#include <stdlib.h>

int dd_stage_pairs(const dd_ctx *c, unsigned part, wn_dedup_stats *st,
                   wn_error *err)
{
    wn_buf path = WN_BUF_INIT, tmp = WN_BUF_INIT;
    dd_xsort *keys = NULL, *pairs = NULL;
    atomic_file out = {-1, NULL, NULL, NULL};
    int rc;
    size_t half = c->mem / 2;

    dd_path(&tmp, c->workdir, "pairs-%03u.keys", part);
    if ((rc = dd_xsort_new(half, tmp.data, 0, &keys, err)))
        goto out;
    dd_path(&tmp, c->workdir, "pairs-%03u.pairs", part);
    if ((rc = dd_xsort_new(half, tmp.data, 1, &pairs, err)))
        goto out;
    for (size_t s = 0; s < c->n; s++) {
        dd_path(&path, c->workdir, "bnd-%05zu-%03u.bin", s, part);
        if ((rc = dd_each_rec(path.data, "bands", dd_rec_to_xsort, keys,
                              err)))
            goto out;
    }
    if ((rc = dd_xsort_finish(keys, err)))
        goto out;
    dd_rec r, first = {0, 0};
    uint64_t prev = 0;
    int have = 0;
    while ((rc = dd_xsort_next(keys, &r, err)) == 1) {
        /* a bucket: same key and same kind (exact hash or band) */
        if (have && r.a == first.a &&
            (r.b & DD_EXACT_FLAG) == (first.b & DD_EXACT_FLAG)) {
            if (r.b != prev &&
                (rc = dd_xsort_add(pairs, first.b & ~DD_EXACT_FLAG, r.b,
                                   err)))
                goto out;
            prev = r.b;
            continue;
        }
        first = r;
        prev = r.b;
        have = 1;
    }
    if (rc < 0 || (rc = dd_xsort_finish(pairs, err)))
        goto out;
    st->spilled_runs += dd_xsort_runs(keys);
    dd_xsort_free(keys);
    keys = NULL;
    dd_path(&path, c->workdir, "pair-%03u.bin", part);
    if ((rc = atomic_fopen(&out, path.data, err)))
        goto out;
    out.work = 1;
    while ((rc = dd_xsort_next(pairs, &r, err)) == 1) {
        fwrite(&r, sizeof r, 1, out.f); /* checked by atomic_commit */
        st->candidate_pairs++;
    }
    if (rc < 0)
        goto out;
    st->spilled_runs += dd_xsort_runs(pairs);
    rc = atomic_commit(&out, err);
out:
    atomic_abort(&out);
    dd_xsort_free(keys);
    dd_xsort_free(pairs);
    wn_buf_release(&path);
    wn_buf_release(&tmp);
    return rc;
}
