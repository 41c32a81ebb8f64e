/*
 * lines.c - the line view of a document that every cleaner shares:
 * splitting text into trimmed lines with cheap features, rebuilding the
 * text from the lines that survive, and per-rule drop counters.
 *
 * Lines are offsets into the document's own text, never copies, and the
 * line array lives in a scratch buffer reused across documents, so a clean
 * pass allocates nothing once warm.
 */
#include "clean.h"

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* U+2E80 and above (CJK, kana, hangul, fullwidth forms) start with a lead
 * byte >= 0xE2 0xBA..; counting lead bytes >= 0xE3 covers them and skips
 * the punctuation block U+2000-U+2BFF (lead byte 0xE2). */
static void features(const char *s, size_t n, cl_line *l)
{
    /* Branch-free so the compiler can vectorise it: this runs over every
     * byte of every document. */
    uint32_t words = 0, chars = 0, cjk = 0, prev_sp = 1;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = p[i];
        uint32_t sp = (c == ' ') | (c == '\t');
        chars += (c & 0xC0) != 0x80;
        cjk += (c - 0xE3u) <= (0xEDu - 0xE3u);
        words += prev_sp & (sp ^ 1);
        prev_sp = sp;
    }
    l->words = words + cjk / 2;
    l->chars = chars;
}

size_t cl_split(const char *text, size_t n, wn_buf *store, cl_line **lines)
{
    size_t k = 0;
    store->len = 0;
    const char *p = text, *end = text + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        const char *a = p, *b = e;
        while (a < b && is_blank((unsigned char)*a))
            a++;
        while (b > a && is_blank((unsigned char)b[-1]))
            b--;
        if (wn_buf_reserve(store, sizeof(cl_line)))
            return CL_SPLIT_NOMEM;
        cl_line *l = (cl_line *)(void *)(store->data + store->len);
        l->off = (uint32_t)(a - text);
        l->len = (uint32_t)(b - a);
        l->rule = NULL;
        l->score = -1.0f;
        l->nav = 0;
        features(a, l->len, l);
        store->len += sizeof(cl_line);
        k++;
        if (!nl)
            break;
        p = nl + 1;
    }
    *lines = (cl_line *)(void *)store->data;
    return k;
}

int cl_rebuild(wn_buf *text, const cl_line *lines, size_t n, wn_buf *tmp)
{
    /* A blank line survives only between two kept lines; trailing and
     * leading blanks go, and runs of blanks collapse to one. */
    wn_buf_reset(tmp);
    int pending_blank = 0, any = 0;
    for (size_t i = 0; i < n; i++) {
        const cl_line *l = &lines[i];
        if (l->rule)
            continue;
        if (!l->len) {
            pending_blank = any;
            continue;
        }
        if (any && wn_buf_puts(tmp, pending_blank ? "\n\n" : "\n"))
            return WN_ENOMEM;
        if (wn_buf_append(tmp, text->data + l->off, l->len))
            return WN_ENOMEM;
        any = 1;
        pending_blank = 0;
    }
    if (any && wn_buf_putc(tmp, '\n'))
        return WN_ENOMEM;
    return wn_buf_set(text, tmp->data ? tmp->data : "", tmp->len);
}

int cl_ends_sentence(const char *s, size_t n)
{
    if (!n)
        return 0;
    unsigned char c = (unsigned char)s[n - 1];
    if (c == '.' || c == '!' || c == '?' || c == ':' || c == ';' ||
        c == '"' || c == '\'' || c == ')')
        return 1;
    if (n >= 3) {
        const char *t = s + n - 3;
        static const char *const ends[] = {
            "\xe2\x80\xa6", /* … */
            "\xe2\x80\x9d", /* ” */
            "\xe2\x80\x99", /* ’ */
            "\xe3\x80\x82", /* 。 */
            "\xef\xbc\x81", /* ！ */
            "\xef\xbc\x9f", /* ？ */
            "\xe3\x80\x8d", /* 」 */
        };
        for (size_t i = 0; i < sizeof ends / sizeof *ends; i++)
            if (!memcmp(t, ends[i], 3))
                return 1;
    }
    return 0;
}

size_t cl_counts_slot(cl_counts *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->name[i] == name || !strcmp(c->name[i], name))
            return i;
    if (c->n == CL_MAX_COUNTERS)
        return CL_MAX_COUNTERS - 1; /* shared overflow slot */
    c->name[c->n] = name;
    atomic_init(&c->drops[c->n], 0);
    return c->n++;
}

void cl_counts_add(cl_counts *c, const cl_line *lines, size_t n)
{
    /* Names are interned when the stage is created; the lookup here only
     * compares pointers first, so a per-document pass stays cheap. */
    for (size_t i = 0; i < n; i++) {
        if (!lines[i].rule)
            continue;
        for (size_t k = 0; k < c->n; k++)
            if (c->name[k] == lines[i].rule) {
                atomic_fetch_add_explicit(&c->drops[k], 1,
                                          memory_order_relaxed);
                break;
            }
    }
}
