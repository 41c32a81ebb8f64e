/*
 * shingles.c - the per-shard stage "shingles" (verify=exact only): the
 * shingle fingerprints of the documents the cluster stage may verify.
 *
 * Exact verification reads the fingerprints of both documents of a pair,
 * and only documents named by a candidate pair are ever verified (a
 * keeper, a removed member or a leader is grouped, so it is in a pair).
 * The sig stage cannot know them, so it keeps none; this unit, after the
 * pairs stage, marks its shard's documents found in any pair file and
 * reads its input again to fingerprint only those.  A shard with none is
 * not read.  The work directory then never holds the fingerprints of the
 * whole corpus (4 bytes per shingle, the largest file of a run), at the
 * cost of a second read of the shards that have pair members.
 *
 * shg-S.bin: the fingerprints of each marked document, unsorted as the
 * sig stage used to keep them (cluster sorts the few it reads), in
 * document order; shx-S.bin: ndocs + 1 uint64 element offsets into it
 * (document i owns [x[i], x[i + 1]); empty for an unmarked one).
 */
#include "dedup.h"
#include "../filter/wordseg.h"
#include "../io/input.h"
#include "../io/io.h"

#include <stdlib.h>

typedef struct shg_unit {
    const dd_ctx *c;
    unsigned shard;
    uint64_t ndocs, taken, done, cum;
    uint8_t *mark;   /* bit per document of the shard */
    uint64_t hits;   /* pairs naming one (0: the input need not be read) */
    FILE *sig;       /* records read in step with the input */
    dd_sig_rec *rec;
    size_t recsz;
    atomic_file af[2]; /* shg, shx */
    wn_buf path[2];
} shg_unit;

#define MARKED(u, i) (((u)->mark[(i) >> 3] >> ((i) & 7)) & 1)

static int mark_one(shg_unit *u, uint64_t gid, const char *path,
                    wn_error *err)
{
    if (DD_SHARD(gid) != u->shard)
        return 0;
    uint64_t i = DD_INDEX(gid);
    if (i >= u->ndocs)
        return wn_err(err, WN_EFORMAT, path, 0,
                      "pair names an unknown document");
    u->mark[i >> 3] |= (uint8_t)(1u << (i & 7));
    return 0;
}

/* For dd_each_pair: marks the shard's documents named by the pair. */
static int mark_pair(void *ctx, const dd_rec *r, const char *path,
                     wn_error *err)
{
    shg_unit *u = ctx;
    uint64_t a = r->a, b = r->b & ~DD_EXACT_FLAG;
    u->hits += DD_SHARD(a) == u->shard || DD_SHARD(b) == u->shard;
    int rc = mark_one(u, a, path, err);
    return rc ? rc : mark_one(u, b, path, err);
}

/* On the reading thread, in input order: an unmarked document's text is
 * emptied so that the workers (which do not know document numbers) skip
 * it; the reader refills the slot for the next document. */
static int shg_take(void *ctx, batch *b, wn_doc *doc, wn_error *err)
{
    shg_unit *u = ctx;
    (void)b;
    (void)err;
    if (u->taken >= u->ndocs || !MARKED(u, u->taken))
        doc->text.len = 0;
    u->taken++;
    return 0;
}

/* The worker's shingle hashes live in a scratch buffer, so that the pool
 * frees them: dd_shingles_lang grows its array with realloc, as wn_buf
 * does its bytes. */
static long shingles_into(wn_buf *sh, const wn_doc *doc, const char *lang,
                          unsigned ngram)
{
    uint64_t *v = sh->alloc ? (uint64_t *)(void *)sh->data : NULL;
    size_t cap = sh->alloc / sizeof *v;
    long cnt = dd_shingles_lang(doc->text.data ? doc->text.data : "",
                                doc->text.len, lang, ngram, &v, &cap);
    if (v) {
        sh->data = (char *)v;
        sh->alloc = cap * sizeof *v;
        sh->len = 0;
    }
    return cnt;
}

/* A document's raw fingerprints into out (its length: 4 per shingle). */
static int doc_fingerprints(wn_buf *sh, const wn_doc *doc, unsigned ngram,
                            wn_buf *out)
{
    char lang[16];
    wn_buf_reset(out);
    wseg_doc_lang(doc, lang, sizeof lang);
    long cnt = shingles_into(sh, doc, lang, ngram);
    if (cnt < 0)
        return (int)cnt;
    int rc = wn_buf_reserve(out, (size_t)cnt * 4);
    if (rc)
        return rc;
    dd_fingerprints_raw((const uint64_t *)(void *)sh->data, (size_t)cnt,
                        (uint32_t *)(void *)out->data);
    out->len = (size_t)cnt * 4;
    return 0;
}

/* On a worker: each non-empty document's fingerprints into its line
 * buffer. */
static int shg_work(void *ctx, batch *b, stage_scratch *sc)
{
    shg_unit *u = ctx;
    for (size_t i = 0; i < b->n; i++) {
        b->dropped_at[i] = -1;
        wn_buf_reset(&b->lines[i]);
        int rc = b->docs[i].text.len
                     ? doc_fingerprints(&sc->b[0], &b->docs[i],
                                        u->c->o->ngram, &b->lines[i])
                     : 0;
        if (rc)
            return rc;
    }
    return 0;
}

/* Appends the fingerprints in l of a document of nsh shingles (its sig
 * record's count: the input must be the one signed). */
static int put_fingerprints(shg_unit *u, const wn_buf *l, uint32_t nsh,
                            uint64_t off, wn_error *err)
{
    size_t m = l->len / 4;
    if (m != nsh)
        return wn_err(err, WN_EFORMAT, u->c->inputs[u->shard], off,
                      "input changed since the sig stage (other shingles)");
    fwrite(l->data, 4, m, u->af[0].f); /* checked at commit */
    u->cum += m;
    return 0;
}

/* One batch in input order: each document checked against its sig record
 * (the input must be the one signed), its fingerprints appended. */
static int shg_commit(void *ctx, batch *b, wn_error *err)
{
    shg_unit *u = ctx;
    const char *in = u->c->inputs[u->shard];
    int rc;
    for (size_t i = 0; i < b->n; i++, u->done++) {
        const wn_doc *doc = &b->docs[i];
        const wn_buf *l = &b->lines[i];
        if (u->done >= u->ndocs || fread(u->rec, u->recsz, 1, u->sig) != 1 ||
            u->rec->off != doc->offset)
            return wn_err(err, WN_EFORMAT, in, doc->offset, "input changed "
                          "since the sig stage (no record here now)");
        fwrite(&u->cum, sizeof u->cum, 1, u->af[1].f);
        if (MARKED(u, u->done) &&
            (rc = put_fingerprints(u, l, u->rec->nsh, doc->offset, err)))
            return rc;
    }
    return 0;
}

/* ---- dedup.verbatim: inputs are JSONL as winnow writes them, one
 * document a line ----
 *
 * The reading thread finds each document's line by the offset its sig
 * record holds (lines the reader skipped are skipped here too) and only
 * scans for newlines; a marked document's line goes to a worker, which
 * parses it alone, as the filter stage does, and fingerprints it.  So
 * neither the parsing nor the shingling waits on the reading.  A slot of
 * a batch: docs[i].offset is the line's offset, reasons[i] the record's
 * shingle count (4 bytes) then the line, empty for an unmarked document;
 * the worker leaves the fingerprints in lines[i]. */

#define VB_NSH 4 /* the count before the line in reasons[i] */

static int vb_work(void *ctx, batch *b, stage_scratch *sc)
{
    shg_unit *u = ctx;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = WN_FMT_JSONL;
    for (size_t i = 0; i < b->n; i++) {
        const wn_buf *r = &b->reasons[i];
        wn_doc *d = &b->docs[i];
        wn_buf_reset(&b->lines[i]);
        if (!r->len)
            continue;
        uint64_t off = d->offset;
        wn_reader *rd;
        int rc = wn_reader_open_mem(r->data + VB_NSH, r->len - VB_NSH,
                                    u->c->inputs[u->shard], &ro, &rd, NULL);
        if (rc)
            return rc;
        rc = wn_reader_next(rd, d, NULL);
        wn_reader_close(rd);
        if (rc != WN_DOC)
            return rc < 0 ? rc : WN_EFORMAT; /* the line vanished */
        d->offset = off;
        if ((rc = doc_fingerprints(&sc->b[0], d, u->c->o->ngram,
                                   &b->lines[i])))
            return rc;
    }
    return 0;
}

static int vb_commit(void *ctx, batch *b, wn_error *err)
{
    shg_unit *u = ctx;
    int rc = 0;
    for (size_t i = 0; i < b->n && !rc; i++) {
        const wn_buf *r = &b->reasons[i];
        uint32_t nsh;
        fwrite(&u->cum, sizeof u->cum, 1, u->af[1].f);
        if (!r->len)
            continue;
        memcpy(&nsh, r->data, VB_NSH);
        rc = put_fingerprints(u, &b->lines[i], nsh, b->docs[i].offset, err);
    }
    return rc;
}

static int vb_failed(void *ctx, const batch *b, wn_error *err)
{
    shg_unit *u = ctx;
    return wn_err(err, b->error, u->c->inputs[u->shard], 0,
                  "cannot parse or shingle a document: %s",
                  wn_strerror(b->error));
}

/* The document of record rec into slot b->n, with its line l when it is
 * marked (l not NULL). */
static int vb_take(batch *b, const dd_sig_rec *rec, const char *l,
                   size_t len, wn_error *err)
{
    wn_buf *r = &b->reasons[b->n];
    int rc = 0;
    wn_buf_reset(r);
    b->docs[b->n].offset = rec->off;
    if (l && (!(rc = wn_buf_append(r, &rec->nsh, VB_NSH))))
        rc = wn_buf_append(r, l, len);
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

static int shingle_verbatim(shg_unit *u, wn_error *err)
{
    const char *in = u->c->inputs[u->shard];
    unsigned jobs = u->c->jobs ? u->c->jobs : 1;
    pool *p = NULL;
    bufin bi;
    int rc = bufin_open(&bi, in, err);
    if (rc)
        return rc;
    if (jobs > 1) /* decompressed beside the scanning, as feed_input does */
        (void)istream_ahead(bi.s);
    if ((rc = pool_new(NULL, NULL, NULL, 0, (int)jobs,
                       jobs == 1 ? POOL_ONE : 0, &p))) {
        rc = wn_err(err, rc, "", 0, "cannot start the workers");
        goto out;
    }
    pool_set_hook(p, vb_work, u);
    batch_feed fd = {NULL, vb_commit, vb_failed, NULL, u};
    feeder m;
    feeder_init(&m, p, &fd);
    for (uint64_t i = 0; i < u->ndocs && !rc; i++) {
        const char *l = NULL;
        size_t len = 0;
        uint64_t off = 0;
        int got = 0;
        if (fread(u->rec, u->recsz, 1, u->sig) != 1) {
            rc = wn_err(err, WN_ETRUNC, in, 0, "signature file ends early");
            break;
        }
        if (MARKED(u, i)) {
            do /* lines the reader skipped: blank, bad, too long */
                got = bufin_getline(&bi, &l, &len, WN_MAX_RECORD, &off);
            while ((got == 1 && off < u->rec->off) || got == WN_ELIMIT);
            if (got != 1 || off != u->rec->off) {
                if (!(rc = bufin_take_error(&bi, err)))
                    rc = wn_err(err, WN_EFORMAT, in, u->rec->off,
                                "input changed since the sig stage (no "
                                "record here now)");
                break;
            }
        }
        if (!(rc = vb_take(m.cur, u->rec, l, len, err)))
            rc = feeder_push(&m, err);
    }
    rc = feeder_finish(&m, rc, err);
    u->done = u->ndocs;
out:
    pool_free(p);
    bufin_close(&bi);
    return rc;
}

static void ignore_problem(void *ctx, const wn_error *w)
{
    (void)ctx; /* the sig unit kept them */
    (void)w;
}

int dd_stage_shingles(const dd_ctx *c, unsigned shard, wn_dedup_stats *st,
                      wn_error *err)
{
    static const char *pat[2] = {"shg-%05u.bin", "shx-%05u.bin"};
    shg_unit u;
    dd_sig_header hd;
    wn_buf sp = WN_BUF_INIT;
    int rc;
    (void)st;
    if (c->o->verify != DD_VERIFY_EXACT)
        return 0;
    memset(&u, 0, sizeof u);
    u.c = c;
    u.shard = shard;
    u.recsz = DD_SIG_RECSZ(c->o->k);
    for (int i = 0; i < 2; i++)
        u.af[i].fd = -1;
    if ((rc = dd_read_header(c->workdir, shard, &hd, err)))
        return rc;
    u.ndocs = hd.ndocs;
    u.mark = calloc((size_t)(u.ndocs / 8 + 1), 1);
    u.rec = malloc(u.recsz);
    if (!u.mark || !u.rec) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    /* without near dedup the sig stage counted no shingles: none to read */
    if (c->o->near && (rc = dd_each_pair(c, mark_pair, &u, err)))
        goto out;
    for (int i = 0; i < 2; i++) {
        dd_path(&u.path[i], c->workdir, pat[i], shard);
        if ((rc = atomic_fopen(&u.af[i], u.path[i].data, err)))
            goto out;
        u.af[i].work = 1;
    }
    if (u.hits) {
        dd_path(&sp, c->workdir, "sig-%05u.bin", shard);
        if (!(u.sig = fopen(sp.data, "rb")) ||
            fseek(u.sig, sizeof(dd_sig_header), SEEK_SET)) {
            rc = wn_err(err, WN_EIO, sp.data, 0, "cannot read");
            goto out;
        }
    }
    if (u.hits && c->o->verbatim) {
        if ((rc = shingle_verbatim(&u, err)))
            goto out;
    } else if (u.hits) {
        wn_reader_opts ro = WN_READER_OPTS_INIT;
        wn_stats rst;
        memset(&rst, 0, sizeof rst);
        ro.warn = ignore_problem;
        batch_feed fd = {shg_take, shg_commit, NULL, NULL, &u};
        rc = feed_work(c->jobs ? c->jobs : 1, 0, shg_work, &fd,
                       c->inputs[shard], &ro, &rst, err);
        if (rc == 0 && rst.io_errors)
            rc = wn_err(err, WN_EIO, c->inputs[shard], 0, "read error");
        if (rc < 0)
            goto out;
        rc = 0;
        if (u.done != u.ndocs) {
            rc = wn_err(err, WN_EFORMAT, c->inputs[shard], 0, "input changed "
                        "since the sig stage (fewer documents)");
            goto out;
        }
    } else {
        for (uint64_t i = 0; i < u.ndocs; i++) /* nothing to verify here */
            fwrite(&u.cum, sizeof u.cum, 1, u.af[1].f);
    }
    fwrite(&u.cum, sizeof u.cum, 1, u.af[1].f);
    for (int i = 0; i < 2 && !rc; i++)
        rc = atomic_commit(&u.af[i], err);
out:
    for (int i = 0; i < 2; i++) {
        atomic_abort(&u.af[i]);
        wn_buf_release(&u.path[i]);
    }
    if (u.sig)
        fclose(u.sig);
    wn_buf_release(&sp);
    free(u.mark);
    free(u.rec);
    return rc;
}
