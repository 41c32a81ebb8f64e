/*
 * options.c - the dedup.* options: table, validation, parsing.
 *
 * One table (types, ranges, defaults, help; config.h) drives --help,
 * wn_dedup_option_at, --print-config and parsing, so an option is declared
 * once.  dd_opts_describe prints the options that change
 * results; the work directory records it so that a resumed run with other
 * options fails instead of mixing two runs' files.
 */
#include "dedup.h"
#include "../pipeline/config.h"

#include <stdio.h>

#define AT(f) OPT_AT(dd_opts, f)

/* The enum choices are in the order of DD_MH_*, DD_VERIFY_*, DD_KEEP_*. */
static const config_opt dedup_table[] = {
    OPTION_BOOL("dedup.exact", "1", AT(exact),
                "remove exact copies (XXH3-128 of the text)"),
    OPTION_BOOL("dedup.near", "1", AT(near),
                "remove near copies (MinHash LSH)"),
    OPTION_INT("dedup.ngram", "5", 1, 8, 0, AT(ngram), "words per shingle"),
    OPTION_INT("dedup.bands", "16", 1, DD_MAXK, 0, AT(bands), "LSH bands"),
    OPTION_INT("dedup.rows", "6", 1, DD_MAXK, 0, AT(rows),
               "signature values per band (bands*rows <= 512)"),
    OPTION_ENUM("dedup.minhash", "perm", "oph|perm", AT(minhash),
                "perm: k permutations, SIMD; oph: one permutation, "
                "densified"),
    OPTION_ENUM("dedup.verify", "exact", "none|estimate|exact|0=none|"
                "1=estimate", AT(verify),
                "check candidate pairs: exact Jaccard, estimate (from the "
                "signatures) or none"),
    OPTION_DOUBLE("dedup.threshold", "0.8", 0, 1, 0, AT(threshold),
                  "Jaccard a verified pair must reach"),
    OPTION_ENUM("dedup.keep", "first", "first|longest|earliest", AT(keep),
                "which copy stays (earliest: by date)"),
    OPTION_INT("dedup.partitions", "16", 1, 4096, 0, AT(partitions),
               "band partitions (units of the pairs stage)"),
    OPTION_SIZE("dedup.memory", "2G", 1024, OPT_NOLIMIT, AT(memory),
                "memory budget; sorts spill to disk beyond it"),
    OPTION_INT("dedup.threads", "1", 1, 256, 0, AT(threads),
               "worker threads (output does not depend on it)"),
    OPTION_INT("dedup.max_listed", "1000", 0, 1000000000, 0, AT(max_listed),
               "most copies listed in \"duplicates\""),
    OPTION_INT("dedup.seed", "0", 0, 18446744073709551615.0, 0, AT(seed),
               "seed of the hash functions (64 bits)"),
    OPTION_INT("dedup.level", "3", 1, 19, 0, AT(level),
               "compression level of .zst/.gz outputs (gzip: at most 9)"),
    OPTION_BOOL("dedup.verbatim", "0", AT(verbatim),
                "the inputs are JSONL as winnow writes it (winnow run's work "
                "files): a document dedup does not change is copied byte "
                "for byte, not parsed and rewritten"),
    OPTION_BOOL("dedup.changes", "0", AT(changes),
                "with verbatim: an output gets only the lines dedup "
                "changes or removes, each after its input offset, for a "
                "caller that copies the rest from the input (winnow run)"),
    /* paragraph dedup (para.c): a step of its own, after document dedup */
    OPTION_BOOL("dedup.paragraphs", "0", AT(paragraphs),
                "remove paragraphs seen before (Bloom filter of word "
                "n-grams, BFF); winnow run: a step after dedup"),
    OPTION_INT("dedup.para_ngram", "13", 1, 64, 0, AT(para_ngram),
               "words per paragraph n-gram"),
    OPTION_INT("dedup.para_min_words", "5", 1, 64, 0, AT(para_min_words),
               "a shorter paragraph (fewer than para_ngram words) is one "
               "n-gram when it has this many words; below, left alone"),
    OPTION_DOUBLE("dedup.para_threshold", "0.8", 0, 1, 0, AT(para_threshold),
                  "share of a paragraph's n-grams seen before above which "
                  "it is removed"),
    OPTION_DOUBLE("dedup.fp_rate", "0.01", 1e-9, 0.5, 0, AT(fp_rate),
                  "false-positive rate of the Bloom filter at the expected "
                  "n-gram count"),
    OPTION_INT("dedup.expected_docs", "1000000", 1, 1e15, 0,
               AT(expected_docs), "documents the Bloom filter is sized for"),
    OPTION_INT("dedup.ngrams_per_doc", "500", 1, 1e9, 0, AT(ngrams_per_doc),
               "n-grams per document assumed when sizing the filter"),
    OPTION_INT("dedup.expected_ngrams", "0", 0, 1e18, 0, AT(expected_ngrams),
               "n-grams the filter is sized for; 0 = expected_docs * "
               "ngrams_per_doc"),
    OPTION_ENUM("dedup.para_filter", "bloom", "bloom|exact", AT(para_filter),
                "bloom: fixed memory; exact: a hash set of every n-gram "
                "(grows; the reference the Bloom filter is measured on)"),
    OPTION_BOOL("dedup.para_annotate", "0", AT(para_annotate),
                "keep the text; list the duplicate paragraphs' byte spans "
                "in \"paragraph_duplicates\""),
    OPTION_END,
};

const config_opt *dedup_option_table(void) { return dedup_table; }

int wn_dedup_option_at(size_t i, const char **key, const char **def,
                       const char **help)
{
    if (i >= sizeof dedup_table / sizeof *dedup_table - 1)
        return 0;
    *key = dedup_table[i].key;
    *def = dedup_table[i].def;
    *help = dedup_table[i].help;
    return 1;
}

int dd_opts_parse(const wn_config *cfg, dd_opts *o, wn_error *err)
{
    memset(o, 0, sizeof *o);
    const char *bad = config_unknown_key(dedup_table, "dedup", cfg);
    if (bad)
        return wn_err(err, WN_EINVAL, "", 0, "unknown option %s", bad);
    int rc = config_parse(dedup_table, cfg, o, err);
    if (rc)
        return rc;
    if (o->bands * o->rows > DD_MAXK)
        return wn_err(err, WN_EINVAL, "", 0,
                      "dedup.bands * dedup.rows must be at most %d", DD_MAXK);
    o->k = o->bands * o->rows;
    if (!o->exact && !o->near)
        return wn_err(err, WN_EINVAL, "", 0,
                      "dedup.exact and dedup.near are both off");
    if (o->changes && !o->verbatim)
        return wn_err(err, WN_EINVAL, "", 0,
                      "dedup.changes needs dedup.verbatim");
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
