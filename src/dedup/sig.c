/*
 * sig.c - the per-shard stages "sig" and "bands".
 *
 * sig reads one input shard once and writes, per document, a fixed-size
 * record (exact hash, length, date key, MinHash signature) so that later
 * stages never parse text again; ids and urls go to a side file for the
 * provenance written by the filter stage, and with verify=exact the sorted
 * shingle fingerprints go to a third file.
 *
 * bands turns each record into LSH band keys (and one exact-hash key) and
 * scatters {key, gid} into P partition files: everything that can collide
 * lands in the same partition, so the pairs stage works on 1/P of the keys.
 */
#include "dedup.h"
#include "../filter/wordseg.h"
#include "../io/input.h"

#include <stdlib.h>

typedef struct sig_files {
    wn_buf path[3];
    atomic_file af[3]; /* sig, ids, shg */
} sig_files;

static void files_discard(sig_files *sf)
{
    for (int i = 0; i < 3; i++)
        atomic_abort(&sf->af[i]);
}

static void files_release(sig_files *sf)
{
    for (int i = 0; i < 3; i++)
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

/* One shard's signing: the state the reader loop's callback works on. */
typedef struct signer {
    const dd_ctx *c;
    unsigned shard;
    dd_hasher *h;
    size_t recsz;
    dd_sig_rec *rec;
    uint32_t *sig;
    uint64_t *sh;
    uint32_t *fp;
    size_t shcap, fpcap;
    int nf;
    wn_buf scratch;
    wn_doc doc;
    sig_files sf;
    dd_sig_header hd;
    uint64_t idoff, shoff;
} signer;

static wn_doc *sign_slot(void *ctx) { return &((signer *)ctx)->doc; }

/* One document: its record, ids and (verify=exact) fingerprints. */
static int sign_doc(void *ctx, wn_doc *doc, wn_error *err)
{
    signer *g = ctx;
    const dd_opts *o = g->c->o;
    const char *in = g->c->inputs[g->shard];
    dd_sig_rec *rec = g->rec;
    int rc;
    memset(rec, 0, sizeof *rec);
    if ((rc = dd_exact_hash(doc->text.data ? doc->text.data : "",
                            doc->text.len, &g->scratch, rec->h)))
        return wn_err(err, rc, in, doc->offset, "cannot hash document: %s",
                      wn_strerror(rc));
    rec->len = doc->text.len > UINT32_MAX ? UINT32_MAX
                                          : (uint32_t)doc->text.len;
    rec->date = dd_date_key(doc->date.data ? doc->date.data : "",
                            doc->date.len);
    rec->idoff = g->idoff;
    rec->shoff = g->shoff;
    long cnt = 0;
    if (o->near) {
        char lang[16];
        wseg_doc_lang(doc, lang, sizeof lang);
        cnt = dd_shingles_lang(doc->text.data ? doc->text.data : "",
                               doc->text.len, lang, o->ngram, &g->sh,
                               &g->shcap);
        if (cnt < 0)
            return wn_err(err, (int)cnt, in, doc->offset,
                          "cannot shingle document");
    }
    if (cnt > 0)
        dd_signature(g->h, g->sh, (size_t)cnt, g->sig);
    else /* no words: never a near copy (exact copies still are) */
        memset(g->sig, 0xff, o->k * sizeof *g->sig);
    if (g->nf == 3 && cnt > 0) {
        if ((size_t)cnt > g->fpcap) {
            uint32_t *p = realloc(g->fp, (size_t)cnt * sizeof *p);
            if (!p)
                return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            g->fp = p;
            g->fpcap = (size_t)cnt;
        }
        dd_fingerprints_raw(g->sh, (size_t)cnt, g->fp);
        rec->nsh = (uint32_t)cnt;
        fwrite(g->fp, sizeof *g->fp, rec->nsh, g->sf.af[2].f);
        g->shoff += rec->nsh * sizeof *g->fp;
    }
    fwrite(rec, g->recsz, 1, g->sf.af[0].f);
    put_ids(g->sf.af[1].f, doc);
    g->idoff += 8 + (doc->id.len ? doc->id.len : doc->source.len) +
                doc->url.len;
    g->hd.ndocs++;
    g->hd.text_bytes += doc->text.len;
    return 0;
}

int dd_stage_sig(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                 wn_error *err)
{
    problems pr = {WN_BUF_INIT, 0};
    wn_buf ppath = WN_BUF_INIT;
    const dd_opts *o = c->o;
    signer g;
    memset(&g, 0, sizeof g);
    g.c = c;
    g.shard = shard;
    g.h = malloc(sizeof *g.h);
    g.recsz = DD_SIG_RECSZ(o->k);
    g.rec = calloc(1, g.recsz);
    g.sig = (uint32_t *)(g.rec + 1);
    g.nf = o->verify == DD_VERIFY_EXACT ? 3 : 2;
    wn_doc init = WN_DOC_INIT;
    g.doc = init;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_stats rst;
    memset(&rst, 0, sizeof rst);
    int rc = 0;
    static const char *pat[3] = {"sig-%05u.bin", "ids-%05u.bin",
                                 "shg-%05u.bin"};

    if (!g.h || !g.rec) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    dd_hasher_init(g.h, o);
    memcpy(g.hd.magic, "WNSIG1", 7);
    g.hd.k = o->k;
    g.hd.recsz = (uint32_t)g.recsz;
    for (int i = 0; i < g.nf; i++) {
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
    doc_sink sink = {sign_slot, sign_doc, NULL, &g};
    rc = input_each(c->inputs[shard], NULL, &ro, &sink, &rst, err);
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
    for (int i = g.nf - 1; i >= 0; i--) /* sig last: it proves the rest */
        if ((rc = atomic_commit(&g.sf.af[i], err)))
            goto out;
    st->docs += g.hd.ndocs;
    st->text_bytes += g.hd.text_bytes;
    st->bad_input += g.hd.bad_input;
out:
    files_discard(&g.sf);
    files_release(&g.sf);
    wn_doc_release(&g.doc);
    wn_buf_release(&g.scratch);
    wn_buf_release(&pr.text);
    wn_buf_release(&ppath);
    free(g.sh);
    free(g.fp);
    free(g.rec);
    free(g.h);
    return rc;
}

/* ------------------------------------------------------------------ bands */

static inline unsigned part_of(uint64_t key, unsigned p)
{
    return (unsigned)(((key >> 32) * (uint64_t)p) >> 32);
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
    wn_buf in = WN_BUF_INIT;
    dd_hasher *h = malloc(sizeof *h);
    FILE *f = NULL;
    dd_sig_header hd;
    int rc = 0;
    (void)st;
    if (!rec || !out || !paths || !h) {
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
    if (fread(&hd, sizeof hd, 1, f) != 1 || hd.k != o->k) {
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
        if (o->exact) {
            dd_rec r = {rec->h[0], gid | DD_EXACT_FLAG};
            fwrite(&r, sizeof r, 1, out[part_of(r.a, P)].f);
        }
        if (o->near && !(sig[0] == UINT32_MAX && sig[o->k - 1] == UINT32_MAX)) {
            dd_band_keys(h, sig, key);
            for (unsigned b = 0; b < o->bands; b++) {
                dd_rec r = {key[b], gid};
                fwrite(&r, sizeof r, 1, out[part_of(r.a, P)].f);
            }
        }
    }
    for (unsigned p = 0; p < P; p++)
        if ((rc = atomic_commit(&out[p], err)))
            goto out;
out:
    if (f)
        fclose(f);
    for (unsigned p = 0; out && p < P; p++)
        atomic_abort(&out[p]);
    for (unsigned p = 0; paths && p < P; p++)
        wn_buf_release(&paths[p]);
    free(paths);
    free(out);
    free(rec);
    free(h);
    wn_buf_release(&in);
    return rc;
}
