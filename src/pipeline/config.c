/*
 * config.c - the run configuration map and its INI loader (libinih).
 *
 * Few keys (tens), read once per stage at create time: a sorted array with
 * binary search is all it needs, and sorted order makes --print-config
 * output stable.
 */
#include "config.h"
#include "../core/core.h"

#include <errno.h>
#include <strings.h>
#include <ini.h>
#include <stdlib.h>

struct wn_config {
    char **keys;
    char **vals;
    size_t n, cap;
};

wn_config *wn_config_new(void) { return calloc(1, sizeof(wn_config)); }

void wn_config_free(wn_config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->keys[i]);
        free(c->vals[i]);
    }
    free(c->keys);
    free(c->vals);
    free(c);
}

/* Index of key, or -(insertion point) - 1. */
static long find(const wn_config *c, const char *key)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int d = strcmp(c->keys[mid], key);
        if (!d)
            return (long)mid;
        if (d < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -(long)lo - 1;
}

int wn_config_set(wn_config *c, const char *key, const char *value)
{
    long i = find(c, key);
    char *v = strdup(value);
    if (!v)
        return WN_ENOMEM;
    if (i >= 0) {
        free(c->vals[i]);
        c->vals[i] = v;
        return 0;
    }
    size_t at = (size_t)(-i - 1);
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 32;
        char **nk = realloc(c->keys, nc * sizeof *nk);
        if (!nk) {
            free(v);
            return WN_ENOMEM;
        }
        c->keys = nk;
        char **nv = realloc(c->vals, nc * sizeof *nv);
        if (!nv) {
            free(v);
            return WN_ENOMEM;
        }
        c->vals = nv;
        c->cap = nc;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return WN_ENOMEM;
    }
    memmove(c->keys + at + 1, c->keys + at, (c->n - at) * sizeof *c->keys);
    memmove(c->vals + at + 1, c->vals + at, (c->n - at) * sizeof *c->vals);
    c->keys[at] = k;
    c->vals[at] = v;
    c->n++;
    return 0;
}

const char *wn_config_lookup(const wn_config *c, const char *key)
{
    if (!c)
        return NULL;
    long i = find(c, key);
    return i >= 0 ? c->vals[i] : NULL;
}

void wn_config_each(const wn_config *c,
                    void (*fn)(void *ctx, const char *key, const char *value),
                    void *ctx)
{
    for (size_t i = 0; c && i < c->n; i++)
        fn(ctx, c->keys[i], c->vals[i]);
}

static int ini_cb(void *user, const char *section, const char *name,
                  const char *value)
{
    wn_config *c = user;
    char key[256];
    if (section && *section)
        snprintf(key, sizeof key, "%s.%s", section, name);
    else
        snprintf(key, sizeof key, "%s", name);
    return wn_config_set(c, key, value ? value : "") == 0;
}

int wn_config_load_ini(wn_config *c, const char *path, wn_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    int line = ini_parse_file(f, ini_cb, c);
    fclose(f);
    if (line > 0)
        return wn_err(err, WN_EINVAL, path, 0, "syntax error on line %d",
                      line);
    if (line < 0)
        return wn_err(err, WN_ENOMEM, path, 0, "cannot parse");
    return 0;
}

const char *config_get(const wn_config *c, const char *key, const char *def)
{
    const char *v = wn_config_lookup(c, key);
    return v ? v : def;
}

long long config_get_int(const wn_config *c, const char *key, long long def)
{
    const char *v = wn_config_lookup(c, key);
    if (!v || !*v)
        return def;
    char *e;
    long long x = strtoll(v, &e, 10);
    return *e ? def : x;
}

double config_get_double(const wn_config *c, const char *key, double def)
{
    const char *v = wn_config_lookup(c, key);
    if (!v || !*v)
        return def;
    char *e;
    double x = strtod(v, &e);
    return *e ? def : x;
}

int config_get_bool(const wn_config *c, const char *key, int def)
{
    const char *v = wn_config_lookup(c, key);
    if (!v)
        return def;
    if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
        !strcasecmp(v, "on"))
        return 1;
    if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
        !strcasecmp(v, "off"))
        return 0;
    return def;
}
