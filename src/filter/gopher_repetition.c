/*
 * gopher_repetition.c - stage "gopher_repetition": the repetition rules of
 * DeepMind's MassiveText (Rae et al. 2021, appendix A.1.1, table A1),
 * measured as datatrove's GopherRepetitionFilter measures them and checked
 * in its order:
 *   - duplicate paragraphs and lines: the share of elements that repeat an
 *     earlier one, and the share of the text's characters they hold;
 *   - top n-gram (n = 2, 3, 4): characters of the most frequent n-gram
 *     (words joined by one space) times its count, over the text's
 *     characters;
 *   - duplicate n-grams (n = 5..10): characters of every n-gram that
 *     repeats an earlier one, scanning left to right and jumping past a
 *     repeat so overlapping repeats count once (words joined without
 *     spaces, as datatrove does).
 *
 * Strings are compared by 64-bit hashes: n-gram hashes come from a prefix
 * polynomial over the word hashes (O(1) per n-gram), so nine n-gram passes
 * cost hash-table walks over the words and no string building; the
 * duplicate passes (n = 5..10) touch the table only where the 5-gram
 * occurs more than once, which on ordinary prose is almost nowhere.
 */
#include "../pipeline/stage.h"
#include "tokens.h"

#include <math.h>
#include <stdlib.h>

#define GR "gopher_repetition"

enum { DUP_PARA, DUP_PARA_CHAR, DUP_LINE, DUP_LINE_CHAR, TOP2, TOP3, TOP4,
       DUP5, DUP6, DUP7, DUP8, DUP9, DUP10, NRULES };

/* Every bound can be switched off ("off"): stored as a double, NaN = off. */
typedef struct gr_opts {
    int enabled;
    double v[NRULES];
} gr_opts;

#define FRAC(key, def, i, help)                                              \
    OPTION_DOUBLE(GR "." key, def, 0, 1, OPT_OFF, OPT_AT(gr_opts, v[i]), help)

/* The rules in enum order, after "enabled". */
static const config_opt gr_table[] = {
    OPTION_BOOL(GR ".enabled", "1", OPT_AT(gr_opts, enabled),
                "run this filter (0 turns it off)"),
    FRAC("max_dup_para_frac", "0.3", DUP_PARA,
         "largest fraction of paragraphs that repeat an earlier one"),
    FRAC("max_dup_para_char_frac", "0.2", DUP_PARA_CHAR,
         "largest fraction of characters in repeated paragraphs"),
    FRAC("max_dup_line_frac", "0.3", DUP_LINE,
         "largest fraction of lines that repeat an earlier one"),
    FRAC("max_dup_line_char_frac", "0.2", DUP_LINE_CHAR,
         "largest fraction of characters in repeated lines"),
    FRAC("max_top_2gram", "0.2", TOP2,
         "largest character fraction of the top 2-gram"),
    FRAC("max_top_3gram", "0.18", TOP3, "... of the top 3-gram"),
    FRAC("max_top_4gram", "0.16", TOP4, "... of the top 4-gram"),
    FRAC("max_dup_5gram", "0.15", DUP5,
         "largest character fraction in duplicated 5-grams"),
    FRAC("max_dup_6gram", "0.14", DUP6, "... in duplicated 6-grams"),
    FRAC("max_dup_7gram", "0.13", DUP7, "... in duplicated 7-grams"),
    FRAC("max_dup_8gram", "0.12", DUP8, "... in duplicated 8-grams"),
    FRAC("max_dup_9gram", "0.11", DUP9, "... in duplicated 9-grams"),
    FRAC("max_dup_10gram", "0.1", DUP10, "... in duplicated 10-grams"),
    OPTION_END,
};

typedef struct gr_state {
    int enabled;
    int on[NRULES];
    double v[NRULES];
    double rv[NRULES]; /* the report's bounds (see gopher_quality.c) */
    stage_langs langs; /* per-language states */
} gr_state;

static void gr_free(void *state)
{
    gr_state *s = state;
    if (s)
        stage_langs_release(&s->langs, gr_free);
    free(s);
}

static int gr_create(const void *opts, void **state, wn_error *err);

static int gr_add_language(void *state, const char *lang, const void *opts,
                           wn_error *err)
{
    gr_state *s = state;
    int rc = stage_langs_create(&s->langs, lang, opts, gr_create, gr_free,
                                err);
    gr_state *sub = rc ? NULL : s->langs.state[s->langs.n - 1];
    for (int i = 0; sub && i < NRULES; i++)
        if (!isnan(s->v[i])) /* a rule only this language has: its own */
            sub->rv[i] = s->v[i];
    return rc;
}

#define POLY 0x9E3779B97F4A7C15ULL
#define PF 8 /* prefetch distance, in n-grams */ /* odd: powers never vanish mod 2^64 */

static int gr_create(const void *opts, void **state, wn_error *err)
{
    const gr_opts *o = opts;
    gr_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = o->enabled;
    for (int i = 0; i < NRULES; i++) {
        s->on[i] = !isnan(o->v[i]);
        s->rv[i] = s->v[i] = o->v[i];
    }
    *state = s;
    return 0;
}

/* Repeated elements among spans (blank ones skipped): count and code
 * points of the elements that repeat an earlier one. */
static void find_dups(ftok_count *c, const ftok_span *sp, size_t n,
                      size_t *elems, size_t *dups, size_t *dup_cps)
{
    *elems = *dups = *dup_cps = 0;
    ftok_count_clear(c);
    for (size_t i = 0; i < n; i++) {
        if (sp[i].blank)
            continue;
        (*elems)++;
        if (ftok_count_add(c, sp[i].hash, (uint32_t)i) > 1) {
            (*dups)++;
            *dup_cps += sp[i].cps;
        }
    }
}

static inline uint64_t ngram_hash(const uint64_t *pre, const uint64_t *pw,
                                  size_t i, size_t n)
{
    return pre[i + n] - pre[i] * pw[n];
}

/* The measures, one per rule and in rule order: their names are the
 * reasons' and the signals'. */
static const char *const m_name[NRULES] = {
    "dup_para_frac", "dup_para_char_frac", "dup_line_frac",
    "dup_line_char_frac", "top_2gram_char_frac", "top_3gram_char_frac",
    "top_4gram_char_frac", "dup_5gram_char_frac", "dup_6gram_char_frac",
    "dup_7gram_char_frac", "dup_8gram_char_frac", "dup_9gram_char_frac",
    "dup_10gram_char_frac"};

/* The verdict on measures m, the first failing rule in rule order. */
static int gr_decide(stage_scratch *sc, const gr_state *s, const double *m, wn_buf *reason)
{
    for (int i = 0; i < NRULES; i++) {
        if (!s->on[i])
            continue;
        /* each check also tells the report its value (stage_measure) */
        stage_measure(sc, GR, m_name[i], m[i], ">", s->rv[i],
                      m[i] > s->v[i]);
        if (m[i] > s->v[i])
            return freason(reason, GR, m_name[i], m[i], ">", s->v[i])
                       ? WN_ENOMEM
                       : STAGE_DROP;
    }
    return STAGE_KEEP;
}

/* Measure i is x: a plain run stops at the first failing rule (the rest
 * is work for nothing); an annotated one measures everything, and its
 * verdict is the same first failing rule (gr_decide at the end). */
#define FAIL(i, x)                                                           \
    do {                                                                     \
        mv[i] = (x);                                                         \
        if (!all && s->on[i] && mv[i] > s->v[i])                             \
            return gr_decide(scratch, s, mv, reason);                                 \
    } while (0)

static int gr_measure(const gr_state *s, const ftok_doc *t,
                      stage_scratch *scratch, int all, double *mv,
                      wn_buf *reason);

static int gr_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const gr_state *s = stage_langs_pick(&((gr_state *)state)->langs, doc, state);
    if (!s->enabled)
        return STAGE_KEEP;
    const ftok_doc *t = ftok_get_doc(doc);
    if (!t)
        return WN_ENOMEM;
    double m[NRULES] = {0}; /* what is not measured repeats nowhere */
    int all = scratch->annotate;
    int rc = gr_measure(s, t, scratch, all, m, reason);
    if (rc != STAGE_KEEP || !all)
        return rc;
    if (stage_signals_put_nums(doc, GR, m_name, m, NRULES, &scratch->b[3]))
        return WN_ENOMEM;
    return gr_decide(scratch, s, m, reason);
}

/* winnow select: the measures an annotated run wrote. */
static int gr_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const gr_state *s = stage_langs_pick(&((gr_state *)state)->langs, doc, state);
    if (!s->enabled)
        return STAGE_KEEP;
    double m[NRULES];
    if (!stage_signals_get_nums(doc, GR, m_name, m, NRULES))
        return STAGE_NO_SIGNALS;
    return gr_decide(NULL, s, m, reason);
}

/* The measures into mv, in rule order; without `all`, returns the verdict
 * at the first failing rule. */
static int gr_measure(const gr_state *s, const ftok_doc *t,
                      stage_scratch *scratch, int all, double *mv,
                      wn_buf *reason)
{
    if (!t->cps)
        return STAGE_KEEP; /* nothing can repeat in an empty text */
    double tc = (double)t->cps;
    size_t most = t->nwords > t->nlines ? t->nwords : t->nlines;
    ftok_count c;
    if (ftok_count_init(&c, scratch, most))
        return WN_ENOMEM;

    size_t n, d, dc;
    find_dups(&c, t->paras, t->nparas, &n, &d, &dc);
    FAIL(DUP_PARA, n ? (double)d / n : 0.0);
    FAIL(DUP_PARA_CHAR, dc / tc);
    find_dups(&c, t->lines, t->nlines, &n, &d, &dc);
    FAIL(DUP_LINE, n ? (double)d / n : 0.0);
    FAIL(DUP_LINE_CHAR, dc / tc);

    /* prefix hashes pre[i] over words [0, i) and powers of POLY, and prefix
     * code-point sums, in scratch->b[0] */
    size_t nw = t->nwords;
    wn_buf *b = &scratch->b[0];
    wn_buf_reset(b);
    if (wn_buf_reserve(b, (nw + 1) * 2 * sizeof(uint64_t) +
                              (nw + 1) * sizeof(uint64_t) + 11 * 8))
        return WN_ENOMEM;
    uint64_t *pre = (uint64_t *)(void *)b->data;
    uint64_t *cpre = pre + nw + 1;
    uint64_t pw[11];
    pw[0] = 1;
    for (int i = 1; i <= 10; i++)
        pw[i] = pw[i - 1] * POLY;
    pre[0] = cpre[0] = 0;
    for (size_t i = 0; i < nw; i++) {
        pre[i + 1] = pre[i] * POLY + t->words[i].hash;
        cpre[i + 1] = cpre[i] + t->words[i].cps;
    }

    /* One sweep per n from 2 to 5 finds the positions whose n-gram occurs
     * more than once.  An n+1-gram can only repeat where its n-gram does,
     * so each sweep visits only the previous sweep's positions: on prose
     * the 2-gram sweep is the only one over every word.  The top n-gram
     * (n = 2..4) comes out of the same sweeps, and the duplicate n-gram
     * scans (n = 5..10) visit only positions whose 5-gram repeats. */
    if (nw < 2)
        return STAGE_KEEP;
    wn_buf *mb = &scratch->b[2];
    wn_buf_reset(mb);
    if (wn_buf_reserve(mb, nw * (sizeof(uint32_t) + 1)))
        return WN_ENOMEM;
    uint32_t *pos = (uint32_t *)(void *)mb->data; /* candidate positions */
    unsigned char *mark = (unsigned char *)(pos + nw); /* = n: repeats */
    size_t np = nw - 1;
    for (size_t i = 0; i < np; i++)
        pos[i] = (uint32_t)i;
    memset(mark, 0, nw);
    for (size_t k = 2; k <= 5; k++) {
        ftok_count_clear(&c);
        /* Counter.most_common(1): highest count, earliest first sight;
         * kept up to date while counting, so the table is never scanned */
        uint32_t best = 0, at = 0;
        size_t m = 0;
        for (size_t j = 0; j < np; j++) {
            size_t i = pos[j];
            if (i + k > nw)
                break;
            if (j + PF < np && pos[j + PF] + k <= nw)
                ftok_count_prefetch(&c, ngram_hash(pre, pw, pos[j + PF], k));
            ftok_slot *e =
                ftok_count_slot(&c, ngram_hash(pre, pw, i, k), (uint32_t)i);
            if (e->count == 2)
                mark[e->first] = (unsigned char)k;
            if (e->count >= 2)
                mark[i] = (unsigned char)k;
            if (e->count > best || (e->count == best && e->first < at)) {
                best = e->count;
                at = e->first;
            }
        }
        if (k <= 4 && (all || s->on[TOP2 + (int)(k - 2)]) && nw >= k) {
            if (best < 2) { /* nothing repeats: the first n-gram, once */
                best = 1;
                at = 0;
            }
            double chars = (double)(cpre[at + k] - cpre[at] + (k - 1)) * best;
            FAIL(TOP2 + (int)(k - 2), chars / tc);
        }
        for (size_t j = 0; j < np; j++)
            if (mark[pos[j]] == k)
                pos[m++] = pos[j];
        np = m;
    }
    if (nw < 5 || !np)
        return STAGE_KEEP; /* no 5-gram repeats, so no longer one does */

    for (size_t k = 5; k <= 10 && nw >= k; k++) {
        ftok_count_clear(&c);
        uint64_t rep = 0;
        size_t next = 0;
        /* datatrove's scan moves one word at a time and jumps past each
         * repeat; a position whose 5-gram is unique starts a new n-gram
         * never seen again, so only the repeating positions are visited */
        for (size_t j = 0; j < np; j++) {
            size_t i = pos[j];
            if (i < next)
                continue;
            if (i + k > nw)
                break;
            if (ftok_count_add(&c, ngram_hash(pre, pw, i, k), (uint32_t)i) >
                1) {
                rep += cpre[i + k] - cpre[i];
                next = i + k;
            }
        }
        int rule = DUP5 + (int)(k - 5);
        FAIL(rule, rep / tc);
    }
    return STAGE_KEEP;
}


const stage_ops stage_gopher_repetition = {
    .name = GR,
    .group = "filter",
    .summary = "drop documents with repeated lines, paragraphs or n-grams "
               "(Gopher)",
    .opts = gr_table,
    .opts_size = sizeof(gr_opts),
    .create = gr_create,
    .process = gr_process,
    .free = gr_free,
    .add_language = gr_add_language,
    .judge = gr_judge,
};
