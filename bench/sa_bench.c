/*
 * sa_bench.c - suffix sorting for winnow substr: libdivsufsort against a
 * plain SA-IS (Nong, Zhang and Chan 2009) written here, on chunks of real
 * text.  Prints MB/s of each (median of RUNS) and checks that both give
 * the same array.  The library uses libdivsufsort (docs/DESIGN.md).
 *
 * usage: sa_bench RUNS CHUNK_BYTES FILE
 */
#include <divsufsort.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void buckets(const int *s, int n, int K, int *bkt, int end)
{
    memset(bkt, 0, (size_t)(K + 1) * sizeof *bkt);
    for (int i = 0; i < n; i++)
        bkt[s[i]]++;
    for (int c = 0, sum = 0; c <= K; c++) {
        sum += bkt[c];
        bkt[c] = end ? sum : sum - bkt[c];
    }
}

static void induce(const int *s, int *sa, const unsigned char *t, int n,
                   int K, int *bkt)
{
    buckets(s, n, K, bkt, 0);
    for (int i = 0; i < n; i++) {
        int j = sa[i] - 1;
        if (sa[i] > 0 && !t[j])
            sa[bkt[s[j]]++] = j;
    }
    buckets(s, n, K, bkt, 1);
    for (int i = n - 1; i >= 0; i--) {
        int j = sa[i] - 1;
        if (sa[i] > 0 && t[j])
            sa[--bkt[s[j]]] = j;
    }
}

#define LMS(i) ((i) > 0 && t[i] && !t[(i) - 1])

/* s[n-1] is a unique smallest sentinel 0; symbols are 0..K. */
static void sais(const int *s, int *sa, int n, int K)
{
    unsigned char *t = malloc((size_t)n);
    int *bkt = malloc((size_t)(K + 1) * sizeof *bkt);
    if (!t || !bkt)
        abort();
    t[n - 1] = 1;
    for (int i = n - 2; i >= 0; i--)
        t[i] = s[i] < s[i + 1] || (s[i] == s[i + 1] && t[i + 1]);
    buckets(s, n, K, bkt, 1);
    for (int i = 0; i < n; i++)
        sa[i] = -1;
    for (int i = 1; i < n; i++)
        if (LMS(i))
            sa[--bkt[s[i]]] = i;
    induce(s, sa, t, n, K, bkt);
    int n1 = 0;
    for (int i = 0; i < n; i++)
        if (LMS(sa[i]))
            sa[n1++] = sa[i];
    for (int i = n1; i < n; i++)
        sa[i] = -1;
    int name = 0, prev = -1;
    for (int i = 0; i < n1; i++) {
        int pos = sa[i], diff = 0;
        for (int d = 0; d < n; d++) {
            if (prev == -1 || s[pos + d] != s[prev + d] ||
                t[pos + d] != t[prev + d]) {
                diff = 1;
                break;
            }
            if (d > 0 && (LMS(pos + d) || LMS(prev + d)))
                break;
        }
        if (diff) {
            name++;
            prev = pos;
        }
        sa[n1 + pos / 2] = name - 1;
    }
    for (int i = n - 1, j = n - 1; i >= n1; i--)
        if (sa[i] >= 0)
            sa[j--] = sa[i];
    int *s1 = sa + n - n1, *sa1 = sa;
    if (name < n1)
        sais(s1, sa1, n1, name - 1);
    else
        for (int i = 0; i < n1; i++)
            sa1[s1[i]] = i;
    buckets(s, n, K, bkt, 1);
    for (int i = 1, j = 0; i < n; i++)
        if (LMS(i))
            s1[j++] = i;
    for (int i = 0; i < n1; i++)
        sa1[i] = s1[sa1[i]];
    for (int i = n1; i < n; i++)
        sa[i] = -1;
    for (int i = n1 - 1; i >= 0; i--) {
        int j = sa[i];
        sa[i] = -1;
        sa[--bkt[s[j]]] = j;
    }
    induce(s, sa, t, n, K, bkt);
    free(t);
    free(bkt);
}

/* Suffix array of bytes through SA-IS (text widened to ints + sentinel). */
static void sais_bytes(const unsigned char *b, int *out, int n)
{
    int *s = malloc((size_t)(n + 1) * sizeof *s);
    int *sa = malloc((size_t)(n + 1) * sizeof *sa);
    if (!s || !sa)
        abort();
    for (int i = 0; i < n; i++)
        s[i] = b[i] + 1;
    s[n] = 0;
    sais(s, sa, n + 1, 256);
    memcpy(out, sa + 1, (size_t)n * sizeof *out);
    free(s);
    free(sa);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: sa_bench RUNS CHUNK_BYTES FILE\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    long chunk = atol(argv[2]);
    FILE *f = fopen(argv[3], "rb");
    if (!f || runs < 1 || runs > 99 || chunk < 1)
        return 2;
    unsigned char *b = malloc((size_t)chunk);
    int n = b ? (int)fread(b, 1, (size_t)chunk, f) : 0;
    fclose(f);
    int *a = malloc((size_t)n * sizeof *a), *c = malloc((size_t)n * sizeof *c);
    if (!n || !a || !c)
        return 3;
    double td[99], ts[99];
    for (int r = 0; r < runs; r++) {
        double t0 = now();
        divsufsort(b, a, n);
        double t1 = now();
        sais_bytes(b, c, n);
        td[r] = t1 - t0;
        ts[r] = now() - t1;
    }
    qsort(td, (size_t)runs, sizeof *td, cmp_d);
    qsort(ts, (size_t)runs, sizeof *ts, cmp_d);
    int same = !memcmp(a, c, (size_t)n * sizeof *a);
    printf("%-16s %10s %8s\n", "suffix sorter", "MB/s", "ratio");
    printf("%-16s %10.1f %8.2f\n", "libdivsufsort", n / 1e6 / td[runs / 2],
           1.0);
    printf("%-16s %10.1f %8.2f\n", "SA-IS (own)", n / 1e6 / ts[runs / 2],
           td[runs / 2] / ts[runs / 2]);
    printf("%d bytes, median of %d, arrays %s\n", n, runs,
           same ? "identical" : "DIFFER");
    free(a);
    free(c);
    free(b);
    return same ? 0 : 1;
}
