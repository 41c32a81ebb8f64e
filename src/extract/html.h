/*
 * html.h - the HTML event stream the extractor is built on (internal).
 *
 * A parser turns a page into properly nested events: start(tag, attrs),
 * text(decoded UTF-8), end(tag).  Every start gets exactly one end, in
 * order, whatever the page does (unclosed, stray or misnested tags), so the
 * consumer can keep a depth counter and never needs a DOM.  Two parsers
 * produce the same stream:
 *   html_parse        - winnow's own streaming tokenizer with a small tree
 *                       builder that applies the HTML rules that matter for
 *                       text (void elements, implied </p> </li> </td>,
 *                       raw-text elements, scoped end tags); html.c;
 *   html_parse_gumbo  - Google's gumbo (full HTML5 tree construction), the
 *                       reference it is measured against; html_gumbo.c.
 * Only the tags and attributes the extractor looks at are named; others
 * are HT_OTHER.  Attribute values point into the input, undecoded.
 */
#ifndef WN_EXTRACT_HTML_H
#define WN_EXTRACT_HTML_H

#include "../core/core.h"

/* Known tags, sorted by name (html_tag_lookup bisects the name table). */
#define HTML_TAGS(X)                                                         \
    X(A, "a") X(ADDRESS, "address") X(APPLET, "applet") X(AREA, "area")     \
    X(ARTICLE, "article") X(ASIDE, "aside") X(AUDIO, "audio") X(B, "b")     \
    X(BASE, "base") X(BLOCKQUOTE, "blockquote") X(BODY, "body")             \
    X(BR, "br") X(BUTTON, "button") X(CANVAS, "canvas")                     \
    X(CAPTION, "caption") X(CENTER, "center") X(COL, "col")                 \
    X(COLGROUP, "colgroup") X(DD, "dd") X(DETAILS, "details")               \
    X(DIALOG, "dialog") X(DIR, "dir") X(DIV, "div") X(DL, "dl")             \
    X(DT, "dt") X(EMBED, "embed") X(FIELDSET, "fieldset")                   \
    X(FIGCAPTION, "figcaption") X(FIGURE, "figure") X(FOOTER, "footer")     \
    X(FORM, "form") X(FRAMESET, "frameset") X(H1, "h1") X(H2, "h2")         \
    X(H3, "h3") X(H4, "h4") X(H5, "h5") X(H6, "h6") X(HEAD, "head")         \
    X(HEADER, "header") X(HGROUP, "hgroup") X(HR, "hr") X(HTML, "html")     \
    X(IFRAME, "iframe") X(IMG, "img") X(INPUT, "input")                     \
    X(KEYGEN, "keygen") X(LI, "li") X(LINK, "link") X(MAIN, "main")         \
    X(MAP, "map") X(MARQUEE, "marquee") X(MATH, "math") X(MENU, "menu")     \
    X(META, "meta") X(NAV, "nav") X(NOEMBED, "noembed")                     \
    X(NOFRAMES, "noframes") X(NOSCRIPT, "noscript") X(OBJECT, "object")     \
    X(OL, "ol") X(OPTGROUP, "optgroup") X(OPTION, "option") X(P, "p")       \
    X(PARAM, "param") X(PLAINTEXT, "plaintext") X(PRE, "pre")               \
    X(SCRIPT, "script") X(SECTION, "section") X(SELECT, "select")           \
    X(SOURCE, "source") X(STYLE, "style") X(SUMMARY, "summary")             \
    X(SVG, "svg") X(TABLE, "table") X(TBODY, "tbody") X(TD, "td")           \
    X(TEMPLATE, "template") X(TEXTAREA, "textarea") X(TFOOT, "tfoot")       \
    X(TH, "th") X(THEAD, "thead") X(TITLE, "title") X(TR, "tr")             \
    X(TRACK, "track") X(UL, "ul") X(VIDEO, "video") X(WBR, "wbr")           \
    X(XMP, "xmp")

#define HTML_TAG_ENUM(id, s) HT_##id,
enum html_tag { HT_OTHER = 0, HTML_TAGS(HTML_TAG_ENUM) HT_COUNT };
#undef HTML_TAG_ENUM

/* The attributes the extractor reads; absent ones have n == 0. */
typedef struct html_str {
    const char *p;
    size_t n;
} html_str;

typedef struct html_attrs {
    html_str cls, id, role, lang, itemprop, style, aria_hidden;
    int hidden; /* the boolean attribute `hidden` is present */
} html_attrs;

/* Receives the events.  text() gets decoded UTF-8 (entities resolved,
 * whitespace as in the source); `raw` is 1 inside <pre>/<textarea>.  A
 * non-zero return from any callback stops the parse and is returned. */
typedef struct html_sink {
    int (*start)(void *ctx, int tag, const html_attrs *a);
    int (*end)(void *ctx, int tag);
    int (*text)(void *ctx, const char *s, size_t n);
    void *ctx;
} html_sink;

/* Deepest nesting the parsers track; deeper elements are flattened into
 * their ancestor at the limit (their text is kept). */
#define HTML_MAX_DEPTH 512

/* Tag id of a name (any case), HT_OTHER when not in HTML_TAGS. */
int html_tag_lookup(const char *name, size_t n);
const char *html_tag_name(int tag);
/* Void elements: no content, no end tag. */
int html_tag_is_void(int tag);

/* winnow's tokenizer: parses n bytes of UTF-8 HTML.  scratch holds decoded
 * text between calls (reused).  Returns 0, a sink's non-zero value, or
 * WN_ENOMEM. */
int html_parse(const char *html, size_t n, const html_sink *sink,
               wn_buf *scratch);

/* The same events from gumbo's HTML5 tree (slower; the reference).  A
 * page nested past HTML_MAX_DEPTH is parsed by html_parse instead.
 * Returns 0, a sink's value, WN_ENOMEM, or WN_EINVAL in a build without
 * gumbo (html_have_gumbo() is 0: make GUMBO=1 links it). */
int html_have_gumbo(void);
int html_parse_gumbo(const char *html, size_t n, const html_sink *sink,
                     wn_buf *scratch);

/* Appends the character reference at s (just after '&', n bytes left) to
 * out as UTF-8 and returns the bytes consumed after '&', or 0 when s does
 * not start a known reference (the '&' is then literal text).
size_t html_entity_decode(const char *s, size_t n, wn_buf *out);

#endif
 */
size_t html_entity_decode(const char *s, size_t n, wn_buf *out);

#endif
