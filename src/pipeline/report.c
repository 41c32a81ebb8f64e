/*
 * report.c - OUTDIR/report.html: where the data went and whether the run
 * was healthy, on one self-contained page (inline CSS and SVG, no script,
 * no network), drawn from the run's files (report_load.c).
 *
 * Sections, in the order a reader asks: the funnel (documents and bytes
 * through each stage, what each removed), time, why documents went (with
 * examples), cleaning, distributions of kept vs rejected, sources, and
 * problems.  Every number carries its origin (data-stat, data-timing; see
 * report.h).  The time section is the only part that changes from one
 * run of the same job to the next; it sits between "<!-- timing -->" and
 * "<!-- /timing -->" lines so that comparisons can leave it out.
 */
#include "report.h"
#include "run_internal.h"

#include <stdio.h>
#include <stdlib.h>

#define PUTC(c) keep_first(&rc, wn_buf_putc(o, c))
#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define PUTF(...) keep_first(&rc, wn_buf_printf(o, __VA_ARGS__))
#define KEEP(call) keep_first(&rc, call)


/* A cell for a signed difference of pointers (expr in report.h's form). */
static int calc_cell(wn_buf *o, const char *expr, int64_t v)
{
    int rc = 0;
    PUTS("<td class=n data-stat=\"");
    KEEP(rh_escs(o, expr));
    PUTS("\">");
    if (v < 0)
        PUTC('-');
    KEEP(rh_num(o, (uint64_t)(v < 0 ? -v : v)));
    PUTS("</td>");
    return rc;
}

/* <td class=n data-timing="ptr">x</td> with a number of timing.json. */
static int timing_cell(wn_buf *o, const report_src *s, const char *ptr,
                       const char *fmt)
{
    int rc = 0;
    jview v;
    double x = jview_path(s->timing, ptr, &v) ? jview_num(v) : 0;
    PUTS("<td class=n data-timing=\"");
    KEEP(rh_escs(o, ptr));
    PUTS("\">");
    PUTF(fmt, x);
    PUTS("</td>");
    return rc;
}

/* ------------------------------------------------------------- header */

static int kpi(wn_buf *o, const report_src *s, const char *label,
               const char *ptr)
{
    int rc = 0;
    PUTS("<div><b data-stat=\"");
    KEEP(rh_escs(o, ptr));
    PUTS("\">");
    KEEP(rh_num(o, report_u64(s, ptr)));
    PUTF("</b>%s</div>", label);
    return rc;
}

static int header(wn_buf *o, const report_src *s)
{
    int rc = 0;
    char v[64] = "?";
    jview x;
    if (jview_path(s->stats, "/winnow_version", &x))
        jview_cstr(x, v, sizeof v);
    PUTS("<h1>winnow report</h1><p class=note>winnow ");
    KEEP(rh_escs(o, v));
    PUTS(" &middot; every document read is kept or rejected with a reason: "
         "read = kept + rejected</p><div class=kpi>");
    KEEP(kpi(o, s, "documents read", "/documents/read"));
    KEEP(kpi(o, s, "kept", "/documents/kept"));
    KEEP(kpi(o, s, "rejected", "/documents/rejected"));
    KEEP(kpi(o, s, "input files", "/input/files"));
    KEEP(kpi(o, s, "bad-input events", "/problems"));
    PUTS("</div>\n");
    return rc;
}

/* ------------------------------------------------------------- funnel */

typedef struct stage_row {
    char name[64];
    uint64_t in, rej, bin, bout, brej;
} stage_row;

static size_t stage_rows(const report_src *s, stage_row *r, size_t max)
{
    jview arr, it, st, v;
    size_t n = 0;
    if (jview_path(s->stats, "/stages", &arr) && jview_iter(arr, &it))
        while (n < max && jview_next(&it, NULL, 0, &st)) {
            stage_row *x = &r[n++];
            memset(x, 0, sizeof *x);
            if (jview_get(st, "name", &v))
                jview_cstr(v, x->name, sizeof x->name);
            static const char *const k[] = {"in", "rejected", "bytes_in",
                                            "bytes_out", "bytes_rejected"};
            uint64_t *f[] = {&x->in, &x->rej, &x->bin, &x->bout, &x->brej};
            for (int j = 0; j < 5; j++)
                *f[j] = jview_get(st, k[j], &v) ? jview_u64(v) : 0;
        }
    return n;
}

/* A stacked bar: parts drawn left to right, each with its pointer. */
static int stacked(wn_buf *o, double y, double scale, const uint64_t *v,
                   const char *const *stat, const char *const *fill, int n)
{
    int rc = 0;
    double x = 130;
    for (int i = 0; i < n; i++) {
        double w = (double)v[i] * scale;
        PUTF("<rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"14\" "
             "fill=\"%s\" data-v=\"%llu\" data-stat=\"",
             x, y, w, fill[i], (unsigned long long)v[i]);
        KEEP(rh_escs(o, stat[i]));
        PUTS("\"/>");
        x += w;
    }
    return rc;
}

static int funnel(wn_buf *o, const report_src *s)
{
    int rc = 0;
    stage_row st[TALLY_MAX_STAGES + 1];
    size_t n = stage_rows(s, st, TALLY_MAX_STAGES + 1);
    PUTS("<h2 id=funnel>Funnel</h2><p class=note>Each stage's input: "
         "documents (left) and bytes of text (right).  Blue goes on to the "
         "next stage, red is documents the stage rejected, orange is text it "
         "cut from documents it kept (lines removed by cleaning, characters "
         "struck by redaction).</p>");
    if (!n)
        return PUTS("<p>no stages</p>");
    uint64_t maxd = 1, maxb = 1;
    for (size_t i = 0; i < n; i++) {
        maxd = st[i].in > maxd ? st[i].in : maxd;
        maxb = st[i].bin > maxb ? st[i].bin : maxb;
    }
    static const char *const fill[] = {"#4a7fb5", "#c0504d", "#e8a33d"};
    for (int pass = 0; pass < 2; pass++) {
        double scale = 290.0 / (double)(pass ? maxb : maxd);
        PUTF("%s<svg class=chart data-fig=\"funnel-%s\" width=\"430\" "
             "height=\"%zu\" role=img data-axis=x data-scale=\"%.9g\">",
             pass ? "" : "<div class=cols>", pass ? "bytes" : "documents",
             n * 20 + 18, scale);
        PUTF("<text x=\"130\" y=\"11\" class=l>%s</text>",
             pass ? "bytes of text" : "documents");
        for (size_t i = 0; i < n; i++) {
            double y = 16 + i * 20.0;
            char p[3][200];
            const char *ps[3] = {p[0], p[1], p[2]};
            uint64_t v[3];
            int parts;
            PUTF("<text x=\"124\" y=\"%.1f\" text-anchor=end class=l>",
                 y + 11);
            KEEP(rh_escs(o, st[i].name));
            PUTS("</text>");
            if (!pass) {
                snprintf(p[0], sizeof p[0], "/stages/%zu/kept", i);
                snprintf(p[1], sizeof p[1], "/stages/%zu/rejected", i);
                v[0] = st[i].in - st[i].rej;
                v[1] = st[i].rej;
                parts = 2;
            } else {
                snprintf(p[0], sizeof p[0], "/stages/%zu/bytes_out", i);
                snprintf(p[1], sizeof p[1], "/stages/%zu/bytes_rejected", i);
                snprintf(p[2], sizeof p[2],
                         "/stages/%zu/bytes_in - /stages/%zu/bytes_out - "
                         "/stages/%zu/bytes_rejected", i, i, i);
                v[0] = st[i].bout;
                v[1] = st[i].brej;
                /* text a stage added (normalize may) is not drawn */
                v[2] = st[i].bin > st[i].bout + st[i].brej
                           ? st[i].bin - st[i].bout - st[i].brej : 0;
                parts = v[2] ? 3 : 2;
            }
            KEEP(stacked(o, y, scale, v, ps, fill, parts));
        }
        PUTS(pass ? "</svg></div>\n" : "</svg>");
    }
    /* the numbers */
    PUTS("<table><tr><th>stage</th><th class=n>documents in</th>"
         "<th class=n>rejected</th><th class=n>kept</th>"
         "<th class=n>bytes in</th><th class=n>bytes of rejected</th>"
         "<th class=n>bytes cut (+ added)</th><th class=n>bytes out</th>"
         "<th>also</th></tr>");
    for (size_t i = 0; i < n; i++) {
        char p[200];
        PUTS("<tr><td>");
        KEEP(rh_escs(o, st[i].name));
        PUTS("</td>");
        static const char *const f[] = {"in", "rejected", "kept", "bytes_in",
                                        "bytes_rejected"};
        for (int k = 0; k < 5; k++) {
            snprintf(p, sizeof p, "/stages/%zu/%s", i, f[k]);
            KEEP(report_stat_cell(o, s, p));
        }
        snprintf(p, sizeof p,
                 "/stages/%zu/bytes_in - /stages/%zu/bytes_out - "
                 "/stages/%zu/bytes_rejected", i, i, i);
        KEEP(calc_cell(o, p, (int64_t)(st[i].bin - st[i].bout - st[i].brej)));
        snprintf(p, sizeof p, "/stages/%zu/bytes_out", i);
        KEEP(report_stat_cell(o, s, p));
        PUTS("<td>");
        /* what else the stage did: lines dropped, values redacted */
        uint64_t lines = 0;
        jview obj, it, val;
        char key[JVIEW_KEY];
        size_t nl = strlen(st[i].name);
        if (jview_path(s->stats, "/cleaning/lines_dropped", &obj) &&
            jview_iter(obj, &it))
            while (jview_next(&it, key, sizeof key, &val))
                if (!strncmp(key, st[i].name, nl) && key[nl] == ':')
                    lines += jview_u64(val);
        if (lines) {
            KEEP(rh_num(o, lines));
            PUTS(" lines dropped");
        }
        /* an annotated run rejects nothing: what each stage would have */
        snprintf(p, sizeof p, "/stages/%zu/would_reject", i);
        if (jview_path(s->stats, p, &val)) {
            PUTS("would reject <span data-stat=\"");
            KEEP(rh_escs(o, p));
            PUTS("\" id=\"stage-");
            KEEP(rh_escs(o, st[i].name));
            PUTS("-would_reject\">");
            KEEP(rh_num(o, jview_u64(val)));
            PUTS("</span>");
        }
        if (!strcmp(st[i].name, "substr")) {
            KEEP(rh_num(o, report_u64(s, "/substr/bytes_struck")));
            PUTS(" bytes struck in ");
            KEEP(rh_num(o, report_u64(s, "/substr/spans")));
            PUTS(" repeated spans");
        }
        if (!strcmp(st[i].name, "pii")) {
            PUTS("redacted: ");
            KEEP(rh_num(o, report_u64(s, "/redacted/email")));
            PUTS(" e-mail, ");
            KEEP(rh_num(o, report_u64(s, "/redacted/ip")));
            PUTS(" IP, ");
            KEEP(rh_num(o, report_u64(s, "/redacted/phone")));
            PUTS(" phone");
        }
        /* documents decontaminated, by evaluation set */
        if (!strcmp(st[i].name, "decontaminate") &&
            jview_path(s->stats, "/decontaminated", &obj) &&
            jview_iter(obj, &it)) {
            int first = 1;
            while (jview_next(&it, key, sizeof key, &val)) {
                PUTS(first ? "decontaminated: " : ", ");
                KEEP(rh_num(o, jview_u64(val)));
                PUTS(" (");
                KEEP(rh_escs(o, key));
                PUTS(")");
                first = 0;
            }
        }
        if (!strcmp(st[i].name, "dedup") &&
            report_u64(s, "/dedup/paragraphs/removed")) {
            PUTS("paragraphs removed: ");
            KEEP(rh_num(o, report_u64(s, "/dedup/paragraphs/removed")));
            PUTS(" (");
            KEEP(rh_num(o, report_u64(s, "/dedup/paragraphs/bytes_removed")));
            PUTS(" bytes)");
        }
        /* winnow run's substring step: its cuts are in the dedup row */
        if (!strcmp(st[i].name, "dedup") &&
            jview_path(s->stats, "/substr/enabled", &val) &&
            val.end - val.p >= 4 && !memcmp(val.p, "true", 4)) {
            PUTS(" substrings struck: ");
            KEEP(rh_num(o, report_u64(s, "/substr/bytes_struck")));
            PUTS(" bytes in ");
            KEEP(rh_num(o, report_u64(s, "/substr/spans")));
            PUTS(" repeated spans");
        }
        PUTS("</td></tr>");
    }
    PUTS("</table>\n");
    return rc;
}

/* --------------------------------------------------------------- time */

/* One row per element of timing.json's array `arr`: its name, then the
 * three numbers k with formats fmt. */
static int timing_rows(wn_buf *o, const report_src *s, const char *arr,
                       const char *const *k, const char *const *fmt)
{
    int rc = 0;
    char p[64], name[128];
    jview a, it, el, v;
    snprintf(p, sizeof p, "/%s", arr);
    if (!jview_path(s->timing, p, &a) || !jview_iter(a, &it))
        return 0;
    for (size_t i = 0; jview_next(&it, NULL, 0, &el); i++) {
        PUTS("<tr><td>");
        if (jview_get(el, "name", &v) && jview_cstr(v, name, sizeof name))
            KEEP(rh_escs(o, name));
        PUTS("</td>");
        for (int j = 0; j < 3; j++) {
            snprintf(p, sizeof p, "/%s/%zu/%s", arr, i, k[j]);
            KEEP(timing_cell(o, s, p, fmt[j]));
        }
        PUTS("</tr>");
    }
    return rc;
}

static int time_section(wn_buf *o, const report_src *s)
{
    int rc = 0;
    PUTS("<!-- timing -->\n<h2 id=time>Time</h2><p class=note>What "
         "differs from one run of the same job to the next: where, when, how "
         "long, how many threads.</p>");
    if (!s->timing.p) {
        PUTS("<p>no timing.json</p>\n<!-- /timing -->\n");
        return rc;
    }
    wn_buf str = WN_BUF_INIT;
    char name[128];
    jview v;
    PUTS("<table><tr><th>output directory</th><td>");
    KEEP(rh_escs(o, s->dir));
    PUTS("</td></tr>");
    static const char *const what[][2] = {{"start (UTC)", "/start"},
                                          {"end (UTC)", "/end"}};
    for (int i = 0; i < 2; i++)
        if (jview_path(s->timing, what[i][1], &v) &&
            jview_cstr(v, name, sizeof name)) {
            PUTF("<tr><th>%s</th><td>", what[i][0]);
            KEEP(rh_escs(o, name));
            PUTS("</td></tr>");
        }
    PUTS("<tr><th>wall seconds</th>");
    KEEP(timing_cell(o, s, "/wall_seconds", "%.3f"));
    PUTS("</tr><tr><th>threads</th>");
    KEEP(timing_cell(o, s, "/threads", "%.0f"));
    PUTS("</tr></table>");
    if (jview_path(s->timing, "/command", &v) && !KEEP(jview_str(v, &str)) &&
        str.len) {
        PUTS("<p>command line:</p><pre>");
        KEEP(rh_escs(o, str.data));
        PUTS("</pre>");
    }
    static const char *const pk[] = {"wall_seconds", "cpu_seconds",
                                     "mb_per_s"};
    static const char *const pf[] = {"%.3f", "%.3f", "%.1f"};
    PUTS("<h3>Phases</h3><table><tr><th>phase</th><th class=n>wall s</th>"
         "<th class=n>CPU s</th><th class=n>MB/s</th></tr>");
    KEEP(timing_rows(o, s, "phases", pk, pf));
    static const char *const sk[] = {"cpu_seconds", "text_bytes", "mb_per_s"};
    static const char *const sf[] = {"%.3f", "%.0f", "%.1f"};
    PUTS("</table><h3>Stages (thread CPU time)</h3><table><tr><th>stage</th>"
         "<th class=n>CPU s</th><th class=n>text bytes</th>"
         "<th class=n>MB/s</th></tr>");
    KEEP(timing_rows(o, s, "stages", sk, sf));
    PUTS("</table>");
    if (s->conf.len) {
        PUTS("<details><summary>configuration and inputs "
             "(run.conf)</summary><pre>");
        KEEP(rh_esc(o, s->conf.data, s->conf.len));
        PUTS("</pre></details>");
    }
    PUTS("\n<!-- /timing -->\n");
    wn_buf_release(&str);
    return rc;
}

/* ------------------------------------------------------------ reasons */

/* Bars of the counts in the object at parts, then under a heading per
 * bar ("label · N unit") its examples (ex); none: the text `none`. */
static int bars_and_examples(wn_buf *o, const report_src *s, const char *fig,
                             const char *const *parts, const char *none,
                             const char *note, const char *unit,
                             int (*ex)(wn_buf *, const report_src *,
                                       const char *))
{
    int rc = 0;
    rh_bar *b = calloc(MAX_BARS, sizeof *b);
    if (!b)
        return WN_ENOMEM;
    size_t n = report_object_bars(s, parts, b, MAX_BARS, 0);
    if (!n) {
        free(b);
        return PUTF("<p>%s</p>", none);
    }
    KEEP(rh_hbars(o, fig, b, n, 1, NULL));
    PUTF("<p class=note>%s</p>", note);
    for (size_t i = 0; i < n && !rc; i++) {
        PUTS("<h3>");
        KEEP(rh_escs(o, b[i].label));
        PUTS(" &middot; ");
        KEEP(rh_num(o, b[i].v[0]));
        PUTF("%s</h3>", unit);
        KEEP(ex(o, s, b[i].label));
    }
    free(b);
    return rc;
}

/* "id · url" of an example line (str: scratch). */
static int id_url(wn_buf *o, jview line, wn_buf *str)
{
    int rc = 0;
    jview v;
    if (jview_get(line, "id", &v) && !KEEP(jview_str(v, str)))
        KEEP(rh_escs(o, str->data));
    if (jview_get(line, "url", &v) && !KEEP(jview_str(v, str)) && str->len) {
        PUTS(" &middot; ");
        KEEP(rh_escs(o, str->data));
    }
    return rc;
}

/* The reason with its measured value marked: "stage:m=<mark>v<b</mark>". */
static int reason_text(wn_buf *o, const char *r)
{
    int rc = 0;
    const char *eq = strchr(r, '=');
    if (!eq)
        return rh_escs(o, r);
    KEEP(rh_esc(o, r, (size_t)(eq - r) + 1));
    PUTS("<mark>");
    KEEP(rh_escs(o, eq + 1));
    PUTS("</mark>");
    return rc;
}

static int examples_of(wn_buf *o, const report_src *s, const char *key)
{
    int rc = 0;
    const char *p = s->examples.data, *end = p + s->examples.len;
    char k[JVIEW_KEY];
    wn_buf str = WN_BUF_INIT;
    int shown = 0;
    while (p && p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        jview line, v;
        if (!jview_parse(p, (size_t)(le - p), &line) &&
            jview_get(line, "reason_key", &v) && jview_cstr(v, k, sizeof k) &&
            !strcmp(k, key)) {
            PUTS("<div class=ex><p><b>");
            if (jview_get(line, "reason", &v) && !KEEP(jview_str(v, &str)))
                KEEP(reason_text(o, str.data));
            PUTS("</b></p><p>");
            KEEP(id_url(o, line, &str));
            PUTS("</p><pre>");
            if (jview_get(line, "text", &v) && !KEEP(jview_str(v, &str)))
                KEEP(rh_escs(o, str.data));
            PUTS("</pre></div>");
            shown++;
        }
        p = le + 1;
    }
    if (!shown)
        PUTS("<p class=note>no example kept</p>");
    wn_buf_release(&str);
    return rc;
}

static int reasons(wn_buf *o, const report_src *s)
{
    int rc = 0;
    static const char *const parts[] = {"rejected_by_reason", NULL};
    PUTS("<h2 id=reasons>Why documents went</h2>");
    KEEP(bars_and_examples(o, s, "reasons", parts, "no document was rejected",
                           "Examples: the first documents rejected for each "
                           "reason, in input order (run.examples of them), "
                           "with the measured value that decided.",
                           "", examples_of));
    return rc;
}

/* ----------------------------------------------------------- cleaning */

/* The lines of one example page: those `rule` dropped struck through and
 * marked, those other rules dropped greyed, with the rule's name. */
static int page_lines(wn_buf *o, jview lines, const char *rule)
{
    int rc = 0;
    jview it, l, it2, text, r;
    char rn[JVIEW_KEY];
    wn_buf str = WN_BUF_INIT;
    PUTS("<div class=page>");
    if (jview_iter(lines, &it))
        while (!rc && jview_next(&it, NULL, 0, &l)) {
            if (!jview_iter(l, &it2) || !jview_next(&it2, NULL, 0, &text) ||
                !jview_next(&it2, NULL, 0, &r))
                continue;
            int dropped = jview_cstr(r, rn, sizeof rn);
            if (KEEP(jview_str(text, &str)))
                break;
            PUTS(!dropped ? "<div>" : strcmp(rn, rule) ? "<div class=drop>"
                                                       : "<div class=hit>");
            if (dropped) {
                PUTS("<span class=r>");
                KEEP(rh_escs(o, rn));
                PUTS("</span>");
            }
            KEEP(rh_esc(o, str.data, str.len));
            PUTS("</div>");
        }
    PUTS("</div>");
    wn_buf_release(&str);
    return rc;
}

/* The example pages of line rule key ("stage:rule") in examples.jsonl. */
static int line_examples_of(wn_buf *o, const report_src *s, const char *key)
{
    int rc = 0;
    const char *p = s->examples.data, *end = p + s->examples.len;
    const char *colon = strchr(key, ':');
    const char *rule = colon ? colon + 1 : key;
    char k[JVIEW_KEY];
    wn_buf str = WN_BUF_INIT;
    while (p && p < end && !rc) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        jview line, v, lines;
        if (!jview_parse(p, (size_t)(le - p), &line) &&
            jview_get(line, "rule", &v) && jview_cstr(v, k, sizeof k) &&
            !strcmp(k, key) && jview_get(line, "lines", &lines)) {
            PUTS("<div class=ex><p>");
            KEEP(id_url(o, line, &str));
            PUTS("</p>");
            KEEP(page_lines(o, lines, rule));
            PUTS("</div>");
        }
        p = le + 1;
    }
    wn_buf_release(&str);
    return rc;
}

static int cleaning(wn_buf *o, const report_src *s)
{
    int rc = 0;
    static const char *const parts[] = {"cleaning", "lines_dropped", NULL};
    PUTS("<h2 id=cleaning>Cleaning</h2><p class=note>Lines dropped, by the "
         "rule that dropped them (stage:rule); site_lines:site_lines are "
         "lines repeated across many pages of one site (site templates).  "
         "Documents left empty are counted under Why documents went.</p>");
    KEEP(bars_and_examples(o, s, "lines", parts, "no line dropped",
                           "Examples: for each rule, the first pages where it "
                           "dropped lines (up to run.examples, among the first "
                           "300 pages of each input), as the stage received "
                           "them: the rule's lines struck through in red, "
                           "lines other rules dropped in grey.",
                           " lines", line_examples_of));
    return rc;
}

/* --------------------------------------------------------------- page */

int wn_report_write(const char *outdir, const char *out_path, wn_error *err)
{
    report_src s;
    int rc = report_load(&s, outdir, err);
    wn_buf page = WN_BUF_INIT, path = WN_BUF_INIT, *o = &page;
    if (!rc) {
        int brc = 0;
        keep_first(&brc, report_head(o, "winnow report"));
        keep_first(&brc, header(o, &s));
        PUTS("<p class=note>Sections: <a href=\"#funnel\">funnel</a> &middot; "
             "<a href=\"#time\">time</a> &middot; <a href=\"#reasons\">why "
             "documents went</a> &middot; <a href=\"#cleaning\">cleaning</a> "
             "&middot; <a href=\"#distributions\">distributions</a> &middot; "
             "<a href=\"#sources\">sources</a> &middot; "
             "<a href=\"#problems-list\">problems</a></p>\n");
        keep_first(&brc, funnel(o, &s));
        keep_first(&brc, time_section(o, &s));
        keep_first(&brc, reasons(o, &s));
        keep_first(&brc, cleaning(o, &s));
        keep_first(&brc, report_distributions(o, &s));
        keep_first(&brc, report_sources(o, &s));
        keep_first(&brc, report_problems(o, &s));
        keep_first(&brc, report_tail(o));
        keep_first(&brc, rc);
        if (!out_path && !(brc = brc ? brc : wn_buf_printf(&path, "%s/report.html", outdir)))
            out_path = path.data;
        rc = report_publish(out_path ? out_path : outdir, o, brc, err);
    }
    report_release(&s);
    wn_buf_release(&page);
    wn_buf_release(&path);
    return rc;
}

int run_write_report(wn_run *r, wn_error *err)
{
    return wn_report_write(r->outdir, NULL, err);
}
