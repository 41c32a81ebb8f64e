/*
 * test_io.c - readers (WARC/WET, JSONL, text), codecs (gzip multi-member,
 * zstd), damage handling with offsets, the input fingerprints and the
 * round trip (the writers: test_writer.c).
 */
#include "t.h"
#include "../../src/io/io.h"
#include "../../src/io/input.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

static void zst_frame(wn_buf *out, const char *data, size_t n)
{
    size_t cap = ZSTD_compressBound(n);
    wn_buf_reserve(out, cap);
    out->len += ZSTD_compress(out->data + out->len, cap, data, n, 3);
}

static void warc_record(wn_buf *out, const char *type, const char *uri,
                        const char *id, const char *block)
{
    wn_buf_printf(out,
                  "WARC/1.0\r\nWARC-Type: %s\r\nWARC-Target-URI: %s\r\n"
                  "WARC-Date: 2024-05-01T00:00:00Z\r\nWARC-Record-ID: %s\r\n"
                  "Content-Type: text/plain\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                  type, uri, id, strlen(block), block);
}

static wn_buf wet_three(void)
{
    wn_buf w = WN_BUF_INIT;
    warc_record(&w, "warcinfo", "", "<urn:uuid:0>", "software: test\r\n");
    warc_record(&w, "conversion", "http://a.example/1", "<urn:uuid:1>",
                "First page.\nSecond line.");
    warc_record(&w, "conversion", "http://b.example/2", "<urn:uuid:2>",
                "Another page \xc3\xa9.");
    return w;
}

TEST(wet_plain_fields)
{
    wn_buf w = wet_three();
    const char *p = t_write_file("a.wet", w.data, w.len);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_format(r), WN_FMT_WARC);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.text.data, "First page.\nSecond line.");
    CHECK_STR(d.url.data, "http://a.example/1");
    CHECK_STR(d.id.data, "<urn:uuid:1>");
    CHECK_STR(d.date.data, "2024-05-01T00:00:00Z");
    CHECK(strstr(d.source.data, "a.wet:") != NULL);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.url.data, "http://b.example/2");
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    const wn_stats *st = wn_reader_stats(r);
    CHECK_INT(st->warc_records, 3);
    CHECK_INT(st->warc_conversion, 2);
    CHECK_INT(st->warc_skipped, 1);
    CHECK_INT(wn_stats_bad(st), 0);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&w);
}

/* WET split into one gzip member per record, as Common Crawl writes. */
static wn_buf wet_gz_members(const wn_buf *w)
{
    wn_buf gz = WN_BUF_INIT;
    const char *s = w->data, *end = w->data + w->len;
    while (s < end) {
        const char *n = s + 1;
        while (n < end && strncmp(n, "WARC/1.0\r\n", 10))
            n++;
        t_gzip_member(&gz, s, (size_t)(n - s));
        s = n;
    }
    return gz;
}

TEST(wet_gzip_multi_member)
{
    wn_buf w = wet_three();
    wn_buf gz = wet_gz_members(&w);
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(t_write_file("a.wet.gz", gz.data, gz.len), NULL,
                             &out, &bad);
    CHECK_INT(st.docs, 2);
    CHECK_INT(bad, 0);
    CHECK_INT(st.bytes_decoded, w.len);
    CHECK_INT(st.bytes_in, gz.len);
    wn_buf_release(&w);
    wn_buf_release(&gz);
    wn_buf_release(&out);
}

TEST(gzip_corrupt_member_is_skipped_rest_read)
{
    wn_buf w = WN_BUF_INIT;
    wn_buf gz = WN_BUF_INIT;
    const char *texts[] = {"one", "two", "three", "four"};
    size_t starts[4];
    for (int i = 0; i < 4; i++) {
        wn_buf rec = WN_BUF_INIT;
        char uri[32], id[32];
        snprintf(uri, sizeof uri, "http://x/%d", i);
        snprintf(id, sizeof id, "<urn:%d>", i);
        warc_record(&rec, "conversion", uri, id, texts[i]);
        starts[i] = gz.len;
        t_gzip_member(&gz, rec.data, rec.len);
        wn_buf_release(&rec);
    }
    /* damage the deflate data of member 2 */
    size_t mid = (starts[1] + starts[2]) / 2;
    for (size_t k = mid; k < mid + 8; k++)
        gz.data[k] ^= 0x55;
    const char *p = t_write_file("bad.wet.gz", gz.data, gz.len);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    int docs = 0, bad = 0, rc;
    char seen[64] = "";
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc == WN_DOC) {
            docs++;
            strcat(seen, d.text.data);
            strcat(seen, ",");
        } else {
            bad++;
            CHECK(WN_IS_BAD_INPUT(rc));
            CHECK(strstr(err.file, "bad.wet.gz") != NULL);
            if (rc == WN_ECODEC)
                CHECK(err.offset >= starts[1] && err.offset <= starts[2]);
        }
        if (docs + bad > 10)
            break;
    }
    CHECK_STR(seen, "one,three,four,");
    /* zlib may emit some garbage before it detects the damage; the parser
     * may complain about that garbage too, but never more than once */
    CHECK(bad >= 1 && bad <= 2);
    CHECK_INT(wn_reader_stats(r)->bad_codec, 1);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&w);
    wn_buf_release(&gz);
}

TEST(gzip_truncated_reports_offset_keeps_earlier_docs)
{
    wn_buf w = wet_three();
    wn_buf gz = wet_gz_members(&w);
    size_t cut = gz.len - 20;
    const char *p = t_write_file("cut.wet.gz", gz.data, cut);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_ETRUNC);
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK_INT(err.offset, cut);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    CHECK_INT(wn_reader_stats(r)->truncated, 1);
    CHECK_INT(wn_stats_bad(wn_reader_stats(r)), 1);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&w);
    wn_buf_release(&gz);
}

TEST(zstd_multi_frame_and_truncated)
{
    wn_buf w = wet_three();
    wn_buf z = WN_BUF_INIT;
    /* one frame up to the end of the first conversion record, one after */
    const char *second = strstr(strstr(w.data, "uuid:1") , "WARC/1.0");
    size_t half = (size_t)(second - w.data);
    zst_frame(&z, w.data, half);
    zst_frame(&z, w.data + half, w.len - half);
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(t_write_file("a.wet.zst", z.data, z.len), NULL,
                             &out, &bad);
    CHECK_INT(st.docs, 2);
    CHECK_INT(bad, 0);
    st = t_read_all(t_write_file("b.wet.zst", z.data, z.len - 7), NULL, NULL,
                    &bad);
    CHECK_INT(st.docs, 1);
    CHECK_INT(st.truncated, 1);
    CHECK_INT(bad, 1);
    wn_buf_release(&w);
    wn_buf_release(&z);
    wn_buf_release(&out);
}

TEST(warc_wrong_length_record_dropped_next_read)
{
    wn_buf w = WN_BUF_INIT;
    warc_record(&w, "conversion", "http://a/", "<urn:a>", "good one");
    size_t bad_at = w.len;
    wn_buf_puts(&w, "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: http://b/\r\n"
                    "Content-Length: 5\r\n\r\nthis block is longer than five\r\n\r\n");
    warc_record(&w, "conversion", "http://c/", "<urn:c>", "good two");
    const char *p = t_write_file("len.warc", w.data, w.len);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EFORMAT);
    CHECK_INT(err.offset, bad_at);
    CHECK(strstr(err.msg, "Content-Length") != NULL);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.text.data, "good two");
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    CHECK_INT(wn_reader_stats(r)->bad_records, 1);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&w);
}

TEST(warc_truncated_record)
{
    wn_buf w = WN_BUF_INIT;
    warc_record(&w, "conversion", "http://a/", "<urn:a>", "good one");
    warc_record(&w, "conversion", "http://b/", "<urn:b>",
                "a long block that will be cut off");
    int bad;
    wn_stats st = t_read_all(t_write_file("t.warc", w.data, w.len - 15), NULL,
                             NULL, &bad);
    CHECK_INT(st.docs, 1);
    CHECK_INT(st.truncated, 1);
    CHECK_INT(bad, 1);
    wn_buf_release(&w);
}

TEST(warc_response_html_chunked_latin1)
{
    const char *http =
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
        "7\r\n<p>caf\xe9\r\n5\r\n</p>\n\r\n0\r\n\r\n";
    wn_buf w = WN_BUF_INIT;
    wn_buf_printf(&w,
                  "WARC/1.1\r\nWARC-Type: response\r\n"
                  "WARC-Target-URI: <http://h.example/>\r\n"
                  "WARC-Record-ID: <urn:r>\r\nContent-Length: %zu\r\n\r\n%s\r\n\r\n",
                  strlen(http), http);
    warc_record(&w, "request", "http://h.example/", "<urn:q>", "GET / HTTP/1.1\r\n\r\n");
    const char *p = t_write_file("h.warc", w.data, w.len);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_INT(d.kind, WN_DOC_HTML);
    CHECK_STR(d.text.data, "<p>caf\xc3\xa9</p>\n");
    CHECK_STR(d.url.data, "http://h.example/"); /* wget's <> removed */
    CHECK(strstr(d.http.data, "Content-Type: text/html") != NULL);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    CHECK_INT(wn_reader_stats(r)->warc_response_html, 1);
    CHECK_INT(wn_reader_stats(r)->warc_skipped, 1);
    wn_reader_close(r);
    /* with HTML off, the response is counted and skipped */
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.warc_html = 0;
    int bad;
    wn_stats st = t_read_all(p, &o, NULL, &bad);
    CHECK_INT(st.docs, 0);
    CHECK_INT(st.warc_response_other, 1);
    wn_doc_release(&d);
    wn_buf_release(&w);
}

TEST(warc_junk_between_records_resyncs)
{
    wn_buf w = WN_BUF_INIT;
    warc_record(&w, "conversion", "http://a/", "<urn:a>", "one");
    wn_buf_puts(&w, "garbage garbage\n\x01\x02 binary junk\n");
    warc_record(&w, "conversion", "http://b/", "<urn:b>", "two");
    int bad;
    wn_stats st = t_read_all(t_write_file("j.warc", w.data, w.len), NULL, NULL,
                             &bad);
    CHECK_INT(st.docs, 2);
    CHECK_INT(st.bad_records, 1);
    CHECK_INT(bad, 1);
    wn_buf_release(&w);
}

TEST(jsonl_fields_meta_order_and_crlf)
{
    const char in[] =
        "{\"id\":\"d1\",\"meta\":{\"a\":[1,2]},\"text\":\"hi \\ud83d\\ude00\",\"n\":3}\r\n"
        "\r\n"
        "{\"text\":\"no id\",\"url\":\"http://u/\"}\n";
    const char *p = t_write_file("a.jsonl", in, sizeof in - 1);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_format(r), WN_FMT_JSONL);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.id.data, "d1");
    CHECK_STR(d.text.data, "hi \xf0\x9f\x98\x80");
    CHECK_STR(d.meta.data, "\"meta\":{\"a\":[1,2]},\"n\":3");
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.url.data, "http://u/");
    CHECK(strstr(d.source.data, "a.jsonl:") != NULL);
    CHECK_STR(d.id.data, d.source.data); /* default id = source */
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    CHECK_INT(wn_reader_stats(r)->jsonl_lines, 2);
    wn_reader_close(r);
    wn_doc_release(&d);
}

TEST(jsonl_bad_lines_reported_with_offsets)
{
    const char in[] = "{\"text\":\"a\"}\n"
                      "{\"text\":\"b\",}\n"   /* trailing comma */
                      "not json\n"
                      "{\"title\":\"no text\"}\n"
                      "{\"text\":\"c\"} trailing\n"
                      "{\"text\":\"d\"}\n";
    const char *p = t_write_file("b.jsonl", in, sizeof in - 1);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    uint64_t offs[8];
    int nbad = 0, rc;
    char seen[32] = "";
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc == WN_DOC)
            strcat(seen, d.text.data);
        else {
            CHECK_INT(rc, WN_EFORMAT);
            if (nbad < 8)
                offs[nbad] = err.offset;
            nbad++;
        }
    }
    CHECK_STR(seen, "ad");
    CHECK_INT(nbad, 4);
    CHECK_INT(wn_reader_stats(r)->bad_json, 4);
    CHECK_INT(offs[0], 13 + 12); /* the ',' before '}' */
    CHECK_INT(offs[1], 27);      /* start of "not json" */
    wn_reader_close(r);
    wn_doc_release(&d);
}

struct warns {
    int n;
    char first[600];
};

/* wn_reader_opts.warn: counts the warnings, keeps the first message. */
static void collect_warn(void *ctx, const wn_error *w)
{
    struct warns *ws = ctx;
    if (!ws->n++)
        snprintf(ws->first, sizeof ws->first, "%s", w->msg);
}

TEST(warc_http_body_bomb_and_mislabelled_gzip)
{
    /* a response whose gzip body inflates past the record limit is
     * dropped and said so; one labelled gzip but plain is kept */
    wn_buf zeros = WN_BUF_INIT, gz = WN_BUF_INIT, w = WN_BUF_INIT;
    for (int i = 0; i < 200000; i++)
        wn_buf_putc(&zeros, ' ');
    wn_buf_puts(&zeros, "<html><body>x</body></html>");
    t_gzip_member(&gz, zeros.data, zeros.len);
    for (int k = 0; k < 2; k++) {
        wn_buf blk = WN_BUF_INIT;
        wn_buf_puts(&blk, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                          "Content-Encoding: gzip\r\n\r\n");
        if (k == 0)
            wn_buf_append(&blk, gz.data, gz.len);
        else
            wn_buf_puts(&blk, "<html><body><p>plain page</p></body></html>");
        wn_buf_printf(&w, "WARC/1.0\r\nWARC-Type: response\r\n"
                          "WARC-Target-URI: http://e.org/%d\r\n"
                          "Content-Length: %zu\r\n\r\n", k, blk.len);
        wn_buf_append(&w, blk.data, blk.len);
        wn_buf_puts(&w, "\r\n\r\n");
        wn_buf_release(&blk);
    }
    struct warns ws = {0, ""};
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.max_record = 65536;
    o.warn = collect_warn;
    o.warn_ctx = &ws;
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open_mem(w.data, w.len, "bomb.warc", &o, &r, &err), 0);
    int docs = 0;
    while (wn_reader_next(r, &d, &err) == WN_DOC) {
        docs++;
        if (docs == 1)
            CHECK_INT(d.text.len, 0); /* the bomb: body dropped */
        else
            CHECK(strstr(d.text.data, "plain page") != NULL);
    }
    CHECK_INT(docs, 2);
    CHECK_INT(wn_reader_stats(r)->bad_http, 1);
    CHECK_INT(wn_reader_stats(r)->http_quirks, 1);
    CHECK(strstr(ws.first, "past the record limit") != NULL);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&zeros);
    wn_buf_release(&gz);
    wn_buf_release(&w);
}

TEST(jsonl_duplicate_keys_are_bad_input)
{
    /* a second "text" would be filtered by winnow while jq and Python read
     * it: the line is refused, never a document (issue 10, item 4) */
    const char in[] =
        "{\"id\":\"p\",\"text\":\"<article>\",\"text\":\"mail "
        "spammer.joe@example.com\"}\n"
        "{\"id\":\"a\",\"id\":\"b\",\"text\":\"x\"}\n"
        "{\"url\":\"u\",\"text\":\"y\",\"url\":\"v\"}\n"
        "{\"date\":1,\"date\":\"2020\",\"text\":\"z\"}\n"
        "{\"id\":\"ok\",\"text\":\"fine\",\"title\":1,\"title\":2}\n";
    const char *p = t_write_file("dup.jsonl", in, sizeof in - 1);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    int ndocs = 0, nbad = 0, rc;
    uint64_t first = 0;
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc == WN_DOC) {
            ndocs++;
            CHECK_STR(d.id.data, "ok"); /* other keys may repeat */
        } else {
            CHECK_INT(rc, WN_EFORMAT);
            CHECK(strstr(err.msg, "duplicate_key") != NULL);
            if (!nbad++)
                first = err.offset;
        }
    }
    CHECK_INT(ndocs, 1);
    CHECK_INT(nbad, 4);
    CHECK_INT(wn_reader_stats(r)->bad_json, 4);
    CHECK_INT(first, 29); /* the second "text" key */
    wn_reader_close(r);
    wn_doc_release(&d);
}

TEST(jsonl_text_field_option_and_invalid_utf8)
{
    const char in[] = "{\"content\":\"caf\xe9 ok\",\"text\":\"other\",\"k\":\"\xff\"}\n";
    const char *p = t_write_file("c.jsonl", in, sizeof in - 1);
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.text_field = "content";
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(p, &o, &out, &bad);
    CHECK_INT(st.docs, 1);
    CHECK_INT(st.invalid_utf8, 2);
    CHECK(strstr(out.data, "\"text\":\"caf\xef\xbf\xbd ok\"") != NULL);
    CHECK(strstr(out.data, "\"k\":\"\xef\xbf\xbd\"") != NULL);
    CHECK(wn_utf8_valid(out.data, out.len));
    wn_buf_release(&out);
}

TEST(jsonl_giant_line_skipped)
{
    wn_buf in = WN_BUF_INIT;
    wn_buf_puts(&in, "{\"text\":\"");
    for (int i = 0; i < 5000; i++)
        wn_buf_puts(&in, "xxxxxxxxxx");
    wn_buf_puts(&in, "\"}\n{\"text\":\"after\"}\n");
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.max_record = 4096;
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(t_write_file("g.jsonl", in.data, in.len), &o, &out,
                             &bad);
    CHECK_INT(st.docs, 1);
    CHECK_INT(st.oversize, 1);
    CHECK(strstr(out.data, "after") != NULL);
    wn_buf_release(&in);
    wn_buf_release(&out);
}

TEST(text_file_one_doc_binary_rejected)
{
    const char txt[] = "Just a page.\nWith two lines.\n";
    const char *p = t_write_file("page.txt", txt, sizeof txt - 1);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open(p, NULL, &r, &err), 0);
    CHECK_INT(wn_reader_format(r), WN_FMT_TEXT);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.text.data, txt);
    CHECK_STR(d.id.data, p);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_EOF);
    wn_reader_close(r);
    unsigned char junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)(i * 7 + (i >> 3));
    int bad;
    wn_stats st = t_read_all(t_write_file("junk.bin", junk, sizeof junk), NULL,
                             NULL, &bad);
    CHECK_INT(st.docs, 0);
    CHECK_INT(st.bad_files, 1);
    CHECK_INT(bad, 1);
    wn_doc_release(&d);
}

TEST(reader_from_memory)
{
    const char in[] = "{\"text\":\"m\"}\n";
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_open_mem(in, sizeof in - 1, "mem", NULL, &r, &err), 0);
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_STR(d.source.data, "mem:0");
    wn_reader_close(r);
    wn_doc_release(&d);
}

/* The first pass's fingerprint of an input, checked before the main pass:
 * unchanged, changed, and gone (it cannot be looked at: -1 and why, which
 * the engine reports as a read error unless its own open fails too). */
TEST(input_seen_changed_unchanged_gone)
{
    const char *p = t_write_file("seen.jsonl", "{\"text\":\"a\"}\n", 13);
    input_seen t;
    memset(&t, 0, sizeof t);
    input_fp fp;
    CHECK_INT(input_fingerprint(p, &fp, 1), 1);
    CHECK_INT(input_seen_note(&t, p, &fp), 0);
    wn_error w;
    memset(&w, 0, sizeof w);
    CHECK_INT(input_seen_changed(&t, p, &w), 0);
    CHECK_INT(input_seen_changed(&t, "never-noted", &w), 0);
    FILE *f = fopen(p, "a");
    CHECK(f && fputs("{\"text\":\"b\"}\n", f) >= 0 && !fclose(f));
    CHECK_INT(input_seen_changed(&t, p, &w), 1);
    CHECK(strstr(w.msg, "size 13, now 26") != NULL);
    CHECK_INT(unlink(p), 0);
    memset(&w, 0, sizeof w);
    CHECK_INT(input_seen_changed(&t, p, &w), -1);
    CHECK_INT(w.code, WN_EIO);
    CHECK(strstr(w.msg, "open: ") != NULL);
    input_seen_release(&t);
}

/* Property: read -> write JSONL -> read gives identical documents. */
static void round_trip(const char *path)
{
    wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(path, NULL, &a, &bad);
    CHECK(st.docs > 0);
    const char *p2 = t_write_file("rt.jsonl", a.data, a.len);
    wn_stats st2 = t_read_all(p2, NULL, &b, &bad);
    CHECK_INT(bad, 0);
    CHECK_INT(st2.docs, st.docs);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    wn_buf_release(&a);
    wn_buf_release(&b);
}

TEST(round_trip_synthetic_and_real)
{
    const char in[] = "{\"id\":\"q\",\"text\":\"\\u0001ctl \\\\ \\\"q\\\" \\ud83d\\ude00\","
                      "\"x\":[true,null,{\"y\":\"\\u00e9\"}],\"e\":1e-3}\n";
    round_trip(t_write_file("s.jsonl", in, sizeof in - 1));
    wn_buf w = wet_three();
    round_trip(t_write_file("s.wet", w.data, w.len));
    wn_buf_release(&w);
    const char *real[] = {"jsonl/dolma-cc-head/cc_en_head-0091.jsonl.gz",
                          "jsonl/dolma-cc-head/provided-documents-000.json.gz",
                          "warc/resiliparse/warcfile.warc.gz",
                          "warc/npm-warc/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc.wet"};
    for (size_t i = 0; i < sizeof real / sizeof *real; i++) {
        const char *p = t_data(real[i]);
        if (p)
            round_trip(p);
    }
}

TEST(inputs_expand_walks_sorted)
{
    const char *dir = t_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/sub", dir);
    mkdir(p, 0755);
    const char *names[] = {"b.txt", "a.txt", "sub/c.txt", ".hidden"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        FILE *f = fopen(p, "w");
        fputs("x", f);
        fclose(f);
    }
    char **list = NULL;
    size_t n = 0;
    wn_error err;
    const char *args[] = {dir};
    CHECK_INT(wn_inputs_expand(args, 1, &list, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK(strstr(list[0], "/a.txt") != NULL);
        CHECK(strstr(list[1], "/b.txt") != NULL);
        CHECK(strstr(list[2], "/sub/c.txt") != NULL);
    }
    wn_inputs_free(list, n);
}

TEST(gzip_big_and_small_members_mixed)
{
    /* members larger than the whole-member fast path's buffers are
     * streamed; small ones after them are still read */
    wn_buf gz = WN_BUF_INIT, big = WN_BUF_INIT, rec = WN_BUF_INIT;
    for (int i = 0; i < 300000; i++)
        wn_buf_printf(&big, "%d ", (int)((i * 7919LL) % 100003));
    warc_record(&rec, "conversion", "http://big/", "<urn:big>", big.data);
    t_gzip_member(&gz, rec.data, rec.len);
    for (int i = 0; i < 20; i++) {
        wn_buf_reset(&rec);
        warc_record(&rec, "conversion", "http://small/", "<urn:s>", "small text");
        t_gzip_member(&gz, rec.data, rec.len);
    }
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(t_write_file("mix.wet.gz", gz.data, gz.len), NULL,
                             &out, &bad);
    CHECK_INT(st.docs, 21);
    CHECK_INT(bad, 0);
    CHECK_INT(st.text_bytes, big.len + 20 * 10);
    wn_buf_release(&gz);
    wn_buf_release(&big);
    wn_buf_release(&rec);
    wn_buf_release(&out);
}

TEST(empty_inputs_hold_no_document)
{
    /* regression: an empty (compressed) shard was read as one empty text
     * document, which broke the books of `winnow run` */
    wn_buf z = WN_BUF_INIT;
    zst_frame(&z, "", 0);
    const char *paths[] = {t_write_file("e.txt", "", 0),
                           t_write_file("e.jsonl.zst", z.data, z.len)};
    for (int i = 0; i < 2; i++) {
        int bad;
        wn_stats st = t_read_all(paths[i], NULL, NULL, &bad);
        CHECK_INT(st.docs, 0);
        CHECK_INT(bad, 0);
    }
    wn_buf_release(&z);
}

/* Everything a reader reports for path, in order: documents, verdicts
 * with their offsets and messages, and the final counters. */
static void read_log(const char *path, int ahead, wn_buf *log)
{
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    if (reader_open_named(path, path, &ro, &r, &err)) {
        wn_buf_puts(log, "open failed");
        return;
    }
    if (ahead)
        CHECK_INT(reader_read_ahead(r), 0);
    int rc;
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc == WN_DOC)
            wn_buf_printf(log, "doc %zu %.*s\n", d.text.len,
                          (int)(d.text.len < 40 ? d.text.len : 40),
                          d.text.data);
        else
            wn_buf_printf(log, "verdict %d %s %llu %s\n", rc, err.file,
                          (unsigned long long)err.offset, err.msg);
        if (rc < 0 && !WN_IS_BAD_INPUT(rc))
            break;
    }
    const wn_stats *st = wn_reader_stats(r);
    wn_buf_printf(log, "docs %llu bad %llu in %llu decoded %llu\n",
                  (unsigned long long)st->docs,
                  (unsigned long long)wn_stats_bad(st),
                  (unsigned long long)st->bytes_in,
                  (unsigned long long)st->bytes_decoded);
    wn_reader_close(r);
    wn_doc_release(&d);
}

/* istream_ahead decodes on a thread of its own: a reader must see exactly
 * what it sees without it - damage, resynchronisation, a truncated end -
 * across more chunks than the read-ahead ring holds. */
TEST(read_ahead_reads_the_same)
{
    wn_buf gz = WN_BUF_INIT, zs = WN_BUF_INIT, text = WN_BUF_INIT;
    size_t bad_at = 0;
    for (int i = 0; i < 2400; i++) {
        wn_buf rec = WN_BUF_INIT, body = WN_BUF_INIT;
        char uri[32], id[32];
        for (int k = 0; k < 60; k++)
            wn_buf_printf(&body, "record %d line %d of some text. ", i, k);
        snprintf(uri, sizeof uri, "http://x/%d", i);
        snprintf(id, sizeof id, "<urn:%d>", i);
        warc_record(&rec, "conversion", uri, id, body.data);
        if (i == 1500)
            bad_at = gz.len;
        t_gzip_member(&gz, rec.data, rec.len);
        wn_buf_append(&text, rec.data, rec.len);
        wn_buf_release(&rec);
        wn_buf_release(&body);
    }
    for (size_t k = bad_at + 40; k < bad_at + 48; k++)
        gz.data[k] ^= 0x55; /* a damaged member, then a truncated end */
    gz.len -= 30;
    size_t half = text.len / 2;
    zst_frame(&zs, text.data, half / 2);
    size_t second = zs.len;
    zst_frame(&zs, text.data + half / 2, half - half / 2);
    zst_frame(&zs, text.data + half, text.len - half);
    for (size_t k = second + 4; k < second + 12; k++)
        zs.data[k] ^= 0x55; /* the second frame's header */
    const char *paths[] = {t_write_file("ahead.wet.gz", gz.data, gz.len),
                           t_write_file("ahead.wet.zst", zs.data, zs.len),
                           t_write_file("ahead.wet", text.data, text.len)};
    for (int i = 0; i < 3; i++) {
        wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT;
        read_log(paths[i], 0, &a);
        read_log(paths[i], 1, &b);
        CHECK(a.len > 1000);
        CHECK(a.len == b.len && !memcmp(a.data, b.data, a.len));
        if (i < 2)
            CHECK(strstr(a.data, "verdict") != NULL);
        wn_buf_release(&a);
        wn_buf_release(&b);
    }
    wn_buf_release(&gz);
    wn_buf_release(&zs);
    wn_buf_release(&text);
}
