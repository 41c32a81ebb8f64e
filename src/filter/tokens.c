/*
 * tokens.c - the shared tokenisation of a document (see tokens.h), its
 * per-thread cache, a counting hash table, and the option/reason helpers
 * every filter uses.
 *
 * One pass over the bytes finds words, lines and their code-point lengths;
 * ASCII takes a table lookup per byte and only other characters are
 * decoded and classified with utf8proc.  Hashes (XXH3) of words, lines and
 * paragraphs are computed here once, so the repetition filters count
 * 64-bit keys rather than strings.  The cache lives in a pthread key whose
 * destructor frees it when a thread ends, so worker threads do not leak.
 */
#include "tokens.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>
#include <xxhash.h>

/* ---------------------------------------------------------- classification */

static int ascii_ws(unsigned c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static uint32_t ascii_class(unsigned c)
{
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
        return FTOK_ALPHA | FTOK_ALNUM;
    if (c >= '0' && c <= '9')
        return FTOK_ALNUM;
    return 0;
}

/* Decodes one UTF-8 sequence at p (n > 0 bytes left); invalid bytes count
 * as one U+FFFD each, like the reader's repair would make them. */
static size_t decode(const unsigned char *p, size_t n, int32_t *cp)
{
    utf8proc_ssize_t k = utf8proc_iterate(p, (utf8proc_ssize_t)(n > 4 ? 4 : n),
                                          cp);
    if (k <= 0) {
        *cp = 0xFFFD;
        return 1;
    }
    return (size_t)k;
}

static int unicode_ws(int32_t cp)
{
    return cp == 0xA0 || cp == 0x3000 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x1680 || cp == 0x85;
}

static uint32_t unicode_class(int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
        return FTOK_ALPHA | FTOK_ALNUM;
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return FTOK_ALNUM;
    default:
        return 0;
    }
}

size_t ftok_cps(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ------------------------------------------------------------ tokenising */

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 64;
    while (nc < need)
        nc *= 2;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return WN_ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

/* Capacities live beside the arrays so a cached ftok_doc reuses memory. */
typedef struct tok_mem {
    ftok_doc d;
    size_t wcap, lcap, pcap;
} tok_mem;

static int add_line(tok_mem *m, const char *s, size_t off, size_t end,
                    uint32_t cps, int blank)
{
    ftok_doc *t = &m->d;
    if (end > off && s[end - 1] == '\r') {
        end--;
        cps--;
    }
    if (grow((void **)&t->lines, &m->lcap, t->nlines + 1, sizeof(ftok_span)))
        return WN_ENOMEM;
    ftok_span *l = &t->lines[t->nlines++];
    l->off = (uint32_t)off;
    l->len = (uint32_t)(end - off);
    l->cps = cps;
    l->blank = (uint32_t)blank;
    l->hash = XXH3_64bits(s + off, end - off);
    t->nblank += (size_t)blank;
    return 0;
}

static int add_word(tok_mem *m, const char *s, size_t off, size_t end,
                    uint32_t cps, uint32_t flags)
{
    ftok_doc *t = &m->d;
    if (WN_UNLIKELY(t->nwords == m->wcap) &&
        grow((void **)&t->words, &m->wcap, t->nwords + 1, sizeof(ftok_word)))
        return WN_ENOMEM;
    ftok_word *w = &t->words[t->nwords++];
    w->off = (uint32_t)off;
    w->len = (uint32_t)(end - off);
    w->cps = cps;
    w->flags = flags;
    w->hash = XXH3_64bits(s + off, end - off);
    return 0;
}

static int add_paras(tok_mem *m)
{
    ftok_doc *t = &m->d;
    size_t i = 0;
    while (i < t->nlines) {
        if (t->lines[i].blank) {
            i++;
            continue;
        }
        size_t j = i;
        uint32_t cps = 0;
        while (j < t->nlines && !t->lines[j].blank)
            cps += t->lines[j++].cps + 1;
        if (grow((void **)&t->paras, &m->pcap, t->nparas + 1,
                 sizeof(ftok_span)))
            return WN_ENOMEM;
        ftok_span *p = &t->paras[t->nparas++];
        p->off = t->lines[i].off;
        p->len = t->lines[j - 1].off + t->lines[j - 1].len - p->off;
        p->cps = cps - 1;
        p->blank = 0;
        p->hash = XXH3_64bits(t->text + p->off, p->len);
        i = j;
    }
    return 0;
}

static int tokenise(tok_mem *m, const char *text, size_t n)
{
    ftok_doc *t = &m->d;
    const unsigned char *p = (const unsigned char *)text;
    t->text = text;
    t->len = n;
    t->cps = t->newlines = t->nwords = t->nlines = t->nblank = t->nparas = 0;
    if (n > UINT32_MAX)
        return WN_ELIMIT; /* offsets are 32-bit; records are far smaller */
    size_t line_off = 0, word_off = 0, i = 0, cps = 0;
    uint32_t line_cps = 0, word_cps = 0, word_flags = 0;
    int in_word = 0, blank = 1;
    while (i < n) {
        unsigned c = p[i];
        size_t k = 1;
        int ws;
        uint32_t cl = 0;
        if (WN_LIKELY(c < 0x80)) {
            ws = ascii_ws(c);
            if (!ws)
                cl = ascii_class(c);
        } else {
            int32_t cp;
            k = decode(p + i, n - i, &cp);
            ws = unicode_ws(cp);
            if (!ws)
                cl = unicode_class(cp);
        }
        if (ws) {
            if (in_word) {
                if (add_word(m, text, word_off, i, word_cps, word_flags))
                    return WN_ENOMEM;
                in_word = 0;
            }
        } else {
            if (!in_word) {
                in_word = 1;
                word_off = i;
                word_cps = 0;
                word_flags = 0;
            }
            word_cps++;
            word_flags |= cl;
            blank = 0;
        }
        cps++;
        if (c == '\n') {
            t->newlines++;
            if (add_line(m, text, line_off, i, line_cps, blank))
                return WN_ENOMEM;
            line_off = i + 1;
            line_cps = 0;
            blank = 1;
        } else {
            line_cps++;
        }
        i += k;
    }
    if (in_word && add_word(m, text, word_off, n, word_cps, word_flags))
        return WN_ENOMEM;
    if (line_off < n && add_line(m, text, line_off, n, line_cps, blank))
        return WN_ENOMEM;
    t->cps = cps;
    return add_paras(m);
}

int ftok_build(ftok_doc *t, const char *text, size_t len)
{
    tok_mem m;
    memset(&m, 0, sizeof m);
    int rc = tokenise(&m, text, len);
    *t = m.d;
    if (rc)
        ftok_release(t);
    return rc;
}

void ftok_release(ftok_doc *t)
{
    free(t->words);
    free(t->lines);
    free(t->paras);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ cache */

typedef struct tok_cache {
    tok_mem m;
    const char *text;
    size_t len;
    uint64_t hash;
    int valid;
} tok_cache;

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static int cache_key_ok;

static void cache_free(void *p)
{
    tok_cache *c = p;
    if (!c)
        return;
    ftok_release(&c->m.d);
    free(c);
}

static void cache_init(void)
{
    cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

const ftok_doc *ftok_get(const char *text, size_t len)
{
    pthread_once(&cache_once, cache_init);
    if (!cache_key_ok)
        return NULL;
    tok_cache *c = pthread_getspecific(cache_key);
    if (!c) {
        if (!(c = calloc(1, sizeof *c)))
            return NULL;
        if (pthread_setspecific(cache_key, c)) {
            free(c);
            return NULL;
        }
    }
    if (!text)
        text = "";
    uint64_t h = XXH3_64bits(text, len);
    if (c->valid && c->text == text && c->len == len && c->hash == h)
        return &c->m.d;
    c->valid = 0;
    if (tokenise(&c->m, text, len))
        return NULL;
    c->text = text;
    c->len = len;
    c->hash = h;
    c->valid = 1;
    return &c->m.d;
}

/* ----------------------------------------------------------- count table */

int ftok_count_init(ftok_count *c, stage_scratch *s, size_t n)
{
    size_t want = 64;
    while (want < 2 * n)
        want *= 2;
    wn_buf *b = &s->b[1];
    for (int i = 0; i < 3; i++) {
        /* a huge table left by a huge document would make clearing cost
         * more than counting for every small one after it */
        if (b[i].alloc > 64 * want * sizeof(uint64_t))
            wn_buf_release(&b[i]);
        wn_buf_reset(&b[i]);
        if (wn_buf_reserve(&b[i], want * (i ? sizeof(uint32_t)
                                             : sizeof(uint64_t))))
            return WN_ENOMEM;
    }
    c->keys = (uint64_t *)(void *)b[0].data;
    c->counts = (uint32_t *)(void *)b[1].data;
    c->first = (uint32_t *)(void *)b[2].data;
    c->mask = want - 1;
    ftok_count_clear(c);
    return 0;
}

void ftok_count_clear(ftok_count *c)
{
    memset(c->counts, 0, (c->mask + 1) * sizeof *c->counts);
}

uint32_t ftok_count_add(ftok_count *c, uint64_t key, uint32_t first)
{
    size_t i = (size_t)(key ^ (key >> 29)) & c->mask;
    for (;;) {
        if (!c->counts[i]) {
            c->keys[i] = key;
            c->first[i] = first;
            return c->counts[i] = 1;
        }
        if (c->keys[i] == key)
            return ++c->counts[i];
        i = (i + 1) & c->mask;
    }
}

/* ---------------------------------------------------------------- helpers */

int fopt_bound(const wn_config *cfg, const char *key, double def, double *v,
               wn_error *err)
{
    const char *s = wn_config_lookup(cfg, key);
    if (!s) {
        *v = def;
        return 1;
    }
    if (!*s || !strcmp(s, "off") || !strcmp(s, "none"))
        return 0;
    char *e;
    double x = strtod(s, &e);
    if (*e || x != x)
        return wn_err(err, WN_EINVAL, "", 0, "%s: '%s' is not a number", key,
                      s);
    *v = x;
    return 1;
}

/* Counts print whole ("100001"), fractions with 4 significant digits. */
static void fnum(char *out, size_t n, double x)
{
    if (x == floor(x) && fabs(x) < 1e15)
        snprintf(out, n, "%.0f", x);
    else
        snprintf(out, n, "%.4g", x);
}

int freason(wn_buf *reason, const char *stage, const char *measure,
            double value, const char *op, double bound)
{
    if (!reason)
        return 0;
    wn_buf_reset(reason);
    char v[32], b[32];
    fnum(v, sizeof v, value);
    fnum(b, sizeof b, bound);
    return wn_buf_printf(reason, "%s:%s=%s%s%s", stage, measure, v, op, b);
}
