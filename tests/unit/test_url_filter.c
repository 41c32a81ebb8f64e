/*
 * test_url_filter.c - the registered domain (src/core/url.c, libpsl), the
 * block-list sets (src/filter/urllist.c) and the "url_filter" stage with
 * lists this test writes: domains, sub-domains, URLs, UT1 directories,
 * hard- and soft-banned words, reasons that name the list and the entry.
 */
#include "t.h"
#include "../../src/core/core.h"
#include "../../src/filter/urllist.h"

#include <sys/stat.h>

TEST(url_registered_domain_psl)
{
    static const char *const cases[][2] = {
        {"https://news.bbc.co.uk/a", "bbc.co.uk"},
        {"http://WWW.Example.COM:8080/x?y", "example.com"},
        {"https://alice.github.io/p", "alice.github.io"},
        {"https://user@shop.example.org.", "example.org"},
        {"example.net/path", "example.net"},
        {"http://192.168.1.10/a", "192.168.1.10"},
        {"http://[::1]:80/a", "[::1]"},
        {"http://localhost/", "localhost"},
        {"http://co.uk/", "co.uk"},
        {"https://a.b.c.kawasaki.jp/", "b.c.kawasaki.jp"},
    };
    /* asked again (the per-thread memo answers), and among more hosts
     * than it holds */
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
            char host[256];
            url_host(cases[i][0], strlen(cases[i][0]), host, sizeof host);
            CHECK_STR(url_registered_domain(host), cases[i][1]);
        }
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 300; i++) {
            char host[64];
            snprintf(host, sizeof host, "s%d.%s", i,
                     i % 3 ? "example.co.uk" : "github.io");
            const char *r = url_registered_domain(host);
            CHECK(r >= host && r < host + strlen(host));
            CHECK_STR(r, i % 3 ? "example.co.uk" : host);
        }
    /* a host too long for the memo is answered all the same */
    char big[200];
    memset(big, 'a', 150);
    strcpy(big + 150, ".example.com");
    CHECK_STR(url_registered_domain(big), "example.com");
}

TEST(url_set_lists)
{
    url_set *d = url_set_new(URLSET_DOMAIN), *u = url_set_new(URLSET_URL);
    static const char dl[] = "# comment\n  Bad.COM \n\n*.evil.org\n.x.net.\n"
                             "bad.com\n";
    static const char ul[] = "http://www.site.com/page/\r\nsite.com/Other\n";
    CHECK_INT((int)url_set_add_text(d, dl, sizeof dl - 1, 3), 3);
    CHECK_INT((int)url_set_add_text(u, ul, sizeof ul - 1, 1), 2);
    uint32_t l = 99;
    CHECK(url_set_has(d, "bad.com", 7, &l) && l == 3);
    CHECK(url_set_has(d, "evil.org", 8, NULL));
    CHECK(url_set_has(d, "x.net", 5, NULL));
    CHECK(!url_set_has(d, "bad.co", 6, NULL));
    CHECK(!url_set_has(d, "bad.comx", 8, NULL));
    wn_buf k = WN_BUF_INIT;
    url_set_key(URLSET_URL, "HTTPS://site.com/page", 21, &k);
    CHECK(url_set_has(u, k.data, k.len, NULL));
    url_set_key(URLSET_URL, "https://site.com/other/", 23, &k);
    CHECK(url_set_has(u, k.data, k.len, NULL));
    /* bytes that are not text, an empty list, a lone '\n' */
    CHECK_INT((int)url_set_add_text(d, "a\0b\n\n", 5, 0), 0);
    CHECK_INT((int)url_set_add_text(d, "", 0, 0), 0);
    wn_buf_release(&k);
    url_set_free(d);
    url_set_free(u);
}

/* Runs url_filter with cfg on url; returns keep (1) / drop (0). */
static int judge(wn_config *cfg, const char *url, wn_buf *why)
{
    wn_stage *st;
    wn_error err;
    if (wn_stage_new("url_filter", cfg, &st, &err)) {
        t_fail(__FILE__, __LINE__, "url_filter: %s", err.msg);
        return -1;
    }
    wn_doc d = WN_DOC_INIT;
    if (url)
        wn_buf_puts(&d.url, url);
    wn_buf_puts(&d.text, "text");
    int rc = wn_stage_process(st, &d, why);
    wn_doc_release(&d);
    wn_stage_free(st);
    return rc;
}

TEST(url_filter_stage)
{
    char dom[512], urls[512], hard[512], soft[512], ut1[512], p[600];
    snprintf(dom, sizeof dom, "%s", t_write_file("dom.txt",
             "blocked.com\nads.tracker.org\n", 29));
    snprintf(urls, sizeof urls, "%s", t_write_file("urls.txt",
             "fine.com/bad-page\n", 18));
    snprintf(hard, sizeof hard, "%s", t_write_file("hard.txt", "porn\n", 5));
    snprintf(soft, sizeof soft, "%s", t_write_file("soft.txt",
             "bet\ncasino\npoker\n", 17));
    snprintf(ut1, sizeof ut1, "%s/ut1-adult", t_tmpdir());
    mkdir(ut1, 0755);
    snprintf(p, sizeof p, "%s/domains", ut1);
    FILE *f = fopen(p, "w");
    fputs("ut1-only.net\n", f);
    fclose(f);
    wn_config *c = wn_config_new();
    wn_config_set(c, "url_filter.domains", dom);
    wn_config_set(c, "url_filter.urls", urls);
    wn_config_set(c, "url_filter.banned_words", hard);
    wn_config_set(c, "url_filter.soft_words", soft);
    wn_config_set(c, "url_filter.ut1", ut1);
    wn_buf why = WN_BUF_INIT;
    char want[700];
    CHECK_INT(judge(c, "https://www.blocked.com/x", &why), 0);
    snprintf(want, sizeof want, "url_filter:domain=blocked.com (%s)", dom);
    CHECK_STR(why.data, want);
    CHECK_INT(judge(c, "http://ads.tracker.org/", &why), 0);
    snprintf(want, sizeof want, "url_filter:subdomain=ads.tracker.org (%s)",
             dom);
    CHECK_STR(why.data, want);
    CHECK_INT(judge(c, "http://cdn.tracker.org/", &why), 1);
    CHECK_INT(judge(c, "https://www.fine.com/bad-page/", &why), 0);
    snprintf(want, sizeof want, "url_filter:url=fine.com/bad-page (%s)", urls);
    CHECK_STR(why.data, want);
    CHECK_INT(judge(c, "https://fine.com/bad-page-2", &why), 1);
    CHECK_INT(judge(c, "https://x.ut1-only.net/", &why), 0);
    snprintf(want, sizeof want, "url_filter:domain=ut1-only.net (%s/domains)",
             ut1);
    CHECK_STR(why.data, want);
    CHECK_INT(judge(c, "https://site.com/free-PORN/1", &why), 0);
    snprintf(want, sizeof want, "url_filter:banned_word=porn (%s)", hard);
    CHECK_STR(why.data, want);
    /* words, not substrings: "pornography" is another word */
    CHECK_INT(judge(c, "https://site.com/pornography", &why), 1);
    CHECK_INT(judge(c, "https://site.com/casino/casino", &why), 1);
    CHECK_INT(judge(c, "https://site.com/casino/poker_bet", &why), 0);
    snprintf(want, sizeof want,
             "url_filter:soft_banned_words=3>=2 (casino, poker, bet; %s)",
             soft);
    CHECK_STR(why.data, want);
    wn_config_set(c, "url_filter.soft_min", "4");
    CHECK_INT(judge(c, "https://site.com/casino/poker_bet", &why), 1);
    CHECK_INT(judge(c, NULL, &why), 1); /* no url: kept */
    /* a missing list is a usage error naming it */
    wn_config_set(c, "url_filter.domains", "/nonexistent/list");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("url_filter", c, &st, &err), WN_EINVAL);
    CHECK(strstr(err.file, "/nonexistent/list") != NULL);
    wn_config_set(c, "url_filter.domains", "");
    wn_config_set(c, "url_filter.ut1", t_tmpdir());
    CHECK_INT(wn_stage_new("url_filter", c, &st, &err), WN_EINVAL);
    wn_buf_release(&why);
    wn_config_free(c);
    /* without lists, everything is kept */
    CHECK_INT(judge(NULL, "https://blocked.com/", &why), 1);
    wn_buf_release(&why);
}
