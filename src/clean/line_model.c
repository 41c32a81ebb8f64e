/*
 * line_model.c - a logistic-regression score per line (probability that the
 * line is article text), over cheap features of the line and its
 * neighbours, for the lines the rules left.
 *
 * The rules decide first and stay hard vetoes: the model only scores what
 * they kept, and clean drops a kept line as "line_model" when its score is
 * below clean.model_threshold.  The weights are a generated table
 * (line_model_weights.h, written by eval/train_line_model.py from the
 * features `winnow explain --features` prints, which are these very
 * numbers), so training and use can never compute different features.
 */
#include "line_model.h"

#include <math.h>

#include "line_model_weights.h"

_Static_assert(sizeof lm_weights / sizeof *lm_weights == LM_NFEAT + 1,
               "line_model_weights.h does not match LM_NFEAT");

/* Words that are common in running text in the languages of the sets
 * (en, de, fr, es, it, nl, pt), sorted for bsearch. */
static const char *const stop[] = {
    "a",    "al",   "als",  "an",   "and",  "are",  "as",   "at",   "au",
    "be",   "but",  "by",   "com",  "como", "con",  "da",   "das",  "dat",
    "de",   "dei",  "del",  "della", "dem", "den",  "der",  "des",  "di",
    "die",  "do",   "du",   "e",    "een",  "ein",  "eine", "el",   "em",
    "en",   "es",   "est",  "et",   "for",  "from", "had",  "has",  "have",
    "he",   "het",  "his",  "i",    "il",   "in",   "is",   "ist",  "it",
    "its",  "la",   "las",  "le",   "les",  "lo",   "los",  "mit",  "na",
    "nicht", "no",  "not",  "o",    "of",   "on",   "or",   "os",   "par",
    "per",  "por",  "que",  "qui",  "se",   "she",  "sich", "that", "the",
    "their", "there", "they", "this", "to",  "un",   "una",  "und",  "une",
    "uno",  "van",  "von",  "was",  "we",   "were", "which", "who", "will",
    "with", "would", "y",   "you",  "zu",
};

/* Words of page furniture: navigation, comments, sharing, accounts. */
static const char *const furniture[] = {
    "about",    "account",  "archive",  "archives", "blog",    "categories",
    "category", "click",    "comment",  "comments", "contact", "copyright",
    "email",    "facebook", "follow",   "home",     "like",    "link",
    "links",    "log",      "login",    "more",     "newer",   "news",
    "newsletter", "next",   "older",    "password", "permalink", "posted",
    "posts",    "previous", "print",    "printable", "privacy", "quote",
    "read",     "recent",   "register", "related",  "reply",   "report",
    "rss",      "search",   "share",    "sign",     "subscribe", "tags",
    "terms",    "tweet",    "twitter",  "username", "view",    "website",
};

static int in_list(const char *const *list, size_t n, const char *w)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(w, list[mid]);
        if (!c)
            return 1;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Word-level shares of one line: stop words, furniture words, words
 * starting with a capital; and digits per character. */
static void word_shares(const char *s, size_t n, float *stopw, float *furn,
                        float *caps, float *digits, float *seps)
{
    char w[16];
    size_t wl = 0, words = 0, ns = 0, nf = 0, nc = 0, nd = 0, np = 0;
    int cap = 0, over = 0;
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : ' ';
        int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     c >= 0x80;
        nd += c >= '0' && c <= '9';
        np += c == '|' || c == '>' || c == '/' || c == '@' || c == '#';
        if (letter || (c >= '0' && c <= '9') || c == '\'') {
            if (!wl && !over)
                cap = c >= 'A' && c <= 'Z';
            if (wl < sizeof w - 1 && c < 0x80)
                w[wl++] = lower_c((char)c);
            else
                over = 1;
            continue;
        }
        if (wl || over) {
            words++;
            nc += (size_t)cap;
            if (!over) {
                w[wl] = 0;
                ns += (size_t)in_list(stop, sizeof stop / sizeof *stop, w);
                nf += (size_t)in_list(furniture,
                                      sizeof furniture / sizeof *furniture,
                                      w);
            }
        }
        wl = 0;
        over = cap = 0;
    }
    float dw = words ? (float)words : 1.0f;
    *stopw = (float)ns / dw;
    *furn = (float)nf / dw;
    *caps = (float)nc / dw;
    *digits = n ? (float)nd / (float)n : 0.0f;
    *seps = (float)np / dw;
}

void lm_features(const char *text, const cl_line *lines, const uint32_t *idx,
                 size_t m, size_t j, size_t bs, size_t be, int span,
                 float *x)
{
    const cl_line *l = &lines[idx[j]];
    const char *s = text + l->off;
    const cl_line *p = j > 0 ? &lines[idx[j - 1]] : NULL;
    const cl_line *q = j + 1 < m ? &lines[idx[j + 1]] : NULL;
    size_t k = 0;
    x[k++] = logf(1.0f + (float)l->words);
    x[k++] = logf(1.0f + (float)l->chars);
    x[k++] = (float)cl_ends_sentence(s, l->len);
    word_shares(s, l->len, &x[k], &x[k + 1], &x[k + 2], &x[k + 3],
                &x[k + 4]);
    k += 5;
    /* where the line is against the article span found by nav_run */
    x[k++] = (float)(span && j >= bs && j <= be);
    x[k++] = (float)(span && j < bs);
    x[k++] = (float)(span && j > be);
    size_t dist = !span ? 0 : j < bs ? bs - j : j > be ? j - be : 0;
    x[k++] = logf(1.0f + (float)dist);
    x[k++] = (float)!span;
    x[k++] = m > 1 ? (float)j / (float)(m - 1) : 0.0f;
    /* neighbours: their size, sentence ending, and whether a rule took
     * them (the rule that fired) */
    x[k++] = p ? logf(1.0f + (float)p->words) : 0.0f;
    x[k++] = p ? (float)cl_ends_sentence(text + p->off, p->len) : 0.0f;
    x[k++] = p ? (float)(p->rule != NULL) : 1.0f;
    x[k++] = q ? logf(1.0f + (float)q->words) : 0.0f;
    x[k++] = q ? (float)cl_ends_sentence(text + q->off, q->len) : 0.0f;
    x[k++] = q ? (float)(q->rule != NULL) : 1.0f;
}

float lm_score(const float *x)
{
    float z = lm_weights[LM_NFEAT];
    for (size_t k = 0; k < LM_NFEAT; k++)
        z += lm_weights[k] * ((x[k] - lm_mean[k]) / lm_scale[k]);
    return 1.0f / (1.0f + expf(-z));
}
