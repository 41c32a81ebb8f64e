/*
 * test_core.c - wn_buf, UTF-8 repair, JSON scanning and escaping, wn_doc
 * metadata, configuration.
 */
#include "t.h"
#include "../../src/core/core.h"

TEST(buf_grows_and_stays_terminated)
{
    wn_buf b = WN_BUF_INIT;
    for (int i = 0; i < 1000; i++)
        CHECK_INT(wn_buf_printf(&b, "%d,", i), 0);
    CHECK(b.len > 3000);
    CHECK_INT(b.data[b.len], 0);
    CHECK(!strncmp(b.data, "0,1,2,", 6));
    wn_buf_reset(&b);
    CHECK_INT(b.len, 0);
    CHECK_STR(b.data, "");
    wn_buf_set(&b, "abc", 3);
    CHECK_STR(b.data, "abc");
    wn_buf_release(&b);
    CHECK(b.data == NULL && b.alloc == 0);
}

TEST(utf8_valid_text_passes_unchanged)
{
    const char *s = "plain ascii, caf\xc3\xa9, \xe2\x82\xac, \xf0\x9f\x98\x80";
    CHECK(wn_utf8_valid(s, strlen(s)));
    wn_buf out = WN_BUF_INIT;
    CHECK_INT(wn_utf8_repair(s, strlen(s), &out, NULL), 0);
    CHECK_STR(out.data, s);
    wn_buf_release(&out);
}

TEST(utf8_invalid_sequences_become_replacement)
{
    struct {
        const char *in;
        size_t n;
        const char *out;
        long reps;
    } cases[] = {
        {"a\xff" "b", 3, "a\xef\xbf\xbd" "b", 1},
        {"\xc3", 1, "\xef\xbf\xbd", 1},                  /* cut sequence */
        {"\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 2},  /* overlong */
        {"\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 3}, /* surrogate */
        {"\xe2\x82" "x", 3, "\xef\xbf\xbd" "x", 1},     /* maximal subpart */
        {"\xf4\x90\x80\x80", 4,
         "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 4}, /* > U+10FFFF */
        {"a\0b", 3, "a\xef\xbf\xbd" "b", 1},             /* NUL */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        wn_buf out = WN_BUF_INIT;
        size_t nuls = 0;
        long r = wn_utf8_repair(cases[i].in, cases[i].n, &out, &nuls);
        CHECK_INT(r, cases[i].reps);
        CHECK_STR(out.data, cases[i].out);
        CHECK(wn_utf8_valid(out.data, out.len));
        CHECK(!wn_utf8_valid(cases[i].in, cases[i].n));
        wn_buf_release(&out);
    }
}

TEST(utf8_repair_long_ascii_runs)
{
    /* exercises the 8-bytes-at-a-time path around a bad byte */
    char s[100];
    memset(s, 'x', sizeof s);
    s[57] = (char)0x80;
    wn_buf out = WN_BUF_INIT;
    CHECK_INT(wn_utf8_repair(s, sizeof s, &out, NULL), 1);
    CHECK_INT(out.len, 102);
    CHECK(wn_utf8_valid(out.data, out.len));
    wn_buf_release(&out);
}

static int decode(const char *lit, wn_buf *out, size_t *rep)
{
    const char *p = lit;
    wn_buf_reset(out);
    return json_decode_string(&p, lit + strlen(lit), out, rep);
}

TEST(json_string_escapes_and_surrogate_pairs)
{
    wn_buf out = WN_BUF_INIT;
    size_t rep = 0;
    CHECK_INT(decode("\"a\\n\\t\\\"\\\\\\/\\b\\f\\r\"", &out, &rep), 0);
    CHECK_STR(out.data, "a\n\t\"\\/\b\f\r");
    CHECK_INT(decode("\"\\u00e9\\u20ac\\ud83d\\ude00\"", &out, &rep), 0);
    CHECK_STR(out.data, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK_INT(rep, 0);
    /* lone surrogates and \u0000 are repaired and counted */
    CHECK_INT(decode("\"x\\ud800y\\udc00z\\u0000\"", &out, &rep), 0);
    CHECK_STR(out.data, "x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd");
    CHECK_INT(rep, 3);
    CHECK(decode("\"bad \\x escape\"", &out, &rep) != 0);
    CHECK(decode("\"unterminated", &out, &rep) != 0);
    CHECK(decode("\"\\u12\"", &out, &rep) != 0);
    wn_buf_release(&out);
}

TEST(json_skip_value_validates)
{
    const char *good[] = {"{}", "[]", "{\"a\":[1,2.5e3,-0.1,true,false,null]}",
                          "\"s\\u0041\"", "-0", "[[[]]]", "{\"k\" : { \"x\" : 1 } }"};
    const char *bad[] = {"{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "\"a\tb\"",
                         "{\"a\":1,}", "[1 2]", "-", "1e"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        const char *p = good[i], *e = p + strlen(p);
        CHECK_INT(json_skip_value(&p, e, 64), 0);
        CHECK(p == e);
    }
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *p = bad[i], *e = p + strlen(p);
        int rc = json_skip_value(&p, e, 64);
        CHECK(rc != 0 || p != e);
    }
    const char deep[] = "[[[[[[[[[[1]]]]]]]]]]";
    const char *p = deep;
    CHECK_INT(json_skip_value(&p, deep + strlen(deep), 5), WN_ELIMIT);
}

TEST(json_escape_round_trips_every_byte_class)
{
    char s[160];
    for (int i = 0; i < 128; i++)
        s[i] = (char)(i ? i : 'x');
    memcpy(s + 127, "\xc3\xa9\xe2\x82\xac", 5);
    size_t n = 132;
    wn_buf lit = WN_BUF_INIT, back = WN_BUF_INIT;
    CHECK_INT(wn_json_put_string(&lit, s, n), 0);
    size_t rep = 0;
    const char *p = lit.data;
    CHECK_INT(json_decode_string(&p, lit.data + lit.len, &back, &rep), 0);
    CHECK_MEM(back.data, back.len, s, n);
    CHECK(p == lit.data + lit.len);
    wn_buf_release(&lit);
    wn_buf_release(&back);
}

TEST(doc_meta_set_get_replace_keeps_order)
{
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_doc_meta_set(&d, "a", "1", 1), 0);
    CHECK_INT(wn_doc_meta_set_str(&d, "b", "x\"y", 3), 0);
    CHECK_INT(wn_doc_meta_set_num(&d, "c", 0.25), 0);
    CHECK_STR(d.meta.data, "\"a\":1,\"b\":\"x\\\"y\",\"c\":0.25");
    CHECK_INT(wn_doc_meta_set(&d, "b", "[1,2]", 5), 0);
    CHECK_STR(d.meta.data, "\"a\":1,\"b\":[1,2],\"c\":0.25");
    const char *v;
    size_t n;
    CHECK(wn_doc_meta_get(&d, "b", &v, &n));
    CHECK_MEM(v, n, "[1,2]", 5);
    CHECK(!wn_doc_meta_get(&d, "zz", &v, &n));
    wn_doc_release(&d);
}

TEST(doc_to_json_fixed_key_order)
{
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, "hello\n");
    wn_buf_puts(&d.id, "doc-1");
    wn_buf_puts(&d.source, "f.jsonl:0");
    wn_doc_meta_set(&d, "lang", "\"en\"", 4);
    wn_buf out = WN_BUF_INIT;
    CHECK_INT(wn_doc_to_json(&d, &out), 0);
    CHECK_STR(out.data, "{\"id\":\"doc-1\",\"source\":\"f.jsonl:0\","
                        "\"text\":\"hello\\n\",\"lang\":\"en\"}");
    wn_buf_release(&out);
    wn_doc_release(&d);
}

TEST(config_set_lookup_ini)
{
    wn_config *c = wn_config_new();
    CHECK(c != NULL);
    CHECK_INT(wn_config_set(c, "b.x", "1"), 0);
    CHECK_INT(wn_config_set(c, "a.y", "2"), 0);
    CHECK_INT(wn_config_set(c, "b.x", "3"), 0);
    CHECK_STR(wn_config_lookup(c, "b.x"), "3");
    CHECK(wn_config_lookup(c, "nope") == NULL);
    const char ini[] = "# comment\n[gopher]\nmin_words = 40\n; other\n[io]\nmax_record=1M\n";
    const char *path = t_write_file("c.ini", ini, sizeof ini - 1);
    wn_error err;
    CHECK_INT(wn_config_load_ini(c, path, &err), 0);
    CHECK_STR(wn_config_lookup(c, "gopher.min_words"), "40");
    CHECK_STR(wn_config_lookup(c, "io.max_record"), "1M");
    const char bad[] = "[gopher\nmin_words 40\n";
    path = t_write_file("bad.ini", bad, sizeof bad - 1);
    CHECK(wn_config_load_ini(c, path, &err) < 0);
    CHECK(strstr(err.msg, "line") != NULL);
    wn_config_free(c);
}

TEST(stats_json_and_sum)
{
    wn_stats a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.docs = 2;
    b.docs = 3;
    b.bad_json = 1;
    wn_stats_add(&a, &b);
    CHECK_INT(a.docs, 5);
    CHECK_INT(wn_stats_bad(&a), 1);
    wn_buf out = WN_BUF_INIT;
    wn_stats_write_json(&a, &out);
    CHECK(strstr(out.data, "\"docs\":5") != NULL);
    CHECK(strstr(out.data, "\"bad_json\":1") != NULL);
    wn_buf_release(&out);
}

TEST(parse_size_forms)
{
    size_t v = 0;
    CHECK_INT(wn_parse_size("4096", &v), 0);
    CHECK_INT(v, 4096);
    CHECK_INT(wn_parse_size("64k", &v), 0);
    CHECK_INT(v, 65536);
    CHECK_INT(wn_parse_size("64M", &v), 0);
    CHECK_INT(v, 64 << 20);
    CHECK_INT(wn_parse_size("2GiB", &v), 0);
    CHECK_INT(v, (size_t)2 << 30);
    CHECK_INT(wn_parse_size("8MB", &v), 0);
    CHECK_INT(v, 8 << 20);
    const char *bad[] = {"", "-1", "M", "1.5", "12X", "3MBB", "7 M"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK_INT(wn_parse_size(bad[i], &v), WN_EINVAL);
}
