/*
 * words_bench.c - speed of the shared tokenisation (src/filter/tokens.c):
 * MB/s of text through ftok_build_lang, median of RUNS runs, for each
 * (file, language) pair given.  A file is one document per line of JSONL
 * ("text" field), read first; the clock runs over tokenising only.
 * usage: words_bench RUNS FILE LANG [FILE LANG]...  (LANG "-": none)
 */
#include "../src/filter/tokens.h"

#ifdef WORDS_BASE /* a build from before the language-aware tokeniser */
#define ftok_build_lang(t, s, n, lang) ((void)(lang), ftok_build(t, s, n))
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The "text" members of a JSONL file, as raw JSON-escaped bytes decoded
 * by the library's reader would be better; \n and \" are enough here. */
static char **load(const char *path, size_t *n, size_t *bytes)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char **docs = NULL, *line = NULL;
    size_t cap = 0, k = 0, lcap = 0;
    ssize_t len;
    *bytes = 0;
    while ((len = getline(&line, &lcap, f)) > 0) {
        char *p = strstr(line, "\"text\": \"");
        size_t skip = 9;
        if (!p) {
            p = strstr(line, "\"text\":\"");
            skip = 8;
        }
        if (!p)
            continue;
        p += skip;
        char *out = malloc(strlen(p) + 1), *o = out;
        for (; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) {
                p++;
                *o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
            } else
                *o++ = *p;
        }
        *o = 0;
        if (k == cap) {
            cap = cap ? 2 * cap : 1024;
            docs = realloc(docs, cap * sizeof *docs);
        }
        docs[k++] = out;
        *bytes += (size_t)(o - out);
    }
    free(line);
    fclose(f);
    *n = k;
    return docs;
}

int main(int argc, char **argv)
{
    if (argc < 4 || (argc - 2) % 2)
        return fprintf(stderr, "usage: words_bench RUNS FILE LANG...\n"), 2;
    int runs = atoi(argv[1]);
    for (int a = 2; a + 1 < argc; a += 2) {
        size_t n, bytes;
        char **docs = load(argv[a], &n, &bytes);
        if (!docs)
            return fprintf(stderr, "cannot read %s\n", argv[a]), 1;
        const char *lang = strcmp(argv[a + 1], "-") ? argv[a + 1] : NULL;
        double *mbs = calloc((size_t)runs, sizeof *mbs);
        size_t words = 0;
        for (int r = 0; r < runs; r++) {
            struct timespec t0, t1;
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
            words = 0;
            for (size_t i = 0; i < n; i++) {
                ftok_doc t;
                if (ftok_build_lang(&t, docs[i], strlen(docs[i]), lang))
                    return fprintf(stderr, "tokenising failed\n"), 1;
                words += t.nwords;
                ftok_release(&t);
            }
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
            double s = (double)(t1.tv_sec - t0.tv_sec) +
                       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
            mbs[r] = (double)bytes / 1e6 / s;
        }
        qsort(mbs, (size_t)runs, sizeof *mbs, cmp);
        printf("%s lang=%s: %zu docs, %.1f MB, %zu words, %.1f MB/s "
               "(median of %d)\n", argv[a], lang ? lang : "-", n,
               (double)bytes / 1e6, words, mbs[runs / 2], runs);
        for (size_t i = 0; i < n; i++)
            free(docs[i]);
        free(docs);
        free(mbs);
    }
    return 0;
}
