/*
 * options.c - the substr.* options: one table drives --help, parsing and
 * the line the work directory records (a resumed run with other options
 * fails instead of mixing two runs' files).
 */
#include "substr.h"
#include "../pipeline/config.h"

#define AT(f) OPT_AT(ss_opts, f)

/* The enum choices are in the order of SS_STRIKE_*. */
static const config_opt substr_table[] = {
    OPTION_INT("substr.min_length", "100", 8, 1000000, 0, AT(min_length),
               "shortest repeated span struck, in bytes"),
    OPTION_ENUM("substr.strike", "all", "all|later", AT(strike),
                "all: every occurrence (Lee et al.); later: all but the "
                "first in input order"),
    OPTION_BOOL("substr.annotate", "0", AT(annotate),
                "list the spans in \"substr_spans\" instead of cutting"),
    OPTION_INT("substr.min_doc_bytes", "50", 0, 1000000000, 0,
               AT(min_doc_bytes),
               "a document cut below this many bytes is rejected"),
    OPTION_INT("substr.partitions", "16", 1, 4096, 0, AT(partitions),
               "hash partitions (units of the match stage)"),
    OPTION_SIZE("substr.memory", "1G", 65536, OPT_NOLIMIT, AT(memory),
                "memory budget; chunks and sorts are sized to fit"),
    OPTION_INT("substr.threads", "1", 1, 256, 0, AT(threads),
               "worker threads (output does not depend on it)"),
    OPTION_END,
};

const config_opt *substr_option_table(void) { return substr_table; }

int wn_substr_option_at(size_t i, const char **key, const char **def,
                        const char **help)
{
    if (i >= sizeof substr_table / sizeof *substr_table - 1)
        return 0;
    *key = substr_table[i].key;
    *def = substr_table[i].def;
    *help = substr_table[i].help;
    return 1;
}

int ss_opts_parse(const wn_config *cfg, ss_opts *o, wn_error *err)
{
    memset(o, 0, sizeof *o);
    const char *bad = config_unknown_key(substr_table, "substr", cfg);
    if (bad)
        return wn_err(err, WN_EINVAL, "", 0, "unknown option %s", bad);
    return config_parse(substr_table, cfg, o, err);
}

int wn_substr_check_config(const wn_config *cfg, wn_error *err)
{
    ss_opts o;
    return ss_opts_parse(cfg, &o, err);
}

int ss_opts_describe(const ss_opts *o, wn_buf *out)
{
    static const char *sk[] = {"all", "later"};
    /* min_doc_bytes and annotate only shape the strike unit's output, but
     * a resumed run must not mix outputs of two settings either */
    return wn_buf_printf(out, "min_length=%u strike=%s annotate=%d "
                       "min_doc_bytes=%u partitions=%u",
                         o->min_length, sk[o->strike], o->annotate,
                         o->min_doc_bytes, o->partitions);
}
