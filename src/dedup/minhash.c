/*
 * minhash.c - from text to shingles, MinHash signatures, LSH band keys and
 * the exact-copy hash.
 *
 * Text is normalised on the fly, without building a copy: a word is a
 * maximal run of letters, marks and numbers; letters are lowercased and
 * each decimal digit becomes '0', so "Q3 2004" and "q4 2005" shingle alike
 * (figures are what re-issued stories change).  Each word is hashed as it
 * is read (FNV-1a over code points); a shingle hash mixes n consecutive
 * word hashes.
 *
 * Two signature schemes, chosen by dedup.minhash (docs/dedup.md has the
 * measurements that picked the default):
 *  - "oph": one-permutation hashing.  Each shingle hash picks one of k bins
 *    (from its high bits) and competes for that bin's minimum (low bits):
 *    O(1) per shingle.  Bins no shingle fell into are filled by optimal
 *    densification (Shrivastava 2017): bin j copies the first non-empty bin
 *    on a probe sequence that depends on j only, so two documents fill
 *    their holes the same way and the estimator stays unbiased.
 *  - "perm": k independent permutations, each a bijection on 32 bits,
 *    (x ^ r) * a then a xorshift; O(k) per shingle in a loop the compiler
 *    vectorises (AVX2 build of the same loop in minhash_avx2.c).
 */
#include "dedup.h"
#include "../filter/wordseg.h"

#include <stdlib.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

static inline uint64_t fmix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void dd_hasher_init(dd_hasher *h, const dd_opts *o)
{
    memset(h, 0, sizeof *h);
    h->ngram = o->ngram;
    h->bands = o->bands;
    h->rows = o->rows;
    h->k = o->bands * o->rows;
    h->minhash = o->minhash;
    uint64_t s = o->seed ^ 0x5eed0fd5ULL;
    for (unsigned i = 0; i < h->k; i++) {
        h->mul[i] = (uint32_t)splitmix(&s) | 1u;
        h->xr[i] = (uint32_t)splitmix(&s);
        h->bandseed[i] = splitmix(&s);
    }
}

/* ---------------------------------------------------------------- words */

#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_MUL 0x100000001b3ULL

static inline int is_word_cp(int32_t cp)
{
    utf8proc_category_t c = utf8proc_category(cp);
    return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO;
}

/* ASCII letters lowercased, digits folded to '0', anything else 0: the
 * inner loop of shingling runs through words with one load per byte. */
#define FOLD(c)                                                              \
    ((c) >= 'a' && (c) <= 'z'   ? (c)                                        \
     : (c) >= 'A' && (c) <= 'Z' ? (c) + 32                                   \
     : (c) >= '0' && (c) <= '9' ? '0'                                        \
                                : 0)
#define FOLD4(c) FOLD(c), FOLD(c + 1), FOLD(c + 2), FOLD(c + 3)
#define FOLD16(c) FOLD4(c), FOLD4(c + 4), FOLD4(c + 8), FOLD4(c + 12)
#define FOLD64(c) FOLD16(c), FOLD16(c + 16), FOLD16(c + 32), FOLD16(c + 48)
static const unsigned char ascii_fold[256] = {FOLD64(0), FOLD64(64)};

static uint64_t shingle_of(const uint64_t *ring, unsigned at, unsigned n)
{
    /* ring holds the last n word hashes ending at position at-1 (mod 8) */
    uint64_t s = 0x243f6a8885a308d3ULL;
    for (unsigned j = 0; j < n; j++)
        s = (s ^ ring[(at - n + j) & 7]) * 0x9e3779b97f4a7c15ULL;
    return fmix64(s);
}

static int push(uint64_t **sh, size_t *cap, size_t *cnt, uint64_t v)
{
    if (*cnt == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        uint64_t *p = realloc(*sh, nc * sizeof *p);
        if (!p)
            return WN_ENOMEM;
        *sh = p;
        *cap = nc;
    }
    (*sh)[(*cnt)++] = v;
    return 0;
}

long dd_shingles(const char *text, size_t n, unsigned ngram, uint64_t **sh,
                 size_t *cap)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + n;
    uint64_t ring[8], w = FNV_OFF;
    unsigned at = 0; /* words seen (mod 2^32), ring index = at & 7 */
    size_t words = 0, cnt = 0;
    int inword = 0;
    if (ngram < 1 || ngram > 8)
        return WN_EINVAL;
    for (;;) {
        int32_t cp = -1;
        int word = 0;
        unsigned f;
        while (p < end && (f = ascii_fold[*p]) != 0) { /* the common case */
            w = (w ^ f) * FNV_MUL;
            p++;
            inword = 1;
        }
        if (p < end) {
            if (*p < 0x80) {
                unsigned c = *p++;
                if (c - 'a' < 26u)
                    word = 1, cp = (int32_t)c;
                else if (c - 'A' < 26u)
                    word = 1, cp = (int32_t)(c + 32);
                else if (c - '0' < 10u)
                    word = 1, cp = '0';
            } else {
                utf8proc_ssize_t l = utf8proc_iterate(p, end - p, &cp);
                if (l <= 0) {
                    p++;
                } else {
                    p += l;
                    if (is_word_cp(cp)) {
                        word = 1;
                        if (utf8proc_category(cp) == UTF8PROC_CATEGORY_ND)
                            cp = '0';
                        else
                            cp = utf8proc_tolower(cp);
                    }
                }
            }
        }
        if (word) {
            w = (w ^ (uint64_t)cp) * FNV_MUL;
            inword = 1;
            continue;
        }
        if (inword) {
            ring[at & 7] = fmix64(w);
            at++;
            words++;
            w = FNV_OFF;
            inword = 0;
            if (words >= ngram &&
                push(sh, cap, &cnt, shingle_of(ring, at, ngram)))
                return WN_ENOMEM;
        }
        if (p >= end)
            break;
    }
    if (words > 0 && words < ngram &&
        push(sh, cap, &cnt, shingle_of(ring, at, (unsigned)words)))
        return WN_ENOMEM;
    return (long)cnt;
}

/* ICU's words of an unspaced text, each hashed as dd_shingles hashes a
 * word (letters lowercased, digits folded, other characters left out). */
typedef struct icu_shingler {
    const unsigned char *text;
    uint64_t ring[8], **sh;
    size_t *cap, words, cnt;
    unsigned at, ngram;
} icu_shingler;

static int icu_word(void *ctx, size_t off, size_t len, int word)
{
    icu_shingler *c = ctx;
    if (!word)
        return 0;
    const unsigned char *p = c->text + off, *end = p + len;
    uint64_t w = FNV_OFF;
    int any = 0;
    while (p < end) {
        int32_t cp;
        if (*p < 0x80) {
            unsigned f = ascii_fold[*p++];
            if (f) {
                w = (w ^ f) * FNV_MUL;
                any = 1;
            }
            continue;
        }
        utf8proc_ssize_t l = utf8proc_iterate(p, end - p, &cp);
        p += l > 0 ? l : 1;
        if (l <= 0 || !is_word_cp(cp))
            continue;
        cp = utf8proc_category(cp) == UTF8PROC_CATEGORY_ND
                 ? '0'
                 : utf8proc_tolower(cp);
        w = (w ^ (uint64_t)cp) * FNV_MUL;
        any = 1;
    }
    if (!any)
        return 0;
    c->ring[c->at & 7] = fmix64(w);
    c->at++;
    c->words++;
    if (c->words >= c->ngram &&
        push(c->sh, c->cap, &c->cnt, shingle_of(c->ring, c->at, c->ngram)))
        return WN_ENOMEM;
    return 0;
}

long dd_shingles_lang(const char *text, size_t n, const char *lang,
                      unsigned ngram, uint64_t **sh, size_t *cap)
{
    if (!lang || !*lang || !wseg_lang_needs_icu(lang, strlen(lang)))
        return dd_shingles(text, n, ngram, sh, cap);
    if (ngram < 1 || ngram > 8)
        return WN_EINVAL;
    icu_shingler c = {(const unsigned char *)text, {0}, sh, cap, 0, 0, 0,
                      ngram};
    int rc = wseg_icu(text, n, icu_word, &c);
    if (rc)
        return rc;
    if (c.words > 0 && c.words < ngram &&
        push(sh, cap, &c.cnt, shingle_of(c.ring, c.at, (unsigned)c.words)))
        return WN_ENOMEM;
    return (long)c.cnt;
}

/* ----------------------------------------------------------- signatures */

#if defined(__x86_64__) && defined(__GNUC__)
void dd_signature_perm_avx2(const dd_hasher *h, const uint64_t *sh,
                            size_t count, uint32_t *sig);
#define HAVE_AVX2_PATH 1
#endif

void dd_signature_perm_portable(const dd_hasher *h, const uint64_t *sh,
                                size_t count, uint32_t *sig)
{
    unsigned k = h->k;
    for (unsigned i = 0; i < k; i++)
        sig[i] = UINT32_MAX;
    for (size_t s = 0; s < count; s++) {
        uint32_t x = (uint32_t)(sh[s] ^ (sh[s] >> 32));
        for (unsigned i = 0; i < k; i++) {
            uint32_t v = (x ^ h->xr[i]) * h->mul[i];
            v ^= v >> 15;
            sig[i] = v < sig[i] ? v : sig[i];
        }
    }
}

static void signature_oph(const dd_hasher *h, const uint64_t *sh,
                          size_t count, uint32_t *sig)
{
    unsigned k = h->k;
    uint32_t v;
    for (unsigned i = 0; i < k; i++)
        sig[i] = UINT32_MAX;
    for (size_t s = 0; s < count; s++) {
        uint32_t bin = (uint32_t)(((sh[s] >> 32) * (uint64_t)k) >> 32);
        v = (uint32_t)sh[s];
        if (v == UINT32_MAX)
            v--; /* keep UINT32_MAX meaning "empty" */
        if (v < sig[bin])
            sig[bin] = v;
    }
    /* holes filled in this loop must not be sources, or the result would
     * depend on the fill order: remember which bins a shingle filled */
    unsigned char full[DD_MAXK];
    for (unsigned j = 0; j < k; j++)
        full[j] = sig[j] != UINT32_MAX;
    for (unsigned j = 0; j < k; j++) {
        if (full[j])
            continue;
        uint64_t st = ((uint64_t)j << 32) ^ h->bandseed[0];
        for (unsigned t = 0;; t++) {
            uint32_t b;
            if (t < 8 * k + 64) /* probes depend on j only */
                b = (uint32_t)((splitmix(&st) >> 32) * (uint64_t)k >> 32);
            else /* practically unreachable; keeps the loop bounded */
                b = (j + t) % k;
            if (full[b]) {
                sig[j] = sig[b];
                break;
            }
        }
    }
}

void dd_signature(const dd_hasher *h, const uint64_t *sh, size_t count,
                  uint32_t *sig)
{
    if (h->minhash == DD_MH_OPH) {
        signature_oph(h, sh, count, sig);
        return;
    }
#ifdef HAVE_AVX2_PATH
    /* a load and a test (the CPU model is read once at start-up); no
     * cached flag, so no data race between threads */
    if (__builtin_cpu_supports("avx2")) {
        dd_signature_perm_avx2(h, sh, count, sig);
        return;
    }
#endif
    dd_signature_perm_portable(h, sh, count, sig);
}

void dd_band_keys(const dd_hasher *h, const uint32_t *sig, uint64_t *key)
{
    for (unsigned b = 0; b < h->bands; b++)
        key[b] = XXH3_64bits_withSeed(sig + (size_t)b * h->rows,
                                      (size_t)h->rows * 4, h->bandseed[b]);
}

double dd_sig_similarity(const uint32_t *a, const uint32_t *b, unsigned k)
{
    unsigned eq = 0;
    for (unsigned i = 0; i < k; i++)
        eq += a[i] == b[i];
    return k ? (double)eq / k : 0.0;
}

/* -------------------------------------------------------------- exact */

int dd_exact_hash(const char *text, size_t n, wn_buf *scratch,
                  uint64_t out[2])
{
    wn_buf_reset(scratch);
    int space = 0;
    /* without room the hash would be of "" and every document that met
     * the failure an exact copy of every other */
    int rc = wn_buf_reserve(scratch, n);
    if (rc)
        return rc;
    char *o = scratch->data;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ' || (c >= '\t' && c <= '\r')) {
            space = m > 0;
            continue;
        }
        if (space)
            o[m++] = ' ';
        space = 0;
        o[m++] = (char)c;
    }
    scratch->len = m;
    o[m] = 0;
    XXH128_hash_t r = XXH3_128bits(o, m);
    out[0] = r.low64;
    out[1] = r.high64;
    return 0;
}

/* --------------------------------------------------------- exact Jaccard */

/* Inline quicksort: the fingerprints of every document are sorted with
 * verify=exact, and qsort's comparison calls dominated that stage. */
static void sort_u32(uint32_t *a, size_t n)
{
    while (n > 16) {
        uint32_t x = a[0], y = a[n / 2], z = a[n - 1], t;
        uint32_t p = x < y ? (y < z ? y : (x < z ? z : x))
                           : (x < z ? x : (y < z ? z : y));
        size_t i = 0, j = n - 1;
        for (;;) {
            while (a[i] < p)
                i++;
            while (a[j] > p)
                j--;
            if (i >= j)
                break;
            t = a[i]; a[i] = a[j]; a[j] = t;
            i++;
            j--;
        }
        size_t left = j + 1;
        if (left < n - left) {
            sort_u32(a, left);
            a += left;
            n -= left;
        } else {
            sort_u32(a + left, n - left);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t v = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
}

void dd_fingerprints_raw(const uint64_t *sh, size_t count, uint32_t *out)
{
    for (size_t i = 0; i < count; i++)
        out[i] = (uint32_t)(sh[i] >> 32) ^ (uint32_t)sh[i];
}

size_t dd_fingerprints(const uint64_t *sh, size_t count, uint32_t *out)
{
    dd_fingerprints_raw(sh, count, out);
    return dd_sort_unique(out, count);
}

size_t dd_sort_unique(uint32_t *out, size_t count)
{
    sort_u32(out, count);
    size_t m = 0;
    for (size_t i = 0; i < count; i++)
        if (!m || out[m - 1] != out[i])
            out[m++] = out[i];
    return m;
}

double dd_jaccard_sorted(const uint32_t *a, size_t na, const uint32_t *b,
                         size_t nb)
{
    size_t i = 0, j = 0, inter = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j])
            i++;
        else if (a[i] > b[j])
            j++;
        else
            inter++, i++, j++;
    }
    size_t uni = na + nb - inter;
    return uni ? (double)inter / uni : 1.0;
}

/* ---------------------------------------------------------------- dates */

static int num(const char *s, size_t n, size_t at, size_t len, int *v)
{
    if (at + len > n)
        return -1;
    *v = 0;
    for (size_t i = at; i < at + len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int64_t dd_date_key(const char *s, size_t n)
{
    static const char mon[] = "JANFEBMARAPRMAYJUNJULAUGSEPOCTNOVDEC";
    int y, mo = 0, d, hh = 0, mi = 0, ss = 0;
    size_t t; /* where the time part starts */
    while (n && *s == ' ')
        s++, n--;
    if (!num(s, n, 0, 4, &y) && n >= 10 && s[4] == '-' &&
        !num(s, n, 5, 2, &mo) && s[7] == '-' && !num(s, n, 8, 2, &d)) {
        t = 11; /* YYYY-MM-DD[T ]hh:mm:ss */
    } else if (n >= 11 && !num(s, n, 0, 2, &d) && s[2] == '-' &&
               s[6] == '-' && !num(s, n, 7, 4, &y)) {
        for (int m = 0; m < 12; m++) /* DD-MON-YYYY hh:mm:ss */
            if ((s[3] & ~32) == mon[3 * m] && (s[4] & ~32) == mon[3 * m + 1] &&
                (s[5] & ~32) == mon[3 * m + 2])
                mo = m + 1;
        t = 12;
    } else {
        return INT64_MAX;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return INT64_MAX;
    if (n >= t + 8 && !num(s, n, t, 2, &hh) && s[t + 2] == ':' &&
        !num(s, n, t + 3, 2, &mi) && s[t + 5] == ':')
        num(s, n, t + 6, 2, &ss);
    return ((((((int64_t)y * 13 + mo) * 32 + d) * 24 + hh) * 60 + mi) * 60) +
           ss;
}
