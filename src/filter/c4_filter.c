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
 * ends at a run of terminal punctuation (. ! ? and their CJK/fullwidth
 * forms) that follows a non-space character and is followed by whitespace
 * or the end of the text (closing quotes and brackets may sit between);
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
} c4_state;

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
    if (n >= 3 && p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x82) /* U+3002 */
        return 3;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBC &&
        (p[2] == 0x81 || p[2] == 0x9F || p[2] == 0x8E)) /* ！ ？ ． */
        return 3;
    if (n >= 3 && p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xA6) /* … */
        return 3;
    return 0;
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

static int c4_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    const c4_state *s = state;
    if (!s->enabled)
        return STAGE_KEEP;
    const char *x = doc->text.data ? doc->text.data : "";
    size_t n = doc->text.len;
    if (s->lorem && has_lorem(x, n))
        return freason(reason, C4, "lorem_ipsum", 1, ">", 0) ? WN_ENOMEM
                                                              : STAGE_DROP;
    if (s->curly && memchr(x, '{', n)) {
        size_t k = 0;
        for (const char *p = x; (p = memchr(p, '{', n - (size_t)(p - x)));
             p++)
            k++;
        return freason(reason, C4, "curly_brackets", (double)k, ">", 0)
                   ? WN_ENOMEM
                   : STAGE_DROP;
    }
    if (s->sent_on) {
        double k = (double)c4_count_sentences(
            x, n, s->min_sent > 0 ? (size_t)ceil(s->min_sent) : 1);
        /* for the report (stage_measure); counting stops at the bound,
         * so every kept page shows as the bound */
        stage_measure(scratch, C4, "sentences", k, "<", s->min_sent,
                      k < s->min_sent);
        if (k < s->min_sent)
            return freason(reason, C4, "sentences", k, "<", s->min_sent)
                       ? WN_ENOMEM
                       : STAGE_DROP;
    }
    return STAGE_KEEP;
}

static void c4_free(void *state) { free(state); }

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
};
