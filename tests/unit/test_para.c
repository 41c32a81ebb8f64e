/*
 * test_para.c - paragraph dedup (src/dedup/para.c): BFF's rule, and the
 * Bloom filter's false removals against the exact hash set.
 */
#include "t.h"

static wn_para *para_new(const char *const *kv, size_t n)
{
    wn_config *c = wn_config_new();
    wn_error e;
    wn_para *p = NULL;
    for (size_t i = 0; i + 1 < n; i += 2)
        wn_config_set(c, kv[i], kv[i + 1]);
    if (wn_para_new(c, &p, &e))
        t_fail(__FILE__, __LINE__, "wn_para_new: %s", e.msg);
    wn_config_free(c);
    return p;
}

/* Runs text through p; returns the verdict, the text left in out. */
static int check(wn_para *p, const char *text, wn_buf *out,
                 wn_dedup_stats *st)
{
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_set(&d.text, text, strlen(text));
    int rc = wn_para_check(p, &d, &reason, st);
    wn_buf_reset(out);
    if (rc == 1)
        wn_buf_set(out, d.text.data, d.text.len);
    else if (rc == 0)
        wn_buf_set(out, reason.data, reason.len);
    wn_buf_release(&reason);
    wn_doc_release(&d);
    return rc;
}

#define P13 "one two three four five six seven eight nine ten eleven twelve thirteen"

TEST(para_first_occurrence_stays)
{
    static const char *const kv[] = {"dedup.expected_ngrams", "10000"};
    wn_para *p = para_new(kv, 2);
    wn_dedup_stats st;
    memset(&st, 0, sizeof st);
    wn_buf out = WN_BUF_INIT;
    CHECK_INT(check(p, P13 "\nfirst own paragraph with enough words in it to count", &out, &st), 1);
    CHECK_STR(out.data, P13 "\nfirst own paragraph with enough words in it to count");
    /* the copy goes, the new line stays; a 4-word line is left alone */
    CHECK_INT(check(p, "tiny line of four\n" P13 "\nsecond document has its own words here", &out, &st), 1);
    CHECK_STR(out.data, "tiny line of four\nsecond document has its own words here");
    CHECK_INT(check(p, "tiny line of four\n" P13, &out, &st), 1);
    CHECK_STR(out.data, "tiny line of four"); /* never judged: stays */
    /* nothing left: rejected */
    CHECK_INT(check(p, P13 "\n" P13, &out, &st), 0);
    CHECK_STR(out.data, "paragraph_dedup:kept_bytes=0<1");
    CHECK_INT(st.paragraph_emptied, 1);
    /* 5-12 words: one n-gram of the whole line */
    CHECK_INT(check(p, "five words make a paragraph", &out, &st), 1);
    CHECK_INT(check(p, "x y z w v u t s r q p o n\nfive words make a paragraph", &out, &st), 1);
    CHECK_STR(out.data, "x y z w v u t s r q p o n");
    wn_buf_release(&out);
    wn_para_free(p);
}

TEST(para_threshold_is_a_share)
{
    static const char *const kv[] = {"dedup.para_filter", "exact"};
    wn_para *p = para_new(kv, 2);
    wn_dedup_stats st;
    memset(&st, 0, sizeof st);
    wn_buf out = WN_BUF_INIT;
    /* 20 words: 8 n-grams; the second shares its first 16 words (4 of 8
     * n-grams, 0.5 <= 0.8): kept */
    const char *a = "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 "
                    "a17 a18 a19 a20";
    const char *b = "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14 a15 a16 "
                    "b17 b18 b19 b20";
    CHECK_INT(check(p, a, &out, &st), 1);
    CHECK_INT(check(p, b, &out, &st), 1);
    CHECK_STR(out.data, b);
    CHECK_INT(st.paragraphs_removed, 0);
    wn_buf_release(&out);
    wn_para_free(p);
}

TEST(para_annotate_lists_spans)
{
    static const char *const kv[] = {"dedup.para_annotate", "1",
                                     "dedup.expected_ngrams", "1000"};
    wn_para *p = para_new(kv, 4);
    wn_dedup_stats st;
    memset(&st, 0, sizeof st);
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_set(&d.text, P13, strlen(P13));
    CHECK_INT(wn_para_check(p, &d, &reason, &st), 1);
    const char *text = "own line of this document right here\n" P13 "\n";
    wn_buf_set(&d.text, text, strlen(text));
    CHECK_INT(wn_para_check(p, &d, &reason, &st), 1);
    CHECK_STR(d.text.data, text); /* untouched */
    const char *v;
    size_t n;
    CHECK(wn_doc_meta_get(&d, "paragraph_duplicates", &v, &n));
    CHECK(n == 10 && !memcmp(v, "[[37,109]]", 10));
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_para_free(p);
}

TEST(para_refuses_a_filter_over_memory)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "dedup.expected_ngrams", "1000000000");
    wn_config_set(c, "dedup.memory", "64M");
    wn_para *p = NULL;
    wn_error e;
    CHECK_INT(wn_para_new(c, &p, &e), WN_EINVAL);
    CHECK(p == NULL);
    CHECK(strstr(e.msg, "MiB") != NULL);
    wn_config_free(c);
}

/* xorshift: the same corpus on every run */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Byte spans [a,b] listed in d's "paragraph_duplicates", as a count and
 * a flat array (at most max pairs). */
static size_t spans(const wn_doc *d, long *out, size_t max)
{
    const char *v;
    size_t n, k = 0;
    if (!wn_doc_meta_get(d, "paragraph_duplicates", &v, &n))
        return 0;
    for (const char *p = v; p < v + n && k < max;) {
        long a, b;
        int used;
        if (sscanf(p, "[%ld,%ld]%n", &a, &b, &used) == 2) {
            out[2 * k] = a;
            out[2 * k + 1] = b;
            k++;
            p += used;
        } else {
            p++;
        }
    }
    return k;
}

/* A synthetic corpus of random paragraphs over a 2,000-word vocabulary,
 * a quarter of the documents repeating an earlier paragraph, decided by
 * the Bloom filter (sized for the corpus at rate 0.02) and by the exact
 * set side by side: a paragraph removed by the Bloom filter alone is a
 * false removal, and their share must stay within the configured rate. */
TEST(para_bloom_false_removals_within_rate)
{
    static const char *const kb[] = {
        "dedup.para_annotate", "1", "dedup.fp_rate", "0.02",
        "dedup.expected_ngrams", "60000"};
    static const char *const ke[] = {"dedup.para_annotate", "1",
                                     "dedup.para_filter", "exact"};
    wn_para *pb = para_new(kb, 6), *pe = para_new(ke, 4);
    wn_dedup_stats sb, se;
    memset(&sb, 0, sizeof sb);
    memset(&se, 0, sizeof se);
    uint64_t s = 88172645463325252ULL;
    wn_buf text = WN_BUF_INIT, reason = WN_BUF_INIT;
    wn_buf *kept = calloc(400, sizeof *kept);
    size_t nkept = 0, false_removals = 0, missed = 0;
    for (int doc = 0; doc < 1500; doc++) {
        wn_buf_reset(&text);
        int np = 1 + (int)(rnd(&s) % 4);
        for (int k = 0; k < np; k++) {
            if (k)
                wn_buf_putc(&text, '\n');
            if (nkept && rnd(&s) % 8 == 0) {
                wn_buf *old = &kept[rnd(&s) % nkept];
                wn_buf_append(&text, old->data, old->len);
                continue;
            }
            size_t at = text.len;
            int nw = 3 + (int)(rnd(&s) % 40);
            for (int w = 0; w < nw; w++)
                wn_buf_printf(&text, "%sw%u", w ? " " : "",
                              (unsigned)(rnd(&s) % 2000));
            if (nkept < 400)
                wn_buf_set(&kept[nkept++], text.data + at, text.len - at);
        }
        wn_doc db = WN_DOC_INIT, de = WN_DOC_INIT;
        wn_buf_set(&db.text, text.data, text.len);
        wn_buf_set(&de.text, text.data, text.len);
        CHECK_INT(wn_para_check(pb, &db, &reason, &sb), 1);
        CHECK_INT(wn_para_check(pe, &de, &reason, &se), 1);
        long a[64], b[64];
        size_t na = spans(&db, a, 32), nb = spans(&de, b, 32);
        for (size_t i = 0; i < na; i++) {
            int in = 0;
            for (size_t j = 0; j < nb; j++)
                in |= a[2 * i] == b[2 * j];
            false_removals += !in;
        }
        for (size_t j = 0; j < nb; j++) {
            int in = 0;
            for (size_t i = 0; i < na; i++)
                in |= a[2 * i] == b[2 * j];
            missed += !in;
        }
        wn_doc_release(&db);
        wn_doc_release(&de);
    }
    CHECK(se.paragraphs_removed > 300); /* the planted copies were found */
    CHECK_INT(missed, 0);               /* a Bloom filter forgets nothing */
    CHECK(false_removals <= 0.02 * se.paragraphs);
    for (size_t i = 0; i < 400; i++)
        wn_buf_release(&kept[i]);
    free(kept);
    wn_buf_release(&text);
    wn_buf_release(&reason);
    wn_para_free(pb);
    wn_para_free(pe);
}

/* A Chinese paragraph is one whitespace "word"; with the document's
 * language zh it is ICU's words, so its copy is found (issue 16). */
TEST(para_chinese_words_by_language)
{
    static const char *const kv[] = {"dedup.para_filter", "exact"};
    const char *zh = "联合国大会于一九四八年十二月十日通过并颁布世界人权宣言"
                     "这一具有历史意义的宣言颁布后大会要求所有会员国广为宣传";
    for (int lang = 0; lang < 2; lang++) {
        wn_para *p = para_new(kv, 2);
        wn_dedup_stats st;
        memset(&st, 0, sizeof st);
        wn_buf reason = WN_BUF_INIT;
        int rc = 0;
        for (int i = 0; i < 2; i++) {
            wn_doc d = WN_DOC_INIT;
            wn_buf_set(&d.text, zh, strlen(zh));
            if (lang)
                wn_doc_meta_set_str(&d, "language", "zh", 2);
            rc = wn_para_check(p, &d, &reason, &st);
            wn_doc_release(&d);
        }
        /* without the language: one word, below 5, left alone (kept);
         * with it: the second copy is emptied (rejected) */
        CHECK_INT(rc, lang ? 0 : 1);
        wn_buf_release(&reason);
        wn_para_free(p);
    }
}
