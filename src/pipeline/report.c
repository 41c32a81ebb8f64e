/*
 * report.c - OUTDIR/report.html: what the run did, in one self-contained
 * page (inline CSS and SVG, no scripts, no network).
 *
 * Every figure sits in an element with a stable id (docs-read,
 * reason-<key>, stage-<name>-in, ...) so a test can read the rendered page
 * and compare it with stats.json.  Document text in examples is escaped.
 */
#include "run_internal.h"

#include <stdio.h>
#include <stdlib.h>

/* Appends to o, keeping the first failure in rc: a page that lacks a part
 * must fail, not be published short. */
#define PUTC(c) keep_first(&rc, wn_buf_putc(o, c))
#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define PUTF(...) keep_first(&rc, wn_buf_printf(o, __VA_ARGS__))
#define KEEP(call) keep_first(&rc, call)

static int esc(wn_buf *o, const char *s, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        switch (s[i]) {
        case '&': PUTS("&amp;"); break;
        case '<': PUTS("&lt;"); break;
        case '>': PUTS("&gt;"); break;
        case '"': PUTS("&quot;"); break;
        case '\'': PUTS("&#39;"); break;
        default: PUTC(s[i]);
        }
    }
    return rc;
}

static int escs(wn_buf *o, const char *s) { return esc(o, s, strlen(s)); }

/* An id-safe form of a key: [A-Za-z0-9_-], others become '-'. */
static int idpart(wn_buf *o, const char *s)
{
    int rc = 0;
    for (; *s && !rc; s++) {
        unsigned char c = (unsigned char)*s;
        PUTC((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '_' || c == '-'
                 ? (char)c
                 : '-');
    }
    return rc;
}

static int num_cell(wn_buf *o, const char *id1, const char *id2,
                    const char *id3, uint64_t v)
{
    int rc = 0;
    PUTS("<td class=n id=\"");
    KEEP(idpart(o, id1));
    if (id2) {
        PUTC('-');
        KEEP(idpart(o, id2));
    }
    if (id3) {
        PUTC('-');
        KEEP(idpart(o, id3));
    }
    return PUTF("\">%llu</td>", (unsigned long long)v);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const tally_kv *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Horizontal bar chart as inline SVG. */
static int bars(wn_buf *o, const char *const *labels, const uint64_t *v,
                size_t n)
{
    int rc = 0;
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    PUTF("<svg width=\"560\" height=\"%zu\" role=img>", n * 18 + 4);
    for (size_t i = 0; i < n; i++) {
        double w = 380.0 * (double)v[i] / (double)max;
        PUTF("<text x=\"0\" y=\"%zu\" font-size=\"11\">", i * 18 + 13);
        KEEP(escs(o, labels[i]));
        PUTF("</text><rect x=\"120\" y=\"%zu\" width=\"%.1f\" "
             "height=\"14\" fill=\"#4a7fb5\"/><text x=\"%.1f\" y=\"%zu\" "
             "font-size=\"11\">%llu</text>",
             i * 18 + 2, w, 124 + w, i * 18 + 13, (unsigned long long)v[i]);
    }
    return PUTS("</svg>");
}

static int kv_table(wn_buf *o, const char *title, const char *idp,
                    tally_kv *kv, size_t n, const char *col)
{
    int rc = 0;
    if (n)
        qsort(kv, n, sizeof *kv, cmp_count_desc);
    PUTF("<h2>%s</h2>", title);
    if (!n)
        return PUTS("<p>none</p>");
    PUTF("<table><tr><th>%s</th><th>documents</th></tr>", col);
    for (size_t i = 0; i < n; i++) {
        PUTS("<tr><td>");
        KEEP(escs(o, kv[i].key));
        PUTS("</td>");
        KEEP(num_cell(o, idp, kv[i].key, NULL, kv[i].n));
        PUTS("</tr>");
    }
    return PUTS("</table>");
}

int run_write_report(wn_run *r, wn_error *err)
{
    tally *t = &r->total;
    uint64_t read, kept, rejected;
    wn_run_totals(r, &read, &kept, &rejected);
    wn_buf page = WN_BUF_INIT, *o = &page;
    int rc = 0;
    PUTS("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
         "<title>winnow report</title><style>"
         "body{font:14px/1.4 sans-serif;margin:2em;max-width:60em}"
         "table{border-collapse:collapse;margin:.5em 0}"
         "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
         "td.n{text-align:right;font-variant-numeric:tabular-nums}"
         "pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;"
         "max-height:12em;overflow:auto}"
         "</style></head><body>\n");
    PUTF("<h1>winnow report</h1><p>winnow %s &middot; %zu input "
         "files &middot; %zu data shards, %zu reject shards</p>\n",
         wn_version(), r->nfiles, r->data_shards, r->reject_shards);
    PUTS("<h2>Documents</h2><table><tr><th>read</th><th>kept</th>"
         "<th>rejected</th></tr><tr>");
    KEEP(num_cell(o, "docs-read", NULL, NULL, read));
    KEEP(num_cell(o, "docs-kept", NULL, NULL, kept));
    KEEP(num_cell(o, "docs-rejected", NULL, NULL, rejected));
    PUTS("</tr></table><p>Every document read is either kept or "
         "rejected with a reason: read = kept + rejected.</p>\n");
    PUTS("<h2>Stages</h2><table><tr><th>stage</th><th>in</th>"
         "<th>kept</th><th>rejected</th>");
    /* an annotated run rejects nothing: what each stage would have */
    if (t->annotated)
        PUTS("<th>would reject</th>");
    PUTS("</tr>");
    for (size_t i = 0; i <= t->nstages; i++) {
        const char *name;
        uint64_t in, rej;
        if (i < t->nstages) {
            name = t->stage_name[i];
            in = t->stage_in[i];
            rej = t->stage_rejected[i];
        } else if (r->dedup) {
            name = "dedup";
            in = t->docs_kept;
            rej = t->dup_rejected;
        } else
            break;
        PUTS("<tr><td>");
        KEEP(escs(o, name));
        PUTS("</td>");
        KEEP(num_cell(o, "stage", name, "in", in));
        KEEP(num_cell(o, "stage", name, "kept", in - rej));
        KEEP(num_cell(o, "stage", name, "rejected", rej));
        if (t->annotated && i < t->nstages)
            KEEP(num_cell(o, "stage", name, "would_reject",
                          t->stage_flagged[i]));
        PUTS("</tr>");
    }
    PUTS("</table>\n");
    KEEP(kv_table(o, "Rejected, by reason", "reason", t->reasons,
                  t->nreasons, "reason"));
    /* length histogram: buckets [2^k, 2^(k+1)) characters */
    PUTS("<h2>Length of kept documents (characters)</h2>");
    char lab[TALLY_LEN_BUCKETS][32];
    const char *labels[TALLY_LEN_BUCKETS];
    size_t first = TALLY_LEN_BUCKETS, last = 0;
    for (size_t i = 0; i < TALLY_LEN_BUCKETS; i++)
        if (t->len_hist[i]) {
            if (first == TALLY_LEN_BUCKETS)
                first = i;
            last = i;
        }
    if (first == TALLY_LEN_BUCKETS)
        PUTS("<p>none</p>");
    else {
        for (size_t i = first; i <= last; i++) {
            snprintf(lab[i], sizeof lab[i], i + 1 == TALLY_LEN_BUCKETS ? "%llu+" : "%llu-%llu",
                     i ? 1ULL << i : 0ULL, (1ULL << (i + 1)) - 1);
            labels[i] = lab[i];
        }
        KEEP(bars(o, labels + first, t->len_hist + first, last - first + 1));
        PUTS("<table><tr><th>characters</th><th>documents</th></tr>");
        for (size_t i = first; i <= last; i++) {
            PUTF("<tr><td>%s</td>", lab[i]);
            char id[16];
            snprintf(id, sizeof id, "%zu", i);
            KEEP(num_cell(o, "len", id, NULL, t->len_hist[i]));
            PUTS("</tr>");
        }
        PUTS("</table>");
    }
    KEEP(kv_table(o, "Language of kept documents", "lang", t->langs,
                  t->nlangs, "language"));
    KEEP(kv_table(o, "Duplicate groups by size (kept document + copies)",
                  "dupsize", t->clusters, t->nclusters, "group size"));
    PUTS("<h2>Examples of rejected documents</h2>");
    if (!r->nex)
        PUTS("<p>none</p>");
    for (size_t i = 0; i < r->nex; i++) {
        run_example *e = &r->ex[i];
        PUTS("<h3 class=example>");
        KEEP(escs(o, e->reason_key));
        PUTS("</h3><p><b>reason:</b> ");
        KEEP(esc(o, e->reason.data ? e->reason.data : "", e->reason.len));
        PUTS("<br><b>id:</b> ");
        KEEP(esc(o, e->id.data ? e->id.data : "", e->id.len));
        if (e->url.len) {
            PUTS("<br><b>url:</b> ");
            KEEP(esc(o, e->url.data, e->url.len));
        }
        PUTS("</p><pre>");
        KEEP(esc(o, e->excerpt.data ? e->excerpt.data : "", e->excerpt.len));
        PUTS("</pre>\n");
    }
    /* every bad-input event is in problems.jsonl; the first ones here */
    PUTF("<h2>Problems</h2><p><span id=problems>%llu</span> bad-input events "
         "(all of them in problems.jsonl)", (unsigned long long)t->problems);
    wn_buf pp = WN_BUF_INIT;
    const char *pname = run_path(r, &pp, "problems.jsonl");
    FILE *pf = pname ? fopen(pname, "r") : NULL;
    if (!pname)
        keep_first(&rc, WN_ENOMEM);
    int shown = 0;
    if (pf) {
        char line[2048];
        while (shown < 100 && fgets(line, sizeof line, pf)) {
            if (!shown++)
                PUTS("; the first 100:</p><pre class=problems>");
            KEEP(escs(o, line));
        }
        fclose(pf);
    }
    PUTS(shown ? "</pre>\n" : ".</p>\n");
    wn_buf_release(&pp);
    PUTS("<h2>Input</h2><table><tr><th>counter</th><th>value</th></tr>");
    wn_stats in = t->input;
    for (size_t i = 0; i < stats_nfields(); i++) {
        PUTF("<tr><td>%s</td>", stats_field_name(i));
        KEEP(num_cell(o, "input", stats_field_name(i), NULL,
                      *stats_field(&in, i)));
        PUTS("</tr>");
    }
    PUTS("</table>\n</body></html>\n");
    wn_buf path = WN_BUF_INIT;
    const char *name = run_path(r, &path, "report.html");
    if (rc)
        rc = wn_err(err, rc, name, 0, "cannot build: %s", wn_strerror(rc));
    else
        rc = write_text_file(name, o, err);
    wn_buf_release(&page);
    wn_buf_release(&path);
    return rc;
}
#undef PUTC
#undef PUTS
#undef PUTF
#undef KEEP
