/*
 * ftz.c - reads fastText's model format (version 12: args, dictionary,
 * input and output matrices, dense or product-quantised) and runs its
 * supervised prediction: the average of the input rows of a line's words,
 * their character n-grams (minn..maxn, hashed FNV-1a into `bucket` rows,
 * remapped by the pruning index of a quantised model) and word n-grams,
 * then hierarchical softmax (lid.176) or softmax over the labels.
 *
 * The reader is written for untrusted files (fuzz/fuzz_ftz.c): every
 * length is checked against the bytes left, every matrix shape against
 * the others, and every row index against the matrix at prediction time.
 *
 * Speed: a web page repeats its words, and a word's contribution (the sum
 * of its own row and its n-gram rows) depends on the word alone, so a
 * per-thread cache maps the word's 64-bit hash to that partial sum.  It
 * changes only the order of float additions: probabilities agree with
 * fastText's to about 1e-6.  The cache is 4-way set-associative and
 * least-recently-used, so a corpus with more distinct words than it holds
 * keeps its frequent words cached; the words of a line are split first,
 * so the cache lines of the words ahead are fetched (prefetch) while the
 * current one is added.  A word it
 * misses costs its ~3 x length n-grams: quantised rows are expanded to
 * floats once at load (row = norm x centroids, the same products the
 * quantised sum makes, so the same sums), and the n-grams starting at
 * one character are hashed in one pass (FNV-1a of a prefix extends to
 * the longer n-gram).  Neither changes a result: a word's vector is the
 * same float sum cached or not, computed the same way.
 */
#include "ftz.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#define XXH_INLINE_ALL /* words are short: the call costs more than the hash */
#include <xxhash.h>

#define FTZ_MAGIC 793712314
#define KSUB 256
#define MAX_DIM 1024
#define EOS "</s>"

enum { LOSS_HS = 1, LOSS_NS = 2, LOSS_SOFTMAX = 3, LOSS_OVA = 4 };

typedef struct pq {
    int32_t dim, nsubq, dsub, lastdsub;
    float *centroids; /* dim * KSUB */
} pq;

typedef struct matrix {
    int quant;
    int64_t m, n;
    float *data;     /* dense: m * n */
    int qnorm;
    uint8_t *codes;  /* quantised: m * nsubq */
    pq pq, npq;
    uint8_t *norm_codes;
} matrix;

struct ftz_model {
    int32_t dim, word_ngrams, loss, bucket, minn, maxn;
    int32_t size, nwords, nlabels;
    char **words;     /* size entries, into blob */
    char *blob;
    int64_t *counts;
    uint32_t *whash;  /* fastText hash of each entry */
    int32_t *table;   /* word lookup: open addressing, -1 empty */
    uint32_t tmask;
    int64_t prune_n;  /* -1: not pruned */
    int32_t *prune;   /* pairs (bucket id, row), key -1 = empty: one line */
    uint32_t pmask;
    matrix in, out;
    /* quantised matrices expanded to floats (NULL: dense, or too big):
     * input rows scaled by their norms, output rows not (dot_row applies
     * the norm after the sum, as the quantised product does) */
    float *in_rows, *out_rows, *out_norms;
    int32_t *left, *right; /* hierarchical softmax tree, 2*nlabels-1 */
    uint64_t uid; /* unique per load: a context's cache names its model by
                   * this, as a freed model's address can be reused */
};

static atomic_ullong model_uids;

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
    *out = malloc((size_t)k * 4 + 4);
    if (!*out)
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

static const float *centroid(const pq *q, int m, uint8_t i)
{
    if (m == q->nsubq - 1)
        return q->centroids + (size_t)m * KSUB * q->dsub + (size_t)i * q->lastdsub;
    return q->centroids + ((size_t)m * KSUB + i) * q->dsub;
}

/* x[0..n) += v[0..n), 8 lanes at a time: a fixed-length inner loop the
 * compiler turns into SIMD adds (SSE2 is x86-64's baseline, so no
 * dispatch); each element gets the same one addition as a scalar loop. */
static inline void vec_add(float *restrict x, const float *restrict v, int n)
{
    int k = 0;
    for (; k + 8 <= n; k += 8)
        for (int l = 0; l < 8; l++)
            x[k + l] += v[k + l];
    for (; k < n; k++)
        x[k] += v[k];
}

/* x += a * row i */
static void add_row(const matrix *mx, float *x, int64_t i, float a)
{
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            x[k] += a * row[k];
        return;
    }
    const pq *q = &mx->pq;
    if (mx->qnorm)
        a *= centroid(&mx->npq, 0, mx->norm_codes[i])[0];
    const uint8_t *code = mx->codes + (size_t)q->nsubq * i;
    int d = q->dsub;
    for (int m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        float *y = x + (size_t)m * q->dsub;
        for (int k = 0; k < d; k++)
            y[k] += a * c[k];
    }
}

static float dot_row(const matrix *mx, const float *x, int64_t i)
{
    float r = 0;
    if (!mx->quant) {
        const float *row = mx->data + i * mx->n;
        for (int64_t k = 0; k < mx->n; k++)
            r += x[k] * row[k];
        return r;
    }
    const pq *q = &mx->pq;
    float norm = mx->qnorm ? centroid(&mx->npq, 0, mx->norm_codes[i])[0] : 1;
    const uint8_t *code = mx->codes + (size_t)q->nsubq * i;
    int d = q->dsub;
    for (int m = 0; m < q->nsubq; m++) {
        const float *c = centroid(q, m, code[m]);
        if (m == q->nsubq - 1)
            d = q->lastdsub;
        const float *y = x + (size_t)m * q->dsub;
        for (int k = 0; k < d; k++)
            r += y[k] * c[k];
    }
    return r * norm;
}

/* Expands the quantised matrices to floats when they fit in 256 MB (lid.176
 * .ftz: 3.2 MB).  Input row i = norm_i * centroid values, the products
 * add_row(..., 1.0f) forms; output rows hold the centroid values and
 * out_norms the norms, which dot_row multiplies in after the sum.  Without
 * memory the quantised code paths still answer, only slower. */
static void expand_rows(ftz_model *m)
{
    const size_t cap = (size_t)256 << 20;
    if (m->in.quant && (uint64_t)m->in.m <= cap / 4 / (uint64_t)m->dim &&
        (m->in_rows = malloc((size_t)m->in.m * (size_t)m->dim * 4 + 4))) {
        for (int64_t i = 0; i < m->in.m; i++) {
            float *row = m->in_rows + (size_t)i * (size_t)m->dim;
            memset(row, 0, (size_t)m->dim * sizeof *row);
            add_row(&m->in, row, i, 1.0f);
        }
    }
    if (m->out.quant && (uint64_t)m->out.m <= cap / 4 / (uint64_t)m->dim &&
        (m->out_rows = malloc((size_t)m->out.m * (size_t)m->dim * 4 + 4)) &&
        (m->out_norms = malloc((size_t)m->out.m * 4 + 4))) {
        const pq *q = &m->out.pq;
        for (int64_t i = 0; i < m->out.m; i++) {
            const uint8_t *code = m->out.codes + (size_t)q->nsubq * i;
            float *row = m->out_rows + (size_t)i * (size_t)m->dim;
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

/* fastText's hash: FNV-1a over bytes read as signed chars. */
static uint32_t ft_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

static int32_t find_word(const ftz_model *m, const char *w, size_t n,
                         uint32_t h)
{
    uint32_t i = h & m->tmask;
    for (;;) {
        int32_t id = m->table[i];
        if (id < 0)
            return -1;
        if (m->whash[id] == h && !strncmp(m->words[id], w, n) &&
            !m->words[id][n])
            return id;
        i = (i + 1) & m->tmask;
    }
}

/* Pruning index lookup: bucket id -> kept row, or -1. */
static int32_t prune_map(const ftz_model *m, int32_t id)
{
    uint32_t i = ((uint32_t)id * 2654435761u) & m->pmask;
    for (;;) {
        if (m->prune[2 * i] == -1)
            return -1;
        if (m->prune[2 * i] == id)
            return m->prune[2 * i + 1];
        i = (i + 1) & m->pmask;
    }
}

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
    memset(m->table, 0xff, (size_t)tsz * sizeof *m->table);
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
        while (m->table[k] >= 0)
            k = (k + 1) & m->tmask;
        m->table[k] = i;
    }
    if (m->prune_n > 0) {
        if ((uint64_t)m->prune_n > (r->n - r->off) / 8)
            return need(r, SIZE_MAX, "pruning index");
        uint32_t psz = pow2_above((uint64_t)m->prune_n);
        m->prune = malloc((size_t)psz * 8);
        if (!m->prune)
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
            while (m->prune[2 * k] != -1 && m->prune[2 * k] != a)
                k = (k + 1) & m->pmask;
            m->prune[2 * k] = a;
            m->prune[2 * k + 1] = v;
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
    if (!cnt || !m->left || !m->right) {
        free(cnt);
        return wn_err(r->err, WN_ENOMEM, r->name, r->off, "out of memory");
    }
    for (int32_t i = 0; i < nn; i++) {
        m->left[i] = m->right[i] = -1;
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
    free_matrix(&m->in);
    free_matrix(&m->out);
    free(m->in_rows);
    free(m->out_rows);
    free(m->out_norms);
    free(m->left);
    free(m->right);
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
    m->uid = (uint64_t)atomic_fetch_add(&model_uids, 1) + 1;
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

/* ------------------------------------------------------------ prediction */

/* The word-vector cache: 2^CACHE_SET_BITS sets of CACHE_WAYS entries (20 MB
 * for lid.176's 16 dimensions).  A set is one 64-byte line of keys (the
 * words' 64-bit hashes, 0 = empty) and row counts, then the vectors, one
 * 64-byte-aligned block each: a hit reads two lines.  Each set is kept in
 * least-recently-used order, so the frequent words of a corpus with more
 * distinct words than the cache holds stay.  On the news WET (7.3 M words,
 * 174 K distinct, twice over) it misses 216 K times; the cache it replaces
 * (64 K words, started over when full) missed 357 K times, and each miss
 * costs ~3 x length n-gram rows. */
#define CACHE_SET_BITS 16
#define CACHE_WAYS 4
#define CACHE_DIM 64 /* wider models skip the cache */
#define PREFETCH_AHEAD 6 /* words: a lookup's lines arrive before it runs */

#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(p) __builtin_prefetch(p)
#else
#define PREFETCH(p) ((void)(p))
#endif

typedef struct ft_word {
    const char *w;
    size_t n;
    uint64_t key; /* cache key */
} ft_word;

struct ftz_ctx {
    uint64_t model;         /* the cache holds vectors of the model of this
                               uid (0: none) */
    void *mem;              /* the cache's block, sets aligned inside */
    unsigned char *sets;    /* NULL: no cache (a wide model, or no memory) */
    size_t set_bytes, vec_bytes;
    int dim;                /* what sets was allocated for */
    ft_word *words;         /* the words of the line being predicted */
    size_t wcap;
    int32_t *hashes;        /* word hashes of the line (word n-grams) */
    size_t hcap;
    struct dfs_item *stack; /* the tree search's */
    size_t scap;
};

ftz_ctx *ftz_ctx_new(void) { return calloc(1, sizeof(ftz_ctx)); }

void ftz_ctx_free(ftz_ctx *c)
{
    if (!c)
        return;
    free(c->mem);
    free(c->words);
    free(c->hashes);
    free(c->stack);
    free(c);
}

/* Asks for 2 MB pages over [p, p+n) where the system has them on request
 * (Linux with transparent huge pages in "madvise" mode): the cache is read
 * at random over 20 MB, which with 4 KB pages misses the TLB on most
 * lookups.  Only a hint; nothing changes without it. */
static void huge_pages(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    uintptr_t a = ((uintptr_t)p + ((uintptr_t)2 << 20) - 1) &
                  ~(((uintptr_t)2 << 20) - 1);
    uintptr_t b = ((uintptr_t)p + n) & ~(((uintptr_t)2 << 20) - 1);
    if (b > a)
        (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

/* Empties the cache and sizes it for m. */
static void cache_reset(ftz_ctx *c, const ftz_model *m)
{
    size_t nsets = (size_t)1 << CACHE_SET_BITS;
    if (c->dim != m->dim) {
        free(c->mem);
        c->mem = NULL;
        c->sets = NULL;
        c->dim = 0;
        size_t vb = ((size_t)m->dim * sizeof(float) + 63) & ~(size_t)63;
        size_t sb = 64 + CACHE_WAYS * vb;
        /* calloc: a large block comes zeroed from the kernel, page by page
         * as it is touched, so a new context costs nothing up front */
        if (m->dim <= CACHE_DIM && (c->mem = calloc(1, nsets * sb + 63))) {
            c->sets = (unsigned char *)(((uintptr_t)c->mem + 63) &
                                        ~(uintptr_t)63);
            huge_pages(c->mem, nsets * sb + 63);
            c->dim = m->dim; /* without memory, no cache: still right */
            c->vec_bytes = vb;
            c->set_bytes = sb;
        }
    } else {
        for (size_t i = 0; c->sets && i < nsets; i++)
            memset(c->sets + i * c->set_bytes, 0, CACHE_WAYS * sizeof(uint64_t));
    }
    c->model = m->uid;
}

/* x += input row id; returns 1, or 0 for a row the model lacks. */
static uint32_t add_id(const ftz_model *m, float *x, int64_t id)
{
    if (id < 0 || id >= m->in.m)
        return 0; /* a malformed model: rows it does not have add nothing */
    if (m->in_rows)
        vec_add(x, m->in_rows + (size_t)id * (size_t)m->dim, m->dim);
    else
        add_row(&m->in, x, id, 1.0f);
    return 1;
}

/* x . output row i */
static float out_dot(const ftz_model *m, const float *x, int64_t i)
{
    if (!m->out_rows)
        return dot_row(&m->out, x, i);
    const float *row = m->out_rows + (size_t)i * (size_t)m->dim;
    float r = 0;
    for (int k = 0; k < m->dim; k++)
        r += x[k] * row[k]; /* in order: the quantised sum's order */
    return r * m->out_norms[i];
}

/* fastText's pushHash for n bucket ids, in order: each through the pruning
 * index if any, then its row added.  The lookups of all n are started
 * before the first is used (prefetch), so their cache misses overlap. */
static uint32_t add_buckets(const ftz_model *m, float *x, int64_t *ids,
                            size_t n)
{
    uint32_t nids = 0;
    if (m->prune_n == 0)
        return 0;
    if (m->prune_n > 0) {
        for (size_t i = 0; i < n; i++)
            PREFETCH(m->prune +
                     2 * (((uint32_t)ids[i] * 2654435761u) & m->pmask));
        for (size_t i = 0; i < n; i++)
            ids[i] = prune_map(m, (int32_t)ids[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0 && m->in_rows && m->nwords + ids[i] < m->in.m)
            PREFETCH(m->in_rows + (size_t)(m->nwords + ids[i]) * m->dim);
    for (size_t i = 0; i < n; i++)
        if (ids[i] >= 0)
            nids += add_id(m, x, m->nwords + ids[i]);
    return nids;
}

/* The character n-grams of "<word>" (computeSubwords): those starting at
 * one character are prefixes of each other, so one FNV-1a pass over
 * maxn characters gives all their hashes.  Rows are added in fastText's
 * order, in batches (add_buckets). */
static uint32_t add_subwords(const ftz_model *m, float *x, const char *w,
                             size_t n)
{
    char buf[4096 + 2];
    int64_t ids[64];
    size_t nb = 0;
    uint32_t nids = 0;
    if (n > 4096 || m->maxn <= 0 || !m->bucket)
        return 0; /* fastText would add them; such "words" are not text */
    buf[0] = '<';
    memcpy(buf + 1, w, n);
    buf[n + 1] = '>';
    size_t len = n + 2;
    for (size_t i = 0; i < len; i++) {
        if (((unsigned char)buf[i] & 0xC0) == 0x80)
            continue;
        size_t j = i;
        uint32_t h = 2166136261u;
        for (int k = 1; j < len && k <= m->maxn; k++) {
            do {
                h ^= (uint32_t)(int32_t)(int8_t)buf[j++];
                h *= 16777619u;
            } while (j < len && ((unsigned char)buf[j] & 0xC0) == 0x80);
            if (k >= m->minn && !(k == 1 && (i == 0 || j == len))) {
                ids[nb++] = h % (uint32_t)m->bucket;
                if (nb == sizeof ids / sizeof *ids) {
                    nids += add_buckets(m, x, ids, nb);
                    nb = 0;
                }
            }
        }
    }
    return nids + add_buckets(m, x, ids, nb);
}

/* x = the word's contribution (x zeroed first); returns its row count. */
static uint32_t compute_word(const ftz_model *m, const char *w, size_t n,
                             float *x)
{
    uint32_t nids = 0;
    memset(x, 0, (size_t)m->dim * sizeof *x);
    int32_t id = find_word(m, w, n, ft_hash(w, n));
    if (id >= 0)
        nids += add_id(m, x, id);
    if (n != 4 || memcmp(w, EOS, 4))
        nids += add_subwords(m, x, w, n);
    return nids;
}

static unsigned char *cache_set(const ftz_ctx *c, uint64_t key)
{
    size_t set = (size_t)(key >> 32) & (((size_t)1 << CACHE_SET_BITS) - 1);
    return c->sets + set * c->set_bytes;
}

/* x += the word's contribution; returns the number of rows added. */
static uint32_t word_vector(const ftz_model *m, ftz_ctx *c, const ft_word *wd,
                            float *x)
{
    int dim = m->dim;
    uint32_t nids;
    if (!c->sets || wd->n > 4096) {
        float tmp[MAX_DIM];
        nids = compute_word(m, wd->w, wd->n, tmp);
        vec_add(x, tmp, dim);
        return nids;
    }
    unsigned char *set = cache_set(c, wd->key);
    uint64_t *keys = (uint64_t *)(void *)set;
    uint32_t *counts = (uint32_t *)(void *)(set + CACHE_WAYS * sizeof *keys);
    float *vecs = (float *)(void *)(set + 64);
    size_t vf = c->vec_bytes / sizeof(float);
    int k = 0;
    while (k < CACHE_WAYS && keys[k] != wd->key)
        k++;
    if (k == 0) {
        vec_add(x, vecs, dim);
        return counts[0];
    }
    /* least recently used first out: the entries before k (or all but the
     * last, on a miss) move back one place and the word takes the first.
     * Plain loops: the sizes are tiny, a memmove call cost more than the
     * moves (15% of the time on news text). */
    int last = k < CACHE_WAYS ? k : CACHE_WAYS - 1;
    float t[CACHE_DIM];
    uint64_t tk = keys[last];
    uint32_t tc = counts[last];
    for (int d = 0; d < dim; d++)
        t[d] = vecs[(size_t)last * vf + d];
    for (int j = last; j > 0; j--) {
        keys[j] = keys[j - 1];
        counts[j] = counts[j - 1];
        float *to = vecs + (size_t)j * vf;
        for (int d = 0; d < dim; d++)
            to[d] = to[d - (ptrdiff_t)vf];
    }
    if (k < CACHE_WAYS) {
        keys[0] = tk;
        counts[0] = tc;
        for (int d = 0; d < dim; d++)
            vecs[d] = t[d];
    } else {
        keys[0] = wd->key;
        counts[0] = compute_word(m, wd->w, wd->n, vecs);
    }
    vec_add(x, vecs, dim);
    return counts[0];
}

/* fastText splits on these bytes (and the NUL) */
static const unsigned char ft_space[256] = {
    [0] = 1, ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
    [' '] = 1,
};

/* Splits text into c->words (the end-of-line token last, labels left
 * out), with their cache keys.  Returns the count, or -1 without memory. */
static ptrdiff_t split_words(ftz_ctx *c, const char *text, size_t n)
{
    size_t nw = 0, i = 0;
    for (;;) {
        while (i < n && ft_space[(unsigned char)text[i]])
            i++;
        ft_word wd;
        int last = i >= n;
        if (!last) {
            size_t s = i;
            while (i < n && !ft_space[(unsigned char)text[i]])
                i++;
            wd.w = text + s;
            wd.n = i - s;
            if (wd.n >= 9 && !memcmp(wd.w, "__label__", 9))
                continue; /* a label, known or not, is not input */
        } else {
            wd.w = EOS;
            wd.n = 4;
        }
        if (nw == c->wcap) {
            size_t nc = c->wcap ? c->wcap * 2 : 1024;
            ft_word *p = realloc(c->words, nc * sizeof *p);
            if (!p)
                return -1;
            c->words = p;
            c->wcap = nc;
        }
        wd.key = c->sets ? XXH3_64bits(wd.w, wd.n) | 1 : 0;
        c->words[nw++] = wd;
        if (last)
            return (ptrdiff_t)nw;
    }
}

typedef struct best {
    float score;
    int label;
} best;

static float std_log(float x) { return logf(x + 1e-5f); }

/* fastText's depth-first search of the Huffman tree for the best leaf,
 * pruning branches already worse than the best leaf found; iterative with
 * the stack in ctx, because a damaged model's tree can be a chain as deep
 * as it has labels.  Left before right, as fastText recurses. */
typedef struct dfs_item {
    int32_t node;
    float score;
} dfs_item;

static int dfs(const ftz_model *m, ftz_ctx *c, const float *hidden, best *b)
{
    size_t need = 2 * (size_t)m->nlabels + 2;
    if (c->scap < need) {
        dfs_item *p = realloc(c->stack, need * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        c->stack = p;
        c->scap = need;
    }
    dfs_item *st = c->stack;
    size_t sp = 0;
    const float floor_score = std_log(0.0f);
    st[sp++] = (dfs_item){2 * m->nlabels - 2, 0.0f};
    while (sp) {
        dfs_item it = st[--sp];
        if (it.score < floor_score || (b->label >= 0 && it.score < b->score))
            continue;
        int32_t node = it.node;
        if (m->left[node] == -1 && m->right[node] == -1) {
            if (b->label < 0 || it.score > b->score) {
                b->score = it.score;
                b->label = node;
            }
            continue;
        }
        float f = out_dot(m, hidden, node - m->nlabels);
        f = 1.0f / (1.0f + expf(-f));
        st[sp++] = (dfs_item){m->right[node], it.score + std_log(f)};
        st[sp++] = (dfs_item){m->left[node], it.score + std_log(1.0f - f)};
    }
    return 0;
}

static int predict(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int *label, double *prob);

int ftz_predict(const ftz_model *m, ftz_ctx *c, const char *text, size_t n,
                int *label, double *prob)
{
    int rc = predict(m, c, text, n, label, prob);
    /* a model of NaN or infinite weights (a damaged file) still gives a
     * probability in [0, 1] */
    if (!(*prob >= 0))
        *prob = 0;
    else if (*prob > 1)
        *prob = 1;
    return rc;
}

static int predict(const ftz_model *m, ftz_ctx *c, const char *text,
                   size_t n, int *label, double *prob)
{
    *label = 0;
    *prob = 0;
    float hidden[MAX_DIM];
    int dim = m->dim;
    memset(hidden, 0, (size_t)dim * sizeof *hidden);
    if (c->model != m->uid)
        cache_reset(c, m);
    ptrdiff_t nw = split_words(c, text, n);
    if (nw < 0)
        return WN_ENOMEM;
    if (m->word_ngrams > 1 && c->hcap < (size_t)nw) {
        int32_t *p = realloc(c->hashes, (size_t)nw * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        c->hashes = p;
        c->hcap = (size_t)nw;
    }
    uint64_t nids = 0;
    for (ptrdiff_t i = 0; i < nw; i++) {
        if (c->sets && i + PREFETCH_AHEAD < nw) {
            const unsigned char *set =
                cache_set(c, c->words[i + PREFETCH_AHEAD].key);
            PREFETCH(set);
            PREFETCH(set + 64);
        }
        nids += word_vector(m, c, &c->words[i], hidden);
        if (m->word_ngrams > 1)
            c->hashes[i] = (int32_t)ft_hash(c->words[i].w, c->words[i].n);
    }
    size_t nh = m->word_ngrams > 1 ? (size_t)nw : 0;
    for (size_t a = 0; m->bucket > 0 && a < nh; a++) {
        uint64_t h = (uint64_t)(int64_t)c->hashes[a]; /* sign-extended */
        for (size_t b = a + 1; b < nh && b < a + (size_t)m->word_ngrams;
             b++) {
            h = h * 116049371 + (uint64_t)(int64_t)c->hashes[b];
            int64_t id = (int64_t)(h % (uint64_t)m->bucket);
            nids += add_buckets(m, hidden, &id, 1);
        }
    }
    if (nids)
        for (int k = 0; k < dim; k++)
            hidden[k] *= (float)(1.0 / (double)nids);
    if (m->loss == LOSS_HS) {
        best b = {0, -1};
        if (dfs(m, c, hidden, &b))
            return WN_ENOMEM;
        *label = b.label < 0 ? 0 : b.label;
        *prob = b.label < 0 ? 0 : exp(b.score);
        return 0;
    }
    /* softmax (or one-vs-all: sigmoid per label) over the output rows */
    float mx = -INFINITY, sum = 0;
    int arg = 0;
    for (int32_t l = 0; l < m->nlabels; l++) {
        float f = out_dot(m, hidden, l);
        if (f > mx) {
            mx = f;
            arg = l;
        }
    }
    if (m->loss == LOSS_OVA) {
        *label = arg;
        *prob = 1.0 / (1.0 + exp(-mx));
        return 0;
    }
    for (int32_t l = 0; l < m->nlabels; l++)
        sum += expf(out_dot(m, hidden, l) - mx);
    *label = arg;
    *prob = 1.0 / sum;
    return 0;
}
