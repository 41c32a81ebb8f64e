/*
 * test_report.c - the pieces of the report: JSON views (src/core/jview.c),
 * the domain counter (src/pipeline/counter.c), url hosts, HTML escaping
 * and JSON pointers (src/pipeline/report_html.c).
 */
#include "t.h"
#include "../../src/pipeline/report.h"
#include "../../src/pipeline/tally.h"

TEST(jview_reads_members_elements_and_pointers)
{
    const char *s = " {\"documents\":{\"read\":11,\"kept\":4},"
                    "\"stages\":[{\"name\":\"extract\",\"in\":11}],"
                    "\"a/b\":{\"c~d\":7},\"caf\\u00e9\":\"x\\ny\",\"n\":-2.5} ";
    jview v, x, it, val;
    CHECK_INT(jview_parse(s, strlen(s), &v), 0);
    CHECK(jview_path(v, "/documents/read", &x) && jview_u64(x) == 11);
    CHECK(jview_path(v, "/stages/0/in", &x) && jview_u64(x) == 11);
    CHECK(!jview_path(v, "/stages/1/in", &x));
    CHECK(!jview_path(v, "/documents/nope", &x));
    CHECK(jview_path(v, "/n", &x) && jview_num(x) == -2.5 && !jview_u64(x));
    char name[16];
    CHECK(jview_path(v, "/stages/0/name", &x) &&
          jview_cstr(x, name, sizeof name));
    CHECK_STR(name, "extract");
    /* a name cut to the buffer, never past it */
    CHECK(jview_cstr(x, name, 4));
    CHECK_STR(name, "ext");
    wn_buf b = WN_BUF_INIT;
    CHECK(jview_get(v, "caf\xc3\xa9", &x));
    CHECK_INT(jview_str(x, &b), 0);
    CHECK_STR(b.data, "x\ny");
    /* member names decoded while iterating */
    char key[JVIEW_KEY];
    int n = 0, seen_cafe = 0;
    CHECK(jview_iter(v, &it));
    while (jview_next(&it, key, sizeof key, &val)) {
        n++;
        seen_cafe |= !strcmp(key, "caf\xc3\xa9");
    }
    CHECK_INT(n, 5);
    CHECK(seen_cafe);
    /* an array of strings is not mistaken for members */
    const char *arr = "[\"a\",\"b\",{\"c\":1}]";
    CHECK_INT(jview_parse(arr, strlen(arr), &v), 0);
    CHECK(jview_iter(v, &it));
    n = 0;
    while (jview_next(&it, NULL, 0, &val))
        n++;
    CHECK_INT(n, 3);
    wn_buf_release(&b);
}

TEST(jview_refuses_what_is_not_one_value)
{
    const char *bad[] = {"", "{", "{\"a\":1,}", "[1] [2]", "{\"a\" 1}",
                         "\"\\x\""};
    jview v;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_INT(jview_parse(bad[i], strlen(bad[i]), &v), WN_EFORMAT);
}

TEST(counter_counts_and_ranks)
{
    counter c;
    memset(&c, 0, sizeof c);
    char k[32];
    for (int i = 0; i < 1000; i++) {
        int n = snprintf(k, sizeof k, "d%d.example", i % 250);
        CHECK_INT(counter_add(&c, k, (size_t)n, (uint64_t)(i % 250 == 7) + 1),
                  0);
    }
    CHECK_INT(c.n, 250);
    tally_kv *top;
    size_t n;
    CHECK_INT(counter_top(&c, 3, &top, &n), 0);
    CHECK_INT(n, 3);
    CHECK_STR(top[0].key, "d7.example"); /* counted twice as much */
    CHECK_INT(top[0].n, 8);
    CHECK_STR(top[1].key, "d0.example"); /* ties: by key */
    CHECK_INT(top[1].n, 4);
    free(top);
    counter_release(&c);
}

TEST(doc_host_of_urls)
{
    static const char *const cases[][2] = {
        {"https://www.Example.com/a/b?c", "www.example.com"},
        {"http://user@host.org:8080/x", "host.org"},
        {"ftp://h#frag", "h"},
        {"no-scheme.example/path", "no-scheme.example"},
        {"", ""},
    };
    wn_doc d = WN_DOC_INIT;
    wn_buf h = WN_BUF_INIT;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wn_buf_set(&d.url, cases[i][0], strlen(cases[i][0]));
        CHECK_INT(tally_doc_host(&d, &h), 0);
        CHECK_STR(h.data ? h.data : "", cases[i][1]);
    }
    wn_doc_release(&d);
    wn_buf_release(&h);
}

TEST(report_escapes_text_and_pointers)
{
    wn_buf o = WN_BUF_INIT;
    const char s[] = "<script>a&b\"c'd</script>\0e";
    CHECK_INT(rh_esc(&o, s, sizeof s - 1), 0);
    CHECK_STR(o.data, "&lt;script&gt;a&amp;b&quot;c&#39;d&lt;/script&gt;"
                      "\xEF\xBF\xBD" "e");
    char p[64];
    const char *parts[] = {"domains", "a/b~c", NULL};
    rh_stat(p, sizeof p, parts);
    CHECK_STR(p, "/domains/a~1b~0c");
    rh_stat(p, 8, parts); /* too long: empty, never a wrong pointer */
    CHECK_STR(p, "");
    wn_buf_reset(&o);
    CHECK_INT(rh_num(&o, 1234567), 0);
    CHECK_STR(o.data, "1,234,567");
    wn_buf_release(&o);
}
