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

static void esc(wn_buf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&': wn_buf_puts(o, "&amp;"); break;
        case '<': wn_buf_puts(o, "&lt;"); break;
        case '>': wn_buf_puts(o, "&gt;"); break;
        case '"': wn_buf_puts(o, "&quot;"); break;
        case '\'': wn_buf_puts(o, "&#39;"); break;
        default: wn_buf_putc(o, s[i]);
        }
    }
}

static void escs(wn_buf *o, const char *s) { esc(o, s, strlen(s)); }

/* An id-safe form of a key: [A-Za-z0-9_-], others become '-'. */
static void idpart(wn_buf *o, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        wn_buf_putc(o, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                               (c >= '0' && c <= '9') || c == '_' || c == '-'
                           ? (char)c
                           : '-');
    }
}

static void num_cell(wn_buf *o, const char *id1, const char *id2,
                     const char *id3, uint64_t v)
{
    wn_buf_puts(o, "<td class=n id=\"");
    idpart(o, id1);
    if (id2) {
        wn_buf_putc(o, '-');
        idpart(o, id2);
    }
    if (id3) {
        wn_buf_putc(o, '-');
        idpart(o, id3);
    }
    wn_buf_printf(o, "\">%llu</td>", (unsigned long long)v);
}

static int cmp_count_desc(const void *a, const void *b)
{
    const tally_kv *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Horizontal bar chart as inline SVG. */
static void bars(wn_buf *o, const char *const *labels, const uint64_t *v,
                 size_t n)
{
    uint64_t max = 1;
    for (size_t i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    wn_buf_printf(o, "<svg width=\"560\" height=\"%zu\" role=img>", n * 18 + 4);
    for (size_t i = 0; i < n; i++) {
        double w = 380.0 * (double)v[i] / (double)max;
        wn_buf_printf(o, "<text x=\"0\" y=\"%zu\" font-size=\"11\">", i * 18 + 13);
        escs(o, labels[i]);
        wn_buf_printf(o, "</text><rect x=\"120\" y=\"%zu\" width=\"%.1f\" "
                         "height=\"14\" fill=\"#4a7fb5\"/><text x=\"%.1f\" y=\"%zu\" "
                         "font-size=\"11\">%llu</text>",
                      i * 18 + 2, w, 124 + w, i * 18 + 13,
                      (unsigned long long)v[i]);
    }
    wn_buf_puts(o, "</svg>");
}

static void kv_table(wn_buf *o, const char *title, const char *idp,
                     tally_kv *kv, size_t n, const char *col)
{
    if (n)
        qsort(kv, n, sizeof *kv, cmp_count_desc);
    wn_buf_printf(o, "<h2>%s</h2>", title);
    if (!n) {
        wn_buf_puts(o, "<p>none</p>");
        return;
    }
    wn_buf_printf(o, "<table><tr><th>%s</th><th>documents</th></tr>", col);
    for (size_t i = 0; i < n; i++) {
        wn_buf_puts(o, "<tr><td>");
        escs(o, kv[i].key);
        wn_buf_puts(o, "</td>");
        num_cell(o, idp, kv[i].key, NULL, kv[i].n);
        wn_buf_puts(o, "</tr>");
    }
    wn_buf_puts(o, "</table>");
}

int run_write_report(wn_run *r, wn_error *err)
{
    tally *t = &r->total;
    uint64_t read, kept, rejected;
    wn_run_totals(r, &read, &kept, &rejected);
    wn_buf o = WN_BUF_INIT;
    wn_buf_puts(&o,
                "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
                "<title>winnow report</title><style>"
                "body{font:14px/1.4 sans-serif;margin:2em;max-width:60em}"
                "table{border-collapse:collapse;margin:.5em 0}"
                "td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}"
                "td.n{text-align:right;font-variant-numeric:tabular-nums}"
                "pre{white-space:pre-wrap;background:#f6f6f6;padding:.5em;"
                "max-height:12em;overflow:auto}"
                "</style></head><body>\n");
    wn_buf_printf(&o, "<h1>winnow report</h1><p>winnow %s &middot; %zu input "
                      "files &middot; %zu data shards, %zu reject shards</p>\n",
                  wn_version(), r->nfiles, r->data_shards, r->reject_shards);
    wn_buf_puts(&o, "<h2>Documents</h2><table><tr><th>read</th><th>kept</th>"
                    "<th>rejected</th></tr><tr>");
    num_cell(&o, "docs-read", NULL, NULL, read);
    num_cell(&o, "docs-kept", NULL, NULL, kept);
    num_cell(&o, "docs-rejected", NULL, NULL, rejected);
    wn_buf_puts(&o, "</tr></table><p>Every document read is either kept or "
                    "rejected with a reason: read = kept + rejected.</p>\n");
    wn_buf_puts(&o, "<h2>Stages</h2><table><tr><th>stage</th><th>in</th>"
                    "<th>kept</th><th>rejected</th></tr>");
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
        wn_buf_puts(&o, "<tr><td>");
        escs(&o, name);
        wn_buf_puts(&o, "</td>");
        num_cell(&o, "stage", name, "in", in);
        num_cell(&o, "stage", name, "kept", in - rej);
        num_cell(&o, "stage", name, "rejected", rej);
        wn_buf_puts(&o, "</tr>");
    }
    wn_buf_puts(&o, "</table>\n");
    kv_table(&o, "Rejected, by reason", "reason", t->reasons, t->nreasons,
             "reason");
    /* length histogram: buckets [2^k, 2^(k+1)) characters */
    wn_buf_puts(&o, "<h2>Length of kept documents (characters)</h2>");
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
        wn_buf_puts(&o, "<p>none</p>");
    else {
        for (size_t i = first; i <= last; i++) {
            snprintf(lab[i], sizeof lab[i], i + 1 == TALLY_LEN_BUCKETS ? "%llu+" : "%llu-%llu",
                     i ? 1ULL << i : 0ULL, (1ULL << (i + 1)) - 1);
            labels[i] = lab[i];
        }
        bars(&o, labels + first, t->len_hist + first, last - first + 1);
        wn_buf_puts(&o, "<table><tr><th>characters</th><th>documents</th></tr>");
        for (size_t i = first; i <= last; i++) {
            wn_buf_printf(&o, "<tr><td>%s</td>", lab[i]);
            char id[16];
            snprintf(id, sizeof id, "%zu", i);
            num_cell(&o, "len", id, NULL, t->len_hist[i]);
            wn_buf_puts(&o, "</tr>");
        }
        wn_buf_puts(&o, "</table>");
    }
    kv_table(&o, "Language of kept documents", "lang", t->langs, t->nlangs,
             "language");
    kv_table(&o, "Duplicate groups by size (kept document + copies)",
             "dupsize", t->clusters, t->nclusters, "group size");
    wn_buf_puts(&o, "<h2>Examples of rejected documents</h2>");
    if (!r->nex)
        wn_buf_puts(&o, "<p>none</p>");
    for (size_t i = 0; i < r->nex; i++) {
        run_example *e = &r->ex[i];
        wn_buf_puts(&o, "<h3 class=example>");
        escs(&o, e->reason_key);
        wn_buf_puts(&o, "</h3><p><b>reason:</b> ");
        esc(&o, e->reason.data ? e->reason.data : "", e->reason.len);
        wn_buf_puts(&o, "<br><b>id:</b> ");
        esc(&o, e->id.data ? e->id.data : "", e->id.len);
        if (e->url.len) {
            wn_buf_puts(&o, "<br><b>url:</b> ");
            esc(&o, e->url.data, e->url.len);
        }
        wn_buf_puts(&o, "</p><pre>");
        esc(&o, e->excerpt.data ? e->excerpt.data : "", e->excerpt.len);
        wn_buf_puts(&o, "</pre>\n");
    }
    /* every bad-input event is in problems.jsonl; the first ones here */
    wn_buf_printf(&o, "<h2>Problems</h2><p><span id=problems>%llu</span> "
                      "bad-input events (all of them in problems.jsonl)",
                  (unsigned long long)t->problems);
    wn_buf pp = WN_BUF_INIT;
    FILE *pf = fopen(run_path(r, &pp, "problems.jsonl"), "r");
    if (pf) {
        char line[2048];
        int shown = 0;
        while (shown < 100 && fgets(line, sizeof line, pf)) {
            if (!shown++)
                wn_buf_puts(&o, "; the first 100:</p><pre class=problems>");
            escs(&o, line);
        }
        if (shown)
            wn_buf_puts(&o, "</pre>\n");
        else
            wn_buf_puts(&o, ".</p>\n");
        fclose(pf);
    } else
        wn_buf_puts(&o, ".</p>\n");
    wn_buf_release(&pp);
    wn_buf_puts(&o, "<h2>Input</h2><table><tr><th>counter</th><th>value</th></tr>");
    wn_stats in = t->input;
    for (size_t i = 0; i < stats_nfields(); i++) {
        wn_buf_printf(&o, "<tr><td>%s</td>", stats_field_name(i));
        num_cell(&o, "input", stats_field_name(i), NULL, *stats_field(&in, i));
        wn_buf_puts(&o, "</tr>");
    }
    wn_buf_puts(&o, "</table>\n</body></html>\n");
    wn_buf path = WN_BUF_INIT;
    int rc = write_text_file(run_path(r, &path, "report.html"), &o, err);
    wn_buf_release(&o);
    wn_buf_release(&path);
    return rc;
}
