/*
 * cluster.c - the single "cluster" stage: candidate pairs -> groups ->
 * one keeper per group.
 *
 * Documents are numbered densely (shard by shard) and joined by union-find
 * over the pairs of every partition.  A candidate pair is first checked
 * against the current groups: when both are already together there is
 * nothing to learn, so verification (signature estimate, exact Jaccard of
 * shingle fingerprints, or the full 128-bit hash for exact-hash pairs) runs
 * only for pairs that would join two groups.  The groups are then the
 * connected components of the pairs that pass, whatever order they come in.
 * Union links the larger root under the smaller, so a root is its group's
 * first document - the keeper under keep=first.
 *
 * Memory: 4 bytes per document (parents) plus a bit per document, and 12
 * more for keep=longest|earliest; the member list is sorted externally.
 * The results go to one removal file and one member file per shard, in
 * shard order, for the filter units.
 */
#include "dedup.h"

#include <math.h>
#include <stdlib.h>

typedef struct clus {
    const dd_ctx *c;
    uint64_t *base; /* dense index of each shard's first document */
    uint64_t N;
    uint32_t *parent;
    uint8_t *grouped; /* bit: in a group of two or more */
    uint32_t *best;   /* keep=longest|earliest: keeper of each root */
    int64_t *bestkey;
    dd_lookup *lk;
    dd_sig_rec *ra, *rb;
    uint32_t *fa, *fb;
    size_t fac, fbc;
    dd_rec *refuted; /* direct-mapped cache of pairs that failed */
    uint32_t *pre;   /* first PRE signature values of every document */
    uint32_t *via;   /* the document each was first joined to (verified) */
    float *vsim;     /* ... and the similarity of that pair */
    uint8_t *vsame;  /* bit: that pair had equal exact hashes */
} clus;

/* Pre-filter.  Most candidate pairs that fail verification are far below
 * the threshold, and the first PRE values of the two signatures tell so
 * without reading either document's record: a pair whose estimate from
 * them is below threshold - 0.3 (4 standard errors at J = 0.8) fails.
 * The rule is applied whether the prefixes fit in memory (loaded once, in
 * order) or are read with the records, so results do not depend on the
 * memory budget. */
#define PRE 32

static int prefilter_fails(const clus *k, const uint32_t *a,
                           const uint32_t *b)
{
    unsigned eq = 0;
    for (unsigned i = 0; i < PRE; i++)
        eq += a[i] == b[i];
    return (double)eq / PRE < k->c->o->threshold - 0.3;
}

static int load_prefixes(clus *k, wn_error *err)
{
    const dd_ctx *c = k->c;
    size_t recsz = DD_SIG_RECSZ(c->o->k);
    wn_buf path = WN_BUF_INIT;
    char *rec = malloc(recsz);
    int rc = rec ? 0 : wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    for (size_t s = 0; s < c->n && !rc; s++) {
        dd_path(&path, c->workdir, "sig-%05zu.bin", s);
        FILE *f = fopen(path.data, "rb");
        if (!f || fseek(f, sizeof(dd_sig_header), SEEK_SET)) {
            rc = wn_err(err, WN_EIO, path.data, 0, "cannot read");
            if (f)
                fclose(f);
            break;
        }
        for (uint64_t d = k->base[s]; d < k->base[s + 1]; d++) {
            if (fread(rec, recsz, 1, f) != 1) {
                rc = wn_err(err, WN_ETRUNC, path.data, 0, "ends early");
                break;
            }
            memcpy(k->pre + d * PRE, rec + sizeof(dd_sig_rec), PRE * 4);
        }
        fclose(f);
    }
    free(rec);
    wn_buf_release(&path);
    return rc;
}

/* A pair found by several bands lands in several partitions; once it has
 * failed verification, it would fail again (the verdict depends on the
 * pair alone), so a cache of failed pairs saves the reads.  REFUTED pairs
 * of 16 bytes: 16 MiB. */
#define REFUTED (1u << 20)

static dd_rec *refuted_slot(clus *k, uint64_t a, uint64_t b)
{
    uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);
    return &k->refuted[(h >> 40) & (REFUTED - 1)];
}

static inline uint32_t find(uint32_t *p, uint32_t x)
{
    while (p[x] != x) {
        p[x] = p[p[x]]; /* path halving */
        x = p[x];
    }
    return x;
}

static inline uint64_t dense(const clus *k, uint64_t gid)
{
    return k->base[DD_SHARD(gid)] + DD_INDEX(gid);
}

static uint64_t gid_of(const clus *k, uint64_t d)
{
    /* binary search: last shard whose base <= d */
    size_t lo = 0, hi = k->c->n;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (k->base[mid] <= d)
            lo = mid;
        else
            hi = mid;
    }
    return DD_GID(lo, d - k->base[lo]);
}

#define SETBIT(a, i) ((a)[(i) >> 3] |= (uint8_t)(1u << ((i) & 7)))
#define GETBIT(a, i) (((a)[(i) >> 3] >> ((i) & 7)) & 1)

/* Similarity of a and b for the reason string and for verification. */
static int similarity(clus *k, uint64_t a, uint64_t b, int exact_j,
                      double *sim, int *same_hash, wn_error *err)
{
    const dd_opts *o = k->c->o;
    int rc;
    if ((rc = dd_lookup_sig(k->lk, a, k->ra, err)) ||
        (rc = dd_lookup_sig(k->lk, b, k->rb, err)))
        return rc;
    *same_hash = k->ra->h[0] == k->rb->h[0] && k->ra->h[1] == k->rb->h[1];
    if (*same_hash) {
        *sim = 1.0;
        return 0;
    }
    *sim = dd_sig_similarity((uint32_t *)(k->ra + 1), (uint32_t *)(k->rb + 1),
                             o->k);
    /* the estimate's standard error at J = t is sqrt(t(1-t)/k) (0.041
     * at t = 0.8, k = 96): 4 of them below the threshold, a pair at or
     * above it is left out with probability < 1e-4 (far less at J >= 0.85),
     * and the shingles of the other pairs need not be read */
    double t = o->threshold, var = t * (1 - t) > 0.01 ? t * (1 - t) : 0.01;
    if (exact_j && o->verify == DD_VERIFY_EXACT &&
        *sim >= t - 4 * sqrt(var / o->k)) {
        size_t na, nb;
        if ((rc = dd_lookup_shingles(k->lk, a, &k->fa, &k->fac, &na, err)) ||
            (rc = dd_lookup_shingles(k->lk, b, &k->fb, &k->fbc, &nb, err)))
            return rc;
        na = dd_sort_unique(k->fa, na);
        nb = dd_sort_unique(k->fb, nb);
        *sim = dd_jaccard_sorted(k->fa, na, k->fb, nb);
    }
    return 0;
}

typedef struct join_ctx {
    clus *k;
    wn_dedup_stats *st;
} join_ctx;

/* For dd_each_pair: joins the pair's groups if it passes --verify. */
static int join_pair(void *ctx, const dd_rec *r, const char *path,
                     wn_error *err)
{
    clus *k = ((join_ctx *)ctx)->k;
    wn_dedup_stats *st = ((join_ctx *)ctx)->st;
    const dd_ctx *c = k->c;
    int rc;
    int exact = (r->b & DD_EXACT_FLAG) != 0;
    uint64_t a = r->a, b = r->b & ~DD_EXACT_FLAG;
    uint64_t da = dense(k, a), db = dense(k, b);
    if (da >= k->N || db >= k->N)
        return wn_err(err, WN_EFORMAT, path, 0,
                      "pair names an unknown document");
    uint32_t x = find(k->parent, (uint32_t)da);
    uint32_t y = find(k->parent, (uint32_t)db);
    if (x == y)
        return 0;
    if (exact || c->o->verify != DD_VERIFY_NONE) {
        double sim;
        int same;
        dd_rec *rf = k->refuted ? refuted_slot(k, a, r->b) : NULL;
        if (rf && rf->a == a && rf->b == r->b)
            return 0;
        int pre = !exact && c->o->k >= PRE;
        if (pre && !k->pre &&
            ((rc = dd_lookup_sig(k->lk, a, k->ra, err)) ||
             (rc = dd_lookup_sig(k->lk, b, k->rb, err))))
            return rc;
        if (pre && (k->pre ? prefilter_fails(k, k->pre + da * PRE,
                                             k->pre + db * PRE)
                           : prefilter_fails(k, (uint32_t *)(k->ra + 1),
                                             (uint32_t *)(k->rb + 1)))) {
            st->refuted_pairs++;
            st->prefiltered_pairs++;
            if (rf)
                *rf = (dd_rec){a, r->b};
            return 0;
        }
        if ((rc = similarity(k, a, b, 1, &sim, &same, err)))
            return rc;
        int ok = exact ? same : sim >= c->o->threshold;
        if (!ok) {
            st->refuted_pairs++;
            if (rf)
                *rf = (dd_rec){a, r->b};
            return 0;
        }
        st->verified_pairs++;
        /* remembered so that a removal whose keeper is this very partner
         * needs no second look at the pair */
        for (int side = 0; k->via && side < 2; side++) {
            uint64_t me = side ? da : db, other = side ? db : da;
            if (k->via[me] != UINT32_MAX)
                continue;
            k->via[me] = (uint32_t)other;
            k->vsim[me] = (float)sim;
            if (same)
                SETBIT(k->vsame, me);
        }
    }
    if (x < y)
        k->parent[y] = x;
    else
        k->parent[x] = y;
    SETBIT(k->grouped, da);
    SETBIT(k->grouped, db);
    return 0;
}

/* keep=longest|earliest: the best document of each root, ties to the
 * first. */
static int choose_keepers(clus *k, wn_error *err)
{
    const dd_opts *o = k->c->o;
    int rc;
    for (uint64_t d = 0; d < k->N; d++) {
        if (!GETBIT(k->grouped, d))
            continue;
        if ((rc = dd_lookup_sig(k->lk, gid_of(k, d), k->ra, err)))
            return rc;
        int64_t key = o->keep == DD_KEEP_LONGEST ? -(int64_t)k->ra->len
                                                 : k->ra->date;
        uint32_t r = find(k->parent, (uint32_t)d);
        if (k->best[r] == UINT32_MAX || key < k->bestkey[r]) {
            k->best[r] = (uint32_t)d;
            k->bestkey[r] = key;
        }
    }
    return 0;
}

static int write_members(clus *k, dd_xsort *mem, wn_error *err)
{
    const dd_ctx *c = k->c;
    wn_buf path = WN_BUF_INIT;
    dd_rec r;
    int rc = dd_xsort_next(mem, &r, err), have = rc == 1;
    if (rc < 0)
        return rc;
    for (size_t s = 0; s < c->n; s++) {
        dd_path(&path, c->workdir, "mem-%05zu.bin", s);
        atomic_file af;
        if ((rc = atomic_fopen(&af, path.data, err)))
            break;
        af.work = 1;
        while (have && DD_SHARD(r.a) == s) {
            fwrite(&r, sizeof r, 1, af.f); /* checked by atomic_commit */
            rc = dd_xsort_next(mem, &r, err);
            if (rc < 0) {
                atomic_abort(&af);
                goto out;
            }
            have = rc == 1;
        }
        if ((rc = atomic_commit(&af, err)))
            break;
    }
out:
    wn_buf_release(&path);
    return rc < 0 ? rc : 0;
}

/* Second-chance keepers.  With verification on, a member that is not
 * close enough to its group's keeper is not removed for it; it may still be
 * a copy of another such member (two copies of one story that resemble
 * each other more than the story).  Those members form sub-groups around
 * "leaders", greedily in document order: a member joins the first leader
 * of its group it verifies against, or becomes a leader (kept) itself. */
typedef struct leaders {
    uint32_t *head; /* hash of root -> first entry + 1 */
    size_t mask;
    struct lead { uint32_t root, doc, next; } *v;
    size_t n, cap;
} leaders;

static uint32_t *lead_slot(leaders *l, uint32_t root)
{
    return &l->head[(root * 2654435761u) & l->mask];
}

static int lead_add(leaders *l, uint32_t root, uint32_t doc)
{
    if (l->n == l->cap || l->n >= l->mask / 2) {
        size_t nc = l->cap ? l->cap * 2 : 256, nm = nc * 4 - 1;
        struct lead *v = realloc(l->v, nc * sizeof *v);
        uint32_t *h = calloc(nm + 1, sizeof *h);
        if (!v || !h) {
            free(h);
            if (v)
                l->v = v;
            return WN_ENOMEM;
        }
        free(l->head);
        l->v = v;
        l->cap = nc;
        l->head = h;
        l->mask = nm;
        for (size_t i = 0; i < l->n; i++) { /* rebuild chains in order */
            uint32_t *sl = lead_slot(l, l->v[i].root);
            l->v[i].next = *sl;
            *sl = (uint32_t)i + 1;
        }
    }
    uint32_t *sl = lead_slot(l, root);
    l->v[l->n] = (struct lead){root, doc, *sl};
    *sl = (uint32_t)++l->n;
    return 0;
}

static int write_removals(clus *k, dd_xsort *mem, wn_dedup_stats *st,
                          wn_error *err)
{
    leaders ld;
    memset(&ld, 0, sizeof ld);
    const dd_ctx *c = k->c;
    const dd_opts *o = c->o;
    wn_buf path = WN_BUF_INIT;
    int rc = 0;
    for (size_t s = 0; s < c->n && !rc; s++) {
        dd_path(&path, c->workdir, "asg-%05zu.bin", s);
        atomic_file af;
        if ((rc = atomic_fopen(&af, path.data, err)))
            break;
        af.work = 1;
        uint64_t end = s + 1 < c->n ? k->base[s + 1] : k->N;
        for (uint64_t d = k->base[s]; d < end && !rc; d++) {
            if (!GETBIT(k->grouped, d))
                continue;
            uint32_t r = find(k->parent, (uint32_t)d);
            uint32_t keeper = o->keep == DD_KEEP_FIRST ? r : k->best[r];
            if (r == d)
                st->groups++;
            if (keeper == d)
                continue;
            uint64_t kg = gid_of(k, keeper), g = DD_GID(s, d - k->base[s]);
            double sim;
            int same, known = k->via && k->via[d] == keeper;
            if (known) { /* the pair that joined them passed already */
                sim = k->vsim[d];
                same = GETBIT(k->vsame, d);
            } else if ((rc = similarity(k, g, kg, 1, &sim, &same, err))) {
                break;
            }
            /* groups are transitive; with verification on, each removed
             * document must itself be close enough to its keeper, or
             * a chain A~B~C would remove C for an A it barely resembles */
            if (!known && o->verify != DD_VERIFY_NONE && !same &&
                sim < o->threshold) {
                int tries = 0;
                st->refuted_pairs++;
                keeper = UINT32_MAX;
                for (uint32_t e = ld.head ? *lead_slot(&ld, r) : 0;
                     e && tries < 16 && !rc; e = ld.v[e - 1].next) {
                    if (ld.v[e - 1].root != r)
                        continue;
                    tries++;
                    kg = gid_of(k, ld.v[e - 1].doc);
                    rc = similarity(k, g, kg, 1, &sim, &same, err);
                    if (!rc && (same || sim >= o->threshold)) {
                        keeper = ld.v[e - 1].doc;
                        break;
                    }
                }
                if (rc)
                    break;
                if (keeper == UINT32_MAX) {
                    if (lead_add(&ld, r, (uint32_t)d))
                        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
                    continue;
                }
            }
            dd_asg_rec a = {d - k->base[s], kg,
                         same ? DD_KIND_EXACT : DD_KIND_NEAR, (float)sim};
            if (same)
                st->exact_dups++;
            else
                st->near_dups++;
            fwrite(&a, sizeof a, 1, af.f); /* checked by atomic_commit */
            rc = dd_xsort_add(mem, kg, g, err);
        }
        if (rc)
            atomic_abort(&af);
        else
            rc = atomic_commit(&af, err);
    }
    free(ld.head);
    free(ld.v);
    wn_buf_release(&path);
    return rc;
}

int dd_stage_cluster(const dd_ctx *c, wn_dedup_stats *st, wn_error *err)
{
    const dd_opts *o = c->o;
    clus k;
    dd_xsort *mem = NULL;
    wn_buf tmp = WN_BUF_INIT;
    int rc;
    memset(&k, 0, sizeof k);
    k.c = c;
    k.base = calloc(c->n + 1, sizeof *k.base);
    k.ra = malloc(DD_SIG_RECSZ(o->k));
    k.rb = malloc(DD_SIG_RECSZ(o->k));
    if (!k.base || !k.ra || !k.rb) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    for (size_t s = 0; s < c->n; s++) {
        dd_sig_header h;
        if ((rc = dd_read_header(c->workdir, (unsigned)s, &h, err)))
            goto out;
        k.base[s + 1] = k.base[s] + h.ndocs;
    }
    k.N = k.base[c->n];
    if (k.N >= UINT32_MAX) {
        rc = wn_err(err, WN_ELIMIT, c->workdir, 0, "more than 2^32-1 "
                    "documents: run dedup on parts of the corpus");
        goto out;
    }
    size_t per = o->keep == DD_KEEP_FIRST ? 4 : 16;
    size_t need = (size_t)k.N * per + (size_t)k.N / 8;
    if (need > c->mem) {
        rc = wn_err(err, WN_ELIMIT, c->workdir, 0,
                    "dedup.memory too small: %llu documents need %zu MiB "
                    "for clustering", (unsigned long long)k.N,
                    (need >> 20) + 1);
        goto out;
    }
    k.parent = malloc((size_t)(k.N ? k.N : 1) * sizeof *k.parent);
    k.grouped = calloc((size_t)k.N / 8 + 1, 1);
    if (!k.parent || !k.grouped) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    for (uint64_t i = 0; i < k.N; i++)
        k.parent[i] = (uint32_t)i;
    size_t extra = REFUTED * sizeof(dd_rec);
    if (need + extra <= c->mem)
        k.refuted = calloc(REFUTED, sizeof *k.refuted); /* NULL: no cache */
    if (o->verify != DD_VERIFY_NONE &&
        need + extra + (size_t)k.N * 9 <= c->mem) {
        extra += (size_t)k.N * 9; /* optional: without, pairs are re-read */
        k.via = malloc((size_t)(k.N ? k.N : 1) * sizeof *k.via);
        k.vsim = malloc((size_t)(k.N ? k.N : 1) * sizeof *k.vsim);
        k.vsame = calloc((size_t)k.N / 8 + 1, 1);
        if (!k.via || !k.vsim || !k.vsame) {
            free(k.via);
            free(k.vsim);
            free(k.vsame);
            k.via = NULL;
            k.vsim = NULL;
            k.vsame = NULL;
        } else {
            memset(k.via, 0xff, (size_t)k.N * sizeof *k.via);
        }
    }
    if (o->verify != DD_VERIFY_NONE && o->k >= PRE &&
        need + extra + (size_t)k.N * PRE * 4 <= c->mem &&
        (k.pre = malloc((size_t)(k.N ? k.N : 1) * PRE * 4)) &&
        (rc = load_prefixes(&k, err)))
        goto out;
    if ((rc = dd_lookup_open(c->workdir, c->n, o->k, &k.lk, err)) ||
        (rc = dd_each_pair(k.c, join_pair, &(join_ctx){&k, st}, err)))
        goto out;
    free(k.refuted);
    free(k.pre);
    k.refuted = NULL;
    k.pre = NULL;
    if (o->keep != DD_KEEP_FIRST) {
        k.best = malloc((size_t)(k.N ? k.N : 1) * sizeof *k.best);
        k.bestkey = malloc((size_t)(k.N ? k.N : 1) * sizeof *k.bestkey);
        if (!k.best || !k.bestkey) {
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            goto out;
        }
        memset(k.best, 0xff, (size_t)k.N * sizeof *k.best);
        if ((rc = choose_keepers(&k, err)))
            goto out;
    }
    dd_path(&tmp, c->workdir, "cluster.members");
    size_t left = c->mem - need;
    if ((rc = dd_xsort_new(left > (1 << 20) ? left : (1 << 20), tmp.data, 0,
                           &mem, err)) ||
        (rc = write_removals(&k, mem, st, err)) ||
        (rc = dd_xsort_finish(mem, err)) ||
        (rc = write_members(&k, mem, err)))
        goto out;
    st->spilled_runs += dd_xsort_runs(mem);
out:
    dd_xsort_free(mem);
    dd_lookup_close(k.lk);
    free(k.base);
    free(k.parent);
    free(k.refuted);
    free(k.pre);
    free(k.via);
    free(k.vsim);
    free(k.vsame);
    free(k.grouped);
    free(k.best);
    free(k.bestkey);
    free(k.ra);
    free(k.rb);
    free(k.fa);
    free(k.fb);
    wn_buf_release(&tmp);
    return rc;
}
