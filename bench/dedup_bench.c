/*
 * dedup_bench.c - signature speed and accuracy of src/dedup (run by
 * bench/bench_dedup.sh, linked against a build's libwinnow.a).
 *
 * usage: dedup_bench RUNS FILE...   (JSONL or any readable input)
 *
 * Loads every document's text into memory, then times each step over all
 * of it RUNS times and prints the median MB/s (one thread): the baseline
 * XXH3-128 exact hash, shingling alone, and shingling + signature for each
 * MinHash scheme.  Accuracy at equal k: for each document, a variant with
 * every 10th word dropped; the mean absolute error of the signature
 * estimate against the exact Jaccard of the shingle sets.
 */
#include "../src/dedup/dedup.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct corpus {
    wn_buf *t;
    size_t n, cap, bytes;
} corpus;

static uint64_t *sh;
static size_t shcap;
static volatile uint64_t sink;

enum { STEP_EXACT, STEP_SHINGLE, STEP_OPH, STEP_PERM, STEP_PORTABLE };

static void step(const corpus *c, int what, const dd_hasher *h)
{
    uint32_t sig[DD_MAXK];
    uint64_t x[2];
    wn_buf scratch = WN_BUF_INIT;
    for (size_t i = 0; i < c->n; i++) {
        if (what == STEP_EXACT) {
            dd_exact_hash(c->t[i].data, c->t[i].len, &scratch, x);
            sink += x[0];
            continue;
        }
        long m = dd_shingles(c->t[i].data, c->t[i].len, 5, &sh, &shcap);
        if (m <= 0)
            continue;
        if (what == STEP_SHINGLE)
            sink += sh[0];
        else if (what == STEP_PORTABLE)
            dd_signature_perm_portable(h, sh, (size_t)m, sig);
        else
            dd_signature(h, sh, (size_t)m, sig);
        sink += sig[0];
    }
    wn_buf_release(&scratch);
}

static double median_mbs(const corpus *c, int what, const dd_hasher *h,
                         int runs)
{
    double v[64];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        step(c, what, h);
        v[r] = c->bytes / 1e6 / (now() - t0);
    }
    qsort(v, (size_t)runs, sizeof *v, cmp_d);
    return v[runs / 2];
}

static double accuracy(const corpus *c, const dd_hasher *h)
{
    static uint64_t *sb;
    static size_t sbcap;
    uint32_t s1[DD_MAXK], s2[DD_MAXK];
    wn_buf v = WN_BUF_INIT;
    double err = 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n && n < 5000; i++) {
        wn_buf_reset(&v);
        int w = 0;
        const char *p = c->t[i].data, *e = p + c->t[i].len;
        while (p < e) { /* drop every 10th space-separated word */
            const char *q = memchr(p, ' ', (size_t)(e - p));
            q = q ? q + 1 : e;
            if (++w % 10)
                wn_buf_append(&v, p, (size_t)(q - p));
            p = q;
        }
        long ma = dd_shingles(c->t[i].data, c->t[i].len, 5, &sh, &shcap);
        long mb = dd_shingles(v.data ? v.data : "", v.len, 5, &sb, &sbcap);
        if (ma < 20 || mb < 20)
            continue;
        uint32_t *fa = malloc((size_t)ma * 4), *fb = malloc((size_t)mb * 4);
        size_t na = dd_fingerprints(sh, (size_t)ma, fa);
        size_t nb = dd_fingerprints(sb, (size_t)mb, fb);
        double j = dd_jaccard_sorted(fa, na, fb, nb);
        free(fa);
        free(fb);
        dd_signature(h, sh, (size_t)ma, s1);
        dd_signature(h, sb, (size_t)mb, s2);
        err += fabs(dd_sig_similarity(s1, s2, h->k) - j);
        n++;
    }
    wn_buf_release(&v);
    return n ? err / n : 0;
}

int main(int argc, char **argv)
{
    corpus c = {0};
    wn_doc d = WN_DOC_INIT;
    wn_error err;
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > 64 || argc < 3) {
        fprintf(stderr, "usage: dedup_bench RUNS FILE...\n");
        return 2;
    }
    for (int a = 2; a < argc; a++) {
        wn_reader *r;
        if (wn_reader_open(argv[a], NULL, &r, &err))
            return 1;
        int rc;
        while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
            if (rc != WN_DOC)
                continue;
            if (c.n == c.cap) {
                c.cap = c.cap ? c.cap * 2 : 1024;
                c.t = realloc(c.t, c.cap * sizeof *c.t);
            }
            wn_buf b = WN_BUF_INIT;
            wn_buf_set(&b, d.text.data ? d.text.data : "", d.text.len);
            c.t[c.n++] = b;
            c.bytes += d.text.len;
        }
        wn_reader_close(r);
    }
    dd_opts o;
    dd_hasher h;
    dd_opts_parse(NULL, &o, NULL);
    printf("%zu documents, %.1f MB of text, median of %d runs, 1 thread\n\n",
           c.n, c.bytes / 1e6, runs);
    printf("| step | k | MB/s | vs XXH3 baseline | mean abs error of J |\n");
    printf("|---|---|---|---|---|\n");
    double base = median_mbs(&c, STEP_EXACT, NULL, runs);
    printf("| exact hash (XXH3-128, baseline) | - | %.0f | 1.00 | - |\n", base);
    double s = median_mbs(&c, STEP_SHINGLE, NULL, runs);
    printf("| shingles only | - | %.0f | %.2f | - |\n", s, s / base);
    static const unsigned ks[][2] = {{14, 8}, {20, 5}};
    for (int ki = 0; ki < 2; ki++) {
        o.bands = ks[ki][0];
        o.rows = ks[ki][1];
        o.k = o.bands * o.rows;
        static const char *names[] = {"shingles + OPH signature",
                                      "shingles + k-perm signature (AVX2)",
                                      "shingles + k-perm signature (portable)"};
        static const int steps[] = {STEP_OPH, STEP_PERM, STEP_PORTABLE};
        for (int m = 0; m < 3; m++) {
            o.minhash = m == 0 ? DD_MH_OPH : DD_MH_PERM;
            dd_hasher_init(&h, &o);
            double v = median_mbs(&c, steps[m], &h, runs);
            printf("| %s | %u | %.0f | %.2f | %.4f |\n", names[m], o.k, v,
                   v / base, accuracy(&c, &h));
        }
    }
    for (size_t i = 0; i < c.n; i++)
        wn_buf_release(&c.t[i]);
    free(c.t);
    free(sh);
    wn_doc_release(&d);
    return 0;
}
