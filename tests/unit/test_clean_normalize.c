/*
 * test_clean_normalize.c - the normalize stage: NFC (with its fast path
 * for lines that cannot change), whitespace, control characters, and the
 * optional NFKC and quote folding.
 */
#include "t.h"

static const char *norm(const char *in, const char *key, const char *val)
{
    static wn_doc d = WN_DOC_INIT;
    wn_config *c = wn_config_new();
    if (key)
        wn_config_set(c, key, val);
    wn_stage *st;
    wn_error err;
    if (wn_stage_new("normalize", c, &st, &err)) {
        wn_config_free(c);
        return NULL;
    }
    wn_config_free(c);
    wn_doc_reset(&d);
    wn_buf_puts(&d.text, in);
    int rc = wn_stage_process(st, &d, NULL);
    wn_stage_free(st);
    return rc == 1 ? d.text.data : "(dropped)";
}

TEST(normalize_nfc)
{
    /* e + COMBINING ACUTE -> U+00E9 */
    CHECK_STR(norm("Cafe\xcc\x81 au lait\n", NULL, NULL),
              "Caf\xc3\xa9 au lait\n");
    /* ANGSTROM SIGN (a singleton) -> U+00C5 */
    CHECK_STR(norm("\xe2\x84\xab\n", NULL, NULL), "\xc3\x85\n");
    /* Tamil O written as two vowel signs (U+0B95 U+0BC6 U+0BBE) composes
     * to U+0BCA: the second sign is a spacing mark of class 0 */
    CHECK_STR(norm("\xe0\xae\x95\xe0\xaf\x86\xe0\xae\xbe\n", NULL, NULL),
              "\xe0\xae\x95\xe0\xaf\x8a\n");
    /* Hangul L + V jamo -> syllable */
    CHECK_STR(norm("\xe1\x84\x80\xe1\x85\xa1\n", NULL, NULL),
              "\xea\xb0\x80\n");
    /* already NFC: Cyrillic, CJK, precomposed Latin pass unchanged */
    const char *same = "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
                       "\xe6\x97\xa5\xe6\x9c\xac \xc3\xa9t\xc3\xa9\n";
    CHECK_STR(norm(same, NULL, NULL), same);
    /* compatibility forms stay unless NFKC is asked for */
    CHECK_STR(norm("\xef\xac\x81ne\n", NULL, NULL), "\xef\xac\x81ne\n");
    CHECK_STR(norm("\xef\xac\x81ne\n", "normalize.nfkc", "1"), "fine\n");
}

TEST(normalize_whitespace_and_controls)
{
    CHECK_STR(norm("  a \t b\xc2\xa0\xc2\xa0 c  \r\n\r\n\r\n\n d\x01" "e\x7f\n",
                   NULL, NULL),
              "a b c\n\nde\n");
    /* zero-width space, BOM and soft hyphen go; ZWJ stays */
    CHECK_STR(norm("\xef\xbb\xbfin\xc2\xad" "credible\xe2\x80\x8b x\xe2\x80\x8dy\n",
                   NULL, NULL),
              "incredible x\xe2\x80\x8dy\n");
    /* U+2028 ends a line; C1 NEL too */
    CHECK_STR(norm("a\xe2\x80\xa8" "b\xc2\x85" "c", NULL, NULL), "a\nb\nc\n");
    /* nothing left: dropped with a reason */
    CHECK_STR(norm(" \t\r\n\xe2\x80\x8b\n", NULL, NULL), "(dropped)");
}

/* The squeezed form of an ASCII text made of letters, spaces, tabs, \x01
 * and newlines, by the rules alone: controls go, a run of blanks is one
 * space inside a line and nothing at its ends, blank lines collapse to
 * one, a newline ends the text. */
static void squeezed(const char *in, char *out)
{
    size_t k = 0;
    int blanks = 0, breaks = 0;
    for (const char *p = in; *p; p++) {
        if (*p == '\x01')
            continue;
        if (*p == ' ' || *p == '\t') {
            blanks = 1;
            continue;
        }
        if (*p == '\n') {
            breaks++;
            blanks = 0;
            continue;
        }
        if (k && breaks)
            out[k++] = '\n';
        if (k && breaks > 1)
            out[k++] = '\n';
        else if (k && !breaks && blanks)
            out[k++] = ' ';
        breaks = blanks = 0;
        out[k++] = *p;
    }
    if (k)
        out[k++] = '\n';
    out[k] = 0;
}

TEST(normalize_squeeze_at_every_offset)
{
    /* squeeze copies plain runs eight bytes at a time: put each kind of
     * byte it must stop at (two spaces, a tab, a control, a line end
     * after a space, a space last) at every offset of a word */
    static const char *const what[] = {"  ", "\t", "\x01", " \n", "\n\n\n",
                                       " ", "   x"};
    char in[96], want[96];
    for (size_t w = 0; w < sizeof what / sizeof *what; w++)
        for (int at = 0; at < 20; at++) {
            int n = snprintf(in, sizeof in, "go %.*s%s%s", at,
                             "abcdefghijklmnopqrstuvwxyz", what[w],
                             "tail of the line is here");
            CHECK(n > 0 && (size_t)n < sizeof in);
            squeezed(in, want);
            CHECK_STR(norm(in, NULL, NULL), want);
        }
}

TEST(normalize_fold_quotes)
{
    const char *in = "\xe2\x80\x9cHi,\xe2\x80\x9d she said, "
                     "\xe2\x80\x98it\xe2\x80\x99s late.\xe2\x80\x99\n";
    CHECK_STR(norm(in, NULL, NULL), in);
    CHECK_STR(norm(in, "normalize.fold_quotes", "1"),
              "\"Hi,\" she said, 'it's late.'\n");
}

static void count_debris(void *ctx, const char *line, size_t n,
                         const char *rule)
{
    (void)line, (void)n;
    int *c = ctx;
    c[rule != NULL]++;
}

TEST(normalize_debris_lines)
{
    /* lines of only mis-decoded debris (Â, U+0095, Ã, â€, U+FFFD) or of
     * only removed invisibles go; the same characters inside a line of
     * words stay, and a paragraph break around a removed line is kept */
    const char *in = "First.\n\xc3\x82\n\xc2\x95\nSecond \xc3\x82 ok.\n"
                     "\xc3\x82\xc2\xa0\xc3\x83\n\n\xe2\x80\x8b\n"
                     "\xc3\xa2\xe2\x82\xac\xe2\x84\xa2 \xef\xbf\xbd\nLast.";
    CHECK_STR(norm(in, NULL, NULL), "First.\nSecond \xc3\x82 ok.\n\nLast.\n");
    CHECK_STR(norm("\xc3\x82\nA\n\xc3\x82", NULL, NULL), "A\n");
    CHECK_STR(norm("\xc3\x82\n", NULL, NULL), "(dropped)");
    /* wn_clean_lines reports the same lines on the raw text, and the
     * counter counts what process removed */
    wn_stage *st;
    wn_error err;
    CHECK(wn_stage_new("normalize", NULL, &st, &err) == 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, in);
    int c[2] = {0, 0};
    CHECK(wn_clean_lines(st, &d, NULL, count_debris, c) == 1);
    CHECK(c[0] == 3 && c[1] == 5);
    CHECK(wn_stage_process(st, &d, NULL) == 1);
    const char *name;
    uint64_t drops;
    CHECK(wn_clean_rule_at(st, 0, &name, &drops) == 1);
    CHECK_STR(name, "debris_line");
    CHECK(drops == 5);
    wn_doc_release(&d);
    wn_stage_free(st);
}
