/*
 * classifier.c - stage "classifier": scores each document with a fastText
 * supervised model (DCLM's bigram quality model, a FineWeb-Edu-style
 * fastText model, one trained by `make eval`, ...) and keeps those whose
 * score for one label reaches a threshold.
 *
 * The model is read and run by ftz.c, the reader langid uses: .bin or
 * quantised .ftz, word n-grams, softmax, hierarchical softmax or
 * one-vs-all.  The document is one line, newlines read as spaces, as
 * DCLM's and datatrove's classifiers pass it to fastText's predict; the
 * score is the probability `fasttext predict-prob MODEL - -1` prints for
 * the label (so within 1e-5 of it: tests/e2e/classifier.sh).
 *
 * The score goes into metadata as an object named after the stage (or
 * its instance), member classifier.field: {"classifier": {"hq": 0.93}}.
 * Several classifiers run in one pipeline as instances (run.stages =
 * classifier, classifier@edu; options under classifier@edu.*), each with
 * its own object and its own reasons ("classifier@edu:edu=0.2<0.5").
 * Without a model the stage keeps every document and writes nothing; a
 * threshold then applies only in winnow select, to the scores an annotated
 * run wrote.
 */
#include "../pipeline/stage.h"
#include "ftz.h"

#include <stdlib.h>

#define CL "classifier"

typedef struct cl_opts {
    const char *model, *label, *field;
    double threshold; /* NaN: off */
} cl_opts;

#define AT(f) OPT_AT(cl_opts, f)

static const config_opt cl_table[] = {
    OPTION_PATH(CL ".model", "", OPT_EMPTY, AT(model),
                "fastText supervised model (.bin or .ftz); empty: the stage "
                "keeps everything"),
    OPTION_STRING(CL ".label", "", OPT_EMPTY, AT(label),
                  "label whose probability is the score, e.g. __label__hq "
                  "(empty: the model's first label)"),
    OPTION_DOUBLE(CL ".threshold", "off", 0, 1, OPT_OFF, AT(threshold),
                  "drop documents scored below it (off: score only)"),
    OPTION_STRING(CL ".field", "", OPT_EMPTY, AT(field),
                  "member of the stage's metadata object that holds the "
                  "score (empty: the label without __label__)"),
    OPTION_END,
};

typedef struct cl_state {
    char *name;  /* the stage or instance name: metadata key, reasons */
    char *field;
    ftz_model *model;
    int label;
    double threshold;
} cl_state;

static void cl_free(void *state)
{
    cl_state *s = state;
    if (!s)
        return;
    ftz_free(s->model);
    free(s->name);
    free(s->field);
    free(s);
}

static int cl_create_named(const void *opts, const char *name, void **state,
                           wn_error *err)
{
    const cl_opts *o = opts;
    cl_state *s = calloc(1, sizeof *s);
    if (!s || !(s->name = strdup(name))) {
        free(s);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    s->threshold = o->threshold;
    int rc = 0;
    if (*o->model && !(rc = ftz_load(o->model, &s->model, err))) {
        s->label = *o->label ? ftz_find_label(s->model, o->label) : 0;
        if (s->label < 0) {
            wn_buf all = WN_BUF_INIT;
            for (int i = 0; i < ftz_nlabels(s->model) && i < 20; i++)
                wn_buf_printf(&all, "%s%s", i ? ", " : "",
                              ftz_label(s->model, i));
            rc = wn_err(err, WN_EINVAL, "", 0,
                        "%s.label: model '%s' has no label '%s' (it has %s)",
                        name, o->model, o->label, all.data ? all.data : "");
            wn_buf_release(&all);
        }
    }
    if (!rc) {
        const char *f = *o->field ? o->field
                        : s->model ? ftz_label(s->model, s->label) : "";
        if (!(s->field = strdup(f)))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    if (rc) {
        cl_free(s);
        return rc;
    }
    *state = s;
    return 0;
}

static int cl_create(const void *opts, void **state, wn_error *err)
{
    return cl_create_named(opts, CL, state, err);
}

/* The verdict on score p. */
static int cl_decide(const cl_state *s, const char *field, size_t fn,
                     double p, wn_buf *reason)
{
    if (!(p < s->threshold)) /* a NaN threshold (off) keeps */
        return STAGE_KEEP;
    wn_buf_reset(reason);
    if (wn_buf_printf(reason, "%s:%.*s=%.4g<%g", s->name, (int)fn, field, p,
                      s->threshold))
        return WN_ENOMEM;
    return STAGE_DROP;
}

/* winnow select: the score an annotated run wrote (the stage's object
 * holds it in any run; without classifier.field, its one member). */
static int cl_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const cl_state *s = state;
    const char *obj, *end;
    size_t n;
    if (!wn_doc_meta_get(doc, s->name, &obj, &n) || n < 2 || *obj != '{')
        return STAGE_NO_SIGNALS;
    end = obj + n;
    const char *p = json_skip_ws(obj + 1, end);
    wn_buf key = WN_BUF_INIT;
    int rc = STAGE_NO_SIGNALS;
    while (p < end && *p == '"' && rc == STAGE_NO_SIGNALS) {
        wn_buf_reset(&key);
        if (json_decode_string(&p, end, &key, NULL))
            break;
        p = json_skip_ws(p, end);
        if (p >= end || *p != ':')
            break;
        p = json_skip_ws(p + 1, end);
        const char *v = p;
        if (json_skip_value(&p, end, 8))
            break;
        char *e;
        double score = strtod(v, &e);
        if ((!*s->field || !strcmp(key.data ? key.data : "", s->field)) &&
            e == p)
            rc = cl_decide(s, key.data ? key.data : "", key.len, score,
                           reason);
        p = json_skip_ws(p, end);
        if (p < end && *p == ',')
            p = json_skip_ws(p + 1, end);
    }
    wn_buf_release(&key);
    return rc;
}

static int cl_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const cl_state *s = state;
    if (!s->model)
        return STAGE_KEEP;
    ftz_ctx *c = ftz_thread_ctx(s->model);
    double p;
    if (!c || ftz_label_prob(s->model, c, doc->text.data ? doc->text.data : "",
                             doc->text.len, s->label, &p))
        return WN_ENOMEM;
    /* the score is what the metadata says: decided on the printed value,
     * winnow select decides the same from an annotated run */
    char num[40];
    snprintf(num, sizeof num, "%.8g", p);
    p = strtod(num, NULL);
    wn_buf *v = &scratch->b[0];
    wn_buf_reset(v);
    int rc;
    if ((rc = wn_buf_putc(v, '{')) ||
        (rc = wn_json_put_string(v, s->field, strlen(s->field))) ||
        (rc = wn_buf_printf(v, ":%s}", num)) ||
        (rc = wn_doc_meta_set(doc, s->name, v->data, v->len)))
        return rc;
    return cl_decide(s, s->field, strlen(s->field), p, reason);
}

const stage_ops stage_classifier = {
    .name = CL,
    .group = "filter",
    .summary = "score documents with a fastText model (e.g. DCLM's quality "
               "classifier) and keep those above a threshold",
    .opts = cl_table,
    .opts_size = sizeof(cl_opts),
    .create = cl_create,
    .process = cl_process,
    .free = cl_free,
    .create_named = cl_create_named,
    .judge = cl_judge,
};
