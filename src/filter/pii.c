/*
 * pii.c - stage "pii": replaces e-mail addresses, IPv4/IPv6 addresses and
 * phone numbers with fixed placeholders ("<EMAIL>", "<IP>", "<PHONE>" by
 * default) and counts them in metadata (pii_email, pii_ip, pii_phone, set
 * only when non-zero).  It never drops a document.
 *
 * A hand-written scanner rather than regular expressions, because the
 * hard part is what NOT to match, and that needs context a regex makes
 * clumsy: a candidate only starts at a token boundary, and
 *  - IPv4 needs four octets 0-255 without leading zeros, not followed by
 *    another ".digit" and not preceded by a word such as "version" (so
 *    "version 1.2.3.4" and "2.6.32.71" stay);
 *  - IPv6 needs a valid RFC 4291 form with "::" or all eight groups (so
 *    times like 12:30:45 stay);
 *  - a phone number is an international number (+ and 8-15 digits), a
 *    North American one (3-3-4 digits, optional 1 and parentheses) or a
 *    national one starting with 0 (9-12 digits: area code, then groups
 *    of 2-8; no '/' or '.', and not shaped like dd-mm-yyyy); dates
 *    (2024-01-15, 15.01.2024), prices ($1,299.00), coordinates (40.7128,
 *    -74.0060) and bare digit strings fit none of these.
 * The longest valid prefix of a candidate wins, so "555-123-4567 2" keeps
 * its trailing 2.
 */
#include "../pipeline/stage.h"

#include <stdlib.h>
#include <strings.h>

#define PII "pii"

enum { K_EMAIL, K_IP, K_PHONE, NKINDS };

typedef struct pii_opts {
    int enabled;
    const char *redact;
    const char *ph[NKINDS];
} pii_opts;

#define AT(f) OPT_AT(pii_opts, f)

/* pii.redact's choices are in the order of K_*. */
static const config_opt pii_table[] = {
    OPTION_BOOL(PII ".enabled", "1", AT(enabled),
                "run this stage (0 turns it off)"),
    OPTION_LIST(PII ".redact", "email,ip,phone", "email|ip|phone", OPT_EMPTY,
                AT(redact), "what to redact (empty: nothing)"),
    OPTION_STRING(PII ".email_placeholder", "<EMAIL>", OPT_EMPTY,
                  AT(ph[K_EMAIL]), "replaces an e-mail address"),
    OPTION_STRING(PII ".ip_placeholder", "<IP>", OPT_EMPTY, AT(ph[K_IP]),
                  "replaces an IPv4 or IPv6 address"),
    OPTION_STRING(PII ".phone_placeholder", "<PHONE>", OPT_EMPTY,
                  AT(ph[K_PHONE]), "replaces a phone number"),
    OPTION_END,
};

typedef struct pii_state {
    int enabled;
    int on[NKINDS];
    char *ph[NKINDS];
} pii_state;

static void pii_free(void *state)
{
    pii_state *s = state;
    if (!s)
        return;
    for (int i = 0; i < NKINDS; i++)
        free(s->ph[i]);
    free(s);
}

static int pii_create(const void *opts, void **state, wn_error *err)
{
    const pii_opts *o = opts;
    pii_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->enabled = o->enabled;
    unsigned mask = config_list_mask(&pii_table[1], o->redact);
    for (int i = 0; i < NKINDS; i++) {
        s->on[i] = (mask >> i) & 1;
        if (!(s->ph[i] = strdup(o->ph[i]))) {
            pii_free(s);
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        }
    }
    *state = s;
    return 0;
}

static int is_digit(int c) { return c >= '0' && c <= '9'; }
static int is_alpha(int c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_alnum(int c) { return is_digit(c) || is_alpha(c); }
static int is_hex(int c)
{
    return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
static int is_local(int c) { return is_alnum(c) || (c && strchr("._%+-", c)); }

/* ---------------------------------------------------------------- e-mail */

/* Length of an e-mail address starting at s[0], or 0. */
static size_t match_email(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_local((unsigned char)s[i]))
        i++;
    if (i == 0 || i >= n || s[i] != '@' || s[0] == '.' || s[i - 1] == '.')
        return 0;
    size_t at = i++, last_dot = 0, labels = 0, lab = 0;
    size_t end = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (is_alnum(c) || c == '-') {
            lab++;
            i++;
            continue;
        }
        if (c == '.' && lab && i + 1 < n && is_alnum((unsigned char)s[i + 1])) {
            labels++;
            last_dot = i;
            lab = 0;
            i++;
            continue;
        }
        break;
    }
    if (!labels || !lab)
        return 0;
    /* the top-level domain: 2+ letters */
    for (size_t k = last_dot + 1; k < i; k++)
        if (!is_alpha((unsigned char)s[k]))
            return 0;
    if (i - last_dot - 1 < 2 || i - at < 4)
        return 0;
    end = i;
    return end;
}

/* ------------------------------------------------------------------- IP */

static const char *const version_words[] = {"version", "ver", "ver.", "v",
                                            "v.", "release", "build",
                                            "firmware", "update", "kernel"};

/* Is the word before position i (spaces skipped) a version word? */
static int after_version_word(const char *text, size_t i)
{
    size_t e = i;
    while (e > 0 && text[e - 1] == ' ')
        e--;
    size_t b = e;
    while (b > 0 && (is_alpha((unsigned char)text[b - 1]) || text[b - 1] == '.'))
        b--;
    for (size_t k = 0; k < sizeof version_words / sizeof *version_words; k++)
        if (strlen(version_words[k]) == e - b &&
            !strncasecmp(text + b, version_words[k], e - b))
            return 1;
    return 0;
}

static size_t match_ipv4(const char *s, size_t n)
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part) {
            if (i >= n || s[i] != '.')
                return 0;
            i++;
        }
        size_t b = i;
        unsigned v = 0;
        while (i < n && is_digit((unsigned char)s[i]) && i - b < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == b || i - b > 3 || v > 255 || (s[b] == '0' && i - b > 1))
            return 0;
    }
    if (i < n && (is_alnum((unsigned char)s[i]) ||
                  (s[i] == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]))))
        return 0;
    return i;
}

/* Valid IPv6 text s[0..n) (RFC 4291, optional trailing IPv4)? */
static int valid_ipv6(const char *s, size_t n)
{
    int groups = 0, dcolon = 0;
    size_t i = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        dcolon = 1;
        i = 2;
    } else if (n && s[0] == ':') {
        return 0;
    }
    while (i < n) {
        size_t b = i;
        while (i < n && is_hex((unsigned char)s[i]) && i - b < 5)
            i++;
        if (i < n && s[i] == '.') { /* embedded IPv4 as the last 32 bits */
            if (!match_ipv4(s + b, n - b) || match_ipv4(s + b, n - b) != n - b)
                return 0;
            groups += 2;
            i = n;
            break;
        }
        if (i == b || i - b > 4)
            return 0;
        groups++;
        if (i == n)
            break;
        if (s[i] != ':')
            return 0;
        i++;
        if (i < n && s[i] == ':') {
            if (dcolon)
                return 0;
            dcolon = 1;
            i++;
            if (i == n)
                break;
        } else if (i == n) {
            return 0; /* a single trailing colon */
        }
    }
    if (groups > 8 || (!dcolon && groups != 8))
        return 0;
    return dcolon ? groups >= 2 || (n == 3 && !memcmp(s, "::1", 3)) : 1;
}

static size_t match_ipv6(const char *s, size_t n)
{
    size_t i = 0, colons = 0;
    while (i < n && (is_hex((unsigned char)s[i]) || s[i] == ':' || s[i] == '.')) {
        colons += s[i] == ':';
        i++;
    }
    while (i > 0 && s[i - 1] == '.')
        i--; /* sentence end */
    if (colons < 2 || (i < n && (is_alnum((unsigned char)s[i]))))
        return 0;
    return valid_ipv6(s, i) ? i : 0;
}

/* ---------------------------------------------------------------- phone */

/* Does s[0..n) (digits, separators) look like a phone number? */
static int valid_phone(const char *s, size_t n)
{
    int groups[16], ng = 0, ndig = 0, dots = 0, parens = 0, open = 0;
    size_t i = 0;
    int plus = s[0] == '+';
    if (plus)
        i++;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            size_t b = i;
            while (i < n && is_digit((unsigned char)s[i]))
                i++;
            if (ng == 16)
                return 0;
            groups[ng++] = (int)(i - b);
            ndig += (int)(i - b);
            continue;
        }
        if (c == '(') {
            if (open || parens)
                return 0;
            open = 1;
        } else if (c == ')') {
            if (!open)
                return 0;
            open = 0;
            parens++;
        } else if (c == '.') {
            dots++;
        }
        i++;
    }
    if (open || !ng || !is_digit((unsigned char)s[n - 1]))
        return 0;
    if (plus)
        return ndig >= 8 && ndig <= 15 && (groups[0] <= 4 || ng == 1);
    /* North American: [1] 3 3 4 */
    int k = (ng == 4 && groups[0] == 1 && s[0] == '1') ? 1 : 0;
    if (ng - k == 3 && groups[k] == 3 && groups[k + 1] == 3 &&
        groups[k + 2] == 4)
        return 1;
    /* national, trunk prefix 0: an area code of 2-5 digits, then groups
     * of 2-8, no dots; not date-shaped (01-02-2024 12) */
    size_t z = s[0] == '(' ? 1 : 0;
    if (s[z] != '0' || dots || ndig < 9 || ndig > 12 || ng < 2 ||
        groups[0] < 2 || groups[0] > 5)
        return 0;
    if (ng >= 3 && groups[0] == 2 && groups[1] == 2 && groups[2] == 4)
        return 0;
    for (int g = 1; g < ng; g++)
        if (groups[g] < 2 || groups[g] > 8)
            return 0;
    return 1;
}

static size_t match_phone(const char *s, size_t n)
{
    size_t i = 0;
    if (s[0] == '+')
        i = 1;
    size_t ends[32];
    int ne = 0;
    while (i < n && ne < 32) {
        unsigned char c = (unsigned char)s[i];
        if (is_digit(c)) {
            while (i < n && is_digit((unsigned char)s[i]))
                i++;
            if (i < n && s[i] == ')')
                i++;
            ends[ne++] = i;
            continue;
        }
        if (c == '(' || ((c == ' ' || c == '-' || c == '.') &&
                         i + 1 < n &&
                         (is_digit((unsigned char)s[i + 1]) || s[i + 1] == '(')))
            i++;
        else if (c == ' ' && i + 2 < n && s[i + 1] == '-' && s[i + 2] == ' ')
            i += 3;
        else
            break;
    }
    /* the longest prefix ending after a digit group that is a phone number
     * and is not glued to a following letter or digit */
    for (int e = ne - 1; e >= 0; e--) {
        size_t end = ends[e];
        if (end < n && (is_alnum((unsigned char)s[end]) ||
                        (s[end] == '.' && end + 1 < n &&
                         is_digit((unsigned char)s[end + 1]))))
            continue;
        if (valid_phone(s, end))
            return end;
    }
    return 0;
}

/* ---------------------------------------------------------------- stage */

/* May a candidate start at text[i]? */
static int boundary(const char *text, size_t i)
{
    if (i == 0)
        return 1;
    unsigned char p = (unsigned char)text[i - 1];
    return !is_alnum(p) && !strchr("._%+-@", p);
}

static int is_currency(const char *text, size_t i)
{
    while (i > 0 && text[i - 1] == ' ')
        i--;
    if (!i)
        return 0;
    unsigned char p = (unsigned char)text[i - 1];
    return p == '$' || p == 0xA3 /* £ tail */ || p == 0xAC /* € tail */ ||
           p == 0xA5 /* ¥ tail */;
}

static int pii_process(void *state, wn_doc *doc, stage_scratch *scratch,
                       wn_buf *reason)
{
    const pii_state *s = state;
    (void)reason;
    if (!s->enabled)
        return STAGE_KEEP;
    const char *t = doc->text.data;
    size_t n = doc->text.len, count[NKINDS] = {0, 0, 0};
    if (!t || !n)
        return STAGE_KEEP;
    wn_buf *out = &scratch->b[0];
    wn_buf_reset(out);
    size_t copied = 0, i = 0;
    int rc = 0;
    while (i < n) {
        unsigned char c = (unsigned char)t[i];
        if (!(is_alnum(c) || c == '+' || c == '(' || c == ':') ||
            !boundary(t, i)) {
            i++;
            continue;
        }
        size_t len = 0;
        int kind = -1;
        if (s->on[K_EMAIL] && is_local(c) && (len = match_email(t + i, n - i)))
            kind = K_EMAIL;
        else if (s->on[K_IP] && is_digit(c) &&
                 (len = match_ipv4(t + i, n - i)) &&
                 !after_version_word(t, i))
            kind = K_IP;
        else if (s->on[K_IP] && (is_hex(c) || c == ':') &&
                 (len = match_ipv6(t + i, n - i)))
            kind = K_IP;
        else if (s->on[K_PHONE] && (is_digit(c) || c == '+' || c == '(') &&
                 !is_currency(t, i) && (len = match_phone(t + i, n - i)))
            kind = K_PHONE;
        if (kind < 0) {
            /* skip the rest of this token: no candidate starts inside it */
            i++;
            while (i < n && !boundary(t, i))
                i++;
            continue;
        }
        if ((rc = wn_buf_append(out, t + copied, i - copied)) ||
            (rc = wn_buf_puts(out, s->ph[kind])))
            return rc;
        count[kind]++;
        i += len;
        copied = i;
    }
    if (!copied)
        return STAGE_KEEP;
    if ((rc = wn_buf_append(out, t + copied, n - copied)))
        return rc;
    /* the document takes the new text; the scratch keeps the old buffer */
    wn_buf tmp = doc->text;
    doc->text = *out;
    *out = tmp;
    static const char *const keys[] = {"pii_email", "pii_ip", "pii_phone"};
    for (int k = 0; k < NKINDS; k++)
        if (count[k] && (rc = wn_doc_meta_set_num(doc, keys[k],
                                                  (double)count[k])))
            return rc;
    return STAGE_KEEP;
}

const stage_ops stage_pii = {
    .name = PII,
    .group = "filter",
    .summary = "replace e-mail addresses, IP addresses and phone numbers with "
               "placeholders",
    .opts = pii_table,
    .opts_size = sizeof(pii_opts),
    .create = pii_create,
    .process = pii_process,
    .free = pii_free,
};
