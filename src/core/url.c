/*
 * url.c - a URL's host and its registered domain, for every stage that
 * asks "which site is this?" (site_lines, url_filter).
 *
 * The registered domain (eTLD+1: news.bbc.co.uk -> bbc.co.uk, and
 * alice.github.io -> alice.github.io, since github.io is a private
 * suffix) comes from the Public Suffix List through libpsl, as FineWeb
 * gets it through tldextract: psl_latest() takes the newer of the list
 * built into libpsl and Debian's publicsuffix package
 * (/usr/share/publicsuffix), loaded once per process and read-only after.
 * An IP literal, a host that is itself a public suffix and a one-label
 * host are their own registered domain.
 */
#include "core.h"

#include <libpsl.h>
#include <pthread.h>
#include <xxhash.h>

static psl_ctx_t *psl;
static pthread_once_t psl_once = PTHREAD_ONCE_INIT;

static void psl_init(void)
{
    psl = psl_latest(NULL);
    if (!psl)
        psl = (psl_ctx_t *)psl_builtin();
}

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

size_t url_host(const char *u, size_t n, char *host, size_t cap)
{
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
    if (p < e && *p == '[') { /* an IPv6 literal, port after the ']' */
        const char *rb = memchr(p, ']', (size_t)(e - p));
        if (rb)
            e = rb + 1;
    } else {
        const char *colon = memchr(p, ':', (size_t)(e - p));
        if (colon)
            e = colon;
    }
    while (e > p && e[-1] == '.')
        e--;
    size_t hn = (size_t)(e - p);
    if (!cap)
        return 0;
    if (hn >= cap)
        hn = cap - 1;
    for (size_t i = 0; i < hn; i++)
        host[i] = lower_ascii(p[i]);
    host[hn] = '\0';
    return hn;
}

static int is_ip(const char *h)
{
    if (*h == '[' || strchr(h, ':'))
        return 1;
    for (; *h; h++)
        if (*h != '.' && !(*h >= '0' && *h <= '9'))
            return 0;
    return 1;
}

static const char *registered_domain(const char *host)
{
    if (!*host || is_ip(host) || !strchr(host, '.'))
        return host;
    pthread_once(&psl_once, psl_init);
    const char *r = psl ? psl_registrable_domain(psl, host) : NULL;
    return r ? r : host; /* a public suffix itself: its own site */
}

/* The hosts met last, per thread: a corpus names the same hosts again
 * and again (site_lines asks twice per page), and a Public Suffix List
 * lookup costs thousands of instructions where the memo costs a hash
 * and a compare.  The answer is a suffix of the host, kept as its
 * offset; the memo holds the whole host, so it answers only for the
 * same string. */
enum { MEMO_SLOTS = 64, MEMO_HOST = 120 };
typedef struct host_memo {
    uint64_t hash;
    uint32_t len, off; /* len 0: empty slot */
    char host[MEMO_HOST];
} host_memo;
static _Thread_local host_memo memo[MEMO_SLOTS];

const char *url_registered_domain(const char *host)
{
    size_t n = strlen(host);
    if (!n || n >= MEMO_HOST)
        return registered_domain(host);
    uint64_t h = XXH3_64bits(host, n);
    host_memo *m = &memo[h % MEMO_SLOTS];
    if (m->len == n && m->hash == h && !memcmp(m->host, host, n))
        return host + m->off;
    const char *r = registered_domain(host);
    if (r >= host && r <= host + n) {
        m->hash = h;
        m->len = (uint32_t)n;
        m->off = (uint32_t)(r - host);
        memcpy(m->host, host, n);
    }
    return r;
}
