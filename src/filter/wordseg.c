/*
 * wordseg.c - ICU word segmentation for unspaced scripts (see wordseg.h).
 *
 * ICU walks UTF-8 through a UText, so segment boundaries come back as byte
 * offsets of the caller's text: no UTF-16 copy.  The root locale's word
 * break rules choose a dictionary by script (Chinese/Japanese, Thai, Lao,
 * Khmer, Burmese), so one iterator serves every language; each thread
 * holds a clone of it (ubrk_clone), since an iterator carries the position
 * of its walk.
 */
#include "wordseg.h"

#include <pthread.h>
#include <stdlib.h>
#include <unicode/ubrk.h>
#include <unicode/utext.h>

int wseg_lang_needs_icu(const char *lang, size_t n)
{
    static const char *const codes[] = {"zh", "ja", "th", "lo", "km", "my",
                                        "zho", "cmn", "jpn", "tha", "lao",
                                        "khm", "mya", "yue", "wuu"};
    size_t k = 0;
    while (k < n && lang[k] != '-' && lang[k] != '_')
        k++;
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++)
        if (strlen(codes[i]) == k && !memcmp(codes[i], lang, k))
            return 1;
    return 0;
}

int wseg_is_unspaced(int32_t cp)
{
    if (cp < 0x0E00)
        return 0;
    return (cp >= 0x0E00 && cp <= 0x0EFF) ||   /* Thai, Lao */
           (cp >= 0x1000 && cp <= 0x109F) ||   /* Myanmar */
           (cp >= 0x1780 && cp <= 0x17FF) ||   /* Khmer */
           (cp >= 0x19E0 && cp <= 0x19FF) ||   /* Khmer symbols */
           (cp >= 0x3040 && cp <= 0x30FF) ||   /* Hiragana, Katakana */
           (cp >= 0x31F0 && cp <= 0x31FF) ||   /* Katakana extension */
           (cp >= 0x3400 && cp <= 0x4DBF) ||   /* Han extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) ||   /* Han */
           (cp >= 0xA9E0 && cp <= 0xA9FF) ||   /* Myanmar ext. B */
           (cp >= 0xAA60 && cp <= 0xAA7F) ||   /* Myanmar ext. A */
           (cp >= 0xF900 && cp <= 0xFAFF) ||   /* Han compatibility */
           (cp >= 0xFF66 && cp <= 0xFF9F) ||   /* halfwidth Katakana */
           (cp >= 0x20000 && cp <= 0x3FFFF);   /* Han, planes 2-3 */
}

/* ------------------------------------------------------ per-thread iterator */

static UBreakIterator *proto; /* opened once; only cloned, never walked */
static pthread_once_t proto_once = PTHREAD_ONCE_INIT;
static pthread_key_t bi_key;
static int bi_key_ok;

static void bi_free(void *p)
{
    if (p)
        ubrk_close(p);
}

static void proto_open(void)
{
    UErrorCode st = U_ZERO_ERROR;
    proto = ubrk_open(UBRK_WORD, "", NULL, 0, &st);
    if (U_FAILURE(st))
        proto = NULL;
    bi_key_ok = pthread_key_create(&bi_key, bi_free) == 0;
}

static UBreakIterator *thread_iterator(int *rc)
{
    pthread_once(&proto_once, proto_open);
    if (!proto || !bi_key_ok) {
        *rc = WN_EINVAL;
        return NULL;
    }
    UBreakIterator *bi = pthread_getspecific(bi_key);
    if (bi)
        return bi;
    UErrorCode st = U_ZERO_ERROR;
    bi = ubrk_clone(proto, &st);
    if (U_FAILURE(st) || !bi || pthread_setspecific(bi_key, bi)) {
        if (bi)
            ubrk_close(bi);
        *rc = WN_ENOMEM;
        return NULL;
    }
    return bi;
}

int wseg_icu(const char *s, size_t n, wseg_fn fn, void *ctx)
{
    int rc = 0;
    UBreakIterator *bi = thread_iterator(&rc);
    if (!bi)
        return rc;
    if (n > INT32_MAX)
        return WN_ELIMIT;
    UErrorCode st = U_ZERO_ERROR;
    UText ut = UTEXT_INITIALIZER;
    utext_openUTF8(&ut, s, (int64_t)n, &st);
    ubrk_setUText(bi, &ut, &st);
    if (U_FAILURE(st)) {
        utext_close(&ut);
        return st == U_MEMORY_ALLOCATION_ERROR ? WN_ENOMEM : WN_EINVAL;
    }
    int32_t a = ubrk_first(bi), b;
    while (!rc && (b = ubrk_next(bi)) != UBRK_DONE) {
        /* rule status: UBRK_WORD_NONE (0..99) for spaces and punctuation,
         * number, letter, kana, ideo above it */
        int word = ubrk_getRuleStatus(bi) >= UBRK_WORD_NONE_LIMIT;
        rc = fn(ctx, (size_t)a, (size_t)(b - a), word);
        a = b;
    }
    /* the iterator must not keep pointing into the caller's text */
    static const UChar none[1] = {0};
    UErrorCode st2 = U_ZERO_ERROR;
    ubrk_setText(bi, none, 0, &st2);
    utext_close(&ut);
    return rc;
}

void wseg_doc_lang(const wn_doc *d, char *out, size_t outsz)
{
    const char *v;
    size_t n;
    out[0] = 0;
    if (!outsz || !wn_doc_meta_get(d, "language", &v, &n) || n < 2 ||
        v[0] != '"' || n - 2 >= outsz)
        return;
    for (size_t i = 0; i < n - 2; i++) {
        char c = v[1 + i];
        if (c == '"' || c == '\\') {
            out[0] = 0;
            return;
        }
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        out[i + 1] = 0;
    }
}
