/*
 * tokens.h - one tokenisation of a document, shared by every quality filter.
 *
 * The Gopher, C4 and FineWeb filters all look at the same words, lines and
 * paragraphs.  Splitting and hashing them once per document, not once per
 * filter, is what keeps all filters together above 100 MB/s: ftok_get()
 * returns the tokenisation of a document, computing it only when the
 * calling thread has not already done so for the same text (a per-thread
 * cache keyed by the text's address, length and 64-bit hash, so a stage
 * that edits the text - redaction - invalidates it).
 *
 * Definitions (docs/filters.md explains the choices):
 *  - a word is a maximal run of characters other than whitespace (ASCII
 *    whitespace, U+00A0, U+3000): the Gopher paper's and C4's definition;
 *    in a document whose language is written without spaces (Chinese,
 *    Japanese, Thai, Lao, Khmer, Burmese: wordseg.h), a run holding such
 *    characters is cut into ICU's words, punctuation kept on the word
 *    before it;
 *  - a line is a '\n'-separated piece, a trailing '\r' removed; blank lines
 *    (whitespace only) are kept in the array but flagged;
 *  - a paragraph is a run of non-blank lines between blank lines;
 *  - lengths are in code points (Python's len(), as in datatrove).
 */
#ifndef WN_FILTER_TOKENS_H
#define WN_FILTER_TOKENS_H

#include "../core/core.h"
#include "../pipeline/stage.h"

enum {
    FTOK_ALPHA = 1,  /* word has a letter (Unicode category L*) */
    FTOK_ALNUM = 2,  /* word has a letter or a digit (not symbol-only) */
    FTOK_STOP = 4,   /* after the trim below, one of Gopher's stop words
                      * {the, be, to, of, and, that, have, with}, any case */
    FTOK_TRIM_SHIFT = 8, /* flags >> 8: ASCII punctuation bytes at the
                          * word's two ends (so "end." has 1) */
};

typedef struct ftok_word {
    uint32_t off, len; /* bytes in the text */
    uint32_t cps;      /* code points */
    uint32_t flags;    /* FTOK_* */
    uint64_t hash;     /* of the word's bytes */
} ftok_word;

typedef struct ftok_span {
    uint32_t off, len; /* bytes in the text */
    uint32_t cps;      /* code points */
    uint32_t blank;    /* whitespace only */
    uint64_t hash;     /* of the bytes */
} ftok_span;

typedef struct ftok_doc {
    const char *text;
    size_t len;
    size_t cps;           /* code points in the whole text */
    size_t newlines;      /* '\n' characters */
    ftok_word *words;
    size_t nwords;
    ftok_span *lines;     /* every line, blank ones flagged */
    size_t nlines, nblank;
    ftok_span *paras;     /* paragraphs (never blank) */
    size_t nparas;
} ftok_doc;

/* The tokenisation of text[0..len).  The result belongs to the calling
 * thread's cache and stays valid until its next ftok_get() call.  Returns
 * NULL only when out of memory. */
const ftok_doc *ftok_get(const char *text, size_t len);
/* The same for a text in language lang (NULL or "": spaced words only). */
const ftok_doc *ftok_get_lang(const char *text, size_t len, const char *lang);
/* The same for doc's text in its `language` (metadata). */
const ftok_doc *ftok_get_doc(const wn_doc *doc);

/* Tokenises into a caller-owned ftok_doc (no cache); ftok_release frees. */
int ftok_build(ftok_doc *t, const char *text, size_t len);
int ftok_build_lang(ftok_doc *t, const char *text, size_t len,
                    const char *lang);
void ftok_release(ftok_doc *t);

/* Whether cp ends sentences (datatrove's TERMINAL_PUNCTUATION, in the
 * Basic Multilingual Plane: . ! ? and their counterparts in other
 * scripts, e.g. U+3002, U+0964, U+104B, U+17D4, U+061F). */
int ftok_terminal_punct(int32_t cp);
/* The length of the character at s (n > 0 bytes) if it is one, else 0. */
size_t ftok_terminal_at(const char *s, size_t n);

/* The key a stop word list compares: word s[0..n) without the characters
 * other than letters and digits at its two ends, lowercased, hashed.
 * Returns 0 (no key) when nothing is left. */
int ftok_word_key(const char *s, size_t n, uint64_t *key);

/* Code points of s[0..n). */
size_t ftok_cps(const char *s, size_t n);

/* Counting hash table over 64-bit keys (hashes of lines, n-grams): open
 * addressing, linear probing, one 24-byte slot per key so a probe touches
 * one cache line.  A slot is live only when its gen is the table's, so
 * clearing is gen++ rather than a memset per n-gram pass.  Its memory is
 * scratch->b[1], reused across documents and freed with the scratch. */
typedef struct ftok_slot {
    uint64_t key;
    uint32_t gen, count;
    uint32_t first, pad; /* first: caller's index of the first insertion */
} ftok_slot;

typedef struct ftok_count {
    ftok_slot *slots;
    size_t mask, nslots; /* nslots: all the scratch holds, >= mask + 1 */
    uint32_t gen;
    uint32_t *genp;      /* the last gen used, kept in the scratch */
} ftok_count;

/* An empty table with room for n keys.  Returns 0 or WN_ENOMEM. */
int ftok_count_init(ftok_count *c, stage_scratch *s, size_t n);
/* Empties the table again (same room). */
void ftok_count_clear(ftok_count *c);

/* Adds one occurrence of key (first = index of this occurrence); returns
 * its slot, whose count includes this occurrence. */
static inline ftok_slot *ftok_count_slot(ftok_count *c, uint64_t key,
                                         uint32_t first)
{
    size_t i = (size_t)(key ^ (key >> 29)) & c->mask;
    for (;;) {
        ftok_slot *e = &c->slots[i];
        if (e->gen != c->gen) {
            e->key = key;
            e->gen = c->gen;
            e->first = first;
            e->count = 1;
            return e;
        }
        if (e->key == key) {
            e->count++;
            return e;
        }
        i = (i + 1) & c->mask;
    }
}

/* The count of key (0 when absent), without adding it. */
static inline uint32_t ftok_count_get(const ftok_count *c, uint64_t key)
{
    size_t i = (size_t)(key ^ (key >> 29)) & c->mask;
    for (;;) {
        const ftok_slot *e = &c->slots[i];
        if (e->gen != c->gen)
            return 0;
        if (e->key == key)
            return e->count;
        i = (i + 1) & c->mask;
    }
}

/* Starts loading key's slot into the cache: the tables are larger than the
 * L1/L2 caches and probed at random, so callers prefetch a few keys ahead. */
static inline void ftok_count_prefetch(const ftok_count *c, uint64_t key)
{
#if defined(__GNUC__)
    __builtin_prefetch(&c->slots[(size_t)(key ^ (key >> 29)) & c->mask], 1);
#else
    (void)c;
    (void)key;
#endif
}

/* The same, returning the key's count after the addition. */
static inline uint32_t ftok_count_add(ftok_count *c, uint64_t key,
                                      uint32_t first)
{
    return ftok_count_slot(c, key, first)->count;
}

/* Writes "stage:measure=value<op>bound" into reason (replacing it). */
int freason(wn_buf *reason, const char *stage, const char *measure,
            double value, const char *op, double bound);

#endif
