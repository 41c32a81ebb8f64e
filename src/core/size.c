/*
 * size.c - sizes as people write them in options: 4096, 64k, 64M, 2G
 * (binary multiples), optionally followed by "i" and/or "B" (64MiB, 64MB).
 */
#include "core.h"

#include <stdlib.h>

int wn_parse_size(const char *s, size_t *out)
{
    char *e;
    unsigned long long v = strtoull(s, &e, 10);
    if (e == s || s[0] == '-')
        return WN_EINVAL;
    switch (*e) {
    case 'k': case 'K': v <<= 10; e++; break;
    case 'm': case 'M': v <<= 20; e++; break;
    case 'g': case 'G': v <<= 30; e++; break;
    default: break;
    }
    if (*e == 'i')
        e++;
    if (*e == 'B')
        e++;
    if (*e)
        return WN_EINVAL;
    *out = (size_t)v;
    return 0;
}
