/*
 * test_wordseg.c - the word segmenter (src/filter/wordseg.c, tokens.c):
 * spaced scripts by whitespace, unspaced ones by ICU when the document's
 * language asks for it.
 */
#include "t.h"
#include "../../src/filter/tokens.h"
#include "../../src/filter/wordseg.h"

static size_t nwords(const char *s, const char *lang)
{
    ftok_doc t;
    if (ftok_build_lang(&t, s, strlen(s), lang))
        return (size_t)-1;
    size_t n = t.nwords;
    ftok_release(&t);
    return n;
}

TEST(wordseg_languages)
{
    CHECK_INT(wseg_lang_needs_icu("zh", 2), 1);
    CHECK_INT(wseg_lang_needs_icu("zh-Hant", 7), 1);
    CHECK_INT(wseg_lang_needs_icu("ja", 2), 1);
    CHECK_INT(wseg_lang_needs_icu("th", 2), 1);
    CHECK_INT(wseg_lang_needs_icu("my", 2), 1);
    CHECK_INT(wseg_lang_needs_icu("en", 2), 0);
    CHECK_INT(wseg_lang_needs_icu("ko", 2), 0);
    CHECK_INT(wseg_lang_needs_icu("", 0), 0);
}

TEST(wordseg_unspaced_scripts_cut_by_icu)
{
    const char *zh = "我们今天去北京大学参观，然后吃了午饭。";
    /* one whitespace run: one word without a language, many with zh */
    CHECK_INT((long)nwords(zh, NULL), 1);
    CHECK_INT((long)nwords(zh, "en"), 1);
    size_t n = nwords(zh, "zh");
    CHECK(n >= 8 && n <= 16);
    /* punctuation stays on the word before it: no symbol-only words */
    ftok_doc t;
    CHECK_INT(ftok_build_lang(&t, zh, strlen(zh), "zh"), 0);
    for (size_t i = 0; i < t.nwords; i++)
        CHECK(t.words[i].flags & FTOK_ALNUM);
    CHECK(t.words[t.nwords - 1].flags >> FTOK_TRIM_SHIFT == 1);
    ftok_release(&t);
    const char *ja = "吾輩は猫である。名前はまだ無い。";
    CHECK(nwords(ja, "ja") >= 8);
    const char *th = "ภาษาไทยเป็นภาษาที่มีวรรณยุกต์ สำหรับการเขียน";
    n = nwords(th, "th");
    CHECK(n >= 6);
    CHECK_INT((long)nwords(th, NULL), 2);
    /* mixed: spaced words are left as they are */
    CHECK_INT((long)nwords("hello, world. 你好", "zh"), 3);
}

TEST(wordseg_english_unchanged_by_language)
{
    const char *en = "The quick brown fox, it said, jumps over the lazy dog.";
    CHECK_INT((long)nwords(en, NULL), 11);
    CHECK_INT((long)nwords(en, "zh"), 11);
    CHECK_INT((long)nwords(en, "en"), 11);
}
