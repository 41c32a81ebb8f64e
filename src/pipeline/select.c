/*
 * select.c - winnow select: decisions on an annotated corpus (run.mode =
 * annotate) without computing anything again.
 *
 * An annotated document carries "verdicts", {"stage": null or "its
 * reason", ...} in the order its stages ran, and "signals", the measures
 * of the stages that have them ({"gopher_quality": {"words": 312, ...}}).
 * For each stage in that order, select takes
 *   - the stage's judge() (stage.h) under select's options, when the
 *     stage has one and the document its signals: new thresholds apply,
 *     and the reason is the one process() would give (gopher_quality,
 *     gopher_repetition, c4_filter, fineweb, langid, classifier and
 *     url_filter have one);
 *   - else the recorded verdict.  Options of a stage without judge() are
 *     refused (wn_select_new): its verdict cannot change without its
 *     text being looked at again.
 * The first stage that rejects names the reason, as in a plain run; then
 * the --where expression (below) must hold, else "select:where=false".
 * A kept document loses "verdicts" and "signals", so that select with the
 * defaults writes what a plain run writes (tests/e2e/annotate.sh).
 *
 * --where: comparisons of metadata values joined by && and ||, with !
 * and parentheses: classifier.hq >= 0.9 && language == "en".  A name is
 * a metadata member, a dotted path into an object member, or else a
 * signal (gopher_quality.words is signals.gopher_quality.words).  A
 * comparison with a missing value, or of a number with a string, is
 * false; a name alone is true when present and not false, null, 0 or "".
 */
#include "stage.h"
#include "stage_api.h"

#include <stdlib.h>

#define MAX_NODES 64
#define MAX_JUDGES 32

enum { N_OR, N_AND, N_NOT, N_CMP, N_TRUTH };
enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };
enum { V_MISSING, V_NUM, V_STR, V_FALSY, V_TRUTHY };

typedef struct operand {
    int lit;       /* 1: a literal, else a path */
    int num;       /* literal: a number (else a string) */
    double x;
    char *s;       /* string literal or path */
} operand;

typedef struct node {
    int kind, op;
    int a, b;      /* children (N_OR, N_AND, N_NOT) */
    operand l, r;  /* N_CMP (l op r), N_TRUTH (l) */
} node;

struct wn_select {
    wn_config *cfg;
    char *where;
    node nodes[MAX_NODES];
    int nn, root;
    char *names[MAX_JUDGES];
    wn_stage *judges[MAX_JUDGES];
    int nj;
    wn_buf val, tmp;
    char why[256]; /* what made wn_select_decide fail, if anything */
};

/* --------------------------------------------------------------- parser */

typedef struct parser {
    const char *p;
    wn_select *s;
    wn_error *err;
    int rc;
    int depth; /* of '(' and '!': bounds the recursion */
} parser;

static void ws(parser *ps)
{
    while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n')
        ps->p++;
}

static int perr(parser *ps, const char *what)
{
    if (!ps->rc)
        ps->rc = wn_err(ps->err, WN_EINVAL, "", 0,
                        "--where: %s at '%.20s' in '%s'", what, ps->p,
                        ps->s->where);
    return -1;
}

static int new_node(parser *ps, int kind)
{
    if (ps->s->nn == MAX_NODES)
        return perr(ps, "expression too long");
    node *n = &ps->s->nodes[ps->s->nn];
    memset(n, 0, sizeof *n);
    n->kind = kind;
    return ps->s->nn++;
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '@' ||
           c == '-';
}

static int parse_operand(parser *ps, operand *o)
{
    ws(ps);
    const char *p = ps->p;
    if (*p == '"' || *p == '\'') {
        const char *e = strchr(p + 1, *p);
        if (!e)
            return perr(ps, "unterminated string");
        o->lit = 1;
        if (!(o->s = strndup(p + 1, (size_t)(e - p - 1))))
            return perr(ps, "out of memory");
        ps->p = e + 1;
        return 0;
    }
    char *end;
    double x = strtod(p, &end);
    if (end != p && (*p == '-' || *p == '.' || (*p >= '0' && *p <= '9'))) {
        o->lit = o->num = 1;
        o->x = x;
        ps->p = end;
        return 0;
    }
    const char *e = p;
    while (is_name_char(*e))
        e++;
    if (e == p)
        return perr(ps, "expected a name, number or string");
    if (!(o->s = strndup(p, (size_t)(e - p))))
        return perr(ps, "out of memory");
    ps->p = e;
    return 0;
}

static int parse_or(parser *ps);

static int parse_unary(parser *ps)
{
    ws(ps);
    if ((*ps->p == '!' && ps->p[1] != '=') || *ps->p == '(') {
        if (ps->depth == MAX_NODES)
            return perr(ps, "nested too deep");
        char c = *ps->p++;
        ps->depth++;
        int a = c == '!' ? parse_unary(ps) : parse_or(ps);
        ps->depth--;
        if (a < 0)
            return -1;
        if (c == '(') {
            ws(ps);
            if (*ps->p != ')')
                return perr(ps, "expected ')'");
            ps->p++;
            return a;
        }
        int n = new_node(ps, N_NOT);
        if (n >= 0)
            ps->s->nodes[n].a = a;
        return n;
    }
    int n = new_node(ps, N_TRUTH);
    if (n < 0 || parse_operand(ps, &ps->s->nodes[n].l))
        return -1;
    ws(ps);
    static const char *const ops[] = {"<=", ">=", "==", "!=", "<", ">"};
    static const int codes[] = {OP_LE, OP_GE, OP_EQ, OP_NE, OP_LT, OP_GT};
    for (int i = 0; i < 6; i++)
        if (!strncmp(ps->p, ops[i], strlen(ops[i]))) {
            ps->p += strlen(ops[i]);
            ps->s->nodes[n].kind = N_CMP;
            ps->s->nodes[n].op = codes[i];
            if (parse_operand(ps, &ps->s->nodes[n].r))
                return -1;
            break;
        }
    return n;
}

static int parse_chain(parser *ps, int kind, const char *tok,
                       int (*sub)(parser *))
{
    int a = sub(ps);
    for (;;) {
        ws(ps);
        if (a < 0 || strncmp(ps->p, tok, 2))
            return a;
        ps->p += 2;
        int b = sub(ps);
        int n = b < 0 ? -1 : new_node(ps, kind);
        if (n < 0)
            return -1;
        ps->s->nodes[n].a = a;
        ps->s->nodes[n].b = b;
        a = n;
    }
}

static int parse_and(parser *ps) { return parse_chain(ps, N_AND, "&&", parse_unary); }
static int parse_or(parser *ps) { return parse_chain(ps, N_OR, "||", parse_and); }

/* ----------------------------------------------------------- evaluation */

/* Follows path (dot-separated members) from JSON value v[0..n). */
static int descend(const char *path, const char **v, size_t *n)
{
    while (*path) {
        char key[128];
        size_t k = strcspn(path, ".");
        if (k >= sizeof key || *n < 2 || **v != '{')
            return 0;
        memcpy(key, path, k);
        key[k] = '\0';
        size_t ms, me, vs, ve;
        if (!json_member_find(*v + 1, *n - 2, key, &ms, &me, &vs, &ve))
            return 0;
        *v += 1 + vs;
        *n = ve - vs;
        path += k + (path[k] == '.');
    }
    return 1;
}

/* The value of path in doc: its kind, a number in *x, a string in s. */
static int lookup(wn_select *sel, const wn_doc *doc, const char *path,
                  double *x)
{
    char head[128];
    size_t k = strcspn(path, ".");
    if (k >= sizeof head)
        return V_MISSING;
    memcpy(head, path, k);
    head[k] = '\0';
    const char *v;
    size_t n;
    const char *rest = path + k + (path[k] == '.');
    int found = wn_doc_meta_get(doc, head, &v, &n) && descend(rest, &v, &n);
    if (!found && wn_doc_meta_get(doc, "signals", &v, &n))
        found = descend(path, &v, &n);
    if (!found || !n)
        return V_MISSING;
    if (*v == '"') {
        wn_buf_reset(&sel->val);
        const char *p = v;
        if (json_decode_string(&p, v + n, &sel->val, NULL))
            return V_MISSING;
        return V_STR;
    }
    if (!strncmp(v, "true", 4))
        return V_TRUTHY;
    if (!strncmp(v, "false", 5) || !strncmp(v, "null", 4))
        return V_FALSY;
    char *e;
    *x = strtod(v, &e);
    return e != v ? V_NUM : V_TRUTHY; /* an object or array: present */
}

static int cmp_num(int op, double a, double b)
{
    switch (op) {
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    default: return a != b;
    }
}

static int eval(wn_select *sel, const wn_doc *doc, int i)
{
    const node *nd = &sel->nodes[i];
    switch (nd->kind) {
    case N_OR: return eval(sel, doc, nd->a) || eval(sel, doc, nd->b);
    case N_AND: return eval(sel, doc, nd->a) && eval(sel, doc, nd->b);
    case N_NOT: return !eval(sel, doc, nd->a);
    default: break;
    }
    const operand *l = &nd->l, *r = &nd->r;
    if (nd->kind == N_TRUTH) {
        if (l->lit)
            return l->num ? l->x != 0 : *l->s != 0;
        double x = 0;
        int t = lookup(sel, doc, l->s, &x);
        return t == V_TRUTHY || (t == V_NUM && x != 0) ||
               (t == V_STR && sel->val.len);
    }
    int op = nd->op;
    if (l->lit && r->lit) {
        if (l->num != r->num)
            return 0;
        return l->num ? cmp_num(op, l->x, r->x)
                      : cmp_num(op, (double)strcmp(l->s, r->s), 0);
    }
    if (!l->lit && !r->lit)
        return 0; /* two names: not in this small language */
    const operand *path = l->lit ? r : l, *lit = l->lit ? l : r;
    if (path == r) /* literal op name: mirror the comparison */
        op = op == OP_LT ? OP_GT : op == OP_GT ? OP_LT
           : op == OP_LE ? OP_GE : op == OP_GE ? OP_LE : op;
    double x = 0;
    int t = lookup(sel, doc, path->s, &x);
    if (t == V_NUM && lit->num)
        return cmp_num(op, x, lit->x);
    if (t == V_STR && !lit->num) {
        int c = strcmp(sel->val.data ? sel->val.data : "", lit->s);
        return cmp_num(op, (double)c, 0);
    }
    return 0;
}

/* ------------------------------------------------------------ the judge */

struct keycheck {
    const char *bad;
};

static void check_key(void *ctx, const char *key, const char *value)
{
    struct keycheck *kc = ctx;
    (void)value;
    if (kc->bad || !strncmp(key, "run.", 4) || !strncmp(key, "dedup.", 6))
        return;
    char name[128];
    size_t k = strcspn(key, ".");
    if (k >= sizeof name)
        k = sizeof name - 1;
    memcpy(name, key, k);
    name[k] = '\0';
    const stage_ops *ops = stage_find(name);
    if (ops && !ops->judge)
        kc->bad = key;
}

int wn_select_new(const wn_config *cfg, const char *where, wn_select **out,
                  wn_error *err)
{
    *out = NULL;
    wn_select *s = calloc(1, sizeof *s);
    if (!s || !(s->cfg = wn_config_new()) || wn_config_merge(s->cfg, cfg)) {
        wn_select_free(s);
        return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
    }
    struct keycheck kc = {NULL};
    wn_config_each(s->cfg, check_key, &kc);
    if (kc.bad) {
        wn_err(err, WN_EINVAL, "", 0,
               "%s: this stage's decisions cannot change without its text "
               "(an annotated run records its verdict, not its signals): "
               "run it again", kc.bad);
        wn_select_free(s);
        return WN_EINVAL;
    }
    /* every stage's options are checked now, not at the first document */
    size_t nreg;
    const stage_ops *const *all = stage_all(&nreg);
    for (size_t i = 0; i < nreg; i++) {
        if (!all[i]->judge)
            continue;
        wn_stage *st;
        int rc = wn_stage_new(all[i]->name, s->cfg, &st, err);
        if (rc) {
            wn_select_free(s);
            return rc;
        }
        wn_stage_free(st);
    }
    s->root = -1;
    if (where && *where) {
        parser ps = {where, s, err, 0, 0};
        if (!(s->where = strdup(where))) {
            wn_select_free(s);
            return wn_err(err, WN_ENOMEM, "", 0, "out of memory");
        }
        s->root = parse_or(&ps);
        ws(&ps);
        if (!ps.rc && *ps.p)
            perr(&ps, "unexpected text");
        if (ps.rc) {
            wn_select_free(s);
            return ps.rc;
        }
    }
    *out = s;
    return 0;
}

const char *wn_select_why(const wn_select *s)
{
    return s && s->why[0] ? s->why : NULL;
}

void wn_select_free(wn_select *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nn; i++) {
        free(s->nodes[i].l.s);
        free(s->nodes[i].r.s);
    }
    for (int i = 0; i < s->nj; i++) {
        free(s->names[i]);
        wn_stage_free(s->judges[i]);
    }
    free(s->where);
    wn_config_free(s->cfg);
    wn_buf_release(&s->val);
    wn_buf_release(&s->tmp);
    free(s);
}

/* The judging stage of name (made at first need), or NULL if it has no
 * judge(). */
static int judge_of(wn_select *s, const char *name, wn_stage **out)
{
    *out = NULL;
    for (int i = 0; i < s->nj; i++)
        if (!strcmp(s->names[i], name)) {
            *out = s->judges[i];
            return 0;
        }
    const stage_ops *ops = stage_find(name);
    if (!ops || !ops->judge || s->nj == MAX_JUDGES)
        return 0;
    wn_error err;
    wn_stage *st;
    int rc = wn_stage_new(name, s->cfg, &st, &err);
    if (rc)
        return rc;
    if (!(s->names[s->nj] = strdup(name))) {
        wn_stage_free(st);
        return WN_ENOMEM;
    }
    s->judges[s->nj++] = st;
    *out = st;
    return 0;
}

/* The verdict of one stage: 1 keep, 0 reject (reason set), < 0 error. */
static int verdict(wn_select *s, const wn_doc *doc, const char *name,
                   const char *rec, size_t rn, wn_buf *reason)
{
    wn_stage *st;
    int rc = judge_of(s, name, &st);
    if (rc)
        return rc;
    if (st) {
        wn_buf_reset(reason);
        rc = stage_api_ops(st)->judge(stage_api_shared(st), doc, reason);
        if (rc == WN_EINVAL)
            snprintf(s->why, sizeof s->why,
                     "%s: the annotated run measured its signals under other "
                     "options than select's (run it again with them)", name);
        if (rc != STAGE_NO_SIGNALS)
            return rc;
    }
    if (rn < 2 || *rec != '"')
        return STAGE_KEEP; /* null: kept */
    wn_buf_reset(reason);
    const char *p = rec;
    return json_decode_string(&p, rec + rn, reason, NULL) ? WN_EFORMAT
                                                          : STAGE_DROP;
}

int wn_select_decide(void *ctx, wn_doc *doc, wn_buf *reason)
{
    wn_select *s = ctx;
    const char *v, *end;
    size_t n;
    if (!wn_doc_meta_get(doc, "verdicts", &v, &n) || n < 2 || *v != '{') {
        wn_buf_reset(reason);
        return wn_buf_puts(reason, "select:annotated=no") ? WN_ENOMEM : 0;
    }
    /* copied: judging reads doc's metadata, which stays as it is */
    if (wn_buf_set(&s->tmp, v, n))
        return WN_ENOMEM;
    v = s->tmp.data;
    end = v + n;
    const char *p = json_skip_ws(v + 1, end);
    wn_buf name = WN_BUF_INIT;
    int rc = STAGE_KEEP;
    while (rc == STAGE_KEEP && p < end && *p == '"') {
        wn_buf_reset(&name);
        if (json_decode_string(&p, end, &name, NULL))
            break;
        p = json_skip_ws(p, end);
        if (p >= end || *p != ':')
            break;
        p = json_skip_ws(p + 1, end);
        const char *rec = p;
        if (json_skip_value(&p, end, 4))
            break;
        rc = verdict(s, doc, name.data ? name.data : "", rec,
                     (size_t)(p - rec), reason);
        p = json_skip_ws(p, end);
        if (p < end && *p == ',')
            p = json_skip_ws(p + 1, end);
    }
    wn_buf_release(&name);
    if (rc == STAGE_KEEP && s->root >= 0 && !eval(s, doc, s->root)) {
        wn_buf_reset(reason);
        rc = wn_buf_printf(reason, "select:where=false (%s)", s->where)
                 ? WN_ENOMEM
                 : STAGE_DROP;
    }
    if (rc < 0)
        return rc;
    wn_doc_meta_del(doc, "verdicts");
    wn_doc_meta_del(doc, "signals");
    return rc;
}
