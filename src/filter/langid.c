/*
 * langid.c - stage "langid": names each document's language and keeps the
 * wanted ones.  Every document gets metadata `language` (ISO 639-1 code
 * where one exists, e.g. "en"; "un" when unknown) and `language_score`
 * (0..1); with langid.languages set, others are dropped, and with
 * langid.min_score, documents scored lower are dropped.
 *
 * Two engines:
 *  - cld2 (default, built in, no download): Google's CLD2 through Debian's
 *    libcld2 (cld2_shim.cc); the score is the share of the text's letters
 *    in the top language;
 *  - fasttext: a fastText model such as lid.176.ftz / lid.176.bin
 *    (langid.model), run by ftz_predict.c, for parity with CCNet,
 *    datatrove and FineWeb; the score is the model's probability.  As
 *    datatrove does, the whole text is one line (newlines are spaces).
 * engine=auto uses fasttext when a model is given, else cld2.
 *
 * With langid.sample = S > 0, a document longer than 3 x S bytes is
 * scored on two windows of at most S bytes: its beginning and its middle
 * (each cut at whitespace, so no word is split), which bounds the cost of
 * a long page.  Either engine reads the same sample.  The agreement
 * with whole-document scoring is measured by eval/eval_langid_sample.sh;
 * 0 (the default: it falls short of 99.9%) scores the whole text.
 */
#include "../pipeline/stage.h"
#include "cld2_shim.h"
#include "ftz.h"

#include <stdlib.h>

#define LI "langid"

enum { ENGINE_AUTO, ENGINE_CLD2, ENGINE_FASTTEXT };

typedef struct li_opts {
    int enabled, engine;
    const char *model, *languages;
    double min_score;
    size_t sample;
} li_opts;

#define AT(f) OPT_AT(li_opts, f)

static const config_opt li_table[] = {
    OPTION_BOOL(LI ".enabled", "1", AT(enabled),
                "run this stage (0 turns it off)"),
    OPTION_ENUM(LI ".engine", "auto", "auto|cld2|fasttext", AT(engine),
                "cld2: built in; fasttext: needs langid.model; auto: "
                "fasttext when a model is given, else cld2"),
    OPTION_PATH(LI ".model", "", OPT_EMPTY, AT(model),
                "fastText model file, e.g. lid.176.ftz or lid.176.bin"),
    OPTION_LIST(LI ".languages", "all", NULL, OPT_ALL, AT(languages),
                "codes to keep, e.g. en,de (all keeps every language)"),
    OPTION_DOUBLE(LI ".min_score", "0", 0, OPT_NOLIMIT, 0, AT(min_score),
                  "smallest language_score kept"),
    OPTION_SIZE(LI ".sample", "0", 0, 1 << 30, AT(sample),
                "score a document longer than 3 x this many bytes on its "
                "first and its middle window of this size (0: the whole "
                "text)"),
    OPTION_END,
};

#define MAX_LANGS 64

typedef struct li_state {
    int enabled;
    ftz_model *model; /* NULL: cld2 */
    char langs[MAX_LANGS][16];
    int nlangs;
    char langlist[256];
    double min_score;
    size_t sample;
} li_state;

static void li_free(void *state)
{
    li_state *s = state;
    if (s)
        ftz_free(s->model);
    free(s);
}

/* v passed config_parse: "all", or at least one code. */
static int parse_langs(li_state *s, const char *v, wn_error *err)
{
    if (!strcmp(v, "all"))
        return 0;
    snprintf(s->langlist, sizeof s->langlist, "%s", v);
    const char *cur = v, *item;
    size_t n;
    while ((n = config_list_next(&cur, &item))) {
        if (n >= sizeof s->langs[0] || s->nlangs == MAX_LANGS)
            return wn_err(err, WN_EINVAL, "", 0,
                          LI ".languages: bad language list '%s' (at most "
                          "%d codes of at most %zu characters)", v, MAX_LANGS,
                          sizeof s->langs[0] - 1);
        memcpy(s->langs[s->nlangs], item, n);
        s->langs[s->nlangs++][n] = '\0';
    }
    return 0;
}

static int li_create(const void *opts, void **state, wn_error *err)
{
    const li_opts *o = opts;
    if (o->engine == ENGINE_FASTTEXT && !*o->model)
        return wn_err(err, WN_EINVAL, "", 0,
                      LI ".engine=fasttext needs " LI ".model");
    li_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = o->enabled;
    s->min_score = o->min_score;
    s->sample = o->sample;
    int rc = parse_langs(s, o->languages, err);
    if (!rc && *o->model && o->engine != ENGINE_CLD2)
        rc = ftz_load(o->model, &s->model, err);
    if (rc) {
        li_free(s);
        return rc;
    }
    *state = s;
    return 0;
}

static int li_decide(const li_state *s, const char *code, double score,
                     wn_buf *reason);

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' ||
           c == '\v';
}

/* The window text[a..b) moved inward to whole words: a forward past the
 * word it cuts (unless a is 0), b back before the word it cuts (unless b
 * is n); a cut inside a word longer than 64 bytes falls on a UTF-8
 * character boundary instead. */
static void window_words(const char *text, size_t n, size_t *a, size_t *b)
{
    size_t x = *a, y = *b;
    if (x > 0 && !is_blank((unsigned char)text[x - 1])) {
        size_t k = x;
        while (k < y && k < x + 64 && !is_blank((unsigned char)text[k]))
            k++;
        if (k < y && is_blank((unsigned char)text[k]))
            x = k;
        else
            while (x < y && ((unsigned char)text[x] & 0xC0) == 0x80)
                x++;
    }
    if (y < n && !is_blank((unsigned char)text[y])) {
        size_t k = y;
        while (k > x && k + 64 > y && !is_blank((unsigned char)text[k - 1]))
            k--;
        if (k > x && is_blank((unsigned char)text[k - 1]))
            y = k;
        else
            while (y > x && ((unsigned char)text[y] & 0xC0) == 0x80)
                y--;
    }
    *a = x;
    *b = y;
}

/* The text to score: the whole document, or (langid.sample) its first and
 * its middle window joined by a newline, built in *buf. */
static int sample_text(const li_state *s, const char **text, size_t *n,
                       wn_buf *buf)
{
    size_t w = s->sample, len = *n;
    if (!w || len / 3 <= w)
        return 0;
    size_t a0 = 0, b0 = w, a1 = len / 2 - w / 2, b1 = a1 + w;
    window_words(*text, len, &a0, &b0);
    window_words(*text, len, &a1, &b1);
    wn_buf_reset(buf);
    int rc;
    if ((rc = wn_buf_append(buf, *text + a0, b0 - a0)) ||
        (rc = wn_buf_append(buf, "\n", 1)) ||
        (rc = wn_buf_append(buf, *text + a1, b1 - a1)))
        return rc;
    *text = buf->data;
    *n = buf->len;
    return 0;
}

static int li_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const li_state *s = state;
    if (!s->enabled)
        return STAGE_KEEP;
    const char *text = doc->text.data ? doc->text.data : "";
    size_t len = doc->text.len;
    int rc;
    if (s->sample && scratch &&
        (rc = sample_text(s, &text, &len, &scratch->b[0])))
        return rc;
    char code[16];
    double score;
    if (s->model) {
        ftz_ctx *c = ftz_thread_ctx(s->model);
        int label;
        if (!c || ftz_predict(s->model, c, text, len, &label, &score))
            return WN_ENOMEM;
        snprintf(code, sizeof code, "%s", ftz_label(s->model, label));
    } else {
        int reliable;
        cld2_detect(text, len, code, &score, &reliable);
    }
    score = (double)(float)score; /* 7 digits are all there is */
    if ((rc = wn_doc_meta_set_str(doc, "language", code, strlen(code))) ||
        (rc = wn_doc_meta_set_num(doc, "language_score", score)))
        return rc;
    if (scratch->annotate) {
        /* the score unrounded, so that select decides as this run does */
        wn_buf *v = &scratch->b[0];
        wn_buf_reset(v);
        if (wn_buf_puts(v, "{\"language\":") ||
            wn_json_put_string(v, code, strlen(code)) ||
            wn_buf_printf(v, ",\"language_score\":%.17g}", score) ||
            stage_signals(doc, LI, v->data, v->len))
            return WN_ENOMEM;
    }
    return li_decide(s, code, score, reason);
}

/* winnow select: the language and score an annotated run wrote. */
static int li_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const li_state *s = state;
    if (!s->enabled)
        return STAGE_KEEP;
    const char *sig, *v;
    size_t n, vn, ms, me, vs, ve;
    double score;
    if (!stage_signals_get(doc, LI, &sig, &n) ||
        !stage_signal_num(sig, n, "language_score", &score) ||
        !json_member_find(sig + 1, n - 2, "language", &ms, &me, &vs, &ve))
        return STAGE_NO_SIGNALS;
    v = sig + 1 + vs;
    vn = ve - vs;
    char code[16];
    if (vn < 2 || vn - 2 >= sizeof code || *v != '"')
        return STAGE_NO_SIGNALS;
    memcpy(code, v + 1, vn - 2); /* codes need no escapes */
    code[vn - 2] = '\0';
    return li_decide(s, code, score, reason);
}

static int li_decide(const li_state *s, const char *code, double score,
                     wn_buf *reason)
{
    if (s->nlangs) {
        int ok = 0;
        for (int i = 0; i < s->nlangs && !ok; i++)
            ok = !strcmp(s->langs[i], code);
        if (!ok) {
            if (reason) {
                wn_buf_reset(reason);
                if (wn_buf_printf(reason, LI ":language=%s!=%s", code,
                                  s->langlist))
                    return WN_ENOMEM;
            }
            return STAGE_DROP;
        }
    }
    if (score < s->min_score) {
        if (reason) {
            wn_buf_reset(reason);
            if (wn_buf_printf(reason, LI ":language_score=%.4g<%g", score,
                              s->min_score))
                return WN_ENOMEM;
        }
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const stage_ops stage_langid = {
    .name = LI,
    .group = "filter",
    .summary = "name each document's language (CLD2 or fastText lid.176) "
               "and keep the wanted ones",
    .opts = li_table,
    .opts_size = sizeof(li_opts),
    .create = li_create,
    .process = li_process,
    .free = li_free,
    .judge = li_judge,
};
