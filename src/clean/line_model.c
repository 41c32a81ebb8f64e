/*
 * line_model.c - a score per line (probability that the line is article
 * text) from a small gradient-boosted tree ensemble over cheap features of
 * the line and its neighbours, for the lines the rules left.
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
#include <pthread.h>
#include <xxhash.h>

/* A complete tree of depth LM_DEPTH: internal node i (children 2i+1 left,
 * 2i+2 right) sends x to the right when x[f[i]] > t[i]; leaves in order. */
#define LM_MAXDEPTH 3
typedef struct lm_tree {
    uint8_t f[(1 << LM_MAXDEPTH) - 1];
    float t[(1 << LM_MAXDEPTH) - 1];
    float leaf[1 << LM_MAXDEPTH];
} lm_tree;

#include "line_model_weights.h"

_Static_assert(LM_TRAINED_NFEAT == LM_NFEAT && LM_DEPTH == LM_MAXDEPTH,
               "line_model_weights.h does not match LM_NFEAT or lm_tree");

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

/* The lists bucketed by first letter and length, built once: a word is
 * compared only with the few of its bucket (a bsearch of strcmp calls was a
 * quarter of the model's cost). */
#define LM_BUCKET 12
typedef struct wordset {
    uint8_t n[26][16];
    uint8_t at[26][16][LM_BUCKET];
} wordset;
static wordset stop_set, furn_set;
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;

static void fill(wordset *ws, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        int c = list[i][0] - 'a';
        if (l < 16 && c >= 0 && c < 26 && ws->n[c][l] < LM_BUCKET)
            ws->at[c][l][ws->n[c][l]++] = (uint8_t)i;
    }
}

static void sets_init(void)
{
    fill(&stop_set, stop, sizeof stop / sizeof *stop);
    fill(&furn_set, furniture, sizeof furniture / sizeof *furniture);
}

static int in_set(const wordset *ws, const char *const *list, const char *w,
                  size_t wl)
{
    int c = w[0] - 'a';
    if (c < 0 || c >= 26 || wl >= 16)
        return 0;
    for (size_t k = 0; k < ws->n[c][wl]; k++)
        if (!memcmp(list[ws->at[c][wl][k]], w, wl))
            return 1;
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
                ns += (size_t)in_set(&stop_set, stop, w, wl);
                nf += (size_t)in_set(&furn_set, furniture, w, wl);
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

int lm_prepare(const char *text, const cl_line *lines, const uint32_t *idx,
               size_t m, wn_buf *store, lm_page *pg)
{
    pthread_once(&sets_once, sets_init);
    /* open addressing on the lines' XXH3: slots of (hash, count) */
    size_t cap = 16;
    while (cap < 2 * m)
        cap *= 2;
    store->len = 0;
    size_t need = cap * sizeof(uint64_t) + cap * sizeof(uint32_t) +
                  (m + 1) * (3 * sizeof(float) + 2);
    if (wn_buf_reserve(store, need))
        return WN_ENOMEM;
    uint64_t *h = (uint64_t *)(void *)store->data;
    uint32_t *cnt = (uint32_t *)(void *)(h + cap);
    pg->lw = (float *)(void *)(cnt + cap);
    pg->rep = pg->lw + m + 1;
    pg->run = pg->rep + m + 1;
    pg->prose = (uint8_t *)(pg->run + m + 1);
    uint8_t *shrt = pg->prose + m + 1;
    memset(h, 0, cap * sizeof *h);
    memset(cnt, 0, cap * sizeof *cnt);
    for (size_t pass = 0; pass < 2; pass++)
        for (size_t j = 0; j < m; j++) {
            const cl_line *l = &lines[idx[j]];
            uint64_t k = XXH3_64bits(text + l->off, l->len) | 1;
            size_t sl = (size_t)k & (cap - 1);
            while (h[sl] && h[sl] != k)
                sl = (sl + 1) & (cap - 1);
            if (!pass) {
                h[sl] = k;
                cnt[sl]++;
                continue;
            }
            int ends = cl_ends_sentence(text + l->off, l->len);
            pg->rep[j] = logf(1.0f + (float)(cnt[sl] - 1));
            pg->lw[j] = logf(1.0f + (float)l->words);
            pg->prose[j] = (uint8_t)(l->words >= 8 && ends);
            shrt[j] = (uint8_t)(l->words <= 4 && !ends);
        }
    /* the run of short unpunctuated lines each line is in (menus,
     * lists): log of its length, 0 for a line that is not short */
    for (size_t j = 0; j < m;) {
        size_t e = j + 1;
        if (shrt[j])
            while (e < m && shrt[e])
                e++;
        float v = shrt[j] ? logf((float)(e - j)) : 0.0f;
        for (size_t t = j; t < e; t++)
            pg->run[t] = v;
        j = e;
    }
    return 0;
}

void lm_features(const char *text, const cl_line *lines, const uint32_t *idx,
                 size_t m, size_t j, size_t bs, size_t be, int span,
                 const lm_page *pg, float *x)
{
    const cl_line *l = &lines[idx[j]];
    const char *s = text + l->off;
    const cl_line *p = j > 0 ? &lines[idx[j - 1]] : NULL;
    const cl_line *q = j + 1 < m ? &lines[idx[j + 1]] : NULL;
    size_t k = 0;
    x[k++] = pg->lw[j];
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
    x[k++] = p ? pg->lw[j - 1] : 0.0f;
    x[k++] = p ? (float)cl_ends_sentence(text + p->off, p->len) : 0.0f;
    x[k++] = p ? (float)(p->rule != NULL) : 1.0f;
    x[k++] = q ? pg->lw[j + 1] : 0.0f;
    x[k++] = q ? (float)cl_ends_sentence(text + q->off, q->len) : 0.0f;
    x[k++] = q ? (float)(q->rule != NULL) : 1.0f;
    x[k++] = (float)l->nav;
    x[k++] = pg->rep[j];
    size_t up = 0, letters = 0;
    for (size_t i = 0; i < l->len; i++) {
        unsigned char c = (unsigned char)s[i];
        up += c >= 'A' && c <= 'Z';
        letters += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }
    x[k++] = letters ? (float)up / (float)letters : 0.0f;
    /* the neighbourhood, 3 lines either side */
    size_t lo = j >= 3 ? j - 3 : 0, hi = j + 4 < m ? j + 4 : m, w = 0;
    float np = 0, nr = 0, lw = 0;
    for (size_t t = lo; t < hi; t++) {
        if (t == j)
            continue;
        const cl_line *o = &lines[idx[t]];
        np += (float)pg->prose[t];
        nr += (float)(o->rule != NULL);
        lw += pg->lw[t];
        w++;
    }
    float dw = w ? (float)w : 1.0f;
    x[k++] = np / dw;
    x[k++] = nr / dw;
    x[k++] = lw / dw;
    unsigned char c0 = l->len ? (unsigned char)s[0] : 0;
    x[k++] = (float)(c0 < 0x80 && !(c0 >= 'A' && c0 <= 'Z') &&
                     !(c0 >= 'a' && c0 <= 'z') && c0 != '"' && c0 != '\'');
    x[k++] = (float)(l->len && s[l->len - 1] == ':');
    x[k++] = pg->run[j];
}

float lm_score(const float *x)
{
    float z = 0;
    for (size_t t = 0; t < sizeof lm_trees / sizeof *lm_trees; t++) {
        const lm_tree *tr = &lm_trees[t];
        unsigned i = 0;
        for (int d = 0; d < LM_MAXDEPTH; d++)
            i = 2 * i + 1 + (x[tr->f[i]] > tr->t[i]);
        z += tr->leaf[i - ((1u << LM_MAXDEPTH) - 1)];
    }
    z = lm_init + lm_rate * z;
    return 1.0f / (1.0f + expf(-z));
}
