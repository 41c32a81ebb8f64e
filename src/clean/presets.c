/*
 * presets.c - C4's and RefinedWeb's line rules, reproduced for users who
 * need their corpus to be comparable with those.
 *
 * C4: clean_page() in tensorflow/datasets c4_utils.py (Raffel et al. 2020,
 * "Exploring the Limits of Transfer Learning", section 2.2).  Per line, in
 * this order: drop it if a word is longer than 1000 characters; remove
 * citation marks ([1], [edit], [citation needed]); drop it unless it ends
 * in . ? ! or " (but not in "..."); drop it if it has fewer than 5 words; drop the DOCUMENT
 * if it contains "lorem ipsum"; drop the line if it contains "javascript";
 * drop the DOCUMENT if it contains "{"; drop the line if it contains a
 * policy phrase ("terms of use", "privacy policy", "cookie policy", "uses
 * cookies", "use of cookies", "use cookies"); finally drop the document if
 * its kept lines hold fewer than 3 sentences.  C4 counts sentences with
 * NLTK's punkt tokenizer; here a sentence ends at . ! ? (plus closing
 * quotes) before a space or the line's end, except after a one-letter word
 * or a common abbreviation - the one approximation, documented.
 *
 * RefinedWeb (Penedo et al. 2023, appendix G.2 "line-wise filtering"):
 * drop a line that is mainly uppercase, only numerical, a counter ("3
 * likes") or a single word; in lines of at most 10 words remove sign-in
 * style prefixes, "Read more" style suffixes and "items in cart" style
 * phrases; drop the document when the flagged lines hold more than 5% of
 * its words.  The paper gives neither the phrase lists nor what "mainly"
 * means: our lists are in docs/clean.md and "mainly" is more than half of
 * the line's letters.
 */
#include "presets.h"

#include <stdio.h>

static const char C4_LONG[] = "c4_too_long_word";
static const char C4_END[] = "c4_no_endmark";
static const char C4_FEW[] = "c4_too_few_words";
static const char C4_JS[] = "c4_javascript";
static const char C4_POLICY[] = "c4_policy";
static const char RW_UPPER[] = "refinedweb_uppercase";
static const char RW_NUM[] = "refinedweb_numeric";
static const char RW_COUNTER[] = "refinedweb_counter";
static const char RW_ONE[] = "refinedweb_one_word";

/* Document-level drops, counted under these names. */
static const char *const doc_rules[] = {
    "c4:lorem_ipsum", "c4:curly_bracket", "c4:sentences",
    "refinedweb:flagged_words",
};

static const char *const line_rules[] = {
    C4_LONG, C4_END, C4_FEW, C4_JS, C4_POLICY,
    RW_UPPER, RW_NUM, RW_COUNTER, RW_ONE,
};

int presets_parse(const char *name)
{
    if (!name || !*name || !strcmp(name, "none"))
        return PRESET_NONE;
    if (!strcmp(name, "c4"))
        return PRESET_C4;
    if (!strcmp(name, "refinedweb"))
        return PRESET_REFINEDWEB;
    return -1;
}

int presets_has_rule(const char *name)
{
    for (size_t i = 0; i < sizeof line_rules / sizeof *line_rules; i++)
        if (!strcmp(name, line_rules[i]))
            return 1;
    return 0;
}

void presets_intern(int preset, cl_counts *c)
{
    size_t a = preset == PRESET_C4 ? 0 : 5, b = preset == PRESET_C4 ? 5 : 9;
    for (size_t i = a; i < b; i++)
        cl_counts_slot(c, line_rules[i]);
    for (size_t i = 0; i < sizeof doc_rules / sizeof *doc_rules; i++)
        if (!strncmp(doc_rules[i], preset == PRESET_C4 ? "c4:" : "refinedweb:",
                     preset == PRESET_C4 ? 3 : 11))
            cl_counts_slot(c, doc_rules[i]);
}

void presets_count_doc(cl_counts *c, const wn_buf *reason)
{
    if (!reason->len)
        return;
    for (size_t i = 0; i < c->n; i++) {
        size_t l = strlen(c->name[i]);
        if (reason->len >= l && !memcmp(reason->data, c->name[i], l) &&
            (reason->len == l || reason->data[l] == '='))
            atomic_fetch_add_explicit(&c->drops[i], 1, memory_order_relaxed);
    }
}

/* Python's str.split() whitespace, as far as C4's text can hold it: ASCII
 * blanks plus the Unicode spaces (U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000).  Returns the length of the
 * space at s, or 0. */
static size_t space_at(const unsigned char *s, size_t n)
{
    if (*s == ' ' || (*s >= '\t' && *s <= '\r') || (*s >= 0x1c && *s <= 0x1f))
        return 1;
    if (n >= 2 && s[0] == 0xC2 && (s[1] == 0x85 || s[1] == 0xA0))
        return 2;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x80 &&
        (s[2] <= 0x8A || s[2] == 0xA8 || s[2] == 0xA9 || s[2] == 0xAF))
        return 3;
    if (n >= 3 && s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (n >= 3 && s[0] == 0xE1 && s[1] == 0x9A && s[2] == 0x80)
        return 3;
    if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* Word count and longest word in code points, Python-split style. */
static size_t py_words(const char *s, size_t n, size_t *longest)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t words = 0, cur = 0, lo = 0;
    for (size_t i = 0; i < n;) {
        size_t sp = space_at(p + i, n - i);
        if (sp) {
            if (cur > lo)
                lo = cur;
            cur = 0;
            i += sp;
            continue;
        }
        if (!cur)
            words++;
        if ((p[i] & 0xC0) != 0x80)
            cur++;
        i++;
    }
    if (cur > lo)
        lo = cur;
    if (longest)
        *longest = lo;
    return words;
}

static int contains_ci(const char *s, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && lower_c(s[i + k]) == needle[k])
            k++;
        if (k == m)
            return 1;
    }
    return 0;
}

/* C4's citation regex \[\d*\]|\[edit\]|\[citation needed\]: length of the
 * mark at s, or 0. */
static size_t citation_at(const char *s, size_t n)
{
    if (n < 2 || s[0] != '[')
        return 0;
    size_t i = 1;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i < n && s[i] == ']')
        return i + 1;
    if (n >= 6 && !memcmp(s, "[edit]", 6))
        return 6;
    if (n >= 17 && !memcmp(s, "[citation needed]", 17))
        return 17;
    return 0;
}

/* Appends line s without citation marks. */
static int strip_citations(const char *s, size_t n, wn_buf *out)
{
    size_t a = 0;
    for (size_t i = 0; i < n; i++) {
        size_t c = s[i] == '[' ? citation_at(s + i, n - i) : 0;
        if (!c)
            continue;
        if (wn_buf_append(out, s + a, i - a))
            return WN_ENOMEM;
        i += c - 1;
        a = i + 1;
    }
    return wn_buf_append(out, s + a, n - a);
}

static int is_abbrev(const char *s, size_t dot)
{
    static const char *const ab[] = {"mr", "mrs", "ms", "dr", "st", "vs",
                                     "jr", "sr", "prof", "inc", "ltd",
                                     "co", "no", "etc", "e.g", "i.e"};
    size_t b = dot;
    while (b > 0 && s[b - 1] != ' ')
        b--;
    size_t l = dot - b;
    if (l == 1)
        return 1; /* initial: "J. Smith" */
    for (size_t i = 0; i < sizeof ab / sizeof *ab; i++)
        if (strlen(ab[i]) == l) {
            size_t k = 0;
            while (k < l && lower_c(s[b + k]) == ab[i][k])
                k++;
            if (k == l)
                return 1;
        }
    return 0;
}

static size_t sentences(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '.' && s[i] != '!' && s[i] != '?')
            continue;
        size_t j = i + 1;
        while (j < n && (s[j] == '.' || s[j] == '!' || s[j] == '?' ||
                         s[j] == '"' || s[j] == '\'' || s[j] == ')'))
            j++;
        if (j < n && s[j] != ' ')
            continue;
        if (s[i] == '.' && j == i + 1 && is_abbrev(s, i) && j < n)
            continue;
        c++;
        i = j - 1;
    }
    return c ? c : 1;
}

/* _END_MARKS = (".", "?", "!", "\""), and not _ELLIPSIS = "...". */
static int c4_ends(const char *s, size_t n)
{
    if (n >= 3 && !memcmp(s + n - 3, "...", 3))
        return 0;
    return n && (s[n - 1] == '.' || s[n - 1] == '?' || s[n - 1] == '!' ||
                 s[n - 1] == '"');
}

static int c4_decide(const char *text, cl_line *lines, size_t n,
                     wn_buf *reason, wn_buf *tmp)
{
    static const char *const policy[] = {
        "terms of use", "privacy policy", "cookie policy",
        "uses cookies", "use of cookies", "use cookies"};
    size_t nsent = 0;
    for (size_t i = 0; i < n; i++) {
        cl_line *l = &lines[i];
        const char *s = text + l->off;
        size_t longest;
        if (!l->len) {
            continue; /* blank: C4 drops it as no_endmark; not counted */
        }
        py_words(s, l->len, &longest);
        if (longest > 1000) {
            l->rule = C4_LONG;
            continue;
        }
        wn_buf_reset(tmp);
        if (strip_citations(s, l->len, tmp))
            return WN_ENOMEM;
        const char *t = tmp->data ? tmp->data : "";
        size_t tn = tmp->len;
        if (!c4_ends(t, tn)) {
            l->rule = C4_END;
            continue;
        }
        if (py_words(t, tn, NULL) < 5) {
            l->rule = C4_FEW;
            continue;
        }
        if (contains_ci(t, tn, "lorem ipsum")) {
            wn_buf_puts(reason, "c4:lorem_ipsum");
            return STAGE_DROP;
        }
        if (contains_ci(t, tn, "javascript")) {
            l->rule = C4_JS;
            continue;
        }
        if (memchr(t, '{', tn)) {
            wn_buf_puts(reason, "c4:curly_bracket");
            return STAGE_DROP;
        }
        int pol = 0;
        for (size_t k = 0; k < sizeof policy / sizeof *policy && !pol; k++)
            pol = contains_ci(t, tn, policy[k]);
        if (pol) {
            l->rule = C4_POLICY;
            continue;
        }
        nsent += sentences(t, tn);
    }
    if (nsent < 3) {
        wn_buf_printf(reason, "c4:sentences=%zu<3", nsent);
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

/* RefinedWeb's edits for lines of at most 10 words: phrases removed at the
 * start, at the end, or anywhere (lists in docs/clean.md). */
static const char *const rw_start[] = {"sign in", "sign-in", "log in",
                                       "login", "sign up", "register"};
static const char *const rw_end[] = {"read more...", "read more…",
                                     "read more", "continue reading",
                                     "click here", "see more", "show more"};
static const char *const rw_any[] = {"items in cart", "item in cart",
                                     "add to cart", "skip to content"};

/* Where the edit of line s falls: [*a, *b) removed; returns 1 if edited. */
static int rw_edit(const char *s, size_t n, size_t *a, size_t *b)
{
    if (py_words(s, n, NULL) > 10)
        return 0;
    for (size_t i = 0; i < sizeof rw_start / sizeof *rw_start; i++) {
        size_t m = strlen(rw_start[i]);
        if (n >= m && contains_ci(s, m, rw_start[i])) {
            *a = 0;
            *b = m;
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof rw_end / sizeof *rw_end; i++) {
        size_t m = strlen(rw_end[i]);
        if (n >= m && contains_ci(s + n - m, m, rw_end[i])) {
            *a = n - m;
            *b = n;
            return 1;
        }
    }
    for (size_t i = 0; i < sizeof rw_any / sizeof *rw_any; i++) {
        size_t m = strlen(rw_any[i]);
        for (size_t k = 0; k + m <= n; k++)
            if (contains_ci(s + k, m, rw_any[i])) {
                *a = k;
                *b = k + m;
                return 1;
            }
    }
    return 0;
}

static int rw_counter(const char *s, size_t n)
{
    static const char *const units[] = {
        "like", "likes", "share", "shares", "comment", "comments", "view",
        "views", "follower", "followers", "retweet", "retweets", "reply",
        "replies", "reaction", "reactions", "vote", "votes", "point",
        "points", "pin", "pins", "tweet", "tweets", "subscriber",
        "subscribers"};
    size_t i = 0;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return 0;
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == ',' ||
                     s[i] == '.'))
        i++;
    if (i < n && (s[i] == 'k' || s[i] == 'K' || s[i] == 'm' || s[i] == 'M'))
        i++;
    if (i >= n || s[i] != ' ')
        return 0;
    i++;
    for (size_t k = 0; k < sizeof units / sizeof *units; k++) {
        size_t m = strlen(units[k]);
        if (n - i == m && contains_ci(s + i, m, units[k]))
            return 1;
    }
    return 0;
}

static const char *rw_line(const char *s, size_t n)
{
    size_t upper = 0, letters = 0, digits = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            upper++, letters++;
        else if (c >= 'a' && c <= 'z')
            letters++;
        else if (c >= '0' && c <= '9')
            digits++;
        else if (c >= 0x80 && (c & 0xC0) != 0x80)
            letters++; /* non-ASCII: counted as a (non-upper) letter */
    }
    /* In the paper's order: uppercase, numerical, counter, one word. */
    if (letters && upper * 2 > letters)
        return RW_UPPER;
    if (!letters && digits)
        return RW_NUM;
    if (rw_counter(s, n))
        return RW_COUNTER;
    if (py_words(s, n, NULL) == 1)
        return RW_ONE;
    return NULL;
}

static int rw_decide(const char *text, cl_line *lines, size_t n,
                     wn_buf *reason)
{
    size_t total = 0, flagged = 0;
    for (size_t i = 0; i < n; i++) {
        cl_line *l = &lines[i];
        if (!l->len)
            continue;
        const char *s = text + l->off;
        size_t w = py_words(s, l->len, NULL), a, b;
        total += w;
        l->rule = rw_line(s, l->len);
        if (l->rule || rw_edit(s, l->len, &a, &b))
            flagged += w;
    }
    if (total && flagged * 20 > total) {
        wn_buf_printf(reason, "refinedweb:flagged_words=%.3f>0.05",
                      (double)flagged / (double)total);
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

int presets_decide(int preset, const char *text, size_t len, cl_line *lines,
                   size_t n, wn_buf *reason, wn_buf *tmp)
{
    (void)len;
    return preset == PRESET_C4 ? c4_decide(text, lines, n, reason, tmp)
                               : rw_decide(text, lines, n, reason);
}

int presets_rebuild(int preset, wn_buf *text, const cl_line *lines,
                    size_t n, wn_buf *tmp)
{
    wn_buf_reset(tmp);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        const cl_line *l = &lines[i];
        if (l->rule || !l->len)
            continue;
        const char *s = text->data + l->off;
        if (!first && wn_buf_putc(tmp, '\n'))
            return WN_ENOMEM;
        first = 0;
        size_t a, b;
        int rc;
        if (preset == PRESET_C4)
            rc = strip_citations(s, l->len, tmp);
        else if (rw_edit(s, l->len, &a, &b)) {
            /* the edit leaves the rest of the line, trimmed */
            while (b < l->len && s[b] == ' ')
                b++;
            while (a > 0 && s[a - 1] == ' ')
                a--;
            rc = wn_buf_append(tmp, s, a);
            if (!rc && a && b < l->len)
                rc = wn_buf_putc(tmp, ' ');
            if (!rc)
                rc = wn_buf_append(tmp, s + b, l->len - b);
        } else
            rc = wn_buf_append(tmp, s, l->len);
        if (rc)
            return WN_ENOMEM;
    }
    if (preset != PRESET_C4 && !first && wn_buf_putc(tmp, '\n'))
        return WN_ENOMEM;
    return wn_buf_set(text, tmp->data ? tmp->data : "", tmp->len);
}
