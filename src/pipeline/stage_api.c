/*
 * stage_api.c - the public face of the stage registry: programs create a
 * stage by name with a wn_config and push documents through it without
 * seeing stage_ops (zstd-style: the CLI uses only winnow.h).
 *
 * A wn_stage handle is a stage's shared state plus one stage_scratch, so a
 * handle serves one thread at a time; a program that wants several threads
 * creates one handle per thread (each then runs its own observe/prepare if
 * the stage has a first pass) or uses the internal pipeline, which shares
 * one state across threads.  Options are checked at creation against the
 * stage's table: a key under the stage's prefix that the table does not
 * declare, or a value it does not accept, is a usage error, not a silently
 * ignored setting.
 */
#include "stage_api.h"

#include <stdlib.h>

struct wn_stage {
    const stage_ops *ops;
    char *name; /* the name it runs under: ops->name, or an instance's */
    void *state;
    stage_scratch scratch;
    int prepared; /* prepare() has run (or the stage has no first pass) */
};

void stage_scratch_init(stage_scratch *s) { memset(s, 0, sizeof *s); }

void stage_scratch_release(stage_scratch *s)
{
    for (size_t i = 0; i < sizeof s->b / sizeof *s->b; i++)
        wn_buf_release(&s->b[i]);
    for (size_t i = 0; i < sizeof s->tls / sizeof *s->tls; i++) {
        free(s->tls[i]);
        s->tls[i] = NULL;
    }
}

void *stage_api_state(const wn_stage *st, const stage_ops *ops)
{
    return st && st->ops == ops ? st->state : NULL;
}

stage_scratch *stage_api_scratch(wn_stage *st) { return &st->scratch; }

const stage_ops *stage_api_ops(const wn_stage *st) { return st->ops; }

void *stage_api_shared(const wn_stage *st) { return st->state; }

const char *wn_stage_name_at(size_t i)
{
    size_t n;
    const stage_ops *const *all = stage_all(&n);
    return i < n ? all[i]->name : NULL;
}

const char *wn_stage_group(const char *name)
{
    const stage_ops *ops = stage_find(name);
    return ops ? ops->group : NULL;
}

const char *wn_stage_summary(const char *name)
{
    const stage_ops *ops = stage_find(name);
    return ops ? ops->summary : NULL;
}

int wn_stage_option_at(const char *name, size_t i, const char **key,
                       const char **def, const char **help)
{
    const stage_ops *ops = stage_find(name);
    if (!ops || !ops->opts)
        return 0;
    for (size_t k = 0; ops->opts[k].key; k++) {
        if (k == i) {
            if (key)
                *key = ops->opts[k].key;
            if (def)
                *def = ops->opts[k].def;
            if (help)
                *help = ops->opts[k].help;
            return 1;
        }
    }
    return 0;
}

/* An instance's view of the configuration: its keys "name@inst.k" as
 * "name.k", the keys its table reads (the base stage's own are left out). */
struct view_ctx {
    wn_config *view;
    const char *inst;
    size_t ilen, blen;
    int rc;
};

static void view_key(void *ctx, const char *key, const char *value)
{
    struct view_ctx *v = ctx;
    if (v->rc || strncmp(key, v->inst, v->ilen) || key[v->ilen] != '.')
        return;
    char k[512];
    if ((size_t)snprintf(k, sizeof k, "%.*s%s", (int)v->blen, v->inst,
                         key + v->ilen) >= sizeof k)
        return; /* no table has such a key: left to the unknown-key check */
    v->rc = wn_config_set(v->view, k, value);
}

/* ------------------------------------------------- per-language states */

/* A canonical code (at most 15 bytes, langconf_canon) as an integer:
 * its first 8 bytes, which tell apart every code the table or a user's
 * section can hold (2-3 letters, or the whole of a longer code's first
 * 8 bytes: longer codes are cut to their primary subtag anyway). */
static uint64_t lang_key(const char *code)
{
    uint64_t k = 0;
    for (size_t i = 0; i < 8 && code[i]; i++)
        k |= (uint64_t)(unsigned char)code[i] << (8 * i);
    return k;
}

int stage_langs_add(stage_langs *l, const char *lang, void *state)
{
    uint64_t *c = realloc(l->code, (l->n + 1) * sizeof *c);
    if (!c)
        return WN_ENOMEM;
    l->code = c;
    void **s = realloc(l->state, (l->n + 1) * sizeof *s);
    if (!s)
        return WN_ENOMEM;
    l->state = s;
    l->code[l->n] = lang_key(lang);
    l->state[l->n++] = state;
    return 0;
}

int stage_langs_create(stage_langs *l, const char *lang, const void *opts,
                       int (*create)(const void *, void **, wn_error *),
                       void (*free_state)(void *), wn_error *err)
{
    void *sub;
    int rc = create(opts, &sub, err);
    if (!rc && stage_langs_add(l, lang, sub)) {
        free_state(sub);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    return rc;
}

void *stage_langs_pick(const stage_langs *l, const wn_doc *doc, void *dflt)
{
    const char *v;
    size_t n;
    if (!l->n || !wn_doc_meta_get(doc, "language", &v, &n) || n < 4 ||
        v[0] != '"')
        return dflt;
    char code[16];
    langconf_canon(v + 1, n - 2, code, sizeof code);
    uint64_t k = lang_key(code);
    for (size_t i = 0; i < l->n; i++)
        if (l->code[i] == k)
            return l->state[i];
    return dflt;
}

void stage_langs_release(stage_langs *l, void (*free_state)(void *))
{
    for (size_t i = 0; i < l->n; i++)
        free_state(l->state[i]);
    free(l->code);
    free(l->state);
    memset(l, 0, sizeof *l);
}

struct lang_scan {
    const char *prefix;
    size_t plen;
    char (*found)[16];
    size_t n, cap;
};

/* Collects the L of every "prefix.L.option" key (once each). */
static void scan_lang(void *ctx, const char *key, const char *value)
{
    struct lang_scan *c = ctx;
    const char *rest;
    (void)value;
    if (strncmp(key, c->prefix, c->plen))
        return;
    size_t n = config_lang_part(key, c->plen, &rest);
    if (!n || c->n == c->cap)
        return;
    char code[16];
    langconf_canon(key + c->plen + 1, n, code, sizeof code);
    for (size_t i = 0; i < c->n; i++)
        if (!strcmp(c->found[i], code))
            return;
    if (*code)
        memcpy(c->found[c->n++], code, sizeof code);
}

/* The view of cfg for documents in lang: every option of the table that
 * has a per-language value (the user's "name.L.x", else the language
 * table's) set as "name.x".  *any: whether there was one. */
static int lang_view(const stage_ops *ops, const wn_config *cfg,
                     const char *lang, wn_config *view, int *any)
{
    size_t plen = strlen(ops->name);
    *any = 0;
    for (const config_opt *o = ops->opts; o->key; o++) {
        char k[256];
        snprintf(k, sizeof k, "%.64s.%.15s%.160s", ops->name, lang, o->key + plen);
        const char *v = wn_config_lookup(cfg, k);
        if (!v)
            v = langconf_get(lang, o->key, NULL);
        if (!v)
            continue;
        *any = 1;
        if (wn_config_set(view, o->key, v))
            return WN_ENOMEM;
    }
    return 0;
}

#define MAX_LANGS 256

/* The languages with per-language values for the stage: the table's, in
 * its order, then those only the user's "name.L.option" keys name; each
 * once.  Returns how many were written to out. */
static size_t stage_languages(const stage_ops *ops, const wn_config *cfg,
                              char (*out)[16])
{
    char user[MAX_LANGS][16];
    struct lang_scan sc = {ops->name, strlen(ops->name), user, 0, MAX_LANGS};
    wn_config_each(cfg, scan_lang, &sc);
    size_t n = 0;
    const char *tl;
    for (size_t i = 0; n < MAX_LANGS && (tl = langconf_lang_at(i)); i++)
        snprintf(out[n++], 16, "%s", tl);
    size_t ntable = n;
    for (size_t i = 0; i < sc.n && n < MAX_LANGS; i++) {
        int seen = 0;
        for (size_t k = 0; k < ntable; k++)
            seen |= !strcmp(out[k], user[i]);
        if (!seen)
            memcpy(out[n++], user[i], 16);
    }
    return n;
}

/* Calls add_language for each language the table or cfg has values for. */
static int add_languages(const stage_ops *ops, const wn_config *cfg,
                         void *state, wn_error *err)
{
    char langs[MAX_LANGS][16];
    size_t n = stage_languages(ops, cfg, langs);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const char *lang = langs[i];
        wn_config *view = wn_config_new();
        int any = 0;
        rc = !view || wn_config_merge(view, cfg) ||
                     lang_view(ops, cfg, lang, view, &any)
                 ? wn_err(err, WN_ENOMEM, "", 0, "out of memory")
                 : 0;
        void *opts = NULL;
        if (!rc && any) {
            opts = calloc(1, ops->opts_size ? ops->opts_size : 1);
            rc = opts ? config_parse(ops->opts, view, opts, err)
                      : wn_err(err, WN_ENOMEM, "", 0, "out of memory");
            if (rc == WN_EINVAL) { /* say which language's value it was */
                char m[sizeof err->msg];
                snprintf(m, sizeof m, "[%.64s.%.15s] %.400s", ops->name,
                         lang, err->msg);
                memcpy(err->msg, m, sizeof m);
            }
            if (!rc)
                rc = ops->add_language(state, lang, opts, err);
        }
        free(opts);
        wn_config_free(view);
    }
    return rc;
}

int stage_print_languages(const stage_ops *ops, const wn_config *cfg,
                          wn_buf *out)
{
    char langs[MAX_LANGS][16];
    size_t n = ops->add_language ? stage_languages(ops, cfg, langs) : 0;
    size_t plen = strlen(ops->name);
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        int head = 0;
        for (const config_opt *o = ops->opts; !rc && o->key; o++) {
            char k[256];
            snprintf(k, sizeof k, "%.64s.%.15s%.160s", ops->name, langs[i],
                     o->key + plen);
            const char *src = "set in the configuration", *tsrc = NULL;
            const char *v = wn_config_lookup(cfg, k);
            const char *tv = langconf_get(langs[i], o->key, &tsrc);
            if (!v || (tv && !strcmp(v, tv))) { /* the table's */
                v = tv;
                src = tsrc;
            }
            if (!v)
                continue;
            if (!head++)
                rc = wn_buf_printf(out, "\n[%s.%s]\n", ops->name, langs[i]);
            if (!rc)
                rc = wn_buf_printf(out, "; %s\n%s = %s\n", src,
                                   o->key + plen + 1, v);
        }
    }
    return rc;
}

static int create_named(const stage_ops *ops, const char *name,
                        const wn_config *cfg, void **state, wn_error *err)
{
    *state = NULL;
    wn_config *view = NULL;
    if (strcmp(name, ops->name)) {
        struct view_ctx v = {wn_config_new(), name, strlen(name),
                             stage_base_len(name), 0};
        if (!v.view)
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        wn_config_each(cfg, view_key, &v);
        if (v.rc) {
            wn_config_free(v.view);
            return wn_err(err, v.rc, "", 0, "out of memory");
        }
        cfg = view = v.view;
    }
    const char *bad = ops->add_language
                          ? config_unknown_key_lang(ops->opts, ops->name, cfg)
                          : config_unknown_key(ops->opts, ops->name, cfg);
    if (bad) {
        wn_err(err, WN_EINVAL, "", 0, "unknown option '%s%s'", name,
               bad + strlen(ops->name));
        wn_config_free(view);
        return WN_EINVAL;
    }
    void *opts = calloc(1, ops->opts_size ? ops->opts_size : 1);
    int rc = opts ? config_parse(ops->opts, cfg, opts, err)
                  : wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    if (!rc)
        rc = ops->create_named ? ops->create_named(opts, name, state, err)
                               : ops->create(opts, state, err);
    if (!rc && ops->add_language && (rc = add_languages(ops, cfg, *state, err))) {
        ops->free(*state);
        *state = NULL;
    }
    free(opts);
    wn_config_free(view);
    if (rc < 0)
        *state = NULL; /* a failed create cleans up itself */
    return rc < 0 ? rc : 0;
}

int stage_create(const stage_ops *ops, const wn_config *cfg, void **state,
                 wn_error *err)
{
    return create_named(ops, ops->name, cfg, state, err);
}

int wn_stage_new(const char *name, const wn_config *cfg, wn_stage **out,
                 wn_error *err)
{
    *out = NULL;
    const stage_ops *ops = name ? stage_find(name) : NULL;
    if (!ops)
        return wn_err(err, WN_EINVAL, "", 0, "unknown stage '%s'",
                      name ? name : "(null)");
    wn_stage *st = calloc(1, sizeof *st);
    if (!st || !(st->name = strdup(name))) {
        free(st);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    st->ops = ops;
    stage_scratch_init(&st->scratch);
    int rc = create_named(ops, name, cfg, &st->state, err);
    if (rc < 0) {
        free(st->name);
        free(st);
        return rc;
    }
    st->prepared = ops->observe == NULL;
    *out = st;
    return 0;
}

const char *wn_stage_name(const wn_stage *st) { return st->name; }

int wn_stage_has_first_pass(const wn_stage *st)
{
    return st->ops->observe != NULL;
}

int wn_stage_observe(wn_stage *st, const wn_doc *doc)
{
    if (!st->ops->observe)
        return 0;
    if (st->prepared)
        return WN_EINVAL; /* first pass already closed */
    return st->ops->observe(st->state, doc);
}

int wn_stage_prepare(wn_stage *st, wn_error *err)
{
    if (st->prepared)
        return 0;
    int rc = st->ops->prepare ? st->ops->prepare(st->state, err) : 0;
    if (rc >= 0)
        st->prepared = 1;
    return rc < 0 ? rc : 0;
}

int wn_stage_process(wn_stage *st, wn_doc *doc, wn_buf *reason)
{
    if (!st->prepared) {
        /* No first pass was run: the stage sees an empty corpus. */
        wn_error e;
        int rc = wn_stage_prepare(st, &e);
        if (rc < 0)
            return rc;
    }
    if (reason)
        wn_buf_reset(reason);
    wn_buf dummy = WN_BUF_INIT;
    int rc = st->ops->process(st->state, doc, &st->scratch,
                              reason ? reason : &dummy);
    wn_buf_release(&dummy);
    return rc;
}

void wn_stage_free(wn_stage *st)
{
    if (!st)
        return;
    if (st->state)
        st->ops->free(st->state);
    stage_scratch_release(&st->scratch);
    free(st->name);
    free(st);
}

/* ----------------------------------------------------- annotated signals */

int stage_signals(wn_doc *doc, const char *stage, const char *obj, size_t n)
{
    const char *cur;
    size_t cn;
    wn_buf v = WN_BUF_INIT;
    int rc;
    if (wn_doc_meta_get(doc, "signals", &cur, &cn) && cn >= 2 &&
        cur[0] == '{') {
        /* members so far, without the closing brace */
        while (cn && cur[cn - 1] != '}')
            cn--;
        rc = wn_buf_append(&v, cur, cn - 1);
        if (!rc && cn > 2)
            rc = wn_buf_putc(&v, ',');
    } else {
        rc = wn_buf_putc(&v, '{');
    }
    if (!rc && !(rc = wn_json_put_string(&v, stage, strlen(stage))) &&
        !(rc = wn_buf_putc(&v, ':')) && !(rc = wn_buf_append(&v, obj, n)) &&
        !(rc = wn_buf_putc(&v, '}')))
        rc = wn_doc_meta_set(doc, "signals", v.data, v.len);
    wn_buf_release(&v);
    return rc;
}

/* The value of member key in JSON object obj[0..n). */
static int member(const char *obj, size_t n, const char *key,
                  const char **v, size_t *vn)
{
    if (n < 2 || obj[0] != '{')
        return 0;
    size_t ms, me, vs, ve;
    if (!json_member_find(obj + 1, n - 2, key, &ms, &me, &vs, &ve))
        return 0;
    *v = obj + 1 + vs;
    *vn = ve - vs;
    return 1;
}

int stage_signals_get(const wn_doc *doc, const char *stage,
                      const char **obj, size_t *n)
{
    const char *all;
    size_t an;
    return wn_doc_meta_get(doc, "signals", &all, &an) &&
           member(all, an, stage, obj, n) && *n && **obj == '{';
}

int stage_signal_num(const char *obj, size_t n, const char *key, double *v)
{
    const char *p;
    size_t pn;
    char tmp[64];
    if (!member(obj, n, key, &p, &pn) || !pn || pn >= sizeof tmp)
        return 0;
    memcpy(tmp, p, pn);
    tmp[pn] = '\0';
    char *e;
    *v = strtod(tmp, &e);
    return e != tmp && !*e;
}

int stage_signals_put_nums(wn_doc *doc, const char *stage,
                           const char *const *names, const double *v,
                           size_t k, wn_buf *tmp)
{
    wn_buf_reset(tmp);
    for (size_t i = 0; i < k; i++)
        if (wn_buf_printf(tmp, "%c\"%s\":%.17g", i ? ',' : '{', names[i],
                          v[i]))
            return WN_ENOMEM;
    if (wn_buf_putc(tmp, '}'))
        return WN_ENOMEM;
    return stage_signals(doc, stage, tmp->data, tmp->len);
}

int stage_signals_get_nums(const wn_doc *doc, const char *stage,
                           const char *const *names, double *v, size_t k)
{
    const char *sig;
    size_t n;
    if (!stage_signals_get(doc, stage, &sig, &n))
        return 0;
    for (size_t i = 0; i < k; i++)
        if (!stage_signal_num(sig, n, names[i], &v[i]))
            return 0;
    return 1;
}
