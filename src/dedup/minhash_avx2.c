/*
 * minhash_avx2.c - the k-permutation MinHash loop compiled for AVX2.
 *
 * The same loop as dd_signature_perm_portable (minhash.c), which the
 * compiler vectorises 8 permutations at a time when allowed to use AVX2
 * (vpmulld, vpminud); dd_signature picks this build at run time when the
 * CPU has AVX2.  tests/unit/test_minhash.c checks both give the same
 * signatures.
 */
#include "dedup.h"

#if defined(__x86_64__) && defined(__GNUC__)

void dd_signature_perm_avx2(const dd_hasher *h, const uint64_t *sh,
                            size_t count, uint32_t *sig);

#if defined(__clang__)
#define DD_AVX2_FN __attribute__((target("avx2")))
#else /* gcc -O2 vectorises only "very cheap" loops; ask for -O3 here */
#define DD_AVX2_FN __attribute__((target("avx2"), optimize("O3")))
#endif

DD_AVX2_FN void
dd_signature_perm_avx2(const dd_hasher *h, const uint64_t *sh, size_t count,
                       uint32_t *sig)
{
    unsigned k = h->k;
    uint32_t acc[DD_MAXK];
    const uint32_t *xr = h->xr, *mul = h->mul;
    for (unsigned i = 0; i < k; i++)
        acc[i] = UINT32_MAX;
    for (size_t s = 0; s < count; s++) {
        uint32_t x = (uint32_t)(sh[s] ^ (sh[s] >> 32));
#if defined(__clang__)
#pragma clang loop vectorize(enable)
#elif defined(__GNUC__)
#pragma GCC ivdep
#endif
        for (unsigned i = 0; i < k; i++) {
            uint32_t v = (x ^ xr[i]) * mul[i];
            v ^= v >> 15;
            acc[i] = v < acc[i] ? v : acc[i];
        }
    }
    memcpy(sig, acc, k * sizeof *sig);
}

#else
typedef int dd_minhash_avx2_unused; /* ISO C forbids an empty unit */
#endif
