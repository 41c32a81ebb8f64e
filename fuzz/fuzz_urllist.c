/*
 * fuzz_urllist.c - libFuzzer target: url_filter's list reader (src/filter/
 * urllist.c) on arbitrary bytes, as a list of each kind; every entry it
 * keeps must then be found, and the registered domain of any host must
 * lie inside it.
 */
#include "../src/filter/urllist.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    wn_buf key = WN_BUF_INIT;
    for (int kind = URLSET_DOMAIN; kind <= URLSET_WORD; kind++) {
        url_set *s = url_set_new(kind);
        if (!s)
            return 0;
        long n = url_set_add_text(s, t, size, 7);
        if (n >= 0 && (size_t)n != url_set_size(s))
            abort();
        /* the first line, as the reader keys it, is in the set */
        const char *nl = memchr(t, '\n', size);
        size_t len = nl ? (size_t)(nl - t) : size;
        uint32_t list;
        if (n > 0 && len && !memchr(t, '\0', len) && t[0] > ' ' &&
            t[0] != '#' && (unsigned char)t[len - 1] > ' ' &&
            !url_set_key(kind, t, len, &key) && key.len &&
            !(url_set_has(s, key.data, key.len, &list) && list == 7))
            abort();
        url_set_free(s);
    }
    char host[256];
    size_t hn = url_host(t, size, host, sizeof host);
    if (hn && !memchr(host, '\0', hn)) {
        const char *r = url_registered_domain(host);
        if (r < host || r > host + hn)
            abort();
    }
    wn_buf_release(&key);
    return 0;
}
