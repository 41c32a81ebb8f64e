/*
 * c4_filter.c - stage "c4_filter": the document-level rules of C4 (Raffel
 * et al. 2020, "Exploring the Limits of Transfer Learning with a Unified
 * Text-to-Text Transformer", section 2.2; reference code: TensorFlow
 * Datasets c4_utils.py clean_page, and datatrove's C4QualityFilter):
 *   - drop a page containing "lorem ipsum" (any case);
 *   - drop a page containing a curly bracket '{' (code, not prose);
 *   - drop a page with fewer than 5 sentences.
 * C4's line rules (terminal punctuation, 3+ words, "javascript", policy
 * lines, 1000-character words) edit the text rather than judge it: they
 * are the cleaning stage's c4 preset (src/clean/), to run before this one.
 *
 * Sentences: C4 counts them with NLTK's punkt tokenizer.  Here a sentence
 * ends at a run of terminal punctuation (. ! ?, … and the sentence ends of
 * other scripts, ftok_terminal_punct) that follows a non-space character
 * and is followed by whitespace or the end of the text (closing quotes and brackets may sit between);
 * trailing text without punctuation is one more sentence.  Without punkt's
 * abbreviation list "Dr. Who" counts as two, so counts err high by a little
 * on abbreviation-heavy text; tests pin the behaviour.
 */
#include "../pipeline/stage.h"
#include "tokens.h"

#include <math.h>
#include <stdlib.h>
#include <strings.h>

#define C4 "c4_filter"

typedef struct c4_opts {
    int enabled, lorem, curly;
    double min_sent; /* NaN: off */
} c4_opts;

#define AT(f) OPT_AT(c4_opts, f)

static const config_opt c4_table[] = {
    OPTION_BOOL(C4 ".enabled", "1", AT(enabled),
                "run this filter (0 turns it off)"),
    OPTION_INT(C4 ".min_sentences", "5", 0, OPT_NOLIMIT, OPT_OFF,
               AT(min_sent), "fewest sentences"),
    OPTION_BOOL(C4 ".lorem_ipsum", "1", AT(lorem),
                "drop pages containing \"lorem ipsum\""),
    OPTION_BOOL(C4 ".curly_bracket", "1", AT(curly),
                "drop pages containing '{'"),
    OPTION_END,
};

typedef struct c4_state {
    int enabled, lorem, curly, sent_on;
    double min_sent;
    stage_langs langs; /* per-language states */
} c4_state;

static void c4_free(void *state)
{
    c4_state *s = state;
    if (s)
        stage_langs_release(&s->langs, c4_free);
    free(s);
}

static int c4_create(const void *opts, void **state, wn_error *err);

static int c4_add_language(void *state, const char *lang, const void *opts,
                           wn_error *err)
{
    return stage_langs_create(&((c4_state *)state)->langs, lang, opts,
                              c4_create, c4_free, err);
}

static int c4_create(const void *opts, void **state, wn_error *err)
{
    const c4_opts *o = opts;
    c4_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = o->enabled;
    s->lorem = o->lorem;
    s->curly = o->curly;
    s->sent_on = !isnan(o->min_sent);
    s->min_sent = o->min_sent;
    *state = s;
    return 0;
}

/* Length of the terminal punctuation character at p, or 0. */
static inline size_t term_punct(const unsigned char *p, size_t n)
{
    if (*p < 0x80)
        return *p == '.' || *p == '!' || *p == '?';
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA6) /* … */
        return 3;
    /* the sentence ends of other scripts: U+3002, U+FF01, U+0964 ...
     * all start with one of these lead bytes; letters of Latin, Greek
     * and Cyrillic scripts (and continuation bytes) are passed over
     * without decoding */
    switch (*p) {
    case 0xD6: case 0xD8: case 0xDB: case 0xDC: case 0xDF: case 0xE0:
    case 0xE1: case 0xE2: case 0xE3: case 0xEA: case 0xEF:
        return ftok_terminal_at((const char *)p, n);
    default:
        return 0;
    }
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

static int is_closer(unsigned char c)
{
    return c == '"' || c == '\'' || c == ')' || c == ']';
}

size_t c4_count_sentences(const char *text, size_t n, size_t enough);

/* Counts sentences, stopping once `enough` are found (the filter needs
 * only to know there are at least min_sentences).  Exposed (not static)
 * for the unit tests. */
size_t c4_count_sentences(const char *text, size_t n, size_t enough)
{
    const unsigned char *p = (const unsigned char *)text;
    size_t count = 0, i = 0;
    int pending = 0; /* non-space text since the last sentence end */
    while (i < n) {
        size_t k = term_punct(p + i, n - i);
        if (!k) {
            if (!is_space(p[i]))
                pending = 1;
            i++;
            continue;
        }
        size_t j = i + k;
        while (j < n && (k = term_punct(p + j, n - j)))
            j += k;
        while (j < n && is_closer(p[j]))
            j++;
        int cjk = p[i] >= 0x80; /* CJK full stops need no space after */
        if (pending && (j == n || is_space(p[j]) || cjk)) {
            if (++count >= enough)
                return count;
            pending = 0;
        }
        i = j;
    }
    return count + (size_t)pending;
}

/* Any case of "lorem ipsum" (C4 searches the lower-cased page).  Every
 * occurrence covers exactly one position j = 10 mod 11, so only those
 * bytes are looked at, and a full compare runs only where that byte is a
 * letter of the pattern: about a tenth of the work of a byte-by-byte scan. */
static int has_lorem(const char *s, size_t n)
{
    static const char pat[] = "lorem ipsum";
    for (size_t j = 10; j < n; j += 11) {
        char c = s[j];
        if (c >= 'A' && c <= 'Z')
            c |= 0x20;
        for (size_t k = 0; k < 11; k++)
            if (pat[k] == c && j >= k && j - k + 11 <= n &&
                (s[j - k] | 0x20) == 'l' && !strncasecmp(s + j - k, pat, 11))
                return 1;
    }
    return 0;
}

/* The measures, in rule order: "lorem ipsum" found (0/1), '{' count,
 * sentences (counted to the end, where a plain run stops at enough). */
enum { M_LOREM, M_CURLY, M_SENT, NMEASURES };
static const char *const m_name[NMEASURES] = {"lorem_ipsum",
                                              "curly_brackets", "sentences"};

static int c4_decide(stage_scratch *sc, const c4_state *s, const double *m, wn_buf *reason)
{
    /* each check also tells the report its value (stage_measure) */
    if (s->lorem && m[M_LOREM])
        return freason(reason, C4, "lorem_ipsum", 1, ">", 0) ? WN_ENOMEM
                                                              : STAGE_DROP;
    if (s->curly && m[M_CURLY])
        return freason(reason, C4, "curly_brackets", m[M_CURLY], ">", 0)
                   ? WN_ENOMEM
                   : STAGE_DROP;
    if (s->sent_on)
        stage_measure(sc, C4, "sentences", m[M_SENT], "<", s->min_sent,
                      m[M_SENT] < s->min_sent);
    if (s->sent_on && m[M_SENT] < s->min_sent)
        return freason(reason, C4, "sentences", m[M_SENT], "<", s->min_sent)
                   ? WN_ENOMEM
                   : STAGE_DROP;
    return STAGE_KEEP;
}

static int c4_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const c4_state *s = stage_langs_pick(&((c4_state *)state)->langs, doc, state);
    if (!s->enabled)
        return STAGE_KEEP;
    const char *x = doc->text.data ? doc->text.data : "";
    size_t n = doc->text.len;
    int all = scratch->annotate;
    double m[NMEASURES] = {0};
    /* a plain run measures only what its rules need, and stops counting
     * sentences once there are enough (a count under the bound is the
     * same either way, so is the reason) */
    if (all || s->lorem)
        m[M_LOREM] = has_lorem(x, n);
    if ((all || s->curly) && memchr(x, '{', n))
        for (const char *p = x; (p = memchr(p, '{', n - (size_t)(p - x)));
             p++)
            m[M_CURLY]++;
    if (all || s->sent_on)
        m[M_SENT] = (double)c4_count_sentences(
            x, n, all ? SIZE_MAX
                      : s->min_sent > 0 ? (size_t)ceil(s->min_sent) : 1);
    if (all &&
        stage_signals_put_nums(doc, C4, m_name, m, NMEASURES, &scratch->b[0]))
        return WN_ENOMEM;
    return c4_decide(scratch, s, m, reason);
}

/* winnow select: the measures an annotated run wrote. */
static int c4_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const c4_state *s = stage_langs_pick(&((c4_state *)state)->langs, doc, state);
    if (!s->enabled)
        return STAGE_KEEP;
    double m[NMEASURES];
    if (!stage_signals_get_nums(doc, C4, m_name, m, NMEASURES))
        return STAGE_NO_SIGNALS;
    return c4_decide(NULL, s, m, reason);
}


const stage_ops stage_c4_filter = {
    .name = C4,
    .group = "filter",
    .summary = "drop pages with lorem ipsum, curly brackets or under 5 "
               "sentences (C4)",
    .opts = c4_table,
    .opts_size = sizeof(c4_opts),
    .create = c4_create,
    .process = c4_process,
    .free = c4_free,
    .add_language = c4_add_language,
    .judge = c4_judge,
};
