/*
 * tally.c - counters of a run (see tally.h).
 */
#include "tally.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int write_text_file(const char *path, const wn_buf *text, wn_error *err)
{
    wn_writer *w;
    int rc = wn_writer_open(path, WN_OUT_TEXT, &w, err);
    if (rc)
        return rc;
    /* the text writer adds nothing to text that ends in '\n' */
    wn_doc d = WN_DOC_INIT;
    d.text = *text;
    if ((rc = wn_writer_write(w, &d, err))) {
        wn_writer_abort(w);
        return rc;
    }
    return wn_writer_close(w, err);
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
    }
    for (size_t i = 0; i < b->nreasons; i++)
        if ((rc = tally_kv_add(&a->reasons, &a->nreasons, b->reasons[i].key,
                               strlen(b->reasons[i].key), b->reasons[i].n)))
            return rc;
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

int tally_save(const tally *t, const char *path, wn_error *err)
{
    wn_buf b = WN_BUF_INIT;
    wn_buf_printf(&b, "docs_read %llu\ndocs_kept %llu\n",
                  (unsigned long long)t->docs_read,
                  (unsigned long long)t->docs_kept);
    wn_stats in = t->input;
    for (size_t i = 0; i < stats_nfields(); i++)
        wn_buf_printf(&b, "input %s %llu\n", stats_field_name(i),
                      (unsigned long long)*stats_field(&in, i));
    for (size_t i = 0; i < t->nstages; i++)
        wn_buf_printf(&b, "stage %s %llu %llu\n", t->stage_name[i],
                      (unsigned long long)t->stage_in[i],
                      (unsigned long long)t->stage_rejected[i]);
    for (size_t i = 0; i < t->nreasons; i++)
        wn_buf_printf(&b, "reason %s %llu\n", t->reasons[i].key,
                      (unsigned long long)t->reasons[i].n);
    int rc = write_text_file(path, &b, err);
    wn_buf_release(&b);
    return rc;
}

int tally_load(tally *t, const char *path, wn_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    char line[1024];
    int rc = 0;
    size_t st = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        char kind[32], key[800];
        unsigned long long a = 0, b = 0;
        int k = sscanf(line, "%31s %799s %llu %llu", kind, key, &a, &b);
        if (k >= 2 && !strcmp(kind, "docs_read"))
            t->docs_read = strtoull(key, NULL, 10);
        else if (k >= 2 && !strcmp(kind, "docs_kept"))
            t->docs_kept = strtoull(key, NULL, 10);
        else if (k == 3 && !strcmp(kind, "input")) {
            for (size_t i = 0; i < stats_nfields(); i++)
                if (!strcmp(stats_field_name(i), key))
                    *stats_field(&t->input, i) = a;
        } else if (k == 4 && !strcmp(kind, "stage") && st < t->nstages &&
                   !strcmp(t->stage_name[st], key)) {
            t->stage_in[st] = a;
            t->stage_rejected[st] = b;
            st++;
        } else if (k == 3 && !strcmp(kind, "reason"))
            rc = tally_kv_add(&t->reasons, &t->nreasons, key, strlen(key), a);
        else
            rc = wn_err(err, WN_EFORMAT, path, 0, "bad counters line: %s",
                        line);
    }
    fclose(f);
    if (!rc && st != t->nstages)
        rc = wn_err(err, WN_EFORMAT, path, 0,
                    "counters were written for other stages");
    return rc;
}
