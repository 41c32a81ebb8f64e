/*
 * bench_clean.c - throughput of the cleaning stages on documents held in
 * memory, one thread: MB of input text per second per core.
 *
 * Usage: bench_clean RUNS FILE CHAIN...
 * Each CHAIN is a comma-separated list of stages ("normalize,clean"; a
 * stage may carry one option: "clean?clean.combined=0") or
 * "copy" (the baseline: only the per-document text copy every chain also
 * pays).  All documents of FILE are read first; each run copies every
 * document into a work document and pushes it through the chain; the
 * median of RUNS runs is printed as "CHAIN MB/s".  Stages with a first
 * pass (site_lines) observe the whole corpus once, outside the timing of
 * process, which is timed apart and printed as "CHAIN:observe MB/s".
 */
/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_clean RUNS FILE CHAIN...\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs < 1 || runs > 100)
        runs = 5;
    wn_reader *r;
    wn_error err;
    wn_reader_opts o = WN_READER_OPTS_INIT;
    if (wn_reader_open(argv[2], &o, &r, &err)) {
        fprintf(stderr, "bench_clean: %s\n", err.msg);
        return 1;
    }
    size_t n = 0, cap = 0;
    wn_doc *docs = NULL;
    double bytes = 0;
    int rc;
    wn_doc d = WN_DOC_INIT;
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc != WN_DOC)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 1024;
            docs = realloc(docs, cap * sizeof *docs);
            if (!docs)
                return 1;
        }
        wn_doc init = WN_DOC_INIT;
        docs[n] = init;
        wn_doc_copy(&docs[n], &d);
        bytes += (double)d.text.len;
        n++;
    }
    wn_reader_close(r);
    wn_buf reason = WN_BUF_INIT;
    for (int c = 3; c < argc; c++) {
        wn_stage *chain[8];
        int k = 0;
        char spec[256];
        snprintf(spec, sizeof spec, "%s", argv[c]);
        if (strcmp(spec, "copy"))
            for (char *s = strtok(spec, ","); s && k < 8;
                 s = strtok(NULL, ",")) {
                /* "stage?key=value" sets one option of that stage */
                wn_config *cfg = wn_config_new();
                char *q = strchr(s, '?');
                if (q) {
                    *q++ = 0;
                    char *eq = strchr(q, '=');
                    if (eq) {
                        *eq = 0;
                        wn_config_set(cfg, q, eq + 1);
                    }
                }
                int bad = wn_stage_new(s, cfg, &chain[k++], &err);
                wn_config_free(cfg);
                if (bad) {
                    fprintf(stderr, "bench_clean: %s\n", err.msg);
                    return 1;
                }
            }
        double t_obs = 0;
        for (int i = 0; i < k; i++)
            if (wn_stage_has_first_pass(chain[i])) {
                double t0 = now();
                for (size_t j = 0; j < n; j++)
                    wn_stage_observe(chain[i], &docs[j]);
                wn_stage_prepare(chain[i], &err);
                t_obs += now() - t0;
            }
        double t[100];
        for (int run = 0; run < runs; run++) {
            double t0 = now();
            for (size_t j = 0; j < n; j++) {
                wn_buf_set(&d.text, docs[j].text.data, docs[j].text.len);
                wn_buf_set(&d.url, docs[j].url.data ? docs[j].url.data : "",
                           docs[j].url.len);
                for (int i = 0; i < k; i++)
                    if (wn_stage_process(chain[i], &d, &reason) != 1)
                        break;
            }
            t[run] = now() - t0;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_d);
        printf("%s %.1f\n", argv[c], bytes / 1e6 / t[runs / 2]);
        if (t_obs > 0)
            printf("%s:observe %.1f\n", argv[c], bytes / 1e6 / t_obs);
        for (int i = 0; i < k; i++)
            wn_stage_free(chain[i]);
    }
    printf("docs %zu text_mb %.2f\n", n, bytes / 1e6);
    wn_buf_release(&reason);
    wn_doc_release(&d);
    for (size_t j = 0; j < n; j++)
        wn_doc_release(&docs[j]);
    free(docs);
    return 0;
}
