/*
 * gopher_quality.c - stage "gopher_quality": the quality rules of DeepMind's
 * MassiveText (Rae et al. 2021, "Scaling Language Models: Methods, Analysis
 * & Insights from Training Gopher", appendix A.1.1), checked in the order
 * of datatrove's GopherQualityFilter so the first failing rule is the same.
 *
 * Word choices (docs/filters.md): words are whitespace tokens from the
 * shared tokenisation (which also trims and checks stop words, see
 * tokens.h); a "symbol word" has no letter or digit and is left
 * out of the word count and of the mean length, as datatrove does; a word's
 * length ignores ASCII punctuation at its ends (so "end." is 3 long, as a
 * tokenizer that splits punctuation would count it); stop words are counted
 * per occurrence (datatrove), case-insensitively, after that same trim.
 * Ratios over lines use non-blank lines only: blank lines between
 * paragraphs would otherwise dilute the bullet and ellipsis ratios.
 */
#include "../pipeline/stage.h"
#include "tokens.h"

#include <math.h>
#include <stdlib.h>

#define GQ "gopher_quality"

enum { MIN_WORDS, MAX_WORDS, MIN_MWL, MAX_MWL, MAX_HASH, MAX_ELL, MAX_BULLET,
       MAX_ELL_LINES, MIN_ALPHA, MIN_STOP, NRULES };

/* Every bound can be switched off ("off"): stored as a double, NaN = off. */
typedef struct gq_opts {
    int enabled;
    double v[NRULES];
    const char *stop_words;
} gq_opts;

#define GOPHER_STOP_WORDS "the be to of and that have with"

#define AT(i) OPT_AT(gq_opts, v[i])
#define NUM OPT_NOLIMIT

/* The rules in enum order, after "enabled". */
static const config_opt gq_table[] = {
    OPTION_BOOL(GQ ".enabled", "1", OPT_AT(gq_opts, enabled),
                "run this filter (0 turns it off)"),
    OPTION_INT(GQ ".min_words", "50", 0, NUM, OPT_OFF, AT(MIN_WORDS),
               "fewest non-symbol words"),
    OPTION_INT(GQ ".max_words", "100000", 0, NUM, OPT_OFF, AT(MAX_WORDS),
               "most non-symbol words"),
    OPTION_DOUBLE(GQ ".min_mean_word_length", "3", 0, NUM, OPT_OFF,
                  AT(MIN_MWL), "smallest mean word length (chars)"),
    OPTION_DOUBLE(GQ ".max_mean_word_length", "10", 0, NUM, OPT_OFF,
                  AT(MAX_MWL), "largest mean word length (chars)"),
    OPTION_DOUBLE(GQ ".max_hash_ratio", "0.1", 0, NUM, OPT_OFF, AT(MAX_HASH),
                  "most '#' per word"),
    OPTION_DOUBLE(GQ ".max_ellipsis_ratio", "0.1", 0, NUM, OPT_OFF,
                  AT(MAX_ELL), "most '...' or U+2026 per word"),
    OPTION_DOUBLE(GQ ".max_bullet_lines", "0.9", 0, 1, OPT_OFF,
                  AT(MAX_BULLET),
                  "largest fraction of lines starting with a bullet "
                  "(U+2022 or '-')"),
    OPTION_DOUBLE(GQ ".max_ellipsis_lines", "0.3", 0, 1, OPT_OFF,
                  AT(MAX_ELL_LINES),
                  "largest fraction of lines ending in an ellipsis"),
    OPTION_DOUBLE(GQ ".min_alpha_words", "0.8", 0, 1, OPT_OFF, AT(MIN_ALPHA),
                  "smallest fraction of words with a letter"),
    OPTION_INT(GQ ".min_stop_words", "2", 0, NUM, OPT_OFF, AT(MIN_STOP),
               "fewest stop words (occurrences of stop_words)"),
    OPTION_STRING(GQ ".stop_words", GOPHER_STOP_WORDS, 0,
                  OPT_AT(gq_opts, stop_words),
                  "the stop words, separated by spaces (any case; "
                  "punctuation at a word's ends is ignored)"),
    OPTION_END,
};

typedef struct gq_state {
    int enabled;
    int on[NRULES];
    double v[NRULES];
    double rv[NRULES]; /* bounds the report bins against: the options'
                        * (English's) in every language's state, so one
                        * histogram holds every language */
    /* stop words: Gopher's list is the tokeniser's FTOK_STOP flag (the
     * English fast path); any other list is the keys (ftok_word_key) of
     * its words, compared word by word */
    int gopher_stop;
    uint64_t *stop;
    size_t nstop;
    stage_langs langs; /* per-language states */
} gq_state;

static void gq_free(void *state)
{
    gq_state *s = state;
    if (!s)
        return;
    stage_langs_release(&s->langs, gq_free);
    free(s->stop);
    free(s);
}

static int gq_stop_words(gq_state *s, const char *list)
{
    s->gopher_stop = !strcmp(list, GOPHER_STOP_WORDS);
    if (s->gopher_stop)
        return 0;
    for (const char *p = list; *p;) {
        size_t n = strcspn(p, " \t\n");
        uint64_t k;
        if (n && ftok_word_key(p, n, &k)) {
            uint64_t *m = realloc(s->stop, (s->nstop + 1) * sizeof *m);
            if (!m)
                return WN_ENOMEM;
            s->stop = m;
            s->stop[s->nstop++] = k;
        }
        p += n;
        p += strspn(p, " \t\n");
    }
    return 0;
}

static int gq_create(const void *opts, void **state, wn_error *err)
{
    const gq_opts *o = opts;
    gq_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = o->enabled;
    for (int i = 0; i < NRULES; i++) {
        s->on[i] = !isnan(o->v[i]);
        s->rv[i] = s->v[i] = o->v[i];
    }
    if (gq_stop_words(s, o->stop_words)) {
        gq_free(s);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    *state = s;
    return 0;
}

static int gq_add_language(void *state, const char *lang, const void *opts,
                           wn_error *err)
{
    gq_state *s = state;
    int rc = stage_langs_create(&s->langs, lang, opts, gq_create, gq_free,
                                err);
    gq_state *sub = rc ? NULL : s->langs.state[s->langs.n - 1];
    for (int i = 0; sub && i < NRULES; i++)
        if (!isnan(s->v[i])) /* a rule only this language has: its own */
            sub->rv[i] = s->v[i];
    return rc;
}

/* Is word w one of s's stop words? */
static inline int is_stop(const gq_state *s, const char *text,
                          const ftok_word *w)
{
    if (s->gopher_stop)
        return (w->flags & FTOK_STOP) != 0;
    uint64_t k;
    if (!s->nstop || !ftok_word_key(text + w->off, w->len, &k))
        return 0;
    for (size_t i = 0; i < s->nstop; i++)
        if (s->stop[i] == k)
            return 1;
    return 0;
}

/* Non-overlapping occurrences of a 3-byte needle, as Python's str.count. */
static size_t count3(const char *s, size_t n, const char *needle)
{
    size_t c = 0;
    const char *p = s, *end = s + n;
    while (end - p >= 3) {
        const char *q = memchr(p, needle[0], (size_t)(end - p) - 2);
        if (!q)
            break;
        if (q[1] == needle[1] && q[2] == needle[2]) {
            c++;
            p = q + 3;
        } else {
            p = q + 1;
        }
    }
    return c;
}

static int starts_bullet(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return (i < n && s[i] == '-') ||
           (n - i >= 3 && !memcmp(s + i, "\xe2\x80\xa2", 3));
}

static int ends_ellipsis(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (n >= 3 && !memcmp(s + n - 3, "...", 3)) ||
           (n >= 3 && !memcmp(s + n - 3, "\xe2\x80\xa6", 3));
}

/* Each check also tells the report its value (stage_measure). */
#define FAIL_LT(i, name, x)                                                  \
    do {                                                                     \
        if (s->on[i])                                                        \
            stage_measure(sc, GQ, name, (x), "<", s->rv[i],              \
                          (x) < s->v[i]);                                    \
        if (s->on[i] && (x) < s->v[i])                                       \
            return freason(reason, GQ, name, (x), "<", s->v[i]) ? WN_ENOMEM  \
                                                                : STAGE_DROP;\
    } while (0)
#define FAIL_GT(i, name, x)                                                  \
    do {                                                                     \
        if (s->on[i])                                                        \
            stage_measure(sc, GQ, name, (x), ">", s->rv[i],              \
                          (x) > s->v[i]);                                    \
        if (s->on[i] && (x) > s->v[i])                                       \
            return freason(reason, GQ, name, (x), ">", s->v[i]) ? WN_ENOMEM  \
                                                                : STAGE_DROP;\
    } while (0)

/* The measures, in rule order; their names are the reasons' and the
 * signals' (RedPajama-V2 calls them rps_doc_word_count, ...). */
enum { M_WORDS, M_MWL, M_HASH, M_ELL, M_BULLET, M_ELL_LINES, M_ALPHA,
       M_STOP, NMEASURES };
static const char *const m_name[NMEASURES] = {
    "words", "mean_word_length", "hash_word_ratio", "ellipsis_word_ratio",
    "bullet_line_ratio", "ellipsis_line_ratio", "alpha_word_ratio",
    "stop_words"};

/* The verdict on measures m (the rules in datatrove's order). */
static int gq_decide(stage_scratch *sc, const gq_state *s, const double *m, wn_buf *reason)
{
    FAIL_LT(MIN_WORDS, "words", m[M_WORDS]);
    FAIL_GT(MAX_WORDS, "words", m[M_WORDS]);
    FAIL_LT(MIN_MWL, "mean_word_length", m[M_MWL]);
    FAIL_GT(MAX_MWL, "mean_word_length", m[M_MWL]);
    FAIL_GT(MAX_HASH, "hash_word_ratio", m[M_HASH]);
    FAIL_GT(MAX_ELL, "ellipsis_word_ratio", m[M_ELL]);
    FAIL_GT(MAX_BULLET, "bullet_line_ratio", m[M_BULLET]);
    FAIL_GT(MAX_ELL_LINES, "ellipsis_line_ratio", m[M_ELL_LINES]);
    FAIL_LT(MIN_ALPHA, "alpha_word_ratio", m[M_ALPHA]);
    FAIL_LT(MIN_STOP, "stop_words", m[M_STOP]);
    return STAGE_KEEP;
}

static int gq_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const gq_state *s = stage_langs_pick(&((gq_state *)state)->langs, doc,
                                         state);
    if (!s->enabled)
        return STAGE_KEEP;
    const ftok_doc *t = ftok_get_doc(doc);
    if (!t)
        return WN_ENOMEM;
    const char *x = t->text;
    size_t nsym = 0, nalpha = 0, nstop = 0, lensum = 0;
    for (size_t i = 0; i < t->nwords; i++) {
        uint32_t f = t->words[i].flags;
        nalpha += f & FTOK_ALPHA;
        if (!(f & FTOK_ALNUM)) {
            nsym++;
            continue;
        }
        /* trimmed bytes are ASCII: one code point each */
        lensum += t->words[i].cps - (f >> FTOK_TRIM_SHIFT);
        nstop += is_stop(s, x, &t->words[i]);
    }
    double m[NMEASURES] = {0};
    double nw = (double)t->nwords, words = (double)(t->nwords - nsym);
    m[M_WORDS] = words;
    m[M_MWL] = words ? (double)lensum / words : 0;
    /* the scans of rules switched off are skipped, unless annotating */
    int all = scratch->annotate;
    if (all || s->on[MAX_HASH]) {
        size_t h = 0;
        for (const char *p = x;
             (p = memchr(p, '#', t->len - (size_t)(p - x))); p++)
            h++;
        m[M_HASH] = nw ? (double)h / nw : 0;
    }
    if (all || s->on[MAX_ELL])
        m[M_ELL] = nw ? (double)(count3(x, t->len, "...") +
                                 count3(x, t->len, "\xe2\x80\xa6")) / nw
                      : 0;
    size_t nl = t->nlines - t->nblank, nbullet = 0, nell = 0;
    for (size_t i = 0; i < t->nlines; i++) {
        const ftok_span *l = &t->lines[i];
        if (l->blank)
            continue;
        nbullet += starts_bullet(x + l->off, l->len);
        nell += ends_ellipsis(x + l->off, l->len);
    }
    m[M_BULLET] = nl ? (double)nbullet / nl : 0.0;
    m[M_ELL_LINES] = nl ? (double)nell / nl : 0.0;
    m[M_ALPHA] = nw ? (double)nalpha / nw : 0.0;
    m[M_STOP] = (double)nstop;
    if (all && stage_signals_put_nums(doc, GQ, m_name, m, NMEASURES,
                                      &scratch->b[0]))
        return WN_ENOMEM;
    return gq_decide(scratch, s, m, reason);
}

static int gq_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const gq_state *s = stage_langs_pick(&((gq_state *)state)->langs, doc,
                                         state);
    if (!s->enabled)
        return STAGE_KEEP;
    double m[NMEASURES];
    if (!stage_signals_get_nums(doc, GQ, m_name, m, NMEASURES))
        return STAGE_NO_SIGNALS;
    return gq_decide(NULL, s, m, reason);
}

const stage_ops stage_gopher_quality = {
    .name = GQ,
    .group = "filter",
    .summary = "drop documents failing the Gopher (MassiveText) quality rules",
    .opts = gq_table,
    .opts_size = sizeof(gq_opts),
    .create = gq_create,
    .process = gq_process,
    .free = gq_free,
    .judge = gq_judge,
    .add_language = gq_add_language,
};
