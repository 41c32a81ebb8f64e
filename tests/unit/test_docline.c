/*
 * test_docline.c - reading a document's line without decoding it
 * (src/pipeline/docline.c, json_measure_string): the same figures as the
 * JSONL reader's decoded document, and damaged lines refused.
 */
#include "t.h"
#include "../../src/pipeline/docline.h"
#include "../../src/pipeline/tally.h"

/* The figures of line as decoded by the reader (the reference). */
static int decode_line(const char *line, wn_doc *d)
{
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.format = WN_FMT_JSONL;
    wn_reader *r;
    wn_error e;
    char path[512];
    snprintf(path, sizeof path, "%s/line.jsonl", t_tmpdir());
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    fprintf(f, "%s\n", line);
    fclose(f);
    if (wn_reader_open(path, &ro, &r, &e))
        return -1;
    int rc = wn_reader_next(r, d, &e);
    wn_reader_close(r);
    return rc == WN_DOC ? 0 : -1;
}

static void check_same(const wn_doc *src)
{
    wn_buf line = WN_BUF_INIT, s = WN_BUF_INIT;
    CHECK_INT(wn_doc_to_json(src, &line), 0);
    docline dl;
    CHECK_INT(docline_scan(line.data, line.len, &dl), 0);
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(decode_line(line.data, &d), 0);
    tally_doc want;
    tally_doc_of(&want, &d);
    CHECK_INT(dl.text_bytes, want.bytes);
    CHECK_INT(dl.text_chars, want.chars);
    CHECK_INT(jview_str(dl.text, &s), 0);
    CHECK(s.len == d.text.len &&
          (!s.len || !memcmp(s.data, d.text.data, s.len)));
    CHECK_INT(jview_str(dl.id, &s), 0);
    CHECK_STR(s.data, d.id.data);
    CHECK_INT(jview_str(dl.url, &s), 0);
    CHECK_STR(s.data, d.url.data ? d.url.data : "");
    CHECK_INT(!!dl.lang.p, !!want.lang);
    if (dl.lang.p && want.lang)
        CHECK(dl.lang.end - dl.lang.p == (long)want.lang_n &&
              !memcmp(dl.lang.p, want.lang, want.lang_n));
    CHECK_INT(!!dl.dupc.p, !!want.dupc);
    wn_doc_release(&d);
    wn_buf_release(&line);
    wn_buf_release(&s);
}

TEST(docline_reads_what_the_reader_decodes)
{
    static const char *texts[] = {
        "",
        "plain ascii text that is longer than eight bytes",
        "quotes \" and \\ backslashes, tabs\tand\nnew lines\r\n",
        "caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d \xf0\x9f\x98\x80 emoji",
        "controls \x01\x1f\x7f end",
        "\xe4\xb8\xad\xe6\x96\x87\xe6\x96\x87\xe6\x9c\xac\xe3\x80\x82",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        wn_doc d = WN_DOC_INIT;
        wn_buf_puts(&d.id, "id-\"1\"");
        wn_buf_puts(&d.url, i % 2 ? "https://Ex.org/a\\b" : "http://e.org/");
        wn_buf_puts(&d.source, "src:0");
        wn_buf_puts(&d.text, texts[i]);
        if (i % 3 == 0)
            wn_doc_meta_set(&d, "language", "\"en\"", 4);
        if (i % 2 == 0)
            wn_doc_meta_set_num(&d, "duplicate_count", 3);
        wn_doc_meta_set_str(&d, "reject_reason", "c4_filter:x=1<2", 15);
        check_same(&d);
        d.kind = WN_DOC_HTML; /* an HTML document: its html is measured */
        wn_buf_puts(&d.http, "HTTP/1.1 200");
        check_same(&d);
        wn_doc_release(&d);
    }
    /* a member name with escapes is still found; a non-string id is meta */
    const char *l = "{\"id\":\"a\",\"text\":\"x\\u00e9\\ud83d\\ude00\","
                    "\"lang\\u0075age\":\"de\",\"url\":7}";
    docline dl;
    CHECK_INT(docline_scan(l, strlen(l), &dl), 0);
    CHECK_INT(dl.text_bytes, 1 + 2 + 4);
    CHECK_INT(dl.text_chars, 3);
    CHECK(dl.lang.p && !memcmp(dl.lang.p, "\"de\"", 4));
    CHECK(!dl.url.p);
}

TEST(docline_refuses_what_the_reader_would_repair)
{
    static const char *bad[] = {
        "{\"text\":\"lone \\ud800 surrogate\"}",
        "{\"text\":\"nul \\u0000\"}",
        "{\"text\":\"bad utf8 \xc3\x28 here\"}",
        "{\"text\":\"cut",
        "{\"text\":\"x\",\"text\":\"y\"}",
        "{\"id\":\"a\",\"id\":\"b\",\"text\":\"y\"}",
        "{\"id\":\"a\"}",
        "{\"text\":\"x\"} trailing",
        "{\"text\":\"bad escape \\q\"}",
        "[1,2]",
        "",
    };
    docline dl;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (docline_scan(bad[i], strlen(bad[i]), &dl) != WN_EFORMAT)
            t_fail(__FILE__, __LINE__, "accepted: %s", bad[i]);
    /* a raw NUL inside the text, at every position of an 8-byte block */
    for (int k = 0; k < 8; k++) {
        char b[64] = "{\"text\":\"abcdefghijklmnop\"}";
        b[9 + k] = 0;
        CHECK_INT(docline_scan(b, 28, &dl), WN_EFORMAT);
    }
}
