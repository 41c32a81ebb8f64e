/*
 * test_api.c - the promises of the public header about its own shape:
 * structs a caller fills or lends carry their size, so a program built
 * against an older, shorter struct keeps working (the library reads and
 * writes no field past the caller's size); the engine through the stable
 * API alone.
 */
#include "t.h"

#include <stddef.h>

TEST(api_reader_opts_older_struct)
{
    /* an "older" caller knew format and text_field only: the library uses
     * its own defaults for the rest, whatever the bytes after them hold */
    wn_reader_opts o;
    memset(&o, 0xAB, sizeof o);
    o.size = offsetof(wn_reader_opts, max_record);
    o.format = WN_FMT_JSONL;
    o.text_field = "body";
    const char in[] = "{\"body\":\"hello\"}\n";
    wn_reader *r;
    wn_error err;
    CHECK_INT(wn_reader_open_mem(in, sizeof in - 1, "m", &o, &r, &err), 0);
    wn_doc d = WN_DOC_INIT;
    CHECK_INT(wn_reader_next(r, &d, &err), WN_DOC);
    CHECK_MEM(d.text.data, d.text.len, "hello", 5);
    wn_reader_close(r);
    wn_doc_release(&d);
}

TEST(api_dedup_stats_older_struct)
{
    /* the library counts no field past the caller's size */
    static const char two[] =
        "{\"id\":\"a\",\"text\":\"one two three four five six\"}\n"
        "{\"id\":\"b\",\"text\":\"one two three four five six\"}\n";
    const char *p = t_write_file("d.jsonl", two, sizeof two - 1);
    char outp[600], wd[600];
    snprintf(outp, sizeof outp, "%s/d.out.jsonl", t_tmpdir());
    snprintf(wd, sizeof wd, "%s/work", t_tmpdir());
    struct {
        wn_dedup_stats st;
        unsigned char guard[64];
    } s;
    memset(&s, 0x5A, sizeof s);
    s.st.size = offsetof(wn_dedup_stats, exact_dups);
    s.st.docs = s.st.text_bytes = s.st.kept = 0;
    const char *ins[] = {p}, *outs[] = {outp};
    wn_error err;
    CHECK_INT(wn_dedup_run(NULL, ins, 1, wd, outs, NULL, &s.st, &err), 0);
    CHECK_INT(s.st.docs, 2);
    CHECK_INT(s.st.kept, 1);
    /* exact_dups and everything after it belong to a newer header */
    const unsigned char *b = (const unsigned char *)&s.st.exact_dups;
    int untouched = 1;
    for (size_t i = 0; i < sizeof s - offsetof(wn_dedup_stats, exact_dups); i++)
        untouched &= b[i] == 0x5A;
    CHECK(untouched);
}

TEST(api_engine_stable)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize,clean");
    wn_engine *e;
    wn_error err;
    CHECK_INT(wn_engine_new(c, &e, &err), 0);
    CHECK_INT(wn_engine_nstages(e), 2);
    static const char docs[] =
        "{\"text\":\"The council met on Tuesday to vote on the plan.\"}\n"
        "{\"text\":\"Share this article\"}\n";
    const char *p = t_write_file("e.jsonl", docs, sizeof docs - 1);
    const char *ins[] = {p};
    CHECK_INT(wn_engine_exec(e, ins, 1, &err), 0);
    uint64_t r, k, j;
    wn_engine_totals(e, &r, &k, &j);
    CHECK_INT(r, 2);
    CHECK_INT(k + j, 2);
    wn_buf js = WN_BUF_INIT;
    CHECK_INT(wn_engine_stats_json(e, &js), 0);
    CHECK(strstr(js.data, "\"documents\":{\"read\":2") != NULL);
    wn_buf_release(&js);
    wn_engine_free(e);
    /* a bad value is refused once, naming the option */
    wn_config_set(c, "run.jobs", "many");
    CHECK_INT(wn_engine_new(c, &e, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "run.jobs") != NULL);
    wn_config_free(c);
}

static void count_warn(void *ctx, const wn_error *w)
{
    (void)w;
    ++*(int *)ctx;
}

/* An input rewritten between the first pass and the main pass is
 * reported and counted (inputs_changed), and still read; an unchanged one
 * is not. */
TEST(api_engine_input_changed_between_passes)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "site_lines");
    wn_engine *e;
    wn_error err;
    CHECK_INT(wn_engine_new(c, &e, &err), 0);
    int warned = 0;
    wn_engine_set_warn(e, count_warn, &warned);
    static const char a[] = "{\"text\":\"one line\"}\n";
    static const char b[] = "{\"text\":\"two\"}\n{\"text\":\"three\"}\n";
    const char *p = t_write_file("chg.jsonl", a, sizeof a - 1);
    const char *q = t_write_file("same.jsonl", a, sizeof a - 1);
    const char *ins[] = {p, q};
    CHECK_INT(wn_engine_observe(e, ins, 2, &err), 0);
    FILE *f = fopen(p, "wb"); /* rewritten in place */
    CHECK(f && fwrite(b, 1, sizeof b - 1, f) == sizeof b - 1);
    if (f)
        fclose(f);
    CHECK_INT(wn_engine_process(e, p, &err), 1);
    CHECK_INT(wn_engine_process(e, q, &err), 1);
    CHECK_INT(wn_engine_input_stats(e)->inputs_changed, 1);
    CHECK_INT(warned, 1);
    uint64_t r;
    wn_engine_totals(e, &r, NULL, NULL);
    CHECK_INT(r, 3); /* what the file holds now is read */
    wn_engine_free(e);
    wn_config_free(c);
}
