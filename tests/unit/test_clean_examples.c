/*
 * test_clean_examples.c - the acceptance tests of issue 3 on the two real
 * example pages (../shared/examples): every line labelled KEEP in
 * news-page-N.labels.tsv is kept and every DROP line dropped, except the
 * two site taglines of page 1, which must go once the page is cleaned with
 * at least four more pages of its site (tests/fixtures/clean/site).  Also
 * the site stage's own behaviour: thresholds, scope, registered domains.
 */
#include "t.h"

#include <stdlib.h>

typedef struct lab {
    char text[2048];
    int drop;
    char kind[64];
} lab;

/* Reads a .labels.tsv: line, KEEP|DROP, kind, text. */
static size_t read_labels(const char *path, lab *out, size_t max)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, f) && n < max) {
        if (line[0] == '#')
            continue;
        char *a = strchr(line, '\t'), *b = a ? strchr(a + 1, '\t') : NULL,
             *c = b ? strchr(b + 1, '\t') : NULL;
        if (!c)
            continue;
        *b = *c = 0;
        out[n].drop = !strcmp(a + 1, "DROP");
        snprintf(out[n].kind, sizeof out[n].kind, "%s", b + 1);
        size_t l = strlen(c + 1);
        while (l && (c[1 + l - 1] == '\n' || c[1 + l - 1] == '\r'))
            l--;
        snprintf(out[n].text, sizeof out[n].text, "%.*s", (int)l, c + 1);
        n++;
    }
    fclose(f);
    return n;
}

static int read_doc(const char *path, wn_doc *doc)
{
    wn_reader *r;
    wn_error err;
    wn_reader_opts o = WN_READER_OPTS_INIT;
    if (wn_reader_open(path, &o, &r, &err))
        return -1;
    int rc = wn_reader_next(r, doc, &err);
    wn_reader_close(r);
    return rc == WN_DOC ? 0 : -1;
}

typedef struct seen {
    char line[64][2048];
    char rule[64][48];
    size_t n;
} seen;

static void grab(void *ctx, const char *line, size_t n, const char *rule)
{
    seen *s = ctx;
    if (!n || s->n >= 64)
        return;
    snprintf(s->line[s->n], sizeof s->line[0], "%.*s", (int)n, line);
    snprintf(s->rule[s->n], sizeof s->rule[0], "%s", rule ? rule : "");
    s->n++;
}

/* Runs normalize -> [site_lines] -> clean on doc as `winnow clean` does and
 * records each line's verdict (rule "" = kept) in s. */
static void explain(wn_stage *site, wn_stage *clean, wn_doc *doc, seen *s)
{
    wn_stage *norm;
    wn_error err;
    memset(s, 0, sizeof *s);
    CHECK_INT(wn_stage_new("normalize", NULL, &norm, &err), 0);
    CHECK_INT(wn_stage_process(norm, doc, NULL), 1);
    wn_stage_free(norm);
    seen a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    wn_doc copy = WN_DOC_INIT;
    wn_doc_copy(&copy, doc);
    if (site) {
        CHECK_INT(wn_clean_lines(site, doc, NULL, grab, &a), 1);
        CHECK_INT(wn_stage_process(site, &copy, NULL), 1);
    }
    CHECK_INT(wn_clean_lines(clean, &copy, NULL, grab, &b), 1);
    size_t k = 0;
    if (!site)
        *s = b;
    else
        for (size_t i = 0; i < a.n; i++) {
            memcpy(s->line[s->n], a.line[i], sizeof a.line[i]);
            memcpy(s->rule[s->n], a.rule[i][0] ? a.rule[i] : b.rule[k++],
                   sizeof a.rule[i]);
            s->n++;
        }
    wn_doc_release(&copy);
}

/* Normalised label text equals the verdict line (NBSP -> space). */
static int same(const char *label, const char *line)
{
    char buf[2048];
    size_t k = 0;
    for (const char *p = label; *p && k + 1 < sizeof buf; p++) {
        if ((unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0) {
            if (k && buf[k - 1] != ' ')
                buf[k++] = ' ';
            p++;
            continue;
        }
        if (*p == ' ' && k && buf[k - 1] == ' ')
            continue;
        buf[k++] = *p;
    }
    while (k && buf[k - 1] == ' ')
        k--;
    buf[k] = 0;
    return !strcmp(buf, line);
}

static void check_page(int page, wn_stage *site, const char *url,
                       int expect_taglines_dropped)
{
    char rel[64];
    snprintf(rel, sizeof rel, "../examples/news-page-%d.txt", page);
    const char *txt = t_data(rel);
    snprintf(rel, sizeof rel, "../examples/news-page-%d.labels.tsv", page);
    const char *tsv = t_data(rel);
    if (!txt || !tsv)
        return;
    static lab labels[64];
    size_t nl = read_labels(tsv, labels, 64);
    CHECK(nl > 10);
    wn_doc doc = WN_DOC_INIT;
    CHECK_INT(read_doc(txt, &doc), 0);
    if (url)
        wn_buf_puts(&doc.url, url);
    wn_stage *clean;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", NULL, &clean, &err), 0);
    static seen s;
    explain(site, clean, &doc, &s);
    CHECK_INT(s.n, nl);
    for (size_t i = 0; i < nl && i < s.n; i++) {
        if (!same(labels[i].text, s.line[i])) {
            t_fail(__FILE__, __LINE__, "page %d line %zu: '%s' vs '%s'",
                   page, i, labels[i].text, s.line[i]);
            continue;
        }
        int dropped = s.rule[i][0] != 0;
        int want = labels[i].drop;
        if (!strcmp(labels[i].kind, "site-tagline"))
            want = expect_taglines_dropped;
        if (dropped != want)
            t_fail(__FILE__, __LINE__, "page %d: %s (%s) '%s' got %s", page,
                   want ? "DROP" : "KEEP", labels[i].kind, labels[i].text,
                   dropped ? s.rule[i] : "KEEP");
        if (dropped && !strcmp(labels[i].kind, "site-tagline"))
            CHECK_STR(s.rule[i], "site_lines");
    }
    wn_stage_free(clean);
    wn_doc_release(&doc);
}

TEST(clean_example_pages_alone)
{
    /* Without siblings the taglines cannot be known: they stay, and every
     * other label holds. */
    check_page(1, NULL, NULL, 0);
    check_page(2, NULL, NULL, 0);
}

static const char site_url[] =
    "https://news.jesus-coming-back.example/2019/06/france-warns-pentagon";

/* A site stage that has observed page 1 (with a url of the fixture's site)
 * and the first `more` fixture pages. */
static wn_stage *site_with(size_t more, const wn_config *cfg)
{
    const char *txt = t_data("../examples/news-page-1.txt");
    if (!txt)
        return NULL;
    wn_stage *site, *norm;
    wn_error err;
    CHECK_INT(wn_stage_new("site_lines", cfg, &site, &err), 0);
    CHECK_INT(wn_stage_new("normalize", NULL, &norm, &err), 0);
    CHECK(wn_stage_has_first_pass(site));
    wn_doc doc = WN_DOC_INIT;
    CHECK_INT(read_doc(txt, &doc), 0);
    wn_buf_puts(&doc.url, site_url);
    wn_stage_process(norm, &doc, NULL);
    CHECK_INT(wn_stage_observe(site, &doc), 0);
    wn_reader *r;
    wn_reader_opts o = WN_READER_OPTS_INIT;
    CHECK_INT(wn_reader_open(t_fixture("clean/site/pages.jsonl"), &o, &r,
                             &err), 0);
    for (size_t i = 0; i < more && wn_reader_next(r, &doc, &err) == WN_DOC;
         i++) {
        wn_stage_process(norm, &doc, NULL);
        CHECK_INT(wn_stage_observe(site, &doc), 0);
    }
    wn_reader_close(r);
    CHECK_INT(wn_stage_prepare(site, &err), 0);
    wn_stage_free(norm);
    wn_doc_release(&doc);
    return site;
}

TEST(clean_example_page_with_four_site_pages)
{
    for (size_t more = 4; more <= 5; more++) {
        wn_stage *site = site_with(more, NULL);
        if (!site)
            return;
        check_page(1, site, site_url, 1);
        wn_stage_free(site);
    }
}

TEST(clean_site_lines_need_enough_pages)
{
    /* Page 1 and one sibling: two pages are below min_pages = 3. */
    wn_stage *site = site_with(1, NULL);
    if (!site)
        return;
    check_page(1, site, site_url, 0);
    wn_stage_free(site);
    /* A stricter threshold than the site has pages keeps them too. */
    wn_config *c = wn_config_new();
    wn_config_set(c, "site_lines.min_pages", "7");
    site = site_with(5, c);
    check_page(1, site, site_url, 0);
    wn_stage_free(site);
    wn_config_free(c);
}

TEST(clean_site_lines_other_site_unaffected)
{
    /* The same page under another site's url: that site has 1 page. */
    wn_stage *site = site_with(5, NULL);
    if (!site)
        return;
    check_page(1, site, "https://www.other-site.example/a", 0);
    wn_stage_free(site);
}

TEST(clean_site_lines_corpus_scope_and_counts)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "site_lines.scope", "corpus");
    wn_config_set(c, "site_lines.min_pages", "2");
    wn_config_set(c, "site_lines.min_share", "0");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("site_lines", c, &st, &err), 0);
    static const char *const texts[] = {
        "Shared paragraph across sites.\nFirst page's own line.\n",
        "Shared  paragraph ACROSS sites!\nSecond page's own line.\n",
        "Third page's own line.\nThird page's own line.\n",
    };
    static const char *const urls[] = {"http://a.example/1",
                                       "http://b.example/2",
                                       "http://c.example/3"};
    wn_doc d = WN_DOC_INIT;
    for (int i = 0; i < 3; i++) {
        wn_doc_reset(&d);
        wn_buf_puts(&d.text, texts[i]);
        wn_buf_puts(&d.url, urls[i]);
        CHECK_INT(wn_stage_observe(st, &d), 0);
    }
    CHECK_INT(wn_stage_prepare(st, &err), 0);
    CHECK_INT(wn_stage_observe(st, &d), WN_EINVAL); /* pass closed */
    wn_doc_reset(&d);
    wn_buf_puts(&d.text, texts[0]);
    wn_buf_puts(&d.url, urls[0]);
    wn_buf reason = WN_BUF_INIT;
    CHECK_INT(wn_stage_process(st, &d, &reason), 1);
    CHECK_STR(d.text.data, "First page's own line.\n");
    /* A line printed twice on one page counts once: page 3 keeps both. */
    wn_doc_reset(&d);
    wn_buf_puts(&d.text, texts[2]);
    CHECK_INT(wn_stage_process(st, &d, &reason), 1);
    CHECK_STR(d.text.data, texts[2]);
    const char *name;
    uint64_t n;
    CHECK(wn_clean_rule_at(st, 0, &name, &n));
    CHECK_STR(name, "site_lines");
    CHECK_INT(n, 1);
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_stage_free(st);
    wn_config_free(c);
}

TEST(clean_site_lines_table_full_only_undercounts)
{
    /* A 1 MiB table (65536 slots) fed far more distinct lines than it can
     * hold: sweeps evict singletons, and lines repeated on every page
     * still reach their count. */
    wn_config *c = wn_config_new();
    wn_config_set(c, "site_lines.table_mb", "1");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("site_lines", c, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.url, "https://big.example/");
    for (int p = 0; p < 400; p++) {
        wn_buf_reset(&d.text);
        wn_buf_puts(&d.text, "Site footer line\n");
        for (int i = 0; i < 400; i++)
            wn_buf_printf(&d.text, "unique line %d of page %d x%c\n", i, p,
                          'a' + (i % 26));
        CHECK_INT(wn_stage_observe(st, &d), 0);
    }
    CHECK_INT(wn_stage_prepare(st, &err), 0);
    wn_buf_set(&d.text, "Site footer line\nunique line 1 of page 1 xb\n", 43);
    wn_buf reason = WN_BUF_INIT;
    CHECK_INT(wn_stage_process(st, &d, &reason), 1);
    CHECK_STR(d.text.data, "unique line 1 of page 1 xb\n");
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_stage_free(st);
    wn_config_free(c);
}

TEST(clean_site_key_registered_domain)
{
    /* Checked through the stage: pages of sub-domains of one registered
     * domain share lines; a ccTLD second level and a hosting suffix do
     * not merge different owners. */
    static const struct {
        const char *a, *b;
        int same;
    } cases[] = {
        {"https://www.rt.com/news/1", "http://rt.com/x", 1},
        {"https://news.bbc.co.uk/1", "https://www.bbc.co.uk/2", 1},
        {"https://a.co.uk/1", "https://b.co.uk/2", 0},
        {"https://alice.blogspot.com/1", "https://bob.blogspot.com/2", 0},
        {"https://alice.blogspot.com/1", "https://ALICE.blogspot.com:80/2", 1},
        {"https://user@shop.example.org:8080/1", "https://example.org", 1},
        {"http://192.168.1.10/a", "http://192.168.1.11/a", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wn_config *c = wn_config_new();
        wn_config_set(c, "site_lines.min_pages", "2");
        wn_stage *st;
        wn_error err;
        CHECK_INT(wn_stage_new("site_lines", c, &st, &err), 0);
        wn_doc d = WN_DOC_INIT;
        const char *urls[2] = {cases[i].a, cases[i].b};
        for (int k = 0; k < 2; k++) {
            wn_doc_reset(&d);
            wn_buf_puts(&d.url, urls[k]);
            wn_buf_puts(&d.text, "Template line\nOwn line\n");
            wn_buf_printf(&d.text, "%d\n", k);
            wn_stage_observe(st, &d);
        }
        wn_stage_prepare(st, &err);
        wn_doc_reset(&d);
        wn_buf_puts(&d.url, cases[i].a);
        wn_buf_puts(&d.text, "Template line\nMine\n");
        wn_stage_process(st, &d, NULL);
        int merged = !strcmp(d.text.data, "Mine\n");
        if (merged != cases[i].same)
            t_fail(__FILE__, __LINE__, "%s vs %s: same site %d, expected %d",
                   cases[i].a, cases[i].b, merged, cases[i].same);
        wn_doc_release(&d);
        wn_stage_free(st);
        wn_config_free(c);
    }
}
