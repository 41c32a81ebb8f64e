/*
 * size.c - sizes as people write them in options, one grammar for every
 * option and flag that takes a size:
 *
 *   DIGITS [ "." DIGITS ] [ k | M | G | T ] [ "i" ] [ "B" ]
 *
 * Multiples are binary (k = 1024, any case; "64MiB", "64MB" and "64M" are
 * the same), a fraction needs a multiple ("1.5G"; "1.5" bytes is not a
 * size) and is rounded down to whole bytes.  No sign, no blanks, no
 * exponent, no nan/inf, nothing after the unit; a size that does not fit
 * in size_t is refused rather than wrapped.  Digits are read by hand
 * because strtoull/strtod accept all of those.
 */
#include "core.h"

#include <stdint.h>

int wn_parse_size(const char *s, size_t *out)
{
    if (!s)
        return WN_EINVAL;
    const char *p = s;
    uint64_t whole = 0;
    int overflow = 0;
    if (*p < '0' || *p > '9')
        return WN_EINVAL;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (whole > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            whole = whole * 10 + d;
    }
    double frac = 0;
    int has_frac = 0;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return WN_EINVAL;
        double scale = 0.1;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
        has_frac = 1;
    }
    unsigned shift = 0;
    switch (*p) {
    case 'k': case 'K': shift = 10; break;
    case 'm': case 'M': shift = 20; break;
    case 'g': case 'G': shift = 30; break;
    case 't': case 'T': shift = 40; break;
    default: break;
    }
    if (shift) {
        p++;
        if (*p == 'i')
            p++;
    } else if (has_frac) {
        return WN_EINVAL;
    }
    if (*p == 'B' || *p == 'b')
        p++;
    if (*p || overflow)
        return WN_EINVAL;
    if (whole > (UINT64_MAX >> shift))
        return WN_EINVAL;
    uint64_t v = whole << shift;
    /* frac < 1 and shift <= 40: the product is exact enough and < 2^40 */
    uint64_t part = (uint64_t)(frac * (double)((uint64_t)1 << shift));
    if (v > UINT64_MAX - part || v + part > (uint64_t)SIZE_MAX)
        return WN_EINVAL;
    *out = (size_t)(v + part);
    return 0;
}
