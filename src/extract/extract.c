/*
 * extract.c - from HTML events to blocks of text, and back out as text.
 *
 * The consumer of html.h's balanced event stream.  It keeps one frame of
 * flags per open element and cuts the text into blocks at block-level
 * elements (p, div, li, td, h1-h6, ...), collapsing whitespace as a
 * browser renders it; <br> is a line break inside a block, two in a row end
 * the block.  Per block it counts characters, characters inside links and
 * words, and records the innermost article/main container and the
 * outermost form it sits in; classify.c then decides what to keep.
 *
 * Some subtrees are skipped whole while parsing, because their text is
 * never main content: script, style, noscript, template, svg, math,
 * iframe, select, textarea, button; elements that are hidden (hidden,
 * aria-hidden="true", display:none); and, in main mode, the boilerplate
 * containers: nav, aside, footer, menu, a <header> outside an article,
 * ARIA landmarks that are not main (navigation, banner, complementary,
 * contentinfo, search), and elements whose class or id names boilerplate
 * ("sidebar", "breadcrumb", "share", "cookie", ...) unless they also name
 * content ("article", "content", "main", ...), after Readability's
 * unlikelyCandidates rule.
 */
#include "extract.h"

#include <pthread.h>
#include <stdlib.h>

enum { /* per-element frame flags */
    FR_LINK = 1, FR_PRE = 2, FR_CONT = 4, FR_BOIL = 8, FR_HEAD = 16,
    FR_TITLE = 32, FR_HEADING = 64, FR_NODE = 128,
};

typedef struct xstate {
    const extract_opts *o;
    extract_bufs *b;
    extract_result *res;
    uint8_t fr[HTML_MAX_DEPTH + 2];
    int32_t node;   /* innermost open block-level element, -1 */
    int depth;     /* open elements (capped frames beyond the limit) */
    int skip;      /* >0: inside a skipped subtree, its depth */
    int link, pre, head, heading, title, title_done;
    int32_t cont, boil;
    int kind;      /* XB_* of the block being built */
    /* the block being built: text from cur_off in b->text */
    size_t cur_off;
    uint32_t chars, link_chars, words;
    int lead_link; /* the block's first text was inside a link */
    int space;     /* a space is pending */
    size_t title_len;
    int rc;        /* first allocation failure */
    int relaxed;   /* no boilerplate containers or names (the rescue) */
} xstate;

/* ------------------------------------------------------ boilerplate names */

/* Substrings of a lowercased class/id that mark boilerplate, and those
 * that mark content and override them (Readability's lists, trimmed to
 * what is unambiguous, plus the consent/sharing widgets of today). */
static const char *const bad_names[] = {
    "sidebar", "breadcrumb", "cookie", "consent", "gdpr", "newsletter",
    "subscri", "comment", "disqus", "share", "sharing", "social",
    "related", "recommend", "sponsor", "advert", "promo", "banner",
    "popup", "modal", "navbar", "navigation", "menu", "footer",
    "masthead", "pagination", "pager", "widget", "outbrain", "taboola",
    "skip-link", "skiplink", "signup", "login", "toolbar", "byline-share",
    "tag-list", "taglist", "read-more", "readmore", "more-stories",
    "trending", "most-popular", "mostpopular", "print-only",
};
_Static_assert(sizeof bad_names / sizeof *bad_names <= 64, "64 names");
static const char *const good_names[] = {
    "article", "content", "main", "story", "entry", "post-body",
    "postbody", "body", "text",
};
/* Whole class/id tokens (split at non-alphanumerics) that mark
 * boilerplate; too short to match as substrings. */
static const char *const bad_tokens[] = {
    "nav", "ad", "ads", "adv", "tags", "share", "social", "footer",
    "hidden", "hide", "print", "rss", "meta", "aside",
};

static int contains(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

#define NBAD (sizeof bad_names / sizeof *bad_names)
#define NGOOD (sizeof good_names / sizeof *good_names)
static uint64_t bad_first[256], good_first[256];

static void first_build(void)
{
    extract_first_bytes(bad_names, NBAD, bad_first);
    extract_first_bytes(good_names, NGOOD, good_first);
}

/* Lowercases class and id into buf, space separated. */
static size_t lower_names(const html_attrs *a, char *buf, size_t cap)
{
    size_t k = 0;
    const html_str *v[2] = {&a->cls, &a->id};
    for (int j = 0; j < 2; j++) {
        for (size_t i = 0; i < v[j]->n && k + 2 < cap; i++) {
            unsigned char c = (unsigned char)v[j]->p[i];
            buf[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if (k + 2 < cap)
            buf[k++] = ' ';
    }
    buf[k] = 0;
    return k;
}

static int token_match(const char *s)
{
    for (const char *p = s; *p;) {
        while (*p && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            p++;
        const char *q = p;
        while (*q && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9')))
            q++;
        size_t n = (size_t)(q - p);
        for (size_t i = 0; n && i < sizeof bad_tokens / sizeof *bad_tokens;
             i++)
            if (!strncmp(bad_tokens[i], p, n) && !bad_tokens[i][n])
                return 1;
        p = q;
    }
    return 0;
}

static int names_boilerplate(const html_attrs *a)
{
    if (!a->cls.n && !a->id.n)
        return 0;
    char buf[256];
    lower_names(a, buf, sizeof buf);
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, first_build);
    if (!extract_contains_any(buf, bad_names, bad_first) && !token_match(buf))
        return 0;
    return !extract_contains_any(buf, good_names, good_first);
}

static int str_ieq(const html_str *s, const char *lit)
{
    if (!s->n)
        return 0;
    size_t n = strlen(lit);
    if (s->n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->p[i];
        if ((c >= 'A' && c <= 'Z' ? c + 32 : c) != (unsigned char)lit[i])
            return 0;
    }
    return 1;
}

/* display:none / visibility:hidden in a style attribute */
static int style_hidden(const html_str *s)
{
    char buf[128];
    size_t k = 0;
    for (size_t i = 0; i < s->n && k + 1 < sizeof buf; i++) {
        unsigned char c = (unsigned char)s->p[i];
        if (c != ' ' && c != '\t')
            buf[k++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    buf[k] = 0;
    return contains(buf, "display:none") ||
           contains(buf, "visibility:hidden");
}

/* Does any of the names (at most 64) occur in s?  One pass over s; at
 * each byte only the names that start with it are compared (first[] has
 * bit i set for the bytes names[i] starts with): 45 strstr calls per
 * element showed in profiles. */
int extract_contains_any(const char *s, const char *const *names,
                         const uint64_t *first)
{
    for (; *s; s++) {
        for (uint64_t m = first[(unsigned char)*s]; m; m &= m - 1) {
            const char *nm = names[__builtin_ctzll(m)];
            size_t k = 1;
            while (nm[k] && s[k] == nm[k])
                k++;
            if (!nm[k])
                return 1;
        }
    }
    return 0;
}

void extract_first_bytes(const char *const *names, size_t n,
                         uint64_t *first)
{
    for (size_t i = 0; i < n && i < 64; i++)
        first[(unsigned char)names[i][0]] |= 1ull << i;
}

/* ------------------------------------------------------------------ blocks */

static int is_block(int tag)
{
    switch (tag) {
    case HT_ADDRESS: case HT_ARTICLE: case HT_ASIDE: case HT_BLOCKQUOTE:
    case HT_BODY: case HT_CAPTION: case HT_CENTER: case HT_DD:
    case HT_DETAILS: case HT_DIALOG: case HT_DIR: case HT_DIV: case HT_DL:
    case HT_DT: case HT_FIELDSET: case HT_FIGCAPTION: case HT_FIGURE:
    case HT_FOOTER: case HT_FORM: case HT_H1: case HT_H2: case HT_H3:
    case HT_H4: case HT_H5: case HT_H6: case HT_HEAD: case HT_HEADER:
    case HT_HGROUP: case HT_HR: case HT_HTML: case HT_LI: case HT_MAIN:
    case HT_MENU: case HT_NAV: case HT_OL: case HT_P: case HT_PRE:
    case HT_SECTION: case HT_SUMMARY: case HT_TABLE: case HT_TBODY:
    case HT_TD: case HT_TFOOT: case HT_TH: case HT_THEAD: case HT_TR:
    case HT_UL: case HT_OPTION: case HT_TITLE: case HT_IMG:
        return 1;
    default:
        return 0;
    }
}

static int always_skipped(int tag)
{
    switch (tag) {
    case HT_SCRIPT: case HT_STYLE: case HT_NOSCRIPT: case HT_TEMPLATE:
    case HT_SVG: case HT_MATH: case HT_IFRAME: case HT_OBJECT:
    case HT_APPLET: case HT_EMBED: case HT_CANVAS: case HT_SELECT:
    case HT_TEXTAREA: case HT_BUTTON: case HT_INPUT: case HT_AUDIO:
    case HT_VIDEO: case HT_NOEMBED: case HT_NOFRAMES: case HT_DIALOG:
    case HT_MAP:
        return 1;
    default:
        return 0;
    }
}

static int kind_of(int tag)
{
    switch (tag) {
    case HT_H1: case HT_H2: case HT_H3: case HT_H4: case HT_H5: case HT_H6:
        return XB_HEADING;
    case HT_LI: case HT_DT: case HT_DD: return XB_ITEM;
    case HT_TD: case HT_TH: return XB_CELL;
    case HT_PRE: return XB_PRE;
    default: return XB_TEXT;
    }
}

/* Ends the block being built (if it holds any text). */
static void flush(xstate *x)
{
    wn_buf *t = &x->b->text;
    while (t->len > x->cur_off &&
           (t->data[t->len - 1] == ' ' || t->data[t->len - 1] == '\n'))
        t->len--;
    if (x->chars && t->len > x->cur_off) {
        xblock bl;
        memset(&bl, 0, sizeof bl);
        bl.off = (uint32_t)x->cur_off;
        bl.len = (uint32_t)(t->len - x->cur_off);
        bl.chars = x->chars;
        bl.link_chars = x->link_chars;
        bl.words = x->words;
        bl.cont = x->cont;
        bl.boil = x->boil;
        bl.node = x->node;
        bl.kind = (uint8_t)x->kind;
        bl.flags = x->lead_link ? XF_LEAD_LINK : 0;
        if (wn_buf_append(&x->b->blocks, &bl, sizeof bl))
            x->rc = WN_ENOMEM;
    } else
        t->len = x->cur_off;
    if (t->data)
        t->data[t->len] = 0;
    x->cur_off = t->len;
    x->chars = x->link_chars = x->words = 0;
    x->space = x->lead_link = 0;
}

static int32_t new_group(xstate *x, int is_boil)
{
    xgroup g;
    memset(&g, 0, sizeof g);
    g.parent = is_boil == XG_NODE ? x->node
               : is_boil ? x->boil : x->cont;
    g.is_boil = (uint8_t)is_boil;
    size_t n = x->b->groups.len / sizeof g;
    if (n >= INT32_MAX || wn_buf_append(&x->b->groups, &g, sizeof g)) {
        x->rc = WN_ENOMEM;
        return -1;
    }
    return (int32_t)n;
}

static int is_container(int tag, const html_attrs *a)
{
    return tag == HT_ARTICLE || tag == HT_MAIN || str_ieq(&a->role, "main") ||
           str_ieq(&a->itemprop, "articlebody");
}

static int skip_in_main(const xstate *x, int tag, const html_attrs *a)
{
    switch (tag) {
    case HT_NAV: case HT_ASIDE: case HT_FOOTER: case HT_MENU:
        return 1;
    case HT_HEADER:
        return x->cont < 0;
    case HT_HTML: case HT_BODY: case HT_ARTICLE: case HT_MAIN:
        return 0;
    }
    if (a->role.n &&
        (str_ieq(&a->role, "navigation") || str_ieq(&a->role, "banner") ||
         str_ieq(&a->role, "complementary") ||
         str_ieq(&a->role, "contentinfo") || str_ieq(&a->role, "search") ||
         str_ieq(&a->role, "menu") || str_ieq(&a->role, "menubar")))
        return 1;
    return 0;
}

static int on_start(void *ctx, int tag, const html_attrs *a)
{
    xstate *x = ctx;
    if (x->skip) {
        x->skip++;
        return 0;
    }
    if (tag == HT_HTML && a->lang.n && !x->res->lang[0]) {
        size_t n = a->lang.n < sizeof x->res->lang - 1
                       ? a->lang.n : sizeof x->res->lang - 1;
        memcpy(x->res->lang, a->lang.p, n);
        x->res->lang[n] = 0;
    }
    if (is_block(tag))
        flush(x);
    if (always_skipped(tag) || a->hidden ||
        str_ieq(&a->aria_hidden, "true") ||
        (a->style.n && style_hidden(&a->style)) ||
        (x->o->mode == EXTRACT_MAIN && !x->relaxed &&
         skip_in_main(x, tag, a))) {
        x->skip = 1;
        return 0;
    }
    uint8_t f = 0;
    switch (tag) {
    case HT_A: f = FR_LINK; x->link++; break;
    case HT_PRE: f = FR_PRE; x->pre++; break;
    case HT_HEAD: f = FR_HEAD; x->head++; break;
    case HT_TITLE: f = FR_TITLE; x->title++; break;
    case HT_BR:
        if (x->chars) {
            wn_buf *t = &x->b->text;
            if (t->len > x->cur_off && t->data[t->len - 1] == '\n')
                flush(x); /* <br><br>: a paragraph break */
            else if (wn_buf_putc(t, '\n'))
                x->rc = WN_ENOMEM;
            x->space = 0;
        }
        break;
    }
    if (kind_of(tag) == XB_HEADING) {
        f |= FR_HEADING;
        x->heading++;
    }
    if (is_container(tag, a)) {
        f |= FR_CONT;
        x->cont = new_group(x, 0);
    } else if (x->o->mode == EXTRACT_MAIN && !x->relaxed && tag != HT_HTML &&
               tag != HT_BODY && (tag == HT_FORM || names_boilerplate(a))) {
        f |= FR_BOIL;
        x->boil = new_group(x, 1);
    }
    if (is_block(tag)) {
        x->kind = x->heading ? XB_HEADING : kind_of(tag);
        if (x->depth <= HTML_MAX_DEPTH && x->o->mode == EXTRACT_MAIN) {
            x->node = new_group(x, XG_NODE);
            f |= FR_NODE;
        }
    }
    if (x->depth <= HTML_MAX_DEPTH)
        x->fr[x->depth] = f;
    x->depth++;
    return x->rc;
}

static int on_end(void *ctx, int tag)
{
    xstate *x = ctx;
    if (x->skip) {
        x->skip--;
        return 0;
    }
    if (x->depth <= 0)
        return 0;
    x->depth--;
    uint8_t f = x->depth <= HTML_MAX_DEPTH ? x->fr[x->depth] : 0;
    if (is_block(tag))
        flush(x);
    if (f & FR_LINK) x->link--;
    if (f & FR_PRE) x->pre--;
    if (f & FR_HEAD) x->head--;
    if (f & FR_TITLE) {
        x->title--;
        x->title_done = x->title_len > 0;
    }
    if (f & FR_HEADING) x->heading--;
    if ((f & FR_NODE) && x->node >= 0)
        x->node = ((xgroup *)x->b->groups.data)[x->node].parent;
    if ((f & FR_CONT) && x->cont >= 0)
        x->cont = ((xgroup *)x->b->groups.data)[x->cont].parent;
    if ((f & FR_BOIL) && x->boil >= 0)
        x->boil = ((xgroup *)x->b->groups.data)[x->boil].parent;
    if (is_block(tag))
        x->kind = x->heading ? XB_HEADING : XB_TEXT;
    return x->rc;
}

/* Collapsed title text. */
static void title_text(xstate *x, const char *s, size_t n)
{
    char *t = x->res->title;
    size_t cap = sizeof x->res->title - 4; /* room for one UTF-8 char */
    for (size_t i = 0; i < n && x->title_len < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ') {
            if (x->title_len && t[x->title_len - 1] != ' ')
                t[x->title_len++] = ' ';
            continue;
        }
        t[x->title_len++] = (char)c;
    }
    /* never end inside a UTF-8 sequence */
    size_t k = x->title_len;
    while (k && ((unsigned char)t[k - 1] & 0xC0) == 0x80)
        k--;
    if (k && ((unsigned char)t[k - 1]) >= 0xC0) {
        unsigned char lead = (unsigned char)t[k - 1];
        size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
        if (x->title_len - (k - 1) < need)
            x->title_len = k - 1;
    }
    t[x->title_len] = 0;
}

static int on_text(void *ctx, const char *s, size_t n)
{
    xstate *x = ctx;
    if (x->skip)
        return 0;
    if (x->title) {
        if (!x->title_done)
            title_text(x, s, n);
        return 0;
    }
    if (x->head)
        return 0;
    wn_buf *t = &x->b->text;
    if (wn_buf_reserve(t, n + 2))
        return x->rc = WN_ENOMEM;
    char *o = t->data;
    size_t k = t->len;
    uint32_t chars = 0, words = 0;
    int space = x->space, started = x->chars > 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || (c == 0xC2 && i + 1 < n &&
                         (unsigned char)s[i + 1] == 0xA0)) {
            if (c == 0xC2)
                i++;
            if (c == '\n' && x->pre && started) {
                if (o[k - 1] != '\n') /* blank lines in <pre>: one */
                    o[k++] = '\n';
                space = 0;
            } else if (!(k > x->cur_off && o[k - 1] == '\n'))
                space = 1;
            continue;
        }
        if (space && started) {
            o[k++] = ' ';
            words++;
        } else if (!started)
            words++;
        space = 0;
        started = 1;
        o[k++] = (char)c;
        chars += (c & 0xC0) != 0x80;
    }
    /* the reserve above covered n + 2 bytes: at most one byte out per byte
     * in, plus the spaces that replace skipped ones */
    t->len = k;
    o[k] = 0;
    x->space = space;
    if (!x->chars && chars && x->link)
        x->lead_link = 1;
    x->chars += chars;
    x->words += words;
    if (x->link)
        x->link_chars += chars;
    return 0;
}

/* One parse and classification; relaxed: without boilerplate containers
 * and names. */
static int run_pass(const extract_opts *o, const char *html, size_t n,
                    extract_bufs *b, wn_buf *out, extract_result *res,
                    int relaxed)
{
    memset(res, 0, sizeof *res);
    wn_buf_reset(&b->text);
    wn_buf_reset(&b->blocks);
    wn_buf_reset(&b->groups);
    xstate *x = calloc(1, sizeof *x);
    if (!x)
        return WN_ENOMEM;
    x->o = o;
    x->b = b;
    x->res = res;
    x->relaxed = relaxed;
    x->cont = x->boil = x->node = -1;
    html_sink sink = {on_start, on_end, on_text, x};
    int rc = o->parser == EXTRACT_PARSER_GUMBO
                 ? html_parse_gumbo(html, n, &sink, &b->parse)
                 : html_parse(html, n, &sink, &b->parse);
    if (!rc)
        flush(x);
    if (!rc)
        rc = x->rc;
    free(x);
    if (rc)
        return rc < 0 ? rc : WN_ENOMEM;
    xblock *bl = (xblock *)b->blocks.data;
    size_t nb = b->blocks.len / sizeof *bl;
    res->blocks = nb;
    xgroup *g = (xgroup *)b->groups.data;
    size_t ng = b->groups.len / sizeof *g;
    res->article = extract_classify(o, bl, nb, g, ng) >= 0;
    if (o->mode == EXTRACT_MAIN) {
        res->index = extract_is_index(bl, nb, g, ng);
        if (res->index && res->article) {
            /* one of the posts was taken for the article: an index page
             * kept (extract.index=keep) keeps them all */
            extract_opts all = *o;
            all.article_ratio = 2;
            res->article = extract_classify(&all, bl, nb, g, ng) >= 0;
        }
        if (!res->article && !res->index)
            extract_dominant(bl, nb, g, ng);
        extract_units(o, b->text.data, bl, nb);
    }
    wn_buf_reset(out);
    for (size_t i = 0; i < nb; i++) {
        if (bl[i].cls != XC_GOOD)
            continue;
        if (out->len && wn_buf_append(out, "\n\n", 2))
            return WN_ENOMEM;
        if (wn_buf_append(out, b->text.data + bl[i].off, bl[i].len))
            return WN_ENOMEM;
        res->kept++;
    }
    return 0;
}

/* Some sites put the story where only boilerplate goes (an <aside
 * class="blogPost">, a <div class="widget">): when the rules leave nothing
 * of a page with rescue_words visible words or more, the page is parsed
 * again without the container and name rules and the block statistics
 * decide alone, so that a page of text never comes out empty unless it is
 * dropped with a reason. */
int extract_run(const extract_opts *o, const char *html, size_t n,
                extract_bufs *b, wn_buf *out, extract_result *res)
{
    int rc = run_pass(o, html, n, b, out, res, 0);
    if (rc || res->kept || o->mode != EXTRACT_MAIN || !o->rescue_words)
        return rc;
    rc = run_pass(o, html, n, b, out, res, 1);
    if (rc)
        return rc;
    const xblock *bl = (const xblock *)b->blocks.data;
    uint64_t words = 0;
    for (size_t i = 0; i < res->blocks; i++)
        words += bl[i].words;
    if (words >= o->rescue_words && res->kept)
        res->rescued = 1;
    else {
        wn_buf_reset(out);
        res->kept = 0;
    }
    return 0;
}
