/*
 * cmd_explain.c - `winnow explain`: for every non-empty line of every
 * document, KEEP or DROP and the rule that decided, so a user can see why
 * `winnow clean` removed what it removed.
 *
 * It runs the engine with the same stages and options as clean
 * (normalize -> site_lines -> clean; the same first pass) and decides each
 * document on the engine's decision hook, asking each line cleaner for its
 * verdicts through wn_clean_lines, which uses the stages' own decision
 * code.  The site
 * stage's drops are applied (as clean applies them) before the clean
 * stage decides, and the two verdict lists are merged back onto the
 * document's lines in order.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char explain_help[] =
    "usage: winnow explain [OPTIONS] INPUT...\n"
    "\n"
    "Prints every non-empty line of every document as\n"
    "  KEEP<TAB>text   or   DROP<TAB>rule<TAB>text\n"
    "after a header line '# <id> <url>' per document, exactly as\n"
    "`winnow clean` with the same options would decide (text is shown\n"
    "normalised).  A document dropped as a whole (by a preset's document\n"
    "rule, or left empty) gets a last line '# dropped: <reason>'.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT     auto (default), warc, jsonl or text\n"
    "      --rules FILE      extra rules (format: docs/clean.md)\n"
    "      --disable RULE    turn a rule off (repeatable)\n"
    "      --preset NAME     c4 or refinedweb\n"
    "      --site-lines      count lines across each site's pages first\n"
    "                        (default; a stream is spooled to read it twice)\n"
    "      --no-site-lines   don't\n"
    "      --scores          add the line model's score, P(article), after\n"
    "                        the verdict (and rule): '-' where it did not\n"
    "                        score the line (a rule dropped it first)\n"
    "      --features        --scores and the model's features (for\n"
    "                        eval/train_line_model.py)\n"
    "      --set KEY=VALUE   any stage option (see --options)\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --options         list every cleaning option and its default\n"
    "      --config FILE     INI file of options (docs/CONFIG.md)\n"
    "      --stats FILE      counters as JSON (winnow run's stats.json schema)\n"
    "  -q, --quiet           no per-rule summary on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 some input was bad, 2 usage error, 3 failed.\n"
    "\n"
    "examples:\n"
    "  winnow explain page.txt\n"
    "  winnow explain site-pages.jsonl | grep '^DROP' | cut -f2 | sort | "
    "uniq -c\n"
    "  winnow explain --no-site-lines --disable nav_run page.txt\n"
    "  winnow explain --scores page.txt | sort -t'\t' -k2 | head\n";

typedef struct verdict {
    const char *s;
    size_t n;
    const char *rule;
    double score;  /* line model; -1 when not scored */
    size_t feat;   /* index in the run's feature store, or SIZE_MAX */
} verdict;

typedef struct vlist {
    verdict *v;
    size_t n, cap;
    int oom;
    wn_buf *feats; /* where collect_scored copies features; may be NULL */
} vlist;

static void collect(void *ctx, const char *line, size_t n, const char *rule)
{
    vlist *l = ctx;
    if (!n)
        return;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        verdict *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) {
            l->oom = 1;
            return;
        }
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = (verdict){line, n, rule, -1.0, SIZE_MAX};
}

static void collect_scored(void *ctx, const char *line, size_t n,
                           const char *rule, double score, const float *feat,
                           size_t nfeat)
{
    vlist *l = ctx;
    size_t before = l->n;
    collect(ctx, line, n, rule);
    if (l->n == before)
        return;
    l->v[before].score = score;
    if (feat && l->feats) {
        l->v[before].feat = l->feats->len;
        for (size_t i = 0; i < nfeat; i++)
            if (wn_buf_printf(l->feats, i ? " %.9g" : "%.9g", feat[i]))
                l->oom = 1;
        if (wn_buf_putc(l->feats, 0))
            l->oom = 1;
    }
}

#define MAX_TALLY 300
struct explain_run {
    wn_stage *norm, *site, *clean;
    wn_doc copy, raw;
    vlist norm_v, site_v, clean_v, merged;
    wn_buf reason, out;
    const char *tname[MAX_TALLY];
    uint64_t tcount[MAX_TALLY];
    size_t ntally;
    uint64_t keep, drop;
    int scores, features;
    wn_buf feats;
};

static void tally(struct explain_run *r, const char *rule)
{
    for (size_t i = 0; i < r->ntally; i++)
        if (!strcmp(r->tname[i], rule)) {
            r->tcount[i]++;
            return;
        }
    if (r->ntally < MAX_TALLY) {
        r->tname[r->ntally] = rule;
        r->tcount[r->ntally++] = 1;
    }
}

static void put_line(struct explain_run *r, const verdict *v)
{
    if (v->rule) {
        r->drop++;
        tally(r, v->rule);
        wn_buf_printf(&r->out, "DROP\t%s\t", v->rule);
    } else {
        r->keep++;
        wn_buf_puts(&r->out, "KEEP\t");
    }
    if (r->scores) {
        if (v->score >= 0)
            wn_buf_printf(&r->out, "%.3f\t", v->score);
        else
            wn_buf_puts(&r->out, "-\t");
    }
    if (r->features)
        wn_buf_printf(&r->out, "%s\t",
                      v->feat != SIZE_MAX ? r->feats.data + v->feat : "-");
    wn_buf_append(&r->out, v->s, v->n);
    wn_buf_putc(&r->out, '\n');
}

/* The engine's last decision (on the calling thread, in input order):
 * the cleaners' verdict on each line is printed, and the document's fate
 * is booked. */
static int explain_one(void *ctx, wn_doc *doc, wn_buf *why)
{
    struct explain_run *r = ctx;
    wn_buf_reset(&r->out);
    wn_buf_printf(&r->out, "# %.*s %.*s\n", (int)doc->id.len,
                  doc->id.data ? doc->id.data : "", (int)doc->url.len,
                  doc->url.data ? doc->url.data : "");
    r->norm_v.n = r->site_v.n = r->clean_v.n = r->merged.n = 0;
    r->feats.len = 0;
    r->clean_v.feats = r->features ? &r->feats : NULL;
    /* normalize's verdicts are on the raw lines: the lines it removes as
     * debris, and the rest, each of which is one line after it */
    int rc = wn_doc_copy(&r->raw, doc) ? WN_ENOMEM : 1;
    if (rc == 1)
        rc = wn_clean_lines(r->norm, &r->raw, NULL, collect, &r->norm_v);
    if (rc == 1)
        rc = wn_stage_process(r->norm, doc, &r->reason);
    const char *doc_reason = NULL;
    if (rc == 1 && r->site) {
        rc = wn_clean_lines(r->site, doc, NULL, collect, &r->site_v);
        if (rc == 1 && (rc = wn_doc_copy(&r->copy, doc)) == 0)
            rc = wn_stage_process(r->site, &r->copy, &r->reason);
    } else if (rc == 1)
        rc = wn_doc_copy(&r->copy, doc) == 0 ? 1 : WN_ENOMEM;
    if (rc == 1) {
        rc = wn_clean_lines_scored(r->clean, &r->copy, &r->reason,
                                   collect_scored, r->features,
                                   &r->clean_v);
        if (rc == 0)
            doc_reason = r->reason.data;
    } else if (rc == 0)
        doc_reason = r->reason.data;
    if (rc < 0 || r->norm_v.oom || r->site_v.oom || r->clean_v.oom)
        return rc < 0 ? rc : WN_ENOMEM;
    if (r->site) {
        /* Lines the site stage kept are, in order, the lines the clean
         * stage saw. */
        size_t k = 0;
        for (size_t i = 0; i < r->site_v.n; i++) {
            verdict v = r->site_v.v[i];
            if (!v.rule && k < r->clean_v.n) {
                const verdict *c = &r->clean_v.v[k++];
                v.rule = c->rule;
                v.score = c->score;
                v.feat = c->feat;
            }
            collect(&r->merged, v.s, v.n, v.rule);
            if (!r->merged.oom)
                r->merged.v[r->merged.n - 1] = v;
        }
    } else {
        for (size_t i = 0; i < r->clean_v.n; i++) {
            collect(&r->merged, NULL, 1, NULL);
            if (!r->merged.oom)
                r->merged.v[r->merged.n - 1] = r->clean_v.v[i];
        }
    }
    if (r->merged.oom)
        return WN_ENOMEM;
    /* Raw lines normalize kept are, in order, the lines after it. */
    size_t k = 0;
    for (size_t i = 0; i < r->norm_v.n; i++)
        if (r->norm_v.v[i].rule)
            put_line(r, &r->norm_v.v[i]);
        else if (k < r->merged.n)
            put_line(r, &r->merged.v[k++]);
    while (k < r->merged.n)
        put_line(r, &r->merged.v[k++]);
    if (doc_reason) {
        wn_buf_printf(&r->out, "# dropped: %s\n", doc_reason);
        if (wn_buf_puts(why, doc_reason))
            return WN_ENOMEM;
    }
    if (r->out.len &&
        fwrite(r->out.data, 1, r->out.len, stdout) != r->out.len)
        return WN_EIO;
    return doc_reason ? 0 : 1;
}

static void list_options(void)
{
    static const char *const st[] = {"normalize", "site_lines", "clean"};
    for (size_t s = 0; s < 3; s++) {
        printf("%s: %s\n", st[s], wn_stage_summary(st[s]));
        const char *key, *def, *help;
        for (size_t i = 0; wn_stage_option_at(st[s], i, &key, &def, &help);
             i++)
            printf("  %-26s %-8s %s\n", key, *def ? def : "\"\"", help);
    }
}

int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"rules", required_argument, 0, CLEAN_OPT_RULES},
        {"disable", required_argument, 0, CLEAN_OPT_DISABLE},
        {"preset", required_argument, 0, CLEAN_OPT_PRESET},
        {"site-lines", no_argument, 0, CLEAN_OPT_SITE},
        {"no-site-lines", no_argument, 0, CLEAN_OPT_NO_SITE},
        {"options", no_argument, 0, 3},
        {"scores", no_argument, 0, 4},
        {"features", no_argument, 0, 5},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    int scores = 0, features = 0;
    cli_job_init(&j, "explain");
    clean_opts co = {NULL, 1};
    int c;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "f:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg) || clean_option(&j, &co, c, optarg))
            continue;
        if (c == 4 || c == 5) {
            scores = 1;
            features |= c == 5;
            continue;
        }
        if (c == 3 || c == 'h') {
            if (c == 3)
                list_options();
            else
                fputs(explain_help, stdout);
            free(co.disable);
            cli_job_release(&j);
            return EXIT_CLEAN;
        }
        j.usage = EXIT_USAGE;
    }
    if (!j.usage && optind >= argc) {
        cli_errorf("explain: no input given");
        j.usage = EXIT_USAGE;
    }
    clean_select(&j, &co);
    free(co.disable);
    wn_engine *e = NULL;
    struct explain_run *run = calloc(1, sizeof *run);
    int status = run ? cli_job_engine(&j, &e) : EXIT_FAILED;
    if (status) {
        if (status == EXIT_USAGE)
            fputs(explain_help, stderr);
        free(run);
        cli_job_release(&j);
        return status;
    }
    /* every stage is the decision's: it asks each for its verdicts */
    run->norm = wn_engine_stage(e, 0);
    run->site = co.site ? wn_engine_stage(e, 1) : NULL;
    run->clean = wn_engine_stage(e, co.site ? 2 : 1);
    wn_doc init = WN_DOC_INIT;
    run->copy = init;
    run->scores = scores;
    run->features = features;
    run->raw = init;
    if (wn_engine_set_decide(e, "clean", 0, explain_one, run))
        status = EXIT_FAILED;
    wn_error err = {0};
    if (!status && wn_engine_exec(e, (const char *const *)argv + optind,
                                  (size_t)(argc - optind), &err)) {
        cli_report(&err);
        status = EXIT_FAILED;
    }
    if (!status && fflush(stdout)) {
        cli_errorf("explain: cannot write output");
        status = EXIT_FAILED;
    }
    status = cli_job_finish(&j, e, status);
    if (!j.quiet && status != EXIT_FAILED) {
        fprintf(stderr, "winnow explain: %llu lines kept, %llu dropped\n",
                (unsigned long long)run->keep,
                (unsigned long long)run->drop);
        for (size_t i = 0; i < run->ntally; i++)
            fprintf(stderr, "  %-22s %llu\n", run->tname[i],
                    (unsigned long long)run->tcount[i]);
    }
    wn_doc_release(&run->copy);
    wn_doc_release(&run->raw);
    free(run->norm_v.v);
    free(run->merged.v);
    free(run->site_v.v);
    free(run->clean_v.v);
    wn_buf_release(&run->reason);
    wn_buf_release(&run->out);
    wn_buf_release(&run->feats);
    free(run);
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
