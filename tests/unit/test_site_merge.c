/*
 * test_site_merge.c - site_lines' first pass split in shares (save/merge,
 * as a distributed run does it) decides every line as one pass over the
 * whole corpus does, and damaged saves are refused.
 */
#include "t.h"

#include "../../src/pipeline/stage_api.h"

enum { NSITES = 3, NPAGES = 12, NDOCS = NSITES * NPAGES };

/* Letters for n: the stage maps digits to 0, so numbers would not make
 * lines distinct. */
static void letters(unsigned n, wn_buf *b)
{
    do {
        wn_buf_putc(b, (char)('a' + n % 26));
        n /= 26;
    } while (n);
}

/* Page p of site s: a header on every page, a footer on two pages in
 * three, a promotion on one page in four, a slogan every site prints, and
 * lines of its own. */
static void make_doc(int i, wn_doc *d)
{
    int s = i % NSITES, p = i / NSITES;
    wn_doc_reset(d);
    wn_buf_printf(&d->url, "https://www.site-%c.example/news/%d", 'a' + s,
                  p);
    wn_buf_printf(&d->text, "Site %c home | news | about\n", 'A' + s);
    wn_buf_puts(&d->text, "Welcome to the open web\n");
    for (int k = 0; k < 3; k++) {
        wn_buf_puts(&d->text, "Story ");
        letters((unsigned)(i * 7 + k), &d->text);
        wn_buf_puts(&d->text, " tells its own tale\n");
    }
    if (p % 4 == 1)
        wn_buf_printf(&d->text, "Subscribe to site %c today\n", 'A' + s);
    if (p % 3)
        wn_buf_printf(&d->text, "Copyright site %c, all rights reserved\n",
                      'A' + s);
}

static wn_stage *new_site(const wn_config *cfg)
{
    wn_stage *st = NULL;
    wn_error err;
    CHECK_INT(wn_stage_new("site_lines", cfg, &st, &err), 0);
    return st;
}

static void *state_of(wn_stage *st)
{
    return stage_api_state(st, stage_find("site_lines"));
}

/* Observes the documents i with i % nparts == part into a new handle. */
static wn_stage *observe_share(const wn_config *cfg, int part, int nparts)
{
    wn_stage *st = new_site(cfg);
    wn_doc d = WN_DOC_INIT;
    for (int i = part; i < NDOCS; i += nparts) {
        make_doc(i, &d);
        CHECK_INT(wn_stage_observe(st, &d), 0);
    }
    wn_doc_release(&d);
    return st;
}

static void save_share(const wn_config *cfg, int part, int nparts,
                       wn_buf *out)
{
    wn_stage *st = observe_share(cfg, part, nparts);
    CHECK_INT(stage_find("site_lines")->save(state_of(st), out), 0);
    wn_stage_free(st);
}

typedef struct verdicts {
    wn_buf all; /* "rule|line\n" per line of every document */
    size_t dropped, kept;
} verdicts;

static void on_line(void *ctx, const char *line, size_t n, const char *rule)
{
    verdicts *v = ctx;
    wn_buf_printf(&v->all, "%s|%.*s\n", rule ? rule : "", (int)n, line);
    if (n)
        *(rule ? &v->dropped : &v->kept) += 1;
}

static void decide_all(wn_stage *st, verdicts *v)
{
    wn_error err;
    CHECK_INT(wn_stage_prepare(st, &err), 0);
    memset(v, 0, sizeof *v);
    wn_doc d = WN_DOC_INIT;
    for (int i = 0; i < NDOCS; i++) {
        make_doc(i, &d);
        CHECK_INT(wn_clean_lines(st, &d, NULL, on_line, v), 1);
    }
    wn_doc_release(&d);
}

/* Merges the saves in order into a fresh handle and decides every line. */
static void merged_verdicts(const wn_config *cfg, wn_buf *saves, int n,
                            verdicts *v)
{
    wn_stage *st = new_site(cfg);
    wn_error err;
    for (int k = 0; k < n; k++)
        CHECK_INT(stage_find("site_lines")->merge(state_of(st), saves[k].data,
                                                  saves[k].len, &err),
                  0);
    decide_all(st, v);
    wn_stage_free(st);
}

static void check_split(const wn_config *cfg)
{
    verdicts whole, two, three, rev;
    wn_stage *st = observe_share(cfg, 0, 1);
    decide_all(st, &whole);
    wn_stage_free(st);
    CHECK(whole.dropped > 0 && whole.kept > 0);
    wn_buf saves[3] = {WN_BUF_INIT, WN_BUF_INIT, WN_BUF_INIT};
    for (int k = 0; k < 2; k++)
        save_share(cfg, k, 2, &saves[k]);
    merged_verdicts(cfg, saves, 2, &two);
    CHECK_MEM(two.all.data, two.all.len, whole.all.data, whole.all.len);
    /* the order of merging does not matter while nothing is evicted */
    wn_buf tmp = saves[0];
    saves[0] = saves[1];
    saves[1] = tmp;
    merged_verdicts(cfg, saves, 2, &rev);
    CHECK_MEM(rev.all.data, rev.all.len, whole.all.data, whole.all.len);
    for (int k = 0; k < 3; k++) {
        wn_buf_reset(&saves[k]);
        save_share(cfg, k, 3, &saves[k]);
    }
    merged_verdicts(cfg, saves, 3, &three);
    CHECK_MEM(three.all.data, three.all.len, whole.all.data, whole.all.len);
    for (int k = 0; k < 3; k++)
        wn_buf_release(&saves[k]);
    wn_buf_release(&whole.all);
    wn_buf_release(&two.all);
    wn_buf_release(&rev.all);
    wn_buf_release(&three.all);
}

TEST(site_lines_merged_shares_decide_like_one_pass)
{
    check_split(NULL); /* defaults: per site, min_pages 3, share 0.1 */
    wn_config *c = wn_config_new();
    wn_config_set(c, "site_lines.min_share", "0.5");
    check_split(c);
    wn_config_set(c, "site_lines.scope", "corpus");
    wn_config_set(c, "site_lines.min_pages", "2");
    check_split(c);
    wn_config_free(c);
}

TEST(site_lines_empty_share_merges_to_nothing_observed)
{
    wn_buf b = WN_BUF_INIT;
    wn_stage *st = new_site(NULL);
    CHECK_INT(stage_find("site_lines")->save(state_of(st), &b), 0);
    wn_stage_free(st);
    verdicts none, merged;
    st = new_site(NULL);
    decide_all(st, &none);
    wn_stage_free(st);
    merged_verdicts(NULL, &b, 1, &merged);
    CHECK_MEM(merged.all.data, merged.all.len, none.all.data, none.all.len);
    CHECK_INT(merged.dropped, 0);
    wn_buf_release(&b);
    wn_buf_release(&none.all);
    wn_buf_release(&merged.all);
}

TEST(site_lines_damaged_save_is_refused)
{
    const stage_ops *ops = stage_find("site_lines");
    wn_buf good = WN_BUF_INIT, bad = WN_BUF_INIT;
    save_share(NULL, 0, 1, &good);
    CHECK(good.len > 64);
    wn_stage *st = new_site(NULL);
    void *s = state_of(st);
    wn_error err;
    /* every truncation and every flipped byte */
    for (size_t n = 0; n < good.len; n++)
        CHECK_INT(ops->merge(s, good.data, n, &err), WN_EFORMAT);
    for (size_t i = 0; i < good.len; i++) {
        wn_buf_set(&bad, good.data, good.len);
        bad.data[i] ^= 0x20;
        CHECK_INT(ops->merge(s, bad.data, bad.len, &err), WN_EFORMAT);
    }
    wn_buf_set(&bad, good.data, good.len);
    wn_buf_append(&bad, "\n", 1);
    CHECK_INT(ops->merge(s, bad.data, bad.len, &err), WN_EFORMAT);
    CHECK_INT(ops->merge(s, "", 0, &err), WN_EFORMAT);
    /* saved under another scope: valid bytes, wrong meaning */
    wn_config *c = wn_config_new();
    wn_config_set(c, "site_lines.scope", "corpus");
    wn_buf_reset(&bad);
    save_share(c, 0, 1, &bad);
    CHECK_INT(ops->merge(s, bad.data, bad.len, &err), WN_EINVAL);
    wn_config_free(c);
    /* the refusals left the state untouched: a good merge still matches */
    CHECK_INT(ops->merge(s, good.data, good.len, &err), 0);
    verdicts whole, merged;
    decide_all(st, &merged);
    wn_stage_free(st);
    st = observe_share(NULL, 0, 1);
    decide_all(st, &whole);
    wn_stage_free(st);
    CHECK_MEM(merged.all.data, merged.all.len, whole.all.data, whole.all.len);
    wn_buf_release(&good);
    wn_buf_release(&bad);
    wn_buf_release(&whole.all);
    wn_buf_release(&merged.all);
}

/* The bytes_read of a part's record under OUTDIR/work/observe. */
static unsigned long long share_bytes(const char *outdir, int part)
{
    char path[1024], text[512];
    snprintf(path, sizeof path, "%s/work/observe/site_lines.%d-of-2.json",
             outdir, part);
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = 0;
    const char *p = strstr(text, "\"bytes_read\": ");
    CHECK(p != NULL);
    return p ? strtoull(p + 14, NULL, 10) : 0;
}

static void read_output(const char *outdir, wn_buf *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/data/part-00000.jsonl.zst", outdir);
    wn_reader_opts o = WN_READER_OPTS_INIT;
    int bad = 0;
    t_read_all(path, &o, out, &bad);
    CHECK_INT(bad, 0);
}

TEST(run_observe_part_two_parts_read_once_same_output)
{
    /* The library calls winnow-mpi makes, here in one process: two parts
     * observe their shares in turn, then both merge, then process; a
     * fresh run writes the output. */
    enum { NFILES = 4 };
    const char *inputs[NFILES + 1];
    unsigned long long total = 0;
    wn_buf b = WN_BUF_INIT;
    wn_doc d = WN_DOC_INIT;
    for (int f = 0; f < NFILES; f++) {
        char name[32];
        wn_buf_reset(&b);
        for (int i = f; i < NDOCS; i += NFILES) {
            make_doc(i, &d);
            wn_doc_to_json(&d, &b);
            wn_buf_putc(&b, '\n');
        }
        snprintf(name, sizeof name, "in-%d.jsonl", f);
        inputs[f] = t_write_file(name, b.data, b.len);
        total += b.len;
    }
    FILE *f = fopen(t_fixture("../../sample/feed.jsonl"), "rb");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 0, SEEK_END);
        total += (unsigned long long)ftell(f);
        fclose(f);
    }
    inputs[NFILES] = t_fixture("../../sample/feed.jsonl");
    wn_doc_release(&d);
    wn_buf_release(&b);

    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize,site_lines");
    wn_config_set(c, "run.dedup", "0");
    wn_config_set(c, "run.jobs", "1");
    char one[600], split[600];
    snprintf(one, sizeof one, "%s/one", t_tmpdir());
    snprintf(split, sizeof split, "%s/split", t_tmpdir());
    wn_error err;
    wn_run *r;
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    CHECK_INT(wn_run_exec(r, inputs, NFILES + 1, one, &err), 0);
    wn_run_free(r);

    wn_run *part[2];
    int rc[2] = {1, 1}, rounds = 0;
    for (int p = 0; p < 2; p++)
        CHECK_INT(wn_run_new(c, &part[p], &err), 0);
    /* a part must finish its first passes before it processes */
    CHECK_INT(wn_run_observe_part(part[0], inputs, NFILES + 1, split, 0, 2,
                                  &err), 1);
    CHECK_INT(wn_run_exec_part(part[0], inputs, NFILES + 1, split, 0, 2,
                               &err), WN_EINVAL);
    rc[1] = wn_run_observe_part(part[1], inputs, NFILES + 1, split, 1, 2,
                                &err);
    for (rounds = 1; rc[0] > 0 && rc[1] > 0 && rounds < 10; rounds++)
        for (int p = 0; p < 2; p++)
            rc[p] = wn_run_observe_part(part[p], inputs, NFILES + 1, split,
                                        (unsigned)p, 2, &err);
    CHECK_INT(rc[0], 0);
    CHECK_INT(rc[1], 0);
    CHECK_INT(rounds, 2); /* one stage with a first pass: one barrier */
    for (int p = 0; p < 2; p++) {
        CHECK_INT(wn_run_exec_part(part[p], inputs, NFILES + 1, split,
                                   (unsigned)p, 2, &err), 0);
        wn_run_free(part[p]);
    }
    unsigned long long b0 = share_bytes(split, 0), b1 = share_bytes(split, 1);
    CHECK(b0 > 0 && b1 > 0);
    CHECK_INT(b0 + b1, total);
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    CHECK_INT(wn_run_exec(r, inputs, NFILES + 1, split, &err), 0);
    wn_run_free(r);

    wn_buf a = WN_BUF_INIT, s = WN_BUF_INIT;
    read_output(one, &a);
    read_output(split, &s);
    CHECK(a.len > 0);
    CHECK(a.data && !strstr(a.data, "Copyright site")); /* site_lines acted */
    CHECK_MEM(s.data, s.len, a.data, a.len);
    wn_buf_release(&a);
    wn_buf_release(&s);
    wn_config_free(c);
}
