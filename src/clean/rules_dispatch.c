/*
 * rules_dispatch.c - the combined rules' alternatives picked by a line's
 * first two bytes.
 *
 * The combined alternation (rules.c) tries every alternative of every rule
 * on every line: a few hundred literal starts, each failing on its first
 * byte, which was most of the clean stage's time.  Here each rule of the
 * alternation is split into its top-level alternatives, each compiled
 * alone, and for every start of two printable ASCII bytes the list of the
 * alternatives that can match a line starting so is worked out once, by
 * hard partial matches of that start (PCRE2 says "partial" exactly when
 * some longer subject could still match).  A line is then tried against
 * its list only, in table order, so the first alternative that matches is
 * the one the alternation would have chosen; lines starting otherwise go
 * through the alternation as before.  Any failure to build leaves the
 * dispatch empty (the alternation alone gives the same verdicts).
 */
#include "rules_dispatch.h"

#include <stdlib.h>

void cl_disp_free(cl_disp *d)
{
    for (size_t i = 0; i < d->nalt; i++)
        pcre2_code_free(d->code[i]);
    free(d->code);
    free(d->rule);
    free(d->start);
    free(d->list);
    memset(d, 0, sizeof *d);
}

/* Is the "(?" group at p one whose option settings, if any, end with it? */
static int scoped_group(const char *p)
{
    p += 2;
    if (*p == ':' || *p == '=' || *p == '!' || *p == '>')
        return 1;
    if (*p == '<')
        return p[1] == '=' || p[1] == '!';
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
           *p == '-' || *p == '^')
        p++;
    return *p == ':';
}

/* Offset of the ']' that closes the class opening at p[i], or 0. */
static size_t class_end(const char *p, size_t i)
{
    i++;
    if (p[i] == '^')
        i++;
    if (p[i] == ']')
        i++;
    for (; p[i] && p[i] != ']'; i++) {
        if (p[i] == '\\') {
            if (!p[++i])
                return 0;
        } else if (p[i] == '[' && p[i + 1] == ':') {
            const char *e = strstr(p + i + 2, ":]");
            if (!e)
                return 0;
            i = (size_t)(e - p) + 1;
        }
    }
    return p[i] ? i : 0;
}

/* Splits a pattern "^(?:A|B|...)SUFFIX" at the top-level bars of its first
 * group: alternative j is p[at[j], at[j + 1] - 1) and the group closes at
 * at[k] - 1.  Returns k, or 0 when the pattern has another shape or a
 * construct whose meaning could change when its alternatives are matched
 * apart (an unscoped option setting reaches into the alternatives after
 * it; recursion, conditionals, \Q and comments are not parsed here). */
static size_t split_alts(const char *p, size_t *at, size_t max)
{
    if (strncmp(p, "^(?:", 4))
        return 0;
    size_t k = 0, depth = 0, close = 0;
    at[k++] = 4;
    for (size_t i = 1; p[i]; i++) {
        char c = p[i];
        if (c == '\\') {
            if (!p[i + 1] || p[i + 1] == 'Q' || p[i + 1] == 'g' ||
                p[i + 1] == 'k')
                return 0;
            i++;
        } else if (c == '[') {
            if (!(i = class_end(p, i)))
                return 0;
        } else if (c == '(') {
            if (p[i + 1] == '*' || (p[i + 1] == '?' && !scoped_group(p + i)))
                return 0;
            depth++;
        } else if (c == ')') {
            if (!depth)
                return 0;
            if (--depth == 0 && !close)
                close = i;
        } else if (c == '|') {
            if (!depth)
                return 0; /* an alternation outside the group */
            if (depth == 1 && !close) {
                if (k == max)
                    return 0;
                at[k++] = i + 1;
            }
        }
    }
    /* a quantified group repeats its alternatives: not split */
    if (depth || !close || (p[close + 1] && strchr("*+?{", p[close + 1])))
        return 0;
    at[k] = close + 1;
    return k;
}

/* Adds alternative pattern pat (n bytes) of rule i to d; 0 or -1. */
static int add_alt(cl_disp *d, size_t *cap, const char *pat, size_t n,
                   size_t i)
{
    if (d->nalt == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        pcre2_code **c = realloc(d->code, nc * sizeof *c);
        if (!c)
            return -1;
        d->code = c;
        uint16_t *ru = realloc(d->rule, nc * sizeof *ru);
        if (!ru)
            return -1;
        d->rule = ru;
        *cap = nc;
    }
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pat, n,
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS |
                                         PCRE2_ANCHORED,
                                     &ec, &eo, NULL);
    if (!code)
        return -1;
    d->code[d->nalt] = code;
    d->rule[d->nalt++] = (uint16_t)i;
    return 0;
}

/* Can a line starting with the n bytes at s match alternative code?  A
 * hard partial match says exactly that: it fails only when no string
 * with this start can match. */
static int may_start(const pcre2_code *code, const char *s, size_t n,
                     pcre2_match_data *md)
{
    int rc = pcre2_match(code, (PCRE2_SPTR)s, n, 0, PCRE2_PARTIAL_HARD, md,
                         NULL);
    return rc >= 0 || rc == PCRE2_ERROR_PARTIAL;
}

void cl_disp_build(cl_disp *d, const char *const *pats, size_t n)
{
    cl_disp_free(d);
    if (n >= UINT16_MAX)
        return; /* rule indexes are 16-bit */
    size_t cap = 0, at[257];
    wn_buf pat = WN_BUF_INIT;
    int bad = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        const char *x = pats[i];
        if (!x)
            continue;
        size_t k = split_alts(x, at, 256);
        if (!k) {
            bad = add_alt(d, &cap, x, strlen(x), i);
            continue;
        }
        for (size_t j = 0; j < k && !bad; j++) {
            wn_buf_reset(&pat);
            bad = wn_buf_printf(&pat, "^(?:%.*s)%s",
                                (int)(at[j + 1] - 1 - at[j]), x + at[j],
                                x + at[k]) ||
                  add_alt(d, &cap, pat.data, pat.len, i);
        }
    }
    wn_buf_release(&pat);
    size_t keys = (size_t)DISP_W * DISP_W, row = (keys + 63) / 64;
    uint64_t *bits = NULL;
    pcre2_match_data *md = NULL;
    if (!bad && d->nalt && d->nalt < UINT16_MAX)
        bits = calloc(d->nalt * row, sizeof *bits);
    if (bits)
        md = pcre2_match_data_create(1, NULL);
    d->start = md ? calloc(keys + 1, sizeof *d->start) : NULL;
    if (!d->start) {
        free(bits);
        pcre2_match_data_free(md);
        cl_disp_free(d);
        return;
    }
    size_t total = 0;
    d->jit = 1;
    for (size_t a = 0; a < d->nalt; a++) {
        /* the partial mode only speeds the probes up */
        if (pcre2_jit_compile(d->code[a], PCRE2_JIT_COMPLETE |
                                              PCRE2_JIT_PARTIAL_HARD))
            d->jit = 0;
        char s[2];
        for (size_t b = 0; b < DISP_W; b++) {
            s[0] = (char)(DISP_LO + b);
            if (!may_start(d->code[a], s, 1, md))
                continue;
            for (size_t c = 0; c < DISP_W; c++) {
                s[1] = (char)(DISP_LO + c);
                if (may_start(d->code[a], s, 2, md)) {
                    size_t key = b * DISP_W + c;
                    bits[a * row + key / 64] |= (uint64_t)1 << (key % 64);
                    d->start[key + 1]++;
                    total++;
                }
            }
        }
    }
    pcre2_match_data_free(md);
    for (size_t key = 0; key < keys; key++)
        d->start[key + 1] += d->start[key];
    uint32_t *fill = malloc(keys * sizeof *fill);
    d->list = fill ? malloc((total ? total : 1) * sizeof *d->list) : NULL;
    if (!d->list) {
        free(fill);
        free(bits);
        cl_disp_free(d);
        return;
    }
    memcpy(fill, d->start, keys * sizeof *fill);
    for (size_t a = 0; a < d->nalt; a++)
        for (size_t w = 0; w < row; w++)
            for (uint64_t b = bits[a * row + w]; b; b &= b - 1) {
                size_t key = w * 64 + (size_t)__builtin_ctzll(b);
                d->list[fill[key]++] = (uint16_t)a;
            }
    free(fill);
    free(bits);
}
