/*
 * test_multilingual.c - the quality filters on real text in 38 languages
 * (the Universal Declaration of Human Rights, ../shared/data/langid/udhr):
 * each language's clean text passes gopher_repetition, gopher_quality,
 * c4_filter and fineweb under its own settings (the language table), and
 * the same text cut to its first 20 words, repeated ten times, or
 * shuffled into word salad is rejected.  Words are winnow's own
 * (tokens.c: ICU for unspaced scripts), so "20 words" of Thai are 20 Thai
 * words.  WN_MULTI_TABLE=1 prints each verdict (docs/filters.md's table).
 */
#include "t.h"
#include "../../src/filter/tokens.h"

static const char *const filters[] = {"gopher_repetition", "gopher_quality",
                                      "c4_filter", "fineweb"};
#define NF (sizeof filters / sizeof *filters)

/* UDHR in Unicode code -> langid's code; salad: 1 when a rule is
 * expected to catch the shuffled text (see docs/filters.md: where
 * FineWeb-2's line-punctuation bound is 0 or near it, nothing does). */
static const struct {
    const char *udhr, *lang;
    int salad;
} langs[] = {
    {"eng", "en", 1},      {"cmn_hans", "zh", 1}, {"jpn", "ja", 1},
    {"tha", "th", 0},      {"arb", "ar", 1},      {"rus", "ru", 1},
    {"deu_1996", "de", 0}, {"spa", "es", 1},      {"fra", "fr", 1},
    {"ita", "it", 0},      {"por_PT", "pt", 1},   {"nld", "nl", 1},
    {"pol", "pl", 1},      {"vie", "vi", 1},      {"tur", "tr", 1},
    {"ind", "id", 1},      {"kor", "ko", 1},      {"ces", "cs", 1},
    {"swe", "sv", 1},      {"ukr", "uk", 1},      {"hun", "hu", 0},
    {"ell_monotonic", "el", 1}, {"ron_2006", "ro", 1}, {"dan", "da", 1},
    {"fin", "fi", 1},      {"bul", "bg", 1},      {"slk", "sk", 0},
    {"heb", "iw", 1},      {"nob", "no", 1},      {"hin", "hi", 1},
    {"cat", "ca", 1},      {"lit", "lt", 1},      {"hrv", "hr", 1},
    {"slv", "sl", 0},      {"ben", "bn", 1},      {"khm", "km", 1},
    {"lao", "lo", 0},      {"mya", "my", 0},
};
#define NL (sizeof langs / sizeof *langs)

/* 1 kept, 0 dropped (reason in why), -1 error. */
static int judge(wn_stage *const *st, const char *lang, const char *text,
                 size_t n, wn_buf *why)
{
    wn_doc d = WN_DOC_INIT;
    int v = 1;
    if (wn_buf_append(&d.text, text, n) ||
        wn_doc_meta_set_str(&d, "language", lang, strlen(lang)))
        v = -1;
    wn_buf_reset(why);
    for (size_t i = 0; i < NF && v == 1; i++)
        v = wn_stage_process(st[i], &d, why);
    wn_doc_release(&d);
    return v;
}

static uint64_t rnd_state = 16;
static uint64_t rnd(void)
{
    rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return rnd_state >> 33;
}

/* The variants of text, words cut by winnow's own segmenter. */
enum { V_CLEAN, V_TRUNC, V_REPEAT, V_SALAD, NV };
static const char *const vname[NV] = {"clean", "first 20 words",
                                      "repeated 10x", "word salad"};

static int variant(int v, const char *lang, const char *text, size_t n,
                   wn_buf *out)
{
    wn_buf_reset(out);
    if (v == V_CLEAN)
        return wn_buf_append(out, text, n);
    if (v == V_REPEAT) {
        for (int k = 0; k < 10; k++)
            if (wn_buf_append(out, text, n) || wn_buf_putc(out, '\n'))
                return WN_ENOMEM;
        return 0;
    }
    ftok_doc t;
    if (ftok_build_lang(&t, text, n, lang))
        return WN_ENOMEM;
    int rc = 0;
    if (v == V_TRUNC) { /* as written: the bytes up to the 21st word */
        size_t k = t.nwords > 20 ? 20 : t.nwords;
        rc = wn_buf_append(out, text, t.words[k - 1].off + t.words[k - 1].len);
    } else { /* every word moved, each line keeping its word count */
        size_t *order = malloc(t.nwords * sizeof *order);
        for (size_t i = 0; order && i < t.nwords; i++)
            order[i] = i;
        for (size_t i = t.nwords; order && i > 1; i--) {
            size_t j = rnd() % i, x = order[i - 1];
            order[i - 1] = order[j];
            order[j] = x;
        }
        size_t w = 0;
        for (size_t l = 0; order && l < t.nlines && !rc; l++) {
            const ftok_span *ln = &t.lines[l];
            int first = 1;
            while (w < t.nwords && t.words[w].off < ln->off + ln->len) {
                const ftok_word *x = &t.words[order[w++]];
                /* spaced scripts get spaces between words, unspaced
                 * ones are written without */
                if (!first && wn_buf_putc(out, ' '))
                    rc = WN_ENOMEM;
                first = 0;
                if (wn_buf_append(out, text + x->off, x->len))
                    rc = WN_ENOMEM;
            }
            if (wn_buf_putc(out, '\n'))
                rc = WN_ENOMEM;
        }
        if (!order)
            rc = WN_ENOMEM;
        free(order);
    }
    ftok_release(&t);
    return rc;
}

TEST(multilingual_filters_on_udhr)
{
    const char *path = t_data("langid/udhr/udhr-532.jsonl.gz");
    if (!path)
        return;
    wn_stage *st[NF];
    wn_error err;
    for (size_t i = 0; i < NF; i++)
        CHECK_INT(wn_stage_new(filters[i], NULL, &st[i], &err), 0);
    wn_reader_opts o = WN_READER_OPTS_INIT;
    wn_reader *r;
    CHECK_INT(wn_reader_open(path, &o, &r, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf why = WN_BUF_INIT, text = WN_BUF_INIT;
    int found = 0, verbose = getenv("WN_MULTI_TABLE") != NULL;
    while (wn_reader_next(r, &d, &err) == WN_DOC) {
        const char *c;
        size_t cn;
        if (!wn_doc_meta_get(&d, "code", &c, &cn) || cn < 2)
            continue;
        size_t k = 0;
        while (k < NL && (strlen(langs[k].udhr) != cn - 2 ||
                          memcmp(langs[k].udhr, c + 1, cn - 2)))
            k++;
        if (k == NL)
            continue;
        found++;
        for (int v = 0; v < NV; v++) {
            CHECK_INT(variant(v, langs[k].lang, d.text.data, d.text.len,
                              &text), 0);
            int got = judge(st, langs[k].lang, text.data, text.len, &why);
            int want = v == V_CLEAN ? 1 : v == V_SALAD && !langs[k].salad;
            if (verbose)
                printf("%s\t%s\t%s\t%s\n", langs[k].lang, vname[v],
                       got ? "kept" : "rejected", got ? "" : why.data);
            if (got != want)
                t_fail(__FILE__, __LINE__, "%s (%s), %s: %s (%s)",
                       langs[k].udhr, langs[k].lang, vname[v],
                       got ? "kept" : "rejected", got ? "" : why.data);
        }
    }
    CHECK_INT(found, (long)NL);
    wn_reader_close(r);
    wn_doc_release(&d);
    wn_buf_release(&why);
    wn_buf_release(&text);
    for (size_t i = 0; i < NF; i++)
        wn_stage_free(st[i]);
}

size_t c4_count_sentences(const char *text, size_t n, size_t enough);

TEST(multilingual_sentence_ends_of_other_scripts)
{
    const char *hi = "यह पहला वाक्य है। यह दूसरा है। और तीसरा।";
    CHECK_INT((long)c4_count_sentences(hi, strlen(hi), 10), 3);
    const char *hy = "Առաջին նախադասություն։ Երկրորդ։";
    CHECK_INT((long)c4_count_sentences(hy, strlen(hy), 10), 2);
    const char *km = "ប្រយោគទីមួយ។ ប្រយោគទីពីរ។";
    CHECK_INT((long)c4_count_sentences(km, strlen(km), 10), 2);
    const char *fr = "Déjà été. Ça va? Oui!";
    CHECK_INT((long)c4_count_sentences(fr, strlen(fr), 10), 3);
}

TEST(multilingual_stop_word_keys)
{
    uint64_t a, b;
    CHECK_INT(ftok_word_key("Für,", 5, &a), 1);
    CHECK_INT(ftok_word_key("für", 4, &b), 1);
    CHECK(a == b);
    CHECK_INT(ftok_word_key("«ДЛЯ»", strlen("«ДЛЯ»"), &a), 1);
    CHECK_INT(ftok_word_key("для", strlen("для"), &b), 1);
    CHECK(a == b);
    CHECK_INT(ftok_word_key("...", 3, &a), 0);
    CHECK_INT(ftok_word_key("г.", strlen("г."), &a), 1);
    CHECK_INT(ftok_word_key("г", strlen("г"), &b), 1);
    CHECK(a == b);
}

TEST(multilingual_language_sections)
{
    /* [gopher_quality.de] changes German documents only */
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "gopher_quality.de.min_words", "1000");
    wn_config_set(cfg, "gopher_quality.min_words", "5");
    wn_stage *st;
    wn_error err;
    const char *de = "Der Rat hat den Plan für die neue Bibliothek beraten und "
                     "die Mitglieder waren sich einig, dass das alte Gebäude "
                     "zu klein ist.";
    wn_buf why = WN_BUF_INIT;
    wn_doc d = WN_DOC_INIT;
    wn_buf_append(&d.text, de, strlen(de));
    CHECK_INT(wn_stage_new("gopher_quality", cfg, &st, &err), 0);
    wn_doc_meta_set_str(&d, "language", "de", 2);
    CHECK_INT(wn_stage_process(st, &d, &why), 0);
    CHECK_STR(why.data, "gopher_quality:words=23<1000");
    /* as Dutch: min_words 5 holds; Dutch stop words are not in it */
    wn_doc_meta_set_str(&d, "language", "nl", 2);
    CHECK_INT(wn_stage_process(st, &d, &why), 0);
    CHECK(!strncmp(why.data, "gopher_quality:stop_words=0<", 28));
    wn_stage_free(st);
    /* a bad per-language value names its section */
    wn_config_set(cfg, "gopher_quality.zh.min_words", "many");
    CHECK_INT(wn_stage_new("gopher_quality", cfg, &st, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "[gopher_quality.zh]") != NULL);
    wn_config_free(cfg);
    wn_doc_release(&d);
    wn_buf_release(&why);
}
