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
 *    (langid.model), run by ftz.c, for parity with CCNet, datatrove and
 *    FineWeb; the score is the model's probability.  As datatrove does, the
 *    whole text is one line (newlines are spaces).
 * engine=auto uses fasttext when a model is given, else cld2.
 */
#include "../pipeline/stage.h"
#include "cld2_shim.h"
#include "ftz.h"

#include <pthread.h>
#include <stdlib.h>

#define LI "langid"

static const config_opt li_opts[] = {
    {LI ".enabled", "1", "run this stage (0 turns it off)"},
    {LI ".engine", "auto",
     "cld2 (built in), fasttext (needs langid.model) or auto"},
    {LI ".model", "", "fastText model file, e.g. lid.176.ftz or lid.176.bin"},
    {LI ".languages", "",
     "comma-separated codes to keep, e.g. en,de (empty keeps all)"},
    {LI ".min_score", "0", "smallest language_score kept"},
    {NULL, NULL, NULL},
};

#define MAX_LANGS 64

typedef struct li_state {
    int enabled;
    ftz_model *model; /* NULL: cld2 */
    char langs[MAX_LANGS][16];
    int nlangs;
    char langlist[256];
    double min_score;
} li_state;

static void li_free(void *state)
{
    li_state *s = state;
    if (s)
        ftz_free(s->model);
    free(s);
}

static int parse_langs(li_state *s, const char *v, wn_error *err)
{
    snprintf(s->langlist, sizeof s->langlist, "%s", v);
    if (!strcmp(v, "all"))
        return 0; /* every language is kept */
    const char *p = v;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        if (n >= 16 || s->nlangs == MAX_LANGS)
            return wn_err(err, WN_EINVAL, "", 0,
                          LI ".languages: bad language list '%s'", v);
        memcpy(s->langs[s->nlangs], p, n);
        s->langs[s->nlangs++][n] = '\0';
        p += n;
    }
    return 0;
}

static int li_create(const wn_config *cfg, void **state, wn_error *err)
{
    li_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = config_get_bool(cfg, LI ".enabled", 1);
    const char *engine = config_get(cfg, LI ".engine", "auto");
    const char *model = config_get(cfg, LI ".model", "");
    const char *ms = config_get(cfg, LI ".min_score", "0");
    char *e;
    s->min_score = strtod(ms, &e);
    int rc = 0;
    if (*e || !*ms)
        rc = wn_err(err, WN_EINVAL, "", 0, LI ".min_score: '%s' is not a number",
                    ms);
    else if (strcmp(engine, "auto") && strcmp(engine, "cld2") &&
             strcmp(engine, "fasttext"))
        rc = wn_err(err, WN_EINVAL, "", 0,
                    LI ".engine: '%s' is not cld2, fasttext or auto", engine);
    else if (!strcmp(engine, "fasttext") && !*model)
        rc = wn_err(err, WN_EINVAL, "", 0,
                    LI ".engine=fasttext needs " LI ".model");
    else if (!(rc = parse_langs(s, config_get(cfg, LI ".languages", ""), err)) &&
             *model && strcmp(engine, "cld2"))
        rc = ftz_load(model, &s->model, err);
    if (rc) {
        li_free(s);
        return rc;
    }
    *state = s;
    return 0;
}

/* The fastText working memory of this thread (freed when it ends). */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static int ctx_key_ok;

static void ctx_destroy(void *p) { ftz_ctx_free(p); }
static void ctx_init(void)
{
    ctx_key_ok = pthread_key_create(&ctx_key, ctx_destroy) == 0;
}

static ftz_ctx *thread_ctx(void)
{
    pthread_once(&ctx_once, ctx_init);
    if (!ctx_key_ok)
        return NULL;
    ftz_ctx *c = pthread_getspecific(ctx_key);
    if (!c && (c = ftz_ctx_new()) && pthread_setspecific(ctx_key, c)) {
        ftz_ctx_free(c);
        c = NULL;
    }
    return c;
}

static int li_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const li_state *s = state;
    (void)scratch;
    if (!s->enabled)
        return STAGE_KEEP;
    const char *text = doc->text.data ? doc->text.data : "";
    char code[16];
    double score;
    if (s->model) {
        ftz_ctx *c = thread_ctx();
        int label;
        if (!c || ftz_predict(s->model, c, text, doc->text.len, &label,
                              &score))
            return WN_ENOMEM;
        snprintf(code, sizeof code, "%s", ftz_label(s->model, label));
    } else {
        int reliable;
        cld2_detect(text, doc->text.len, code, &score, &reliable);
    }
    score = (double)(float)score; /* 7 digits are all there is */
    int rc;
    if ((rc = wn_doc_meta_set_str(doc, "language", code, strlen(code))) ||
        (rc = wn_doc_meta_set_num(doc, "language_score", score)))
        return rc;
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
    LI,
    "name each document's language (CLD2 or fastText lid.176) and keep "
    "the wanted ones",
    li_opts,
    li_create,
    NULL,
    NULL,
    li_process,
    li_free,
};
