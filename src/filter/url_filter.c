/*
 * url_filter.c - stage "url_filter": drops documents by their URL, as
 * FineWeb's URLFilter (datatrove) and RefinedWeb do, before any work is
 * spent on their text.  In order, a document is dropped when
 *   1. its registered domain (Public Suffix List, url_registered_domain)
 *      is on a domain list: "url_filter:domain=example.com (LIST)";
 *   2. its full host is: "url_filter:subdomain=ads.example.org (LIST)";
 *   3. its URL, without scheme, "www." and trailing "/", is on a URL
 *      list: "url_filter:url=example.net/page (LIST)";
 *   4. a word of its URL (lowercased, split at every byte that is not a
 *      letter or digit, UTF-8 bytes kept in words) is hard-banned:
 *      "url_filter:banned_word=casino (LIST)";
 *   5. at least soft_min distinct words of its URL are soft-banned:
 *      "url_filter:soft_banned_words=2>=2 (bet, poker; LIST)".
 * Lists are files, one entry a line (urllist.c); url_filter.ut1 takes
 * UT1 category directories (the layout of the Toulouse blacklist:
 * CATEGORY/domains and CATEGORY/urls).  The stage ships no list: without
 * lists, or for a document without a URL, it keeps everything.
 */
#include "../pipeline/stage.h"
#include "urllist.h"

#include <stdlib.h>

#define UF "url_filter"

typedef struct uf_opts {
    const char *domains, *urls, *ut1, *banned, *soft;
    long long soft_min;
} uf_opts;

#define AT(f) OPT_AT(uf_opts, f)

static const config_opt uf_table[] = {
    OPTION_LIST(UF ".domains", "", NULL, OPT_EMPTY, AT(domains),
                "files of blocked domains, one a line (a registered domain "
                "blocks its sub-domains)"),
    OPTION_LIST(UF ".urls", "", NULL, OPT_EMPTY, AT(urls),
                "files of blocked URLs, one a line"),
    OPTION_LIST(UF ".ut1", "", NULL, OPT_EMPTY, AT(ut1),
                "UT1 category directories (their domains and urls files), "
                "e.g. blacklists/adult"),
    OPTION_LIST(UF ".banned_words", "", NULL, OPT_EMPTY, AT(banned),
                "files of words that block a URL holding one"),
    OPTION_LIST(UF ".soft_words", "", NULL, OPT_EMPTY, AT(soft),
                "files of words that block a URL holding soft_min of them"),
    OPTION_INT(UF ".soft_min", "2", 1, OPT_NOLIMIT, 0, AT(soft_min),
               "distinct soft-banned words that block a URL (FineWeb: 2)"),
    OPTION_END,
};

enum { S_DOMAIN, S_URL, S_HARD, S_SOFT, NSETS };

typedef struct uf_state {
    url_set *set[NSETS];
    char **lists; /* file names, indexed by an entry's list */
    uint32_t nlists;
    size_t soft_min;
    int any;
} uf_state;

static void uf_free(void *state)
{
    uf_state *s = state;
    if (!s)
        return;
    for (int i = 0; i < NSETS; i++)
        url_set_free(s->set[i]);
    for (uint32_t i = 0; i < s->nlists; i++)
        free(s->lists[i]);
    free(s->lists);
    free(s);
}

/* Reads list file path into set; missing_ok: a UT1 category may lack
 * one of its two files.  Returns 0, 1 (absent, missing_ok) or < 0. */
static int load(uf_state *s, url_set *set, const char *path, int missing_ok,
                wn_error *err)
{
    wn_buf b = WN_BUF_INIT;
    int rc = read_whole_file(path, &b, err);
    if (rc == 1 && !missing_ok)
        rc = wn_err(err, WN_EINVAL, path, 0, UF ": no such list file");
    if (rc) {
        wn_buf_release(&b);
        return rc;
    }
    char **nl = realloc(s->lists, (s->nlists + 1) * sizeof *nl);
    if (nl)
        s->lists = nl;
    if (!nl || !(s->lists[s->nlists] = strdup(path))) {
        wn_buf_release(&b);
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    }
    long n = url_set_add_text(set, b.data ? b.data : "", b.len, s->nlists++);
    wn_buf_release(&b);
    if (n < 0)
        return wn_err(err, (int)n, path, 0, "out of memory");
    s->any = 1;
    return 0;
}

/* The UT1 category directories of list option v. */
static int load_ut1(uf_state *s, const char *v, wn_error *err)
{
    const char *cur = v, *item;
    size_t n;
    int rc = 0;
    while (!rc && (n = config_list_next(&cur, &item))) {
        char path[4096];
        int got = 0;
        snprintf(path, sizeof path, "%.*s/domains", (int)n, item);
        rc = load(s, s->set[S_DOMAIN], path, 1, err);
        got += rc == 0;
        snprintf(path, sizeof path, "%.*s/urls", (int)n, item);
        if (rc >= 0)
            rc = load(s, s->set[S_URL], path, 1, err);
        got += rc == 0;
        if (rc == 1)
            rc = 0;
        if (!rc && !got)
            rc = wn_err(err, WN_EINVAL, "", 0,
                        UF ".ut1: '%.*s' has neither domains nor urls",
                        (int)n, item);
    }
    return rc < 0 ? rc : 0;
}

/* Every file of list option v into set. */
static int load_files(uf_state *s, url_set *set, const char *v, wn_error *err)
{
    const char *cur = v, *item;
    size_t n;
    int rc = 0;
    while (!rc && (n = config_list_next(&cur, &item))) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)n, item);
        rc = load(s, set, path, 0, err);
    }
    return rc;
}

static int uf_create(const void *opts, void **state, wn_error *err)
{
    const uf_opts *o = opts;
    uf_state *s = calloc(1, sizeof *s);
    if (!s)
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    static const int kinds[NSETS] = {URLSET_DOMAIN, URLSET_URL, URLSET_WORD,
                                     URLSET_WORD};
    int rc = 0;
    for (int i = 0; i < NSETS && !rc; i++)
        if (!(s->set[i] = url_set_new(kinds[i])))
            rc = wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    s->soft_min = (size_t)o->soft_min;
    if (!rc)
        rc = load_files(s, s->set[S_DOMAIN], o->domains, err);
    if (!rc)
        rc = load_files(s, s->set[S_URL], o->urls, err);
    if (!rc)
        rc = load_ut1(s, o->ut1, err);
    if (!rc)
        rc = load_files(s, s->set[S_HARD], o->banned, err);
    if (!rc)
        rc = load_files(s, s->set[S_SOFT], o->soft, err);
    if (rc) {
        uf_free(s);
        return rc;
    }
    *state = s;
    return 0;
}

static int reject(wn_buf *reason, const char *what, const char *entry,
                  size_t n, const char *list)
{
    wn_buf_reset(reason);
    return wn_buf_printf(reason, UF ":%s=%.*s (%s)", what, (int)n, entry,
                         list) < 0
               ? WN_ENOMEM
               : STAGE_DROP;
}

static int is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Rules 4 and 5 on the lowercased URL u. */
static int check_words(const uf_state *s, const wn_buf *u, wn_buf *found,
                       wn_buf *reason)
{
    size_t nsoft = 0;
    uint32_t list = 0, soft_list = 0;
    wn_buf_reset(found);
    for (size_t i = 0; i < u->len;) {
        while (i < u->len && !is_word_byte((unsigned char)u->data[i]))
            i++;
        size_t a = i;
        while (i < u->len && is_word_byte((unsigned char)u->data[i]))
            i++;
        if (a == i)
            continue;
        const char *w = u->data + a;
        size_t n = i - a;
        if (url_set_has(s->set[S_HARD], w, n, &list))
            return reject(reason, "banned_word", w, n, s->lists[list]);
        if (!url_set_has(s->set[S_SOFT], w, n, &soft_list))
            continue;
        /* distinct words: found holds ", "-separated words seen */
        int seen = 0;
        for (size_t k = 0; k + n <= found->len && !seen; k++)
            seen = (k == 0 || found->data[k - 1] == ' ') &&
                   !memcmp(found->data + k, w, n) &&
                   (k + n == found->len || found->data[k + n] == ',');
        if (seen)
            continue;
        if ((found->len && wn_buf_puts(found, ", ")) ||
            wn_buf_append(found, w, n))
            return WN_ENOMEM;
        nsoft++;
    }
    if (!nsoft || nsoft < s->soft_min)
        return STAGE_KEEP;
    wn_buf_reset(reason);
    return wn_buf_printf(reason, UF ":soft_banned_words=%zu>=%zu (%.*s; %s)",
                         nsoft, s->soft_min, (int)found->len, found->data,
                         s->lists[soft_list]) < 0
               ? WN_ENOMEM
               : STAGE_DROP;
}

/* The verdict on doc's URL, with u and found as working buffers. */
static int uf_decide(const uf_state *s, const wn_doc *doc, wn_buf *u,
                     wn_buf *found, wn_buf *reason)
{
    if (!s->any || !doc->url.data || !doc->url.len)
        return STAGE_KEEP;
    char host[256];
    uint32_t list;
    url_host(doc->url.data, doc->url.len, host, sizeof host);
    const char *reg = url_registered_domain(host);
    if (url_set_has(s->set[S_DOMAIN], reg, strlen(reg), &list))
        return reject(reason, "domain", reg, strlen(reg), s->lists[list]);
    if (reg != host &&
        url_set_has(s->set[S_DOMAIN], host, strlen(host), &list))
        return reject(reason, "subdomain", host, strlen(host),
                      s->lists[list]);
    int rc = url_set_key(URLSET_URL, doc->url.data, doc->url.len, u);
    if (rc)
        return rc;
    if (url_set_has(s->set[S_URL], u->data, u->len, &list))
        return reject(reason, "url", u->data, u->len, s->lists[list]);
    return check_words(s, u, found, reason);
}

static int uf_process(void *state, wn_doc *doc, stage_scratch *scratch,
                      wn_buf *reason)
{
    return uf_decide(state, doc, &scratch->b[0], &scratch->b[1], reason);
}

/* winnow select: the URL is metadata, so the lists given to select decide
 * (read once, when select starts; no text is looked at); without lists,
 * the annotated run's verdict stands. */
static int uf_judge(void *state, const wn_doc *doc, wn_buf *reason)
{
    const uf_state *s = state;
    if (!s->any)
        return STAGE_NO_SIGNALS; /* no lists given: the run's verdict */
    wn_buf u = WN_BUF_INIT, found = WN_BUF_INIT;
    int rc = uf_decide(state, doc, &u, &found, reason);
    wn_buf_release(&u);
    wn_buf_release(&found);
    return rc;
}

const stage_ops stage_url_filter = {
    .name = UF,
    .group = "filter",
    .summary = "drop documents whose domain or URL is on a block list or "
               "whose URL holds banned words (FineWeb's URLFilter)",
    .opts = uf_table,
    .opts_size = sizeof(uf_opts),
    .create = uf_create,
    .process = uf_process,
    .free = uf_free,
    .judge = uf_judge,
};
