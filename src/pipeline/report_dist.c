/*
 * report_dist.c - the sections of report.html about what was kept and
 * what was not: distributions (length, language, quality measures against
 * their thresholds, duplicate groups), sources (domains, input files, the
 * reader's counters) and problems (grouped, the first ones listed).  See
 * report.c for the page and report.h for how figures name their origin.
 */
#include "report.h"
#include "run_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define PUTC(c) keep_first(&rc, wn_buf_putc(o, c))
#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define PUTF(...) keep_first(&rc, wn_buf_printf(o, __VA_ARGS__))
#define KEEP(call) keep_first(&rc, call)

#define TOP_LANGS 20
#define PROBLEMS_SHOWN 100

/* ------------------------------------------------------ distributions */

static int lengths(wn_buf *o, const report_src *s)
{
    int rc = 0;
    uint64_t v[2][TALLY_LEN_BUCKETS];
    static const char *const arr[2] = {"length_chars_log2",
                                       "length_chars_log2_rejected"};
    size_t first = TALLY_LEN_BUCKETS, last = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < TALLY_LEN_BUCKETS; i++) {
            char p[96];
            snprintf(p, sizeof p, "/histograms/%s/%zu", arr[k], i);
            v[k][i] = report_u64(s, p);
            if (v[k][i]) {
                first = i < first ? i : first;
                last = i > last ? i : last;
            }
        }
    PUTS("<h3>Length (characters)</h3>");
    if (first == TALLY_LEN_BUCKETS)
        return PUTS("<p>no documents</p>");
    rh_bar b[TALLY_LEN_BUCKETS];
    size_t n = 0;
    for (size_t i = first; i <= last; i++, n++) {
        memset(&b[n], 0, sizeof b[n]);
        if (i + 1 == TALLY_LEN_BUCKETS)
            snprintf(b[n].label, sizeof b[n].label, "%llu+", 1ULL << i);
        else
            snprintf(b[n].label, sizeof b[n].label, "%llu-%llu",
                     i ? 1ULL << i : 0ULL, (1ULL << (i + 1)) - 1);
        for (int k = 0; k < 2; k++) {
            b[n].v[k] = v[k][i];
            snprintf(b[n].stat[k], sizeof b[n].stat[k], "/histograms/%s/%zu",
                     arr[k], i);
        }
    }
    static const char *const names[] = {"kept", "rejected"};
    return rh_columns(o, "length", b, n, 2, names, -1, NULL);
}

static int cmp_bar_total(const void *a, const void *b)
{
    const rh_bar *x = a, *y = b;
    uint64_t tx = x->v[0] + x->v[1], ty = y->v[0] + y->v[1];
    if (tx != ty)
        return tx > ty ? -1 : 1;
    return strcmp(x->label, y->label);
}

static int languages(wn_buf *o, const report_src *s)
{
    int rc = 0;
    size_t cap = 256;
    rh_bar *b = calloc(cap * 2, sizeof *b);
    if (!b)
        return WN_ENOMEM;
    static const char *const pk[] = {"histograms", "language", NULL};
    static const char *const pr[] = {"histograms", "language_rejected", NULL};
    size_t nk = report_object_bars(s, pk, b, cap, 0);
    size_t nr = report_object_bars(s, pr, b + cap, cap, 1);
    /* merge: one bar per language, kept and rejected side by side */
    size_t n = nk;
    for (size_t i = 0; i < nr; i++) {
        size_t j;
        for (j = 0; j < n; j++)
            if (!strcmp(b[j].label, b[cap + i].label))
                break;
        if (j == n)
            memcpy(&b[n++], &b[cap + i], sizeof *b);
        else {
            b[j].v[1] = b[cap + i].v[1];
            memcpy(b[j].stat[1], b[cap + i].stat[1], sizeof b[j].stat[1]);
        }
    }
    qsort(b, n, sizeof *b, cmp_bar_total);
    PUTS("<h3>Language (top 20)</h3>");
    static const char *const names[] = {"kept", "rejected"};
    if (!n)
        PUTS("<p>no language recorded</p>");
    else
        KEEP(rh_hbars(o, "language", b, n < TOP_LANGS ? n : TOP_LANGS, 2,
                      names));
    free(b);
    return rc;
}

static int measures(wn_buf *o, const report_src *s)
{
    int rc = 0;
    jview obj, it, m, v;
    char key[JVIEW_KEY], op[8];
    PUTS("<h3>Quality measures against their thresholds</h3><p class=note>"
         "For each numeric rule (Gopher, C4, FineWeb): the measured value of "
         "every document that met the check, those it passed (blue) and "
         "those it rejected (red), the threshold dashed.  A document "
         "rejected by an earlier check of the same stage is not measured by "
         "the later ones.</p>");
    int any = 0;
    static const char *const side[2] = {"passed", "rejected"};
    static const char *const names[2] = {"passed the check", "rejected"};
    if (jview_path(s->stats, "/histograms/measures", &obj) &&
        jview_iter(obj, &it))
        while (!rc && jview_next(&it, key, sizeof key, &m)) {
            double bound = jview_get(m, "bound", &v) ? jview_num(v) : 0;
            double hi = jview_get(m, "hi", &v) ? jview_num(v) : 1;
            if (!jview_get(m, "op", &v) || !jview_cstr(v, op, sizeof op))
                continue;
            rh_bar b[TALLY_MEASURE_BINS];
            memset(b, 0, sizeof b);
            for (size_t n = 0; n < TALLY_MEASURE_BINS; n += 5)
                snprintf(b[n].label, sizeof b[n].label, "%.3g",
                         hi * (double)n / TALLY_MEASURE_BINS);
            for (int f = 0; f < 2; f++) {
                jview bins, bit, bv;
                size_t n = 0;
                if (jview_get(m, side[f], &bins) && jview_iter(bins, &bit))
                    for (; n < TALLY_MEASURE_BINS &&
                           jview_next(&bit, NULL, 0, &bv);
                         n++) {
                        char idx[16];
                        snprintf(idx, sizeof idx, "%zu", n);
                        const char *p[] = {"histograms", "measures", key,
                                           side[f], idx, NULL};
                        b[n].v[f] = jview_u64(bv);
                        rh_stat(b[n].stat[f], sizeof b[n].stat[f], p);
                    }
            }
            char mark[96];
            snprintf(mark, sizeof mark, "reject if %s %.4g", op, bound);
            if (!any)
                KEEP(rh_legend(o, 2, names));
            PUTS(any ? "<div><p><b>" : "<div class=cols><div><p><b>");
            KEEP(rh_escs(o, key));
            PUTS("</b></p>");
            KEEP(rh_columns(o, "measure", b, TALLY_MEASURE_BINS, 2, NULL,
                            hi > 0 ? bound / hi * TALLY_MEASURE_BINS : 0,
                            mark));
            PUTS("</div>");
            any = 1;
        }
    PUTS(any ? "</div>" : "<p>no numeric rule ran</p>");
    return rc;
}

static int cmp_bar_label_num(const void *a, const void *b)
{
    const rh_bar *x = a, *y = b;
    unsigned long long p = strtoull(x->label, NULL, 10),
                       q = strtoull(y->label, NULL, 10);
    return p < q ? -1 : p > q;
}

int report_distributions(wn_buf *o, const report_src *s)
{
    int rc = 0;
    PUTS("<h2 id=distributions>Distributions: kept vs rejected</h2>");
    KEEP(lengths(o, s));
    KEEP(languages(o, s));
    KEEP(measures(o, s));
    rh_bar *b = calloc(MAX_BARS, sizeof *b);
    if (!b)
        return WN_ENOMEM;
    static const char *const parts[] = {"histograms", "duplicate_group_size",
                                        NULL};
    size_t n = report_object_bars(s, parts, b, MAX_BARS, 0);
    qsort(b, n, sizeof *b, cmp_bar_label_num);
    PUTS("<h3>Duplicate groups, by size (the kept document and its "
         "copies)</h3>");
    if (!n)
        PUTS("<p>no duplicates</p>");
    else
        KEEP(rh_hbars(o, "dupsize", b, n, 1, NULL));
    free(b);
    return rc;
}

/* ------------------------------------------------------------ sources */

/* <span data-stat="ptr">N</span> */
static int stat_span(wn_buf *o, const report_src *s, const char *ptr)
{
    int rc = 0;
    PUTS("<span data-stat=\"");
    KEEP(rh_escs(o, ptr));
    PUTS("\">");
    KEEP(rh_num(o, report_u64(s, ptr)));
    return PUTS("</span>");
}

static int domains(wn_buf *o, const report_src *s, const char *which)
{
    int rc = 0;
    rh_bar *b = calloc(TALLY_TOP_DOMAINS, sizeof *b);
    if (!b)
        return WN_ENOMEM;
    const char *parts[] = {"domains", which, "top", NULL};
    int series = !strcmp(which, "rejected");
    size_t n = report_object_bars(s, parts, b, TALLY_TOP_DOMAINS, series);
    char p[64];
    PUTF("<div><h3>Top domains, %s</h3><p class=note>", which);
    snprintf(p, sizeof p, "/domains/%s/distinct", which);
    KEEP(stat_span(o, s, p));
    PUTS(" domains; documents of the others: ");
    snprintf(p, sizeof p, "/domains/%s/others", which);
    KEEP(stat_span(o, s, p));
    PUTS("</p>");
    if (n) {
        KEEP(rh_hbars(o, series ? "domains-rejected" : "domains-kept", b, n,
                      series ? RH_REJECTED : 1, NULL));
    }
    PUTS("</div>");
    free(b);
    return rc;
}

int report_sources(wn_buf *o, const report_src *s)
{
    int rc = 0;
    PUTS("<h2 id=sources>Sources</h2><div class=cols>");
    KEEP(domains(o, s, "kept"));
    KEEP(domains(o, s, "rejected"));
    PUTS("</div><h3>Input files</h3>");
    jview arr, it, f, v;
    char name[1024];
    if (!jview_path(s->stats, "/inputs", &arr) || !jview_iter(arr, &it))
        PUTS("<p>not recorded</p>");
    else {
        PUTS("<table><tr><th>file</th><th class=n>bytes</th>"
             "<th class=n>documents</th><th class=n>kept by the stages</th>"
             "<th class=n>kept</th><th class=n>bad-input events</th></tr>");
        for (size_t i = 0; jview_next(&it, NULL, 0, &f); i++) {
            PUTS("<tr><td>");
            if (jview_get(f, "file", &v) && jview_cstr(v, name, sizeof name))
                KEEP(rh_escs(o, name));
            PUTS("</td>");
            static const char *const k[] = {"bytes", "read", "kept_by_stages",
                                            "kept", "problems"};
            for (int j = 0; j < 5; j++) {
                char p[64];
                snprintf(p, sizeof p, "/inputs/%zu/%s", i, k[j]);
                KEEP(report_stat_cell(o, s, p));
            }
            PUTS("</tr>");
        }
        PUTS("</table>");
    }
    /* the reader's counters, the ones that are not zero */
    jview in;
    PUTS("<h3>Reading</h3><table><tr><th>counter</th><th class=n>value</th>"
         "</tr>");
    if (jview_path(s->stats, "/input", &in) && jview_iter(in, &it))
        while (jview_next(&it, name, sizeof name, &v))
            if (jview_u64(v)) {
                char p[96];
                const char *parts[] = {"input", name, NULL};
                rh_stat(p, sizeof p, parts);
                PUTS("<tr><td>");
                KEEP(rh_escs(o, name));
                PUTS("</td>");
                KEEP(report_stat_cell(o, s, p));
                PUTS("</tr>");
            }
    PUTS("</table>\n");
    return rc;
}

/* ----------------------------------------------------------- problems */


typedef struct pgroup {
    char *key; /* "code: message" with the digits of the message as N */
    uint64_t n;
} pgroup;

int report_problems(wn_buf *o, const report_src *s)
{
    int rc = 0;
    PUTS("<h2 id=problems-list>Problems</h2><p><span data-stat=\"/problems\" "
         "id=problems>");
    KEEP(rh_num(o, report_u64(s, "/problems")));
    PUTS("</span> bad-input events; all of them, with file and offset, are "
         "in problems.jsonl.</p>");
    const char *p = s->problems.data, *end = p + s->problems.len;
    tally_kv *g = NULL;
    size_t ng = 0, shown = 0;
    wn_buf key = WN_BUF_INIT, str = WN_BUF_INIT, list = WN_BUF_INIT;
    while (p && p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        jview line, v;
        if (!jview_parse(p, (size_t)(le - p), &line)) {
            wn_buf_reset(&key);
            if (jview_get(line, "code", &v) && !KEEP(jview_str(v, &str)))
                KEEP(wn_buf_append(&key, str.data, str.len));
            KEEP(wn_buf_puts(&key, ": "));
            if (jview_get(line, "message", &v) && !KEEP(jview_str(v, &str)))
                for (size_t i = 0; i < str.len && !rc; i++) {
                    char c = str.data[i];
                    if (c >= '0' && c <= '9') {
                        while (i + 1 < str.len && str.data[i + 1] >= '0' &&
                               str.data[i + 1] <= '9')
                            i++;
                        c = 'N';
                    }
                    KEEP(wn_buf_putc(&key, c));
                }
            if (!rc && key.data)
                KEEP(tally_kv_add(&g, &ng, key.data, key.len, 1));
            if (shown < PROBLEMS_SHOWN) {
                shown++;
                wn_buf *l = &list;
                int *lrc = &rc;
                keep_first(lrc, wn_buf_puts(l, "<tr><td>"));
                if (jview_get(line, "file", &v) &&
                    !keep_first(lrc, jview_str(v, &str)))
                    keep_first(lrc, rh_escs(l, str.data));
                keep_first(lrc, wn_buf_puts(l, "</td><td class=n>"));
                if (jview_get(line, "offset", &v))
                    keep_first(lrc, rh_num(l, jview_u64(v)));
                keep_first(lrc, wn_buf_puts(l, "</td><td>"));
                if (jview_get(line, "message", &v) &&
                    !keep_first(lrc, jview_str(v, &str)))
                    keep_first(lrc, rh_escs(l, str.data));
                keep_first(lrc, wn_buf_puts(l, "</td></tr>"));
            }
        }
        p = le + 1;
    }
    if (ng) {
        qsort(g, ng, sizeof *g, tally_kv_cmp);
        PUTS("<table><tr><th>kind</th><th class=n>events</th></tr>");
        for (size_t i = 0; i < ng; i++) {
            PUTS("<tr><td>");
            KEEP(rh_escs(o, g[i].key));
            PUTS("</td><td class=n>");
            KEEP(rh_num(o, g[i].n));
            PUTS("</td></tr>");
        }
        PUTF("</table><h3>The first %zu</h3><table><tr><th>file</th>"
             "<th class=n>offset</th><th>message</th></tr>", shown);
        KEEP(wn_buf_append(o, list.data ? list.data : "", list.len));
        PUTS("</table>\n");
    }
    wn_buf_release(&key);
    wn_buf_release(&str);
    wn_buf_release(&list);
    for (size_t i = 0; i < ng; i++)
        free(g[i].key);
    free(g);
    return rc;
}

