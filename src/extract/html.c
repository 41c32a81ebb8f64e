/*
 * html.c - winnow's streaming HTML tokenizer and tree builder.
 *
 * One left-to-right pass over the page, no DOM: memchr finds the next '<',
 * the text before it is entity-decoded and handed on, and tags go through
 * a small tree builder that keeps a stack of open elements.  The builder
 * applies the parts of the HTML5 tree-construction rules that decide where
 * text belongs (see the comment in html.h): void elements never open,
 * <p>/<li>/<dt>/<dd>/<tr>/<td>/<option>/<a>/<h1-6> close their open
 * predecessor, raw-text elements (script, style, title, textarea, ...)
 * swallow everything up to their own end tag, and an end tag closes the
 * nearest open element of its name only within its scope (a stray </div>
 * inside a table cell or a stray </span> across a block is ignored, as
 * browsers do).  What it leaves out - the adoption agency, foster parenting
 * of text inside tables, foreign content, frameset modes - moves text
 * between neighbouring elements at worst; it never loses text.  The event
 * stream is always balanced: every element started is ended, at the latest
 * at the end of input.  Unknown elements are tracked by a hash of their
 * name so that </my-widget> closes <my-widget>.
 */
#include "html.h"

#include <pthread.h>
#include <stdlib.h>

#define TAG_NAME(id, s) s,
static const char *const tag_names[HT_COUNT] = {"", HTML_TAGS(TAG_NAME)};
#undef TAG_NAME

enum {
    F_VOID = 1,      /* no content, no end tag */
    F_RAW = 2,       /* raw text up to </name> */
    F_RCDATA = 4,    /* raw text with character references */
    F_CLOSE_P = 8,   /* opening it closes an open <p> */
    F_SCOPE = 16,    /* end tags of ordinary elements do not cross it */
    F_BLOCK = 32,    /* "special": end tags of inline elements stop here */
    F_TABLE = 64,    /* table structure: scoped by <table> only */
};

static uint8_t tag_flags[HT_COUNT];
static void slots_init(void);

/* The flags and name tables, built once per process (pthread_once: the
 * stage runs on several threads). */
static void flags_build(void)
{
    static const uint8_t voids[] = {HT_AREA, HT_BASE, HT_BR, HT_COL,
        HT_EMBED, HT_HR, HT_IMG, HT_INPUT, HT_KEYGEN, HT_LINK, HT_META,
        HT_PARAM, HT_SOURCE, HT_TRACK, HT_WBR};
    static const uint8_t raws[] = {HT_SCRIPT, HT_STYLE, HT_XMP, HT_IFRAME,
        HT_NOEMBED, HT_NOFRAMES, HT_NOSCRIPT, HT_PLAINTEXT};
    static const uint8_t close_p[] = {HT_ADDRESS, HT_ARTICLE, HT_ASIDE,
        HT_BLOCKQUOTE, HT_CENTER, HT_DETAILS, HT_DIALOG, HT_DIR, HT_DIV,
        HT_DL, HT_FIELDSET, HT_FIGCAPTION, HT_FIGURE, HT_FOOTER, HT_FORM,
        HT_H1, HT_H2, HT_H3, HT_H4, HT_H5, HT_H6, HT_HEADER, HT_HGROUP,
        HT_HR, HT_MAIN, HT_MENU, HT_NAV, HT_OL, HT_P, HT_PRE, HT_SECTION,
        HT_TABLE, HT_UL, HT_LI, HT_DD, HT_DT, HT_PLAINTEXT, HT_XMP,
        HT_SUMMARY};
    static const uint8_t scope[] = {HT_APPLET, HT_CAPTION, HT_HTML,
        HT_TABLE, HT_TD, HT_TH, HT_MARQUEE, HT_OBJECT, HT_TEMPLATE};
    static const uint8_t block_more[] = {HT_BODY, HT_BR, HT_BUTTON,
        HT_CAPTION, HT_COLGROUP, HT_HEAD, HT_IFRAME, HT_IMG, HT_SELECT,
        HT_TBODY, HT_TD, HT_TFOOT, HT_TH, HT_THEAD, HT_TR, HT_TEXTAREA,
        HT_TITLE, HT_HTML, HT_OPTION, HT_OPTGROUP, HT_SCRIPT, HT_STYLE,
        HT_NOSCRIPT, HT_TEMPLATE, HT_APPLET, HT_OBJECT, HT_MARQUEE,
        HT_FRAMESET};
    static const uint8_t table[] = {HT_TBODY, HT_TD, HT_TFOOT, HT_TH,
        HT_THEAD, HT_TR, HT_CAPTION, HT_COLGROUP};
    uint8_t f[HT_COUNT] = {0};
    for (size_t i = 0; i < sizeof voids; i++)
        f[voids[i]] |= F_VOID;
    for (size_t i = 0; i < sizeof raws; i++)
        f[raws[i]] |= F_RAW;
    f[HT_TITLE] |= F_RCDATA;
    f[HT_TEXTAREA] |= F_RCDATA;
    for (size_t i = 0; i < sizeof close_p; i++)
        f[close_p[i]] |= F_CLOSE_P | F_BLOCK;
    for (size_t i = 0; i < sizeof scope; i++)
        f[scope[i]] |= F_SCOPE;
    for (size_t i = 0; i < sizeof block_more; i++)
        f[block_more[i]] |= F_BLOCK;
    for (size_t i = 0; i < sizeof table; i++)
        f[table[i]] |= F_TABLE;
    memcpy(tag_flags, f, sizeof f);
    slots_init();
}

static void flags_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, flags_build);
}

const char *html_tag_name(int tag)
{
    return tag > 0 && tag < HT_COUNT ? tag_names[tag] : "";
}

int html_tag_is_void(int tag)
{
    flags_init();
    return tag > 0 && tag < HT_COUNT && (tag_flags[tag] & F_VOID);
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* Name -> tag: an open-addressing table of the lowercase names, filled
 * with flags_init (bisecting with strcmp showed in profiles). */
#define TAG_SLOTS 256
static uint8_t tag_slot[TAG_SLOTS];

static unsigned tag_hash(const unsigned char *s, size_t n)
{
    unsigned h = (unsigned)n * 31u;
    for (size_t i = 0; i < n; i++)
        h = h * 33u + s[i];
    return h;
}

static void slots_init(void)
{
    for (int t = 1; t < HT_COUNT; t++) {
        const char *nm = tag_names[t];
        unsigned h = tag_hash((const unsigned char *)nm, strlen(nm));
        while (tag_slot[h % TAG_SLOTS])
            h++;
        tag_slot[h % TAG_SLOTS] = (uint8_t)t;
    }
}

int html_tag_lookup(const char *name, size_t n)
{
    unsigned char low[16];
    if (!n || n >= sizeof low)
        return HT_OTHER;
    flags_init();
    for (size_t i = 0; i < n; i++)
        low[i] = lower((unsigned char)name[i]);
    for (unsigned h = tag_hash(low, n);; h++) {
        int t = tag_slot[h % TAG_SLOTS];
        if (!t)
            return HT_OTHER;
        const char *nm = tag_names[t];
        if (strlen(nm) == n && !memcmp(nm, low, n))
            return t;
    }
}

/* ------------------------------------------------------------ tree builder */

typedef struct open_el {
    uint8_t tag;
    uint32_t hash; /* of the lowercase name, for HT_OTHER */
} open_el;

typedef struct parser {
    const html_sink *sink;
    wn_buf *tb;
    open_el st[HTML_MAX_DEPTH];
    int depth;
    int seen_html, seen_body, seen_head;
} parser;

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ lower((unsigned char)s[i])) * 16777619u;
    return h;
}

static int pop_to(parser *p, int d)
{
    while (p->depth > d) {
        int rc = p->sink->end(p->sink->ctx, p->st[--p->depth].tag);
        if (rc)
            return rc;
    }
    return 0;
}

/* Index of the innermost open element among `want` (bitmask over at most
 * three tags, given as a list), searching down to the first `stop` tag;
 * -1 if none. */
static int find_open(const parser *p, const uint8_t *want, size_t nwant,
                     const uint8_t *stop, size_t nstop)
{
    for (int d = p->depth - 1; d >= 0; d--) {
        uint8_t t = p->st[d].tag;
        for (size_t i = 0; i < nwant; i++)
            if (t == want[i])
                return d;
        for (size_t i = 0; i < nstop; i++)
            if (t == stop[i])
                return -1;
    }
    return -1;
}

static int close_if_open(parser *p, const uint8_t *want, size_t nwant,
                         const uint8_t *stop, size_t nstop)
{
    int d = find_open(p, want, nwant, stop, nstop);
    return d >= 0 ? pop_to(p, d) : 0;
}

#define CLOSE_IF_OPEN(p, w, s)                                               \
    close_if_open(p, w, sizeof w, s, sizeof s)

/* The implied end tags an opening `tag` causes. */
static int implied_ends(parser *p, int tag)
{
    static const uint8_t p_[] = {HT_P};
    static const uint8_t p_stop[] = {HT_BUTTON, HT_TD, HT_TH, HT_TABLE,
        HT_CAPTION, HT_HTML, HT_OBJECT, HT_TEMPLATE, HT_APPLET, HT_MARQUEE};
    static const uint8_t li[] = {HT_LI};
    static const uint8_t li_stop[] = {HT_UL, HT_OL, HT_MENU, HT_TABLE,
        HT_TD, HT_TH, HT_BODY, HT_HTML, HT_DIV, HT_SECTION, HT_ARTICLE};
    static const uint8_t dd[] = {HT_DD, HT_DT};
    static const uint8_t dd_stop[] = {HT_DL, HT_TABLE, HT_TD, HT_TH,
        HT_BODY, HT_HTML, HT_DIV};
    static const uint8_t tr[] = {HT_TR};
    static const uint8_t cell[] = {HT_TD, HT_TH};
    static const uint8_t cell_stop[] = {HT_TR, HT_TABLE, HT_HTML};
    static const uint8_t sect[] = {HT_TBODY, HT_THEAD, HT_TFOOT};
    static const uint8_t tbl_stop[] = {HT_TABLE, HT_HTML};
    static const uint8_t a[] = {HT_A};
    static const uint8_t a_stop[] = {HT_TD, HT_TH, HT_TABLE, HT_HTML,
        HT_CAPTION, HT_BUTTON, HT_OBJECT};
    static const uint8_t head[] = {HT_HEAD};
    static const uint8_t none[] = {HT_COUNT};
    int rc = 0;
    uint8_t top = p->depth ? p->st[p->depth - 1].tag : HT_OTHER;
    if (top == HT_HEAD) {
        switch (tag) {
        case HT_TITLE: case HT_META: case HT_LINK: case HT_STYLE:
        case HT_SCRIPT: case HT_BASE: case HT_NOSCRIPT: case HT_TEMPLATE:
            break;
        default:
            if ((rc = pop_to(p, p->depth - 1)))
                return rc;
        }
    }
    if (tag == HT_BODY && (rc = CLOSE_IF_OPEN(p, head, none)))
        return rc;
    if ((tag_flags[tag] & F_CLOSE_P) && (rc = CLOSE_IF_OPEN(p, p_, p_stop)))
        return rc;
    switch (tag) {
    case HT_LI: return CLOSE_IF_OPEN(p, li, li_stop);
    case HT_DD: case HT_DT: return CLOSE_IF_OPEN(p, dd, dd_stop);
    case HT_TR:
        if ((rc = CLOSE_IF_OPEN(p, cell, cell_stop)))
            return rc;
        return CLOSE_IF_OPEN(p, tr, tbl_stop);
    case HT_TD: case HT_TH: return CLOSE_IF_OPEN(p, cell, cell_stop);
    case HT_TBODY: case HT_THEAD: case HT_TFOOT:
        return CLOSE_IF_OPEN(p, sect, tbl_stop);
    case HT_A: return CLOSE_IF_OPEN(p, a, a_stop);
    case HT_OPTION: case HT_OPTGROUP:
        if (top == HT_OPTION && (rc = pop_to(p, p->depth - 1)))
            return rc;
        if (tag == HT_OPTGROUP && p->depth &&
            p->st[p->depth - 1].tag == HT_OPTGROUP)
            return pop_to(p, p->depth - 1);
        return 0;
    case HT_H1: case HT_H2: case HT_H3: case HT_H4: case HT_H5: case HT_H6:
        if (top >= HT_H1 && top <= HT_H6)
            return pop_to(p, p->depth - 1);
        return 0;
    default: return 0;
    }
}

/* Opens an element; *pushed tells whether it is now on the stack (void
 * elements, repeated <html>/<body>/<head> and elements past the depth
 * limit are not). */
static int open_tag(parser *p, int tag, uint32_t hash, const html_attrs *a,
                    int *pushed)
{
    *pushed = 0;
    if (tag == HT_HTML || tag == HT_BODY || tag == HT_HEAD) {
        int *seen = tag == HT_HTML ? &p->seen_html
                  : tag == HT_BODY ? &p->seen_body : &p->seen_head;
        if (*seen || (tag == HT_HEAD && p->seen_body))
            return 0;
        *seen = 1;
    }
    int rc = implied_ends(p, tag);
    if (rc)
        return rc;
    if (tag == HT_BODY)
        p->seen_head = 1;
    if ((rc = p->sink->start(p->sink->ctx, tag, a)))
        return rc;
    if ((tag_flags[tag] & F_VOID) || p->depth >= HTML_MAX_DEPTH)
        return p->sink->end(p->sink->ctx, tag);
    p->st[p->depth].tag = (uint8_t)tag;
    p->st[p->depth].hash = hash;
    p->depth++;
    *pushed = 1;
    return 0;
}

static int close_tag(parser *p, int tag, uint32_t hash)
{
    static const html_attrs none;
    int pushed;
    if (tag == HT_BR)
        return open_tag(p, HT_BR, 0, &none, &pushed);
    if ((tag_flags[tag] & F_VOID) || tag == HT_HTML || tag == HT_BODY)
        return 0;
    uint8_t f = tag_flags[tag];
    for (int d = p->depth - 1; d >= 0; d--) {
        const open_el *e = &p->st[d];
        if (e->tag == tag && (tag != HT_OTHER || e->hash == hash))
            return pop_to(p, d);
        uint8_t ef = tag_flags[e->tag];
        if (tag == HT_TABLE) {
            if (e->tag == HT_HTML)
                return 0;
        } else if (f & F_TABLE) {
            if (e->tag == HT_TABLE || e->tag == HT_HTML)
                return 0;
        } else if (ef & F_SCOPE)
            return 0;
        else if (!(f & F_BLOCK) && (ef & F_BLOCK))
            return 0; /* inline end tag: stops at a block */
    }
    return 0;
}

/* ---------------------------------------------------------------- tokens */

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static int is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* Text in the body (entities decoded).  Non-blank text inside <head>
 * ends the head, as in browsers. */
static int emit_text(parser *p, const char *s, size_t n, int decode)
{
    if (!n)
        return 0;
    if (p->depth && p->st[p->depth - 1].tag == HT_HEAD) {
        size_t i = 0;
        while (i < n && is_ws((unsigned char)s[i]))
            i++;
        if (i == n)
            return 0;
        int rc = pop_to(p, p->depth - 1);
        if (rc)
            return rc;
    }
    if (!decode || !memchr(s, '&', n))
        return p->sink->text(p->sink->ctx, s, n);
    wn_buf *b = p->tb;
    wn_buf_reset(b);
    const char *end = s + n;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        if (!amp) {
            if (wn_buf_append(b, s, (size_t)(end - s)))
                return WN_ENOMEM;
            break;
        }
        if (wn_buf_append(b, s, (size_t)(amp - s)))
            return WN_ENOMEM;
        size_t used = html_entity_decode(amp + 1, (size_t)(end - amp - 1), b);
        if (!used && wn_buf_putc(b, '&'))
            return WN_ENOMEM;
        s = amp + 1 + used;
    }
    return p->sink->text(p->sink->ctx, b->data ? b->data : "", b->len);
}

/* s[0..n) equals name (lowercase), any case; callers already checked
 * that n is name's length. */
static int attr_is(const char *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != (unsigned char)name[i])
            return 0;
    return 1;
}

static void attr_keep(html_attrs *a, const char *nm, size_t nn,
                      const char *v, size_t vn)
{
    html_str *slot = NULL;
    switch (nn) {
    case 2: if (attr_is(nm, nn, "id")) slot = &a->id; break;
    case 4:
        if (attr_is(nm, nn, "role")) slot = &a->role;
        else if (attr_is(nm, nn, "lang")) slot = &a->lang;
        break;
    case 5:
        if (attr_is(nm, nn, "class")) slot = &a->cls;
        else if (attr_is(nm, nn, "style")) slot = &a->style;
        break;
    case 6:
        if (attr_is(nm, nn, "hidden")) a->hidden = 1;
        break;
    case 8: if (attr_is(nm, nn, "itemprop")) slot = &a->itemprop; break;
    case 11:
        if (attr_is(nm, nn, "aria-hidden")) slot = &a->aria_hidden;
        break;
    }
    if (slot && !slot->p) { /* the first of duplicate attributes wins */
        slot->p = v;
        slot->n = vn;
    }
}

/* Parses the attributes of a tag from s[k]; returns the index just past
 * '>', or SIZE_MAX when the input ends inside the tag (it is dropped). */
static size_t parse_attrs(const char *s, size_t n, size_t k, html_attrs *a)
{
    for (;;) {
        while (k < n && (is_ws((unsigned char)s[k]) || s[k] == '/'))
            k++;
        if (k >= n)
            return SIZE_MAX;
        if (s[k] == '>')
            return k + 1;
        size_t nm = k++;
        while (k < n && !is_ws((unsigned char)s[k]) && s[k] != '/' &&
               s[k] != '>' && s[k] != '=')
            k++;
        size_t nn = k - nm;
        while (k < n && is_ws((unsigned char)s[k]))
            k++;
        const char *v = "";
        size_t vn = 0;
        if (k < n && s[k] == '=') {
            k++;
            while (k < n && is_ws((unsigned char)s[k]))
                k++;
            if (k < n && (s[k] == '"' || s[k] == '\'')) {
                const char *q = memchr(s + k + 1, s[k], n - k - 1);
                if (!q)
                    return SIZE_MAX;
                v = s + k + 1;
                vn = (size_t)(q - v);
                k = (size_t)(q - s) + 1;
            } else {
                size_t v0 = k;
                while (k < n && !is_ws((unsigned char)s[k]) && s[k] != '>')
                    k++;
                v = s + v0;
                vn = k - v0;
            }
        }
        attr_keep(a, s + nm, nn, v, vn);
    }
}

/* Index of the "</name" that ends a raw-text element started before k,
 * or n when there is none. */
static size_t raw_end(const char *s, size_t n, size_t k, const char *name)
{
    size_t nl = strlen(name);
    while (k < n) {
        const char *lt = memchr(s + k, '<', n - k);
        if (!lt)
            return n;
        size_t i = (size_t)(lt - s);
        if (i + 2 + nl <= n && s[i + 1] == '/') {
            size_t j = 0;
            while (j < nl && lower((unsigned char)s[i + 2 + j]) ==
                                 (unsigned char)name[j])
                j++;
            if (j == nl && (i + 2 + nl == n || is_ws((unsigned char)s[i + 2 + nl]) ||
                            s[i + 2 + nl] == '/' || s[i + 2 + nl] == '>'))
                return i;
        }
        k = i + 1;
    }
    return n;
}

/* Past the next '>' from k (or n). */
static size_t skip_to_gt(const char *s, size_t n, size_t k)
{
    const char *gt = k < n ? memchr(s + k, '>', n - k) : NULL;
    return gt ? (size_t)(gt - s) + 1 : n;
}

/* <!-- comments -->, <!DOCTYPE>, <![CDATA[...]]> and other "<!" forms,
 * starting at s[i] == '<'; returns the index after them. */
static size_t skip_markup_decl(const char *s, size_t n, size_t i)
{
    if (i + 4 <= n && s[i + 2] == '-' && s[i + 3] == '-') {
        size_t k = i + 4;
        if (k < n && s[k] == '>') /* <!--> */
            return k + 1;
        if (k + 1 < n && s[k] == '-' && s[k + 1] == '>') /* <!---> */
            return k + 2;
        while (k + 2 < n) {
            const char *d = memchr(s + k, '-', n - k - 2);
            if (!d)
                break;
            k = (size_t)(d - s);
            if (s[k + 1] == '-' && s[k + 2] == '>')
                return k + 3;
            if (s[k + 1] == '-' && s[k + 2] == '!' && k + 3 < n &&
                s[k + 3] == '>')
                return k + 4; /* --!> also ends a comment */
            k++;
        }
        return n;
    }
    return skip_to_gt(s, n, i + 2);
}

int html_parse(const char *s, size_t n, const html_sink *sink,
               wn_buf *scratch)
{
    flags_init();
    parser *p = malloc(sizeof *p);
    if (!p)
        return WN_ENOMEM;
    p->sink = sink;
    p->tb = scratch;
    p->depth = 0;
    p->seen_html = p->seen_body = p->seen_head = 0;
    int rc = 0;
    size_t i = 0;
    while (i < n && !rc) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t j = lt ? (size_t)(lt - s) : n;
        if (j > i && (rc = emit_text(p, s + i, j - i, 1)))
            break;
        if (!lt)
            break;
        i = j;
        unsigned char c = i + 1 < n ? (unsigned char)s[i + 1] : 0;
        if (c == '!') {
            i = skip_markup_decl(s, n, i);
            continue;
        }
        if (c == '?') {
            i = skip_to_gt(s, n, i + 1);
            continue;
        }
        int end = c == '/';
        size_t k = i + 1 + (size_t)end;
        if (k >= n || !is_alpha((unsigned char)s[k])) {
            if (end) { /* "</>" or "</3": a bogus comment */
                i = skip_to_gt(s, n, k);
                continue;
            }
            rc = emit_text(p, "<", 1, 0);
            i++;
            continue;
        }
        size_t nm = k;
        while (k < n && !is_ws((unsigned char)s[k]) && s[k] != '/' &&
               s[k] != '>')
            k++;
        int tag = html_tag_lookup(s + nm, k - nm);
        uint32_t hash = tag == HT_OTHER ? name_hash(s + nm, k - nm) : 0;
        html_attrs a;
        memset(&a, 0, sizeof a);
        size_t after = parse_attrs(s, n, k, &a);
        if (after == SIZE_MAX)
            break; /* input ends inside the tag: dropped */
        i = after;
        if (end) {
            rc = close_tag(p, tag, hash);
            continue;
        }
        int pushed;
        if ((rc = open_tag(p, tag, hash, &a, &pushed)))
            break;
        if (!(tag_flags[tag] & (F_RAW | F_RCDATA)))
            continue;
        size_t e = tag == HT_PLAINTEXT ? n : raw_end(s, n, i, tag_names[tag]);
        if (pushed) {
            /* script and style bodies are never text: skip decoding them */
            if (tag != HT_SCRIPT && tag != HT_STYLE &&
                (rc = emit_text(p, s + i, e - i, tag_flags[tag] & F_RCDATA)))
                break;
            if ((rc = pop_to(p, p->depth - 1)))
                break;
        }
        i = e < n ? skip_to_gt(s, n, e + 2) : n;
    }
    if (!rc)
        rc = pop_to(p, 0);
    free(p);
    return rc;
}
