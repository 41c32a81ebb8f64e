/*
 * test_pipeline.c - the pieces of `winnow run`: the ordered batch pool
 * (any thread count gives the same verdicts in the same order), counters
 * (reason keys, save/load round trip), and the public run API on a tiny
 * corpus (accounting, determinism across jobs, refusal of mixed work).
 */
#include "t.h"
#include "../../src/pipeline/batch.h"
#include "../../src/pipeline/tally.h"

#include <stdio.h>
#include <sys/stat.h>

/* A stage that drops documents whose text length is a multiple of 3 and
 * appends a mark to the others, so both verdicts and edits are visible. */
static int mod3_create(const void *o, void **st, wn_error *e)
{
    (void)o;
    (void)e;
    *st = NULL;
    return 0;
}
static int mod3_process(void *st, wn_doc *d, stage_scratch *sc, wn_buf *why)
{
    (void)st;
    (void)sc;
    if (d->text.len % 3 == 0) {
        wn_buf_printf(why, "mod3:len=%zu", d->text.len);
        return STAGE_DROP;
    }
    return wn_buf_putc(&d->text, '!') ? -1 : STAGE_KEEP;
}
static void mod3_free(void *st) { (void)st; }
static const stage_ops mod3 = {.name = "mod3",
                               .summary = "test",
                               .create = mod3_create,
                               .process = mod3_process,
                               .free = mod3_free};

static void run_pool(int jobs, wn_buf *out)
{
    const stage_ops *ops[1] = {&mod3};
    void *states[1] = {NULL};
    const char *names[1] = {"mod3"};
    pool *p;
    CHECK_INT(pool_new(ops, states, names, 1, jobs, 0, &p), 0);
    int next = 0;
    for (;;) {
        batch *b = pool_get(p);
        if (!b) {
            batch *d = pool_next(p);
            for (size_t i = 0; i < d->n; i++)
                wn_buf_printf(out, "%s:%s;", d->dropped_at[i] < 0 ? "K" : "D",
                              d->dropped_at[i] < 0 ? d->docs[i].text.data
                                                   : d->reasons[i].data);
            pool_release(p, d);
            continue;
        }
        if (next >= 3000) {
            pool_release(p, b);
            break;
        }
        while (b->n < b->cap && next < 3000) {
            wn_buf_printf(&b->docs[b->n].text, "%d", next * 7);
            b->n++;
            next++;
        }
        pool_submit(p, b);
    }
    batch *d;
    while ((d = pool_next(p))) {
        for (size_t i = 0; i < d->n; i++)
            wn_buf_printf(out, "%s:%s;", d->dropped_at[i] < 0 ? "K" : "D",
                          d->dropped_at[i] < 0 ? d->docs[i].text.data
                                               : d->reasons[i].data);
        pool_release(p, d);
    }
    pool_free(p);
}

TEST(pool_order_and_verdicts_independent_of_threads)
{
    wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT, c = WN_BUF_INIT;
    run_pool(1, &a);
    run_pool(2, &b);
    run_pool(7, &c);
    CHECK(a.len > 10000);
    CHECK(strstr(a.data, "K:7!;") != NULL);
    CHECK(strstr(a.data, "D:mod3:len=3;") != NULL);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    CHECK_MEM(a.data, a.len, c.data, c.len);
    wn_buf_release(&a);
    wn_buf_release(&b);
    wn_buf_release(&c);
}

/* ---- feed_input / feed_work: one input into a pool ---- */

/* n documents "d0".."d<n-1>" with texts of varied lengths, as JSONL. */
static const char *feed_corpus(const char *name, int n)
{
    static char path[600];
    snprintf(path, sizeof path, "%s/%s", t_tmpdir(), name);
    FILE *f = fopen(path, "w");
    for (int i = 0; f && i < n; i++)
        fprintf(f, "{\"id\":\"d%d\",\"text\":\"%.*s\"}\n", i, 1 + i % 17,
                "abcdefghijklmnopqrstuvwxyz");
    if (f)
        fclose(f);
    return path;
}

typedef struct feed_log {
    wn_buf out;        /* "id:len:verdict;" per committed document */
    int commits;       /* batches committed */
    int fail_work_at;  /* the batch holding this document fails, or -1 */
    int fail_commit;   /* the commit of this batch (from 1) fails, or 0 */
    int fail_take_at;  /* take fails at this document, or -1 */
    int taken;
} feed_log;

/* On a worker: marks each document, and fails the batch holding
 * fail_work_at. */
static int feed_test_work(void *ctx, batch *b, stage_scratch *sc)
{
    feed_log *lg = ctx;
    (void)sc;
    for (size_t i = 0; i < b->n; i++) {
        char id[32];
        snprintf(id, sizeof id, "d%d", lg->fail_work_at);
        if (lg->fail_work_at >= 0 && b->docs[i].id.data &&
            !strcmp(b->docs[i].id.data, id))
            return WN_EFORMAT;
        if (wn_buf_putc(&b->docs[i].text, '+'))
            return WN_ENOMEM;
    }
    return 0;
}

static int feed_test_take(void *ctx, batch *b, wn_doc *doc, wn_error *err)
{
    feed_log *lg = ctx;
    (void)b;
    (void)doc;
    if (lg->taken++ == lg->fail_take_at)
        return wn_err(err, WN_ELIMIT, "", 0, "take failed");
    return 0;
}

static int feed_test_commit(void *ctx, batch *b, wn_error *err)
{
    feed_log *lg = ctx;
    if (++lg->commits == lg->fail_commit)
        return wn_err(err, WN_EIO, "", 0, "commit failed");
    for (size_t i = 0; i < b->n; i++)
        wn_buf_printf(&lg->out, "%s:%zu:%s;", b->docs[i].id.data,
                      b->docs[i].text.len,
                      b->dropped_at[i] < 0 ? "K" : b->reasons[i].data);
    return 0;
}

static int feed_run(int jobs, const char *path, feed_log *lg, wn_error *err)
{
    batch_feed f = {feed_test_take, feed_test_commit, NULL, NULL, lg};
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_stats st;
    memset(&st, 0, sizeof st);
    return feed_work((unsigned)jobs, 0, feed_test_work, &f, path, &ro, &st,
                     err);
}

static void feed_log_init(feed_log *lg)
{
    memset(lg, 0, sizeof *lg);
    lg->fail_work_at = lg->fail_take_at = -1;
}

TEST(feed_commits_in_input_order_for_any_jobs)
{
    const char *path = feed_corpus("feed-order.jsonl", 1000);
    feed_log a, b;
    wn_error err;
    feed_log_init(&a);
    CHECK_INT(feed_run(1, path, &a, &err), 1);
    CHECK(a.out.len > 0 && strstr(a.out.data, "d0:2:K;d1:3:K;") == a.out.data);
    CHECK(strstr(a.out.data, ";d999:") != NULL);
    CHECK_INT(a.taken, 1000);
    for (int jobs = 2; jobs <= 5; jobs += 3) {
        feed_log_init(&b);
        CHECK_INT(feed_run(jobs, path, &b, &err), 1);
        CHECK_MEM(a.out.data, a.out.len, b.out.data, b.out.len);
        CHECK_INT(b.commits, 4); /* batches of 256 */
        wn_buf_release(&b.out);
    }
    wn_buf_release(&a.out);
}

TEST(feed_stops_committing_at_the_first_failure)
{
    const char *path = feed_corpus("feed-fail.jsonl", 1000);
    wn_error err;
    for (int jobs = 1; jobs <= 3; jobs++) {
        /* a batch's work fails: the batches before it are committed, none
         * after, and the code comes back with its message */
        feed_log w;
        feed_log_init(&w);
        w.fail_work_at = 600;
        memset(&err, 0, sizeof err);
        CHECK_INT(feed_run(jobs, path, &w, &err), WN_EFORMAT);
        CHECK(err.msg[0] != '\0');
        CHECK(w.out.len > 0 && strstr(w.out.data, "d511:") != NULL);
        CHECK(!strstr(w.out.data, "d600:"));
        if (jobs > 1) /* batches of 256: the third is the failed one */
            CHECK(!strstr(w.out.data, "d512:"));
        else /* batches of one document */
            CHECK(strstr(w.out.data, "d599:") != NULL);
        wn_buf_release(&w.out);
        /* the second commit fails: no third */
        feed_log c;
        feed_log_init(&c);
        c.fail_commit = 2;
        CHECK_INT(feed_run(jobs, path, &c, &err), WN_EIO);
        CHECK_STR(err.msg, "commit failed");
        CHECK_INT(c.commits, 2);
        wn_buf_release(&c.out);
        /* take fails: reading stops, nothing after it committed */
        feed_log t;
        feed_log_init(&t);
        t.fail_take_at = 300;
        CHECK_INT(feed_run(jobs, path, &t, &err), WN_ELIMIT);
        CHECK_INT(t.taken, 301);
        CHECK(!t.out.len || !strstr(t.out.data, "d300:"));
        wn_buf_release(&t.out);
    }
}

/* A pool with stages (the engine's way): verdicts and edits in order, and
 * a failed batch reported through the caller's failed(). */
static int feed_test_failed(void *ctx, const batch *b, wn_error *err)
{
    (void)ctx;
    return wn_err(err, b->error, "", 0, "stage broke");
}

TEST(feed_input_runs_stages_and_reports_through_failed)
{
    const char *path = feed_corpus("feed-stages.jsonl", 700);
    const stage_ops *ops[1] = {&mod3};
    void *states[1] = {NULL};
    const char *names[1] = {"mod3"};
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_error err;
    wn_buf first = WN_BUF_INIT;
    for (int jobs = 1; jobs <= 3; jobs += 2) {
        pool *p;
        feed_log lg;
        feed_log_init(&lg);
        wn_stats st;
        memset(&st, 0, sizeof st);
        CHECK_INT(pool_new(ops, states, names, 1, jobs, 0, &p), 0);
        batch_feed f = {NULL, feed_test_commit, feed_test_failed, NULL, &lg};
        CHECK_INT(feed_input(p, &f, path, "named", &ro, &st, &err), 1);
        CHECK_INT(st.docs, 700);
        CHECK(strstr(lg.out.data, "d2:3:mod3:len=3;") != NULL);
        CHECK(strstr(lg.out.data, "d0:2:K;") == lg.out.data);
        if (jobs == 1)
            wn_buf_set(&first, lg.out.data, lg.out.len);
        else
            CHECK_MEM(first.data, first.len, lg.out.data, lg.out.len);
        wn_buf_release(&lg.out);
        pool_free(p);
        /* the hook fails on d600: failed() says why */
        feed_log_init(&lg);
        lg.fail_work_at = 600;
        CHECK_INT(pool_new(ops, states, names, 1, jobs, 0, &p), 0);
        pool_set_hook(p, feed_test_work, &lg);
        CHECK_INT(feed_input(p, &f, path, NULL, &ro, &st, &err), WN_EFORMAT);
        CHECK_STR(err.msg, "stage broke");
        CHECK(!lg.out.len || !strstr(lg.out.data, "d600:"));
        wn_buf_release(&lg.out);
        pool_free(p);
    }
    wn_buf_release(&first);
}

TEST(feed_empty_input_commits_nothing)
{
    const char *path = feed_corpus("feed-empty.jsonl", 0);
    wn_error err;
    for (int jobs = 1; jobs <= 2; jobs++) {
        feed_log lg;
        feed_log_init(&lg);
        CHECK_INT(feed_run(jobs, path, &lg, &err), 1);
        CHECK_INT(lg.commits, 0);
        CHECK_INT(lg.taken, 0);
    }
    /* an input that cannot be opened: counted by input_each, 0 */
    feed_log lg;
    feed_log_init(&lg);
    CHECK_INT(feed_run(2, "/nonexistent/feed.jsonl", &lg, &err), 0);
    CHECK_INT(lg.commits, 0);
}

TEST(tally_reason_keys)
{
    wn_buf k = WN_BUF_INIT;
    tally_reason_key("gopher_quality:mean_word_length=2.1<3", 38, &k);
    CHECK_STR(k.data, "gopher_quality:mean_word_length");
    const char *nd = "near_duplicate:of=doc-9,jaccard=0.93";
    tally_reason_key(nd, strlen(nd), &k);
    CHECK_STR(k.data, "near_duplicate");
    tally_reason_key("odd reason with spaces", 22, &k);
    CHECK_STR(k.data, "odd_reason_with_spaces");
    tally_reason_key("", 0, &k);
    CHECK_STR(k.data, "unknown");
    wn_buf_release(&k);
}

TEST(tally_save_load_round_trip)
{
    const char *names[] = {"a", "b"};
    tally t, u;
    tally_init(&t);
    tally_init(&u);
    CHECK_INT(tally_set_stages(&t, names, 2), 0);
    CHECK_INT(tally_set_stages(&u, names, 2), 0);
    t.docs_read = 10;
    t.docs_kept = 7;
    t.input.docs = 10;
    t.input.bad_json = 2;
    t.stage_in[0] = 10;
    t.stage_rejected[0] = 1;
    t.stage_in[1] = 9;
    t.stage_rejected[1] = 2;
    tally_kv_add(&t.reasons, &t.nreasons, "a:x", 3, 1);
    tally_kv_add(&t.reasons, &t.nreasons, "b:y", 3, 2);
    char path[512];
    snprintf(path, sizeof path, "%s/t.counts", t_tmpdir());
    wn_error err;
    CHECK_INT(tally_save(&t, path, NULL, &err), 0);
    CHECK_INT(tally_load(&u, path, &err), 0);
    CHECK_INT(u.docs_read, 10);
    CHECK_INT(u.docs_kept, 7);
    CHECK_INT(u.input.bad_json, 2);
    CHECK_INT(u.stage_rejected[1], 2);
    CHECK_INT(u.nreasons, 2);
    /* counters written for other stages are refused */
    tally v;
    tally_init(&v);
    const char *other[] = {"a", "c"};
    tally_set_stages(&v, other, 2);
    CHECK(tally_load(&v, path, &err) < 0);
    tally_release(&t);
    tally_release(&u);
    tally_release(&v);
}

static void write_corpus(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/in.jsonl", dir);
    FILE *f = fopen(p, "w");
    for (int i = 0; i < 40; i++)
        fprintf(f, "{\"id\":\"d%d\",\"text\":\"%s %d\"}\n", i,
                i % 4 ? "some words here" : "short", i % 10);
    fclose(f);
}

static void slurp(const char *path, wn_buf *out)
{
    FILE *f = fopen(path, "rb");
    char tmp[4096];
    size_t k;
    wn_buf_reset(out);
    while (f && (k = fread(tmp, 1, sizeof tmp, f)) > 0)
        wn_buf_append(out, tmp, k);
    if (f)
        fclose(f);
}

static void do_run(const char *in, const char *out, const char *jobs,
                   uint64_t *read, uint64_t *kept, uint64_t *rej)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize");
    wn_config_set(c, "run.jobs", jobs);
    wn_run *r;
    wn_error err;
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    const char *inputs[] = {in};
    CHECK_INT(wn_run_exec(r, inputs, 1, out, &err), 0);
    wn_run_totals(r, read, kept, rej);
    wn_run_free(r);
    wn_config_free(c);
}

TEST(run_api_accounting_and_determinism)
{
    const char *dir = t_tmpdir();
    char in[512], o1[512], o2[512], p[600];
    write_corpus(dir);
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    snprintf(o1, sizeof o1, "%s/o1", dir);
    snprintf(o2, sizeof o2, "%s/o2", dir);
    uint64_t r1, k1, j1, r2, k2, j2;
    do_run(in, o1, "1", &r1, &k1, &j1);
    do_run(in, o2, "4", &r2, &k2, &j2);
    CHECK_INT(r1, 40);
    CHECK_INT(r1, k1 + j1);
    CHECK(j1 > 0); /* the copies are removed */
    CHECK_INT(k1, k2);
    wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT;
    snprintf(p, sizeof p, "%s/stats.json", o1);
    slurp(p, &a);
    snprintf(p, sizeof p, "%s/stats.json", o2);
    slurp(p, &b);
    CHECK(a.len > 100);
    CHECK_MEM(a.data, a.len, b.data, b.len);
    /* same OUTDIR, other options: refused */
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize");
    wn_config_set(c, "run.dedup", "0");
    wn_run *r;
    wn_error err;
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    const char *inputs[] = {in};
    CHECK_INT(wn_run_exec(r, inputs, 1, o1, &err), WN_EINVAL);
    wn_run_free(r);
    /* unknown options are refused at creation */
    wn_config_set(c, "run.nosuch", "1");
    CHECK_INT(wn_run_new(c, &r, &err), WN_EINVAL);
    wn_config_free(c);
    wn_buf_release(&a);
    wn_buf_release(&b);
}
