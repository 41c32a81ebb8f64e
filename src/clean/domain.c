/*
 * domain.c - which "site" a document belongs to, for site-template lines.
 *
 * The site of a page with a url is its registered domain, from the Public
 * Suffix List (url_registered_domain, src/core/url.c: the function
 * url_filter uses too), so news.bbc.co.uk and www.bbc.co.uk are one site
 * and two users of github.io are two.
 * A document without a url belongs to the directory of its source file
 * ("dir/page.txt:0" -> "dir"), as the issue asks for plain files.
 */
#include "clean.h"

int cl_site_key(const wn_doc *doc, wn_buf *out)
{
    wn_buf_reset(out);
    size_t n;
    if (doc->url.data && doc->url.len) {
        char host[256];
        if (url_host(doc->url.data, doc->url.len, host, sizeof host))
            return wn_buf_puts(out, url_registered_domain(host));
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
