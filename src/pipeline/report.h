/*
 * report.h - the report pages (report.c: one run; report_diff.c: two runs
 * side by side), drawn with the HTML and SVG pieces of report_html.c from
 * the files a run leaves in OUTDIR (report_load.c).
 *
 * Every figure carries where its number comes from, so a test can read
 * the rendered page back and check it (tests/e2e/report.sh):
 *   data-stat="/a/b"      the element's text (or, on a bar, data-v) is the
 *                         integer at that JSON pointer of stats.json; an
 *                         expression "P - Q + R" of pointers is allowed;
 *   data-timing="/a/b"    the same for timing.json (a rounded number);
 *   data-run="a" or "b"   on a diff page: which run's stats.json.
 * Nothing in a page is computed from anything but these files.
 */
#ifndef WN_REPORT_H
#define WN_REPORT_H

#include "../core/core.h"

/* The files of one OUTDIR.  stats is required; the others may be empty
 * (their views then NULL-ranged: p == end == NULL). */
typedef struct report_src {
    char *dir;
    wn_buf stats_text, timing_text, problems, examples, conf;
    jview stats, timing;
} report_src;

int report_load(report_src *s, const char *outdir, wn_error *err);
void report_release(report_src *s);
/* The integer at a pointer of stats.json (0 when absent). */
uint64_t report_u64(const report_src *s, const char *ptr);
/* <td class=n data-stat="ptr">N</td> for the integer at ptr ("-" and no
 * pointer when stats.json lacks it). */
int report_stat_cell(wn_buf *o, const report_src *s, const char *ptr);
/* The most bars a chart of a stats.json object gets. */
#define MAX_BARS 64
struct rh_bar;
/* Bars of the members of the object at parts (counts), at most max, in
 * the file's order (stats.json sorts them by count), as series `series`
 * with their pointers. */
size_t report_object_bars(const report_src *s, const char *const *parts,
                          struct rh_bar *b, size_t max, int series);
/* The sections of report_dist.c. */
int report_distributions(wn_buf *o, const report_src *s);
int report_sources(wn_buf *o, const report_src *s);
int report_problems(wn_buf *o, const report_src *s);
/* The style sheet and the page's head, and its end. */
int report_head(wn_buf *o, const char *title);
int report_tail(wn_buf *o);
/* Writes the page to path atomically; err filled on failure. */
int report_publish(const char *path, const wn_buf *page, int build_rc,
                   wn_error *err);

/* ---- HTML and SVG pieces (report_html.c) ---- */

/* HTML-escaped text (every byte from a document or a file goes through
 * this). */
int rh_esc(wn_buf *o, const char *s, size_t n);
int rh_escs(wn_buf *o, const char *s);
/* "12,345" */
int rh_num(wn_buf *o, uint64_t v);
/* Bytes as "1.2 MB". */
int rh_bytes(wn_buf *o, uint64_t v);

/* One bar of a chart: a label and up to two series (kept, rejected), each
 * with the stats.json pointer it comes from ("" when it is not one). */
typedef struct rh_bar {
    char label[JVIEW_KEY];
    uint64_t v[2];
    char stat[2][256];
} rh_bar;
/* The legend of a chart of `series` series (nothing for one). */
int rh_legend(wn_buf *o, int series, const char *const *names);
/* Horizontal bars, one row each; series 1 or 2 (drawn side by side, in
 * blue then red), or RH_REJECTED: series 1 alone, in red; names: the
 * legend (may be NULL). */
#define RH_REJECTED (-1)
int rh_hbars(wn_buf *o, const char *fig, const rh_bar *b, size_t n,
             int series, const char *const *names);
/* Vertical columns (a histogram); mark >= 0 draws a threshold line at
 * that position in columns (e.g. 10.0 = between the 10th and 11th),
 * labelled mark_label. */
int rh_columns(wn_buf *o, const char *fig, const rh_bar *b, size_t n,
               int series, const char *const *names, double mark,
               const char *mark_label);
/* A JSON pointer of parts (NULL-terminated), each escaped (~0, ~1), into
 * dst (cut short: empty, so a test never checks a wrong pointer). */
void rh_stat(char *dst, size_t n, const char *const *parts);

#endif
