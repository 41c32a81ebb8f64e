/*
 * test_filter.c - the quality filters at their bounds: for every rule a
 * document just inside (kept) and one just outside (dropped, with the
 * exact reason).  Each rule is tested alone: the helper switches every
 * other threshold (and switch) of the stage "off", so a document fails for
 * one reason.
 */
#include "t.h"
#include "../../src/filter/tokens.h"

/* Runs stage on text with only rule `keep_on` active (plus the extra
 * key=value pairs); returns 1 keep / 0 drop; the reason goes to why. */
static int run_rule(const char *stage, const char *keep_on, const char *text,
                    size_t n, const char *const *extra, wn_buf *why)
{
    wn_config *cfg = wn_config_new();
    const char *key;
    for (size_t i = 0; wn_stage_option_at(stage, i, &key, NULL, NULL); i++) {
        char what[256];
        if (strstr(key, ".enabled") || (keep_on && !strcmp(key, keep_on)))
            continue;
        /* only bounds and switches take "off" (not short_line_length) */
        wn_option_describe(key, what, sizeof what);
        if (!strcmp(what, "bool") || strstr(what, "or off"))
            wn_config_set(cfg, key, "off");
    }
    for (size_t i = 0; extra && extra[i]; i += 2)
        wn_config_set(cfg, extra[i], extra[i + 1]);
    wn_stage *st;
    wn_error err;
    int rc = wn_stage_new(stage, cfg, &st, &err);
    wn_config_free(cfg);
    if (rc) {
        t_fail(__FILE__, __LINE__, "wn_stage_new(%s): %s", stage, err.msg);
        return -1;
    }
    wn_doc d = WN_DOC_INIT;
    wn_buf_set(&d.text, text, n);
    wn_buf_reset(why);
    rc = wn_stage_process(st, &d, why);
    wn_doc_release(&d);
    wn_stage_free(st);
    return rc;
}

static int run_s(const char *stage, const char *rule, const wn_buf *text,
                 wn_buf *why)
{
    return run_rule(stage, rule, text->data, text->len, NULL, why);
}

static void words(wn_buf *b, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++) {
        wn_buf_puts(b, w);
        wn_buf_putc(b, ' ');
    }
}

#define KEEPS(stage, rule, b)                                                \
    do {                                                                     \
        wn_buf why_ = WN_BUF_INIT;                                           \
        int r_ = run_s(stage, rule, b, &why_);                               \
        if (r_ != 1)                                                         \
            t_fail(__FILE__, __LINE__, "%s dropped: %s", rule,               \
                   why_.data ? why_.data : "");                              \
        wn_buf_release(&why_);                                               \
    } while (0)

#define DROPS(stage, rule, b, expect)                                        \
    do {                                                                     \
        wn_buf why_ = WN_BUF_INIT;                                           \
        int r_ = run_s(stage, rule, b, &why_);                               \
        CHECK_INT(r_, 0);                                                    \
        CHECK_STR(why_.data, expect);                                        \
        wn_buf_release(&why_);                                               \
    } while (0)

/* ------------------------------------------------------- gopher_quality */

TEST(gopher_quality_word_count_bounds)
{
    wn_buf b = WN_BUF_INIT;
    words(&b, 50, "abcd");
    KEEPS("gopher_quality", "gopher_quality.min_words", &b);
    wn_buf_reset(&b);
    words(&b, 49, "abcd");
    words(&b, 3, "--"); /* symbol words do not count */
    DROPS("gopher_quality", "gopher_quality.min_words", &b,
          "gopher_quality:words=49<50");
    wn_buf_reset(&b);
    words(&b, 100000, "ab");
    KEEPS("gopher_quality", "gopher_quality.max_words", &b);
    words(&b, 1, "ab");
    DROPS("gopher_quality", "gopher_quality.max_words", &b,
          "gopher_quality:words=100001>100000");
    wn_buf_release(&b);
}

TEST(gopher_quality_mean_word_length_bounds)
{
    wn_buf b = WN_BUF_INIT;
    words(&b, 10, "abc,"); /* end punctuation is not length */
    KEEPS("gopher_quality", "gopher_quality.min_mean_word_length", &b);
    wn_buf_reset(&b);
    words(&b, 9, "abc");
    words(&b, 1, "ab");
    DROPS("gopher_quality", "gopher_quality.min_mean_word_length", &b,
          "gopher_quality:mean_word_length=2.9<3");
    wn_buf_reset(&b);
    words(&b, 10, "abcdefghij");
    KEEPS("gopher_quality", "gopher_quality.max_mean_word_length", &b);
    wn_buf_reset(&b);
    words(&b, 9, "abcdefghij");
    words(&b, 1, "abcdefghijk");
    DROPS("gopher_quality", "gopher_quality.max_mean_word_length", &b,
          "gopher_quality:mean_word_length=10.1>10");
    /* code points, not bytes: ten 3-letter Cyrillic words have mean 3 */
    wn_buf_reset(&b);
    words(&b, 10, "\xd0\xb4\xd0\xb0\xd0\xb0");
    KEEPS("gopher_quality", "gopher_quality.max_mean_word_length", &b);
    KEEPS("gopher_quality", "gopher_quality.min_mean_word_length", &b);
    wn_buf_release(&b);
}

TEST(gopher_quality_hash_and_ellipsis_ratio_bounds)
{
    wn_buf b = WN_BUF_INIT;
    words(&b, 90, "word");
    words(&b, 10, "#tag");
    KEEPS("gopher_quality", "gopher_quality.max_hash_ratio", &b);
    wn_buf_reset(&b);
    words(&b, 89, "word");
    words(&b, 11, "#tag");
    DROPS("gopher_quality", "gopher_quality.max_hash_ratio", &b,
          "gopher_quality:hash_word_ratio=0.11>0.1");
    wn_buf_reset(&b);
    words(&b, 95, "word");
    words(&b, 5, "so...");
    words(&b, 5, "so\xe2\x80\xa6");
    KEEPS("gopher_quality", "gopher_quality.max_ellipsis_ratio", &b);
    wn_buf_reset(&b);
    words(&b, 89, "word");
    words(&b, 11, "so...");
    DROPS("gopher_quality", "gopher_quality.max_ellipsis_ratio", &b,
          "gopher_quality:ellipsis_word_ratio=0.11>0.1");
    wn_buf_release(&b);
}

static void lines(wn_buf *b, size_t n, const char *l)
{
    for (size_t i = 0; i < n; i++) {
        wn_buf_puts(b, l);
        wn_buf_putc(b, '\n');
    }
}

TEST(gopher_quality_bullet_and_ellipsis_lines_bounds)
{
    wn_buf b = WN_BUF_INIT;
    lines(&b, 85, "  - item");
    lines(&b, 5, "\xe2\x80\xa2 item");
    lines(&b, 10, "plain line");
    lines(&b, 3, ""); /* blank lines do not count */
    KEEPS("gopher_quality", "gopher_quality.max_bullet_lines", &b);
    wn_buf_reset(&b);
    lines(&b, 91, "- item");
    lines(&b, 9, "plain line");
    DROPS("gopher_quality", "gopher_quality.max_bullet_lines", &b,
          "gopher_quality:bullet_line_ratio=0.91>0.9");
    wn_buf_reset(&b);
    lines(&b, 20, "and then...");
    lines(&b, 10, "and then\xe2\x80\xa6  ");
    lines(&b, 70, "plain line.");
    KEEPS("gopher_quality", "gopher_quality.max_ellipsis_lines", &b);
    wn_buf_reset(&b);
    lines(&b, 31, "and then...");
    lines(&b, 69, "plain line.");
    DROPS("gopher_quality", "gopher_quality.max_ellipsis_lines", &b,
          "gopher_quality:ellipsis_line_ratio=0.31>0.3");
    wn_buf_release(&b);
}

TEST(gopher_quality_alpha_and_stop_word_bounds)
{
    wn_buf b = WN_BUF_INIT;
    words(&b, 80, "w1");
    words(&b, 20, "2024");
    KEEPS("gopher_quality", "gopher_quality.min_alpha_words", &b);
    wn_buf_reset(&b);
    words(&b, 79, "\xc3\xa9t\xc3\xa9"); /* non-ASCII letters are letters */
    words(&b, 21, "12.5");
    DROPS("gopher_quality", "gopher_quality.min_alpha_words", &b,
          "gopher_quality:alpha_word_ratio=0.79<0.8");
    wn_buf_reset(&b);
    wn_buf_puts(&b, "The cat sat, with a hat.");
    KEEPS("gopher_quality", "gopher_quality.min_stop_words", &b);
    wn_buf_reset(&b);
    wn_buf_puts(&b, "The cat sat there, thenceforth other words.");
    DROPS("gopher_quality", "gopher_quality.min_stop_words", &b,
          "gopher_quality:stop_words=1<2");
    wn_buf_release(&b);
}

TEST(gopher_quality_default_on_real_prose)
{
    /* all rules on, default thresholds: a normal paragraph is kept */
    wn_buf b = WN_BUF_INIT;
    for (int i = 0; i < 6; i++)
        wn_buf_puts(&b, "The committee said on Tuesday that it would review "
                        "the plan with care, and that members have time. ");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("gopher_quality", NULL, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_set(&d.text, b.data, b.len);
    wn_buf why = WN_BUF_INIT;
    CHECK_INT(wn_stage_process(st, &d, &why), 1);
    wn_buf_set(&d.text, "too short", 9);
    CHECK_INT(wn_stage_process(st, &d, &why), 0);
    CHECK_STR(why.data, "gopher_quality:words=2<50");
    wn_stage_free(st);
    wn_doc_release(&d);
    wn_buf_release(&why);
    wn_buf_release(&b);
}

TEST(filter_options_are_checked)
{
    wn_config *cfg = wn_config_new();
    wn_stage *st;
    wn_error err;
    wn_config_set(cfg, "gopher_quality.min_words", "fifty");
    CHECK_INT(wn_stage_new("gopher_quality", cfg, &st, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "min_words") != NULL);
    wn_config_set(cfg, "gopher_quality.min_words", "50");
    wn_config_set(cfg, "gopher_quality.min_wrods", "50");
    CHECK_INT(wn_stage_new("gopher_quality", cfg, &st, &err), WN_EINVAL);
    wn_config_free(cfg);
    /* enabled=0 keeps everything */
    cfg = wn_config_new();
    wn_config_set(cfg, "fineweb.enabled", "0");
    CHECK_INT(wn_stage_new("fineweb", cfg, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_stage_process(st, &d, NULL), 1);
    wn_stage_free(st);
    wn_config_free(cfg);
    wn_doc_release(&d);
}

/* ---------------------------------------------------- gopher_repetition */

/* P \n\n P \n\n F: two equal paragraphs of 20 code points, F of f. */
TEST(gopher_repetition_paragraph_and_line_bounds)
{
    wn_buf b = WN_BUF_INIT, p = WN_BUF_INIT;
    const char *para = "twenty chars here!!!"; /* 20 */
    /* count fraction: 10 paragraphs, 3 repeats -> 0.3 kept, 4 -> dropped */
    for (int i = 0; i < 7; i++)
        wn_buf_printf(&b, "unique paragraph %d\n\n", i);
    for (int i = 0; i < 3; i++)
        wn_buf_printf(&b, "unique paragraph 0\n\n");
    KEEPS("gopher_repetition", "gopher_repetition.max_dup_para_frac", &b);
    wn_buf_reset(&b);
    for (int i = 0; i < 6; i++)
        wn_buf_printf(&b, "unique paragraph %d\n\n", i);
    for (int i = 0; i < 4; i++)
        wn_buf_printf(&b, "unique paragraph 1\n\n");
    DROPS("gopher_repetition", "gopher_repetition.max_dup_para_frac", &b,
          "gopher_repetition:dup_para_frac=0.4>0.3");
    /* character fraction: 20 / 100 kept, 20 / 99 dropped */
    wn_buf_reset(&b);
    wn_buf_printf(&b, "%s\n\n%s\n\n", para, para);
    for (int i = 0; i < 56; i++)
        wn_buf_putc(&b, 'z');
    KEEPS("gopher_repetition", "gopher_repetition.max_dup_para_char_frac",
          &b);
    b.len--;
    DROPS("gopher_repetition", "gopher_repetition.max_dup_para_char_frac",
          &b, "gopher_repetition:dup_para_char_frac=0.202>0.2");
    /* lines: 10 lines, 3 repeats kept; 4 dropped */
    wn_buf_reset(&b);
    for (int i = 0; i < 7; i++)
        wn_buf_printf(&b, "line %d\n", i);
    lines(&b, 3, "line 0");
    KEEPS("gopher_repetition", "gopher_repetition.max_dup_line_frac", &b);
    wn_buf_reset(&b);
    for (int i = 0; i < 6; i++)
        wn_buf_printf(&b, "line %d\n", i);
    lines(&b, 4, "line 0");
    DROPS("gopher_repetition", "gopher_repetition.max_dup_line_frac", &b,
          "gopher_repetition:dup_line_frac=0.4>0.3");
    wn_buf_reset(&b);
    wn_buf_printf(&b, "%s\n%s\n", para, para);
    for (int i = 0; i < 58; i++)
        wn_buf_putc(&b, 'z');
    KEEPS("gopher_repetition", "gopher_repetition.max_dup_line_char_frac",
          &b);
    b.len--;
    DROPS("gopher_repetition", "gopher_repetition.max_dup_line_char_frac",
          &b, "gopher_repetition:dup_line_char_frac=0.202>0.2");
    wn_buf_release(&b);
    wn_buf_release(&p);
}

/* "w1 .. wk " repeated `reps` times, then padding to `total` code points. */
static void rep_text(wn_buf *b, const char *gram, int reps, size_t total)
{
    wn_buf_reset(b);
    for (int i = 0; i < reps; i++) {
        wn_buf_puts(b, gram);
        wn_buf_putc(b, ' ');
    }
    while (b->len < total)
        wn_buf_putc(b, 'z');
}

TEST(gopher_repetition_top_ngram_bounds)
{
    static const struct {
        const char *rule, *gram, *reason;
        int reps;
        size_t total;
    } c[] = {
        {"gopher_repetition.max_top_2gram", "aa bb",
         "gopher_repetition:top_2gram_char_frac=0.202>0.2", 4, 100},
        {"gopher_repetition.max_top_3gram", "aa bb cc",
         "gopher_repetition:top_3gram_char_frac=0.1805>0.18", 9, 400},
        {"gopher_repetition.max_top_4gram", "aa bb cc dd",
         "gopher_repetition:top_4gram_char_frac=0.1601>0.16", 16, 1100},
    };
    wn_buf b = WN_BUF_INIT;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        rep_text(&b, c[i].gram, c[i].reps, c[i].total);
        KEEPS("gopher_repetition", c[i].rule, &b);
        b.len--;
        DROPS("gopher_repetition", c[i].rule, &b, c[i].reason);
    }
    wn_buf_release(&b);
}

TEST(gopher_repetition_duplicate_ngram_bounds)
{
    /* a k-gram of C = 15-(k-5) letters, twice, in 100 code points gives
     * C/100, the bound exactly; 99 code points is just over it */
    static const char *const grams[] = {
        "aaa bbb ccc ddd eee",           "aaa bbb cc dd ee ff",
        "aa bb cc dd ee ff g",           "aa bb cc dd e f g h",
        "aa bb c d e f g h i",           "a b c d e f g h i j"};
    wn_buf b = WN_BUF_INIT;
    for (int k = 5; k <= 10; k++) {
        char rule[64], reason[96];
        snprintf(rule, sizeof rule, "gopher_repetition.max_dup_%dgram", k);
        int chars = 15 - (k - 5);
        snprintf(reason, sizeof reason,
                 "gopher_repetition:dup_%dgram_char_frac=%.4g>%g", k,
                 chars / 99.0, chars / 100.0);
        rep_text(&b, grams[k - 5], 2, 100);
        KEEPS("gopher_repetition", rule, &b);
        b.len--;
        DROPS("gopher_repetition", rule, &b, reason);
    }
    /* overlapping repeats count once: "a a a a a a" has one 5-gram
     * repeated at index 1, then the scan jumps past it */
    wn_buf_reset(&b);
    words(&b, 7, "a"); /* 14 code points; repeat = 5 chars */
    wn_buf why = WN_BUF_INIT;
    const char *extra[] = {"gopher_repetition.max_dup_5gram", "0.3", NULL};
    CHECK_INT(run_rule("gopher_repetition",
                       "gopher_repetition.max_dup_5gram", b.data, b.len,
                       extra, &why),
              0);
    CHECK_STR(why.data, "gopher_repetition:dup_5gram_char_frac=0.3571>0.3");
    wn_buf_release(&why);
    wn_buf_release(&b);
}

/* -------------------------------------------------------------- c4 */

size_t c4_count_sentences(const char *text, size_t n, size_t enough);

TEST(c4_sentence_counting)
{
    static const struct {
        const char *s;
        size_t n;
    } c[] = {
        {"", 0},
        {"One. Two! Three? Four", 4},
        {"Version 1.2.3 is out. Really...", 2},
        {"He said \"stop.\" Then left.", 2},
        {"\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82\xe5\x86\x8d\xe8\xa7\x81\xe3\x80"
         "\x82",
         2},
        {"...", 0},
    };
    for (size_t i = 0; i < sizeof c / sizeof *c; i++)
        CHECK_INT(c4_count_sentences(c[i].s, strlen(c[i].s), 100), c[i].n);
    CHECK_INT(c4_count_sentences("A. B. C. D.", 11, 2), 2); /* stops early */
}

TEST(c4_filter_bounds)
{
    wn_buf b = WN_BUF_INIT;
    wn_buf_puts(&b, "One. Two. Three. Four. Five.");
    KEEPS("c4_filter", "c4_filter.min_sentences", &b);
    wn_buf_set(&b, "One. Two. Three. Four.", 22);
    DROPS("c4_filter", "c4_filter.min_sentences", &b,
          "c4_filter:sentences=4<5");
    wn_buf_puts(&b, " Lorem Ipsum dolor.");
    KEEPS("c4_filter", "c4_filter.min_sentences", &b); /* 5, lorem off */
    DROPS("c4_filter", "c4_filter.lorem_ipsum", &b,
          "c4_filter:lorem_ipsum=1>0");
    /* every alignment and case of the pattern is found */
    for (int shift = 0; shift < 12; shift++) {
        wn_buf_reset(&b);
        for (int i = 0; i < shift; i++)
            wn_buf_putc(&b, 'x');
        wn_buf_puts(&b, shift % 2 ? "LoReM iPsUm" : "lorem ipsum");
        DROPS("c4_filter", "c4_filter.lorem_ipsum", &b,
              "c4_filter:lorem_ipsum=1>0");
        b.len--;
        KEEPS("c4_filter", "c4_filter.lorem_ipsum", &b);
    }
    wn_buf_set(&b, "function f() { return 1; }", 26);
    DROPS("c4_filter", "c4_filter.curly_bracket", &b,
          "c4_filter:curly_brackets=1>0");
    wn_buf_set(&b, "no brackets (here) [or] here", 28);
    KEEPS("c4_filter", "c4_filter.curly_bracket", &b);
    wn_buf_release(&b);
}

/* ---------------------------------------------------------- fineweb */

TEST(fineweb_line_punct_bounds)
{
    wn_buf b = WN_BUF_INIT;
    lines(&b, 13, "a line that ends well.  ");
    lines(&b, 87, "a line that does not end");
    KEEPS("fineweb", "fineweb.min_line_punct_ratio", &b);
    wn_buf_reset(&b);
    lines(&b, 11, "a line that ends well.");
    lines(&b, 1, "\xe4\xbd\xa0\xe5\xa5\xbd\xe3\x80\x82"); /* CJK full stop */
    lines(&b, 88, "a line that does not end");
    DROPS("fineweb", "fineweb.min_line_punct_ratio", &b,
          "fineweb:line_punct_ratio=0.12<=0.12");
    wn_buf_reset(&b);
    lines(&b, 10, "no punctuation anywhere");
    DROPS("fineweb", "fineweb.min_line_punct_ratio", &b,
          "fineweb:line_punct_ratio=0<=0.12");
    wn_buf why = WN_BUF_INIT;
    const char *ez[] = {"fineweb.line_punct_exclude_zero", "1", NULL};
    CHECK_INT(run_rule("fineweb", "fineweb.min_line_punct_ratio", b.data,
                       b.len, ez, &why),
              1);
    wn_buf_release(&why);
    wn_buf_release(&b);
}

TEST(fineweb_short_line_bounds)
{
    wn_buf b = WN_BUF_INIT;
    const char *l30 = "exactly thirty characters here"; /* 30: short */
    const char *l31 = "exactly thirty-one characters!!";  /* 31: long */
    CHECK_INT(strlen(l30), 30);
    CHECK_INT(strlen(l31), 31);
    lines(&b, 66, l30);
    lines(&b, 34, l31);
    KEEPS("fineweb", "fineweb.max_short_line_ratio", &b);
    wn_buf_reset(&b);
    lines(&b, 67, l30);
    lines(&b, 33, l31);
    DROPS("fineweb", "fineweb.max_short_line_ratio", &b,
          "fineweb:short_line_ratio=0.67>=0.67");
    wn_buf_release(&b);
}

TEST(fineweb_dup_line_chars_bounds)
{
    /* one repeated line of 10 characters in 1000 (newlines not counted):
     * 0.01 is dropped (>=), 1001 kept; with the paper's 0.1 both kept */
    wn_buf b = WN_BUF_INIT;
    lines(&b, 2, "0123456789");
    for (int i = 0; i < 980; i++)
        wn_buf_putc(&b, 'x');
    DROPS("fineweb", "fineweb.max_dup_line_char_frac", &b,
          "fineweb:dup_line_char_frac=0.01>=0.01");
    wn_buf_putc(&b, 'x');
    KEEPS("fineweb", "fineweb.max_dup_line_char_frac", &b);
    wn_buf why = WN_BUF_INIT;
    b.len--;
    const char *paper[] = {"fineweb.max_dup_line_char_frac", "0.1", NULL};
    CHECK_INT(run_rule("fineweb", "fineweb.max_dup_line_char_frac", b.data,
                       b.len, paper, &why),
              1);
    wn_buf_release(&why);
    wn_buf_release(&b);
}

TEST(fineweb_newline_ratio_bounds)
{
    wn_buf b = WN_BUF_INIT;
    wn_buf_puts(&b, "a b c\nd e f\ng h i\nj");
    KEEPS("fineweb", "fineweb.max_newline_word_ratio", &b);
    wn_buf_puts(&b, "\n");
    DROPS("fineweb", "fineweb.max_newline_word_ratio", &b,
          "fineweb:newline_word_ratio=0.4>0.3");
    wn_buf_set(&b, " \n \n", 4);
    DROPS("fineweb", "fineweb.max_newline_word_ratio", &b,
          "fineweb:lines=0<1");
    wn_buf_release(&b);
}

/* ---------------------------------------------------------- tokens */

TEST(tokens_shared_and_invalidated)
{
    const char *s = "Hello world.\r\n\n  \nSecond  para\xc2\xa0here\nend";
    const ftok_doc *t = ftok_get(s, strlen(s));
    CHECK(t != NULL);
    CHECK_INT(t->nwords, 6);
    CHECK_INT(t->nlines, 5);
    CHECK_INT(t->nblank, 2);
    CHECK_INT(t->nparas, 2);
    CHECK_INT(t->lines[0].len, 12); /* \r removed */
    CHECK_INT(t->paras[1].cps, 21);
    CHECK(ftok_get(s, strlen(s)) == t);
    char copy[64];
    strcpy(copy, s);
    const ftok_doc *u = ftok_get(copy, strlen(copy));
    CHECK(u->text == copy);
    copy[0] = 'J'; /* same address and length, other text: recomputed */
    u = ftok_get(copy, strlen(copy));
    CHECK(u->text == copy && u->words[0].hash != 0);
    ftok_doc own;
    CHECK_INT(ftok_build(&own, copy, strlen(copy)), 0);
    CHECK(own.words[0].hash == u->words[0].hash);
    ftok_release(&own);
}

/* The tokeniser's 8-bytes-at-a-time word scan against a byte-by-byte
 * reference, on random ASCII text rich in boundaries and classes. */
TEST(tokens_swar_matches_bytewise)
{
    static const char alphabet[] = "aZ09 \n\t.,-#@\x01\x1f~{";
    unsigned seed = 12345;
    char text[600];
    memset(text, 'a', sizeof text);
    for (int round = 0; round < 300; round++) {
        size_t n = (size_t)(round * 2 % 600);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = (seed >> 16) % 64;
            /* long runs of one class, then a boundary */
            text[i] = r < 40 ? alphabet[(seed >> 8) % 4]
                             : alphabet[r % (sizeof alphabet - 1)];
        }
        const ftok_doc *t = ftok_get(text, n);
        size_t w = 0, i = 0;
        int ok = t != NULL;
        while (ok && i < n) {
            unsigned char c = (unsigned char)text[i];
            if (c == ' ' || c == '\n' || c == '\t') {
                i++;
                continue;
            }
            size_t b = i;
            uint32_t f = 0;
            while (i < n && text[i] != ' ' && text[i] != '\n' &&
                   text[i] != '\t') {
                unsigned char d = (unsigned char)text[i++];
                if ((d | 0x20) >= 'a' && (d | 0x20) <= 'z')
                    f |= FTOK_ALPHA | FTOK_ALNUM;
                else if (d >= '0' && d <= '9')
                    f |= FTOK_ALNUM;
            }
            ok = w < t->nwords && t->words[w].off == b &&
                 t->words[w].len == i - b &&
                 (t->words[w].flags & (FTOK_ALPHA | FTOK_ALNUM)) == f &&
                 t->words[w].cps == i - b;
            w++;
        }
        if (!ok || w != t->nwords) {
            t_fail(__FILE__, __LINE__, "round %d: word %zu differs", round,
                   w);
            break;
        }
    }
}

/* ------------------------------------------- repetition vs a reference */

/* The n-gram measures of gopher_repetition against a plain, quadratic
 * reference of datatrove's definitions (n-grams compared as word
 * sequences), on random texts over small vocabularies so that n-grams
 * repeat a lot.  Each rule runs alone with bound 0, so its reason carries
 * the measured value. */
static double ref_top(char **w, size_t nw, size_t k, size_t total)
{
    size_t best = 0, at = 0;
    for (size_t i = 0; i + k <= nw; i++) {
        size_t c = 0;
        for (size_t j = 0; j + k <= nw; j++) {
            size_t q = 0;
            while (q < k && !strcmp(w[i + q], w[j + q]))
                q++;
            c += q == k;
        }
        if (c > best) { /* earliest wins ties: i ascends */
            best = c;
            at = i;
        }
    }
    if (nw < k)
        return 0;
    size_t len = k - 1;
    for (size_t q = 0; q < k; q++)
        len += strlen(w[at + q]);
    return (double)(len * best) / (double)total;
}

static double ref_dup(char **w, size_t nw, size_t k, size_t total)
{
    size_t rep = 0, i = 0, nseen = 0;
    size_t *seen = malloc((nw + 1) * sizeof *seen);
    while (i + k <= nw) {
        int dup = 0;
        for (size_t s = 0; s < nseen && !dup; s++) {
            size_t q = 0;
            while (q < k && !strcmp(w[seen[s] + q], w[i + q]))
                q++;
            dup = q == k;
        }
        if (dup) {
            for (size_t q = 0; q < k; q++)
                rep += strlen(w[i + q]);
            i += k;
        } else {
            seen[nseen++] = i++;
        }
    }
    free(seen);
    return (double)rep / (double)total;
}

static void fmt_value(char *out, size_t n, double x)
{
    if (x == (double)(long long)x)
        snprintf(out, n, "%.0f", x);
    else
        snprintf(out, n, "%.4g", x);
}

TEST(gopher_repetition_matches_reference)
{
    static const char *vocab[] = {"a", "bb", "ccc", "dd", "e", "ffff", "g"};
    unsigned seed = 7;
    char *w[200];
    for (int round = 0; round < 60; round++) {
        size_t nw = 5 + (size_t)(round * 3 % 150), vs = 2 + round % 6;
        wn_buf text = WN_BUF_INIT;
        for (size_t i = 0; i < nw; i++) {
            seed = seed * 1103515245u + 12345u;
            w[i] = (char *)vocab[(seed >> 16) % vs];
            if (i)
                wn_buf_putc(&text, (seed >> 8) % 9 ? ' ' : '\n');
            wn_buf_puts(&text, w[i]);
        }
        for (size_t k = 2; k <= 10; k++) {
            char rule[64], expect[128], v[32];
            double x;
            if (k <= 4) {
                snprintf(rule, sizeof rule, "gopher_repetition.max_top_%zugram",
                         k);
                x = ref_top(w, nw, k, text.len);
                fmt_value(v, sizeof v, x);
                snprintf(expect, sizeof expect,
                         "gopher_repetition:top_%zugram_char_frac=%s>0", k, v);
            } else {
                snprintf(rule, sizeof rule, "gopher_repetition.max_dup_%zugram",
                         k);
                x = ref_dup(w, nw, k, text.len);
                fmt_value(v, sizeof v, x);
                snprintf(expect, sizeof expect,
                         "gopher_repetition:dup_%zugram_char_frac=%s>0", k, v);
            }
            const char *extra[] = {rule, "0", NULL};
            wn_buf why = WN_BUF_INIT;
            int r = run_rule("gopher_repetition", rule, text.data, text.len,
                             extra, &why);
            if (x > 0 ? (r != 0 || strcmp(why.data, expect)) : r != 1)
                t_fail(__FILE__, __LINE__, "round %d, %s: got %s (%d), want %s",
                       round, rule, why.data ? why.data : "keep", r,
                       x > 0 ? expect : "keep");
            wn_buf_release(&why);
        }
        wn_buf_release(&text);
    }
}
