/*
 * tally.c - counters of a run (see tally.h).
 */
#include "tally.h"
#include "stage.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static tally_measure *find_measure(tally *t, const char *key, size_t klen,
                                   const char *op, double bound, int *rc);

int write_work_file(const char *path, const wn_buf *text, wn_error *err)
{
    return atomic_write_work(path, text->data ? text->data : "", text->len,
                             err);
}

int tally_problem(tally *t, wn_buf *list, size_t max_listed,
                  const wn_error *w)
{
    if (t->problems++ >= max_listed)
        return 0;
    size_t at = list->len;
    int rc = wn_buf_puts(list, "{\"file\":");
    if (!rc)
        rc = wn_json_put_string(list, w->file, strlen(w->file));
    if (!rc)
        rc = wn_buf_printf(list, ",\"offset\":%llu,\"code\":\"%s\",\"message\":",
                           (unsigned long long)w->offset, wn_strerror(w->code));
    if (!rc)
        rc = wn_json_put_string(list, w->msg, strlen(w->msg));
    if (!rc)
        rc = wn_buf_puts(list, "}\n");
    if (rc)
        list->len = at; /* a problem that cannot be listed is still counted */
    return rc;
}

int write_text_file(const char *path, const wn_buf *text, wn_error *err)
{
    return atomic_write_file(path, text->data ? text->data : "", text->len,
                             err);
}

void tally_init(tally *t) { memset(t, 0, sizeof *t); }

static void kv_free(tally_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(kv[i].key);
    free(kv);
}

void tally_release(tally *t)
{
    for (size_t i = 0; i < t->nstages; i++)
        free(t->stage_name[i]);
    kv_free(t->reasons, t->nreasons);
    kv_free(t->langs, t->nlangs);
    kv_free(t->clusters, t->nclusters);
    kv_free(t->lines, t->nlines);
    kv_free(t->decontam, t->ndecontam);
    kv_free(t->langs_rej, t->nlangs_rej);
    for (size_t i = 0; i < t->nmeasures; i++)
        free(t->measures[i].key);
    counter_release(&t->domains_kept);
    counter_release(&t->domains_rej);
    memset(t, 0, sizeof *t);
}

int tally_set_stages(tally *t, const char *const *names, size_t n)
{
    if (n > TALLY_MAX_STAGES)
        return WN_ELIMIT;
    for (size_t i = 0; i < n; i++)
        if (!(t->stage_name[i] = strdup(names[i]))) {
            while (i--) { /* t->nstages does not count them yet */
                free(t->stage_name[i]);
                t->stage_name[i] = NULL;
            }
            return WN_ENOMEM;
        }
    t->nstages = n;
    return 0;
}

int tally_reason_key(const char *reason, size_t n, wn_buf *key)
{
    const char *eq = memchr(reason, '=', n);
    size_t k = eq ? (size_t)(eq - reason) : n;
    if (k >= 3 && !memcmp(reason + k - 3, ":of", 3))
        k -= 3;
    int rc = wn_buf_set(key, reason, k);
    for (size_t i = 0; i < key->len; i++) /* keys are one token */
        if ((unsigned char)key->data[i] <= ' ')
            key->data[i] = '_';
    if (!rc && !key->len)
        rc = wn_buf_set(key, "unknown", 7);
    return rc;
}

int tally_kv_add(tally_kv **kv, size_t *n, const char *key, size_t klen,
                 uint64_t by)
{
    if (!key) /* a key buffer that could not be allocated */
        return WN_ENOMEM;
    for (size_t i = 0; i < *n; i++)
        if (strlen((*kv)[i].key) == klen && !memcmp((*kv)[i].key, key, klen)) {
            (*kv)[i].n += by;
            return 0;
        }
    tally_kv *nk = realloc(*kv, (*n + 1) * sizeof **kv);
    if (!nk)
        return WN_ENOMEM;
    *kv = nk;
    char *k = malloc(klen + 1);
    if (!k)
        return WN_ENOMEM;
    memcpy(k, key, klen);
    k[klen] = 0;
    nk[*n].key = k;
    nk[*n].n = by;
    (*n)++;
    return 0;
}

int tally_add(tally *a, const tally *b)
{
    int rc;
    wn_stats_add(&a->input, &b->input);
    a->docs_read += b->docs_read;
    a->docs_kept += b->docs_kept;
    for (size_t i = 0; i < a->nstages && i < b->nstages; i++) {
        a->stage_in[i] += b->stage_in[i];
        a->stage_rejected[i] += b->stage_rejected[i];
        a->stage_cpu[i] += b->stage_cpu[i];
        a->stage_bytes[i] += b->stage_bytes[i];
        a->stage_flagged[i] += b->stage_flagged[i];
        a->stage_bytes_out[i] += b->stage_bytes_out[i];
        a->stage_bytes_rej[i] += b->stage_bytes_rej[i];
    }
    a->annotated |= b->annotated;
    a->kept_bytes += b->kept_bytes;
    a->problems += b->problems;
    a->unfinished += b->unfinished;
    for (int i = 0; i < 3; i++)
        a->redacted[i] += b->redacted[i];
    for (size_t i = 0; i < b->nreasons; i++)
        if ((rc = tally_kv_add(&a->reasons, &a->nreasons, b->reasons[i].key,
                               strlen(b->reasons[i].key), b->reasons[i].n)))
            return rc;
    for (size_t i = 0; i < b->nlines; i++)
        if ((rc = tally_kv_add(&a->lines, &a->nlines, b->lines[i].key,
                               strlen(b->lines[i].key), b->lines[i].n)))
            return rc;
    for (size_t i = 0; i < b->ndecontam; i++)
        if ((rc = tally_kv_add(&a->decontam, &a->ndecontam,
                               b->decontam[i].key,
                               strlen(b->decontam[i].key), b->decontam[i].n)))
            return rc;
    for (size_t i = 0; i < b->nmeasures; i++) {
        const tally_measure *bm = &b->measures[i];
        rc = 0;
        tally_measure *m = find_measure(a, bm->key, strlen(bm->key), bm->op,
                                        bm->bound, &rc);
        for (int f = 0; m && f < 2; f++)
            for (size_t k = 0; k < TALLY_MEASURE_BINS; k++)
                m->bins[f][k] += bm->bins[f][k];
        if (rc)
            return rc;
    }
    return 0;
}

size_t tally_len_bucket(uint64_t chars)
{
    size_t b = 0;
    while (chars > 1 && b + 1 < TALLY_LEN_BUCKETS) {
        chars >>= 1;
        b++;
    }
    return b;
}

int tally_save(const tally *t, const char *path, const work_ledger *l,
               wn_error *err)
{
    wn_buf b = WN_BUF_INIT;
    int rc = wn_buf_printf(&b, "docs_read %llu\ndocs_kept %llu\nkept_bytes %llu\n"
                               "problems %llu\n"
                               "unfinished %llu\nredacted %llu %llu %llu\n",
                           (unsigned long long)t->docs_read,
                           (unsigned long long)t->docs_kept,
                           (unsigned long long)t->kept_bytes,
                           (unsigned long long)t->problems,
                           (unsigned long long)t->unfinished,
                           (unsigned long long)t->redacted[0],
                           (unsigned long long)t->redacted[1],
                           (unsigned long long)t->redacted[2]);
    wn_stats in = t->input;
    for (size_t i = 0; !rc && i < stats_nfields(); i++)
        rc = wn_buf_printf(&b, "input %s %llu\n", stats_field_name(i),
                           (unsigned long long)*stats_field(&in, i));
    for (size_t i = 0; !rc && i < t->nstages; i++)
        rc = wn_buf_printf(&b, "stage %s %llu %llu %llu %.6f %llu %llu\n",
                           t->stage_name[i],
                           (unsigned long long)t->stage_in[i],
                           (unsigned long long)t->stage_rejected[i],
                           (unsigned long long)t->stage_bytes[i],
                           t->stage_cpu[i],
                           (unsigned long long)t->stage_bytes_out[i],
                           (unsigned long long)t->stage_bytes_rej[i]);
    for (size_t i = 0; !rc && i < t->nreasons; i++)
        rc = wn_buf_printf(&b, "reason %s %llu\n", t->reasons[i].key,
                           (unsigned long long)t->reasons[i].n);
    for (size_t i = 0; !rc && t->annotated && i < t->nstages; i++)
        rc = wn_buf_printf(&b, "flagged %s %llu\n", t->stage_name[i],
                           (unsigned long long)t->stage_flagged[i]);
    for (size_t i = 0; !rc && i < t->nlines; i++)
        rc = wn_buf_printf(&b, "lines %s %llu\n", t->lines[i].key,
                           (unsigned long long)t->lines[i].n);
    for (size_t i = 0; !rc && i < t->ndecontam; i++)
        rc = wn_buf_printf(&b, "decontam %s %llu\n", t->decontam[i].key,
                           (unsigned long long)t->decontam[i].n);
    for (size_t i = 0; !rc && i < t->nmeasures; i++) {
        const tally_measure *m = &t->measures[i];
        rc = wn_buf_printf(&b, "measure %s %s %.17g", m->key, m->op,
                           m->bound);
        for (int f = 0; f < 2; f++)
            for (size_t k = 0; !rc && k < TALLY_MEASURE_BINS; k++)
                rc = wn_buf_printf(&b, " %llu",
                                   (unsigned long long)m->bins[f][k]);
        if (!rc)
            rc = wn_buf_putc(&b, '\n');
    }
    /* a counter missing from the file would be read back as 0 */
    if (rc)
        rc = wn_err(err, rc, path, 0, "cannot build the counters: %s",
                    wn_strerror(rc));
    else
        rc = marker_write(path, b.data ? b.data : "", b.len, l, err);
    wn_buf_release(&b);
    return rc;
}

/* "measure KEY OP BOUND p0..p19 r0..r19" */
static int load_measure(tally *t, const char *line, const char *path,
                        wn_error *err)
{
    char key[160], op[3];
    double bound;
    int used = 0, rc = 0;
    if (sscanf(line, "measure %159s %2s %lf%n", key, op, &bound, &used) < 3)
        return wn_err(err, WN_EFORMAT, path, 0, "bad counters line: %s", line);
    tally_measure *m = find_measure(t, key, strlen(key), op, bound, &rc);
    const char *p = line + used;
    for (int f = 0; f < 2; f++)
        for (size_t k = 0; k < TALLY_MEASURE_BINS; k++) {
            char *e;
            unsigned long long v = strtoull(p, &e, 10);
            if (e == p)
                return wn_err(err, WN_EFORMAT, path, 0,
                              "bad counters line: %s", line);
            if (m)
                m->bins[f][k] += v;
            p = e;
        }
    return rc ? wn_err(err, rc, path, 0, "out of memory") : 0;
}

int tally_load(tally *t, const char *path, wn_error *err)
{
    wn_buf text = WN_BUF_INIT;
    int rc = marker_read(path, &text, err);
    if (rc) {
        wn_buf_release(&text);
        return rc;
    }
    FILE *f = text.len ? fmemopen(text.data, text.len, "r") : NULL;
    if (!f) {
        wn_buf_release(&text);
        return wn_err(err, WN_EFORMAT, path, 0, "no counters");
    }
    char line[4096];
    size_t st = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char kind[32], key[800];
        unsigned long long a = 0, b = 0, c = 0, bo = 0, br = 0;
        double cpu = 0;
        int k = sscanf(line, "%31s %799s %llu %llu %llu %lf %llu %llu", kind,
                       key, &a, &b, &c, &cpu, &bo, &br);
        if (k >= 2 && !strcmp(kind, "docs_read"))
            t->docs_read = strtoull(key, NULL, 10);
        else if (k >= 2 && !strcmp(kind, "docs_kept"))
            t->docs_kept = strtoull(key, NULL, 10);
        else if (k >= 2 && !strcmp(kind, "kept_bytes"))
            t->kept_bytes = strtoull(key, NULL, 10);
        else if (k >= 2 && !strcmp(kind, "problems"))
            t->problems = strtoull(key, NULL, 10);
        else if (k >= 2 && !strcmp(kind, "unfinished"))
            t->unfinished = strtoull(key, NULL, 10);
        else if (k >= 4 && !strcmp(kind, "redacted")) {
            t->redacted[0] = strtoull(key, NULL, 10);
            t->redacted[1] = a;
            t->redacted[2] = b;
        }
        else if (k == 3 && !strcmp(kind, "input")) {
            for (size_t i = 0; i < stats_nfields(); i++)
                if (!strcmp(stats_field_name(i), key))
                    *stats_field(&t->input, i) = a;
        } else if ((k == 6 || k == 8) && !strcmp(kind, "stage") &&
                   st < t->nstages &&
                   !strcmp(t->stage_name[st], key)) {
            t->stage_in[st] = a;
            t->stage_rejected[st] = b;
            t->stage_bytes[st] = c;
            t->stage_cpu[st] = cpu;
            t->stage_bytes_out[st] = bo;
            t->stage_bytes_rej[st] = br;
            st++;
        } else if (k == 3 && !strcmp(kind, "flagged")) {
            t->annotated = 1;
            for (size_t i = 0; i < t->nstages; i++)
                if (!strcmp(t->stage_name[i], key))
                    t->stage_flagged[i] = a;
        } else if (k == 3 && !strcmp(kind, "reason"))
            rc = tally_kv_add(&t->reasons, &t->nreasons, key, strlen(key), a);
        else if (k == 3 && !strcmp(kind, "lines"))
            rc = tally_kv_add(&t->lines, &t->nlines, key, strlen(key), a);
        else if (k == 3 && !strcmp(kind, "decontam"))
            rc = tally_kv_add(&t->decontam, &t->ndecontam, key, strlen(key),
                              a);
        else if (k >= 2 && !strcmp(kind, "measure"))
            rc = load_measure(t, line, path, err);
        else
            rc = wn_err(err, WN_EFORMAT, path, 0, "bad counters line: %s",
                        line);
    }
    fclose(f);
    wn_buf_release(&text);
    if (!rc && st != t->nstages)
        rc = wn_err(err, WN_EFORMAT, path, 0,
                    "counters were written for other stages");
    return rc;
}

void tally_doc_of(tally_doc *v, const wn_doc *d)
{
    memset(v, 0, sizeof *v);
    v->bytes = d->text.len;
    for (size_t i = 0; i < d->text.len; i++)
        v->chars += ((unsigned char)d->text.data[i] & 0xC0) != 0x80;
    v->url = d->url.data ? d->url.data : "";
    v->url_n = d->url.len;
    if (!wn_doc_meta_get(d, "language", &v->lang, &v->lang_n))
        v->lang = NULL;
    if (!wn_doc_meta_get(d, "duplicate_count", &v->dupc, &v->dupc_n))
        v->dupc = NULL;
}

int tally_url_host(const char *u, size_t n, wn_buf *out)
{
    const char *p = memchr(u, ':', n);
    if (p && p + 2 < u + n && p[1] == '/' && p[2] == '/')
        p += 3;
    else
        p = u;
    const char *e = p;
    while (e < u + n && *e != '/' && *e != '?' && *e != '#' && *e != ':')
        e++;
    const char *at = memchr(p, '@', (size_t)(e - p)); /* user@host */
    if (at)
        p = at + 1;
    int rc = wn_buf_set(out, p, (size_t)(e - p));
    for (size_t i = 0; !rc && i < out->len; i++) {
        char c = out->data[i];
        out->data[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32)
                       : (unsigned char)c <= ' ' ? '_' : c;
    }
    return rc;
}

int tally_doc_host(const wn_doc *d, wn_buf *out)
{
    return tally_url_host(d->url.data ? d->url.data : "", d->url.len, out);
}

/* One document into a by-domain counter ("(none)" without a url). */
static int count_domain(counter *c, const tally_doc *d)
{
    wn_buf h = WN_BUF_INIT;
    int rc = tally_url_host(d->url ? d->url : "", d->url_n, &h);
    if (!rc)
        rc = h.len ? counter_add(c, h.data, h.len, 1)
                   : counter_add(c, "(none)", 6, 1);
    wn_buf_release(&h);
    return rc;
}

/* The language a document's metadata names, if it names one as a
 * string (its JSON text between the quotes, as written). */
static int doc_language(const tally_doc *d, const char **s, size_t *n)
{
    if (!d->lang || d->lang_n < 2 || d->lang[0] != '"')
        return 0;
    *s = d->lang + 1;
    *n = d->lang_n - 2;
    return 1;
}

/* The measure key (klen bytes), made with op and bound if new; NULL when
 * out of memory, or when the table is full (more kinds than a page
 * shows: not counted). */
static tally_measure *find_measure(tally *t, const char *key, size_t klen,
                                   const char *op, double bound, int *rc)
{
    for (size_t i = 0; i < t->nmeasures; i++)
        if (strlen(t->measures[i].key) == klen &&
            !memcmp(t->measures[i].key, key, klen))
            return &t->measures[i];
    if (t->nmeasures == TALLY_MAX_MEASURES)
        return NULL;
    tally_measure *m = &t->measures[t->nmeasures];
    memset(m, 0, sizeof *m);
    if (!(m->key = malloc(klen + 1))) {
        *rc = WN_ENOMEM;
        return NULL;
    }
    memcpy(m->key, key, klen);
    m->key[klen] = 0;
    snprintf(m->op, sizeof m->op, "%s", op);
    m->bound = bound;
    m->hi = bound > 0 ? 2 * bound : 1;
    t->nmeasures++;
    return m;
}

static size_t measure_bin(double v, double bound)
{
    double hi = bound > 0 ? 2 * bound : 1;
    double b = v <= 0 ? 0 : v / hi * TALLY_MEASURE_BINS;
    return b >= TALLY_MEASURE_BINS ? TALLY_MEASURE_BINS - 1 : (size_t)b;
}

void stage_measure(stage_scratch *sc, const char *stage, const char *name,
                   double value, const char *op, double bound, int failed)
{
    stage_measures *m = sc ? sc->measures : NULL;
    if (!m || isnan(value))
        return;
    size_t i;
    for (i = 0; i < m->n; i++)
        if (m->m[i].op[0] == op[0] &&
            ((m->m[i].name == name && m->m[i].stage == stage) ||
             (!strcmp(m->m[i].name, name) && !strcmp(m->m[i].stage, stage))))
            break;
    if (i == m->n) {
        if (i == TALLY_MAX_MEASURES)
            return;
        memset(&m->m[i], 0, sizeof m->m[i]);
        m->m[i].stage = stage;
        m->m[i].name = name;
        snprintf(m->m[i].op, sizeof m->m[i].op, "%s", op);
        m->m[i].bound = bound;
        m->n++;
    }
    m->m[i].bins[failed != 0][measure_bin(value, m->m[i].bound)]++;
}

int tally_add_measures(tally *t, stage_measures *m)
{
    int rc = 0;
    char key[160];
    for (size_t i = 0; i < m->n && !rc; i++) {
        /* a measure may have a lower and an upper bound (Gopher's words) */
        int k = snprintf(key, sizeof key, "%s:%s.%s", m->m[i].stage,
                         m->m[i].name, m->m[i].op[0] == '<' ? "min" : "max");
        if (k < 0 || (size_t)k >= sizeof key)
            continue;
        tally_measure *tm = find_measure(t, key, (size_t)k, m->m[i].op,
                                         m->m[i].bound, &rc);
        for (int f = 0; tm && f < 2; f++)
            for (size_t b = 0; b < TALLY_MEASURE_BINS; b++)
                tm->bins[f][b] += m->m[i].bins[f][b];
    }
    m->n = 0;
    return rc;
}

int tally_final_rejected(tally *t, const tally_doc *d, int dup)
{
    int rc;
    const char *l;
    size_t ln;
    if (dup)
        t->dup_bytes += d->bytes;
    t->len_hist_rej[tally_len_bucket(d->chars)]++;
    if (!doc_language(d, &l, &ln)) {
        l = "none";
        ln = 4;
    }
    if ((rc = tally_kv_add(&t->langs_rej, &t->nlangs_rej, l, ln, 1)))
        return rc;
    return count_domain(&t->domains_rej, d);
}

int tally_final_kept(tally *t, const tally_doc *d)
{
    t->final_kept++;
    t->final_bytes += d->bytes;
    t->len_hist[tally_len_bucket(d->chars)]++;
    const char *l;
    size_t ln;
    int rc;
    if (doc_language(d, &l, &ln) &&
        (rc = tally_kv_add(&t->langs, &t->nlangs, l, ln, 1)))
        return rc;
    if ((rc = count_domain(&t->domains_kept, d)))
        return rc;
    if (d->dupc) {
        /* the value is followed by ',' or '}' (a line) or NUL (meta) */
        char tmp[32];
        long long c = strtoll(d->dupc, NULL, 10) + 1;
        int k = snprintf(tmp, sizeof tmp, "%lld", c);
        if ((rc = tally_kv_add(&t->clusters, &t->nclusters, tmp, (size_t)k,
                               1)))
            return rc;
    }
    return 0;
}

int tally_kv_cmp(const void *a, const void *b)
{
    const tally_kv *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->key, y->key);
}

static int put_kv_object(wn_buf *o, tally_kv *kv, size_t n)
{
    int rc = 0;
    if (n)
        qsort(kv, n, sizeof *kv, tally_kv_cmp);
    rc |= wn_buf_putc(o, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            rc |= wn_buf_putc(o, ',');
        rc |= wn_json_put_string(o, kv[i].key, strlen(kv[i].key));
        rc |= wn_buf_printf(o, ":%llu", (unsigned long long)kv[i].n);
    }
    rc |= wn_buf_putc(o, '}');
    return rc ? WN_ENOMEM : 0;
}

/* [a,b,c] */
static int put_u64s(wn_buf *o, const uint64_t *v, size_t n)
{
    int rc = wn_buf_putc(o, '[');
    for (size_t i = 0; i < n; i++)
        rc |= wn_buf_printf(o, "%s%llu", i ? "," : "",
                            (unsigned long long)v[i]);
    rc |= wn_buf_putc(o, ']');
    return rc;
}

void tally_json_reopen(wn_buf *out, size_t at)
{
    if (out->len >= at + 2 && !memcmp(out->data + out->len - 2, "}\n", 2))
        out->len -= 2;
}

/* {"distinct":N,"other":N,"top":{...}}: the largest counts of c. */
static int put_top(wn_buf *o, const counter *c)
{
    tally_kv *top;
    size_t n;
    int rc = counter_top(c, TALLY_TOP_DOMAINS, &top, &n);
    if (rc)
        return rc;
    uint64_t rest = c->other;
    for (size_t i = 0; i < c->cap; i++)
        rest += c->slot[i].key ? c->slot[i].n : 0;
    for (size_t i = 0; i < n; i++)
        rest -= top[i].n;
    rc |= wn_buf_printf(o, "{\"distinct\":%zu,\"others\":%llu,\"top\":",
                        c->n, (unsigned long long)rest);
    rc |= put_kv_object(o, top, n);
    rc |= wn_buf_putc(o, '}');
    free(top);
    return rc ? WN_ENOMEM : 0;
}

int tally_json(tally *t, const wn_dedup_stats *dd, int dedup_on,
               size_t data_shards, size_t reject_shards, wn_buf *o)
{
    uint64_t rejected = 0;
    for (size_t i = 0; i < t->nreasons; i++)
        rejected += t->reasons[i].n;
    int rc = 0;
    rc |= wn_buf_printf(o, "{\n\"winnow_version\":\"%s\",\n", wn_version());
    rc |= wn_buf_printf(o, "\"documents\":{\"read\":%llu,\"kept\":%llu,"
                           "\"rejected\":%llu},\n",
                        (unsigned long long)t->docs_read,
                        (unsigned long long)t->final_kept,
                        (unsigned long long)rejected);
    rc |= wn_buf_puts(o, "\"accounting\":\"read = kept + rejected\",\n");
    rc |= wn_buf_puts(o, "\"rejected_by_reason\":");
    rc |= put_kv_object(o, t->reasons, t->nreasons);
    rc |= wn_buf_puts(o, ",\n\"stages\":[");
    for (size_t i = 0; i < t->nstages; i++) {
        rc |= wn_buf_printf(o, "%s\n {\"name\":\"%s\",\"in\":%llu,"
                               "\"kept\":%llu,\"rejected\":%llu,"
                               "\"bytes_in\":%llu,\"bytes_out\":%llu,"
                               "\"bytes_rejected\":%llu",
                            i ? "," : "", t->stage_name[i],
                            (unsigned long long)t->stage_in[i],
                            (unsigned long long)(t->stage_in[i] -
                                                 t->stage_rejected[i]),
                            (unsigned long long)t->stage_rejected[i],
                            (unsigned long long)t->stage_bytes[i],
                            (unsigned long long)t->stage_bytes_out[i],
                            (unsigned long long)t->stage_bytes_rej[i]);
        /* an annotated run rejects nothing: what each stage would have */
        if (t->annotated)
            rc |= wn_buf_printf(o, ",\"would_reject\":%llu",
                                (unsigned long long)t->stage_flagged[i]);
        rc |= wn_buf_putc(o, '}');
    }
    if (dd)
        rc |= wn_buf_printf(o, "%s\n {\"name\":\"dedup\",\"in\":%llu,"
                               "\"kept\":%llu,\"rejected\":%llu,"
                               "\"bytes_in\":%llu,\"bytes_out\":%llu,"
                               "\"bytes_rejected\":%llu}",
                            t->nstages ? "," : "",
                            (unsigned long long)t->docs_kept,
                            (unsigned long long)(t->docs_kept -
                                                 t->dup_rejected),
                            (unsigned long long)t->dup_rejected,
                            (unsigned long long)t->kept_bytes,
                            (unsigned long long)t->final_bytes,
                            (unsigned long long)t->dup_bytes);
    rc |= wn_buf_puts(o, "],\n\"input\":");
    rc |= wn_stats_write_json(&t->input, o);
    rc |= wn_buf_printf(o, ",\n\"problems\":%llu,\"unfinished_inputs\":%llu",
                        (unsigned long long)t->problems,
                        (unsigned long long)t->unfinished);
    rc |= wn_buf_printf(o, ",\n\"redacted\":{\"email\":%llu,\"ip\":%llu,"
                           "\"phone\":%llu}",
                        (unsigned long long)t->redacted[0],
                        (unsigned long long)t->redacted[1],
                        (unsigned long long)t->redacted[2]);
    rc |= wn_buf_puts(o, ",\n\"decontaminated\":");
    rc |= put_kv_object(o, t->decontam, t->ndecontam);
    rc |= wn_buf_printf(o, ",\n\"dedup\":{\"enabled\":%s,"
                           "\"exact_duplicates\":%llu,"
                           "\"near_duplicates\":%llu,\"groups\":%llu,"
                           "\"candidate_pairs\":%llu,"
                           "\"paragraphs\":{\"checked\":%llu,"
                           "\"removed\":%llu,\"bytes_removed\":%llu,"
                           "\"documents_emptied\":%llu}}",
                        dd && dedup_on ? "true" : "false",
                        (unsigned long long)(dd ? dd->exact_dups : 0),
                        (unsigned long long)(dd ? dd->near_dups : 0),
                        (unsigned long long)(dd ? dd->groups : 0),
                        (unsigned long long)(dd ? dd->candidate_pairs : 0),
                        (unsigned long long)(dd ? dd->paragraphs : 0),
                        (unsigned long long)(dd ? dd->paragraphs_removed : 0),
                        (unsigned long long)(dd ? dd->paragraph_bytes : 0),
                        (unsigned long long)(dd ? dd->paragraph_emptied : 0));
    rc |= wn_buf_printf(o, ",\n\"output\":{\"data_shards\":%zu,"
                           "\"reject_shards\":%zu,\"text_bytes\":%llu}",
                        data_shards, reject_shards,
                        (unsigned long long)t->final_bytes);
    rc |= wn_buf_puts(o, ",\n\"histograms\":{\"length_chars_log2\":");
    rc |= put_u64s(o, t->len_hist, TALLY_LEN_BUCKETS);
    rc |= wn_buf_puts(o, ",\"language\":");
    rc |= put_kv_object(o, t->langs, t->nlangs);
    rc |= wn_buf_puts(o, ",\"duplicate_group_size\":");
    rc |= put_kv_object(o, t->clusters, t->nclusters);
    rc |= wn_buf_puts(o, ",\n \"length_chars_log2_rejected\":");
    rc |= put_u64s(o, t->len_hist_rej, TALLY_LEN_BUCKETS);
    rc |= wn_buf_puts(o, ",\"language_rejected\":");
    rc |= put_kv_object(o, t->langs_rej, t->nlangs_rej);
    rc |= wn_buf_puts(o, ",\n \"measures\":{");
    for (size_t i = 0; i < t->nmeasures; i++) {
        const tally_measure *m = &t->measures[i];
        rc |= wn_buf_printf(o, "%s\n  ", i ? "," : "");
        rc |= wn_json_put_string(o, m->key, strlen(m->key));
        rc |= wn_buf_printf(o, ":{\"op\":\"%s\",\"bound\":%.6g,\"hi\":%.6g,"
                               "\"passed\":", m->op, m->bound, m->hi);
        rc |= put_u64s(o, m->bins[0], TALLY_MEASURE_BINS);
        rc |= wn_buf_puts(o, ",\"rejected\":");
        rc |= put_u64s(o, m->bins[1], TALLY_MEASURE_BINS);
        rc |= wn_buf_putc(o, '}');
    }
    rc |= wn_buf_puts(o, "}},\n\"cleaning\":{\"lines_dropped\":");
    rc |= put_kv_object(o, t->lines, t->nlines);
    rc |= wn_buf_puts(o, "},\n\"domains\":{\"kept\":");
    rc |= put_top(o, &t->domains_kept);
    rc |= wn_buf_puts(o, ",\"rejected\":");
    rc |= put_top(o, &t->domains_rej);
    rc |= wn_buf_puts(o, "}\n}\n");
    return rc ? WN_ENOMEM : 0;
}

int tally_timing_json(const tally *t, wn_buf *o)
{
    int rc = wn_buf_puts(o, "{\"stages\":[");
    for (size_t i = 0; i < t->nstages; i++) {
        double mbs = t->stage_cpu[i] > 0
                         ? t->stage_bytes[i] / 1e6 / t->stage_cpu[i] : 0;
        rc |= wn_buf_printf(o, "%s\n {\"name\":\"%s\",\"cpu_seconds\":%.3f,"
                               "\"text_bytes\":%llu,\"mb_per_s\":%.1f}",
                            i ? "," : "", t->stage_name[i], t->stage_cpu[i],
                            (unsigned long long)t->stage_bytes[i], mbs);
    }
    rc |= wn_buf_puts(o, "]}\n");
    return rc ? WN_ENOMEM : 0;
}

void tally_redactions(tally *t, const wn_doc *d)
{
    static const char *const keys[] = {"pii_email", "pii_ip", "pii_phone"};
    for (int k = 0; k < 3; k++) {
        const char *v;
        size_t n;
        if (wn_doc_meta_get(d, keys[k], &v, &n))
            t->redacted[k] += strtoull(v, NULL, 10);
    }
}

int tally_decontaminated(tally *t, const wn_doc *d)
{
    const char *v;
    size_t n;
    jview obj, sets, it, el;
    if (!wn_doc_meta_get(d, "decontaminated", &v, &n) ||
        jview_parse(v, n, &obj) || !jview_get(obj, "sets", &sets) ||
        !jview_iter(sets, &it))
        return 0;
    char name[JVIEW_KEY];
    int rc = 0;
    while (!rc && jview_next(&it, NULL, 0, &el))
        if (jview_cstr(el, name, sizeof name)) {
            /* the books are "kind key count" lines: no blanks in keys */
            for (char *p = name; *p; p++)
                if (*p == ' ' || *p == '\t' || *p == '\n')
                    *p = '_';
            rc = tally_kv_add(&t->decontam, &t->ndecontam, name,
                              strlen(name), 1);
        }
    return rc;
}

int wn_dedup_stats_json(const wn_dedup_stats *caller, wn_buf *out)
{
    /* the caller's struct may be an older, shorter one */
    wn_dedup_stats whole, *st = &whole;
    memset(st, 0, sizeof *st);
    memcpy(st, caller, caller->size && caller->size < sizeof *st
                           ? caller->size : sizeof *st);
    tally t;
    tally_init(&t);
    int rc = 0;
    /* no per-document stages: the dedup section makes the one stage */
    t.docs_read = t.docs_kept = st->docs;
    t.final_kept = st->kept;
    t.kept_bytes = st->text_bytes;
    t.input.docs = st->docs;
    t.input.text_bytes = st->text_bytes;
    t.dup_rejected = st->exact_dups + st->near_dups + st->paragraph_emptied;
    t.problems = st->bad_input;
    if (st->exact_dups)
        rc = tally_kv_add(&t.reasons, &t.nreasons, "exact_duplicate", 15,
                          st->exact_dups);
    if (!rc && st->near_dups)
        rc = tally_kv_add(&t.reasons, &t.nreasons, "near_duplicate", 14,
                          st->near_dups);
    if (!rc && st->paragraph_emptied)
        rc = tally_kv_add(&t.reasons, &t.nreasons, "paragraph_dedup:kept_bytes",
                          26, st->paragraph_emptied);
    size_t at = out->len;
    if (!rc)
        rc = tally_json(&t, st, 1, 0, 0, out);
    /* and what only a dedup run has: its work (which depends on resuming
     * and on the memory budget, so winnow run's stats.json leaves it out) */
    if (!rc)
        tally_json_reopen(out, at);
    if (!rc)
        rc = wn_buf_printf(out, ",\n\"dedup_work\":{\"verified_pairs\":%llu,"
                                "\"refuted_pairs\":%llu,"
                                "\"prefiltered_pairs\":%llu,"
                                "\"spilled_runs\":%llu,"
                                "\"skipped_units\":%llu}\n}\n",
                           (unsigned long long)st->verified_pairs,
                           (unsigned long long)st->refuted_pairs,
                           (unsigned long long)st->prefiltered_pairs,
                           (unsigned long long)st->spilled_runs,
                           (unsigned long long)st->skipped_units);
    tally_release(&t);
    return rc;
}
