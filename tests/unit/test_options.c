/*
 * test_options.c - typed options (src/pipeline/config.[ch]): the size
 * grammar, every type's malformed values (malformed, out of range, NaN,
 * negative counts, empty lists, overflowing sizes), the messages, the
 * consistency of every option table, and the checks of wn_stage_new,
 * wn_run_new, wn_dedup_check_config, wn_config_load_ini and
 * wn_run_print_config.
 */
#include "t.h"
#include "../../src/pipeline/stage.h"

#include <math.h>

/* ------------------------------------------------------------ sizes */

TEST(options_size_grammar)
{
    static const struct {
        const char *s;
        size_t v;
    } good[] = {
        {"0", 0},
        {"4096", 4096},
        {"64k", 64 << 10},
        {"64K", 64 << 10},
        {"512M", (size_t)512 << 20},
        {"2G", (size_t)2 << 30},
        {"2GiB", (size_t)2 << 30},
        {"64MiB", (size_t)64 << 20},
        {"64MB", (size_t)64 << 20},
        {"64mb", (size_t)64 << 20},
        {"4096B", 4096},
        {"1.5G", (size_t)3 << 29},
        {"1.5GiB", (size_t)3 << 29},
        {"0.5k", 512},
        {"1.1k", 1126}, /* 1126.4 rounded down */
        {"1T", (size_t)1 << 40},
        {"2TiB", (size_t)2 << 40},
        {"16777215T", (size_t)16777215 << 40},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        size_t v = 7;
        CHECK_INT(wn_parse_size(good[i].s, &v), 0);
        if (v != good[i].v)
            t_fail(__FILE__, __LINE__, "'%s' -> %zu, expected %zu",
                   good[i].s, v, good[i].v);
    }
    static const char *const bad[] = {
        "", "-1", "-1G", "+5", " 5", "5 ", "1.5", ".5G", "1.G", "1..5G",
        "nan", "inf", "NaN", "infinity", "1e3", "0x10", "12X", "3MBB",
        "64iB", "2Gi B", "M", "G1", "5kk",
        "18446744073709551616",  /* 2^64 */
        "99999999999999999999999", "16777216T", /* 2^64 */
        "17179869184G",                        /* 2^64 */
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t v = 7;
        if (wn_parse_size(bad[i], &v) != WN_EINVAL)
            t_fail(__FILE__, __LINE__, "'%s' accepted as %zu", bad[i], v);
        CHECK_INT(v, 7);
    }
    CHECK_INT(wn_parse_size(NULL, NULL), WN_EINVAL);
}

/* ------------------------------------------- config_parse, every type */

typedef struct topts {
    int b, e;
    int i4;
    unsigned u4;
    long long i8;
    uint64_t u8;
    double d, off, ioff;
    size_t z;
    const char *list, *alist, *clist, *path, *str;
} topts;

#define AT(f) OPT_AT(topts, f)

static const config_opt ttable[] = {
    OPTION_BOOL("t.b", "1", AT(b), "a switch"),
    OPTION_ENUM("t.e", "two", "one|two|three|3=three", AT(e), "an enum"),
    OPTION_INT("t.i4", "-5", -10, 10, 0, AT(i4), "a small int"),
    OPTION_INT("t.u4", "7", 0, OPT_NOLIMIT, 0, AT(u4), "a count"),
    OPTION_INT("t.i8", "0", -OPT_NOLIMIT, OPT_NOLIMIT, 0, AT(i8), "any int"),
    OPTION_INT("t.u8", "1", 0, 18446744073709551615.0, 0, AT(u8), "64 bits"),
    OPTION_DOUBLE("t.d", "0.5", 0, 1, 0, AT(d), "a fraction"),
    OPTION_DOUBLE("t.off", "0.25", 0, 1, OPT_OFF, AT(off), "a bound"),
    OPTION_INT("t.ioff", "3", 0, OPT_NOLIMIT, OPT_OFF, AT(ioff), "a count"),
    OPTION_SIZE("t.z", "1k", 1024, OPT_NOLIMIT, AT(z), "a size"),
    OPTION_LIST("t.list", "a,b", NULL, 0, AT(list), "a list"),
    OPTION_LIST("t.alist", "all", NULL, OPT_ALL, AT(alist), "or all"),
    OPTION_LIST("t.clist", "x", "x|y|z", OPT_EMPTY, AT(clist), "choices"),
    OPTION_PATH("t.path", "", OPT_EMPTY, AT(path), "a file"),
    OPTION_STRING("t.str", "s", 0, AT(str), "a string"),
    OPTION_END,
};

/* Parses ttable with key = value; returns the code, message in msg.  The
 * strings of *o point into the configuration, kept until the next call. */
static int tparse(const char *key, const char *value, topts *o, char *msg)
{
    static wn_config *c;
    wn_config_free(c);
    c = wn_config_new();
    if (key)
        wn_config_set(c, key, value);
    wn_error err;
    memset(&err, 0, sizeof err);
    memset(o, 0, sizeof *o);
    int rc = config_parse(ttable, c, o, &err);
    snprintf(msg, 512, "%s", err.msg);
    return rc;
}

TEST(options_defaults_and_values)
{
    topts o;
    char msg[512];
    CHECK_INT(tparse(NULL, NULL, &o, msg), 0);
    CHECK_INT(o.b, 1);
    CHECK_INT(o.e, 1);
    CHECK_INT(o.i4, -5);
    CHECK_INT(o.u4, 7);
    CHECK_INT(o.u8, 1);
    CHECK(o.d == 0.5 && o.off == 0.25 && o.ioff == 3);
    CHECK_INT(o.z, 1024);
    CHECK_STR(o.list, "a,b");
    CHECK_STR(o.alist, "all");
    CHECK_STR(o.path, "");
    CHECK_STR(o.str, "s");
    CHECK_INT(tparse("t.e", "3", &o, msg), 0); /* an alias */
    CHECK_INT(o.e, 2);
    CHECK_INT(tparse("t.i8", "-9223372036854775808", &o, msg), 0);
    CHECK(o.i8 == INT64_MIN);
    CHECK_INT(tparse("t.u8", "18446744073709551615", &o, msg), 0);
    CHECK(o.u8 == UINT64_MAX);
    CHECK_INT(tparse("t.u4", "2147483647", &o, msg), 0);
    CHECK_INT(o.u4, 2147483647u);
    CHECK_INT(tparse("t.off", "off", &o, msg), 0);
    CHECK(isnan(o.off));
    CHECK(isnan(config_number(&ttable[7], &o)));
    CHECK_INT(tparse("t.off", "none", &o, msg), 0);
    CHECK(isnan(o.off));
    CHECK_INT(tparse("t.off", "", &o, msg), 0);
    CHECK(isnan(o.off));
    CHECK_INT(tparse("t.ioff", "12", &o, msg), 0);
    CHECK(o.ioff == 12 && config_number(&ttable[8], &o) == 12);
    CHECK_INT(tparse("t.z", "1.5G", &o, msg), 0);
    CHECK_INT(o.z, (size_t)3 << 29);
    CHECK(config_number(&ttable[9], &o) == (double)((size_t)3 << 29));
    CHECK_INT(tparse("t.clist", "", &o, msg), 0);
    CHECK_INT(tparse("t.clist", " z , x,,", &o, msg), 0);
    CHECK_INT(config_list_mask(&ttable[12], o.clist), 5);
    CHECK_INT(tparse("t.alist", " all ", &o, msg), 0);
    CHECK_STR(o.alist, "all");
    static const char *const yes[] = {"1", "true", "TRUE", "yes", "Yes", "on",
                                      "ON"};
    static const char *const no[] = {"0", "false", "False", "no", "NO", "off",
                                     "Off"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        CHECK_INT(tparse("t.b", no[i], &o, msg), 0);
        CHECK_INT(o.b, 0);
        CHECK_INT(tparse("t.b", yes[i], &o, msg), 0);
        CHECK_INT(o.b, 1);
    }
}

TEST(options_malformed_values)
{
    static const char *const bad[][2] = {
        {"t.b", "nope"}, {"t.b", ""}, {"t.b", "2"}, {"t.b", "y"},
        {"t.b", "true "}, {"t.e", "four"}, {"t.e", ""}, {"t.e", "TWO"},
        {"t.i4", "4x"}, {"t.i4", ""}, {"t.i4", "4.0"}, {"t.i4", " 4"},
        {"t.i4", "+4"}, {"t.i4", "11"}, {"t.i4", "-11"}, {"t.i4", "0x4"},
        {"t.u4", "-1"}, {"t.u4", "2147483648"}, {"t.u4", "nan"},
        {"t.i8", "9223372036854775808"}, {"t.i8", "99999999999999999999"},
        {"t.u8", "-1"}, {"t.u8", "18446744073709551616"},
        {"t.d", "abc"}, {"t.d", ""}, {"t.d", "nan"}, {"t.d", "NAN"},
        {"t.d", "inf"}, {"t.d", "-inf"}, {"t.d", "1e999"}, {"t.d", "0.5x"},
        {"t.d", "1.01"}, {"t.d", "-0.1"}, {"t.d", "off"},
        {"t.off", "abc"}, {"t.off", "nan"}, {"t.off", "2"}, {"t.off", "OFF!"},
        {"t.ioff", "1.5"}, {"t.ioff", "-1"}, {"t.ioff", "nan"},
        {"t.z", "2X"}, {"t.z", "-1k"}, {"t.z", "100"}, {"t.z", ""},
        {"t.z", "nan"}, {"t.z", "1.5"}, {"t.z", "99999999999999999999T"},
        {"t.list", ""}, {"t.list", " , ,"}, {"t.alist", ""},
        {"t.alist", "all,en"}, {"t.clist", "x,w"}, {"t.str", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        topts o;
        char msg[512];
        int rc = tparse(bad[i][0], bad[i][1], &o, msg);
        if (rc != WN_EINVAL)
            t_fail(__FILE__, __LINE__, "%s = '%s' accepted", bad[i][0],
                   bad[i][1]);
        else if (strncmp(msg, bad[i][0], strlen(bad[i][0])))
            t_fail(__FILE__, __LINE__, "message does not name %s: %s",
                   bad[i][0], msg);
    }
}

TEST(options_describe)
{
    static const char *const want[] = {
        "bool", "one of one, two, three", "int in [-10, 10]", "int, >= 0",
        "int", "int, >= 0", "double in [0, 1]", "double in [0, 1], or off",
        "int, >= 0, or off", "size, >= 1024", "list", "list, or all",
        "list of x, y, z, may be empty", "path, may be empty", "string",
    };
    for (size_t i = 0; ttable[i].key; i++) {
        char d[256];
        config_describe(&ttable[i], d, sizeof d);
        CHECK_STR(d, want[i]);
    }
    char d[256];
    CHECK_INT(wn_option_describe("gopher_quality.min_words", d, sizeof d), 1);
    CHECK_STR(d, "int, >= 0, or off");
    CHECK_INT(wn_option_describe("dedup.memory", d, sizeof d), 1);
    CHECK_STR(d, "size, >= 1024");
    CHECK_INT(wn_option_describe("run.dedup", d, sizeof d), 1);
    CHECK_STR(d, "bool");
    CHECK_INT(wn_option_describe("langid.languages", d, sizeof d), 1);
    CHECK_STR(d, "list, or all");
    CHECK_INT(wn_option_describe("extract.mode", d, sizeof d), 1);
    CHECK_STR(d, "one of main, all");
    CHECK_INT(wn_option_describe("extract.nope", d, sizeof d), 0);
    CHECK_STR(d, "");
    CHECK_INT(wn_option_describe("nope", d, sizeof d), 0);
}

/* ----------------------------------------------- every table, checked */

static void check_table(const char *prefix, const config_opt *t,
                        size_t opts_size)
{
    size_t plen = strlen(prefix);
    for (; t->key; t++) {
        if (strncmp(t->key, prefix, plen) || t->key[plen] != '.')
            t_fail(__FILE__, __LINE__, "%s: not under %s.", t->key, prefix);
        if (!t->help || !*t->help || !t->def)
            t_fail(__FILE__, __LINE__, "%s: no help or default", t->key);
        size_t want = 0;
        switch (t->type) {
        case OPT_BOOL: case OPT_ENUM: want = sizeof(int); break;
        case OPT_DOUBLE: want = sizeof(double); break;
        case OPT_SIZE: want = sizeof(size_t); break;
        case OPT_INT: want = t->size == 4 ? 4 : 8; break;
        default: want = sizeof(const char *);
        }
        if (t->flags & OPT_OFF)
            want = sizeof(double);
        if (t->size != want)
            t_fail(__FILE__, __LINE__, "%s: field of %zu bytes, want %zu",
                   t->key, t->size, want);
        if (opts_size && t->offset + t->size > opts_size)
            t_fail(__FILE__, __LINE__, "%s: field past the struct", t->key);
        if ((t->type == OPT_ENUM || (t->type == OPT_LIST && t->choices)) &&
            !t->choices)
            t_fail(__FILE__, __LINE__, "%s: no choices", t->key);
        /* the default alone parses */
        const config_opt one[2] = {*t, OPTION_END};
        _Alignas(double) char buf[1024];
        wn_error err;
        if (t->offset + t->size > sizeof buf ||
            config_parse(one, NULL, buf, &err))
            t_fail(__FILE__, __LINE__, "%s: default '%s' refused", t->key,
                   t->def);
    }
}

TEST(options_every_table_consistent)
{
    size_t n;
    const stage_ops *const *all = stage_all(&n);
    for (size_t i = 0; i < n; i++) {
        check_table(all[i]->name, all[i]->opts, all[i]->opts_size);
        /* the defaults of the whole table parse into the stage's struct */
        void *o = calloc(1, all[i]->opts_size);
        wn_error err;
        CHECK_INT(config_parse(all[i]->opts, NULL, o, &err), 0);
        free(o);
    }
    check_table("run", run_option_table(), 0);
    check_table("dedup", dedup_option_table(), 0);
    CHECK_INT(wn_dedup_check_config(NULL, NULL), 0);
}

/* ----------------------------------------- the public entry points */

static int stage_with(const char *stage, const char *key, const char *value,
                      wn_error *err)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, key, value);
    wn_stage *st = NULL;
    int rc = wn_stage_new(stage, c, &st, err);
    wn_stage_free(st);
    wn_config_free(c);
    return rc;
}

TEST(options_stage_new_messages)
{
    wn_error err;
    CHECK_INT(stage_with("extract", "extract.link_density", "abc", &err),
              WN_EINVAL);
    CHECK_STR(err.msg, "extract.link_density: 'abc' is not a number in "
                       "[0, 1]");
    CHECK_INT(stage_with("clean", "clean.nav_words", "4x", &err), WN_EINVAL);
    CHECK_STR(err.msg, "clean.nav_words: '4x' is not an integer >= 0");
    CHECK_INT(stage_with("langid", "langid.languages", "", &err), WN_EINVAL);
    CHECK(strstr(err.msg, "langid.languages") && strstr(err.msg, "all"));
    CHECK_INT(stage_with("langid", "langid.min_score", "nan", &err),
              WN_EINVAL);
    CHECK(strstr(err.msg, "langid.min_score: 'nan'") != NULL);
    CHECK_INT(stage_with("langid", "langid.languages", "all", &err), 0);
    CHECK_INT(stage_with("gopher_quality", "gopher_quality.min_words", "abc",
                         &err), WN_EINVAL);
    CHECK_STR(err.msg, "gopher_quality.min_words: 'abc' is not an integer "
                       ">= 0 (or off)");
    CHECK_INT(stage_with("gopher_quality", "gopher_quality.min_words", "-1",
                         &err), WN_EINVAL);
    CHECK_INT(stage_with("gopher_quality", "gopher_quality.min_words", "off",
                         &err), 0);
    CHECK_INT(stage_with("site_lines", "site_lines.min_pages", "0", &err),
              WN_EINVAL);
    CHECK_INT(stage_with("site_lines", "site_lines.scope", "planet", &err),
              WN_EINVAL);
    CHECK_STR(err.msg, "site_lines.scope: 'planet' is not one of site, "
                       "corpus");
    CHECK_INT(stage_with("normalize", "normalize.nfkc", "maybe", &err),
              WN_EINVAL);
    CHECK_INT(stage_with("pii", "pii.redact", "", &err), 0);
    CHECK_INT(stage_with("fineweb", "fineweb.short_line_length", "-3", &err),
              WN_EINVAL);
    CHECK_INT(stage_with("c4_filter", "c4_filter.min_sentences", "2.5", &err),
              WN_EINVAL);
    CHECK_INT(stage_with("extract", "extract.length_low", "100", &err),
              WN_EINVAL); /* above length_high: a cross-check */
    CHECK(strstr(err.msg, "extract.length_high") != NULL);
    CHECK_INT(stage_with("extract", "extract.length_low", "-1", &err),
              WN_EINVAL);
}

TEST(options_dedup_config)
{
    wn_config *c = wn_config_new();
    wn_error err;
    wn_config_set(c, "dedup.memory", "2X");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    CHECK_STR(err.msg, "dedup.memory: '2X' is not a size (e.g. 512M, 2G, "
                       "1.5GiB)");
    static const char *const sizes[] = {"2GiB", "1.5G", "64MB", "512M", "1T"};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        wn_config_set(c, "dedup.memory", sizes[i]);
        CHECK_INT(wn_dedup_check_config(c, &err), 0);
    }
    wn_config_set(c, "dedup.memory", "1000");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    wn_config_set(c, "dedup.memory", "2G");
    wn_config_set(c, "dedup.ngram", "9");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    CHECK_STR(err.msg, "dedup.ngram: '9' is not an integer in [1, 8]");
    wn_config_set(c, "dedup.ngram", "0");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    wn_config_set(c, "dedup.ngram", "8");
    wn_config_set(c, "dedup.exact", "on");
    wn_config_set(c, "dedup.verify", "1"); /* old spelling of estimate */
    CHECK_INT(wn_dedup_check_config(c, &err), 0);
    wn_config_set(c, "dedup.threshold", "nan");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    wn_config_set(c, "dedup.threshold", "0.9");
    wn_config_set(c, "dedup.seed", "18446744073709551616");
    CHECK_INT(wn_dedup_check_config(c, &err), WN_EINVAL);
    wn_config_set(c, "dedup.seed", "18446744073709551615");
    CHECK_INT(wn_dedup_check_config(c, &err), 0);
    wn_config_free(c);
}

static int run_with(const char *key, const char *value, wn_error *err)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize");
    wn_config_set(c, key, value);
    wn_run *r = NULL;
    memset(err, 0, sizeof *err);
    int rc = wn_run_new(c, &r, err);
    wn_run_free(r);
    wn_config_free(c);
    return rc;
}

TEST(options_run_new_refuses)
{
    static const char *const bad[][2] = {
        {"run.dedup", "nope"},        {"run.examples", "-1"},
        {"run.jobs", "many"},         {"run.jobs", "1025"},
        {"run.shard_size", "0"},      {"run.shard_size", "1.5"},
        {"run.max_record", "64Q"},    {"run.format", "csv"},
        {"run.text_field", ""},       {"run.html", "2"},
        {"run.stages", "normalize,nope"},
        {"dedup.memory", "2X"},
        /* stages the run does not use are checked too */
        {"langid.languages", ""},     {"langid.min_score", "nan"},
        {"extract.link_density", "abc"}, {"clean.nav_words", "4x"},
        {"normalize.nfkc", "nope"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        wn_error err;
        int rc = run_with(bad[i][0], bad[i][1], &err);
        if (rc != WN_EINVAL)
            t_fail(__FILE__, __LINE__, "%s = '%s': %d", bad[i][0], bad[i][1],
                   rc);
        else if (!strstr(err.msg, bad[i][0]) &&
                 !strstr(err.msg, "run.stages"))
            t_fail(__FILE__, __LINE__, "%s: message %s", bad[i][0], err.msg);
    }
    wn_error err;
    CHECK_INT(run_with("run.shard_size", "1.5G", &err), 0);
    CHECK_INT(run_with("run.max_record", "64MiB", &err), 0);
    CHECK_INT(run_with("run.stages", "", &err), 0);
    CHECK_INT(run_with("langid.languages", "en,de", &err), 0);
    CHECK_INT(run_with("run.dedup", "off", &err), 0);
}

TEST(options_load_ini_refuses_unreadable)
{
    wn_config *c = wn_config_new();
    wn_error err;
    const char *dir = t_tmpdir();
    CHECK_INT(wn_config_load_ini(c, dir, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "directory") != NULL);
    char p[512];
    snprintf(p, sizeof p, "%s/no-such.ini", dir);
    CHECK_INT(wn_config_load_ini(c, p, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "no-such.ini") != NULL);
    const char *ini = "[langid]\nmin_score = nan\n";
    const char *path = t_write_file("c.ini", ini, strlen(ini));
    CHECK_INT(wn_config_load_ini(c, path, &err), 0); /* read, not judged */
    wn_run *r = NULL;
    CHECK_INT(wn_run_new(c, &r, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "langid.min_score") != NULL);
    wn_config_free(c);
}

TEST(options_print_config_reads_back)
{
    wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT;
    wn_error err;
    wn_config *c = wn_config_new();
    wn_config_set(c, "langid.languages", "en,de");
    wn_config_set(c, "dedup.memory", "1.5G");
    CHECK_INT(wn_run_print_config(c, &a, &err), 0);
    CHECK(strstr(a.data, "[run]\n; worker threads") == a.data);
    CHECK(strstr(a.data, "; fewest non-symbol words (int, >= 0, or off)\n"
                         "min_words = 50\n") != NULL);
    CHECK(strstr(a.data, "\nlanguages = en,de\n") != NULL);
    const char *path = t_write_file("p.ini", a.data, a.len);
    wn_config *c2 = wn_config_new();
    CHECK_INT(wn_config_load_ini(c2, path, &err), 0);
    CHECK_INT(wn_run_print_config(c2, &b, &err), 0);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    wn_run *r = NULL;
    CHECK_INT(wn_run_new(c2, &r, &err), 0);
    wn_run_free(r);
    /* a value the run would refuse is not printed */
    wn_buf_reset(&b);
    wn_config_set(c2, "clean.nav_words", "4x");
    CHECK_INT(wn_run_print_config(c2, &b, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "clean.nav_words") != NULL);
    wn_config_free(c);
    wn_config_free(c2);
    wn_buf_release(&a);
    wn_buf_release(&b);
}
