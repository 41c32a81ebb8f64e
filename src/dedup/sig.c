/*
 * sig.c - the per-shard stages "sig" and "bands".
 *
 * sig reads one input shard once and writes, per document, a fixed-size
 * record (exact hash, length, date key, MinHash signature) so that later
 * stages never parse text again; ids and urls go to a side file for the
 * provenance written by the filter stage.  With verify=exact the record
 * keeps the document's shingle count; the fingerprints themselves are
 * made later, for the few documents that need them (shingles.c).
 *
 * bands turns each record into LSH band keys (and one exact-hash key) and
 * scatters {key, gid} into P partition files: everything that can collide
 * lands in the same partition, so the pairs stage works on 1/P of the keys.
 */
#include "dedup.h"
#include "../filter/wordseg.h"
#include "../io/input.h"

#include <stdatomic.h>
#include <stdlib.h>

typedef struct sig_files {
    wn_buf path[2];
    atomic_file af[2]; /* sig, ids */
} sig_files;

static void files_discard(sig_files *sf)
{
    for (int i = 0; i < 2; i++)
        atomic_abort(&sf->af[i]);
}

static void files_release(sig_files *sf)
{
    for (int i = 0; i < 2; i++)
        wn_buf_release(&sf->path[i]);
}

/* id (or source when the document has none) and url, length-prefixed;
 * a failed fwrite is found by atomic_commit (the stream's error flag) */
static void put_ids(FILE *f, const wn_doc *d)
{
    const wn_buf *id = d->id.len ? &d->id : &d->source;
    uint32_t len[2] = {(uint32_t)id->len, (uint32_t)d->url.len};
    fwrite(len, sizeof len, 1, f);
    fwrite(id->data ? id->data : "", 1, id->len, f);
    fwrite(d->url.data ? d->url.data : "", 1, d->url.len, f);
}

/* Problems met while reading are kept as lines of problems-S.txt, for the
 * caller to report (wn_dedup_problems): the library never prints. */
typedef struct problems {
    wn_buf text;
    int rc; /* first failure to keep a line */
} problems;

static void note_problem(void *ctx, const wn_error *w)
{
    problems *pr = ctx;
    char line[1200];
    wn_error_format(w, line, sizeof line);
    keep_first(&pr->rc, wn_buf_puts(&pr->text, line));
    keep_first(&pr->rc, wn_buf_putc(&pr->text, '\n'));
}

/* What the workers share (read only but for the claim counter) and what
 * each owns: its shingle buffer, claimed once per thread through the
 * stage scratch (which frees only the claim ticket). */
typedef struct sig_tls {
    uint64_t *sh;
    size_t cap;
} sig_tls;

typedef struct sig_work {
    const dd_opts *o;
    dd_hasher *h;
    size_t recsz;
    sig_tls *tls;
    unsigned ntls;
    _Atomic unsigned claimed;
} sig_work;

/* One shard's signing: the state of the writing thread. */
typedef struct signer {
    const dd_ctx *c;
    sig_work *w;
    unsigned shard;
    size_t recsz;
    sig_files sf;
    dd_sig_header hd;
    uint64_t idoff;
} signer;

/* One document's record, into out.  Returns 0; 1 when the document cannot be
 * signed (out holds the error code, for the writing thread to report
 * with the document's offset); or a negative code. */
static int sign_one(sig_work *w, sig_tls *t, wn_doc *doc, wn_buf *scratch,
                    wn_buf *out)
{
    const dd_opts *o = w->o;
    wn_buf_reset(out);
    int rc = wn_buf_reserve(out, w->recsz);
    if (rc)
        return rc;
    dd_sig_rec *rec = (dd_sig_rec *)(void *)out->data;
    uint32_t *sig = (uint32_t *)(rec + 1);
    memset(rec, 0, sizeof *rec);
    const char *text = doc->text.data ? doc->text.data : "";
    if ((rc = dd_exact_hash(text, doc->text.len, scratch, rec->h)))
        goto fail;
    rec->off = doc->offset;
    rec->len = doc->text.len > UINT32_MAX ? UINT32_MAX
                                          : (uint32_t)doc->text.len;
    rec->date = dd_date_key(doc->date.data ? doc->date.data : "",
                            doc->date.len);
    long cnt = 0;
    if (o->near) {
        char lang[16];
        wseg_doc_lang(doc, lang, sizeof lang);
        cnt = dd_shingles_lang(text, doc->text.len, lang, o->ngram, &t->sh,
                               &t->cap);
        if (cnt < 0) {
            rc = (int)cnt;
            goto fail;
        }
    }
    if (cnt > 0)
        dd_signature(w->h, t->sh, (size_t)cnt, sig);
    else /* no words: never a near copy (exact copies still are) */
        memset(sig, 0xff, o->k * sizeof *sig);
    out->len = w->recsz;
    if (o->verify == DD_VERIFY_EXACT) /* the shingles stage checks it */
        rec->nsh = (uint32_t)cnt;
    return 0;
fail:
    wn_buf_reset(out);
    return wn_buf_append(out, &rc, sizeof rc) ? WN_ENOMEM : 1;
}

/* On a worker: each document of the batch into its line buffer (unused
 * otherwise: the pool serialises nothing here); one that cannot be signed
 * is marked dropped. */
static int sign_work(void *ctx, batch *b, stage_scratch *sc)
{
    sig_work *w = ((signer *)ctx)->w;
    if (!sc->tls[0]) {
        unsigned i = atomic_fetch_add(&w->claimed, 1);
        if (i >= w->ntls || !(sc->tls[0] = malloc(sizeof(sig_tls *))))
            return WN_ENOMEM;
        *(sig_tls **)sc->tls[0] = &w->tls[i];
    }
    sig_tls *t = *(sig_tls **)sc->tls[0];
    for (size_t i = 0; i < b->n; i++) {
        int rc = sign_one(w, t, &b->docs[i], &sc->b[0], &b->lines[i]);
        if (rc < 0)
            return rc;
        b->dropped_at[i] = rc ? 0 : -1;
    }
    return 0;
}


/* One batch in input order: records and ids appended. */
static int sign_batch(void *ctx, batch *b, wn_error *err)
{
    signer *g = ctx;
    for (size_t i = 0; i < b->n; i++) {
        wn_doc *doc = &b->docs[i];
        wn_buf *r = &b->lines[i];
        if (b->dropped_at[i] >= 0) {
            int code = WN_ENOMEM;
            if (r->len == sizeof code)
                memcpy(&code, r->data, sizeof code);
            return wn_err(err, code, g->c->inputs[g->shard], doc->offset,
                          "cannot sign document: %s", wn_strerror(code));
        }
        dd_sig_rec *rec = (dd_sig_rec *)(void *)r->data;
        rec->idoff = g->idoff;
        fwrite(r->data, g->recsz, 1, g->sf.af[0].f);
        put_ids(g->sf.af[1].f, doc);
        g->idoff += 8 + (doc->id.len ? doc->id.len : doc->source.len) +
                    doc->url.len;
        g->hd.ndocs++;
        g->hd.text_bytes += doc->text.len;
    }
    return 0;
}

int dd_stage_sig(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                 wn_error *err)
{
    problems pr = {WN_BUF_INIT, 0};
    wn_buf ppath = WN_BUF_INIT;
    const dd_opts *o = c->o;
    unsigned jobs = c->jobs ? c->jobs : 1;
    signer g;
    sig_work w;
    memset(&g, 0, sizeof g);
    memset(&w, 0, sizeof w);
    g.c = c;
    g.shard = shard;
    g.recsz = DD_SIG_RECSZ(o->k);
    w.o = o;
    w.recsz = g.recsz;
    w.h = malloc(sizeof *w.h);
    w.ntls = jobs;
    w.tls = calloc(jobs, sizeof *w.tls);
    atomic_init(&w.claimed, 0);
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_stats rst;
    memset(&rst, 0, sizeof rst);
    int rc = 0;
    static const char *pat[2] = {"sig-%05u.bin", "ids-%05u.bin"};

    if (!w.h || !w.tls) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    dd_hasher_init(w.h, o);
    memcpy(g.hd.magic, DD_SIG_MAGIC, 7);
    g.hd.k = o->k;
    g.hd.recsz = (uint32_t)g.recsz;
    for (int i = 0; i < 2; i++) {
        dd_path(&g.sf.path[i], c->workdir, pat[i], shard);
        if ((rc = atomic_fopen(&g.sf.af[i], g.sf.path[i].data, err)))
            goto out;
        g.sf.af[i].work = 1;
    }
    fwrite(&g.hd, sizeof g.hd, 1, g.sf.af[0].f); /* rewritten at the end */
    ro.warn = note_problem;
    ro.warn_ctx = &pr;
    /* the one reader loop; an input it could not read to the end leaves
     * the unit unfinished (nothing committed), so a rerun signs it again */
    g.w = &w;
    batch_feed fd = {NULL, sign_batch, NULL, NULL, &g};
    rc = feed_work(jobs, 0, sign_work, &fd, c->inputs[shard], &ro, &rst, err);
    if (rc == 0 && rst.io_errors)
        rc = wn_err(err, WN_EIO, c->inputs[shard], 0,
                    "read error: the shard is left unsigned");
    if (rc < 0)
        goto out;
    rc = 0; /* read whole, or unrecognised: counted, nothing to sign */
    g.hd.bad_input = wn_stats_bad(&rst);
    if (g.hd.ndocs >= (1ULL << 40)) {
        rc = wn_err(err, WN_ELIMIT, c->inputs[shard], 0,
                    "more than 2^40 documents in one shard");
        goto out;
    }
    if (fseek(g.sf.af[0].f, 0, SEEK_SET) ||
        fwrite(&g.hd, sizeof g.hd, 1, g.sf.af[0].f) != 1) {
        rc = wn_err(err, WN_EIO, g.sf.path[0].data, 0, "cannot write header");
        goto out;
    }
    dd_path(&ppath, c->workdir, "problems-%05u.txt", shard);
    if (pr.rc) /* a lost line would hide a problem */
        rc = wn_err(err, pr.rc, ppath.data, 0, "cannot keep the problems: %s",
                    wn_strerror(pr.rc));
    else
        rc = atomic_write_work(ppath.data, pr.text.data ? pr.text.data : "",
                               pr.text.len, err);
    if (rc)
        goto out;
    for (int i = 1; i >= 0; i--) /* sig last: it proves the rest */
        if ((rc = atomic_commit(&g.sf.af[i], err)))
            goto out;
    st->docs += g.hd.ndocs;
    st->text_bytes += g.hd.text_bytes;
    st->bad_input += g.hd.bad_input;
out:
    files_discard(&g.sf);
    files_release(&g.sf);
    wn_buf_release(&pr.text);
    wn_buf_release(&ppath);
    for (unsigned i = 0; w.tls && i < w.ntls; i++)
        free(w.tls[i].sh);
    free(w.tls);
    free(w.h);
    return rc;
}

/* ------------------------------------------------------------------ bands */

static inline unsigned part_of(uint64_t key, unsigned p)
{
    return (unsigned)(((key >> 32) * (uint64_t)p) >> 32);
}

#define BANDS_BATCH 256u

/* r into its partition's batch; a full batch to the partition's file (a
 * short write shows at atomic_commit, as stdio's own buffering did). */
static inline void band_put(atomic_file *out, dd_rec *staged, unsigned *fill,
                            unsigned P, dd_rec r)
{
    unsigned p = part_of(r.a, P);
    dd_rec *b = staged + (size_t)p * BANDS_BATCH;
    b[fill[p]++] = r;
    if (fill[p] == BANDS_BATCH) {
        fwrite(b, sizeof *b, BANDS_BATCH, out[p].f);
        fill[p] = 0;
    }
}

int dd_stage_bands(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                   wn_error *err)
{
    const dd_opts *o = c->o;
    unsigned P = o->partitions;
    size_t recsz = DD_SIG_RECSZ(o->k);
    dd_sig_rec *rec = malloc(recsz);
    uint32_t *sig = (uint32_t *)(rec + 1);
    uint64_t key[DD_MAXK];
    atomic_file *out = calloc(P, sizeof *out); /* zeroed: nothing open */
    wn_buf *paths = calloc(P, sizeof *paths);
    /* records gathered per partition and written BANDS_BATCH at a time:
     * an fwrite of 16 bytes each (17 a document) was a third of this
     * serial stage */
    dd_rec *staged = malloc((size_t)P * BANDS_BATCH * sizeof *staged);
    unsigned *fill = calloc(P, sizeof *fill);
    wn_buf in = WN_BUF_INIT;
    dd_hasher *h = malloc(sizeof *h);
    FILE *f = NULL;
    dd_sig_header hd;
    int rc = 0;
    (void)st;
    if (!rec || !out || !paths || !h || !staged || !fill) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    dd_hasher_init(h, o);
    dd_path(&in, c->workdir, "sig-%05u.bin", shard);
    if (!(f = fopen(in.data, "rb"))) {
        rc = wn_err(err, WN_EIO, in.data, 0, "cannot open (has the sig "
                    "stage run?)");
        goto out;
    }
    if (fread(&hd, sizeof hd, 1, f) != 1 || hd.k != o->k ||
        memcmp(hd.magic, DD_SIG_MAGIC, 7)) {
        rc = wn_err(err, WN_EFORMAT, in.data, 0, "bad signature file");
        goto out;
    }
    for (unsigned p = 0; p < P; p++) {
        dd_path(&paths[p], c->workdir, "bnd-%05u-%03u.bin", shard, p);
        if ((rc = atomic_fopen(&out[p], paths[p].data, err)))
            goto out;
        out[p].work = 1;
    }
    for (uint64_t i = 0; i < hd.ndocs; i++) {
        if (fread(rec, recsz, 1, f) != 1) {
            rc = wn_err(err, WN_ETRUNC, in.data, 0, "signature file ends "
                        "early");
            goto out;
        }
        uint64_t gid = DD_GID(shard, i);
        if (o->exact)
            band_put(out, staged, fill, P,
                     (dd_rec){rec->h[0], gid | DD_EXACT_FLAG});
        if (o->near && !(sig[0] == UINT32_MAX && sig[o->k - 1] == UINT32_MAX)) {
            dd_band_keys(h, sig, key);
            for (unsigned b = 0; b < o->bands; b++)
                band_put(out, staged, fill, P, (dd_rec){key[b], gid});
        }
    }
    for (unsigned p = 0; p < P; p++) {
        fwrite(staged + (size_t)p * BANDS_BATCH, sizeof *staged, fill[p],
               out[p].f);
        if ((rc = atomic_commit(&out[p], err)))
            goto out;
    }
out:
    if (f)
        fclose(f);
    for (unsigned p = 0; out && p < P; p++)
        atomic_abort(&out[p]);
    for (unsigned p = 0; paths && p < P; p++)
        wn_buf_release(&paths[p]);
    free(paths);
    free(out);
    free(staged);
    free(fill);
    free(rec);
    free(h);
    wn_buf_release(&in);
    return rc;
}
