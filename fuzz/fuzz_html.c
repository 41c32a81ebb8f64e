/*
 * fuzz_html.c - libFuzzer target: winnow's HTML tokenizer and the
 * "extract" stage on arbitrary bytes.
 *
 * Checks the promises the extractor is built on: the event stream of
 * html_parse is balanced (every end closes the innermost open start, of
 * the same tag, and nothing is left open), decoded text is valid UTF-8
 * when the input is, and the stage's output - in main and all mode, with
 * either parser for small inputs - is valid UTF-8 with no blank run of
 * more than one line and no surrounding whitespace.
 */
/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"
#include "../src/extract/html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct check {
    int stack[HTML_MAX_DEPTH + 8];
    int depth;
    int utf8; /* the input is valid UTF-8, so must every text be */
} check;

static int c_start(void *ctx, int tag, const html_attrs *a)
{
    check *c = ctx;
    (void)a;
    if (tag < 0 || tag >= HT_COUNT || c->depth >= HTML_MAX_DEPTH + 8)
        abort();
    c->stack[c->depth++] = tag;
    return 0;
}

static int c_end(void *ctx, int tag)
{
    check *c = ctx;
    if (c->depth <= 0 || c->stack[c->depth - 1] != tag)
        abort();
    c->depth--;
    return 0;
}

static int c_text(void *ctx, const char *s, size_t n)
{
    check *c = ctx;
    if (c->utf8 && !wn_utf8_valid(s, n))
        abort();
    return 0;
}

static void run_stage(const wn_buf *html, const char *mode,
                      const char *parser)
{
    wn_config *cfg = wn_config_new();
    wn_stage *st;
    wn_error err;
    if (!cfg)
        return;
    wn_config_set(cfg, "extract.mode", mode);
    wn_config_set(cfg, "extract.parser", parser);
    if (wn_stage_new("extract", cfg, &st, &err))
        abort();
    wn_config_free(cfg);
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_set(&d.text, html->data ? html->data : "", html->len);
    d.kind = WN_DOC_HTML;
    int rc = wn_stage_process(st, &d, &reason);
    if (rc < 0 && rc != WN_ENOMEM)
        abort();
    if (rc == 1) {
        const char *t = d.text.data;
        size_t n = d.text.len;
        if (!n || !wn_utf8_valid(t, n) || d.kind != WN_DOC_TEXT ||
            t[0] == ' ' || t[0] == '\n' || t[n - 1] == ' ' ||
            t[n - 1] == '\n' || strstr(t, "\n\n\n"))
            abort();
    } else if (rc == 0 && strcmp(reason.data, "extract:empty"))
        abort();
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_stage_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the raw bytes through the tokenizer */
    check c;
    memset(&c, 0, sizeof c);
    c.utf8 = wn_utf8_valid((const char *)data, size);
    html_sink sink = {c_start, c_end, c_text, &c};
    wn_buf scratch = WN_BUF_INIT;
    if (html_parse((const char *)data, size, &sink, &scratch) == 0 &&
        c.depth != 0)
        abort();
    /* the stage sees what a reader hands it: valid UTF-8 */
    wn_buf html = WN_BUF_INIT;
    if (wn_utf8_repair((const char *)data, size, &html, NULL) >= 0) {
        run_stage(&html, "main", "fast");
        run_stage(&html, "all", "fast");
        if (size < 4096 && html_have_gumbo())
            run_stage(&html, "main", "gumbo");
    }
    wn_buf_release(&html);
    wn_buf_release(&scratch);
    return 0;
}
