/*
 * wordseg.h - where words begin and end in scripts written without spaces.
 *
 * winnow's one word segmenter is tokens.c: words are whitespace-separated
 * runs (with punctuation attached) in every script that spaces its words.
 * Chinese, Japanese, Thai, Lao, Khmer and Burmese do not, so for documents
 * in those languages (the `language` metadata langid writes) a run holding
 * characters of those scripts is cut further by ICU's word break iterator
 * (Debian's libicu; dictionary-based for these scripts).  tokens.c and the
 * MinHash shingler (src/dedup/minhash.c) both come here, so a Chinese
 * "word" is the same thing to Gopher, FineWeb and near-duplicate search.
 *
 * ICU break iterators are not thread-safe: each thread clones its own from
 * one opened at first use, kept in a thread-local slot freed when the
 * thread ends.
 */
#ifndef WN_FILTER_WORDSEG_H
#define WN_FILTER_WORDSEG_H

#include "../core/core.h"

/* 1 when documents in language lang (an ISO 639-1/3 code, n bytes; a
 * region or script after '-' or '_' is ignored) are cut with ICU: zh, ja,
 * th, lo, km, my (and their 639-3 codes). */
int wseg_lang_needs_icu(const char *lang, size_t n);

/* 1 when code point cp belongs to a script that ICU must segment (Han,
 * Hiragana, Katakana, Thai, Lao, Khmer, Myanmar). */
int wseg_is_unspaced(int32_t cp);

/* Called for each ICU segment of a text, in order: off and len in bytes
 * of the text, word = 0 for a segment that holds no letter, digit or
 * ideograph (punctuation, spaces).  A non-zero return stops the walk and
 * is returned by wseg_icu. */
typedef int (*wseg_fn)(void *ctx, size_t off, size_t len, int word);

/* Walks the ICU word segments of s[0..n) (UTF-8).  Returns 0, the
 * callback's non-zero value, WN_ENOMEM, or WN_EINVAL when ICU cannot open
 * its iterator (its data missing). */
int wseg_icu(const char *s, size_t n, wseg_fn fn, void *ctx);

/* The document's `language` metadata (langid's) into out (NUL-ended,
 * lowercase, at most outsz - 1 bytes); "" when absent or too long. */
void wseg_doc_lang(const wn_doc *d, char *out, size_t outsz);

#endif
