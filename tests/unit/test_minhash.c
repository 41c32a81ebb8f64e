/*
 * test_minhash.c - shingling, signatures, band keys, exact hash, dates and
 * the external sort of src/dedup.
 */
#include "t.h"
#include "../../src/dedup/dedup.h"

#include <math.h>

static void opts(dd_opts *o, int mh)
{
    CHECK_INT(dd_opts_parse(NULL, o, NULL), 0);
    o->minhash = mh;
}

static long shingle(const char *s, unsigned n, uint64_t **sh, size_t *cap)
{
    return dd_shingles(s, strlen(s), n, sh, cap);
}

TEST(minhash_shingles_normalise)
{
    uint64_t *a = NULL, *b = NULL;
    size_t ca = 0, cb = 0;
    CHECK_INT(shingle("Hello, World! 123 ÉTÉ", 1, &a, &ca), 4);
    CHECK_INT(shingle("hello world 999 été", 1, &b, &cb), 4);
    for (int i = 0; i < 4; i++)
        CHECK(a[i] == b[i]);
    /* punctuation splits words; whitespace amount does not matter */
    CHECK_INT(shingle("one two-three   four", 2, &a, &ca), 3);
    CHECK_INT(shingle("one two three four", 2, &b, &cb), 3);
    CHECK(a[2] == b[2] && a[0] == b[0]);
    /* word order matters inside a shingle */
    CHECK_INT(shingle("two one", 2, &a, &ca), 1);
    CHECK_INT(shingle("one two", 2, &b, &cb), 1);
    CHECK(a[0] != b[0]);
    /* fewer words than n: one shingle of them all; none for no words */
    CHECK_INT(shingle("just three words", 5, &a, &ca), 1);
    CHECK_INT(shingle(" ... !!! ", 5, &a, &ca), 0);
    CHECK_INT(shingle("", 5, &a, &ca), 0);
    free(a);
    free(b);
}

/* Two sets of random shingles with a known Jaccard. */
static void make_sets(uint64_t *x, uint64_t *y, size_t n, size_t shared)
{
    uint64_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = s ^ (s >> 29);
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        y[i] = i < shared ? x[i] : (s ^ (s >> 31));
    }
}

TEST(minhash_signature_estimates_jaccard)
{
    static uint64_t x[2000], y[2000];
    uint32_t sa[DD_MAXK], sb[DD_MAXK];
    dd_opts o;
    dd_hasher h;
    make_sets(x, y, 2000, 1333); /* J = 1333 / 2667 = 0.4998 */
    for (int mh = 0; mh < 2; mh++) {
        opts(&o, mh);
        o.bands = 32;
        o.rows = 8; /* k = 256 for a tighter estimate */
        o.k = 256;
        dd_hasher_init(&h, &o);
        dd_signature(&h, x, 2000, sa);
        dd_signature(&h, y, 2000, sb);
        double j = dd_sig_similarity(sa, sb, o.k);
        if (fabs(j - 0.5) > 0.1)
            t_fail(__FILE__, __LINE__, "minhash %d estimates %.3f for 0.5",
                   mh, j);
        dd_signature(&h, x, 2000, sb);
        CHECK(dd_sig_similarity(sa, sb, o.k) == 1.0);
    }
}

TEST(minhash_oph_densifies_short_documents)
{
    uint64_t x[5] = {1, 2, 3, 4, 5};
    uint32_t s[DD_MAXK], t[DD_MAXK];
    dd_opts o;
    dd_hasher h;
    opts(&o, DD_MH_OPH);
    dd_hasher_init(&h, &o);
    dd_signature(&h, x, 5, s);
    for (unsigned i = 0; i < o.k; i++)
        CHECK(s[i] != UINT32_MAX);
    /* the order of shingles does not matter */
    uint64_t y[5] = {5, 3, 1, 2, 4};
    dd_signature(&h, y, 5, t);
    CHECK(dd_sig_similarity(s, t, o.k) == 1.0);
}

TEST(minhash_avx2_matches_portable)
{
    static uint64_t x[777], y[777];
    uint32_t a[DD_MAXK], b[DD_MAXK];
    dd_opts o;
    dd_hasher h;
    make_sets(x, y, 777, 100);
    opts(&o, DD_MH_PERM);
    for (unsigned k = 1; k <= 130; k += 43) {
        o.bands = k;
        o.rows = 1;
        o.k = k;
        dd_hasher_init(&h, &o);
        dd_signature(&h, x, 777, a); /* AVX2 when the CPU has it */
        dd_signature_perm_portable(&h, x, 777, b);
        CHECK_MEM(a, k * 4, b, k * 4);
    }
}

TEST(minhash_band_keys)
{
    uint32_t s[DD_MAXK];
    uint64_t k1[DD_MAXK], k2[DD_MAXK];
    dd_opts o;
    dd_hasher h;
    opts(&o, DD_MH_OPH);
    dd_hasher_init(&h, &o);
    for (unsigned i = 0; i < o.k; i++)
        s[i] = i * 7919u;
    dd_band_keys(&h, s, k1);
    s[o.rows * 3] ^= 1; /* change band 3 only */
    dd_band_keys(&h, s, k2);
    for (unsigned b = 0; b < o.bands; b++)
        CHECK((k1[b] == k2[b]) == (b != 3));
    /* equal bands at different positions give different keys */
    for (unsigned i = 0; i < o.k; i++)
        s[i] = 1;
    dd_band_keys(&h, s, k1);
    CHECK(k1[0] != k1[1]);
}

TEST(minhash_exact_hash_whitespace)
{
    wn_buf b = WN_BUF_INIT;
    uint64_t h1[2], h2[2], h3[2];
    dd_exact_hash("  a  b\n\nc ", 10, &b, h1);
    dd_exact_hash("a b c", 5, &b, h2);
    dd_exact_hash("a b C", 5, &b, h3);
    CHECK(h1[0] == h2[0] && h1[1] == h2[1]);
    CHECK(h1[0] != h3[0] || h1[1] != h3[1]);
    wn_buf_release(&b);
}

TEST(minhash_jaccard_and_dates)
{
    uint32_t a[] = {1, 2, 3, 4}, b[] = {3, 4, 5, 6};
    CHECK(fabs(dd_jaccard_sorted(a, 4, b, 4) - 2.0 / 6) < 1e-9);
    CHECK(dd_jaccard_sorted(a, 4, a, 4) == 1.0);
    uint64_t sh[] = {9, 9, 3};
    uint32_t fp[3];
    CHECK_INT(dd_fingerprints(sh, 3, fp), 2);
    const char *d1 = "26-FEB-1987 15:01:01.79", *d2 = "1987-02-26T15:01:02",
               *d3 = "1987-03-01";
    CHECK(dd_date_key(d1, strlen(d1)) < dd_date_key(d2, strlen(d2)));
    CHECK(dd_date_key(d2, strlen(d2)) < dd_date_key(d3, strlen(d3)));
    CHECK(dd_date_key("soon", 4) == INT64_MAX);
    CHECK(dd_date_key("", 0) == INT64_MAX);
}

static void check_sort(size_t mem, int uniq, size_t n, int expect_spill)
{
    dd_xsort *x;
    wn_error err;
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s/xs%zu", t_tmpdir(), mem);
    CHECK_INT(dd_xsort_new(mem, prefix, uniq, &x, &err), 0);
    uint64_t s = 99, sum = 0;
    for (size_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1;
        uint64_t a = (s >> 40) % 1000, b = (s >> 20) % 3;
        sum += a + b;
        CHECK_INT(dd_xsort_add(x, a, b, &err), 0);
    }
    CHECK_INT(dd_xsort_finish(x, &err), 0);
    CHECK((dd_xsort_runs(x) > 0) == expect_spill);
    dd_rec r, prev = {0, 0};
    size_t got = 0;
    uint64_t gsum = 0;
    int rc;
    while ((rc = dd_xsort_next(x, &r, &err)) == 1) {
        if (got && (r.a < prev.a || (r.a == prev.a && r.b < prev.b)))
            t_fail(__FILE__, __LINE__, "out of order at %zu", got);
        if (uniq && got && r.a == prev.a && r.b == prev.b)
            t_fail(__FILE__, __LINE__, "duplicate at %zu", got);
        prev = r;
        got++;
        gsum += r.a + r.b;
    }
    CHECK_INT(rc, 0);
    if (uniq)
        CHECK(got <= 3000 && got > 2000);
    else {
        CHECK_INT(got, n);
        CHECK(gsum == sum);
    }
    dd_xsort_free(x);
}

TEST(xsort_in_memory_and_spilled)
{
    check_sort(1 << 20, 0, 50000, 0);
    check_sort(4096, 0, 50000, 1);   /* 256-record runs, multi-pass merge */
    check_sort(4096, 1, 50000, 1);
    check_sort(1 << 24, 1, 50000, 0);
}
