/*
 * stage_extract.c - the "extract" stage: HTML documents become text.
 *
 * The first stage of the pipeline.  A document of kind WN_DOC_HTML (a WARC
 * response, or a JSONL line with an "html" field) is parsed and reduced to
 * its main text (extract.c, classify.c): one block per line, blocks
 * separated by a blank line.  Its kind becomes WN_DOC_TEXT, the HTTP head
 * is dropped, and metadata "title" (<title>), "html_lang" (<html lang>)
 * and "http_status" (from the head) are added.  Text documents pass
 * through untouched.  A page with no text left is dropped with reason
 * "extract:empty"; a page of several posts none of which dominates (a
 * blog front page) gets "page_type": "index" and, unless
 * extract.index=keep, is dropped with reason "extract:page_type=index".
 */
#include "extract.h"
#include "../pipeline/stage.h"

#include <stdlib.h>

#define AT(f) OPT_AT(extract_opts, f)

static const config_opt extract_table[] = {
    OPTION_ENUM("extract.mode", "main", "main|all", AT(mode),
                "main: the article text; all: all visible text, no "
                "boilerplate removal"),
    OPTION_ENUM("extract.parser", "fast", "fast|gumbo", AT(parser),
                "fast: winnow's tokenizer; gumbo: the HTML5 reference "
                "parser, ~10x slower, in builds made with GUMBO=1"),
    OPTION_DOUBLE("extract.link_density", "0.33", 0, 1, 0, AT(link_density),
                  "blocks with more of their text in links are "
                  "boilerplate"),
    OPTION_DOUBLE("extract.article_link_density", "0.8", 0, 1, 0,
                  AT(article_link_density),
                  "the same inside the chosen <article>/<main>"),
    OPTION_INT("extract.length_low", "40", 0, 1 << 30, 0, AT(length_low),
               "characters: shorter blocks are judged by their neighbours"),
    OPTION_INT("extract.length_high", "80", 0, 1 << 30, 0, AT(length_high),
               "characters: longer blocks with few links are kept (>= "
               "length_low)"),
    OPTION_DOUBLE("extract.article_ratio", "0.3", 0, 1, 0, AT(article_ratio),
                  "an <article>/<main> with this share of the page's text "
                  "is the content"),
    OPTION_DOUBLE("extract.wrapper_ratio", "0.5", 0, 1, 0, AT(wrapper_ratio),
                  "a boilerplate-named element or form with this share of "
                  "the text is kept"),
    OPTION_INT("extract.heading_distance", "200", 0, 1 << 30, 0,
               AT(heading_distance),
               "characters: a heading this close before kept text is kept"),
    OPTION_ENUM("extract.index", "drop", "drop|keep", AT(index),
                "a page of several posts, none dominating (a blog front "
                "page): drop it (reason extract:page_type=index) or keep "
                "it; either way it gets page_type=index"),
    OPTION_ENUM("extract.comments", "drop", "drop|keep", AT(comments),
                "reader comments recognised by their words (a comment "
                "heading, a run of 'posted by ... / reply' lines after the "
                "story): drop them or keep them"),
    OPTION_INT("extract.rescue_words", "200", 0, 1 << 30, 0,
               AT(rescue_words),
               "a page the boilerplate rules leave empty that has this many "
               "visible words is extracted again without them (0: never)"),
    OPTION_END,
};

/* The enum choices above are in the order of EXTRACT_MAIN/ALL and
 * EXTRACT_PARSER_FAST/GUMBO. */
void extract_opts_default(extract_opts *o)
{
    memset(o, 0, sizeof *o);
    config_parse(extract_table, NULL, o, NULL);
}

static int ex_create(const void *opts, void **out, wn_error *err)
{
    const extract_opts *in = opts;
    if (in->length_high < in->length_low)
        return wn_err(err, WN_EINVAL, "", 0,
                      "extract.length_high: %u is below extract.length_low "
                      "(%u)", in->length_high, in->length_low);
    if (in->parser == EXTRACT_PARSER_GUMBO && !html_have_gumbo())
        return wn_err(err, WN_EINVAL, "", 0,
                      "extract.parser: gumbo is not in this build of winnow "
                      "(build it with make GUMBO=1)");
    extract_opts *o = malloc(sizeof *o);
    if (!o)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    *o = *in;
    *out = o;
    return 0;
}

static void ex_free(void *p) { free(p); }

/* The status code of "HTTP/1.1 200 OK", or -1. */
static int http_status(const wn_buf *h)
{
    if (h->len < 12 || memcmp(h->data, "HTTP/", 5))
        return -1;
    const char *sp = memchr(h->data, ' ', h->len < 16 ? h->len : 16);
    if (!sp || sp + 4 > h->data + h->len)
        return -1;
    int v = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9')
            return -1;
        v = v * 10 + (sp[i] - '0');
    }
    return v;
}

static int ex_process(void *state, wn_doc *doc, stage_scratch *sc,
                      wn_buf *reason)
{
    const extract_opts *o = state;
    if (doc->kind != WN_DOC_HTML)
        return STAGE_KEEP;
    /* the four scratch buffers serve as extract_bufs (same layout) */
    extract_bufs b = {sc->b[0], sc->b[1], sc->b[2], sc->b[3]};
    extract_result res;
    wn_buf out = WN_BUF_INIT;
    int rc = extract_run(o, doc->text.data ? doc->text.data : "",
                         doc->text.len, &b, &out, &res);
    sc->b[0] = b.text;
    sc->b[1] = b.blocks;
    sc->b[2] = b.groups;
    sc->b[3] = b.parse;
    if (rc) {
        wn_buf_release(&out);
        return rc;
    }
    wn_buf_release(&doc->text);
    doc->text = out;
    doc->kind = WN_DOC_TEXT;
    int st = http_status(&doc->http);
    wn_buf_reset(&doc->http);
    size_t tl = strlen(res.title);
    while (tl && res.title[tl - 1] == ' ')
        tl--;
    if ((tl && (rc = wn_doc_meta_set_str(doc, "title", res.title, tl))) ||
        (res.lang[0] && (rc = wn_doc_meta_set_str(doc, "html_lang", res.lang,
                                                  strlen(res.lang)))) ||
        (st >= 0 && (rc = wn_doc_meta_set_num(doc, "http_status", st))) ||
        (res.index &&
         (rc = wn_doc_meta_set_str(doc, "page_type", "index", 5))))
        return rc;
    if (res.index && o->index == EXTRACT_INDEX_DROP) {
        wn_buf_puts(reason, "extract:page_type=index");
        return STAGE_DROP;
    }
    if (!doc->text.len) {
        wn_buf_puts(reason, "extract:empty");
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const stage_ops stage_extract = {
    .name = "extract",
    .group = "extract",
    .summary = "HTML pages to their main text (boilerplate removed)",
    .opts = extract_table,
    .opts_size = sizeof(extract_opts),
    .create = ex_create,
    .process = ex_process,
    .free = ex_free,
};
