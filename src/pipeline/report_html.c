/*
 * report_html.c - the HTML and SVG pieces of the report pages: escaping,
 * numbers, horizontal bars and histograms (see report.h).
 *
 * Charts are inline SVG with fixed geometry, so a page looks the same in
 * any browser and on paper.  Each bar carries data-v (its value) and
 * data-stat (where the value comes from); a bar's width is v * scale with
 * one scale per chart, which the test checks.
 */
#include "report.h"

#include <stdio.h>

#define PUTC(c) keep_first(&rc, wn_buf_putc(o, c))
#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define PUTF(...) keep_first(&rc, wn_buf_printf(o, __VA_ARGS__))
#define KEEP(call) keep_first(&rc, call)

static const char *const colour[2] = {"#4a7fb5", "#c0504d"};

int rh_esc(wn_buf *o, const char *s, size_t n)
{
    int rc = 0;
    size_t from = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        case '\0': rep = "\xEF\xBF\xBD"; break; /* no NUL in a page */
        default: continue;
        }
        KEEP(wn_buf_append(o, s + from, i - from));
        PUTS(rep);
        from = i + 1;
    }
    KEEP(wn_buf_append(o, s + from, n - from));
    return rc;
}

int rh_escs(wn_buf *o, const char *s) { return rh_esc(o, s, strlen(s)); }

void rh_stat(char *dst, size_t n, const char *const *parts)
{
    size_t at = 0;
    dst[0] = 0;
    for (; *parts; parts++) {
        if (at + 1 >= n)
            goto cut;
        dst[at++] = '/';
        for (const char *p = *parts; *p; p++) {
            const char *e = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
            size_t k = e ? 2 : 1;
            if (at + k >= n)
                goto cut;
            memcpy(dst + at, e ? e : p, k);
            at += k;
        }
    }
    dst[at] = 0;
    return;
cut:
    dst[0] = 0;
}

int rh_num(wn_buf *o, uint64_t v)
{
    char d[32], g[48];
    int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v), k = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            g[k++] = ',';
        g[k++] = d[i];
    }
    g[k] = 0;
    return wn_buf_puts(o, g);
}

int rh_bytes(wn_buf *o, uint64_t v)
{
    static const char *const unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    double x = (double)v;
    int u = 0;
    while (x >= 1000 && u < 5) {
        x /= 1000;
        u++;
    }
    return u ? wn_buf_printf(o, "%.1f %s", x, unit[u])
             : wn_buf_printf(o, "%llu B", (unsigned long long)v);
}

/* <text ...>N</text> with its pointer. */
static int value_text(wn_buf *o, double x, double y, const char *anchor,
                      const char *stat, uint64_t v)
{
    int rc = 0;
    PUTF("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=v", x, y,
         anchor);
    if (*stat) {
        PUTS(" data-stat=\"");
        KEEP(rh_escs(o, stat));
        PUTC('"');
    }
    PUTC('>');
    KEEP(rh_num(o, v));
    PUTS("</text>");
    return rc;
}

static int bar_rect(wn_buf *o, double x, double y, double w, double h,
                    int s, const char *stat, uint64_t v)
{
    int rc = 0;
    PUTF("<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
         "fill=\"%s\" data-v=\"%llu\"",
         x, y, w, h, colour[s], (unsigned long long)v);
    if (*stat) {
        PUTS(" data-stat=\"");
        KEEP(rh_escs(o, stat));
        PUTC('"');
    }
    PUTS("/>");
    return rc;
}

int rh_legend(wn_buf *o, int series, const char *const *names)
{
    int rc = 0;
    if (!names || series < 2)
        return 0;
    PUTS("<p class=legend>");
    for (int s = 0; s < series; s++) {
        PUTF("<span class=key style=\"background:%s\"></span>", colour[s]);
        KEEP(rh_escs(o, names[s]));
        PUTS(" ");
    }
    PUTS("</p>");
    return rc;
}

/* The series drawn: [*s0, *s0 + *ns); RH_REJECTED is series 1 alone. */
static void series_range(int series, int *s0, int *ns)
{
    *s0 = series == RH_REJECTED;
    *ns = series == RH_REJECTED ? 1 : series;
}

static uint64_t max_of(const rh_bar *b, size_t n, int series)
{
    uint64_t m = 1;
    int s0, ns;
    series_range(series, &s0, &ns);
    for (size_t i = 0; i < n; i++)
        for (int s = s0; s < s0 + ns; s++)
            if (b[i].v[s] > m)
                m = b[i].v[s];
    return m;
}

int rh_hbars(wn_buf *o, const char *fig, const rh_bar *b, size_t n,
             int series, const char *const *names)
{
    int rc = 0;
    int s0, ns;
    series_range(series, &s0, &ns);
    const double lw = 230, bw = 380, row = ns == 2 ? 26 : 18;
    double scale = bw / (double)max_of(b, n, series);
    KEEP(rh_legend(o, series, names));
    PUTF("<svg class=chart data-fig=\"%s\" width=\"%.0f\" height=\"%.0f\" "
         "viewBox=\"0 0 %.0f %.0f\" role=img data-axis=x "
         "data-scale=\"%.9g\">",
         fig, lw + bw + 80, n * row + 4, lw + bw + 80, n * row + 4, scale);
    for (size_t i = 0; i < n; i++) {
        double y = i * row + 2;
        /* a long label is cut to fit; the whole is its tooltip */
        size_t ln = strlen(b[i].label), cut = ln > 34 ? 33 : ln;
        while (cut < ln && cut && ((unsigned char)b[i].label[cut] & 0xC0) == 0x80)
            cut--;
        PUTF("<text x=\"%.0f\" y=\"%.1f\" text-anchor=end class=l><title>",
             lw - 6, y + (ns == 2 ? 15 : 11));
        KEEP(rh_escs(o, b[i].label));
        PUTS("</title>");
        KEEP(rh_esc(o, b[i].label, cut));
        if (cut < ln)
            PUTS("\xE2\x80\xA6");
        PUTS("</text>");
        for (int s = s0; s < s0 + ns; s++) {
            double h = 11, yy = y + (s - s0) * 12;
            double w = (double)b[i].v[s] * scale;
            KEEP(bar_rect(o, lw, yy, w, h, s, b[i].stat[s], b[i].v[s]));
            KEEP(value_text(o, lw + w + 4, yy + 9.5, "start", b[i].stat[s],
                            b[i].v[s]));
        }
    }
    PUTS("</svg>\n");
    return rc;
}

int rh_columns(wn_buf *o, const char *fig, const rh_bar *b, size_t n,
               int series, const char *const *names, double mark,
               const char *mark_label)
{
    int rc = 0;
    int s0, ns;
    series_range(series, &s0, &ns);
    /* many narrow bins (a measure's 20) make a small multiple */
    const double left = 10, top = 16, ch = n > 16 ? 80 : 120,
                 cw = n > 16 ? 16 : 40;
    double gw = cw - 6, sw = gw / ns;
    double width = left + n * cw + 10, height = top + ch + 60;
    double scale = (ch - 14) / (double)max_of(b, n, series);
    KEEP(rh_legend(o, series, names));
    PUTF("<svg class=chart data-fig=\"%s\" width=\"%.0f\" height=\"%.0f\" "
         "viewBox=\"0 0 %.0f %.0f\" role=img data-axis=y "
         "data-scale=\"%.9g\">",
         fig, width, height, width, height, scale);
    PUTF("<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" "
         "stroke=\"#888\"/>", left, top + ch, width - 10, top + ch);
    for (size_t i = 0; i < n; i++) {
        double x = left + i * cw + 3;
        for (int s = s0; s < s0 + ns; s++) {
            double h = (double)b[i].v[s] * scale, xs = x + (s - s0) * sw;
            /* the height is what data-v scales to; the bar grows up */
            PUTF("<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                 "fill=\"%s\" data-v=\"%llu\"",
                 xs, top + ch - h, sw - 1, h, colour[s],
                 (unsigned long long)b[i].v[s]);
            if (*b[i].stat[s]) {
                PUTS(" data-stat=\"");
                KEEP(rh_escs(o, b[i].stat[s]));
                PUTC('"');
            }
            PUTS("/>");
            if (b[i].v[s])
                KEEP(value_text(o, xs + (sw - 1) / 2,
                                top + ch - h - 3, "middle", b[i].stat[s],
                                b[i].v[s]));
        }
        if (b[i].label[0]) {
            PUTF("<text x=\"%.1f\" y=\"%.0f\" text-anchor=end class=l "
                 "transform=\"rotate(-40 %.1f %.0f)\">",
                 x + gw / 2, top + ch + 12, x + gw / 2, top + ch + 12);
            KEEP(rh_escs(o, b[i].label));
            PUTS("</text>");
        }
    }
    if (mark >= 0) {
        double x = left + mark * cw;
        PUTF("<line class=mark x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" "
             "y2=\"%.0f\" stroke=\"#222\" stroke-dasharray=\"4 3\"/>"
             "<text x=\"%.1f\" y=\"11\" text-anchor=%s class=l>",
             x, top - 2, x, top + ch, x,
             x < 60 ? "start" : x > width - 60 ? "end" : "middle");
        KEEP(rh_escs(o, mark_label ? mark_label : ""));
        PUTS("</text>");
    }
    PUTS("</svg>\n");
    return rc;
}
