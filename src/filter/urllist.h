/*
 * urllist.h - block lists for url_filter: sets of domains, URLs or words
 * read from text files (one entry a line, as UT1's `domains` and `urls`
 * files and FineWeb's word lists are), each entry remembering the list it
 * came from so that a rejection can name both.
 */
#ifndef WN_FILTER_URLLIST_H
#define WN_FILTER_URLLIST_H

#include "../core/core.h"

enum { URLSET_DOMAIN, URLSET_URL, URLSET_WORD };

typedef struct url_set url_set;

url_set *url_set_new(int kind);
void url_set_free(url_set *s);

/* Adds the entries of list text data[0..n): one a line; blanks around an
 * entry, empty lines and lines starting with '#' are skipped; entries are
 * lowercased, and normalised for their kind (url_set_key).  Each entry is
 * tagged with `list` (an index the caller gives).  Returns the number of
 * entries added, or WN_ENOMEM. */
long url_set_add_text(url_set *s, const char *data, size_t n, uint32_t list);

/* The lookup form of text t[0..n) for sets of kind: lowercased; a
 * domain without "*." or "." before and "." after; a URL without
 * "scheme://", "www." and trailing "/".  Into out (reset first). */
int url_set_key(int kind, const char *t, size_t n, wn_buf *out);

/* Whether key (already in lookup form) is in s; sets *list if so. */
int url_set_has(const url_set *s, const char *key, size_t n, uint32_t *list);

size_t url_set_size(const url_set *s);

#endif
