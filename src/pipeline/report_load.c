/*
 * report_load.c - the files of a finished run that the report is drawn
 * from, and the page's frame (style sheet, head, publishing).
 *
 * The report is rendered from files only, never from a run's memory: so
 * `winnow run` and `winnow report OUTDIR` give the same page, and an old
 * OUTDIR can be drawn again by a newer winnow.  stats.json must be there;
 * timing.json, problems.jsonl, examples.jsonl and work/run.conf add their
 * sections when present.
 */
#include "report.h"

#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define KEEP(call) keep_first(&rc, call)

#include <stdio.h>
#include <stdlib.h>

/* One file of dir into b: 0, 1 if absent, or a negative code. */
static int load_file(const char *dir, const char *name, wn_buf *b,
                     wn_error *err)
{
    wn_buf p = WN_BUF_INIT;
    int rc = wn_buf_printf(&p, "%s/%s", dir, name);
    if (rc)
        rc = wn_err(err, rc, dir, 0, "out of memory");
    else
        rc = read_whole_file(p.data, b, err);
    wn_buf_release(&p);
    return rc;
}

int report_load(report_src *s, const char *outdir, wn_error *err)
{
    memset(s, 0, sizeof *s);
    if (!(s->dir = strdup(outdir)))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = load_file(outdir, "stats.json", &s->stats_text, err);
    if (rc == 1)
        return wn_err(err, WN_EINVAL, outdir, 0,
                      "no stats.json: not the output directory of a "
                      "finished winnow run");
    if (rc)
        return rc;
    if (jview_parse(s->stats_text.data, s->stats_text.len, &s->stats) ||
        *s->stats.p != '{')
        return wn_err(err, WN_EFORMAT, outdir, 0,
                      "stats.json is not a JSON object");
    static const char *const opt[] = {"timing.json", "problems.jsonl",
                                      "examples.jsonl", "work/run.conf"};
    wn_buf *dst[] = {&s->timing_text, &s->problems, &s->examples, &s->conf};
    for (size_t i = 0; i < 4; i++)
        if ((rc = load_file(outdir, opt[i], dst[i], err)) < 0)
            return rc;
    /* a finished run removed work/: its configuration and inputs are in
     * manifest.json, as the same text */
    wn_buf man = WN_BUF_INIT;
    jview mv, run;
    if (!s->conf.len && !(rc = load_file(outdir, "manifest.json", &man, err)) &&
        !jview_parse(man.data, man.len, &mv) && jview_get(mv, "run", &run) &&
        jview_str(run, &s->conf))
        rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    wn_buf_release(&man);
    if (rc < 0)
        return rc;
    /* a damaged timing.json loses the time section, not the page */
    if (s->timing_text.len &&
        jview_parse(s->timing_text.data, s->timing_text.len, &s->timing))
        memset(&s->timing, 0, sizeof s->timing);
    return 0;
}

void report_release(report_src *s)
{
    free(s->dir);
    wn_buf_release(&s->stats_text);
    wn_buf_release(&s->timing_text);
    wn_buf_release(&s->problems);
    wn_buf_release(&s->examples);
    wn_buf_release(&s->conf);
    memset(s, 0, sizeof *s);
}

uint64_t report_u64(const report_src *s, const char *ptr)
{
    jview v;
    return jview_path(s->stats, ptr, &v) ? jview_u64(v) : 0;
}

/* <td class=n data-stat="ptr">N</td> for the integer at ptr. */
int report_stat_cell(wn_buf *o, const report_src *s, const char *ptr)
{
    int rc = 0;
    jview v;
    if (!jview_path(s->stats, ptr, &v)) /* an older stats.json */
        return PUTS("<td class=n>-</td>");
    PUTS("<td class=n data-stat=\"");
    KEEP(rh_escs(o, ptr));
    PUTS("\">");
    KEEP(rh_num(o, report_u64(s, ptr)));
    PUTS("</td>");
    return rc;
}

/* Bars of the members of the object at parts (counts), at most max, in
 * the file's order (stats.json sorts them by count). */
size_t report_object_bars(const report_src *s, const char *const *parts,
                          rh_bar *b, size_t max, int series)
{
    char ptr[256];
    rh_stat(ptr, sizeof ptr, parts);
    jview obj, it, val;
    char key[JVIEW_KEY];
    size_t n = 0;
    if (jview_path(s->stats, ptr, &obj) && jview_iter(obj, &it))
        while (n < max && jview_next(&it, key, sizeof key, &val)) {
            rh_bar *x = &b[n++];
            memset(x, 0, sizeof *x);
            snprintf(x->label, sizeof x->label, "%s", key);
            x->v[series] = jview_u64(val);
            const char *p[8];
            size_t k = 0;
            for (; parts[k] && k < 6; k++)
                p[k] = parts[k];
            p[k++] = key;
            p[k] = NULL;
            rh_stat(x->stat[series], sizeof x->stat[series], p);
        }
    return n;
}

/* Screen and paper: charts keep their size, sections do not break inside
 * a chart, examples print whole. */
static const char style[] =
    "body{font:14px/1.45 system-ui,sans-serif;margin:1.5em auto;"
    "max-width:64em;padding:0 1em;color:#222}"
    "h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin:1.6em 0 .4em;"
    "border-bottom:2px solid #ddd;padding-bottom:.15em}"
    "h3{font-size:1.05em;margin:1.1em 0 .3em}"
    "table{border-collapse:collapse;margin:.4em 0}"
    "td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;"
    "vertical-align:top}th{background:#f3f3f3}"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
    "pre{white-space:pre-wrap;word-break:break-word;background:#f7f7f7;"
    "padding:.5em;margin:.3em 0;font-size:12px;max-height:16em;overflow:auto}"
    ".chart{display:block;margin:.3em 0;font-size:11px}"
    ".chart .l{fill:#333}.chart .v{fill:#555;font-size:10px}"
    ".kpi{display:flex;gap:1em;flex-wrap:wrap;margin:.6em 0}"
    ".kpi div{border:1px solid #ddd;border-radius:4px;padding:.3em .8em}"
    ".kpi b{display:block;font-size:1.5em}"
    ".legend{margin:.2em 0;font-size:12px}"
    ".key{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 .6em;"
    "vertical-align:-.1em}"
    ".ex{border-left:3px solid #c0504d;padding-left:.6em;margin:.6em 0}"
    ".ex p{margin:.1em 0;font-size:12px;word-break:break-all}"
    "mark{background:#f6d7a7}"
    ".page{font:12px/1.35 monospace;background:#f7f7f7;padding:.4em;"
    "max-height:22em;overflow:auto}"
    ".page div{white-space:pre-wrap;word-break:break-word;min-height:1.2em}"
    ".page .hit{background:#f4c7c3;text-decoration:line-through}"
    ".page .drop{color:#999;text-decoration:line-through}"
    ".page .r{float:right;font-size:10px;color:#a33;margin-left:1em;"
    "text-decoration:none}"
    ".note{color:#666;font-size:12px}"
    ".cols{display:flex;gap:2em;flex-wrap:wrap}"
    "summary{cursor:pointer}"
    "@media print{body{max-width:none;margin:0;font-size:11px}"
    "h2{break-after:avoid}.chart,table,.ex{break-inside:avoid}"
    "pre,.page{max-height:none}}";

int report_head(wn_buf *o, const char *title)
{
    int rc = wn_buf_puts(o, "<!DOCTYPE html>\n<html lang=en><head>"
                            "<meta charset=utf-8><title>");
    keep_first(&rc, rh_escs(o, title));
    keep_first(&rc, wn_buf_printf(o, "</title><style>%s</style></head>"
                                     "<body>\n", style));
    return rc;
}

int report_tail(wn_buf *o) { return wn_buf_puts(o, "</body></html>\n"); }

int report_publish(const char *path, const wn_buf *page, int build_rc,
                   wn_error *err)
{
    if (build_rc)
        return wn_err(err, build_rc, path, 0, "cannot build the report: %s",
                      wn_strerror(build_rc));
    return atomic_write_file(path, page->data ? page->data : "", page->len,
                             err);
}
