/*
 * report_diff.c - `winnow report A B`: two finished runs side by side
 * (e.g. two threshold settings over the same inputs): the funnel of each,
 * the reasons that grew or shrank, and the documents one kept and the
 * other did not, with the other's reason and examples.
 *
 * Documents are matched by id (their source when they have none).  The
 * kept ids of each run are read from data/ as 64-bit hashes (8 bytes a
 * document), sorted; the rejects of each run are then read once to say
 * why the other run's extra documents went.  Figures carry data-stat
 * "a:/pointer" or "b:/pointer" (report.h).
 */
#include "report.h"
#include "run_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define PUTC(c) keep_first(&rc, wn_buf_putc(o, c))
#define PUTS(s) keep_first(&rc, wn_buf_puts(o, s))
#define PUTF(...) keep_first(&rc, wn_buf_printf(o, __VA_ARGS__))
#define KEEP(call) keep_first(&rc, call)

#define DIFF_EXAMPLES 5

typedef struct diff_ex {
    uint64_t h;
    wn_buf id, url, text, other_reason;
} diff_ex;

typedef struct side {
    report_src s;
    uint64_t *kept; /* sorted hashes of kept ids */
    size_t nkept, cap;
    uint64_t *only; /* kept here, not by the other run */
    size_t nonly;
    tally_kv *why;  /* the other run's reasons for them */
    size_t nwhy;
    uint64_t found; /* of `only`, found among the other's rejects */
    diff_ex ex[DIFF_EXAMPLES];
    size_t nex;
} side;

static uint64_t doc_hash(const wn_doc *d)
{
    const wn_buf *k = d->id.len ? &d->id : &d->source;
    return counter_hash(k->data ? k->data : "", k->len);
}

/* Every document of OUTDIR/sub/part-NNNNN.jsonl.zst, in order, into fn;
 * a problem in a run's own output fails the comparison. */
static int each_shard_doc(const char *dir, const char *sub,
                          int (*fn)(void *, wn_doc *, wn_error *), void *ctx,
                          wn_error *err)
{
    wn_buf path = WN_BUF_INIT;
    int rc = 0;
    for (size_t k = 0; !rc; k++) {
        wn_buf_reset(&path);
        if ((rc = wn_buf_printf(&path, "%s/%s/part-%05zu.jsonl.zst", dir, sub,
                                k))) {
            rc = wn_err(err, rc, dir, 0, "out of memory");
            break;
        }
        if (access(path.data, F_OK))
            break; /* past the last shard */
        rc = run_each_own_doc(path.data, fn, ctx, err);
    }
    wn_buf_release(&path);
    return rc;
}

static int add_kept(void *ctx, wn_doc *d, wn_error *err)
{
    side *s = ctx;
    if (s->nkept == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        uint64_t *n = realloc(s->kept, cap * sizeof *n);
        if (!n)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        s->kept = n;
        s->cap = cap;
    }
    s->kept[s->nkept++] = doc_hash(d);
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int has(const uint64_t *v, size_t n, uint64_t h)
{
    return bsearch(&h, v, n, sizeof h, cmp_u64) != NULL;
}

/* s->only = s->kept minus o->kept. */
static int set_only(side *s, const side *o)
{
    s->only = malloc((s->nkept ? s->nkept : 1) * sizeof *s->only);
    if (!s->only)
        return WN_ENOMEM;
    for (size_t i = 0; i < s->nkept; i++)
        if ((!i || s->kept[i] != s->kept[i - 1]) &&
            !has(o->kept, o->nkept, s->kept[i]))
            s->only[s->nonly++] = s->kept[i];
    return 0;
}

/* Examples: the first documents of s's data that the other did not keep. */
static int pick_example(void *ctx, wn_doc *d, wn_error *err)
{
    side *s = ctx;
    if (s->nex == DIFF_EXAMPLES)
        return 0;
    uint64_t h = doc_hash(d);
    if (!has(s->only, s->nonly, h))
        return 0;
    diff_ex *e = &s->ex[s->nex++];
    e->h = h;
    size_t n = d->text.len < 600 ? d->text.len : 600;
    while (n < d->text.len && n && ((unsigned char)d->text.data[n] & 0xC0) == 0x80)
        n--;
    if (wn_buf_set(&e->id, d->id.data ? d->id.data : "", d->id.len) ||
        wn_buf_set(&e->url, d->url.data ? d->url.data : "", d->url.len) ||
        wn_buf_set(&e->text, d->text.data ? d->text.data : "", n))
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    return 0;
}

/* A reject of the other run: why it went, if s kept it. */
static int other_reject(void *ctx, wn_doc *d, wn_error *err)
{
    side *s = ctx;
    uint64_t h = doc_hash(d);
    if (!has(s->only, s->nonly, h))
        return 0;
    const char *v;
    size_t n;
    wn_buf reason = WN_BUF_INIT, key = WN_BUF_INIT;
    int rc = 0;
    if (wn_doc_meta_get(d, "reject_reason", &v, &n) && n && *v == '"') {
        const char *p = v;
        if (json_decode_string(&p, v + n, &reason, NULL))
            wn_buf_reset(&reason);
    }
    if (!reason.len)
        rc = wn_buf_puts(&reason, "unknown");
    if (!rc)
        rc = tally_reason_key(reason.data, reason.len, &key);
    if (!rc)
        rc = tally_kv_add(&s->why, &s->nwhy, key.data, key.len, 1);
    s->found++;
    for (size_t i = 0; !rc && i < s->nex; i++)
        if (s->ex[i].h == h && !s->ex[i].other_reason.len)
            rc = wn_buf_set(&s->ex[i].other_reason, reason.data, reason.len);
    wn_buf_release(&reason);
    wn_buf_release(&key);
    return rc ? wn_err(err, rc, "", 0, "out of memory") : 0;
}

static void side_release(side *s)
{
    report_release(&s->s);
    free(s->kept);
    free(s->only);
    for (size_t i = 0; i < s->nwhy; i++)
        free(s->why[i].key);
    free(s->why);
    for (size_t i = 0; i < s->nex; i++) {
        wn_buf_release(&s->ex[i].id);
        wn_buf_release(&s->ex[i].url);
        wn_buf_release(&s->ex[i].text);
        wn_buf_release(&s->ex[i].other_reason);
    }
}

/* ---------------------------------------------------------------- page */

/* A cell with run r's integer at ptr. */
static int cell(wn_buf *o, const side *sd, char r, const char *ptr)
{
    int rc = 0;
    jview v;
    if (!jview_path(sd->s.stats, ptr, &v)) /* a reason the run never met */
        return PUTS("<td class=n>0</td>");
    PUTF("<td class=n data-stat=\"%c:", r);
    KEEP(rh_escs(o, ptr));
    PUTS("\">");
    KEEP(rh_num(o, report_u64(&sd->s, ptr)));
    PUTS("</td>");
    return rc;
}

static int change_cell(wn_buf *o, uint64_t a, uint64_t b)
{
    int rc = 0;
    PUTF("<td class=n>%s", b >= a ? "+" : "-");
    KEEP(rh_num(o, b >= a ? b - a : a - b));
    PUTS("</td>");
    return rc;
}

static int totals(wn_buf *o, side *sd)
{
    int rc = 0;
    PUTS("<table><tr><th></th><th class=n>A</th><th class=n>B</th>"
         "<th class=n>B - A</th></tr>");
    static const char *const k[][2] = {{"documents read", "/documents/read"},
                                       {"kept", "/documents/kept"},
                                       {"rejected", "/documents/rejected"},
                                       {"text bytes kept", "/output/text_bytes"}};
    for (int i = 0; i < 4; i++) {
        PUTF("<tr><th>%s</th>", k[i][0]);
        KEEP(cell(o, &sd[0], 'a', k[i][1]));
        KEEP(cell(o, &sd[1], 'b', k[i][1]));
        KEEP(change_cell(o, report_u64(&sd[0].s, k[i][1]),
                         report_u64(&sd[1].s, k[i][1])));
        PUTS("</tr>");
    }
    PUTS("</table>\n");
    return rc;
}

/* The index of stage `name` in run s's stats, or -1. */
static long stage_index(const report_src *s, const char *name)
{
    jview arr, it, st, v;
    char n[64];
    long i = 0, at = -1;
    if (jview_path(s->stats, "/stages", &arr) && jview_iter(arr, &it))
        for (; at < 0 && jview_next(&it, NULL, 0, &st); i++)
            if (jview_get(st, "name", &v) && jview_cstr(v, n, sizeof n) &&
                !strcmp(n, name))
                at = i;
    return at;
}

static int funnels(wn_buf *o, side *sd)
{
    int rc = 0;
    /* the stages of A, then those only B has */
    char names[2 * TALLY_MAX_STAGES + 2][64];
    size_t n = 0;
    char nm[64];
    for (int r = 0; r < 2; r++) {
        jview arr, it, st, v;
        if (jview_path(sd[r].s.stats, "/stages", &arr) && jview_iter(arr, &it))
            while (n < sizeof names / sizeof *names &&
                   jview_next(&it, NULL, 0, &st))
                if (jview_get(st, "name", &v) && jview_cstr(v, nm, sizeof nm)) {
                    size_t j;
                    for (j = 0; j < n && strcmp(names[j], nm); j++)
                        ;
                    if (j == n)
                        memcpy(names[n++], nm, sizeof nm);
                }
    }
    rh_bar *b = calloc(n ? n : 1, sizeof *b);
    if (!b)
        return WN_ENOMEM;
    PUTS("<h2 id=funnel>Funnel</h2><table><tr><th>stage</th>"
         "<th class=n>A in</th><th class=n>A rejected</th>"
         "<th class=n>B in</th><th class=n>B rejected</th>"
         "<th class=n>rejected: B - A</th></tr>");
    for (size_t i = 0; i < n; i++) {
        uint64_t rej[2] = {0, 0};
        PUTS("<tr><td>");
        KEEP(rh_escs(o, names[i]));
        PUTS("</td>");
        snprintf(b[i].label, sizeof b[i].label, "%s", names[i]);
        for (int r = 0; r < 2; r++) {
            long k = stage_index(&sd[r].s, names[i]);
            if (k < 0) {
                PUTS("<td class=n>-</td><td class=n>-</td>");
                continue;
            }
            char p[96];
            snprintf(p, sizeof p, "/stages/%ld/in", k);
            KEEP(cell(o, &sd[r], "ab"[r], p));
            snprintf(p, sizeof p, "/stages/%ld/rejected", k);
            KEEP(cell(o, &sd[r], "ab"[r], p));
            rej[r] = report_u64(&sd[r].s, p);
            snprintf(p, sizeof p, "/stages/%ld/kept", k);
            b[i].v[r] = report_u64(&sd[r].s, p);
            snprintf(b[i].stat[r], sizeof b[i].stat[r], "%c:%s", "ab"[r], p);
        }
        KEEP(change_cell(o, rej[0], rej[1]));
        PUTS("</tr>");
    }
    PUTS("</table><p class=note>Documents kept after each stage:</p>");
    static const char *const names2[] = {"A", "B"};
    KEEP(rh_hbars(o, "funnel-ab", b, n, 2, names2));
    free(b);
    return rc;
}

typedef struct reason_row {
    char key[JVIEW_KEY];
    uint64_t v[2];
} reason_row;

static int cmp_change(const void *a, const void *b)
{
    const reason_row *x = a, *y = b;
    uint64_t dx = x->v[0] > x->v[1] ? x->v[0] - x->v[1] : x->v[1] - x->v[0];
    uint64_t dy = y->v[0] > y->v[1] ? y->v[0] - y->v[1] : y->v[1] - y->v[0];
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int reasons(wn_buf *o, side *sd)
{
    int rc = 0;
    size_t n = 0, cap = 256;
    reason_row *row = calloc(cap, sizeof *row);
    if (!row)
        return WN_ENOMEM;
    char key[JVIEW_KEY];
    for (int r = 0; r < 2; r++) {
        jview obj, it, v;
        if (jview_path(sd[r].s.stats, "/rejected_by_reason", &obj) &&
            jview_iter(obj, &it))
            while (jview_next(&it, key, sizeof key, &v)) {
                size_t j;
                for (j = 0; j < n && strcmp(row[j].key, key); j++)
                    ;
                if (j == n) {
                    if (n == cap)
                        continue;
                    memcpy(row[n++].key, key, sizeof key);
                }
                row[j].v[r] = jview_u64(v);
            }
    }
    qsort(row, n, sizeof *row, cmp_change);
    PUTS("<h2 id=reasons>Reasons that grew or shrank</h2>");
    if (!n)
        PUTS("<p>no document rejected by either run</p>");
    else {
        PUTS("<table><tr><th>reason</th><th class=n>A</th><th class=n>B</th>"
             "<th class=n>B - A</th></tr>");
        rh_bar *b = calloc(n, sizeof *b);
        if (!b)
            rc = WN_ENOMEM;
        for (size_t i = 0; i < n && !rc; i++) {
            PUTS("<tr><td>");
            KEEP(rh_escs(o, row[i].key));
            PUTS("</td>");
            snprintf(b[i].label, sizeof b[i].label, "%s", row[i].key);
            for (int r = 0; r < 2; r++) {
                const char *parts[] = {"rejected_by_reason", row[i].key, NULL};
                char p[240];
                rh_stat(p, sizeof p, parts);
                b[i].v[r] = row[i].v[r];
                jview v;
                if (jview_path(sd[r].s.stats, p, &v))
                    snprintf(b[i].stat[r], sizeof b[i].stat[r], "%c:%s",
                             "ab"[r], p);
                KEEP(cell(o, &sd[r], "ab"[r], p));
            }
            KEEP(change_cell(o, row[i].v[0], row[i].v[1]));
            PUTS("</tr>");
        }
        PUTS("</table>");
        static const char *const names[] = {"A", "B"};
        if (b)
            KEEP(rh_hbars(o, "reasons-ab", b, n, 2, names));
        free(b);
    }
    free(row);
    return rc;
}

static int only_section(wn_buf *o, side *s, char me, char other)
{
    int rc = 0;
    PUTF("<h3>Kept by %c, not by %c: ", me, other);
    KEEP(rh_num(o, s->nonly));
    PUTS("</h3>");
    if (!s->nonly)
        return rc;
    PUTF("<p class=note>%c's reasons for them (", other);
    KEEP(rh_num(o, s->nonly - s->found));
    PUTF(" not among %c's rejects: %c did not read them):</p>", other, other);
    if (s->nwhy) {
        qsort(s->why, s->nwhy, sizeof *s->why, tally_kv_cmp);
        PUTS("<table><tr><th>reason</th><th class=n>documents</th></tr>");
        for (size_t i = 0; i < s->nwhy; i++) {
            PUTS("<tr><td>");
            KEEP(rh_escs(o, s->why[i].key));
            PUTS("</td><td class=n>");
            KEEP(rh_num(o, s->why[i].n));
            PUTS("</td></tr>");
        }
        PUTS("</table>");
    }
    for (size_t i = 0; i < s->nex; i++) {
        diff_ex *e = &s->ex[i];
        PUTS("<div class=ex><p><b>");
        if (e->other_reason.len) {
            PUTF("%c: ", other);
            KEEP(rh_esc(o, e->other_reason.data, e->other_reason.len));
        } else
            PUTF("not read by %c", other);
        PUTS("</b></p><p>");
        KEEP(rh_esc(o, e->id.data ? e->id.data : "", e->id.len));
        if (e->url.len) {
            PUTS(" &middot; ");
            KEEP(rh_esc(o, e->url.data, e->url.len));
        }
        PUTS("</p><pre>");
        KEEP(rh_esc(o, e->text.data ? e->text.data : "", e->text.len));
        PUTS("</pre></div>");
    }
    return rc;
}

int wn_report_diff(const char *a, const char *b, const char *out_path,
                   wn_error *err)
{
    side sd[2];
    memset(sd, 0, sizeof sd);
    const char *dir[2] = {a, b};
    int rc = 0;
    for (int r = 0; r < 2 && !rc; r++)
        rc = report_load(&sd[r].s, dir[r], err);
    for (int r = 0; r < 2 && !rc; r++) {
        rc = each_shard_doc(dir[r], "data", add_kept, &sd[r], err);
        if (!rc && sd[r].nkept)
            qsort(sd[r].kept, sd[r].nkept, sizeof *sd[r].kept, cmp_u64);
    }
    for (int r = 0; r < 2 && !rc; r++)
        if ((rc = set_only(&sd[r], &sd[1 - r])))
            rc = wn_err(err, rc, "", 0, "out of memory");
    for (int r = 0; r < 2 && !rc; r++) {
        rc = each_shard_doc(dir[r], "data", pick_example, &sd[r], err);
        if (!rc)
            rc = each_shard_doc(dir[1 - r], "rejects", other_reject, &sd[r],
                                err);
    }
    wn_buf page = WN_BUF_INIT, *o = &page;
    if (!rc) {
        int brc = 0;
        keep_first(&brc, report_head(o, "winnow report: A vs B"));
        rc = 0;
        PUTS("<h1>winnow report: two runs</h1><p>A: ");
        KEEP(rh_escs(o, a));
        PUTS("<br>B: ");
        KEEP(rh_escs(o, b));
        PUTS("</p>");
        KEEP(totals(o, sd));
        KEEP(funnels(o, sd));
        KEEP(reasons(o, sd));
        PUTS("<h2 id=kept>Documents kept by one run and not the other</h2>"
             "<p class=note>Matched by id (by source when a document has no "
             "id); examples in input order.</p>");
        KEEP(only_section(o, &sd[0], 'A', 'B'));
        KEEP(only_section(o, &sd[1], 'B', 'A'));
        keep_first(&brc, rc);
        keep_first(&brc, report_tail(o));
        rc = report_publish(out_path, o, brc, err);
    }
    for (int r = 0; r < 2; r++)
        side_release(&sd[r]);
    wn_buf_release(&page);
    return rc;
}
