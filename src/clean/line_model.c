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
 * quarter of the model's cost), as two 8-byte words of its zero-padded
 * spelling. */
#define LM_BUCKET 12
#define LM_MAXWORDS 128
typedef struct wordset {
    uint8_t n[26][16];
    uint8_t at[26][16][LM_BUCKET];
    uint64_t pad[LM_MAXWORDS][2];
} wordset;
static wordset stop_set, furn_set;
static pthread_once_t sets_once = PTHREAD_ONCE_INIT;

_Static_assert(sizeof stop / sizeof *stop <= LM_MAXWORDS &&
                   sizeof furniture / sizeof *furniture <= LM_MAXWORDS,
               "a word list outgrew LM_MAXWORDS");

static void fill(wordset *ws, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(list[i]);
        int c = list[i][0] - 'a';
        if (l < 16 && c >= 0 && c < 26 && ws->n[c][l] < LM_BUCKET) {
            ws->at[c][l][ws->n[c][l]++] = (uint8_t)i;
            memcpy(ws->pad[i], list[i], l);
        }
    }
}

/* w: the lowercased word, wl < 16 bytes, zero-padded to 16. */
static int in_set(const wordset *ws, const uint64_t *w, const char *w0,
                  size_t wl)
{
    int c = w0[0] - 'a';
    if (c < 0 || c >= 26)
        return 0;
    for (size_t k = 0; k < ws->n[c][wl]; k++) {
        const uint64_t *e = ws->pad[ws->at[c][wl][k]];
        if (e[0] == w[0] && e[1] == w[1])
            return 1;
    }
    return 0;
}

/* Byte classes for the one pass over a line's bytes. */
enum { B_LET = 1, B_UP = 2, B_DIG = 4, B_SEP = 8, B_ASCL = 16 };
static const uint8_t bclass[256] = {
    ['|'] = B_SEP, ['>'] = B_SEP, ['/'] = B_SEP, ['@'] = B_SEP,
    ['#'] = B_SEP,
#define D(c) [c] = B_DIG
    D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'),
    D('9'),
#undef D
#define U(c) [c] = B_LET | B_UP | B_ASCL, [c + 32] = B_LET | B_ASCL
    U('A'), U('B'), U('C'), U('D'), U('E'), U('F'), U('G'), U('H'), U('I'),
    U('J'), U('K'), U('L'), U('M'), U('N'), U('O'), U('P'), U('Q'), U('R'),
    U('S'), U('T'), U('U'), U('V'), U('W'), U('X'), U('Y'), U('Z'),
#undef U
#define H(c) [c] = B_LET, [c + 1] = B_LET, [c + 2] = B_LET, [c + 3] = B_LET
#define H16(c) H(c), H(c + 4), H(c + 8), H(c + 12)
    H16(0x80), H16(0x90), H16(0xA0), H16(0xB0), H16(0xC0), H16(0xD0),
    H16(0xE0), H16(0xF0),
#undef H16
#undef H
};

/* Per byte: 1 in the 16-bit field of each count it adds to - digits,
 * separators, ASCII capitals, ASCII letters (built from bclass). */
static uint64_t bcount[256];

static void sets_init(void)
{
    for (int c = 0; c < 256; c++) {
        unsigned f = bclass[c];
        bcount[c] = (uint64_t)(f >> 2 & 1) | (uint64_t)(f >> 3 & 1) << 16 |
                    (uint64_t)(f >> 1 & 1) << 32 | (uint64_t)(f >> 4 & 1) << 48;
    }
    fill(&stop_set, stop, sizeof stop / sizeof *stop);
    fill(&furn_set, furniture, sizeof furniture / sizeof *furniture);
}

/* Word-level shares of one line: stop words, furniture words, words
 * starting with a capital; digits per character; separators per word;
 * and the share of ASCII capitals among the ASCII letters - one pass. */
static void word_shares(const char *s, size_t n, float *stopw, float *furn,
                        float *caps, float *digits, float *seps,
                        float *upper)
{
    union {
        char c[16];
        uint64_t q[2];
    } w = {{0}};
    size_t wl = 0, words = 0, ns = 0, nf = 0, nc = 0, nd = 0, np = 0;
    size_t up = 0, letters = 0;
    int cap = 0, over = 0;
    /* the four counts as 16-bit fields of one word, added up per byte by
     * one table lookup and emptied before a field can overflow */
    uint64_t acc = 0;
    size_t flush = 0xFFFE; /* a field holds 65535 */
    for (size_t i = 0; i <= n; i++) {
        unsigned char c = i < n ? (unsigned char)s[i] : ' ';
        unsigned f = bclass[c];
        acc += bcount[c];
        if (WN_UNLIKELY(i == flush)) {
            nd += acc & 0xFFFF;
            np += acc >> 16 & 0xFFFF;
            up += acc >> 32 & 0xFFFF;
            letters += acc >> 48;
            acc = 0;
            flush += 0xFFFF;
        }
        if (f & (B_LET | B_DIG) || c == '\'') {
            if (!wl && !over)
                cap = (f & B_UP) != 0;
            if (wl < sizeof w.c - 1 && c < 0x80)
                w.c[wl++] = lower_c((char)c);
            else
                over = 1;
            continue;
        }
        if (wl || over) {
            words++;
            nc += (size_t)cap;
            if (!over) {
                ns += (size_t)in_set(&stop_set, w.q, w.c, wl);
                nf += (size_t)in_set(&furn_set, w.q, w.c, wl);
            }
            w.q[0] = w.q[1] = 0;
        }
        wl = 0;
        over = cap = 0;
    }
    nd += acc & 0xFFFF;
    np += acc >> 16 & 0xFFFF;
    up += acc >> 32 & 0xFFFF;
    letters += acc >> 48;
    float dw = words ? (float)words : 1.0f;
    *stopw = (float)ns / dw;
    *furn = (float)nf / dw;
    *caps = (float)nc / dw;
    *digits = n ? (float)nd / (float)n : 0.0f;
    *seps = (float)np / dw;
    *upper = letters ? (float)up / (float)letters : 0.0f;
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
                  (m + 1) * (3 * sizeof(float) + 3);
    if (wn_buf_reserve(store, need))
        return WN_ENOMEM;
    uint64_t *h = (uint64_t *)(void *)store->data;
    uint32_t *cnt = (uint32_t *)(void *)(h + cap);
    pg->lw = (float *)(void *)(cnt + cap);
    pg->rep = pg->lw + m + 1;
    pg->run = pg->rep + m + 1;
    pg->prose = (uint8_t *)(pg->run + m + 1);
    pg->ends = pg->prose + m + 1;
    uint8_t *shrt = pg->ends + m + 1;
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
            pg->ends[j] = (uint8_t)ends;
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
    x[k++] = (float)pg->ends[j];
    float upper;
    word_shares(s, l->len, &x[k], &x[k + 1], &x[k + 2], &x[k + 3],
                &x[k + 4], &upper);
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
    x[k++] = p ? (float)pg->ends[j - 1] : 0.0f;
    x[k++] = p ? (float)(p->rule != NULL) : 1.0f;
    x[k++] = q ? pg->lw[j + 1] : 0.0f;
    x[k++] = q ? (float)pg->ends[j + 1] : 0.0f;
    x[k++] = q ? (float)(q->rule != NULL) : 1.0f;
    x[k++] = (float)l->nav;
    x[k++] = pg->rep[j];
    x[k++] = upper;
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

#define LM_NT (sizeof lm_trees / sizeof *lm_trees)

/* The trees' raw sum, node by node as they are stored: the reference. */
static float sum_portable(const float *x)
{
    float z = 0;
    for (size_t t = 0; t < LM_NT; t++) {
        const lm_tree *tr = &lm_trees[t];
        unsigned i = 0;
        for (int d = 0; d < LM_MAXDEPTH; d++)
            i = 2 * i + 1 + (x[tr->f[i]] > tr->t[i]);
        z += tr->leaf[i - ((1u << LM_MAXDEPTH) - 1)];
    }
    return z;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define LM_AVX2 1
_Static_assert(LM_MAXDEPTH == 3,
               "the AVX2 path walks trees of depth 3 (8 leaves, 1 register)");

static int use_avx2;
static pthread_once_t avx2_once = PTHREAD_ONCE_INIT;

static void avx2_init(void)
{
    __builtin_cpu_init();
    use_avx2 = __builtin_cpu_supports("avx2");
}

/* Eight lines at once, one lane each: a lane adds the same leaves in the
 * same order as sum_portable does for its line (so the same float), but
 * a tree's 7 nodes are compared for the 8 lines with one row load of the
 * features (lines in lanes) and one compare per node, the path is picked
 * with masks and the leaf with one permute.  z[k] gets line k's sum. */
__attribute__((target("avx2"))) static void sum8_avx2(const float *x,
                                                       size_t n, float *z)
{
    _Alignas(32) float col[LM_NFEAT][8];
    for (size_t k = 0; k < 8; k++)
        for (size_t f = 0; f < LM_NFEAT; f++)
            col[f][k] = x[(k < n ? k : 0) * LM_NFEAT + f];
    __m256 acc = _mm256_setzero_ps();
    const __m256i one = _mm256_set1_epi32(1);
    for (size_t t = 0; t < LM_NT; t++) {
        const lm_tree *tr = &lm_trees[t];
        __m256 m[7];
        for (int i = 0; i < 7; i++)
            m[i] = _mm256_cmp_ps(_mm256_load_ps(col[tr->f[i]]),
                                 _mm256_set1_ps(tr->t[i]), _CMP_GT_OQ);
        /* b0: right at the root; b1: right at the level-1 node reached;
         * b2: right at the level-2 node reached */
        __m256 b0 = m[0];
        __m256 b1 = _mm256_blendv_ps(m[1], m[2], b0);
        __m256 b2 = _mm256_blendv_ps(_mm256_blendv_ps(m[3], m[4], b1),
                                     _mm256_blendv_ps(m[5], m[6], b1), b0);
        __m256i leaf = _mm256_or_si256(
            _mm256_or_si256(
                _mm256_slli_epi32(_mm256_and_si256(_mm256_castps_si256(b0), one), 2),
                _mm256_slli_epi32(_mm256_and_si256(_mm256_castps_si256(b1), one), 1)),
            _mm256_and_si256(_mm256_castps_si256(b2), one));
        acc = _mm256_add_ps(
            acc, _mm256_permutevar8x32_ps(_mm256_loadu_ps(tr->leaf), leaf));
    }
    _Alignas(32) float out[8];
    _mm256_store_ps(out, acc);
    for (size_t k = 0; k < n && k < 8; k++)
        z[k] = out[k];
}
#endif

static float squash(float z)
{
    z = lm_init + lm_rate * z;
    return 1.0f / (1.0f + expf(-z));
}

void lm_score_batch(const float *x, size_t n, float *out)
{
    size_t k = 0;
#ifdef LM_AVX2
    pthread_once(&avx2_once, avx2_init);
    if (use_avx2)
        for (; k < n; k += 8)
            sum8_avx2(x + k * LM_NFEAT, n - k, out + k);
#endif
    for (; k < n; k++)
        out[k] = sum_portable(x + k * LM_NFEAT);
    for (k = 0; k < n; k++)
        out[k] = squash(out[k]);
}

float lm_score_with(const float *x, int fast)
{
    float z;
    if (fast)
        lm_score_batch(x, 1, &z);
    else
        z = squash(sum_portable(x));
    return z;
}

float lm_score(const float *x) { return lm_score_with(x, 1); }
