/*
 * config.c - the run configuration map, its INI loader (libinih) and the
 * typed option tables (config.h) that read it.
 *
 * Few keys (tens), read once per stage at create time: a sorted array with
 * binary search is all it needs, and sorted order makes --print-config
 * output stable.
 */
#include "stage.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>

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

int wn_config_merge(wn_config *to, const wn_config *from)
{
    for (size_t i = 0; from && i < from->n; i++)
        if (wn_config_set(to, from->keys[i], from->vals[i]))
            return WN_ENOMEM;
    return 0;
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
    /* A --config that cannot be read is a usage error, never an empty
     * configuration: fopen() of a directory succeeds on Linux and reading
     * it fails, which libinih would take for the end of the file. */
    FILE *f = fopen(path, "r");
    if (!f)
        return wn_err(err, WN_EINVAL, "", 0,
                      "cannot read config file '%s': %s", path,
                      strerror(errno));
    struct stat sb;
    if (!fstat(fileno(f), &sb) && S_ISDIR(sb.st_mode)) {
        fclose(f);
        return wn_err(err, WN_EINVAL, "", 0,
                      "config file '%s' is a directory", path);
    }
    errno = 0;
    int line = ini_parse_file(f, ini_cb, c);
    int bad = ferror(f), e = errno;
    fclose(f);
    if (bad)
        return wn_err(err, WN_EINVAL, "", 0,
                      "cannot read config file '%s': %s", path,
                      strerror(e ? e : EIO));
    if (line > 0)
        return wn_err(err, WN_EINVAL, path, 0, "syntax error on line %d",
                      line);
    if (line < 0)
        return wn_err(err, WN_ENOMEM, path, 0, "cannot parse");
    return 0;
}

/* ------------------------------------------------------- typed options */

const config_opt *config_find(const config_opt *table, const char *key)
{
    for (const config_opt *o = table; o && o->key; o++)
        if (!strcmp(o->key, key))
            return o;
    return NULL;
}

const config_opt *config_find_any(const char *key)
{
    const char *dot = strchr(key, '.');
    if (!dot)
        return NULL;
    size_t plen = (size_t)(dot - key);
    if (plen == 3 && !strncmp(key, "run", 3))
        return config_find(run_option_table(), key);
    if (plen == 5 && !strncmp(key, "dedup", 5))
        return config_find(dedup_option_table(), key);
    if (plen == 6 && !strncmp(key, "substr", 6))
        return config_find(substr_option_table(), key);
    char name[128];
    if (plen >= sizeof name)
        return NULL;
    memcpy(name, key, plen);
    name[plen] = 0;
    const stage_ops *ops = stage_find(name);
    if (!ops)
        return NULL;
    size_t b = stage_base_len(name);
    const char *rest;
    if (b == plen && ops->add_language && config_lang_part(key, plen, &rest)) {
        /* "gopher_quality.zh.min_words" is gopher_quality.min_words */
        char k[256];
        if ((size_t)snprintf(k, sizeof k, "%s%s", name, rest) >= sizeof k)
            return NULL;
        return config_find(ops->opts, k);
    }
    if (b == plen)
        return config_find(ops->opts, key);
    /* an instance's key: "classifier@edu.model" is classifier.model */
    char base[256];
    if ((size_t)snprintf(base, sizeof base, "%.*s%s", (int)b, key, dot) >=
        sizeof base)
        return NULL;
    return config_find(ops->opts, base);
}

int wn_option_describe(const char *key, char *out, size_t outsz)
{
    const config_opt *o = key ? config_find_any(key) : NULL;
    if (outsz)
        out[0] = 0;
    if (!o)
        return 0;
    if (outsz)
        config_describe(o, out, outsz);
    return 1;
}

struct unknown_ctx {
    const config_opt *table;
    const char *prefix;
    size_t plen;
    const char *bad;
    int langs;
};

size_t config_lang_part(const char *key, size_t plen, const char **rest)
{
    const char *l = key + plen + 1;
    if (key[plen] != '.')
        return 0;
    size_t n = 0;
    while (l[n] >= 'a' && l[n] <= 'z')
        n++;
    if (n < 2 || n > 3)
        return 0;
    if (l[n] == '-' || l[n] == '_') { /* a script or region: zh-hant */
        n++;
        size_t k = 0;
        while ((l[n + k] | 0x20) >= 'a' && (l[n + k] | 0x20) <= 'z')
            k++;
        if (!k)
            return 0;
        n += k;
    }
    if (l[n] != '.' || !l[n + 1])
        return 0;
    *rest = l + n;
    return n;
}

static void find_unknown(void *ctx, const char *key, const char *value)
{
    struct unknown_ctx *u = ctx;
    (void)value;
    if (u->bad || strncmp(key, u->prefix, u->plen) || key[u->plen] != '.')
        return;
    if (config_find(u->table, key))
        return;
    const char *rest;
    char k[256];
    if (u->langs && config_lang_part(key, u->plen, &rest) &&
        (size_t)snprintf(k, sizeof k, "%s%s", u->prefix, rest) < sizeof k &&
        config_find(u->table, k))
        return;
    u->bad = key;
}

const char *config_unknown_key(const config_opt *table, const char *prefix,
                               const wn_config *cfg)
{
    struct unknown_ctx u = {table, prefix, strlen(prefix), NULL, 0};
    wn_config_each(cfg, find_unknown, &u);
    return u.bad;
}

const char *config_unknown_key_lang(const config_opt *table,
                                    const char *prefix, const wn_config *cfg)
{
    struct unknown_ctx u = {table, prefix, strlen(prefix), NULL, 1};
    wn_config_each(cfg, find_unknown, &u);
    return u.bad;
}

/* The n-th entry of a "a|b|x=a" choices string: its name (length *len)
 * and, for an alias, the name it stands for (length *tlen); NULL past the
 * end. */
static const char *choice_at(const char *choices, size_t n, size_t *len,
                             const char **target, size_t *tlen)
{
    const char *p = choices;
    for (; p && n; n--) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p)
        return NULL;
    size_t l = strcspn(p, "|");
    const char *eq = memchr(p, '=', l);
    *len = eq ? (size_t)(eq - p) : l;
    *target = eq ? eq + 1 : NULL;
    *tlen = eq ? l - *len - 1 : 0;
    return p;
}

/* Index of the choice named s (n bytes; aliases resolved), or -1. */
static int choice_index(const char *choices, const char *s, size_t n)
{
    size_t len, tlen;
    const char *target, *c;
    for (size_t i = 0; (c = choice_at(choices, i, &len, &target, &tlen));
         i++) {
        if (len != n || memcmp(c, s, n))
            continue;
        if (!target)
            return (int)i;
        return choice_index(choices, target, tlen);
    }
    return -1;
}

/* "a, b, c": the choices without aliases. */
static void choice_names(const char *choices, char *out, size_t outsz)
{
    size_t k = 0, len, tlen;
    const char *target, *c;
    out[0] = 0;
    for (size_t i = 0; (c = choice_at(choices, i, &len, &target, &tlen));
         i++)
        if (!target && k < outsz)
            k += (size_t)snprintf(out + k, outsz - k, "%s%.*s",
                                  k ? ", " : "", (int)len, c);
}

/* 2^63: a finite max at or above it needs an unsigned 64-bit field (the
 * seed); any max from it up counts as no upper bound in messages. */
#define BIG 9223372036854775808.0

/* " in [0, 1]", ", >= 0", ", <= 5" or "" (prefix sep for one bound). */
static void range_text(const config_opt *o, const char *sep, char *out,
                       size_t outsz)
{
    int lo = o->min > -BIG, hi = o->max < BIG;
    if (lo && hi)
        snprintf(out, outsz, " in [%.15g, %.15g]", o->min, o->max);
    else if (lo)
        snprintf(out, outsz, "%s>= %.15g", sep, o->min);
    else if (hi)
        snprintf(out, outsz, "%s<= %.15g", sep, o->max);
    else
        out[0] = 0;
}

void config_describe(const config_opt *o, char *out, size_t outsz)
{
    static const char *const names[] = {"bool", "int",  "double", "size",
                                        "enum", "list", "path",   "string"};
    char r[96], ch[256];
    switch (o->type) {
    case OPT_INT: case OPT_DOUBLE: case OPT_SIZE:
        range_text(o, ", ", r, sizeof r);
        snprintf(out, outsz, "%s%s%s", names[o->type], r,
                 o->flags & OPT_OFF ? ", or off" : "");
        break;
    case OPT_ENUM:
        choice_names(o->choices, ch, sizeof ch);
        snprintf(out, outsz, "one of %s", ch);
        break;
    case OPT_LIST:
        ch[0] = 0;
        if (o->choices)
            choice_names(o->choices, ch, sizeof ch);
        snprintf(out, outsz, "list%s%s%s%s", *ch ? " of " : "", ch,
                 o->flags & OPT_ALL ? ", or all" : "",
                 o->flags & OPT_EMPTY ? ", may be empty" : "");
        break;
    default:
        snprintf(out, outsz, "%s%s", names[o->type],
                 o->type != OPT_BOOL && o->flags & OPT_EMPTY
                     ? ", may be empty" : "");
    }
}

size_t config_list_next(const char **cursor, const char **item)
{
    const char *p = *cursor;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p) {
            *cursor = p;
            return 0;
        }
        size_t n = strcspn(p, ",");
        *cursor = p + n;
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n) {
            *item = p;
            return n;
        }
        p = *cursor;
    }
}

unsigned config_list_mask(const config_opt *o, const char *v)
{
    unsigned m = 0;
    const char *item;
    size_t n;
    while ((n = config_list_next(&v, &item))) {
        int i = choice_index(o->choices, item, n);
        if (i >= 0 && i < 32)
            m |= 1u << i;
    }
    return m;
}

double config_number(const config_opt *o, const void *opts)
{
    const char *p = (const char *)opts + o->offset;
    if (o->type == OPT_DOUBLE || o->flags & OPT_OFF) {
        double d;
        memcpy(&d, p, sizeof d);
        return d;
    }
    if (o->type == OPT_SIZE) {
        size_t z;
        memcpy(&z, p, sizeof z);
        return (double)z;
    }
    if (o->size == 4) {
        int32_t i;
        memcpy(&i, p, sizeof i);
        return i;
    }
    if (o->size == 8 && isfinite(o->max) && o->max >= BIG) {
        uint64_t u;
        memcpy(&u, p, sizeof u);
        return (double)u;
    }
    long long ll;
    memcpy(&ll, p, sizeof ll);
    return (double)ll;
}

static int is_off(const char *v)
{
    return !*v || !strcmp(v, "off") || !strcmp(v, "none");
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (!strcasecmp(v, yes[i]))
            return *out = 1, 0;
        if (!strcasecmp(v, no[i]))
            return *out = 0, 0;
    }
    return -1;
}

/* An integer in o's range and in what its field can hold, into *u as the
 * bits to store.  1 = not an integer, 2 = out of range. */
static int parse_int(const config_opt *o, const char *v, uint64_t *u)
{
    const char *p = v + (*v == '-');
    if (*p < '0' || *p > '9' || p[strspn(p, "0123456789")])
        return 1;
    int unsig = o->size == 8 && isfinite(o->max) && o->max >= BIG;
    double lo = o->size == 4 ? INT32_MIN : unsig ? 0 : (double)LLONG_MIN;
    double hi = o->size == 4 ? INT32_MAX : unsig ? 18446744073709551615.0
                                               : (double)LLONG_MAX;
    errno = 0;
    double x;
    if (unsig) {
        if (*v == '-')
            return 2;
        unsigned long long ull = strtoull(v, NULL, 10);
        *u = ull;
        x = (double)ull;
    } else {
        long long ll = strtoll(v, NULL, 10);
        *u = (uint64_t)ll;
        x = (double)ll;
    }
    if (errno == ERANGE || x < lo || x > hi || x < o->min || x > o->max)
        return 2;
    return 0;
}

static int bad_value(const config_opt *o, const char *v, wn_error *err)
{
    char r[96], ch[256];
    const char *off = o->flags & OPT_OFF ? " (or off)" : "";
    switch (o->type) {
    case OPT_BOOL:
        return wn_err(err, WN_EINVAL, "", 0,
                      "%s: '%s' is not a boolean (use 1/0, true/false, "
                      "yes/no, on/off)", o->key, v);
    case OPT_INT:
    case OPT_DOUBLE:
        range_text(o, " ", r, sizeof r);
        return wn_err(err, WN_EINVAL, "", 0, "%s: '%s' is not %s%s%s",
                      o->key, v,
                      o->type == OPT_INT ? "an integer" : "a number", r, off);
    case OPT_SIZE: {
        size_t z;
        if (wn_parse_size(v, &z))
            return wn_err(err, WN_EINVAL, "", 0,
                          "%s: '%s' is not a size (e.g. 512M, 2G, 1.5GiB)",
                          o->key, v);
        range_text(o, " ", r, sizeof r);
        return wn_err(err, WN_EINVAL, "", 0, "%s: '%s' is not a size%s",
                      o->key, v, r);
    }
    case OPT_ENUM:
        choice_names(o->choices, ch, sizeof ch);
        return wn_err(err, WN_EINVAL, "", 0, "%s: '%s' is not one of %s",
                      o->key, v, ch);
    case OPT_LIST:
        return wn_err(err, WN_EINVAL, "", 0,
                      "%s: the list is empty (comma-separated items%s)",
                      o->key, o->flags & OPT_ALL ? ", or all" : "");
    default:
        return wn_err(err, WN_EINVAL, "", 0, "%s: the value is empty",
                      o->key);
    }
}

/* A list value: items among the choices, "all" alone with OPT_ALL, at
 * least one item unless OPT_EMPTY. */
static int check_list(const config_opt *o, const char *v, const char **out,
                      wn_error *err)
{
    const char *cur = v, *item;
    size_t n, count = 0;
    int all = 0;
    while ((n = config_list_next(&cur, &item))) {
        count++;
        if (o->flags & OPT_ALL && n == 3 && !memcmp(item, "all", 3)) {
            all = 1;
            continue;
        }
        if (o->choices && choice_index(o->choices, item, n) < 0) {
            char ch[256];
            choice_names(o->choices, ch, sizeof ch);
            return wn_err(err, WN_EINVAL, "", 0,
                          "%s: '%.*s' is not one of %s", o->key, (int)n, item,
                          ch);
        }
    }
    if (all && count > 1)
        return wn_err(err, WN_EINVAL, "", 0,
                      "%s: 'all' cannot be combined with other items in '%s'",
                      o->key, v);
    if (!count && !(o->flags & OPT_EMPTY))
        return bad_value(o, v, err);
    *out = all ? "all" : v;
    return 0;
}

/* One option's value v into its field at base + o->offset. */
static int parse_one(const config_opt *o, const char *v, char *base,
                     wn_error *err)
{
    char *field = base + o->offset;
    if (o->flags & OPT_OFF && is_off(v)) {
        double nan = NAN;
        memcpy(field, &nan, sizeof nan);
        return 0;
    }
    switch (o->type) {
    case OPT_BOOL: {
        int b;
        if (parse_bool(v, &b))
            return bad_value(o, v, err);
        memcpy(field, &b, sizeof b);
        return 0;
    }
    case OPT_ENUM: {
        int i = choice_index(o->choices, v, strlen(v));
        if (i < 0)
            return bad_value(o, v, err);
        memcpy(field, &i, sizeof i);
        return 0;
    }
    case OPT_INT: {
        uint64_t u;
        if (parse_int(o, v, &u))
            return bad_value(o, v, err);
        if (o->flags & OPT_OFF) {
            double d = (double)(int64_t)u;
            memcpy(field, &d, sizeof d);
        } else if (o->size == 4) {
            uint32_t w = (uint32_t)u;
            memcpy(field, &w, sizeof w);
        } else
            memcpy(field, &u, sizeof u);
        return 0;
    }
    case OPT_DOUBLE: {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || !isfinite(d) || d < o->min || d > o->max)
            return bad_value(o, v, err);
        memcpy(field, &d, sizeof d);
        return 0;
    }
    case OPT_SIZE: {
        size_t z;
        if (wn_parse_size(v, &z) || (double)z < o->min || (double)z > o->max)
            return bad_value(o, v, err);
        memcpy(field, &z, sizeof z);
        return 0;
    }
    case OPT_LIST: {
        const char *s = v;
        int rc = check_list(o, v, &s, err);
        if (!rc)
            memcpy(field, &s, sizeof s);
        return rc;
    }
    default:
        if (!*v && !(o->flags & OPT_EMPTY))
            return bad_value(o, v, err);
        memcpy(field, &v, sizeof v);
        return 0;
    }
}

int config_parse(const config_opt *table, const wn_config *cfg, void *out,
                 wn_error *err)
{
    for (const config_opt *o = table; o && o->key; o++) {
        const char *v = wn_config_lookup(cfg, o->key);
        int rc = parse_one(o, v ? v : o->def, out, err);
        if (rc)
            return rc;
    }
    return 0;
}
