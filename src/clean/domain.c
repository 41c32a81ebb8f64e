/*
 * domain.c - which "site" a document belongs to, for site-template lines.
 *
 * The site of a page with a url is its registered domain, found without
 * the Public Suffix List (no download, no data file to keep fresh) by a
 * heuristic that is right for the hosts that dominate crawls:
 *   - the host is lowercased, "user@" and ":port" and a trailing dot go;
 *   - an IPv4/IPv6 literal or a one-label host is its own site;
 *   - if the last label is a two-letter country code and the label before
 *     it is a generic second level used under ccTLDs (co, com, net, org,
 *     gov, edu, ac, ...), three labels are kept (news.bbc.co.uk ->
 *     bbc.co.uk); likewise under a few hosting suffixes where each
 *     sub-domain is a different owner (blogspot.com, github.io, ...);
 *   - otherwise the last two labels (www.rt.com -> rt.com).
 * Its known error is to merge sites under private suffixes it does not
 * list (two users of some-host.example share a site); that only makes
 * their lines need the page-share threshold of a larger site.
 * A document without a url belongs to the directory of its source file
 * ("dir/page.txt:0" -> "dir"), as the issue asks for plain files.
 */
#include "clean.h"

static const char *const generic_sld[] = {
    "co", "com", "net", "org", "gov", "edu", "ac", "gob", "mil", "nic",
    "ne", "or", "go", "gv", "sch", "ltd", "plc", "nom", "info", "biz",
    "gouv", "int", "res", "in", "web", "blog", "nhs", "police", "mod",
};

static const char *const hosting[] = {
    "blogspot.com", "github.io", "wordpress.com", "tumblr.com",
    "herokuapp.com", "appspot.com", "livejournal.com", "substack.com",
    "medium.com", "netlify.app", "vercel.app", "pages.dev", "web.app",
    "firebaseapp.com", "wixsite.com", "weebly.com", "typepad.com",
    "blogspot.co.uk", "azurewebsites.net", "cloudfront.net",
};

static int ends_with_label(const char *h, size_t n, const char *suf)
{
    size_t m = strlen(suf);
    return n > m && !memcmp(h + n - m, suf, m) && h[n - m - 1] == '.';
}

/* Start of the last k labels of host h (n bytes), or 0 if fewer. */
static size_t last_labels(const char *h, size_t n, int k)
{
    size_t i = n;
    while (i > 0) {
        i--;
        if (h[i] == '.' && --k == 0)
            return i + 1;
    }
    return 0;
}

static int host_to_site(const char *h, size_t n, wn_buf *out)
{
    int ip = 1, dots = 0;
    for (size_t i = 0; i < n; i++) {
        if (h[i] == '.')
            dots++;
        else if (!(h[i] >= '0' && h[i] <= '9'))
            ip = 0;
        if (h[i] == ':' || h[i] == '[')
            ip = 1; /* IPv6 literal */
    }
    if (ip || dots == 0)
        return wn_buf_append(out, h, n);
    int keep = 2;
    size_t tld = last_labels(h, n, 1);
    size_t sld = last_labels(h, n, 2);
    if (n - tld == 2 && sld < tld) {
        size_t l = tld - 1 - sld;
        for (size_t i = 0; i < sizeof generic_sld / sizeof *generic_sld; i++)
            if (strlen(generic_sld[i]) == l &&
                !memcmp(h + sld, generic_sld[i], l))
                keep = 3;
    }
    for (size_t i = 0; i < sizeof hosting / sizeof *hosting; i++)
        if (ends_with_label(h, n, hosting[i])) {
            keep = 1;
            for (const char *p = hosting[i]; *p; p++)
                keep += *p == '.';
            keep += 1;
        }
    size_t at = last_labels(h, n, keep);
    return wn_buf_append(out, h + at, n - at);
}

int cl_site_key(const wn_doc *doc, wn_buf *out)
{
    wn_buf_reset(out);
    const char *u = doc->url.data;
    size_t n = doc->url.len;
    if (u && n) {
        const char *p = u, *end = u + n;
        const char *s = memchr(u, ':', n);
        if (s && s + 2 < end && s[1] == '/' && s[2] == '/')
            p = s + 3;
        const char *e = p;
        while (e < end && *e != '/' && *e != '?' && *e != '#')
            e++;
        const char *at = memchr(p, '@', (size_t)(e - p));
        if (at)
            p = at + 1;
        const char *colon = e;
        if (p < e && *p != '[') /* strip :port unless an IPv6 literal */
            for (const char *q = p; q < e; q++)
                if (*q == ':') {
                    colon = q;
                    break;
                }
        e = colon;
        while (e > p && e[-1] == '.')
            e--;
        char host[256];
        size_t hn = (size_t)(e - p) < sizeof host ? (size_t)(e - p)
                                                  : sizeof host - 1;
        for (size_t i = 0; i < hn; i++)
            host[i] = lower_c(p[i]);
        if (hn)
            return host_to_site(host, hn, out);
    }
    /* No usable url: the directory of the source file.  Sources read
     * "FILE:OFFSET"; the offset goes first, then the file name. */
    const char *s = doc->source.data;
    n = doc->source.len;
    if (!s || !n)
        return 0;
    size_t e = n;
    while (e > 0 && s[e - 1] >= '0' && s[e - 1] <= '9')
        e--;
    if (e > 0 && e < n && s[e - 1] == ':')
        n = e - 1;
    size_t slash = n;
    while (slash > 0 && s[slash - 1] != '/')
        slash--;
    if (slash > 1)
        return wn_buf_append(out, s, slash - 1);
    return wn_buf_puts(out, slash == 1 ? "/" : ".");
}
