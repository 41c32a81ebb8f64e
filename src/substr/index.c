/*
 * index.c - the per-shard stage "index": the shard cut into chunks that fit
 * the memory budget, a suffix array per chunk (libdivsufsort), and from it
 * the chunk's repeated positions and one record per distinct L-gram.
 *
 * Equal L-grams are neighbours in a suffix array, so one scan of it groups
 * them: a group of two or more is a repeat inside the chunk (flagged here,
 * exactly), and every group, repeated or not, leaves one {hash, first
 * position} record for the match stage to compare across chunks.
 */
#include "substr.h"
#include "../dedup/dedup.h"
#include "../io/input.h"

#include <divsufsort.h>
#include <stdlib.h>

void ss_roll(const unsigned char *t, size_t n, unsigned L,
             void (*fn)(void *ctx, size_t pos, uint64_t h), void *ctx)
{
    uint64_t pw = 1, h = 0;
    for (unsigned k = 1; k < L; k++)
        pw *= SS_HASH_MUL;
    unsigned len = 0;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == SS_SEP) {
            len = 0;
            h = 0;
            continue;
        }
        if (len == L)
            h -= ((uint64_t)t[i - L] + 1) * pw;
        else
            len++;
        h = h * SS_HASH_MUL + (uint64_t)t[i] + 1;
        if (len == L)
            fn(ctx, i + 1 - L, h);
    }
}

unsigned ss_partition(uint64_t h, unsigned parts)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (unsigned)(h % parts);
}

typedef struct problems {
    wn_buf text;
    int rc;
} problems;

static void note_problem(void *ctx, const wn_error *w)
{
    problems *pr = ctx;
    char line[1200];
    wn_error_format(w, line, sizeof line);
    keep_first(&pr->rc, wn_buf_puts(&pr->text, line));
    keep_first(&pr->rc, wn_buf_putc(&pr->text, '\n'));
}

typedef struct indexer {
    const ss_ctx *c;
    unsigned shard;
    wn_doc doc;
    wn_buf text;     /* the chunk being filled */
    uint64_t ndocs;  /* documents of the shard so far */
    uint64_t first;  /* first document of the chunk */
    ss_chunk *ch;
    size_t nch, chcap;
    atomic_file *rec; /* one per partition */
    wn_buf *recpath;
    wn_substr_stats *st;
    const unsigned char *rep_bits; /* first positions of the groups */
    unsigned chunk;
} indexer;

static void put_record(void *ctx, size_t pos, uint64_t h)
{
    indexer *x = ctx;
    if (!SS_BIT(x->rep_bits, pos))
        return;
    uint64_t rec[2] = {h, SS_KEY(x->shard, x->chunk, pos)};
    /* a failed fwrite is found by atomic_commit (the stream's flag) */
    fwrite(rec, sizeof rec, 1,
           x->rec[ss_partition(h, x->c->o->partitions)].f);
}

static int put_file(const indexer *x, const char *pat, unsigned j,
                    const void *data, size_t n, wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    int rc = dd_path(&p, x->c->workdir, pat, x->shard, j)
                 ? wn_err(err, WN_ENOMEM, "", 0, "out of memory")
                 : atomic_write_work(p.data, data, n, err);
    wn_buf_release(&p);
    return rc;
}

/* valid[i]: the L bytes at i lie inside one document. */
static void mark_valid(const unsigned char *t, size_t n, unsigned L,
                       unsigned char *valid)
{
    size_t nx = n; /* the next separator at or after i (the text ends with
                    * one) */
    for (size_t i = n; i-- > 0;) {
        if (t[i] == SS_SEP)
            nx = i;
        if (nx - i >= L)
            SS_SET(valid, i);
    }
}

static int index_chunk(indexer *x, wn_error *err)
{
    const ss_opts *o = x->c->o;
    const unsigned char *t = (const unsigned char *)x->text.data;
    size_t n = x->text.len;
    unsigned L = o->min_length, j = (unsigned)x->nch;
    int rc = 0;
    if (j >= SS_MAXCHUNKS)
        return wn_err(err, WN_ELIMIT, x->c->inputs[x->shard], 0,
                      "more than %u chunks in one input: raise "
                      "substr.memory or split the input", SS_MAXCHUNKS);
    if (x->nch == x->chcap) {
        size_t cap = x->chcap ? 2 * x->chcap : 16;
        ss_chunk *p = realloc(x->ch, cap * sizeof *p);
        if (!p)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        x->ch = p;
        x->chcap = cap;
    }
    ss_chunk *ch = &x->ch[x->nch];
    ch->first_doc = x->first;
    ch->ndocs = x->ndocs - x->first;
    ch->bytes = n;
    if ((rc = put_file(x, "txt-%05u-%04u.bin", j, t, n, err)))
        return rc;
    /* memcmp of L bytes may read past a short suffix at the end */
    if ((rc = wn_buf_reserve(&x->text, L)))
        return wn_err(err, rc, "", 0, "out of memory");
    t = (const unsigned char *)x->text.data;
    memset(x->text.data + n, 0, L);
    size_t nb = n / 8 + 1;
    saidx_t *sa = n ? malloc(n * sizeof *sa) : NULL;
    unsigned char *valid = calloc(nb, 1), *wfl = calloc(nb, 1),
                  *reps = calloc(nb, 1);
    if ((n && !sa) || !valid || !wfl || !reps) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory (chunk of %zu "
                    "bytes; lower substr.memory's share per thread?)", n);
        goto out;
    }
    if (n && divsufsort(t, sa, (saidx_t)n)) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "suffix sorting failed");
        goto out;
    }
    mark_valid(t, n, L, valid);
    for (size_t r = 0; r < n;) {
        size_t p0 = (size_t)sa[r];
        if (!SS_BIT(valid, p0)) {
            r++;
            continue;
        }
        /* the group of equal L-grams: contiguous, all valid (a suffix
         * that starts with a valid L-gram is itself valid) */
        size_t e = r + 1, rep = p0;
        while (e < n && !memcmp(t + sa[e], t + p0, L)) {
            if ((size_t)sa[e] < rep)
                rep = (size_t)sa[e];
            e++;
        }
        if (e - r > 1)
            for (size_t k = r; k < e; k++)
                if (o->strike == SS_STRIKE_ALL || (size_t)sa[k] != rep)
                    SS_SET(wfl, (size_t)sa[k]);
        SS_SET(reps, rep);
        x->st->ngrams++;
        r = e;
    }
    /* the records, hashed in one rolling pass in position order */
    x->rep_bits = reps;
    x->chunk = j;
    ss_roll(t, n, L, put_record, x);
    rc = put_file(x, "wfl-%05u-%04u.bin", j, wfl, nb, err);
out:
    free(sa);
    free(valid);
    free(wfl);
    free(reps);
    if (!rc) {
        x->nch++;
        x->st->chunks++;
        x->first = x->ndocs;
        wn_buf_reset(&x->text);
    }
    return rc;
}

static wn_doc *index_slot(void *ctx) { return &((indexer *)ctx)->doc; }

static int index_doc(void *ctx, wn_doc *doc, wn_error *err)
{
    indexer *x = ctx;
    int rc;
    size_t add = doc->text.len + 1;
    if (x->text.len && x->text.len + add > x->c->chunk_bytes &&
        (rc = index_chunk(x, err)))
        return rc;
    /* positions are 31 bits (libdivsufsort's 32-bit index) */
    if (x->text.len + add >= (1u << 31) - 1)
        return wn_err(err, WN_ELIMIT, x->c->inputs[x->shard], doc->offset,
                      "a document of %zu bytes: more than one chunk can "
                      "hold", doc->text.len);
    if ((rc = wn_buf_append(&x->text, doc->text.data ? doc->text.data : "",
                            doc->text.len)) ||
        (rc = wn_buf_putc(&x->text, (char)SS_SEP)))
        return wn_err(err, rc, "", 0, "out of memory");
    x->ndocs++;
    x->st->docs++;
    x->st->text_bytes += doc->text.len;
    return 0;
}

int ss_stage_index(const ss_ctx *c, unsigned shard, wn_substr_stats *st,
                   wn_error *err)
{
    const ss_opts *o = c->o;
    problems pr = {WN_BUF_INIT, 0};
    indexer x;
    memset(&x, 0, sizeof x);
    wn_doc init = WN_DOC_INIT;
    x.doc = init;
    x.c = c;
    x.shard = shard;
    x.st = st;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_stats rst;
    memset(&rst, 0, sizeof rst);
    wn_buf p = WN_BUF_INIT;
    int rc = 0;
    x.rec = calloc(o->partitions, sizeof *x.rec);
    x.recpath = calloc(o->partitions, sizeof *x.recpath);
    if (!x.rec || !x.recpath) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    for (unsigned i = 0; i < o->partitions && !rc; i++) {
        dd_path(&x.recpath[i], c->workdir, "rec-%05u-%03u.bin", shard, i);
        if (!(rc = atomic_fopen(&x.rec[i], x.recpath[i].data, err)))
            x.rec[i].work = 1;
    }
    if (rc)
        goto out;
    ro.warn = note_problem;
    ro.warn_ctx = &pr;
    doc_sink sink = {index_slot, index_doc, NULL, &x};
    rc = input_each(c->inputs[shard], NULL, &ro, &sink, &rst, err);
    if (rc == 0 && rst.io_errors)
        rc = wn_err(err, WN_EIO, c->inputs[shard], 0,
                    "read error: the shard is left unindexed");
    if (rc < 0)
        goto out;
    rc = 0;
    st->bad_input += wn_stats_bad(&rst);
    if (x.text.len && (rc = index_chunk(&x, err)))
        goto out;
    wn_buf chk = WN_BUF_INIT;
    uint64_t nch = x.nch;
    if (wn_buf_append(&chk, &nch, sizeof nch) ||
        (x.nch && wn_buf_append(&chk, x.ch, x.nch * sizeof *x.ch)))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    else
        rc = put_file(&x, "chk-%05u.bin%.0u", 0, chk.data, chk.len, err);
    wn_buf_release(&chk);
    if (!rc && pr.rc)
        rc = wn_err(err, pr.rc, "", 0, "out of memory");
    dd_path(&p, c->workdir, "problems-%05u.txt", shard);
    if (!rc)
        rc = atomic_write_work(p.data, pr.text.data ? pr.text.data : "",
                               pr.text.len, err);
    for (unsigned i = 0; i < o->partitions && !rc; i++)
        rc = atomic_commit(&x.rec[i], err);
out:
    if (x.rec)
        for (unsigned i = 0; i < o->partitions; i++)
            atomic_abort(&x.rec[i]);
    if (x.recpath)
        for (unsigned i = 0; i < o->partitions; i++)
            wn_buf_release(&x.recpath[i]);
    free(x.rec);
    free(x.recpath);
    free(x.ch);
    wn_buf_release(&x.text);
    wn_buf_release(&pr.text);
    wn_buf_release(&p);
    wn_doc_release(&x.doc);
    return rc;
}
