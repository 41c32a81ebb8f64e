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
#include "wordseg.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>
#define XXH_INLINE_ALL /* short words: the call costs more than the hash */
#include <xxhash.h>

#if defined(__GNUC__)
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define ALWAYS_INLINE inline
#endif

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

/* Words are short: a multiply-xorshift mix of their bytes (read at most 8
 * at a time) is several times cheaper than a general hash call and just as
 * good for counting within one document. */
static inline uint64_t mix64(uint64_t v)
{
    v ^= v >> 31;
    v *= 0xBF58476D1CE4E5B9ULL;
    v ^= v >> 29;
    v *= 0x94D049BB133111EBULL;
    return v ^ (v >> 32);
}

static inline uint64_t load_le(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static ALWAYS_INLINE uint64_t word_hash(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n <= 8)
        return mix64(load_le(p, n) ^ (n * 0x9E3779B97F4A7C15ULL));
    if (n <= 16)
        return mix64(load_le(p, 8) ^ mix64(load_le(p + 8, n - 8) + n));
    return XXH3_64bits(s, n);
}

static inline int is_punct(unsigned char c)
{
    return c > ' ' && c < 0x7f && !ascii_class(c);
}

static ALWAYS_INLINE int is_stop_word(const unsigned char *p, size_t n)
{
    char w[4];
    for (size_t i = 0; i < n; i++)
        w[i] = (char)(p[i] | 0x20); /* only ASCII letters can match below */
    switch (n) {
    case 2:
        return (w[0] == 'b' && w[1] == 'e') || (w[0] == 't' && w[1] == 'o') ||
               (w[0] == 'o' && w[1] == 'f');
    case 3:
        return !memcmp(w, "the", 3) || !memcmp(w, "and", 3);
    case 4:
        return !memcmp(w, "that", 4) || !memcmp(w, "have", 4) ||
               !memcmp(w, "with", 4);
    default:
        return 0;
    }
}

/* The per-word facts gopher_quality needs, found while the word's bytes are
 * in cache: punctuation trimmed at its ends, and whether the rest is a stop
 * word. */
static ALWAYS_INLINE uint32_t word_extras(const unsigned char *p, size_t n)
{
    size_t b = 0, e = n;
    while (b < e && is_punct(p[b]))
        b++;
    while (e > b && is_punct(p[e - 1]))
        e--;
    uint32_t f = (uint32_t)(n - (e - b)) << FTOK_TRIM_SHIFT;
    if (e - b >= 2 && e - b <= 4 && is_stop_word(p + b, e - b))
        f |= FTOK_STOP;
    return f;
}

/* Appends a word whose flags the caller found (the pieces ICU cut from
 * an unspaced run pass theirs).  Inlined into both copies of the
 * tokeniser: as a call it costs ~10% of tokenising English (callgrind). */
static ALWAYS_INLINE int add_word_flags(tok_mem *m, const char *s, size_t off,
                                        size_t end, uint32_t cps,
                                        uint32_t flags)
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
    w->hash = word_hash(s + off, end - off);
    return 0;
}

/* A whitespace-delimited word: its trim and stop-word flags from its bytes. */
static ALWAYS_INLINE int add_word(tok_mem *m, const char *s, size_t off,
                                  size_t end, uint32_t cps, uint32_t flags)
{
    return add_word_flags(
        m, s, off, end, cps,
        flags | word_extras((const unsigned char *)s + off, end - off));
}

/* Class and code points of s[off..end), and the code points that are
 * neither letter nor digit at its two ends (its trim, as word_extras
 * counts ASCII punctuation). */
static uint32_t piece_flags(const char *s, size_t off, size_t end,
                            uint32_t *cps)
{
    const unsigned char *p = (const unsigned char *)s;
    uint32_t f = 0, n = 0, lead = 0, tail = 0;
    int seen = 0;
    for (size_t i = off; i < end;) {
        int32_t cp;
        size_t len = decode(p + i, end - i, &cp);
        uint32_t k = cp < 0x80 ? ascii_class((unsigned)cp) : unicode_class(cp);
        f |= k;
        if (k & FTOK_ALNUM) {
            seen = 1;
            tail = 0;
        } else if (!seen)
            lead++;
        else
            tail++;
        n++;
        i += len;
    }
    *cps = n;
    return f | (seen ? (lead + tail) << FTOK_TRIM_SHIFT : 0);
}

typedef struct seg_ctx {
    tok_mem *m;
    const char *text;
    size_t base, cur, end; /* the piece being built: [cur, end) */
    int has_word;
} seg_ctx;

static int seg_emit(seg_ctx *c)
{
    if (c->end <= c->cur)
        return 0;
    uint32_t cps, f = piece_flags(c->text, c->cur, c->end, &cps);
    return add_word_flags(c->m, c->text, c->cur, c->end, cps, f);
}

/* ICU's segments become words; punctuation segments stay attached to the
 * word before them (to the next one at the start of the run), as they
 * are in spaced text ("end."), so symbol-only words stay as rare as there. */
static int seg_piece(void *ctx, size_t off, size_t len, int word)
{
    seg_ctx *c = ctx;
    off += c->base;
    if (word && c->has_word) {
        if (seg_emit(c))
            return WN_ENOMEM;
        c->cur = off;
        c->has_word = 0;
    }
    c->end = off + len;
    c->has_word |= word;
    return 0;
}

/* Cuts the run text[off..end), which holds unspaced-script characters,
 * into ICU's words. */
static int add_unspaced(tok_mem *m, const char *text, size_t off, size_t end)
{
    seg_ctx c = {m, text, off, off, off, 0};
    int rc = wseg_icu(text + off, end - off, seg_piece, &c);
    if (rc == WN_EINVAL && c.cur == off) { /* no ICU data: one word */
        c.end = end;
        rc = 0;
    }
    if (rc)
        return rc;
    return seg_emit(&c);
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
        /* equal paragraphs have equal lines: combine the line hashes
         * rather than hash the bytes again */
        uint64_t h = 0x9E3779B97F4A7C15ULL;
        for (size_t k = i; k < j; k++)
            h = mix64(h ^ t->lines[k].hash) + k - i;
        p->hash = h;
        i = j;
    }
    return 0;
}

/* Byte classes for the ASCII fast path. */
enum { C_WS = 16, C_NL = 32, C_HI = 64 };

static unsigned char byte_class[256];
static pthread_once_t class_once = PTHREAD_ONCE_INIT;

static void class_init(void)
{
    for (unsigned c = 0; c < 256; c++) {
        unsigned char k = 0;
        if (c >= 0x80)
            k = C_HI;
        else if (ascii_ws(c))
            k = C_WS | (c == '\n' ? C_NL : 0);
        else
            k = (unsigned char)ascii_class(c);
        byte_class[c] = k;
    }
}

/* SWAR (8 bytes per step) helpers, after "Bit Twiddling Hacks": the
 * bytes below 0x21 or above 0x7f (whitespace, controls, non-ASCII), and
 * whether a word of ASCII bytes has one strictly between m and n. */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HASBETWEEN(x, m, n)                                                  \
    (((ONES * (127 + (n)) - ((x) & ONES * 127)) & ~(x) &                     \
      (((x) & ONES * 127) + ONES * (127 - (m)))) & HIGHS)

/* End of the run of ASCII non-space bytes from i; ORs their classes into
 * *flags.  Eight bytes per step: most words end inside the first step, so
 * the loop rarely branches the wrong way. */
static inline size_t scan_ascii(const unsigned char *p, size_t i, size_t n,
                                const unsigned char *cls, uint32_t *flags)
{
    unsigned f = 0;
    while (i + 8 <= n) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t special = ((x - ONES * 0x21) | x) & HIGHS;
        /* the lowest flagged byte is exact (borrows only run upwards) */
        size_t k = special ? (size_t)__builtin_ctzll(special) / 8 : 8;
        if (k) {
            uint64_t m = k == 8 ? ~0ULL : ((1ULL << (8 * k)) - 1);
            uint64_t y = x & m; /* bytes past the run become 0: no class */
            if (HASBETWEEN(y | ONES * 0x20, 0x60, 0x7b) & m)
                f |= FTOK_ALPHA | FTOK_ALNUM;
            else if (HASBETWEEN(y, 0x2f, 0x3a) & m)
                f |= FTOK_ALNUM;
            i += k;
        }
        if (k < 8) {
            if (cls[p[i]] & (C_WS | C_HI))
                goto done;
            i++; /* a control character: part of the word, no class */
        }
    }
    while (i < n) {
        unsigned k = cls[p[i]];
        if (k & (C_WS | C_HI))
            break;
        f |= k;
        i++;
    }
done:
    *flags |= f;
    return i;
}

/* Words are found by a tight loop over non-space ASCII bytes; only bytes
 * >= 0x80 are decoded.  Lines are closed at each '\n' and their code
 * points counted there: bytes less the continuation bytes of the
 * characters decoded (an invalid byte decodes alone, as one U+FFFD). */
/* icu is a constant at both call sites below: the whitespace-only
 * tokeniser is compiled without the unspaced-script test, so English pays
 * nothing for it (bench/bench_words.sh). */
static ALWAYS_INLINE int tokenise_as(tok_mem *m, const char *text, size_t n,
                                     const int icu)
{
    ftok_doc *t = &m->d;
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *cls = byte_class;
    pthread_once(&class_once, class_init);
    t->text = text;
    t->len = n;
    t->cps = t->newlines = t->nwords = t->nlines = t->nblank = t->nparas = 0;
    if (n > UINT32_MAX)
        return WN_ELIMIT; /* offsets are 32-bit; records are far smaller */
    size_t line_off = 0, i = 0, cont = 0, line_cont = 0;
    int blank = 1; /* cont: UTF-8 continuation bytes so far */
    while (i < n) {
        unsigned k = cls[p[i]];
        if (k & C_WS) {
            if (k & C_NL) {
                size_t cps = i - line_off - (cont - line_cont);
                if (add_line(m, text, line_off, i, (uint32_t)cps, blank))
                    return WN_ENOMEM;
                t->cps += cps + 1;
                t->newlines++;
                line_off = i + 1;
                line_cont = cont;
                blank = 1;
            }
            i++;
            continue;
        }
        size_t w0 = i;
        uint32_t wcps = 0, wflags = 0;
        int unspaced = 0;
        for (;;) {
            size_t j = scan_ascii(p, i, n, cls, &wflags);
            wcps += (uint32_t)(j - i);
            i = j;
            if (i >= n || !(cls[p[i]] & C_HI))
                break;
            int32_t cp;
            size_t len = decode(p + i, n - i, &cp);
            if (unicode_ws(cp))
                break;
            wflags |= unicode_class(cp);
            unspaced |= icu && wseg_is_unspaced(cp);
            i += len;
            cont += len - 1;
            wcps++;
        }
        if (WN_UNLIKELY(unspaced)) {
            int rc = add_unspaced(m, text, w0, i);
            if (rc)
                return rc;
            blank = 0;
        } else if (i > w0) {
            if (add_word(m, text, w0, i, wcps, wflags))
                return WN_ENOMEM;
            blank = 0;
        }
        if (i < n && (cls[p[i]] & C_HI)) { /* a Unicode space */
            int32_t cp;
            size_t len = decode(p + i, n - i, &cp);
            i += len;
            cont += len - 1;
        }
    }
    if (line_off < n) {
        size_t cps = n - line_off - (cont - line_cont);
        if (add_line(m, text, line_off, n, (uint32_t)cps, blank))
            return WN_ENOMEM;
        t->cps += cps;
    }
    return add_paras(m);
}

static int tokenise(tok_mem *m, const char *text, size_t n, int icu)
{
    return icu ? tokenise_as(m, text, n, 1) : tokenise_as(m, text, n, 0);
}

int ftok_build(ftok_doc *t, const char *text, size_t len)
{
    return ftok_build_lang(t, text, len, NULL);
}

int ftok_build_lang(ftok_doc *t, const char *text, size_t len,
                    const char *lang)
{
    tok_mem m;
    memset(&m, 0, sizeof m);
    int rc = tokenise(&m, text, len,
                      lang && wseg_lang_needs_icu(lang, strlen(lang)));
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
    int valid, icu;
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
    return ftok_get_lang(text, len, NULL);
}

const ftok_doc *ftok_get_doc(const wn_doc *doc)
{
    char lang[16];
    wseg_doc_lang(doc, lang, sizeof lang);
    return ftok_get_lang(doc->text.data, doc->text.len, lang);
}

const ftok_doc *ftok_get_lang(const char *text, size_t len, const char *lang)
{
    int icu = lang && *lang && wseg_lang_needs_icu(lang, strlen(lang));
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
    if (c->valid && c->text == text && c->len == len && c->hash == h &&
        c->icu == icu)
        return &c->m.d;
    c->valid = 0;
    if (tokenise(&c->m, text, len, icu))
        return NULL;
    c->icu = icu;
    c->text = text;
    c->len = len;
    c->hash = h;
    c->valid = 1;
    return &c->m.d;
}

/* ------------------------------------------------- terminal punctuation */

/* datatrove's TERMINAL_PUNCTUATION (datatrove/utils/text.py), its
 * characters of the Basic Multilingual Plane, sorted: the sentence ends
 * of Armenian, Arabic, Syriac, N'Ko, Samaritan, Devanagari and Bengali
 * (dandas), Myanmar, Ethiopic, Canadian syllabics, Tagalog-family,
 * Khmer, Mongolian, Limbu, Tai Tham, Balinese, Lepcha, Ol Chiki, CJK,
 * Vai, Bamum, Phags-pa, Saurashtra, Kayah Li, Javanese, Cham, Tai Viet,
 * Meetei Mayek, and the fullwidth and small forms. */
static const int32_t terminal[] = {
    0x0021, 0x002E, 0x003F, 0x0589, 0x061D, 0x061E, 0x061F, 0x06D4,
    0x0700, 0x0701, 0x0702, 0x07F9, 0x0837, 0x0839, 0x083D, 0x083E,
    0x0964, 0x0965, 0x104A, 0x104B, 0x1362, 0x1367, 0x1368, 0x166E,
    0x1735, 0x1736, 0x17D4, 0x17D5, 0x17D6, 0x17D9, 0x17DA, 0x1803,
    0x1809, 0x1944, 0x1945, 0x1AA8, 0x1AA9, 0x1AAA, 0x1AAB, 0x1B5A,
    0x1B5B, 0x1B5E, 0x1B5F, 0x1B7D, 0x1B7E, 0x1C3B, 0x1C3C, 0x1C7E,
    0x1C7F, 0x203C, 0x203D, 0x2047, 0x2048, 0x2049, 0x2E2E, 0x2E3C,
    0x2E53, 0x2E54, 0x3002, 0xA4FF, 0xA60E, 0xA60F, 0xA6F3, 0xA6F7,
    0xA876, 0xA877, 0xA8CE, 0xA8CF, 0xA92F, 0xA9C8, 0xA9C9, 0xAA5D,
    0xAA5E, 0xAA5F, 0xAAF0, 0xAAF1, 0xABEB, 0xFE52, 0xFE56, 0xFE57,
    0xFF01, 0xFF0E, 0xFF1F, 0xFF61};

int ftok_terminal_punct(int32_t cp)
{
    size_t lo = 0, hi = sizeof terminal / sizeof *terminal;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (terminal[mid] == cp)
            return 1;
        if (terminal[mid] < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

size_t ftok_terminal_at(const char *s, size_t n)
{
    int32_t cp;
    size_t len = decode((const unsigned char *)s, n, &cp);
    return ftok_terminal_punct(cp) ? len : 0;
}

/* ------------------------------------------------------------- word keys */

int ftok_word_key(const char *s, size_t n, uint64_t *key)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0xcbf29ce484222325ULL;
    size_t pend = 0; /* code points after the last letter/digit, hashed
                      * only once another letter or digit follows */
    int32_t held[64];
    int seen = 0;
    for (size_t i = 0; i < n;) {
        int32_t cp;
        size_t len = decode(p + i, n - i, &cp);
        i += len;
        uint32_t k = cp < 0x80 ? ascii_class((unsigned)cp) : unicode_class(cp);
        if (!(k & FTOK_ALNUM)) {
            if (seen && pend < 64)
                held[pend++] = cp;
            else if (seen)
                return 0; /* not a word any list holds */
            continue;
        }
        for (size_t j = 0; j < pend; j++)
            h = (h ^ (uint64_t)held[j]) * 0x100000001b3ULL;
        pend = 0;
        seen = 1;
        cp = cp < 0x80 ? (cp >= 'A' && cp <= 'Z' ? cp + 32 : cp)
                       : utf8proc_tolower(cp);
        h = (h ^ (uint64_t)cp) * 0x100000001b3ULL;
    }
    *key = mix64(h);
    return seen;
}

/* ----------------------------------------------------------- count table */

int ftok_count_init(ftok_count *c, stage_scratch *s, size_t n)
{
    size_t want = 64;
    while (want < 2 * n)
        want *= 2;
    wn_buf *b = &s->b[1];
    /* scratch->b[1] holds the last generation used, then the slots */
    size_t need = 16 + want * sizeof(ftok_slot);
    if (b->alloc > 64 * need) /* left by a huge document */
        wn_buf_release(b);
    if (b->alloc < need + 1) {
        wn_buf_reset(b);
        if (wn_buf_reserve(b, need))
            return WN_ENOMEM;
        memset(b->data, 0, b->alloc);
    }
    c->genp = (uint32_t *)(void *)b->data;
    c->slots = (ftok_slot *)(void *)(b->data + 16);
    c->nslots = (b->alloc - 16) / sizeof(ftok_slot);
    c->mask = want - 1;
    ftok_count_clear(c);
    return 0;
}

void ftok_count_clear(ftok_count *c)
{
    if (++*c->genp == 0) { /* wrapped: forget every slot */
        memset(c->slots, 0, c->nslots * sizeof *c->slots);
        *c->genp = 1;
    }
    c->gen = *c->genp;
}

/* ---------------------------------------------------------------- helpers */

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
