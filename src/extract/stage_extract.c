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
 * "extract:empty".
 */
#include "extract.h"
#include "../pipeline/stage.h"

#include <stdlib.h>

static const config_opt extract_opts_tab[] = {
    {"extract.mode", "main", "main (article text) or all (all visible "
                             "text, no boilerplate removal)"},
    {"extract.parser", "fast", "fast (winnow's tokenizer) or gumbo (HTML5 "
                               "reference parser, ~10x slower)"},
    {"extract.link_density", "0.33", "blocks with more of their text in "
                                     "links are boilerplate"},
    {"extract.article_link_density", "0.8", "the same inside the chosen "
                                            "<article>/<main>"},
    {"extract.length_low", "40", "characters: shorter blocks are judged "
                                 "by their neighbours"},
    {"extract.length_high", "80", "characters: longer blocks with few "
                                   "links are kept"},
    {"extract.article_ratio", "0.3", "an <article>/<main> with this share "
                                     "of the page's text is the content"},
    {"extract.wrapper_ratio", "0.5", "a boilerplate-named element or form "
                                     "with this share of the text is kept"},
    {"extract.heading_distance", "200", "characters: a heading this close "
                                        "before kept text is kept"},
    {NULL, NULL, NULL},
};

static int ex_create(const wn_config *cfg, void **out, wn_error *err)
{
    extract_opts *o = malloc(sizeof *o);
    if (!o)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    *o = (extract_opts)EXTRACT_OPTS_INIT;
    const char *m = config_get(cfg, "extract.mode", "main");
    const char *p = config_get(cfg, "extract.parser", "fast");
    if (!strcmp(m, "main"))
        o->mode = EXTRACT_MAIN;
    else if (!strcmp(m, "all"))
        o->mode = EXTRACT_ALL;
    else {
        free(o);
        return wn_err(err, WN_EINVAL, "", 0,
                      "extract.mode: '%s' is not main or all", m);
    }
    if (!strcmp(p, "fast"))
        o->parser = EXTRACT_PARSER_FAST;
    else if (!strcmp(p, "gumbo"))
        o->parser = EXTRACT_PARSER_GUMBO;
    else {
        free(o);
        return wn_err(err, WN_EINVAL, "", 0,
                      "extract.parser: '%s' is not fast or gumbo", p);
    }
    o->link_density = config_get_double(cfg, "extract.link_density", 0.33);
    o->article_link_density =
        config_get_double(cfg, "extract.article_link_density", 0.8);
    long long lo = config_get_int(cfg, "extract.length_low", 40);
    long long hi = config_get_int(cfg, "extract.length_high", 80);
    long long hd = config_get_int(cfg, "extract.heading_distance", 200);
    o->article_ratio = config_get_double(cfg, "extract.article_ratio", 0.3);
    o->wrapper_ratio = config_get_double(cfg, "extract.wrapper_ratio", 0.5);
    if (lo < 0 || hi < lo || hi > 1 << 30 || hd < 0 || hd > 1 << 30 ||
        !(o->link_density >= 0 && o->link_density <= 1) ||
        !(o->article_link_density >= 0 && o->article_link_density <= 1) ||
        !(o->article_ratio >= 0 && o->article_ratio <= 1) ||
        !(o->wrapper_ratio >= 0 && o->wrapper_ratio <= 1)) {
        free(o);
        return wn_err(err, WN_EINVAL, "", 0,
                      "extract: densities and article_ratio must be in "
                      "[0,1], 0 <= length_low <= length_high");
    }
    o->length_low = (unsigned)lo;
    o->length_high = (unsigned)hi;
    o->heading_distance = (unsigned)hd;
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
        (st >= 0 && (rc = wn_doc_meta_set_num(doc, "http_status", st))))
        return rc;
    if (!doc->text.len) {
        wn_buf_puts(reason, "extract:empty");
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const stage_ops stage_extract = {
    .name = "extract",
    .summary = "HTML pages to their main text (boilerplate removed)",
    .opts = extract_opts_tab,
    .create = ex_create,
    .process = ex_process,
    .free = ex_free,
};
