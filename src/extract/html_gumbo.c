/*
 * html_gumbo.c - the html.h event stream from gumbo's HTML5 parse tree.
 *
 * gumbo (libgumbo, Debian libgumbo-dev) implements the whole HTML5 tree
 * construction algorithm; winnow keeps it as the reference its own
 * tokenizer (html.c) is measured against (extract.parser=gumbo; see
 * docs/DESIGN.md, "Extraction": same extraction on both, gumbo about 10x
 * slower).  The tree is walked depth first with an explicit stack, so a
 * deeply nested page cannot exhaust the C stack; elements deeper than
 * HTML_MAX_DEPTH are flattened, as html.c does.
 *
 * gumbo has no limits of its own: a 150 KB page of unclosed tables took
 * 3.2 GB and minutes (gumbo 0.10.1 keeps every open element and walks the
 * stack for each new one).  So gumbo gets a page only when winnow's
 * tokenizer, run first, finds its nesting within HTML_MAX_DEPTH; a deeper
 * page is parsed by the tokenizer, which flattens it - the same limits for
 * both parsers.  And gumbo is linked only when asked for (make GUMBO=1):
 * it is the reference for the evaluation, not a parser for crawls.
 */
#include "html.h"

#include <stdlib.h>

#ifndef WN_GUMBO
int html_have_gumbo(void) { return 0; }

int html_parse_gumbo(const char *html, size_t n, const html_sink *sink,
                     wn_buf *scratch)
{
    (void)html, (void)n, (void)sink, (void)scratch;
    return WN_EINVAL;
}
#else
#include <gumbo.h>

int html_have_gumbo(void) { return 1; }

typedef struct depth_probe {
    int depth;
} depth_probe;

static int probe_start(void *ctx, int tag, const html_attrs *a)
{
    (void)tag, (void)a;
    depth_probe *p = ctx;
    /* the tokenizer ends elements at its limit at once: reaching it
     * means the page nests deeper */
    return ++p->depth >= HTML_MAX_DEPTH;
}

static int probe_end(void *ctx, int tag)
{
    (void)tag;
    ((depth_probe *)ctx)->depth--;
    return 0;
}

static int probe_text(void *ctx, const char *s, size_t n)
{
    (void)ctx, (void)s, (void)n;
    return 0;
}

/* 1 when the page nests deeper than the parsers' limit, 0 if not, or
 * WN_ENOMEM. */
static int too_deep(const char *html, size_t n, wn_buf *scratch)
{
    depth_probe p = {0};
    html_sink s = {probe_start, probe_end, probe_text, &p};
    int rc = html_parse(html, n, &s, scratch);
    return rc == 1 ? 1 : rc;
}

static void attrs_of(const GumboElement *e, html_attrs *a)
{
    static const struct {
        const char *name;
        size_t off;
    } want[] = {
        {"class", offsetof(html_attrs, cls)},
        {"id", offsetof(html_attrs, id)},
        {"role", offsetof(html_attrs, role)},
        {"lang", offsetof(html_attrs, lang)},
        {"itemprop", offsetof(html_attrs, itemprop)},
        {"style", offsetof(html_attrs, style)},
        {"aria-hidden", offsetof(html_attrs, aria_hidden)},
    };
    memset(a, 0, sizeof *a);
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const GumboAttribute *at =
            gumbo_get_attribute(&e->attributes, want[i].name);
        if (at) {
            html_str *s = (html_str *)((char *)a + want[i].off);
            s->p = at->value;
            s->n = strlen(at->value);
        }
    }
    a->hidden = gumbo_get_attribute(&e->attributes, "hidden") != NULL;
}

static int tag_of(const GumboElement *e)
{
    if (e->tag == GUMBO_TAG_UNKNOWN)
        return HT_OTHER;
    const char *n = gumbo_normalized_tagname(e->tag);
    return html_tag_lookup(n, strlen(n));
}

typedef struct frame {
    const GumboNode *node;
    unsigned next; /* next child to visit */
    int tag;       /* -1: flattened (no events) */
} frame;

int html_parse_gumbo(const char *html, size_t n, const html_sink *sink,
                     wn_buf *scratch)
{
    int deep = too_deep(html, n, scratch);
    if (deep)
        return deep == 1 ? html_parse(html, n, sink, scratch) : deep;
    GumboOutput *out = gumbo_parse_with_options(&kGumboDefaultOptions,
                                                html, n);
    if (!out)
        return WN_ENOMEM;
    size_t cap = 64, depth = 0;
    frame *st = malloc(cap * sizeof *st);
    int rc = st ? 0 : WN_ENOMEM;
    size_t open = 0; /* frames that emitted a start */
    if (st) {
        st[depth++] = (frame){out->root, 0, -1};
        const GumboElement *e = &out->root->v.element;
        html_attrs a;
        attrs_of(e, &a);
        st[0].tag = tag_of(e);
        rc = sink->start(sink->ctx, st[0].tag, &a);
        open = 1;
    }
    while (!rc && depth) {
        frame *f = &st[depth - 1];
        const GumboVector *kids = f->node->type == GUMBO_NODE_ELEMENT ||
                                          f->node->type == GUMBO_NODE_TEMPLATE
                                      ? &f->node->v.element.children
                                      : NULL;
        if (!kids || f->next >= kids->length) {
            if (f->tag >= 0) {
                rc = sink->end(sink->ctx, f->tag);
                open--;
            }
            depth--;
            continue;
        }
        const GumboNode *c = kids->data[f->next++];
        switch (c->type) {
        case GUMBO_NODE_TEXT: case GUMBO_NODE_WHITESPACE:
        case GUMBO_NODE_CDATA: {
            /* gumbo 0.10 turns an overflowing &#x...; at the end of input
             * into invalid UTF-8 (found by fuzz/fuzz_html.c): repair */
            const char *t = c->v.text.text;
            size_t tn = strlen(t);
            if (!wn_utf8_valid(t, tn)) {
                wn_buf_reset(scratch);
                if (wn_utf8_repair(t, tn, scratch, NULL) < 0) {
                    rc = WN_ENOMEM;
                    break;
                }
                t = scratch->data ? scratch->data : "";
                tn = scratch->len;
            }
            rc = sink->text(sink->ctx, t, tn);
            break;
        }
        case GUMBO_NODE_ELEMENT: case GUMBO_NODE_TEMPLATE: {
            if (depth == cap) {
                frame *ns = realloc(st, 2 * cap * sizeof *st);
                if (!ns) {
                    rc = WN_ENOMEM;
                    break;
                }
                st = ns;
                cap *= 2;
            }
            int tag = -1;
            if (open < HTML_MAX_DEPTH) {
                html_attrs a;
                attrs_of(&c->v.element, &a);
                tag = tag_of(&c->v.element);
                rc = sink->start(sink->ctx, tag, &a);
                open++;
            }
            st[depth++] = (frame){c, 0, tag};
            break;
        }
        default:
            break;
        }
    }
    /* a sink that stopped the walk still gets its ends, in order */
    while (depth) {
        if (st[depth - 1].tag >= 0)
            sink->end(sink->ctx, st[depth - 1].tag);
        depth--;
    }
    free(st);
    gumbo_destroy_output(&kGumboDefaultOptions, out);
    return rc;
}
#endif /* WN_GUMBO */
