/*
 * test_extract.c - the "extract" stage (src/extract/): HTML to main text.
 *
 * Small pages written for each rule (entities, blocks, lists, tables, br,
 * raw-text elements, hidden and boilerplate elements, article preference,
 * broken markup), run through the public stage API; the two fixture pages
 * under tests/fixtures/extract are compared byte for byte with their
 * expected text, with both parsers.
 */
#include "t.h"

#include "../../src/extract/html.h"

#include <stdlib.h>

static wn_doc doc = WN_DOC_INIT;
static wn_buf reason = WN_BUF_INIT;

/* Runs html through stage "extract" with option key=value (may be NULL;
 * key "mode" etc. without the prefix); returns the text or NULL when the
 * page was dropped (reason in `reason`). */
static const char *run2(const char *html, size_t n, const char *key,
                        const char *val, const char *key2, const char *val2)
{
    wn_config *cfg = wn_config_new();
    char k[64];
    if (key) {
        snprintf(k, sizeof k, "extract.%s", key);
        wn_config_set(cfg, k, val);
    }
    if (key2) {
        snprintf(k, sizeof k, "extract.%s", key2);
        wn_config_set(cfg, k, val2);
    }
    wn_stage *st = NULL;
    wn_error err;
    int rc = wn_stage_new("extract", cfg, &st, &err);
    wn_config_free(cfg);
    CHECK_INT(rc, 0);
    if (rc)
        return NULL;
    wn_doc_reset(&doc);
    wn_buf_set(&doc.text, html, n);
    wn_buf_puts(&doc.http, "HTTP/1.1 200 OK\r\nContent-Type: text/html");
    doc.kind = WN_DOC_HTML;
    rc = wn_stage_process(st, &doc, &reason);
    wn_stage_free(st);
    CHECK(rc == 0 || rc == 1);
    if (rc != 1)
        return NULL;
    CHECK_INT(doc.kind, WN_DOC_TEXT);
    CHECK_INT(doc.http.len, 0);
    return doc.text.data ? doc.text.data : "";
}

static const char *all(const char *html)
{
    return run2(html, strlen(html), "mode", "all", NULL, NULL);
}

static const char *main_text(const char *html)
{
    return run2(html, strlen(html), NULL, NULL, NULL, NULL);
}

static int meta_is(const char *key, const char *json)
{
    const char *v;
    size_t n;
    return wn_doc_meta_get(&doc, key, &v, &n) && n == strlen(json) &&
           !memcmp(v, json, n);
}

/* A paragraph long enough to count as text on its own. */
#define LONG "This paragraph is long enough, with well over eighty " \
             "characters of ordinary prose in it, to be kept."

TEST(extract_entities)
{
    CHECK_STR(all("<p>Fish &amp; chips &lt;3 &copy 2020 &#8212; &#x41;"
                  "&#150; &bogus; &nbsp;x &rsquo;&amp</p>"),
              "Fish & chips <3 \xC2\xA9 2020 \xE2\x80\x94 A\xE2\x80\x93 "
              "&bogus; x \xE2\x80\x99&");
    CHECK_STR(all("<p>&#0;&#xD800;&#1114112;&#;&#x;</p>"),
              "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD&#;&#x;");
    /* &notit; is &not followed by "it;" (the legacy prefix rule) */
    CHECK_STR(all("<p>I'm &notit; &notin;</p>"),
              "I'm \xC2\xACit; \xE2\x88\x89");
}

TEST(extract_whitespace_and_inline)
{
    CHECK_STR(all("<p>  a \n\t b  </p>"), "a b");
    CHECK_STR(all("<p>a<b>b</b>c <i>d</i><span> e</span></p>"), "abc d e");
    CHECK_STR(all("<div>one<div>two</div>three</div>"),
              "one\n\ntwo\n\nthree");
    CHECK_STR(all("<p>line1<br>line2<br/><br>para2</p>"),
              "line1\nline2\n\npara2");
    CHECK_STR(all("<pre>a  b\nc</pre>"), "a b\nc");
    /* blank lines inside a block collapse (fuzz find: "\n\n\n" out) */
    CHECK_STR(all("<pre>a\n\n\nb</pre>"), "a\nb");
    CHECK_STR(all("<p>x<br><pre>\n\ny</pre>"), "x\n\ny");
}

TEST(extract_lists_tables_headings)
{
    CHECK_STR(all("<ul><li>one<li>two</ul><ol><li>three</li></ol>"),
              "one\n\ntwo\n\nthree");
    CHECK_STR(all("<table><tr><td>a<td>b<tr><th>c</table>"),
              "a\n\nb\n\nc");
    CHECK_STR(all("<h1>Title</h1>text<h2>Sub</h2>"),
              "Title\n\ntext\n\nSub");
    CHECK_STR(all("<dl><dt>term<dd>definition</dl>"), "term\n\ndefinition");
}

TEST(extract_removed_elements)
{
    CHECK_STR(all("<head><title>T &amp; U</title><style>p{}</style>"
                  "<script>x=\"</p>\"</script></head><body><p>kept</p>"
                  "<script>document.write('<p>no</p>')</script>"
                  "<noscript>no</noscript><template>no</template>"
                  "<svg><text>no</text></svg><select><option>no</select>"
                  "<textarea>no</textarea><iframe>no</iframe>"
                  "<div hidden>no</div><div style=\"display: none\">no</div>"
                  "<span aria-hidden=\"true\">no</span><p>end</p>"),
              "kept\n\nend");
    CHECK(meta_is("title", "\"T & U\""));
    CHECK(meta_is("http_status", "200"));
}

TEST(extract_metadata)
{
    CHECK_STR(all("<html lang=\"de-AT\"><title>\n  Ein   Titel\n</title>"
                  "<p>Text</p></html>"),
              "Text");
    CHECK(meta_is("title", "\"Ein Titel\""));
    CHECK(meta_is("html_lang", "\"de-AT\""));
    /* only the first <title> counts */
    CHECK_STR(all("<title>one</title><title>two</title><p>x"), "x");
    CHECK(meta_is("title", "\"one\""));
}

TEST(extract_boilerplate_containers)
{
    const char *t = main_text(
        "<body><nav><a href=/>Home</a> " LONG "</nav>"
        "<header>Site name " LONG "</header>"
        "<div class=\"cookie-notice\">" LONG "</div>"
        "<p>" LONG "</p><p>" LONG " Two.</p>"
        "<aside>" LONG "</aside>"
        "<div id=\"related-posts\">" LONG "</div>"
        "<ul class=\"menu\"><li>" LONG "</ul>"
        "<div role=\"navigation\">" LONG "</div>"
        "<footer>" LONG "</footer></body>");
    CHECK_STR(t, LONG "\n\n" LONG " Two.");
    /* "all" keeps every visible block */
    t = all("<nav>menu</nav><p>text</p><footer>foot</footer>");
    CHECK_STR(t, "menu\n\ntext\n\nfoot");
}

TEST(extract_link_density)
{
    /* a list of links between paragraphs is boilerplate */
    CHECK_STR(main_text("<p>" LONG "</p><div><a href=a>First other story "
                        "on the site</a> <a href=b>Second other story on "
                        "the site</a> <a href=c>Third one</a></div><p>"
                        LONG "</p>"),
              LONG "\n\n" LONG);
    /* a link inside prose is not */
    CHECK_STR(main_text("<p>" LONG " See <a href=x>this</a>.</p>"),
              LONG " See this.");
}

TEST(extract_article_preference)
{
    /* text outside the <article> is left out even when it looks fine */
    const char *t = main_text(
        "<div><p>" LONG " Outside.</p></div>"
        "<article><p>" LONG " One.</p><p>Short one.</p><p>" LONG
        " Two.</p></article><div><p>" LONG " After.</p></div>");
    CHECK_STR(t, LONG " One.\n\nShort one.\n\n" LONG " Two.");
    /* an article holding a small share of the text is not preferred */
    t = main_text("<p>" LONG " A.</p><p>" LONG " B.</p><p>" LONG " C.</p>"
                  "<p>" LONG " D.</p><article><p>tiny</p></article>");
    CHECK(t && strstr(t, " A.") && strstr(t, " D."));
    /* role=main and itemprop=articleBody count as articles */
    t = main_text("<p>" LONG " Outside.</p><div itemprop=\"articleBody\">"
                  "<p>" LONG " In.</p><p>" LONG " In 2.</p></div>");
    CHECK_STR(t, LONG " In.\n\n" LONG " In 2.");
}

TEST(extract_wrapper_not_boilerplate)
{
    /* a boilerplate-sounding class around the whole content is kept */
    const char *t = main_text(
        "<div class=\"widget Blog\"><p>" LONG " A.</p><p>" LONG
        " B.</p></div><div class=\"widget\"><p>" LONG " C.</p></div>");
    CHECK_STR(t, LONG " A.\n\n" LONG " B.");
    /* a page-wide form (ASP.NET) is kept, a small one dropped */
    t = main_text("<form id=aspnetForm><p>" LONG " A.</p><p>" LONG
                  " B.</p><form><p>" LONG " C.</p></form></form>");
    CHECK(t && strstr(t, " A.") && strstr(t, " B."));
}

TEST(extract_names_fallback)
{
    /* every block in a boilerplate-named box, none holding half the good
     * text: the names are ignored rather than leaving nothing */
    const char *t = main_text(
        "<div class=\"widget a\"><p>" LONG " A.</p></div>"
        "<div class=\"widget b\"><p>" LONG " B.</p></div>"
        "<div class=\"widget c\"><p>" LONG " C.</p></div>");
    CHECK_STR(t, LONG " A.\n\n" LONG " B.\n\n" LONG " C.");
    /* with one box holding most of it, the others go */
    t = main_text("<div class=\"widget a\"><p>" LONG " A.</p><p>" LONG
                  " A2.</p><p>" LONG " A3.</p></div><div class=\"widget b\">"
                  "<p>" LONG " B.</p></div>");
    CHECK_STR(t, LONG " A.\n\n" LONG " A2.\n\n" LONG " A3.");
}

TEST(extract_empty_pages_dropped)
{
    CHECK(main_text("") == NULL);
    CHECK_STR(reason.data, "extract:empty");
    CHECK(all("<html><head><script>x</script></head><body>  </body>") ==
          NULL);
    CHECK_STR(reason.data, "extract:empty");
    CHECK(main_text("<nav><a href=/>Home</a></nav>") == NULL);
}

TEST(extract_broken_html)
{
    CHECK_STR(all("<p>a<p>b"), "a\n\nb");
    CHECK_STR(all("<div><p>a</div></div></p>b"), "a\n\nb");
    CHECK_STR(all("<p>text<a href=\"x"), "text");
    CHECK_STR(all("<p>a < b and c<d</p>"), "a < b and c");
    CHECK_STR(all("<p>x<!-- unclosed comment <p>y"), "x");
    CHECK_STR(all("<p>x<!--> y <!---> z</p>"), "x y z");
    CHECK_STR(all("<p>x</>y</3>z</p>"), "xyz");
    CHECK_STR(all("<b><i>a</b>b</i><p>c"), "ab\n\nc");
    CHECK(all("<script>never closed <p>no") == NULL);
    /* a stray </span> does not close the block around it */
    CHECK_STR(all("<div>a</span>b</div>"), "ab");
    /* unknown elements match their own end tags */
    CHECK_STR(all("<my-box>a<my-item>b</my-item>c</my-box>"), "abc");
    /* deep nesting is bounded, text kept */
    wn_buf b = WN_BUF_INIT;
    for (int i = 0; i < 3000; i++)
        wn_buf_puts(&b, "<div>");
    wn_buf_puts(&b, "deep");
    CHECK_STR(run2(b.data, b.len, "mode", "all", NULL, NULL), "deep");
    wn_buf_release(&b);
}

TEST(extract_text_passes_through)
{
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("extract", NULL, &st, &err), 0);
    wn_doc_reset(&doc);
    wn_buf_puts(&doc.text, "<p>not html</p>");
    doc.kind = WN_DOC_TEXT;
    CHECK_INT(wn_stage_process(st, &doc, &reason), 1);
    CHECK_STR(doc.text.data, "<p>not html</p>");
    CHECK_INT(doc.meta.len, 0);
    wn_stage_free(st);
}

TEST(extract_options_checked)
{
    wn_config *cfg = wn_config_new();
    wn_stage *st = NULL;
    wn_error err;
    wn_config_set(cfg, "extract.mode", "everything");
    CHECK_INT(wn_stage_new("extract", cfg, &st, &err), WN_EINVAL);
    wn_config_set(cfg, "extract.mode", "main");
    wn_config_set(cfg, "extract.link_density", "2");
    CHECK_INT(wn_stage_new("extract", cfg, &st, &err), WN_EINVAL);
    wn_config_set(cfg, "extract.link_density", "0.5");
    wn_config_set(cfg, "extract.no_such_option", "1");
    CHECK_INT(wn_stage_new("extract", cfg, &st, &err), WN_EINVAL);
    wn_config_free(cfg);
    /* extract is the first stage of the pipeline that reads text; only
     * url_filter, which reads the URL alone, comes before it */
    CHECK_STR(wn_stage_name_at(0), "url_filter");
    CHECK_STR(wn_stage_name_at(1), "extract");
}

/* A WARC response in ISO-8859-1: the reader converts it to UTF-8, the
 * stage sees UTF-8. */
TEST(extract_charset_from_reader)
{
    static const char body[] =
        "<html><body><p>Caf\xE9 cr\xE8me br\xFBl\xE9" "e</p></body></html>";
    char rec[1024];
    char http[256];
    int hn = snprintf(http, sizeof http,
                      "HTTP/1.1 200 OK\r\nContent-Type: text/html; "
                      "charset=iso-8859-1\r\nContent-Length: %zu\r\n\r\n",
                      sizeof body - 1);
    int n = snprintf(rec, sizeof rec,
                     "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: "
                     "http://example.org/\r\nContent-Type: application/http;"
                     " msgtype=response\r\nContent-Length: %zu\r\n\r\n%s%s"
                     "\r\n\r\n",
                     (size_t)hn + sizeof body - 1, http, body);
    wn_reader *r;
    wn_error err;
    CHECK_INT(wn_reader_open_mem(rec, (size_t)n, "mem.warc", NULL, &r, &err),
              0);
    wn_doc_reset(&doc);
    CHECK_INT(wn_reader_next(r, &doc, &err), WN_DOC);
    wn_reader_close(r);
    CHECK_INT(doc.kind, WN_DOC_HTML);
    wn_stage *st;
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "extract.mode", "all");
    CHECK_INT(wn_stage_new("extract", cfg, &st, &err), 0);
    wn_config_free(cfg);
    CHECK_INT(wn_stage_process(st, &doc, &reason), 1);
    CHECK_STR(doc.text.data, "Caf\xC3\xA9 cr\xC3\xA8me br\xC3\xBBl\xC3\xA9"
                             "e");
    CHECK_STR(doc.url.data, "http://example.org/");
    wn_stage_free(st);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    wn_buf b = WN_BUF_INIT;
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        wn_buf_append(&b, chunk, k);
    fclose(f);
    *n = b.len;
    return b.data ? b.data : calloc(1, 1);
}

/* The fixture pages: expected text exactly, with either parser. */
TEST(extract_fixture_pages)
{
    static const char *const pages[] = {"article", "layout"};
    static const char *const parsers[] = {"fast", "gumbo"};
    /* gumbo is linked only in builds made with GUMBO=1 */
    size_t nparsers = html_have_gumbo() ? 2 : 1;
    for (size_t i = 0; i < 2; i++) {
        char p[128];
        size_t hn, en;
        snprintf(p, sizeof p, "extract/%s.html", pages[i]);
        char *html = slurp(t_fixture(p), &hn);
        snprintf(p, sizeof p, "extract/%s.expected.txt", pages[i]);
        char *exp = slurp(t_fixture(p), &en);
        CHECK(html && exp);
        if (!html || !exp) {
            free(html);
            free(exp);
            continue;
        }
        while (en && exp[en - 1] == '\n')
            exp[--en] = 0;
        for (size_t k = 0; k < nparsers; k++) {
            const char *t = run2(html, hn, "parser", parsers[k], NULL, NULL);
            CHECK_STR(t, exp);
        }
        free(html);
        free(exp);
    }
    CHECK(meta_is("title", "\"Garden notes\""));
}

/* Both parsers agree on the small pages too. */
TEST(extract_parsers_agree)
{
    if (!html_have_gumbo()) {
        t_skip("gumbo is not in this build (make GUMBO=1)");
        return;
    }
    static const char *const pages[] = {
        "<p>a<p>b", "<ul><li>one<li>two</ul>", "<table><tr><td>a<td>b</table>",
        "<div>one<div>two</div>three</div>", "<p>x<br>y</p>",
        "<h1>T</h1><p>" LONG "</p><nav>n</nav>",
        "<title>A</title><p>&amp;&lt;&#65;</p>",
        /* gumbo writes invalid UTF-8 for this (fuzz find); both U+FFFD */
        "<p>x&#x11dddddddddddd0",
    };
    for (size_t i = 0; i < sizeof pages / sizeof *pages; i++) {
        const char *a = run2(pages[i], strlen(pages[i]), "mode", "all",
                             "parser", "fast");
        char *fast = a ? strdup(a) : NULL;
        const char *g = run2(pages[i], strlen(pages[i]), "mode", "all",
                             "parser", "gumbo");
        CHECK(fast && g && !strcmp(fast, g));
        free(fast);
    }
}

/* Past the depth limit gumbo gets nothing: the page is parsed by the
 * tokenizer, which flattens it (gumbo took 3.2 GB for 10,000 unclosed
 * tables); without gumbo the option is refused. */
TEST(extract_gumbo_bounded)
{
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "extract.parser", "gumbo");
    wn_stage *st = NULL;
    wn_error err;
    int rc = wn_stage_new("extract", cfg, &st, &err);
    wn_config_free(cfg);
    if (!html_have_gumbo()) {
        CHECK_INT(rc, WN_EINVAL);
        CHECK(strstr(err.msg, "GUMBO=1") != NULL);
        return;
    }
    CHECK_INT(rc, 0);
    wn_stage_free(st);
    wn_buf page = WN_BUF_INIT;
    wn_buf_puts(&page, "<html><body>");
    for (int i = 0; i < 20000; i++)
        wn_buf_puts(&page, "<table><tr><td>");
    wn_buf_puts(&page, "x</td></tr></table><p>" LONG "</p>");
    const char *g = run2(page.data, page.len, "mode", "all", "parser",
                         "gumbo");
    char *gs = g ? strdup(g) : NULL;
    const char *f = run2(page.data, page.len, "mode", "all", "parser",
                         "fast");
    CHECK(gs && f && !strcmp(gs, f));
    free(gs);
    wn_buf_release(&page);
}

TEST(extract_tag_lookup)
{
    CHECK_INT(html_tag_lookup("DIV", 3), HT_DIV);
    CHECK_INT(html_tag_lookup("a", 1), HT_A);
    CHECK_INT(html_tag_lookup("xmp", 3), HT_XMP);
    CHECK_INT(html_tag_lookup("span", 4), HT_OTHER);
    CHECK_INT(html_tag_lookup("averyveryverylongname", 21), HT_OTHER);
    /* a NUL inside a name (fuzz find: read past "p") */
    CHECK_INT(html_tag_lookup("p\0ram", 5), HT_OTHER);
    CHECK_INT(html_tag_lookup("p\0", 2), HT_OTHER);
    for (int t = 1; t < HT_COUNT; t++)
        CHECK_INT(html_tag_lookup(html_tag_name(t),
                                  strlen(html_tag_name(t))), t);
    CHECK(html_tag_is_void(HT_BR) && !html_tag_is_void(HT_P));
}

__attribute__((destructor)) static void extract_tests_done(void)
{
    wn_doc_release(&doc);
    wn_buf_release(&reason);
}

/* ---------------------------------------------- issue 11: precision rules */

/* Five long paragraphs of a story, then what follows it. */
#define STORY "<h1>Title</h1><div class=s><p>" LONG " 1.</p><p>" LONG \
              " 2.</p><p>" LONG " 3.</p><p>" LONG " 4.</p><p>" LONG  \
              " 5.</p></div>"

TEST(extract_comment_tail)
{
    /* a comment heading, then "Posted by ... at TIME" units: cut */
    const char *t = main_text(
        "<body><div>" STORY "<h3>3 Comments</h3>"
        "<p>Posted by: Matt at November 10, 2012 5:39 PM</p><p>" LONG
        " c1.</p><p>Posted by: Kurt at November 10, 2012 5:55 PM</p><p>" LONG
        " c2.</p><p>Posted by: Ann at November 10, 2012 6:01 PM</p><p>" LONG
        " c3.</p></div></body>");
    CHECK(t && strstr(t, " 5.") && !strstr(t, "c1.") && !strstr(t, "c3.") &&
          !strstr(t, "Comments"));
    /* a run of signatures without a heading: cut from the first */
    t = main_text("<body><div>" STORY
                  "<p>Matt said... Reply</p><p>" LONG " c1.</p>"
                  "<p>Kurt said... Reply</p><p>" LONG " c2.</p>"
                  "<p>Ann said... Reply</p><p>" LONG " c3.</p></div></body>");
    CHECK(t && strstr(t, " 5.") && !strstr(t, "c1.") && !strstr(t, "said"));
    /* extract.comments=keep: the discussion stays */
    const char *page = "<body><div>" STORY "<p>Matt said... Reply</p><p>" LONG
                       " c1.</p><p>Kurt said... Reply</p><p>" LONG " c2.</p>"
                       "<p>Ann said... Reply</p><p>" LONG " c3.</p></div>"
                       "</body>";
    t = run2(page, strlen(page), "comments", "keep", NULL, NULL);
    CHECK(t && strstr(t, " 5.") && strstr(t, "c1.") && strstr(t, "c3."));
    /* a forum thread is signatures all the way down: kept */
    t = main_text("<body><div>"
                  "<p>Don 10-15-2004, 04:22 PM</p><p>" LONG " p1.</p>"
                  "<p>Ann 10-15-2004, 04:36 PM</p><p>" LONG " p2.</p>"
                  "<p>Bob 10-15-2004, 05:01 PM</p><p>" LONG " p3.</p>"
                  "<p>Eve 10-15-2004, 05:12 PM</p><p>" LONG " p4.</p>"
                  "</div></body>");
    CHECK(t && strstr(t, " p1.") && strstr(t, " p4."));
    /* one "reply" in the story is no comment section */
    t = main_text("<body><div>" STORY "<p>" LONG " reply to all.</p><p>" LONG
                  " 6.</p></div></body>");
    CHECK(t && strstr(t, " 6."));
}

TEST(extract_teasers_and_frame)
{
    /* headline link + cut-off first sentence: a teaser */
    const char *t = main_text(
        "<body><div>" STORY "<ul><li><a href=/x>Another headline of some "
        "length</a> <span>The first words of another story that stops "
        "short...</span></li></ul></div></body>");
    CHECK(t && strstr(t, " 5.") && !strstr(t, "Another headline"));
    /* widget labels, photo credits and the dateline before the story go,
     * the byline stays */
    t = main_text("<article><h1>Title</h1><p>By A. Reporter</p>"
                  "<p>Updated 5:27 am CST, Wednesday, November 20, 2019</p>"
                  "<p>Share</p><p>Photo: Hau Dinh, AP</p><p>" LONG
                  " 1.</p><p>Advertisement</p><p>" LONG " 2.</p><p>" LONG
                  " 3.</p><p>Subscribe to our newsletter for the top "
                  "headlines every morning.</p><p>\xC2\xA9 2019 The Paper. "
                  "All rights reserved.</p></article>");
    CHECK_STR(t, "Title\n\nBy A. Reporter\n\n" LONG " 1.\n\n" LONG
                 " 2.\n\n" LONG " 3.");
}

TEST(extract_dominant_element)
{
    /* no <article>: prose kept by the statistics outside the element that
     * holds most of the text (a sidebar blurb) goes, the title stays */
    const char *t = main_text(
        "<body><h1>Title</h1><div id=a>" STORY "</div><div id=b><p>" LONG
        " blurb.</p></div></body>");
    CHECK(t && strstr(t, "Title") && strstr(t, " 5.") &&
          !strstr(t, "blurb."));
}

TEST(extract_index_pages)
{
    /* three posts, none dominating: page_type=index, dropped */
    const char *page =
        "<body><article><h2>One</h2><p>" LONG " a1.</p><p>" LONG
        " a2.</p><p>" LONG " a3.</p><p>" LONG " a4.</p></article><article>"
        "<h2>Two</h2><p>" LONG " b1.</p><p>" LONG " b2.</p><p>" LONG
        " b3.</p><p>" LONG " b4.</p></article><article><h2>Three</h2><p>"
        LONG " c1.</p><p>" LONG " c2.</p><p>" LONG " c3.</p><p>" LONG
        " c4.</p></article></body>";
    CHECK(main_text(page) == NULL);
    CHECK_STR(reason.data, "extract:page_type=index");
    CHECK(meta_is("page_type", "\"index\""));
    const char *t = run2(page, strlen(page), "index", "keep", NULL, NULL);
    CHECK(t && strstr(t, " a1.") && strstr(t, " c4."));
    CHECK(meta_is("page_type", "\"index\""));
    /* one post dominating: it is the article, no index */
    t = main_text("<body><article><p>" LONG " a1.</p><p>" LONG " a2.</p><p>"
                  LONG " a3.</p><p>" LONG " a4.</p><p>" LONG " a5.</p><p>"
                  LONG " a6.</p><p>" LONG " a7.</p><p>" LONG " a8.</p><p>"
                  LONG " a9.</p></article><article><p>" LONG " b1.</p><p>"
                  LONG " b2.</p><p>" LONG " b3.</p><p>" LONG " b4.</p>"
                  "</article><article><p>" LONG " c1.</p><p>" LONG
                  " c2.</p><p>" LONG " c3.</p><p>" LONG " c4.</p></article>"
                  "</body>");
    CHECK(t && strstr(t, " a7.") && !strstr(t, " b1."));
    CHECK(!meta_is("page_type", "\"index\""));
}

TEST(extract_rescue_pass)
{
    /* the story inside an <aside>: the rules leave nothing, the page has
     * over 200 words, so it is extracted again without them */
    wn_buf page = WN_BUF_INIT;
    wn_buf_puts(&page, "<body><nav><a href=/>Home</a></nav>"
                       "<aside class=blogPost><h1>Title</h1>");
    for (int i = 0; i < 12; i++)
        wn_buf_puts(&page, "<p>" LONG "</p>");
    wn_buf_puts(&page, "</aside></body>");
    const char *t = main_text(page.data);
    CHECK(t && strstr(t, "Title") && strstr(t, LONG) && !strstr(t, "Home"));
    t = run2(page.data, page.len, "rescue_words", "0", NULL, NULL);
    CHECK(t == NULL);
    CHECK_STR(reason.data, "extract:empty");
    /* a short page stays empty */
    CHECK(main_text("<aside><p>" LONG "</p></aside>") == NULL);
    wn_buf_release(&page);
}
