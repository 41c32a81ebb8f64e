/*
 * bench_extract.c - in-memory throughput of HTML extraction, one core.
 *
 * Loads the HTML files named on the command line (made valid UTF-8 first,
 * as the readers hand pages over), then times, over the whole set, each
 * of: memchr for '<' over every byte (a floor: touching the bytes once),
 * winnow's tokenizer with an empty sink, the full extraction with it,
 * gumbo's parse with an empty sink, and the full extraction with gumbo.
 * Each figure is the median of RUNS passes; MB/s is of HTML input.
 * usage: bench_extract RUNS FILE...
 */
#include "../src/extract/extract.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int nop_start(void *c, int t, const html_attrs *a)
{
    (void)t;
    (void)a;
    ++*(size_t *)c;
    return 0;
}
static int nop_end(void *c, int t)
{
    (void)c;
    (void)t;
    return 0;
}
static int nop_text(void *c, const char *s, size_t n)
{
    (void)s;
    *(size_t *)c += n;
    return 0;
}

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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_extract RUNS FILE...\n");
        return 2;
    }
    int runs = atoi(argv[1]);
    if (runs < 1 || runs > 99)
        runs = 5;
    size_t np = (size_t)(argc - 2), total = 0;
    wn_buf *pages = calloc(np, sizeof *pages);
    for (size_t i = 0; i < np; i++) {
        FILE *f = fopen(argv[i + 2], "rb");
        if (!f) {
            perror(argv[i + 2]);
            return 1;
        }
        wn_buf raw = WN_BUF_INIT;
        char chunk[65536];
        size_t k;
        while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
            wn_buf_append(&raw, chunk, k);
        fclose(f);
        wn_utf8_repair(raw.data ? raw.data : "", raw.len, &pages[i], NULL);
        wn_buf_release(&raw);
        total += pages[i].len;
    }
    static const char *const names[] = {
        "memchr '<' (floor)", "tokenizer alone", "extract (tokenizer)",
        "gumbo parse alone", "extract (gumbo)",
    };
    extract_bufs b;
    memset(&b, 0, sizeof b);
    wn_buf out = WN_BUF_INIT, scratch = WN_BUF_INIT;
    extract_opts o;
    extract_opts_default(&o);
    extract_result res;
    size_t sink_count = 0, out_bytes = 0;
    html_sink nop = {nop_start, nop_end, nop_text, &sink_count};
    printf("%zu pages, %.1f MB of HTML, median of %d runs, one core\n", np,
           total / 1e6, runs);
    double base = 0;
    for (int m = 0; m < 5; m++) {
        double t[99];
        for (int r = 0; r < runs; r++) {
            double t0 = now();
            for (size_t i = 0; i < np; i++) {
                const char *s = pages[i].data ? pages[i].data : "";
                size_t n = pages[i].len;
                switch (m) {
                case 0: {
                    const char *p = s, *e = s + n;
                    while ((p = memchr(p, '<', (size_t)(e - p))) != NULL) {
                        sink_count++;
                        p++;
                    }
                    break;
                }
                case 1: html_parse(s, n, &nop, &scratch); break;
                case 3: html_parse_gumbo(s, n, &nop, &scratch); break;
                default:
                    o.parser = m == 2 ? EXTRACT_PARSER_FAST
                                      : EXTRACT_PARSER_GUMBO;
                    extract_run(&o, s, n, &b, &out, &res);
                    out_bytes += out.len;
                }
            }
            t[r] = now() - t0;
        }
        qsort(t, (size_t)runs, sizeof *t, cmp_d);
        double med = t[runs / 2], mbs = total / med / 1e6;
        if (m == 2)
            base = mbs;
        printf("%-22s %8.3f s %9.1f MB/s", names[m], med, mbs);
        if (m == 4 && mbs > 0)
            printf("   (extract with tokenizer is %.1fx faster)", base / mbs);
        printf("\n");
    }
    /* keep the work observable */
    fprintf(stderr, "(%zu events, %zu bytes of text)\n", sink_count,
            out_bytes);
    for (size_t i = 0; i < np; i++)
        wn_buf_release(&pages[i]);
    free(pages);
    wn_buf_release(&out);
    wn_buf_release(&scratch);
    wn_buf_release(&b.text);
    wn_buf_release(&b.blocks);
    wn_buf_release(&b.groups);
    wn_buf_release(&b.parse);
    return 0;
}
