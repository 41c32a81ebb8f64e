/*
 * options.c - the dedup.* options: table, validation, parsing.
 *
 * One table drives --help, wn_dedup_option_at and validation, so an option
 * is declared once.  dd_opts_describe prints the options that change
 * results; the work directory records it so that a resumed run with other
 * options fails instead of mixing two runs' files.
 */
#include "dedup.h"
#include "../pipeline/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

static const config_opt dedup_opts[] = {
    {"dedup.exact", "1", "remove exact copies (XXH3-128 of the text)"},
    {"dedup.near", "1", "remove near copies (MinHash LSH)"},
    {"dedup.ngram", "5", "words per shingle (1-8)"},
    {"dedup.bands", "16", "LSH bands"},
    {"dedup.rows", "6", "signature values per band (bands*rows <= 512)"},
    {"dedup.minhash", "perm",
     "perm (k permutations, SIMD) or oph (one permutation, densified)"},
    {"dedup.verify", "exact",
     "check candidate pairs: none, estimate (signatures) or exact"},
    {"dedup.threshold", "0.8", "Jaccard a verified pair must reach"},
    {"dedup.keep", "first", "which copy stays: first, longest or earliest"},
    {"dedup.partitions", "16", "band partitions (units of the pairs stage)"},
    {"dedup.memory", "2G", "memory budget; sorts spill to disk beyond it"},
    {"dedup.threads", "1", "worker threads (output does not depend on it)"},
    {"dedup.max_listed", "1000", "most copies listed in \"duplicates\""},
    {"dedup.seed", "0", "seed of the hash functions"},
    {NULL, NULL, NULL},
};

int wn_dedup_option_at(size_t i, const char **key, const char **def,
                       const char **help)
{
    if (i >= sizeof dedup_opts / sizeof *dedup_opts - 1)
        return 0;
    *key = dedup_opts[i].key;
    *def = dedup_opts[i].def;
    *help = dedup_opts[i].help;
    return 1;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double m = 1;
    switch (*end) {
    case 'k': case 'K': m = 1024.0; end++; break;
    case 'm': case 'M': m = 1024.0 * 1024; end++; break;
    case 'g': case 'G': m = 1024.0 * 1024 * 1024; end++; break;
    case 't': case 'T': m = 1024.0 * 1024 * 1024 * 1024; end++; break;
    }
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end)
        return -1;
    *out = (size_t)(v * m);
    return 0;
}

static int parse_uint(const char *s, unsigned long long lo,
                      unsigned long long hi, unsigned long long *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

struct unknown_ctx {
    const char *bad;
};

static void find_unknown(void *ctx, const char *key, const char *value)
{
    struct unknown_ctx *u = ctx;
    (void)value;
    if (u->bad || strncmp(key, "dedup.", 6))
        return;
    for (const config_opt *o = dedup_opts; o->key; o++)
        if (!strcmp(o->key, key))
            return;
    u->bad = key;
}

static const char *get(const wn_config *cfg, const char *key)
{
    for (const config_opt *o = dedup_opts; o->key; o++)
        if (!strcmp(o->key, key))
            return config_get(cfg, key, o->def);
    return "";
}

#define BAD(key, v) \
    wn_err(err, WN_EINVAL, "", 0, "bad value '%s' for %s", (v), (key))

int dd_opts_parse(const wn_config *cfg, dd_opts *o, wn_error *err)
{
    unsigned long long u;
    const char *v;
    memset(o, 0, sizeof *o);
    if (cfg) {
        struct unknown_ctx uc = {NULL};
        wn_config_each(cfg, find_unknown, &uc);
        if (uc.bad)
            return wn_err(err, WN_EINVAL, "", 0, "unknown option %s",
                          uc.bad);
    }
#define UINT_OPT(key, lo, hi, field)                                         \
    v = get(cfg, key);                                                       \
    if (parse_uint(v, lo, hi, &u))                                           \
        return BAD(key, v);                                                  \
    field = u;
#define BOOL_OPT(key, field)                                                 \
    v = get(cfg, key);                                                       \
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"))  \
        field = 1;                                                           \
    else if (!strcmp(v, "0") || !strcasecmp(v, "false") ||                   \
             !strcasecmp(v, "no"))                                           \
        field = 0;                                                           \
    else                                                                     \
        return BAD(key, v);
    BOOL_OPT("dedup.exact", o->exact);
    BOOL_OPT("dedup.near", o->near);
    UINT_OPT("dedup.ngram", 1, 8, o->ngram);
    UINT_OPT("dedup.bands", 1, DD_MAXK, o->bands);
    UINT_OPT("dedup.rows", 1, DD_MAXK, o->rows);
    UINT_OPT("dedup.partitions", 1, 4096, o->partitions);
    UINT_OPT("dedup.threads", 1, 256, o->threads);
    UINT_OPT("dedup.max_listed", 0, 1000000000, o->max_listed);
    UINT_OPT("dedup.seed", 0, UINT64_MAX, o->seed);
    if (o->bands * o->rows > DD_MAXK)
        return wn_err(err, WN_EINVAL, "", 0,
                      "dedup.bands * dedup.rows must be at most %d", DD_MAXK);
    o->k = o->bands * o->rows;
    v = get(cfg, "dedup.minhash");
    if (!strcmp(v, "oph"))
        o->minhash = DD_MH_OPH;
    else if (!strcmp(v, "perm"))
        o->minhash = DD_MH_PERM;
    else
        return BAD("dedup.minhash", v);
    v = get(cfg, "dedup.verify");
    if (!strcmp(v, "none") || !strcmp(v, "0"))
        o->verify = DD_VERIFY_NONE;
    else if (!strcmp(v, "estimate") || !strcmp(v, "1"))
        o->verify = DD_VERIFY_ESTIMATE;
    else if (!strcmp(v, "exact"))
        o->verify = DD_VERIFY_EXACT;
    else
        return BAD("dedup.verify", v);
    v = get(cfg, "dedup.keep");
    if (!strcmp(v, "first"))
        o->keep = DD_KEEP_FIRST;
    else if (!strcmp(v, "longest"))
        o->keep = DD_KEEP_LONGEST;
    else if (!strcmp(v, "earliest"))
        o->keep = DD_KEEP_EARLIEST;
    else
        return BAD("dedup.keep", v);
    v = get(cfg, "dedup.threshold");
    char *end;
    o->threshold = strtod(v, &end);
    if (end == v || *end || !(o->threshold >= 0 && o->threshold <= 1))
        return BAD("dedup.threshold", v);
    v = get(cfg, "dedup.memory");
    if (parse_size(v, &o->memory) || o->memory < 1024)
        return BAD("dedup.memory", v);
    if (!o->exact && !o->near)
        return wn_err(err, WN_EINVAL, "", 0,
                      "dedup.exact and dedup.near are both off");
    return 0;
}

int wn_dedup_check_config(const wn_config *cfg, wn_error *err)
{
    dd_opts o;
    return dd_opts_parse(cfg, &o, err);
}

void dd_opts_describe(const dd_opts *o, wn_buf *out)
{
    static const char *mh[] = {"oph", "perm"};
    static const char *vf[] = {"none", "estimate", "exact"};
    static const char *kp[] = {"first", "longest", "earliest"};
    wn_buf_printf(out,
                  "exact=%d near=%d ngram=%u bands=%u rows=%u minhash=%s "
                  "verify=%s threshold=%.6g keep=%s partitions=%u "
                  "max_listed=%zu seed=%llu",
                  o->exact, o->near, o->ngram, o->bands, o->rows,
                  mh[o->minhash], vf[o->verify], o->threshold, kp[o->keep],
                  o->partitions, o->max_listed,
                  (unsigned long long)o->seed);
}
