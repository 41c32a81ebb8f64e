/*
 * utf8.c - UTF-8 validation and repair.
 *
 * Input text comes from anywhere, so every document passes through
 * wn_utf8_repair once.  The common case is valid text (mostly ASCII), so
 * the loop first skips 8 ASCII bytes at a time and copies valid runs in
 * one memcpy; only broken sequences take the slow path.  Decoding follows
 * the Unicode "maximal subpart" practice: each invalid byte sequence is
 * replaced by one U+FFFD, overlongs and surrogates are invalid.
 */
#include "core.h"

#include <string.h>

static const char REPLACEMENT[3] = {(char)0xEF, (char)0xBF, (char)0xBD};

int utf8_put(wn_buf *out, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xC0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xE0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        b[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return wn_buf_append(out, b, n);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid.  For an
 * invalid sequence *skip is the length of its maximal subpart (>= 1). */
static size_t seq_len(const unsigned char *s, size_t avail, size_t *skip)
{
    unsigned c = s[0];
    *skip = 1;
    if (c < 0x80)
        return c ? 1 : 0;
    size_t n;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    for (size_t i = 1; i < n; i++) {
        if (i >= avail)
            return 0;
        unsigned b = s[i];
        if (b < lo || b > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
        *skip = i + 1;
    }
    return n;
}

/* Index of the first byte that is not plain printable-or-control ASCII
 * (i.e. >= 0x80 or NUL), scanning 8 bytes at a time. */
static size_t ascii_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        /* high bit set in any byte, or any byte zero */
        uint64_t zero = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
        if ((w & 0x8080808080808080ULL) | zero)
            break;
        i += 8;
    }
    while (i < n && s[i] && s[i] < 0x80)
        i++;
    return i;
}

int wn_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, skip;
    while (i < n) {
        i += ascii_prefix(s + i, n - i);
        if (i >= n)
            break;
        size_t k = seq_len(s + i, n - i, &skip);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

long wn_utf8_repair(const char *str, size_t n, wn_buf *out, size_t *nuls)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, run = 0, skip;
    long repl = 0;
    size_t nul = 0;
    if (nuls)
        *nuls = 0;
    if (!n)
        return 0; /* src may be NULL */
    int rc = wn_buf_reserve(out, n);
    if (rc)
        return rc;
    while (i < n) {
        i += ascii_prefix(s + i, n - i);
        if (i >= n)
            break;
        size_t k = seq_len(s + i, n - i, &skip);
        if (k) {
            i += k;
            continue;
        }
        /* flush the valid run, then the replacement */
        if ((rc = wn_buf_append(out, s + run, i - run)) ||
            (rc = wn_buf_append(out, REPLACEMENT, 3)))
            return rc;
        if (s[i] == 0)
            nul++;
        else
            repl++;
        i += skip;
        run = i;
    }
    if ((rc = wn_buf_append(out, s + run, n - run)))
        return rc;
    if (nuls)
        *nuls = nul;
    return repl + (long)nul;
}
