/*
 * normalize.c - the "normalize" stage: one canonical spelling of the same
 * text, without changing a word of it.
 *
 *  - Unicode NFC (utf8proc): "é" typed as e + U+0301 and as U+00E9 become
 *    the same bytes, so hashing, rules and dedup see one text;
 *  - whitespace collapsed: every run of spaces, tabs, no-break and other
 *    Unicode spaces inside a line becomes one space; lines are trimmed;
 *    CR LF and lone CR become LF; U+2028/U+2029 end a line; several blank
 *    lines become one (the paragraph break is kept);
 *  - control characters removed: C0 except tab/LF, DEL, C1, and the
 *    invisible U+200B (zero-width space), U+FEFF (BOM) and U+00AD (soft
 *    hyphen).  ZWJ/ZWNJ stay: they are part of words in Persian, Indic
 *    scripts and emoji.
 *  - debris lines dropped (counted as "debris_line"): a line whose every
 *    visible character is mis-decoding debris - "Â", "Ã", "â€", U+FFFD,
 *    a C1 control such as U+0095 - carries no word, and a line of only
 *    removed invisibles would vanish without a count.  Lines are the
 *    segments between line breaks, so wn_clean_lines reports the same
 *    verdict on the raw text that process() acts on.
 * Off by default, because they do change text: NFKC (normalize.nfkc:
 * ligatures, full-width forms, superscripts folded) and quote folding
 * (normalize.fold_quotes: ‘ ’ ‚ ‛ -> ' and “ ” „ ‟ -> ").
 * Lines of characters below U+0300 (and of most other characters, see
 * nf_unsafe) skip utf8proc, which is the common fast path.
 */
#include "clean.h"

#include <stdlib.h>
#include <utf8proc.h>

static const char R_DEBRIS[] = "debris_line";

typedef struct norm_opts {
    int nfkc, fold_quotes;
} norm_opts;

typedef struct norm_state {
    norm_opts o;
    cl_counts counts; /* one slot: debris_line */
} norm_state;

static const config_opt norm_table[] = {
    OPTION_BOOL("normalize.nfkc", "0", OPT_AT(norm_opts, nfkc),
                "NFKC instead of NFC (folds compatibility forms)"),
    OPTION_BOOL("normalize.fold_quotes", "0",
                OPT_AT(norm_opts, fold_quotes),
                "curly quotes to ASCII ' and \""),
    OPTION_END,
};

static int norm_create(const void *opts, void **out, wn_error *err)
{
    norm_state *st = calloc(1, sizeof *st);
    if (!st)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    st->o = *(const norm_opts *)opts;
    cl_counts_slot(&st->counts, R_DEBRIS);
    *out = st;
    return 0;
}

static void norm_free(void *p) { free(p); }

/* Length of a space or an invisible to drop at s: *kind 1 = space, 2 =
 * removed, 3 = line break; 0 if neither. */
static size_t special_at(const unsigned char *s, size_t n, int *kind)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        if (c == ' ' || c == '\t' || c == '\v' || c == '\f') {
            *kind = 1;
            return 1;
        }
        if (c == '\r') {
            *kind = 3;
            return n > 1 && s[1] == '\n' ? 2 : 1;
        }
        if (c == '\n') {
            *kind = 3;
            return 1;
        }
        if (c < 0x20 || c == 0x7F) {
            *kind = 2;
            return 1;
        }
        return 0;
    }
    if (c == 0xC2 && n >= 2) {
        if (s[1] >= 0x80 && s[1] <= 0x9F) { /* C1 controls; U+0085 = NEL */
            *kind = s[1] == 0x85 ? 3 : 2;
            return 2;
        }
        if (s[1] == 0xA0) {
            *kind = 1;
            return 2;
        }
        if (s[1] == 0xAD) {
            *kind = 2;
            return 2;
        }
        return 0;
    }
    if (n < 3)
        return 0;
    if (c == 0xE2 && s[1] == 0x80) {
        if (s[2] <= 0x8A || s[2] == 0xAF) {
            *kind = 1;
            return 3;
        }
        if (s[2] == 0x8B) {
            *kind = 2;
            return 3;
        }
        if (s[2] == 0xA8 || s[2] == 0xA9) {
            *kind = 3;
            return 3;
        }
    }
    if (c == 0xE2 && s[1] == 0x81 && s[2] == 0x9F) {
        *kind = 1;
        return 3;
    }
    if ((c == 0xE1 && s[1] == 0x9A && s[2] == 0x80) ||
        (c == 0xE3 && s[1] == 0x80 && s[2] == 0x80)) {
        *kind = 1;
        return 3;
    }
    if (c == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        *kind = 2;
        return 3;
    }
    return 0;
}

/* Length of a mis-decoding debris character at s (a non-ASCII one), or 0:
 * the lead characters of UTF-8 read as windows-1252 ("Â", "Ã", "â" and
 * the "€ ™ œ š ž Ÿ ¦" that follow them) and U+FFFD.  Only a line made of
 * nothing else is dropped, so "Ã©t" in a word never is. */
static size_t debris_at(const unsigned char *s, size_t n)
{
    if (n >= 2 && s[0] == 0xC3 && (s[1] == 0x82 || s[1] == 0x83 ||
                                   s[1] == 0xA2))
        return 2; /* Â Ã â */
    if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA6)
        return 2; /* ¦ */
    if (n >= 2 && s[0] == 0xC5 && (s[1] == 0x93 || s[1] == 0xA1 ||
                                   s[1] == 0xBE || s[1] == 0xB8))
        return 2; /* œ š ž Ÿ */
    if (n >= 3 && s[0] == 0xE2 && ((s[1] == 0x82 && s[2] == 0xAC) ||
                                   (s[1] == 0x84 && s[2] == 0xA2)))
        return 3; /* € ™ */
    if (n >= 3 && s[0] == 0xEF && s[1] == 0xBF && s[2] == 0xBD)
        return 3; /* U+FFFD */
    return 0;
}

/* Calls fn for every line (segment between the line breaks squeeze
 * honours) that has a visible or removed character, with rule
 * R_DEBRIS when all of them are debris or removed, else NULL.  Returns
 * the number of debris lines. */
static size_t debris_lines(const char *text, size_t n, wn_line_verdict_fn fn,
                           void *ctx)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t start = 0, count = 0;
    int any = 0, vis = 0;
    for (size_t i = 0; i <= n;) {
        int kind = 0;
        size_t l = i < n ? special_at(s + i, n - i, &kind) : 1;
        if (i == n || kind == 3) {
            if (any) {
                const char *rule = vis ? NULL : R_DEBRIS;
                count += !vis;
                if (fn)
                    fn(ctx, text + start, i - start, rule);
            }
            i += l;
            start = i;
            any = vis = 0;
            continue;
        }
        if (l) {
            any |= kind == 2;
            i += l;
            continue;
        }
        size_t d = s[i] >= 0x80 ? debris_at(s + i, n - i) : 0;
        any = 1;
        vis |= !d;
        i += d ? d : 1;
    }
    return count;
}

int norm_lines(void *state, const wn_doc *doc, wn_line_verdict_fn fn,
               void *ctx)
{
    (void)state;
    debris_lines(doc->text.data ? doc->text.data : "", doc->text.len, fn,
                 ctx);
    return STAGE_KEEP;
}

const cl_counts *norm_counts(void *state)
{
    return &((norm_state *)state)->counts;
}

/* The quote to fold the 3-byte sequence at s to, or 0. */
static char fold_quote(const unsigned char *s, size_t n)
{
    if (n < 3 || s[0] != 0xE2 || s[1] != 0x80)
        return 0;
    if (s[2] >= 0x98 && s[2] <= 0x9B)
        return '\'';
    if (s[2] >= 0x9C && s[2] <= 0x9F)
        return '"';
    return 0;
}

static int little_endian(void)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return 1;
#else
    return 0;
#endif
}

/* Which of the 8 bytes of w squeeze may not copy as they are: 0x80 in
 * each byte >= 0x80, below 0x20 or DEL, and in the first space of each
 * two in a row (adjacent bytes are adjacent in the word in either byte
 * order).  Exact per byte: no carry crosses a byte. */
static uint64_t unplain8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Fu;
    uint64_t ctl = ~((w & low7) + ones * (0x80 - 0x20)) & ~w & high;
    uint64_t x = w ^ low7; /* DEL -> 0 */
    uint64_t del = ~(((x & low7) + low7) | x | low7);
    x = w ^ (ones * 0x20); /* space -> 0 */
    uint64_t sp = ~(((x & low7) + low7) | x | low7);
    uint64_t two = little_endian() ? sp & (sp >> 8) : sp & (sp << 8);
    return (w & high) | ctl | del | two;
}

/* Whitespace, controls and (optionally) quotes: src -> out; debris lines
 * (see debris_at) are taken out again as their line ends and counted in
 * *debris. */
static int squeeze(const char *src, size_t n, int fold, wn_buf *out,
                   uint64_t *debris)
{
    wn_buf_reset(out);
    if (wn_buf_reserve(out, n + 1))
        return WN_ENOMEM;
    char *o = out->data;
    size_t k = 0;
    int space = 0;   /* a space is pending inside the line */
    int newlines = 0; /* line breaks pending */
    /* The current line: output length and pending breaks at its start,
     * whether it has any non-blank character, and any that is not
     * debris. */
    size_t seg_k = 0;
    int seg_nl = 0, seg_any = 0, seg_text = 0;
    const unsigned char *s = (const unsigned char *)src;
    for (size_t i = 0; i < n;) {
        /* Eight bytes at a time while nothing is pending and they are
         * printable ASCII or single spaces, the last one not a space:
         * such a run is copied as it is. */
        while (!(newlines | space) && k && i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t bad = unplain8(w);
            size_t m = 8;
            if (bad) {
                /* the bytes before the first that is not plain; where
                 * that is unknown (big-endian), none */
                m = little_endian() ? (size_t)__builtin_ctzll(bad) / 8 : 0;
            }
            if (m && s[i + m - 1] == ' ')
                m--; /* a space is copied only with what follows it */
            if (!m)
                break;
            memcpy(o + k, s + i, m);
            k += m;
            i += m;
            seg_text = 1;
            if (m < 8)
                break;
        }
        if (i >= n)
            break;
        unsigned char c = s[i];
        if (c > ' ' && c < 0x7F) { /* the common case: printable ASCII */
            seg_text = 1;
            if (WN_UNLIKELY(newlines | space)) {
                if (k) {
                    if (newlines)
                        o[k++] = '\n';
                    if (newlines > 1)
                        o[k++] = '\n';
                    else if (!newlines)
                        o[k++] = ' ';
                }
                newlines = space = 0;
            }
            o[k++] = (char)c;
            i++;
            continue;
        }
        if (c == ' ') { /* what special_at says of it, without the call */
            space = 1;
            i++;
            continue;
        }
        int kind = 0;
        size_t l = special_at(s + i, n - i, &kind);
        if (l) {
            if (kind == 1)
                space = 1;
            else if (kind == 3) {
                if (seg_any && !seg_text) { /* a debris line: undone */
                    k = seg_k;
                    newlines = seg_nl;
                    (*debris)++;
                } else
                    newlines++;
                space = 0;
                seg_k = k;
                seg_nl = newlines;
                seg_any = seg_text = 0;
            } else
                seg_any = 1;
            i += l;
            continue;
        }
        seg_any = 1;
        if (c < 0x80 || (c >= 0xC0 && !debris_at(s + i, n - i)))
            seg_text = 1; /* (a continuation byte is its lead's) */
        if (k) {
            if (newlines)
                o[k++] = '\n';
            if (newlines > 1)
                o[k++] = '\n';
            else if (!newlines && space)
                o[k++] = ' ';
        }
        newlines = 0;
        space = 0;
        char q = fold ? fold_quote(s + i, n - i) : 0;
        if (q) {
            o[k++] = q;
            i += 3;
            continue;
        }
        o[k++] = (char)s[i++];
    }
    if (seg_any && !seg_text) {
        k = seg_k;
        (*debris)++;
    }
    if (k)
        o[k++] = '\n';
    o[k] = 0;
    out->len = k;
    return 0;
}

/* Can code point cp change under NFC/NFKC, alone or with a neighbour?
 * Below U+0300 nothing does (every such character is NFC-stable and none
 * combines with what precedes it). */
static int nf_unsafe(utf8proc_int32_t cp, int nfkc)
{
    if (cp < 0x300)
        return 0;
    if ((cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F) ||
        (cp >= 0xAC00 && cp <= 0xD7A3))
        return 1; /* Hangul: composed algorithmically */
    const utf8proc_property_t *p = utf8proc_get_property(cp);
    /* Marks (and, in utf8proc's table, comb_index >= 0x8000: "second" of
     * a composition pair) may join what precedes them; a character that
     * can only be the first of a pair changes nothing unless such a mark
     * follows, and that mark flags the line itself. */
    if (p->combining_class || p->category == UTF8PROC_CATEGORY_MN ||
        p->category == UTF8PROC_CATEGORY_MC ||
        p->category == UTF8PROC_CATEGORY_ME ||
        (p->comb_index != UINT16_MAX && p->comb_index >= 0x8000))
        return 1;
    if (p->decomp_seqindex == UINT16_MAX)
        return 0;
    /* Has a decomposition: canonical ones are stable when precomposed,
     * but singletons (U+212B ANGSTROM SIGN) are not; compatibility ones
     * matter only for NFKC.  Let utf8proc decide. */
    return nfkc || !p->decomp_type;
}

/* NFC (or NFKC) of t into out, line by line: a line made only of safe
 * characters - all ASCII and Latin-1 text, most of any script - is copied
 * as it is; only other lines go through utf8proc.  A line break is a
 * boundary no composition crosses. */
static int nf_lines(const char *t, size_t n, int nfkc, wn_buf *out)
{
    wn_buf_reset(out);
    utf8proc_option_t o = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    if (nfkc)
        o |= UTF8PROC_COMPAT;
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - t) + 1 : n;
        int unsafe = 0;
        for (size_t k = i; k < e && !unsafe; k++) {
            if ((unsigned char)t[k] < 0xCC)
                continue;
            utf8proc_int32_t cp;
            utf8proc_ssize_t l = utf8proc_iterate(
                (const utf8proc_uint8_t *)t + k, (utf8proc_ssize_t)(e - k),
                &cp);
            if (l <= 0)
                break; /* invalid UTF-8: leave the line as it is */
            unsafe = nf_unsafe(cp, nfkc);
            k += (size_t)l - 1;
        }
        utf8proc_uint8_t *nf = NULL;
        utf8proc_ssize_t r = -1;
        if (unsafe)
            r = utf8proc_map((const utf8proc_uint8_t *)t + i,
                             (utf8proc_ssize_t)(e - i), &nf, o);
        int rc = r >= 0 ? wn_buf_append(out, nf, (size_t)r)
                        : wn_buf_append(out, t + i, e - i);
        free(nf);
        if (rc)
            return rc;
        i = e;
    }
    return 0;
}

/* Is any byte >= 0xCC?  Eight bytes at a time: a word without a high bit
 * has none. */
static int has_byte_from_cc(const char *t, size_t n)
{
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        uint64_t w;
        memcpy(&w, t + k, 8);
        if (!(w & 0x8080808080808080u))
            continue;
        for (size_t j = 0; j < 8; j++)
            if ((unsigned char)t[k + j] >= 0xCC)
                return 1;
    }
    for (; k < n; k++)
        if ((unsigned char)t[k] >= 0xCC)
            return 1;
    return 0;
}

static int norm_process(void *state, wn_doc *doc, stage_scratch *sc,
                        wn_buf *reason)
{
    norm_state *st = state;
    const char *t = doc->text.data ? doc->text.data : "";
    size_t n = doc->text.len;
    /* No byte >= 0xCC means no code point >= U+0300: NFC has nothing to
     * do, and the text is squeezed straight from the document. */
    int rc = 0;
    if (has_byte_from_cc(t, n)) {
        rc = nf_lines(t, n, st->o.nfkc, &sc->b[1]);
        t = sc->b[1].data ? sc->b[1].data : "";
        n = sc->b[1].len;
    }
    uint64_t debris = 0;
    if (!rc)
        rc = squeeze(t, n, st->o.fold_quotes, &sc->b[0], &debris);
    if (rc)
        return rc;
    if (debris)
        atomic_fetch_add_explicit(&st->counts.drops[0], debris,
                                  memory_order_relaxed);
    /* the squeezed text becomes the document's, without a copy: the
     * scratch buffer takes the old text's memory for the next document */
    wn_buf old = doc->text;
    doc->text = sc->b[0];
    sc->b[0] = old;
    if (!doc->text.len) {
        wn_buf_puts(reason, "normalize:empty_text");
        return STAGE_DROP;
    }
    return STAGE_KEEP;
}

const stage_ops stage_normalize = {
    .name = "normalize",
    .group = "clean",
    .summary = "Unicode NFC, whitespace collapsed, control characters "
               "removed",
    .opts = norm_table,
    .opts_size = sizeof(norm_opts),
    .create = norm_create,
    .process = norm_process,
    .free = norm_free,
};
