/*
 * ftz.c - reads fastText's model format (version 12: args, dictionary,
 * input and output matrices, dense or product-quantised) into the
 * structures of ftz_model.h; ftz_predict.c runs the model.
 *
 * The reader is written for untrusted files (fuzz/fuzz_ftz.c): every
 * length is checked against the bytes left, every matrix shape against
 * the others (row indices are checked at prediction time).
 */
#include "ftz_model.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>

#define FTZ_MAGIC 793712314
#define HUGE_ALIGN ((size_t)2 << 20)

static _Atomic uint64_t model_serial;

/* ----------------------------------------------------------- byte reader */

typedef struct rd {
    const unsigned char *p;
    size_t n, off;
    wn_error *err;
    const char *name;
} rd;

static int need(rd *r, size_t k, const char *what)
{
    if (r->n - r->off < k)
        return wn_err(r->err, WN_ETRUNC, r->name, r->off,
                      "model ends inside %s", what);
    return 0;
}

static int get_i32(rd *r, int32_t *v, const char *what)
{
    if (need(r, 4, what))
        return WN_ETRUNC;
    memcpy(v, r->p + r->off, 4);
    r->off += 4;
    return 0;
}

static int get_i64(rd *r, int64_t *v, const char *what)
{
    if (need(r, 8, what))
        return WN_ETRUNC;
    memcpy(v, r->p + r->off, 8);
    r->off += 8;
    return 0;
}

static int get_u8(rd *r, uint8_t *v, const char *what)
{
    if (need(r, 1, what))
        return WN_ETRUNC;
    *v = r->p[r->off++];
    return 0;
}

static int bad(rd *r, const char *what)
{
    return wn_err(r->err, WN_EFORMAT, r->name, r->off, "bad model: %s", what);
}

/* Copies k floats (checked) into a new array. */
static int get_floats(rd *r, int64_t k, float **out, const char *what)
{
    if (k < 0 || (uint64_t)k > (r->n - r->off) / 4)
        return need(r, SIZE_MAX, what);
    size_t bytes = (size_t)k * 4 + 4;
    *out = NULL;
#ifdef MADV_HUGEPAGE
    /* a big matrix (a bigram model's buckets: hundreds of MB) is read at
     * random rows, one per word n-gram: on 4 KiB pages nearly every row
     * is also a TLB miss, so it goes on huge pages where the system
     * allows (transparent huge pages in "madvise" mode, Debian's) */
    if (bytes >= HUGE_ALIGN) {
        void *p;
        if (!posix_memalign(&p, HUGE_ALIGN, bytes)) {
            madvise(p, bytes - bytes % HUGE_ALIGN, MADV_HUGEPAGE);
            *out = p;
        }
    }
#endif
    if (!*out && !(*out = malloc(bytes)))
        return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
    memcpy(*out, r->p + r->off, (size_t)k * 4);
    r->off += (size_t)k * 4;
    return 0;
}

static int get_bytes(rd *r, int64_t k, uint8_t **out, const char *what)
{
    if (k < 0 || (uint64_t)k > r->n - r->off)
        return need(r, SIZE_MAX, what);
    *out = malloc((size_t)k + 1);
    if (!*out)
        return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
    memcpy(*out, r->p + r->off, (size_t)k);
    r->off += (size_t)k;
    return 0;
}

/* ------------------------------------------------------------- matrices */

static int load_pq(rd *r, pq *q)
{
    int rc;
    if ((rc = get_i32(r, &q->dim, "quantizer")) ||
        (rc = get_i32(r, &q->nsubq, "quantizer")) ||
        (rc = get_i32(r, &q->dsub, "quantizer")) ||
        (rc = get_i32(r, &q->lastdsub, "quantizer")))
        return rc;
    if (q->dim <= 0 || q->dim > MAX_DIM || q->nsubq <= 0 || q->dsub <= 0 ||
        q->lastdsub <= 0 || q->nsubq > q->dim ||
        (int64_t)(q->nsubq - 1) * q->dsub + q->lastdsub != q->dim)
        return bad(r, "quantizer shape");
    return get_floats(r, (int64_t)q->dim * KSUB, &q->centroids, "centroids");
}

static int load_matrix(rd *r, matrix *mx, int quant)
{
    int rc;
    mx->quant = quant;
    if (!quant) {
        if ((rc = get_i64(r, &mx->m, "matrix")) ||
            (rc = get_i64(r, &mx->n, "matrix")))
            return rc;
        if (mx->m < 0 || mx->n <= 0 || mx->n > MAX_DIM ||
            mx->m > (int64_t)(r->n / 4))
            return bad(r, "matrix shape");
        return get_floats(r, mx->m * mx->n, &mx->data, "matrix");
    }
    uint8_t qn;
    int32_t codesize;
    if ((rc = get_u8(r, &qn, "matrix")) || (rc = get_i64(r, &mx->m, "matrix")) ||
        (rc = get_i64(r, &mx->n, "matrix")) ||
        (rc = get_i32(r, &codesize, "matrix")))
        return rc;
    mx->qnorm = qn != 0;
    if (mx->m < 0 || mx->n <= 0 || mx->n > MAX_DIM || codesize < 0 ||
        mx->m > (int64_t)r->n)
        return bad(r, "quantised matrix shape");
    if ((rc = get_bytes(r, codesize, &mx->codes, "codes")) ||
        (rc = load_pq(r, &mx->pq)))
        return rc;
    if (mx->pq.dim != mx->n || (int64_t)codesize != mx->m * mx->pq.nsubq)
        return bad(r, "codes do not match the quantizer");
    if (mx->qnorm) {
        if ((rc = get_bytes(r, mx->m, &mx->norm_codes, "norm codes")) ||
            (rc = load_pq(r, &mx->npq)))
            return rc;
        if (mx->npq.dim != 1 || mx->npq.nsubq != 1)
            return bad(r, "norm quantizer shape");
    }
    return 0;
}

static void free_matrix(matrix *mx)
{
    free(mx->data);
    free(mx->codes);
    free(mx->pq.centroids);
    free(mx->npq.centroids);
    free(mx->norm_codes);
}

/* Expands the quantised matrices to floats when they fit in 256 MB (lid.176
 * .ftz: 3.2 MB), so that prediction adds a row instead of decoding one per
 * sub-quantiser.  Input row i = norm_i * centroid values: the products
 * add_row(..., 1.0f) forms, so sums come out with the same bits.  Output
 * rows hold the centroid values and out_norms the norms, which the dot
 * product multiplies in after the sum, as dot_row does.  Without memory
 * the quantised code paths still answer, only slower. */
static void expand_rows(ftz_model *m)
{
    const uint64_t cap = (uint64_t)256 << 20;
    size_t dim = (size_t)m->dim;
    if (m->in.quant && (uint64_t)m->in.m <= cap / 4 / dim &&
        (m->in_rows = malloc((size_t)m->in.m * dim * 4 + 4)))
        for (int64_t i = 0; i < m->in.m; i++) {
            float *row = m->in_rows + (size_t)i * dim;
            memset(row, 0, dim * sizeof *row);
            add_row(&m->in, row, i, 1.0f);
        }
    if (m->out.quant && (uint64_t)m->out.m <= cap / 4 / dim &&
        (m->out_rows = malloc((size_t)m->out.m * dim * 4 + 4)) &&
        (m->out_norms = malloc((size_t)m->out.m * 4 + 4))) {
        const pq *q = &m->out.pq;
        for (int64_t i = 0; i < m->out.m; i++) {
            float *row = m->out_rows + (size_t)i * dim;
            const uint8_t *code = m->out.codes + (size_t)q->nsubq * i;
            for (int j = 0; j < q->nsubq; j++)
                memcpy(row + (size_t)j * q->dsub, centroid(q, j, code[j]),
                       (size_t)(j == q->nsubq - 1 ? q->lastdsub : q->dsub) *
                           sizeof *row);
            m->out_norms[i] =
                m->out.qnorm ? centroid(&m->out.npq, 0, m->out.norm_codes[i])[0]
                             : 1;
        }
    } else {
        free(m->out_rows);
        m->out_rows = NULL;
    }
}

/* ----------------------------------------------------------- dictionary */

static uint32_t pow2_above(uint64_t n)
{
    uint32_t p = 16;
    while (p < 2 * n)
        p *= 2;
    return p;
}

static int load_dict(rd *r, ftz_model *m)
{
    int rc;
    int64_t ntokens;
    if ((rc = get_i32(r, &m->size, "dictionary")) ||
        (rc = get_i32(r, &m->nwords, "dictionary")) ||
        (rc = get_i32(r, &m->nlabels, "dictionary")) ||
        (rc = get_i64(r, &ntokens, "dictionary")) ||
        (rc = get_i64(r, &m->prune_n, "dictionary")))
        return rc;
    if (m->size < 0 || m->nwords < 0 || m->nlabels <= 0 ||
        (int64_t)m->nwords + m->nlabels != m->size ||
        (size_t)m->size > r->n / 10)
        return bad(r, "dictionary sizes");
    size_t start = r->off, blob = 0;
    for (int32_t i = 0; i < m->size; i++) {
        const unsigned char *z = memchr(r->p + r->off, 0, r->n - r->off);
        if (!z)
            return need(r, SIZE_MAX, "dictionary entry");
        size_t len = (size_t)(z - (r->p + r->off));
        blob += len + 1;
        r->off += len + 1;
        if (need(r, 9, "dictionary entry"))
            return WN_ETRUNC;
        uint8_t type = r->p[r->off + 8];
        if (type != (i < m->nwords ? 0 : 1))
            return bad(r, "words and labels out of order");
        r->off += 9;
    }
    m->blob = malloc(blob + 1);
    m->words = malloc((size_t)m->size * sizeof *m->words + 1);
    m->counts = malloc((size_t)m->size * sizeof *m->counts + 1);
    m->whash = malloc((size_t)m->size * sizeof *m->whash + 1);
    uint32_t tsz = pow2_above((uint64_t)m->size);
    m->table = malloc((size_t)tsz * sizeof *m->table);
    if (!m->blob || !m->words || !m->counts || !m->whash || !m->table)
        return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
    m->tmask = tsz - 1;
    for (uint32_t k = 0; k < tsz; k++)
        m->table[k].id = -1;
    memcpy(m->blob, r->p + start, blob);
    size_t off = start, b = 0;
    for (int32_t i = 0; i < m->size; i++) {
        char *w = m->blob + b;
        size_t len = strlen((const char *)r->p + off);
        memcpy(m->blob + b, r->p + off, len + 1);
        memcpy(&m->counts[i], r->p + off + len + 1, 8);
        off += len + 10;
        b += len + 1;
        m->words[i] = w;
        m->whash[i] = ft_hash(w, len);
        if (find_word(m, w, len, m->whash[i]) >= 0)
            return bad(r, "duplicate dictionary entry");
        uint32_t k = m->whash[i] & m->tmask;
        while (m->table[k].id >= 0)
            k = (k + 1) & m->tmask;
        m->table[k] = (struct wslot){m->whash[i], i, (size_t)(w - m->blob)};
    }
    if (m->prune_n > 0) {
        if ((uint64_t)m->prune_n > (r->n - r->off) / 8)
            return need(r, SIZE_MAX, "pruning index");
        uint32_t psz = pow2_above((uint64_t)m->prune_n);
        if (!(m->prune = malloc((size_t)psz * 8)))
            return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
        /* the bitmap of kept buckets, up to 8 MB (without it, every
         * n-gram probes the index) */
        if (m->bucket <= (1 << 26) &&
            !(m->pbits = calloc(((size_t)m->bucket + 63) / 64 + 1, 8)))
            return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
        m->pmask = psz - 1;
        memset(m->prune, 0xff, (size_t)psz * 8);
        for (int64_t i = 0; i < m->prune_n; i++) {
            int32_t a, v;
            get_i32(r, &a, "pruning index");
            get_i32(r, &v, "pruning index");
            if (a < 0 || v < 0)
                return bad(r, "pruning index entry");
            uint32_t k = ((uint32_t)a * 2654435761u) & m->pmask;
            while (m->prune[(size_t)2 * k] != -1 &&
                   m->prune[(size_t)2 * k] != a)
                k = (k + 1) & m->pmask;
            m->prune[(size_t)2 * k] = a;
            m->prune[(size_t)2 * k + 1] = v;
            if (m->pbits && a < m->bucket) /* others are never looked up */
                m->pbits[a / 64] |= (uint64_t)1 << (a % 64);
        }
    }
    return 0;
}

/* fastText's Huffman tree over label counts (sorted by decreasing count
 * in the dictionary, so the two queues are the leaves and new nodes). */
static int build_tree(ftz_model *m, rd *r)
{
    int32_t osz = m->nlabels, nn = 2 * osz - 1;
    int64_t *cnt = malloc((size_t)nn * sizeof *cnt);
    m->left = malloc((size_t)nn * sizeof *m->left);
    m->right = malloc((size_t)nn * sizeof *m->right);
    m->parent = malloc((size_t)nn * sizeof *m->parent);
    if (!cnt || !m->left || !m->right || !m->parent) {
        free(cnt);
        return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
    }
    for (int32_t i = 0; i < nn; i++) {
        m->left[i] = m->right[i] = m->parent[i] = -1;
        cnt[i] = i < osz ? m->counts[m->nwords + i] : (int64_t)1e15;
    }
    int32_t leaf = osz - 1, node = osz;
    for (int32_t i = osz; i < nn; i++) {
        int32_t mini[2];
        for (int j = 0; j < 2; j++) {
            /* node == i is not built yet: fastText's 1e15 sentinel keeps it
             * from being chosen unless counts are absurd (a damaged file),
             * which would make a cycle; so it is never chosen */
            if (leaf >= 0 && (node >= i || cnt[leaf] < cnt[node]))
                mini[j] = leaf--;
            else
                mini[j] = node++;
        }
        m->left[i] = mini[0];
        m->right[i] = mini[1];
        m->parent[mini[0]] = m->parent[mini[1]] = i;
        cnt[i] = cnt[mini[0]] + cnt[mini[1]];
    }
    free(cnt);
    return 0;
}

void ftz_free(ftz_model *m)
{
    if (!m)
        return;
    free(m->words);
    free(m->blob);
    free(m->counts);
    free(m->whash);
    free(m->table);
    free(m->prune);
    free(m->pbits);
    free_matrix(&m->in);
    free_matrix(&m->out);
    free(m->in_rows);
    free(m->out_rows);
    free(m->out_norms);
    free(m->left);
    free(m->right);
    free(m->parent);
    free(m);
}

int ftz_load_mem(const void *data, size_t n, const char *name,
                 ftz_model **out, wn_error *err)
{
    rd r = {data, n, 0, err, name ? name : "model"};
    int32_t magic, version, a[12];
    int64_t skip;
    int rc;
    *out = NULL;
    if ((rc = get_i32(&r, &magic, "header")) ||
        (rc = get_i32(&r, &version, "header")))
        return rc;
    if (magic != FTZ_MAGIC)
        return bad(&r, "not a fastText model (magic number)");
    if (version != 12)
        return bad(&r, "unsupported fastText model version");
    for (int i = 0; i < 12; i++)
        if ((rc = get_i32(&r, &a[i], "arguments")))
            return rc;
    if ((rc = get_i64(&r, &skip, "arguments"))) /* t, a double */
        return rc;
    ftz_model *m = calloc(1, sizeof *m);
    if (!m)
        return wn_err(err, WN_ENOMEM, r.name, 0, "out of memory");
    m->dim = a[0];
    m->word_ngrams = a[5];
    m->loss = a[6];
    m->bucket = a[8];
    m->minn = a[9];
    m->maxn = a[10];
    uint8_t qin = 0, qout = 0;
    if (a[7] != 3)
        rc = bad(&r, "not a supervised model");
    else if (m->dim <= 0 || m->dim > MAX_DIM || m->bucket < 0 ||
             m->minn < 0 || m->maxn > 64 || m->word_ngrams < 1 ||
             m->word_ngrams > 64 ||
             (m->loss != LOSS_HS && m->loss != LOSS_SOFTMAX &&
              m->loss != LOSS_OVA))
        rc = bad(&r, "arguments");
    else if (!(rc = load_dict(&r, m)) && !(rc = get_u8(&r, &qin, "matrix")) &&
             !(rc = load_matrix(&r, &m->in, qin != 0)) &&
             !(rc = get_u8(&r, &qout, "matrix")) &&
             !(rc = load_matrix(&r, &m->out, qin && qout))) {
        if (m->in.n != m->dim || m->out.n != m->dim)
            rc = bad(&r, "matrix width differs from dim");
        else if (m->out.m < m->nlabels)
            rc = bad(&r, "output matrix smaller than the labels");
        else if (m->in.m < m->nwords)
            rc = bad(&r, "input matrix smaller than the words");
        else if (m->loss == LOSS_HS)
            rc = build_tree(m, &r);
    }
    if (rc) {
        ftz_free(m);
        return rc;
    }
    expand_rows(m);
    m->serial = ++model_serial;
    *out = m;
    return 0;
}

int ftz_load(const char *path, ftz_model **out, wn_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s", strerror(errno));
    wn_buf b = WN_BUF_INIT;
    char tmp[65536];
    size_t k;
    int rc = 0;
    while (!rc && (k = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = wn_buf_append(&b, tmp, k);
    if (!rc && ferror(f))
        rc = wn_err(err, WN_EIO, path, b.len, "read error");
    else if (rc)
        rc = wn_err(err, rc, path, b.len, "cannot hold the model in memory");
    fclose(f);
    if (!rc)
        rc = ftz_load_mem(b.data ? b.data : "", b.len, path, out, err);
    wn_buf_release(&b);
    return rc;
}

int ftz_nlabels(const ftz_model *m) { return m->nlabels; }

const char *ftz_label(const ftz_model *m, int i)
{
    const char *l = m->words[m->nwords + i];
    return strncmp(l, "__label__", 9) ? l : l + 9;
}

int ftz_find_label(const ftz_model *m, const char *name)
{
    for (int i = 0; i < m->nlabels; i++)
        if (!strcmp(m->words[m->nwords + i], name) ||
            !strcmp(ftz_label(m, i), name))
            return i;
    return -1;
}
