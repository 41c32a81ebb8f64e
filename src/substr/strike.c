/*
 * strike.c - the per-shard stage "strike": which bytes go, and the shard
 * written again without them (or with them listed).
 *
 * Per chunk: its own repeats (wfl, from the suffix array) and the L-grams
 * the match stage flagged, found again by a rolling hash over the chunk
 * text and confirmed with memcmp against the flagged position; then the
 * union of [i, i+L) over flagged i, widened to whole UTF-8 characters.
 * The flags are sorted by position on disk, so a chunk with more flags
 * than fit the budget takes them in batches, one pass over its text each.
 */
#include "substr.h"
#include "../dedup/dedup.h"
#include "../io/input.h"
#include "../io/io.h"

#include <stdlib.h>

typedef struct ent {
    uint64_t h;
    uint32_t pos, used;
} ent;

typedef struct striker {
    const ss_ctx *c;
    unsigned shard, L;
    ss_chunk *ch;
    size_t nch, j;        /* chunks; the next one to prepare */
    uint64_t idx;         /* documents of the shard so far */
    uint64_t chunk_first; /* first document of the prepared chunk */
    /* the prepared chunk: per document its length and spans */
    uint64_t *dlen;
    size_t *dspan;        /* first span of document k (ndocs + 1) */
    uint32_t *span;       /* start, end pairs, document-relative */
    size_t nspan, spancap;
    size_t ndocs;
    dd_xsort *flags;      /* {key, hash} of this shard, by key */
    dd_rec pend;
    int have_pend;
    ent *tab, *batch;
    size_t tabcap;        /* entries of tab (a power of two) */
    size_t most;          /* entries of batch */
    wn_doc doc;
    wn_buf cut, json, reason;
    wn_writer *out, *rej;
    wn_substr_stats *st;
} striker;

static size_t slot_of(uint64_t h, size_t mask)
{
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 32;
    return (size_t)h & mask;
}

typedef struct scan {
    const striker *x;
    const unsigned char *t;
    unsigned char *fl;
} scan;

static void scan_one(void *ctx, size_t s, uint64_t h)
{
    scan *c = ctx;
    const striker *x = c->x;
    if (SS_BIT(c->fl, s))
        return;
    size_t mask = x->tabcap - 1;
    for (size_t e = slot_of(h, mask); x->tab[e].used; e = (e + 1) & mask)
        if (x->tab[e].h == h && !memcmp(c->t + s, c->t + x->tab[e].pos, x->L)) {
            SS_SET(c->fl, s);
            return;
        }
}

/* Flags the positions whose L-gram is one in the table. */
static void scan_table(striker *x, const unsigned char *t, size_t n,
                       unsigned char *fl)
{
    scan c = {x, t, fl};
    ss_roll(t, n, x->L, scan_one, &c);
}

/* Adds this chunk's flagged L-grams to fl, at most x->most at a time (a
 * table sized to each batch: most chunks have few). */
static int cross_flags(striker *x, uint64_t chunk, const unsigned char *t,
                       size_t n, unsigned char *fl, wn_error *err)
{
    for (;;) {
        size_t m = 0;
        int mine = 1;
        while (m < x->most) {
            if (!x->have_pend) {
                int more = dd_xsort_next(x->flags, &x->pend, err);
                if (more < 0)
                    return more;
                x->have_pend = more == 1;
            }
            if (!(mine = x->have_pend && SS_CHUNK(x->pend.a) == chunk))
                break;
            x->batch[m].h = x->pend.b;
            x->batch[m].pos = SS_POS(x->pend.a);
            x->have_pend = 0;
            m++;
        }
        if (m) {
            x->tabcap = 16;
            while (x->tabcap < 2 * m)
                x->tabcap *= 2;
            if (!(x->tab = calloc(x->tabcap, sizeof *x->tab)))
                return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            size_t mask = x->tabcap - 1;
            for (size_t i = 0; i < m; i++) {
                size_t e = slot_of(x->batch[i].h, mask);
                while (x->tab[e].used)
                    e = (e + 1) & mask;
                x->tab[e] = x->batch[i];
                x->tab[e].used = 1;
            }
            scan_table(x, t, n, fl);
            free(x->tab);
            x->tab = NULL;
        }
        if (!mine)
            return 0;
    }
}

/* Appends [s, e) to the spans of the document whose first span is first,
 * joined to the one before when they touch (widening can make them). */
static int add_span(striker *x, size_t first, size_t s, size_t e,
                    wn_error *err)
{
    if (x->nspan > first && x->span[2 * x->nspan - 1] >= s) {
        if (e > x->span[2 * x->nspan - 1])
            x->span[2 * x->nspan - 1] = (uint32_t)e;
        return 0;
    }
    if (x->nspan == x->spancap) {
        size_t cap = x->spancap ? 2 * x->spancap : 64;
        uint32_t *p = realloc(x->span, 2 * cap * sizeof *p);
        if (!p)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        x->span = p;
        x->spancap = cap;
    }
    x->span[2 * x->nspan] = (uint32_t)s;
    x->span[2 * x->nspan + 1] = (uint32_t)e;
    x->nspan++;
    return 0;
}

/* Spans of every document of the chunk from its flags. */
static int spans_of(striker *x, const unsigned char *t, size_t n,
                    const unsigned char *fl, wn_error *err)
{
    size_t k = 0, d0 = 0, cover = 0, run = SIZE_MAX;
    int rc = 0;
    x->nspan = 0;
    x->dspan[0] = 0;
    for (size_t i = 0; i <= n && !rc; i++) {
        if (i < n && t[i] != SS_SEP && SS_BIT(fl, i) && i + x->L > cover)
            cover = i + x->L;
        int struck = i < cover;
        if (struck && run == SIZE_MAX)
            run = i;
        if (!struck && run != SIZE_MAX) {
            /* whole characters: a span never splits a UTF-8 sequence */
            size_t s = run, e = i;
            while (s > d0 && (t[s] & 0xC0) == 0x80)
                s--;
            while (e < n && (t[e] & 0xC0) == 0x80)
                e++;
            rc = add_span(x, x->dspan[k], s - d0, e - d0, err);
            run = SIZE_MAX;
        }
        if (i < n && t[i] == SS_SEP) {
            if (k == x->ndocs)
                return wn_err(err, WN_EFORMAT, x->c->workdir, 0, "a chunk "
                              "holds more documents than its table says");
            x->dlen[k] = i - d0;
            x->dspan[++k] = x->nspan;
            d0 = i + 1;
        }
    }
    return rc;
}

static int prepare_chunk(striker *x, wn_error *err)
{
    const ss_chunk *ch = &x->ch[x->j];
    unsigned char *t = NULL, *fl = NULL;
    size_t n, nb;
    wn_buf p = WN_BUF_INIT;
    int rc;
    dd_path(&p, x->c->workdir, "txt-%05u-%04u.bin", x->shard,
            (unsigned)x->j);
    if ((rc = ss_read_file(p.data, &t, &n, err)))
        goto out;
    dd_path(&p, x->c->workdir, "wfl-%05u-%04u.bin", x->shard,
            (unsigned)x->j);
    if ((rc = ss_read_file(p.data, &fl, &nb, err)))
        goto out;
    if (n != ch->bytes || nb != n / 8 + 1 || (n && t[n - 1] != SS_SEP)) {
        rc = wn_err(err, WN_EFORMAT, p.data, 0, "chunk files do not match "
                    "the chunk table");
        goto out;
    }
    unsigned char *pad = realloc(t, n + x->L); /* memcmp reads L bytes */
    if (!pad) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    t = pad;
    memset(t + n, 0, x->L);
    if ((rc = cross_flags(x, (uint64_t)x->shard << 12 | x->j, t, n, fl,
                          err)))
        goto out;
    free(x->dlen);
    free(x->dspan);
    x->ndocs = (size_t)ch->ndocs;
    x->dlen = malloc((x->ndocs + 1) * sizeof *x->dlen);
    x->dspan = malloc((x->ndocs + 1) * sizeof *x->dspan);
    if (!x->dlen || !x->dspan) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    rc = spans_of(x, t, n, fl, err);
    x->chunk_first = ch->first_doc;
    x->j++;
out:
    free(t);
    free(fl);
    wn_buf_release(&p);
    return rc;
}

static wn_doc *strike_slot(void *ctx) { return &((striker *)ctx)->doc; }

static int strike_doc(void *ctx, wn_doc *doc, wn_error *err)
{
    striker *x = ctx;
    const ss_opts *o = x->c->o;
    const char *in = x->c->inputs[x->shard];
    int rc;
    if (x->j < x->nch && x->idx == x->ch[x->j].first_doc &&
        (rc = prepare_chunk(x, err)))
        return rc;
    size_t k = (size_t)(x->idx - x->chunk_first);
    if (x->idx < x->chunk_first || k >= x->ndocs ||
        x->dlen[k] != doc->text.len)
        return wn_err(err, WN_EFORMAT, in, doc->offset,
                      "input changed since the index stage");
    x->idx++;
    size_t s0 = x->dspan[k], s1 = x->dspan[k + 1], struck = 0;
    if (s0 == s1 || o->annotate)
        x->st->bytes_out += doc->text.len;
    if (s0 == s1) {
        x->st->kept++;
        return wn_writer_write(x->out, doc, err);
    }
    for (size_t s = s0; s < s1; s++)
        struck += x->span[2 * s + 1] - x->span[2 * s];
    x->st->docs_struck++;
    x->st->bytes_struck += struck;
    x->st->spans += s1 - s0;
    if (o->annotate) {
        wn_buf_reset(&x->json);
        rc = wn_buf_putc(&x->json, '[');
        for (size_t s = s0; s < s1 && !rc; s++)
            rc = wn_buf_printf(&x->json, "%s[%u,%u]", s > s0 ? "," : "",
                               x->span[2 * s], x->span[2 * s + 1]);
        if (rc || (rc = wn_buf_putc(&x->json, ']')) ||
            (rc = wn_doc_meta_set(doc, "substr_spans", x->json.data,
                                  x->json.len)))
            return wn_err(err, rc, "", 0, "out of memory");
        x->st->kept++;
        return wn_writer_write(x->out, doc, err);
    }
    size_t left = doc->text.len - struck;
    if (left < o->min_doc_bytes) {
        wn_buf_reset(&x->reason);
        if ((rc = wn_buf_printf(&x->reason, "substr:bytes_left=%zu<%u",
                                left, o->min_doc_bytes)) ||
            (rc = wn_doc_meta_set_str(doc, "reject_reason", x->reason.data,
                                      x->reason.len)))
            return wn_err(err, rc, "", 0, "out of memory");
        x->st->rejected++;
        x->st->bytes_rejected += doc->text.len;
        return wn_writer_write(x->rej, doc, err);
    }
    wn_buf_reset(&x->cut);
    size_t at = 0;
    rc = wn_buf_reserve(&x->cut, left + 1);
    for (size_t s = s0; s <= s1 && !rc; s++) {
        size_t e = s < s1 ? x->span[2 * s] : doc->text.len;
        rc = wn_buf_append(&x->cut, doc->text.data + at, e - at);
        if (s < s1)
            at = x->span[2 * s + 1];
    }
    if (rc || (rc = wn_buf_set(&doc->text, x->cut.data, x->cut.len)))
        return wn_err(err, rc, "", 0, "out of memory");
    x->st->kept++;
    x->st->bytes_out += left;
    return wn_writer_write(x->out, doc, err);
}

/* For dd_each_rec: a flag of this shard's chunks, keyed by position. */
static int own_flag(void *ctx, const dd_rec *r, const char *path,
                    wn_error *err)
{
    striker *x = ctx;
    (void)path;
    if (SS_CHUNK(r->b) >> 12 != x->shard)
        return 0;
    return dd_xsort_add(x->flags, r->b, r->a, err);
}

/* This shard's flags from every partition, sorted by key. */
static int gather_flags(striker *x, wn_error *err)
{
    const ss_ctx *c = x->c;
    wn_buf p = WN_BUF_INIT;
    int rc;
    dd_path(&p, c->workdir, "flags-%05u", x->shard);
    rc = dd_xsort_new(c->mem / 4, p.data, 0, &x->flags, err);
    for (unsigned part = 0; part < c->o->partitions && !rc; part++) {
        dd_path(&p, c->workdir, "flg-%03u.bin", part);
        rc = dd_each_rec(p.data, "match", own_flag, x, err);
    }
    if (!rc)
        rc = dd_xsort_finish(x->flags, err);
    if (!rc)
        x->st->spilled_runs += dd_xsort_runs(x->flags);
    wn_buf_release(&p);
    return rc;
}

int ss_stage_strike(const ss_ctx *c, unsigned shard, wn_substr_stats *st,
                    wn_error *err)
{
    striker x;
    memset(&x, 0, sizeof x);
    wn_doc init = WN_DOC_INIT;
    x.doc = init;
    x.c = c;
    x.shard = shard;
    x.L = c->o->min_length;
    x.st = st;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_stats rst;
    memset(&rst, 0, sizeof rst);
    wn_buf rpath = WN_BUF_INIT;
    int rc;
    /* a batch of flags and its table (twice the entries) get a quarter
     * of the budget */
    x.most = c->mem / 4 / (3 * sizeof(ent));
    if (x.most < 1024)
        x.most = 1024;
    if (!(x.batch = malloc(x.most * sizeof *x.batch))) {
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        goto out;
    }
    if ((rc = ss_read_chunks(c, shard, &x.ch, &x.nch, err)) ||
        (rc = gather_flags(&x, err)))
        goto out;
    dd_path(&rpath, c->workdir, DD_REJ_FILE, shard);
    if ((rc = wn_writer_open(c->outputs[shard], WN_OUT_JSONL, &x.out, err)) ||
        (rc = wn_writer_open(rpath.data, WN_OUT_JSONL, &x.rej, err)))
        goto out;
    writer_work(x.rej); /* gathered into the final rejects later */
    (void)wn_writer_set_level(x.rej, 1); /* a work file, read once */
    doc_sink sink = {strike_slot, strike_doc, NULL, &x};
    rc = input_each(c->inputs[shard], NULL, &ro, &sink, &rst, err);
    if (rc == 0 && rst.io_errors)
        rc = wn_err(err, WN_EIO, c->inputs[shard], 0,
                    "read error: the shard is left unwritten");
    if (rc < 0)
        goto out;
    rc = 0;
    uint64_t want = x.nch ? x.ch[x.nch - 1].first_doc +
                                x.ch[x.nch - 1].ndocs : 0;
    if (x.idx != want || x.j != x.nch) {
        rc = wn_err(err, WN_EFORMAT, c->inputs[shard], 0,
                    "input changed since the index stage (%llu documents "
                    "now, %llu then)", (unsigned long long)x.idx,
                    (unsigned long long)want);
        goto out;
    }
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
    dd_xsort_free(x.flags);
    free(x.tab);
    free(x.batch);
    free(x.ch);
    free(x.dlen);
    free(x.dspan);
    free(x.span);
    wn_buf_release(&x.cut);
    wn_buf_release(&x.json);
    wn_buf_release(&x.reason);
    wn_buf_release(&rpath);
    wn_doc_release(&x.doc);
    return rc;
}
