/*
 * test_langid.c - the "langid" stage with both engines, and the fastText
 * model reader (src/filter/ftz.c): answers equal to fastText 0.9.2's
 * (`fasttext predict-prob lid.176.ftz`), and malformed models refused.
 */
#include "t.h"
#include "../../src/filter/ftz.h"

#include <math.h>

static const char en[] =
    "The quick brown fox jumps over the lazy dog near the river bank.";
static const char de[] =
    "Der schnelle braune Fuchs springt \xc3\xbc" "ber den faulen Hund.";
static const char fr[] =
    "Le renard brun rapide saute par-dessus le chien paresseux.";

/* Runs langid with cfg on text; returns keep/drop, sets lang and score. */
static int detect(wn_config *cfg, const char *text, char *lang, double *score,
                  wn_buf *why)
{
    wn_stage *st;
    wn_error err;
    if (wn_stage_new("langid", cfg, &st, &err)) {
        t_fail(__FILE__, __LINE__, "langid: %s", err.msg);
        return -1;
    }
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, text);
    int rc = wn_stage_process(st, &d, why);
    const char *v;
    size_t n;
    lang[0] = '\0';
    *score = -1;
    if (wn_doc_meta_get(&d, "language", &v, &n) && n >= 2 && n < 16) {
        memcpy(lang, v + 1, n - 2); /* a JSON string: strip the quotes */
        lang[n - 2] = '\0';
    }
    if (wn_doc_meta_get(&d, "language_score", &v, &n))
        *score = atof(v);
    wn_doc_release(&d);
    wn_stage_free(st);
    return rc;
}

TEST(langid_cld2_builtin)
{
    char lang[16];
    double score;
    wn_buf why = WN_BUF_INIT;
    CHECK_INT(detect(NULL, en, lang, &score, &why), 1);
    CHECK_STR(lang, "en");
    CHECK(score > 0.9 && score <= 1);
    CHECK_INT(detect(NULL, de, lang, &score, &why), 1);
    CHECK_STR(lang, "de");
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "langid.languages", "en, de");
    CHECK_INT(detect(cfg, de, lang, &score, &why), 1);
    CHECK_INT(detect(cfg, fr, lang, &score, &why), 0);
    CHECK_STR(lang, "fr"); /* metadata is set on dropped documents too */
    CHECK_STR(why.data, "langid:language=fr!=en, de");
    wn_config_set(cfg, "langid.min_score", "1.01");
    CHECK_INT(detect(cfg, en, lang, &score, &why), 0);
    CHECK(strncmp(why.data, "langid:language_score=", 22) == 0);
    CHECK(strstr(why.data, "<1.01") != NULL);
    wn_config_free(cfg);
    wn_buf_release(&why);
}

TEST(langid_options_checked)
{
    wn_config *cfg = wn_config_new();
    wn_stage *st;
    wn_error err;
    wn_config_set(cfg, "langid.engine", "fasttext");
    CHECK_INT(wn_stage_new("langid", cfg, &st, &err), WN_EINVAL);
    wn_config_set(cfg, "langid.engine", "magic");
    CHECK_INT(wn_stage_new("langid", cfg, &st, &err), WN_EINVAL);
    wn_config_set(cfg, "langid.engine", "auto");
    wn_config_set(cfg, "langid.model", "/nonexistent/lid.176.ftz");
    CHECK_INT(wn_stage_new("langid", cfg, &st, &err), WN_EIO);
    wn_config_free(cfg);
}

TEST(langid_fasttext_matches_fasttext)
{
    const char *model = t_data("langid/fasttext-lid176/lid.176.ftz");
    if (!model)
        return;
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "langid.model", model);
    static const struct {
        const char *text, *lang;
        double p; /* fasttext 0.9.2 predict-prob */
    } c[] = {{en, "en", 0.941202}, {de, "de", 0.944704}, {fr, "fr", 0.818235}};
    wn_buf why = WN_BUF_INIT;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        char lang[16];
        double score;
        CHECK_INT(detect(cfg, c[i].text, lang, &score, &why), 1);
        CHECK_STR(lang, c[i].lang);
        if (fabs(score - c[i].p) > 1e-5)
            t_fail(__FILE__, __LINE__, "%s: p=%f, fastText says %f", lang,
                   score, c[i].p);
    }
    /* newlines are spaces, as datatrove feeds fastText */
    char lang[16];
    double s1, s2;
    detect(cfg, "Der schnelle braune Fuchs\nspringt", lang, &s1, &why);
    detect(cfg, "Der schnelle braune Fuchs springt", lang, &s2, &why);
    CHECK(s1 == s2);
    wn_config_free(cfg);
    wn_buf_release(&why);
}

TEST(ftz_rejects_damaged_models)
{
    const char *model = t_data("langid/fasttext-lid176/lid.176.ftz");
    if (!model)
        return;
    FILE *f = fopen(model, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ftz_model *m;
    wn_error err;
    CHECK_INT(ftz_load_mem(buf, n, "lid", &m, &err), 0);
    CHECK_INT(ftz_nlabels(m), 176);
    ftz_free(m);
    /* every truncation is refused, none crashes (ASan runs this too) */
    static const size_t cut[] = {0, 3, 8, 40, 64, 100, 5000, 80000, 300000};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        int rc = ftz_load_mem(buf, cut[i], "lid", &m, &err);
        CHECK(rc == WN_ETRUNC || rc == WN_EFORMAT);
        CHECK(m == NULL);
    }
    CHECK_INT(ftz_load_mem(buf, n - 1, "lid", &m, &err), WN_ETRUNC);
    buf[0] ^= 1;
    CHECK_INT(ftz_load_mem(buf, n, "lid", &m, &err), WN_EFORMAT);
    CHECK(strstr(err.msg, "magic") != NULL);
    buf[0] ^= 1;
    buf[8] = 0; /* dim = 0 */
    CHECK_INT(ftz_load_mem(buf, n, "lid", &m, &err), WN_EFORMAT);
}

TEST(ftz_tiny_models_load_and_predict)
{
    /* dense and quantised matrices, softmax and hierarchical softmax,
     * word bigrams and a pruned bucket index (make_ftz.py) */
    static const char *const files[] = {"filter/ftz/dense-hs.bin",
                                        "filter/ftz/dense-softmax.bin",
                                        "filter/ftz/quant-hs.ftz"};
    ftz_ctx *c = ftz_ctx_new();
    CHECK(c != NULL);
    for (size_t i = 0; c && i < sizeof files / sizeof *files; i++) {
        ftz_model *m;
        wn_error err;
        CHECK_INT(ftz_load(t_fixture(files[i]), &m, &err), 0);
        if (!m)
            continue;
        CHECK_INT(ftz_nlabels(m), 2);
        CHECK_STR(ftz_label(m, 0), "en");
        int l1, l2;
        double p1, p2;
        CHECK_INT(ftz_predict(m, c, "hello world hello", 17, &l1, &p1), 0);
        CHECK(l1 >= 0 && l1 < 2 && p1 > 0 && p1 <= 1.0001);
        /* the word cache gives the same answer the second time */
        CHECK_INT(ftz_predict(m, c, "hello world hello", 17, &l2, &p2), 0);
        CHECK(l1 == l2 && p1 == p2);
        ftz_free(m);
    }
    ftz_ctx_free(c);
}

/* lid.176.ftz loaded, or NULL where the shared data is absent (a failed
 * load fails the test) */
static ftz_model *load_lid176(void)
{
    const char *model = t_data("langid/fasttext-lid176/lid.176.ftz");
    if (!model)
        return NULL;
    ftz_model *m = NULL;
    wn_error err;
    CHECK_INT(ftz_load(model, &m, &err), 0);
    return m;
}

TEST(ftz_end_of_line_and_cache)
{
    ftz_model *m = load_lid176();
    if (!m)
        return;
    ftz_ctx *warm = ftz_ctx_new(), *cold;
    int l0, l;
    double p0, p;
    /* the end-of-line token is added whether or not the text ends in
     * blanks (a bug once left it out when the last byte was a letter) */
    CHECK_INT(ftz_predict(m, warm, de, strlen(de), &l0, &p0), 0);
    CHECK(fabs(p0 - 0.944704) < 1e-5);
    static const char *const variants[] = {
        "Der schnelle braune Fuchs springt \303\274ber den faulen Hund.\n",
        "  Der schnelle braune Fuchs springt \303\274ber den faulen Hund. ",
        ("__label__de Der schnelle braune Fuchs springt \303\274ber den "
         "faulen Hund.")};
    for (size_t i = 0; i < sizeof variants / sizeof *variants; i++) {
        CHECK_INT(ftz_predict(m, warm, variants[i], strlen(variants[i]), &l,
                              &p), 0);
        CHECK(l == l0 && p == p0);
    }
    /* every blank splits words, in any position of an 8-byte block (the
     * word scan reads 8 bytes at a time); other control bytes do not */
    static const char spaced[] =
        "Der schnelle braune Fuchs springt \303\274ber den faulen Hund.";
    static const char blanks[] = "\t\n\v\f\r ";
    char t[sizeof spaced];
    for (size_t b = 0; b < 6; b++) {
        memcpy(t, spaced, sizeof spaced);
        for (size_t i = 0; t[i]; i++)
            if (t[i] == ' ')
                t[i] = blanks[(i + b) % 6];
        CHECK_INT(ftz_predict(m, warm, t, strlen(t), &l, &p), 0);
        CHECK(l == l0 && p == p0);
    }
    memcpy(t, spaced, sizeof spaced);
    for (size_t i = 0; t[i]; i++)
        if (t[i] == ' ')
            t[i] = '\x01';
    double p1;
    CHECK_INT(ftz_predict(m, warm, t, strlen(t), &l, &p1), 0);
    CHECK(p1 != p0); /* one long word, not eight */
    /* a fresh cache and a warm one give the same bits */
    cold = ftz_ctx_new();
    CHECK_INT(ftz_predict(m, cold, en, strlen(en), &l0, &p0), 0);
    CHECK_INT(ftz_predict(m, warm, en, strlen(en), &l, &p), 0);
    CHECK(l == l0 && p == p0);
    ftz_ctx_free(cold);
    ftz_ctx_free(warm);
    ftz_free(m);
}

/* The next word of a deterministic generator: 1 to 24 bytes of letters,
 * some two-byte UTF-8 (so lengths around the cache key's 8- and 16-byte
 * loads all occur); returns its length. */
static size_t gen_word(uint64_t *state, char *w)
{
    static const char *const al[] = {"a", "e", "i", "n", "r", "s", "t",
                                     "k", "\xc3\xa9", "\xc3\xbc", "o", "l"};
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    uint64_t r = *state >> 16;
    size_t len = 1 + r % 24, n = 0;
    r /= 24;
    while (n < len) {
        *state = *state * 6364136223846793005ull + 1442695040888963407ull;
        const char *c = al[(*state >> 33) % 12];
        size_t cl = strlen(c);
        if (n + cl > len)
            c = "u", cl = 1;
        memcpy(w + n, c, cl);
        n += cl;
    }
    return n;
}

/* ftz_predict on a copy of text[0..n) in a block of exactly n bytes, so
 * that ASan sees any read past the text (the word scan and the cache key
 * read 8 and 16 bytes at a time); with sig, also the probabilities of
 * eight labels spread over the tree (the top label's saturates: single
 * words that differ often get the same one). */
static void predict_exact(const ftz_model *m, ftz_ctx *c, const char *text,
                          size_t n, int *label, double *p, double *sig)
{
    char *t = malloc(n ? n : 1);
    CHECK(t != NULL);
    if (!t)
        return;
    memcpy(t, text, n);
    CHECK_INT(ftz_predict(m, c, t, n, label, p), 0);
    for (int i = 0; sig && i < 8; i++)
        CHECK_INT(ftz_label_prob(m, c, t, n, i * 25, &sig[i]), 0);
    free(t);
}

TEST(ftz_cache_keys_and_eviction)
{
    ftz_model *m = load_lid176();
    if (!m)
        return;
    /* Twins: words of 1 to 20 bytes and the same with one byte changed.
     * The cache knows a word by its key alone, so a key blind to some
     * byte would serve the twin's vector to a context that saw the twin
     * first, where a fresh one computes the word's own. */
    static const char base[] = "Staatsangehoerigkeiten";
    int pairs = 0, differ = 0;
    for (size_t len = 1; len <= 20; len++)
        for (size_t i = 0; i < len; i++) {
            char a[32], b[32];
            memcpy(a, base, len);
            memcpy(b, base, len);
            b[i] = b[i] == 'e' ? 'a' : 'e';
            ftz_ctx *cold = ftz_ctx_new(), *twin = ftz_ctx_new();
            int la, lb, l;
            double pa, pb, p, sa[8], sb[8], s[8];
            predict_exact(m, cold, a, len, &la, &pa, sa);
            predict_exact(m, twin, b, len, &lb, &pb, sb);
            predict_exact(m, twin, a, len, &l, &p, s);
            ftz_ctx_free(cold);
            ftz_ctx_free(twin);
            CHECK(l == la && p == pa && !memcmp(s, sa, sizeof s));
            pairs++;
            differ += memcmp(sa, sb, sizeof sa) != 0;
        }
    /* twins the model tells apart (it keeps 43 K of its 2 M n-gram
     * buckets: a changed byte can change only dropped n-grams; 200 of
     * the 210 here): without them the twins would prove nothing */
    CHECK(differ >= pairs * 9 / 10);
    /* A page scored cold, then after 300 K other words went through the
     * cache (2^18 entries in sets of 4: many sets overflow and drop their
     * least recently used words), then twice more: the same bits each
     * time.  It holds words of 4096 bytes (the longest cached), 4097 and
     * 5000, and ends in a word of 17 bytes (the key's end-of-text read). */
    wn_buf page = WN_BUF_INIT, churn = WN_BUF_INIT;
    uint64_t st = 42;
    char w[32];
    for (int k = 0; k < 600; k++) {
        wn_buf_append(&page, w, gen_word(&st, w));
        wn_buf_puts(&page, k % 17 ? " " : "\n");
        if (k == 100 || k == 200 || k == 300) {
            size_t big = k == 100 ? 4096 : k == 200 ? 4097 : 5000;
            for (size_t j = 0; j < big; j++)
                wn_buf_append(&page, &"abcdefgh"[j % 8], 1);
            wn_buf_puts(&page, " ");
        }
    }
    wn_buf_puts(&page, "Weltmeisterschaft");
    ftz_ctx *cold = ftz_ctx_new(), *warm = ftz_ctx_new();
    int l0, l;
    double p0, p;
    predict_exact(m, cold, page.data, page.len, &l0, &p0, NULL);
    ftz_ctx_free(cold);
    for (int round = 0; round < 2; round++) {
        wn_buf_reset(&churn);
        for (int k = 0; k < 150000; k++) {
            wn_buf_append(&churn, w, gen_word(&st, w));
            wn_buf_puts(&churn, " ");
        }
        CHECK_INT(ftz_predict(m, warm, churn.data, churn.len, &l, &p), 0);
        predict_exact(m, warm, page.data, page.len, &l, &p, NULL);
        CHECK(l == l0 && p == p0);
    }
    predict_exact(m, warm, page.data, page.len, &l, &p, NULL);
    CHECK(l == l0 && p == p0);
    wn_buf_release(&page);
    wn_buf_release(&churn);
    ftz_ctx_free(warm);
    ftz_free(m);
}

/* n bytes of text from sentences, repeated in turn */
static void fill(wn_buf *b, const char *const *s, size_t ns, size_t n)
{
    for (size_t i = 0; b->len < n; i++)
        wn_buf_puts(b, s[i % ns]);
}

TEST(langid_sample_scores_two_windows)
{
    static const char *const ens[] = {
        "The committee approved the budget for the next year. ",
        "Prices of wheat and corn rose sharply in the morning. ",
        "She said the company would open two new offices soon. "};
    static const char *const des[] = {
        "Der Ausschuss hat den Haushalt f\xc3\xbcr das Jahr gebilligt. ",
        "Die Preise f\xc3\xbcr Weizen und Mais stiegen am Morgen stark. ",
        ("Sie sagte, die Firma werde bald zwei neue B\xc3\xbcros "
         "er\303\266ffnen. ")};
    /* 8 KB of English then 9.5 KB of German: German as a whole; the first
     * 4 KB and the middle 4 KB are mostly English */
    wn_buf doc = WN_BUF_INIT;
    fill(&doc, ens, 3, 8000);
    size_t en_end = doc.len;
    wn_buf de_part = WN_BUF_INIT;
    fill(&de_part, des, 3, 9500);
    wn_buf_append(&doc, de_part.data, de_part.len);
    CHECK(en_end > 7500);
    char lang[16];
    double whole, score;
    wn_buf why = WN_BUF_INIT;
    wn_config *cfg = wn_config_new();
    /* CLD2 squeezes repeated text, so only the score shows the sample */
    detect(cfg, doc.data, lang, &whole, &why);
    CHECK_STR(lang, "de");
    wn_config_set(cfg, "langid.sample", "4096");
    detect(cfg, doc.data, lang, &score, &why);
    CHECK(score != whole);
    /* up to 3 windows long, the whole text is scored */
    wn_config_set(cfg, "langid.sample", "6k");
    detect(cfg, doc.data, lang, &score, &why);
    CHECK(score == whole);
    const char *model = t_data("langid/fasttext-lid176/lid.176.ftz");
    if (model) {
        wn_config_set(cfg, "langid.model", model);
        detect(cfg, doc.data, lang, &score, &why);
        CHECK_STR(lang, "de");
        wn_config_set(cfg, "langid.sample", "4096");
        detect(cfg, doc.data, lang, &score, &why);
        CHECK_STR(lang, "en");
        wn_config_set(cfg, "langid.sample", "0");
        detect(cfg, doc.data, lang, &score, &why);
        CHECK_STR(lang, "de");
    }
    wn_config_set(cfg, "langid.sample", "-1");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("langid", cfg, &st, &err), WN_EINVAL);
    wn_config_free(cfg);
    wn_buf_release(&doc);
    wn_buf_release(&de_part);
    wn_buf_release(&why);
}
