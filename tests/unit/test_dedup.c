/*
 * test_dedup.c - the staged dedup run (wn_dedup_run, wn_dedup_stage_run)
 * and the streaming mode, on small corpora written by the test.
 */
#include "t.h"
#include "../../src/dedup/dedup.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const vocab[] = {
    "market", "bank", "rate", "price", "said", "the", "of", "year",
    "trade", "oil", "company", "share", "profit", "group", "new", "government",
    "week", "month", "growth", "export", "deal", "talks", "minister", "board",
    "plan", "report", "analyst", "index", "fund", "stock", "bond", "dollar"};

/* n pseudo-random words; edits words at positions where (i % every == 1)
 * when every > 0. */
static void words(wn_buf *b, uint64_t seed, int n, int every)
{
    uint64_t s = seed * 2654435761ULL + 7;
    for (int i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        const char *w = vocab[(s >> 33) % 32];
        if (every && i % every == 1)
            w = "EDITED";
        wn_buf_printf(b, "%s%s%llu", i ? " " : "", w,
                      (unsigned long long)((s >> 50) % 7));
    }
}

static void add_doc(wn_buf *jsonl, const char *id, const char *date,
                    const char *text)
{
    wn_buf_puts(jsonl, "{\"id\":\"");
    wn_buf_puts(jsonl, id);
    wn_buf_puts(jsonl, "\",\"url\":\"http://x/");
    wn_buf_puts(jsonl, id);
    wn_buf_printf(jsonl, "\",\"date\":\"%s\",\"text\":", date);
    wn_json_put_string(jsonl, text, strlen(text));
    wn_buf_puts(jsonl, "}\n");
}

/* Document "d<i>": one of `distinct` texts, edited from edit_from on
 * (near copies of the earlier ones); t is scratch. */
static void numbered_doc(wn_buf *to, wn_buf *t, int i, int distinct,
                         int edit_from)
{
    char id[32];
    wn_buf_reset(t);
    words(t, (uint64_t)(i % distinct), 80, i >= edit_from ? 40 : 0);
    snprintf(id, sizeof id, "d%d", i);
    add_doc(to, id, "2001-01-01", t->data);
}

/* Shard 0: A, B, A' (exact, other spacing), C.  Shard 1: B' (near, 2 of
 * 200 words edited, longer), D, A again, B'' (near). */
static void corpus(const char **in)
{
    wn_buf s0 = WN_BUF_INIT, s1 = WN_BUF_INIT, t = WN_BUF_INIT;
    wn_buf a = WN_BUF_INIT;
    words(&a, 1, 200, 0);
    add_doc(&s0, "A", "2001-01-05", a.data);
    words(&t, 2, 200, 0);
    add_doc(&s0, "B", "2001-01-03", t.data);
    wn_buf_reset(&t);
    wn_buf_printf(&t, "  %s\n\n", a.data);
    add_doc(&s0, "A2", "2001-01-01", t.data);
    wn_buf_reset(&t);
    words(&t, 3, 200, 0);
    add_doc(&s0, "C", "2001-01-01", t.data);
    wn_buf_reset(&t);
    words(&t, 2, 200, 100);
    wn_buf_puts(&t, " and some more words at the end");
    add_doc(&s1, "B2", "2001-01-01", t.data);
    wn_buf_reset(&t);
    words(&t, 4, 200, 0);
    add_doc(&s1, "D", "2001-01-01", t.data);
    add_doc(&s1, "A3", "2001-01-09", a.data);
    wn_buf_reset(&t);
    words(&t, 2, 200, 150);
    add_doc(&s1, "B3", "2001-01-02", t.data);
    in[0] = strdup(t_write_file("s0.jsonl", s0.data, s0.len));
    in[1] = strdup(t_write_file("s1.jsonl", s1.data, s1.len));
    wn_buf_release(&s0);
    wn_buf_release(&s1);
    wn_buf_release(&t);
    wn_buf_release(&a);
}

static char *slurp(const char *path)
{
    wn_buf b = WN_BUF_INIT;
    FILE *f = fopen(path, "rb");
    char tmp[4096];
    size_t n;
    if (!f)
        return strdup("(missing)");
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        wn_buf_append(&b, tmp, n);
    fclose(f);
    wn_buf_putc(&b, 0);
    return b.data;
}

typedef struct result {
    char *out[2], *rej;
    wn_dedup_stats st;
    int rc;
} result;

static void result_free(result *r)
{
    free(r->out[0]);
    free(r->out[1]);
    free(r->rej);
}

/* One directory per test (t_tmpdir gives a new one per call). */
static char tdir[320];
static const char *dir(void)
{
    if (!tdir[0])
        snprintf(tdir, sizeof tdir, "%s", t_tmpdir());
    return tdir;
}

static result run(const char **in, const char *tag, const char *k1,
                  const char *v1, const char *k2, const char *v2)
{
    /* st.size is read by the library (versioned struct): never garbage */
    result r = {.st = WN_DEDUP_STATS_INIT};
    char wd[600], o0[600], o1[600], rj[600];
    wn_error err;
    wn_config *cfg = wn_config_new();
    if (k1)
        wn_config_set(cfg, k1, v1);
    if (k2)
        wn_config_set(cfg, k2, v2);
    snprintf(wd, sizeof wd, "%s/%s", dir(), tag);
    snprintf(o0, sizeof o0, "%s/%s.o0.jsonl", dir(), tag);
    snprintf(o1, sizeof o1, "%s/%s.o1.jsonl", dir(), tag);
    snprintf(rj, sizeof rj, "%s/%s.rej.jsonl", dir(), tag);
    const char *outs[2] = {o0, o1};
    r.rc = wn_dedup_run(cfg, in, 2, wd, outs, rj, &r.st, &err);
    r.out[0] = slurp(o0);
    r.out[1] = slurp(o1);
    r.rej = slurp(rj);
    wn_config_free(cfg);
    return r;
}

static int has(const char *hay, const char *needle)
{
    return strstr(hay, needle) != NULL;
}

TEST(dedup_exact_and_near)
{
    const char *in[2];
    corpus(in);
    result r = run(in, "basic", NULL, NULL, NULL, NULL);
    CHECK_INT(r.rc, 0);
    CHECK_INT(r.st.docs, 8);
    CHECK_INT(r.st.kept, 4); /* A, B, C, D */
    CHECK_INT(r.st.exact_dups, 2);
    CHECK_INT(r.st.near_dups, 2);
    CHECK_INT(r.st.groups, 2);
    CHECK(has(r.out[0], "\"id\":\"A\"") && has(r.out[0], "\"id\":\"B\""));
    CHECK(has(r.out[0], "\"id\":\"C\"") && has(r.out[1], "\"id\":\"D\""));
    CHECK(!has(r.out[0], "{\"id\":\"A2\",\"url\":\"http://x/A2\",\"date"));
    CHECK(!has(r.out[1], "{\"id\":\"B2\",\"url\":\"http://x/B2\",\"date"));
    CHECK(has(r.rej, "\"reject_reason\":\"exact_duplicate:of=A\""));
    CHECK(has(r.rej, "\"reject_reason\":\"near_duplicate:of=B,jaccard=0.9"));
    CHECK(has(r.out[0], "\"duplicates\":[{\"id\":\"A2\",\"url\":\"http://x/"
                        "A2\"},{\"id\":\"A3\""));
    CHECK(has(r.out[0], "\"duplicate_count\":2"));
    /* rejects come in input order: A2 (shard 0) before B2 (shard 1) */
    CHECK(strstr(r.rej, "\"A2\"") < strstr(r.rej, "\"B2\""));
    result_free(&r);

    r = run(in, "exactonly", "dedup.near", "0", NULL, NULL);
    CHECK_INT(r.st.exact_dups, 2);
    CHECK_INT(r.st.near_dups, 0);
    CHECK_INT(r.st.kept, 6);
    result_free(&r);
    free((void *)in[0]);
    free((void *)in[1]);
}

TEST(dedup_keep_policies)
{
    const char *in[2];
    corpus(in);
    result r = run(in, "longest", "dedup.keep", "longest", NULL, NULL);
    CHECK_INT(r.rc, 0);
    CHECK(has(r.out[1], "{\"id\":\"B2\",\"url\":\"http://x/B2\",\"date"));
    CHECK(has(r.rej, "near_duplicate:of=B2"));
    result_free(&r);
    r = run(in, "earliest", "dedup.keep", "earliest", NULL, NULL);
    CHECK(has(r.out[0], "{\"id\":\"A2\",\"url\":\"http://x/A2\",\"date"));
    CHECK(has(r.rej, "exact_duplicate:of=A2"));
    CHECK(has(r.out[1], "{\"id\":\"B2\",\"url\":\"http://x/B2\",\"date"));
    result_free(&r);
    free((void *)in[0]);
    free((void *)in[1]);
}

TEST(dedup_verify_threshold)
{
    const char *in[2];
    corpus(in);
    /* B3 edits 2 of 200 words: J ~ 0.90; a threshold of 0.95 refutes it */
    result r = run(in, "vx", "dedup.verify", "exact", "dedup.threshold",
                   "0.95");
    CHECK_INT(r.rc, 0);
    CHECK_INT(r.st.near_dups, 0);
    CHECK(r.st.refuted_pairs > 0);
    result_free(&r);
    r = run(in, "vx2", "dedup.verify", "exact", NULL, NULL);
    CHECK_INT(r.st.near_dups, 2);
    CHECK(has(r.rej, "near_duplicate:of=B,jaccard=0.9"));
    result_free(&r);
    r = run(in, "ve", "dedup.verify", "estimate", NULL, NULL);
    CHECK_INT(r.st.near_dups, 2);
    result_free(&r);
    free((void *)in[0]);
    free((void *)in[1]);
}

TEST(dedup_deterministic_across_threads_and_spill)
{
    const char *in[2];
    corpus(in);
    result a = run(in, "t1", "dedup.threads", "1", NULL, NULL);
    result b = run(in, "t2", "dedup.threads", "2", "dedup.partitions", "16");
    /* 1 KiB: each sort gets 512 bytes, spills runs of 32 records */
    result c = run(in, "sp", "dedup.memory", "1024", "dedup.partitions", "1");
    CHECK_INT(a.rc, 0);
    CHECK_INT(b.rc, 0);
    CHECK_INT(c.rc, 0);
    CHECK_STR(a.out[0], b.out[0]);
    CHECK_STR(a.out[1], b.out[1]);
    CHECK_STR(a.rej, b.rej);
    CHECK_STR(a.out[0], c.out[0]);
    CHECK_STR(a.rej, c.rej);
    CHECK_INT(a.st.spilled_runs, 0);
    CHECK(c.st.spilled_runs > 0);
    result_free(&a);
    result_free(&b);
    result_free(&c);
    free((void *)in[0]);
    free((void *)in[1]);
}

/* A shard of several batches (feed_work reads 256 documents a batch) with
 * exact and near copies across batch boundaries: the unit's own threads
 * give the same files as one. */
TEST(dedup_large_shard_same_across_threads)
{
    wn_buf s0 = WN_BUF_INIT, s1 = WN_BUF_INIT, t = WN_BUF_INIT;
    for (int i = 0; i < 700; i++)
        numbered_doc(&s0, &t, i, 230, 460);
    add_doc(&s1, "e0", "2001-01-01", t.data);
    const char *in[2] = {strdup(t_write_file("big0.jsonl", s0.data, s0.len)),
                         strdup(t_write_file("big1.jsonl", s1.data, s1.len))};
    result a = run(in, "bt1", "dedup.threads", "1", NULL, NULL);
    result b = run(in, "bt5", "dedup.threads", "5", NULL, NULL);
    CHECK_INT(a.rc, 0);
    CHECK_INT(b.rc, 0);
    CHECK_INT(a.st.docs, 701);
    CHECK(a.st.exact_dups > 200 && a.st.near_dups > 100);
    CHECK_INT(a.st.kept, b.st.kept);
    CHECK_STR(a.out[0], b.out[0]);
    CHECK_STR(a.out[1], b.out[1]);
    CHECK_STR(a.rej, b.rej);
    result_free(&a);
    result_free(&b);
    wn_buf_release(&s0);
    wn_buf_release(&s1);
    wn_buf_release(&t);
    free((void *)in[0]);
    free((void *)in[1]);
}

/* in rewritten as winnow writes JSONL (canonical), into out. */
static void canonical(const char *in, const char *out)
{
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_reader *rd;
    wn_writer *w;
    wn_doc d = WN_DOC_INIT;
    wn_error err;
    if (wn_reader_open(in, &ro, &rd, &err) ||
        wn_writer_open(out, WN_OUT_JSONL, &w, &err))
        return;
    while (wn_reader_next(rd, &d, &err) == WN_DOC)
        wn_writer_write(w, &d, &err);
    wn_writer_close(w, &err);
    wn_reader_close(rd);
    wn_doc_release(&d);
}

/* dedup.verbatim on JSONL as winnow writes it: the same bytes as parsing
 * and rewriting, also for a line that already has "reject_reason" (parsed
 * then), past a blank line and a bad one (skipped as the sig stage
 * skipped them). */
TEST(dedup_verbatim_same_bytes)
{
    const char *raw[2];
    corpus(raw);
    char c0[600], c1[600];
    snprintf(c0, sizeof c0, "%s/canon0.jsonl.zst", dir());
    snprintf(c1, sizeof c1, "%s/canon1.jsonl", dir());
    canonical(raw[0], c0);
    canonical(raw[1], c1);
    char *t1 = slurp(c1);
    wn_buf b = WN_BUF_INIT;
    wn_buf_puts(&b, t1);
    wn_buf_puts(&b, "\n{not json}\n");
    /* a copy of A3 with a "reject_reason" of its own */
    const char *a2 = strstr(t1, "{\"id\":\"A3\"");
    const char *nl = a2 ? strchr(a2, '\n') : NULL;
    if (a2 && nl) {
        wn_buf_append(&b, a2, (size_t)(nl - a2 - 1));
        wn_buf_puts(&b, ",\"reject_reason\":\"old\"}\n");
    }
    free(t1);
    FILE *f = fopen(c1, "wb");
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    wn_buf_release(&b);
    const char *in[2] = {c0, c1};
    result a = run(in, "vb0", "dedup.verbatim", "0", NULL, NULL);
    result v = run(in, "vb1", "dedup.verbatim", "1", NULL, NULL);
    CHECK_INT(a.rc, 0);
    CHECK_INT(v.rc, 0);
    CHECK_INT(a.st.docs, 9);
    CHECK_INT(a.st.kept, v.st.kept);
    CHECK(has(a.out[0], "\"duplicate_count\":"));
    CHECK(!has(v.rej, "\"old\""));
    CHECK_STR(a.out[0], v.out[0]);
    CHECK_STR(a.out[1], v.out[1]);
    CHECK_STR(a.rej, v.rej);
    result_free(&a);
    result_free(&v);
    free((void *)raw[0]);
    free((void *)raw[1]);
}

/* dedup.verbatim with the unit's own threads: the shingles stage hands
 * the marked lines to workers in batches (more than one here, with copies
 * across batch boundaries) and the filter reads ahead; the files are the
 * same as with one thread and as without verbatim. */
TEST(dedup_verbatim_same_across_threads)
{
    wn_buf s0 = WN_BUF_INIT, s1 = WN_BUF_INIT, t = WN_BUF_INIT;
    char c0[600], c1[600];
    for (int i = 0; i < 700; i++)
        numbered_doc(&s0, &t, i, 230, 460);
    add_doc(&s1, "e0", "2001-01-01", t.data);
    snprintf(c0, sizeof c0, "%s/vbig0.jsonl.zst", dir());
    snprintf(c1, sizeof c1, "%s/vbig1.jsonl", dir());
    canonical(t_write_file("vraw0.jsonl", s0.data, s0.len), c0);
    canonical(t_write_file("vraw1.jsonl", s1.data, s1.len), c1);
    const char *in[2] = {c0, c1};
    result a = run(in, "vt0", "dedup.threads", "1", NULL, NULL);
    result v1 = run(in, "vt1", "dedup.threads", "1", "dedup.verbatim", "1");
    result v5 = run(in, "vt5", "dedup.threads", "5", "dedup.verbatim", "1");
    CHECK_INT(a.rc, 0);
    CHECK_INT(v1.rc, 0);
    CHECK_INT(v5.rc, 0);
    CHECK_INT(a.st.docs, 701);
    CHECK(a.st.exact_dups > 200 && a.st.near_dups > 100);
    CHECK_INT(v1.st.kept, a.st.kept);
    CHECK_INT(v5.st.kept, a.st.kept);
    CHECK_INT(v5.st.near_dups, a.st.near_dups);
    CHECK_STR(v1.out[0], a.out[0]);
    CHECK_STR(v5.out[0], a.out[0]);
    CHECK_STR(v5.out[1], a.out[1]);
    CHECK_STR(v1.rej, a.rej);
    CHECK_STR(v5.rej, a.rej);
    result_free(&a);
    result_free(&v1);
    result_free(&v5);
    wn_buf_release(&s0);
    wn_buf_release(&s1);
    wn_buf_release(&t);
}

/* Lookups by gid read mapped work files up to a budget, then by pread
 * through a cache: both paths give the same decisions and bytes. */
TEST(dedup_lookups_mapped_or_read)
{
    wn_buf s0 = WN_BUF_INIT, s1 = WN_BUF_INIT, t = WN_BUF_INIT;
    char c0[600], c1[600];
    for (int i = 0; i < 400; i++)
        numbered_doc(i % 3 ? &s0 : &s1, &t, i, 150, 300);
    snprintf(c0, sizeof c0, "%s/lk0.jsonl", dir());
    snprintf(c1, sizeof c1, "%s/lk1.jsonl.zst", dir());
    canonical(t_write_file("lkraw0.jsonl", s0.data, s0.len), c0);
    canonical(t_write_file("lkraw1.jsonl", s1.data, s1.len), c1);
    const char *in[2] = {c0, c1};
    result m = run(in, "lkm", "dedup.threads", "2", NULL, NULL);
    dd_lookup_map_budget(0);
    result r = run(in, "lkr", "dedup.threads", "2", NULL, NULL);
    dd_lookup_map_budget((size_t)64 << 20);
    CHECK_INT(m.rc, 0);
    CHECK_INT(r.rc, 0);
    CHECK(m.st.exact_dups > 100 && m.st.near_dups > 50);
    CHECK_INT(r.st.kept, m.st.kept);
    CHECK_INT(r.st.near_dups, m.st.near_dups);
    CHECK_STR(r.out[0], m.out[0]);
    CHECK_STR(r.out[1], m.out[1]);
    CHECK_STR(r.rej, m.rej);
    result_free(&m);
    result_free(&r);
    wn_buf_release(&s0);
    wn_buf_release(&s1);
    wn_buf_release(&t);
}

/* What winnow run's final copy does with dedup.changes (the format in
 * src/dedup/changes.h): the input's lines, a removed one
 * skipped, a keeper's members spliced before its closing brace, a
 * rewritten one replaced. */
static char *apply_changes(const char *input, const char *changes)
{
    wn_buf o = WN_BUF_INIT;
    const char *c = changes;
    for (const char *l = input; *l;) {
        const char *e = strchr(l, '\n');
        size_t n = e ? (size_t)(e - l) : strlen(l);
        unsigned long long at = (unsigned long long)(l - input);
        char *ce;
        if (*c && strtoull(c, &ce, 10) == at) {
            const char *cl = strchr(ce, '\n');
            size_t cn = cl ? (size_t)(cl - ce) : strlen(ce);
            if (cn > 2 && ce[1] == '+') {
                wn_buf_append(&o, l, n - 1);
                wn_buf_putc(&o, ',');
                wn_buf_append(&o, ce + 2, cn - 2);
                wn_buf_puts(&o, "}\n");
            } else if (cn > 2 && ce[1] == '=') {
                wn_buf_append(&o, ce + 2, cn - 2);
                wn_buf_putc(&o, '\n');
            }
            c = cl ? cl + 1 : ce + cn;
        } else if (n) {
            wn_buf_append(&o, l, n);
            wn_buf_putc(&o, '\n');
        }
        l = e ? e + 1 : l + n;
    }
    wn_buf_putc(&o, 0);
    return o.data;
}

/* dedup.changes gives what rebuilds the verbatim output from the input,
 * with the same rejects; a line that already has "duplicates" is written
 * whole ("="); without dedup.verbatim it is refused. */
TEST(dedup_changes_rebuild_verbatim_output)
{
    const char *raw[2];
    corpus(raw);
    char c[2][600];
    for (int i = 0; i < 2; i++) {
        snprintf(c[i], sizeof c[i], "%s/chg%d.jsonl", dir(), i);
        canonical(raw[i], c[i]);
    }
    /* A, the keeper of A2 and A3, says it has copies already */
    char *t0 = slurp(c[0]);
    char *nl = strchr(t0, '\n');
    wn_buf b = WN_BUF_INIT;
    if (nl && nl > t0 && nl[-1] == '}') {
        wn_buf_append(&b, t0, (size_t)(nl - t0 - 1));
        wn_buf_puts(&b, ",\"duplicates\":[]}");
        wn_buf_puts(&b, nl);
    }
    FILE *f = fopen(c[0], "wb");
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    const char *in[2] = {c[0], c[1]};
    result v = run(in, "cv", "dedup.verbatim", "1", NULL, NULL);
    result ch = run(in, "cc", "dedup.verbatim", "1", "dedup.changes", "1");
    result bad = run(in, "cb", "dedup.changes", "1", NULL, NULL);
    CHECK_INT(v.rc, 0);
    CHECK_INT(ch.rc, 0);
    CHECK_INT(bad.rc, WN_EINVAL);
    CHECK_INT(v.st.kept, ch.st.kept);
    CHECK(v.st.exact_dups + v.st.near_dups > 0);
    CHECK(has(ch.out[0], " =") && has(ch.out[0], " +"));
    CHECK_STR(v.rej, ch.rej);
    for (int i = 0; i < 2; i++) {
        char *inp = slurp(c[i]);
        char *got = apply_changes(inp, ch.out[i]);
        CHECK_STR(got, v.out[i]);
        free(got);
        free(inp);
    }
    result_free(&v);
    result_free(&ch);
    result_free(&bad);
    wn_buf_release(&b);
    free(t0);
    free((void *)raw[0]);
    free((void *)raw[1]);
}

TEST(dedup_resume_and_stages)
{
    const char *in[2];
    corpus(in);
    result a = run(in, "res", NULL, NULL, NULL, NULL);
    result b = run(in, "res", NULL, NULL, NULL, NULL); /* same workdir */
    CHECK_INT(b.rc, 0);
    CHECK(b.st.skipped_units > 0);
    CHECK_INT(b.st.kept, a.st.kept);
    CHECK_INT(b.st.near_dups, a.st.near_dups);
    CHECK_STR(a.rej, b.rej);
    /* other options in the same workdir are refused */
    result c = run(in, "res", "dedup.ngram", "3", NULL, NULL);
    CHECK_INT(c.rc, WN_EINVAL);
    result_free(&b);
    result_free(&c);

    /* stage by stage, unit by unit, as a scheduler would */
    char wd[600], o0[600], o1[600], rj[600];
    wn_error err;
    snprintf(wd, sizeof wd, "%s/bystage", dir());
    snprintf(o0, sizeof o0, "%s/bystage.o0.jsonl", dir());
    snprintf(o1, sizeof o1, "%s/bystage.o1.jsonl", dir());
    snprintf(rj, sizeof rj, "%s/bystage.rej.jsonl", dir());
    const char *outs[2] = {o0, o1};
    for (int s = 0; s < WN_DEDUP_NSTAGES; s++) {
        unsigned n = wn_dedup_stage_units(NULL, s, 2);
        CHECK(n >= 1);
        for (unsigned u = n; u-- > 0;) /* any order within a stage */
            CHECK_INT(wn_dedup_stage_run(NULL, s, u, in, 2, wd, outs, NULL,
                                         &err), 0);
    }
    CHECK_INT(wn_dedup_collect_rejects(wd, 2, rj, &err), 0);
    char *x = slurp(o0), *y = slurp(rj);
    CHECK_STR(x, a.out[0]);
    CHECK_STR(y, a.rej);
    free(x);
    free(y);
    CHECK_INT(wn_dedup_stage_parse("pairs"), WN_DEDUP_PAIRS);
    CHECK_INT(wn_dedup_stage_parse("nope"), -1);
    /* a later stage before its inputs exist fails cleanly */
    snprintf(wd, sizeof wd, "%s/early", dir());
    CHECK(wn_dedup_stage_run(NULL, WN_DEDUP_CLUSTER, 0, in, 2, wd, outs,
                             NULL, &err) < 0);
    result_free(&a);
    free((void *)in[0]);
    free((void *)in[1]);
}

/* Offsets of shard s's shingle index (shx-S.bin) into x[0..n). */
static size_t read_shx(const char *wd, int s, uint64_t *x, size_t n)
{
    char p[700];
    snprintf(p, sizeof p, "%s/shx-%05d.bin", wd, s);
    FILE *f = fopen(p, "rb");
    size_t got = f ? fread(x, sizeof *x, n, f) : 0;
    if (f)
        fclose(f);
    return got;
}

/* Only documents named by a candidate pair get shingle fingerprints:
 * C (shard 0) and D (shard 1) resemble nothing, so theirs are empty; the
 * band files are gone once the pairs stage is done. */
TEST(dedup_shingles_of_pair_members)
{
    const char *in[2];
    corpus(in);
    char wd[600], o0[600], o1[600], p[700];
    wn_error err;
    snprintf(wd, sizeof wd, "%s/members", dir());
    snprintf(o0, sizeof o0, "%s/members.o0.jsonl", dir());
    snprintf(o1, sizeof o1, "%s/members.o1.jsonl", dir());
    const char *outs[2] = {o0, o1};
    for (int s = 0; s <= WN_DEDUP_SHINGLES; s++)
        for (unsigned u = 0; u < wn_dedup_stage_units(NULL, s, 2); u++)
            CHECK_INT(wn_dedup_stage_run(NULL, s, u, in, 2, wd, outs, NULL,
                                         &err), 0);
    snprintf(p, sizeof p, "%s/bnd-00000-000.bin", wd);
    CHECK(access(p, F_OK) != 0);
    uint64_t x[8];
    CHECK_INT(read_shx(wd, 0, x, 8), 5); /* A, B, A2, C */
    CHECK(x[0] < x[1] && x[1] < x[2] && x[2] < x[3]);
    CHECK(x[3] == x[4]);
    CHECK_INT(read_shx(wd, 1, x, 8), 5); /* B2, D, A3, B3 */
    CHECK(x[0] < x[1] && x[1] == x[2] && x[2] < x[3] && x[3] < x[4]);
    free((void *)in[0]);
    free((void *)in[1]);
}

TEST(dedup_bad_options)
{
    wn_error err;
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "dedup.keep", "random");
    CHECK_INT(wn_dedup_check_config(cfg, &err), WN_EINVAL);
    wn_config_set(cfg, "dedup.keep", "first");
    wn_config_set(cfg, "dedup.bogus", "1");
    CHECK_INT(wn_dedup_check_config(cfg, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "dedup.bogus") != NULL);
    wn_config_free(cfg);
    cfg = wn_config_new();
    wn_config_set(cfg, "dedup.bands", "100");
    wn_config_set(cfg, "dedup.rows", "100");
    CHECK_INT(wn_dedup_check_config(cfg, &err), WN_EINVAL);
    wn_config_free(cfg);
    const char *k, *d, *h;
    size_t n = 0;
    while (wn_dedup_option_at(n, &k, &d, &h))
        n++;
    CHECK(n >= 10);
}

TEST(dedup_streaming)
{
    wn_error err;
    wn_dedup_stream *s;
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "dedup.memory", "1M");
    CHECK_INT(wn_dedup_stream_new(cfg, &s, &err), 0);
    wn_buf_set(&d.id, "a", 1);
    words(&d.text, 1, 200, 0);
    CHECK_INT(wn_dedup_stream_check(s, &d, &reason), 1);
    wn_buf_set(&d.id, "b", 1);
    CHECK_INT(wn_dedup_stream_check(s, &d, &reason), 0);
    CHECK_STR(reason.data, "exact_duplicate:of=a");
    wn_buf_set(&d.id, "c", 1);
    wn_buf_reset(&d.text);
    words(&d.text, 1, 200, 100);
    CHECK_INT(wn_dedup_stream_check(s, &d, &reason), 0);
    CHECK(strncmp(reason.data, "near_duplicate:of=a,jaccard=", 28) == 0);
    wn_buf_set(&d.id, "e", 1);
    wn_buf_reset(&d.text);
    words(&d.text, 9, 200, 0);
    CHECK_INT(wn_dedup_stream_check(s, &d, &reason), 1);
    wn_dedup_stream_free(s);
    wn_config_free(cfg);
    wn_doc_release(&d);
    wn_buf_release(&reason);
}

/* For dd_path_out_of_memory_is_empty: the next wn_buf growth fails. */
static int grow_fails;
static int fail_growth(int site)
{
    return site == FAULT_ALLOC && grow_fails && grow_fails-- == 1;
}

/* dd_path out of memory: the path is "", which every open refuses, never
 * NULL (open(NULL) is undefined; a fault sweep found it in the lookups),
 * and the buffer stays usable. */
TEST(dd_path_out_of_memory_is_empty)
{
    wn_buf p = WN_BUF_INIT;
    fault_hook = fail_growth;
    grow_fails = 1;
    CHECK_INT(dd_path(&p, "/nonexistent-dir", "sig-%05u.bin", 3u), WN_ENOMEM);
    CHECK(p.data != NULL);
    CHECK_STR(p.data ? p.data : "(null)", "");
    CHECK(open(p.data ? p.data : "", O_RDONLY) < 0);
    CHECK_INT(dd_path(&p, "d", "x-%u", 1u), 0);
    CHECK_STR(p.data, "d/x-1");
    /* a buffer with room too small for the path: "" as well */
    char dir[200];
    memset(dir, 'd', sizeof dir - 1);
    dir[sizeof dir - 1] = '\0';
    CHECK(p.alloc < sizeof dir);
    grow_fails = 1;
    CHECK_INT(dd_path(&p, dir, "sig-%05u.bin", 3u), WN_ENOMEM);
    fault_hook = NULL;
    CHECK_STR(p.data, "");
    CHECK_INT((int)p.len, 0);
    wn_buf_release(&p);
}
