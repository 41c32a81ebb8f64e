/*
 * clean.c - the "clean" stage: line-level boilerplate removal on one page.
 *
 * Each line gets a verdict in two steps.  First the pattern rules
 * (rules.c): a named table of anchored PCRE2 patterns for the boilerplate
 * kinds that say what they are (cookie banners, share prompts, bylines,
 * timestamps, ...).  Then three structural rules that need the page around
 * a line:
 *   repeated_line  a line equal to the previous non-empty line (a title
 *                  printed twice), compared ignoring case and punctuation;
 *   byline_alone   a bare name ("Tyler Durden") next to a timestamp line;
 *   nav_run        runs of short, unpunctuated lines (menus, tag lists)
 *                  outside the article.  The article is the span of lines
 *                  that maximises (words in sentence-like lines) minus a
 *                  penalty per other line - the maximum-subarray idea of
 *                  Finn et al.'s Body Text Extraction, done on lines.  Short
 *                  lines inside the span (lists, subheads) are never
 *                  touched, which is what keeps precision high.
 * A preset (clean.preset = c4 | refinedweb, presets.c) replaces all of
 * this with published rules, for comparability.
 *
 * process() rebuilds doc->text from the kept lines; a document left with
 * no text is dropped as "clean:empty_after_cleaning" so nothing vanishes
 * silently.  Per-rule counters are atomics shared by all threads.
 */
#include "clean.h"
#include "line_model.h"
#include "presets.h"

#include <stdlib.h>

static const char R_REPEAT[] = "repeated_line";
static const char R_BYLINE[] = "byline_alone";
static const char R_NAV[] = "nav_run";
static const char R_MODEL[] = "line_model";

typedef struct clean_opts {
    const char *rules, *disable;
    int preset, builtin, combined, nav_attach, model;
    long nav_words, nav_chars, nav_run, nav_margin, nav_far, core_words;
    double core_penalty, model_threshold;
} clean_opts;

#define AT(f) OPT_AT(clean_opts, f)

/* clean.preset's choices are in the order of PRESET_* (presets.h). */
static const config_opt clean_table[] = {
    OPTION_PATH("clean.rules", "", OPT_EMPTY, AT(rules),
                "file of extra rules (format: docs/clean.md)"),
    OPTION_LIST("clean.disable", "", NULL, OPT_EMPTY, AT(disable),
                "comma-separated rule names to turn off"),
    OPTION_ENUM("clean.preset", "none", "none|c4|refinedweb|=none",
                AT(preset),
                "published rules instead of winnow's (none: winnow's own)"),
    OPTION_BOOL("clean.builtin", "1", AT(builtin),
                "use the built-in pattern rules"),
    OPTION_BOOL("clean.combined", "1", AT(combined),
                "match all rules in one combined regex per line (0: rule "
                "by rule; same verdicts)"),
    OPTION_INT("clean.nav_words", "4", 0, OPT_NOLIMIT, 0, AT(nav_words),
               "nav_run: a short line has at most N words"),
    OPTION_INT("clean.nav_chars", "40", 0, OPT_NOLIMIT, 0, AT(nav_chars),
               "nav_run: ... and at most N characters"),
    OPTION_INT("clean.nav_run", "3", 1, OPT_NOLIMIT, 0, AT(nav_run),
               "nav_run: drop runs of at least N short lines"),
    OPTION_INT("clean.nav_margin", "2", 0, OPT_NOLIMIT, 0, AT(nav_margin),
               "nav_run: lines this close to the article are kept"),
    OPTION_BOOL("clean.nav_attach", "0", AT(nav_attach),
                "nav_run: keep a run that touches the article (its list "
                "or table)"),
    OPTION_INT("clean.nav_far", "0", 0, OPT_NOLIMIT, 0, AT(nav_far),
               "nav_run: also drop a lone short line this many lines from "
               "the article (0: off)"),
    OPTION_INT("clean.core_words", "8", 1, OPT_NOLIMIT, 0, AT(core_words),
               "article span: sentence lines of >= N words count for it"),
    OPTION_DOUBLE("clean.core_penalty", "2", 0, OPT_NOLIMIT, 0,
                  AT(core_penalty), "article span: cost of any other line"),
    OPTION_BOOL("clean.model", "1", AT(model),
                "line_model: drop a line the rules kept when the line "
                "model scores it below clean.model_threshold"),
    OPTION_DOUBLE("clean.model_threshold", LM_THRESHOLD_S, 0, 1, 0,
                  AT(model_threshold),
                  "line_model: least P(article) a line needs to stay"),
    OPTION_END,
};

typedef struct clean_state {
    cl_rules *rules;
    int preset;
    int no_repeat, no_byline, no_nav, no_model;
    long nav_words, nav_chars, nav_run, nav_margin, core_words;
    int nav_attach;
    long nav_far;
    double core_penalty;
    int model;
    double model_threshold;
    const char *ts_name, *rel_name; /* interned timestamp rule names */
    cl_counts counts;
} clean_state;

static void clean_free(void *p)
{
    clean_state *st = p;
    if (!st)
        return;
    cl_rules_free(st->rules);
    free(st);
}

static int disable_list(clean_state *st, const char *list, wn_error *err)
{
    const char *item;
    size_t n;
    while ((n = config_list_next(&list, &item))) {
        char name[80];
        if (n >= sizeof name)
            return wn_err(err, WN_EINVAL, "", 0, "no rule named '%.*s'",
                          (int)n, item);
        memcpy(name, item, n);
        name[n] = 0;
        if (!strcmp(name, R_REPEAT))
            st->no_repeat = 1;
        else if (!strcmp(name, R_BYLINE))
            st->no_byline = 1;
        else if (!strcmp(name, R_NAV))
            st->no_nav = 1;
        else if (!strcmp(name, R_MODEL))
            st->no_model = 1;
        else if (presets_has_rule(name))
            ; /* preset rules are fixed; naming them is not an error */
        else {
            int rc = cl_rules_disable(st->rules, name, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int clean_setup(clean_state *st, const clean_opts *o, wn_error *err);

/* On failure nothing is left behind: *out is NULL. */
static int clean_create(const void *opts, void **out, wn_error *err)
{
    clean_state *st = calloc(1, sizeof *st);
    *out = NULL;
    if (!st)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    int rc = clean_setup(st, opts, err);
    if (rc < 0) {
        clean_free(st);
        return rc;
    }
    *out = st;
    return 0;
}

static int clean_setup(clean_state *st, const clean_opts *o, wn_error *err)
{
    st->preset = o->preset;
    st->nav_words = o->nav_words;
    st->nav_chars = o->nav_chars;
    st->nav_run = o->nav_run;
    st->nav_margin = o->nav_margin;
    st->core_words = o->core_words;
    st->nav_attach = o->nav_attach;
    st->nav_far = o->nav_far;
    st->core_penalty = o->core_penalty;
    st->model = o->model;
    st->model_threshold = o->model_threshold;
    int rc = cl_rules_new(o->builtin, o->rules, NULL, &st->rules, err);
    if (rc)
        return rc;
    if ((rc = disable_list(st, o->disable, err)))
        return rc;
    if ((rc = cl_rules_finish(st->rules, o->combined, err)))
        return rc;
    /* Intern every name a verdict can carry, so per-document counting is
     * pointer comparison. */
    if (st->preset)
        presets_intern(st->preset, &st->counts);
    else {
        for (size_t i = 0; i < cl_rules_count(st->rules); i++)
            cl_counts_slot(&st->counts, cl_rules_name(st->rules, i));
        cl_counts_slot(&st->counts, R_REPEAT);
        cl_counts_slot(&st->counts, R_BYLINE);
        cl_counts_slot(&st->counts, R_NAV);
        cl_counts_slot(&st->counts, R_MODEL);
        for (size_t i = 0; i < cl_rules_count(st->rules); i++) {
            const char *nm = cl_rules_name(st->rules, i);
            if (!strcmp(nm, "timestamp_alone"))
                st->ts_name = nm;
            else if (!strcmp(nm, "relative_time"))
                st->rel_name = nm;
        }
    }
    return 0;
}

/* Equal ignoring ASCII case, punctuation, spaces and no-break spaces. */
static int same_text(const char *a, size_t an, const char *b, size_t bn)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < an && (((unsigned char)a[i] < 0x80 && !isalnum_c(a[i])) ||
                          (i + 1 < an && (unsigned char)a[i] == 0xC2 &&
                           (unsigned char)a[i + 1] == 0xA0)))
            i += (unsigned char)a[i] == 0xC2 ? 2 : 1;
        while (j < bn && (((unsigned char)b[j] < 0x80 && !isalnum_c(b[j])) ||
                          (j + 1 < bn && (unsigned char)b[j] == 0xC2 &&
                           (unsigned char)b[j + 1] == 0xA0)))
            j += (unsigned char)b[j] == 0xC2 ? 2 : 1;
        if (i == an || j == bn)
            return i == an && j == bn;
        if (lower_c(a[i]) != lower_c(b[j]))
            return 0;
        i++, j++;
    }
}

/* "Tyler Durden", "Jane van Dyke": 2-4 capitalised words, letters only. */
static int name_like(const char *s, size_t n, const cl_line *l)
{
    if (l->words < 2 || l->words > 4 || l->chars > 40)
        return 0;
    int start = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ') {
            start = 1;
            continue;
        }
        if (start) {
            if (!(c >= 'A' && c <= 'Z') && c < 0x80)
                return 0;
            start = 0;
            continue;
        }
        if (c < 0x80 && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
            c != '.' && c != '-' && c != '\'')
            return 0;
    }
    return 1;
}

/* The structural rules; the non-empty lines' indexes are left in store
 * (*m of them) and the article span over them in *bs..*be (*span 0: none),
 * for the line model. */
static void structural(clean_state *st, const char *text, cl_line *lines,
                       size_t n, wn_buf *store, size_t *pm, size_t *pbs,
                       size_t *pbe, int *span)
{
    *pm = 0;
    *span = 0;
    /* Work on the non-empty lines only: blank lines carry no evidence. */
    store->len = 0;
    if (wn_buf_reserve(store, (n + 1) * sizeof(uint32_t)))
        return;
    uint32_t *idx = (uint32_t *)(void *)store->data;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (lines[i].len)
            idx[m++] = (uint32_t)i;
    if (!st->no_repeat)
        for (size_t j = 1; j < m; j++) {
            cl_line *a = &lines[idx[j - 1]], *b = &lines[idx[j]];
            if (!b->rule && same_text(text + a->off, a->len, text + b->off,
                                      b->len))
                b->rule = R_REPEAT;
        }
    if (!st->no_byline && (st->ts_name || st->rel_name))
        for (size_t j = 0; j < m; j++) {
            cl_line *l = &lines[idx[j]];
            if (l->rule || !name_like(text + l->off, l->len, l))
                continue;
            const char *prev = j > 0 ? lines[idx[j - 1]].rule : NULL;
            const char *next = j + 1 < m ? lines[idx[j + 1]].rule : NULL;
            if ((prev && (prev == st->ts_name || prev == st->rel_name)) ||
                (next && (next == st->ts_name || next == st->rel_name)))
                l->rule = R_BYLINE;
        }
    *pm = m;
    if (m == 0)
        return;
    /* The article span: maximum-sum run of line scores. */
    double best = 0, cur = 0;
    size_t bs = 0, be = 0, cs = 0;
    int found = 0;
    for (size_t j = 0; j < m; j++) {
        const cl_line *l = &lines[idx[j]];
        double v = (!l->rule && (long)l->words >= st->core_words &&
                    cl_ends_sentence(text + l->off, l->len))
                       ? (double)l->words
                       : -st->core_penalty;
        if (cur <= 0) {
            cur = v;
            cs = j;
        } else
            cur += v;
        if (cur > best) {
            best = cur;
            bs = cs;
            be = j;
            found = 1;
        }
    }
    *pbs = bs;
    *pbe = be;
    *span = found;
    if (!found || st->no_nav)
        return; /* no prose at all: nothing to measure "outside" against */
    size_t j = 0;
    while (j < m) {
        size_t k = j;
        while (k < m) {
            const cl_line *l = &lines[idx[k]];
            if ((long)l->words > st->nav_words ||
                (long)l->chars > st->nav_chars ||
                cl_ends_sentence(text + l->off, l->len))
                break;
            k++;
        }
        /* A run that touches the article (starts right after it or ends
         * right before it) is a list or table of the article, not a
         * menu: kept whole. */
        int attached = st->nav_attach &&
                       ((j > be && j <= be + 1 + (size_t)st->nav_margin) ||
                        (k <= bs && k + (size_t)st->nav_margin >= bs));
        int run_ok = (long)(k - j) >= st->nav_run && !attached;
        for (size_t t = j; t < k; t++) {
            /* A run long enough goes when outside the margin; with
             * clean.nav_far > 0 even a lone short line goes when it is
             * that far from the article. */
            int outside = t + (size_t)st->nav_margin < bs ||
                          t > be + (size_t)st->nav_margin;
            int far = st->nav_far > 0 && (t + (size_t)st->nav_far < bs ||
                                          t > be + (size_t)st->nav_far);
            if (((run_ok && outside) || far) && !lines[idx[t]].rule) {
                /* with the model on, nav_run is one of its features
                 * (by measurement: docs/clean.md), not a veto */
                lines[idx[t]].nav = 1;
                if (!(st->model && !st->no_model))
                    lines[idx[t]].rule = R_NAV;
            }
        }
        j = k > j ? k : j + 1;
    }
}

/* Scores the lines the rules kept (all of them first: a line's features
 * read its neighbours' verdicts, which must be the rules' alone), then
 * drops those below the threshold.  Features go to rows of fstore (and
 * the rows' line indexes and scores after them) so that the lines are
 * scored in batches. */
static int model(clean_state *st, const char *text, cl_line *lines,
                 const uint32_t *idx, size_t m, size_t bs, size_t be,
                 int span, wn_buf *feat, wn_buf *hstore, wn_buf *fstore)
{
    lm_page pg;
    if (lm_prepare(text, lines, idx, m, hstore, &pg))
        return WN_ENOMEM;
    const size_t row = LM_NFEAT * sizeof(float);
    if (feat) {
        feat->len = 0;
        if (wn_buf_reserve(feat, (m + 1) * row))
            return WN_ENOMEM;
        memset(feat->data, 0, (m + 1) * row);
    }
    fstore->len = 0;
    if (wn_buf_reserve(fstore, (m + 1) * (row + 2 * sizeof(float))))
        return WN_ENOMEM;
    float *x = (float *)(void *)fstore->data;
    float *score = x + (m + 1) * LM_NFEAT;
    uint32_t *at = (uint32_t *)(void *)(score + m + 1);
    size_t cnt = 0;
    for (size_t j = 0; j < m; j++) {
        if (lines[idx[j]].rule)
            continue;
        float *r = x + cnt * LM_NFEAT;
        lm_features(text, lines, idx, m, j, bs, be, span, &pg, r);
        if (feat)
            memcpy(feat->data + j * row, r, row);
        at[cnt++] = (uint32_t)j;
    }
    lm_score_batch(x, cnt, score);
    for (size_t k = 0; k < cnt; k++)
        lines[idx[at[k]]].score = score[k];
    if (feat)
        feat->len = m * row;
    if (st->model && !st->no_model)
        for (size_t j = 0; j < m; j++) {
            cl_line *l = &lines[idx[j]];
            if (!l->rule && l->score < st->model_threshold)
                l->rule = R_MODEL;
        }
    return 0;
}

int clean_decide(void *state, const wn_doc *doc, cl_line *lines, size_t n,
                 wn_buf *reason, stage_scratch *sc, wn_buf *feat)
{
    clean_state *st = state;
    const char *text = doc->text.data ? doc->text.data : "";
    if (st->preset)
        return presets_decide(st->preset, text, doc->text.len, lines, n,
                              reason, &sc->b[3]);
    int utf_ok = wn_utf8_valid(text, doc->text.len);
    void *md = cl_rules_match_data(st->rules);
    if (!md)
        return WN_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (lines[i].len)
            lines[i].rule = cl_rules_match(st->rules, text + lines[i].off,
                                           lines[i].len, utf_ok, md);
    cl_rules_match_data_free(md);
    size_t m, bs = 0, be = 0;
    int span;
    structural(st, text, lines, n, &sc->b[2], &m, &bs, &be, &span);
    if ((st->model && !st->no_model) || feat) {
        int rc = model(st, text, lines, (const uint32_t *)(void *)sc->b[2].data,
                       m, bs, be, span, feat, &sc->b[1], &sc->b[3]);
        if (rc)
            return rc;
    }
    return STAGE_KEEP;
}

static int clean_process(void *state, wn_doc *doc, stage_scratch *sc,
                         wn_buf *reason)
{
    clean_state *st = state;
    cl_line *lines;
    size_t n = cl_split(doc->text.data, doc->text.len, &sc->b[0], &lines);
    if (n == CL_SPLIT_NOMEM)
        return WN_ENOMEM;
    int rc = clean_decide(st, doc, lines, n, reason, sc, NULL);
    if (rc <= 0) {
        if (rc == STAGE_DROP)
            presets_count_doc(&st->counts, reason);
        return rc;
    }
    cl_counts_add(&st->counts, lines, n);
    if (st->preset)
        rc = presets_rebuild(st->preset, &doc->text, lines, n, &sc->b[1]);
    else
        rc = cl_rebuild(&doc->text, lines, n, &sc->b[1]);
    if (rc < 0)
        return rc;
    if (!doc->text.len) {
        wn_buf_puts(reason, "clean:empty_after_cleaning");
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const cl_counts *clean_counts(void *state)
{
    return &((clean_state *)state)->counts;
}

const stage_ops stage_clean = {
    .name = "clean",
    .group = "clean",
    .summary = "drop boilerplate lines by named rules (cookie banners, "
               "share prompts, bylines, menus, ...)",
    .opts = clean_table,
    .opts_size = sizeof(clean_opts),
    .create = clean_create,
    .process = clean_process,
    .free = clean_free,
};
