/*
 * cmd_explain.c - `winnow explain`: for every non-empty line of every
 * document, KEEP or DROP and the rule that decided, so a user can see why
 * `winnow clean` removed what it removed.
 *
 * It runs the same chain as clean (normalize -> site_lines -> clean) with
 * the same options and asks each line cleaner for its verdicts through
 * wn_clean_lines, which uses the stages' own decision code.  The site
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
    "                        (default for files; not with '-')\n"
    "      --no-site-lines   don't\n"
    "      --set KEY=VALUE   any stage option (see --options)\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --options         list every cleaning option and its default\n"
    "  -q, --quiet           no per-rule summary on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 some input was bad, 2 usage error.\n"
    "\n"
    "examples:\n"
    "  winnow explain page.txt\n"
    "  winnow explain site-pages.jsonl | grep '^DROP' | cut -f2 | sort | "
    "uniq -c\n"
    "  winnow explain --no-site-lines --disable nav_run page.txt\n";

typedef struct verdict {
    const char *s;
    size_t n;
    const char *rule;
} verdict;

typedef struct vlist {
    verdict *v;
    size_t n, cap;
    int oom;
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
    l->v[l->n++] = (verdict){line, n, rule};
}

#define MAX_TALLY 300
struct explain_run {
    clean_chain *ch;
    wn_doc copy;
    vlist site, clean;
    wn_buf reason, out;
    const char *tname[MAX_TALLY];
    uint64_t tcount[MAX_TALLY];
    size_t ntally;
    uint64_t keep, drop;
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
    wn_buf_append(&r->out, v->s, v->n);
    wn_buf_putc(&r->out, '\n');
}

static int explain_one(void *ctx, wn_doc *doc)
{
    struct explain_run *r = ctx;
    clean_chain *ch = r->ch;
    wn_buf_reset(&r->out);
    wn_buf_printf(&r->out, "# %.*s %.*s\n", (int)doc->id.len,
                  doc->id.data ? doc->id.data : "", (int)doc->url.len,
                  doc->url.data ? doc->url.data : "");
    int rc = wn_stage_process(ch->norm, doc, &r->reason);
    r->site.n = r->clean.n = 0;
    const char *doc_reason = NULL;
    if (rc == 1 && ch->sitest) {
        rc = wn_clean_lines(ch->sitest, doc, NULL, collect, &r->site);
        if (rc == 1 && (rc = wn_doc_copy(&r->copy, doc)) == 0)
            rc = wn_stage_process(ch->sitest, &r->copy, &r->reason);
    } else if (rc == 1)
        rc = wn_doc_copy(&r->copy, doc) == 0 ? 1 : WN_ENOMEM;
    if (rc == 1) {
        rc = wn_clean_lines(ch->clean, &r->copy, &r->reason, collect,
                            &r->clean);
        if (rc == 0)
            doc_reason = r->reason.data;
    } else if (rc == 0)
        doc_reason = r->reason.data;
    if (rc < 0 || r->site.oom || r->clean.oom) {
        cli_errorf("explain: %s", wn_strerror(rc < 0 ? rc : WN_ENOMEM));
        return -1;
    }
    if (ch->sitest) {
        /* Lines the site stage kept are, in order, the lines the clean
         * stage saw. */
        size_t k = 0;
        for (size_t i = 0; i < r->site.n; i++) {
            verdict v = r->site.v[i];
            if (!v.rule && k < r->clean.n)
                v.rule = r->clean.v[k++].rule;
            put_line(r, &v);
        }
    } else {
        for (size_t i = 0; i < r->clean.n; i++)
            put_line(r, &r->clean.v[i]);
    }
    if (doc_reason)
        wn_buf_printf(&r->out, "# dropped: %s\n", doc_reason);
    if (r->out.len && fwrite(r->out.data, 1, r->out.len, stdout) !=
                          r->out.len) {
        cli_errorf("explain: cannot write output");
        return -1;
    }
    return 0;
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
        {"from", required_argument, 0, 'f'},
        {"rules", required_argument, 0, CLEAN_OPT_RULES},
        {"disable", required_argument, 0, CLEAN_OPT_DISABLE},
        {"preset", required_argument, 0, CLEAN_OPT_PRESET},
        {"site-lines", no_argument, 0, CLEAN_OPT_SITE},
        {"no-site-lines", no_argument, 0, CLEAN_OPT_NO_SITE},
        {"set", required_argument, 0, CLEAN_OPT_SET},
        {"text-field", required_argument, 0, 2},
        {"options", no_argument, 0, 3},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.warn = cli_warn;
    int quiet = 0, c, rc;
    clean_chain ch;
    clean_chain_init(&ch);
    if (!ch.cfg)
        return EXIT_BAD_INPUT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_opt_from("explain", optarg, &ro))
                goto usage;
            break;
        case 2: ro.text_field = optarg; break;
        case 3:
            list_options();
            clean_chain_release(&ch);
            return EXIT_CLEAN;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(explain_help, stdout);
            clean_chain_release(&ch);
            return EXIT_CLEAN;
        case CLEAN_OPT_RULES: case CLEAN_OPT_DISABLE: case CLEAN_OPT_PRESET:
        case CLEAN_OPT_SITE: case CLEAN_OPT_NO_SITE: case CLEAN_OPT_SET:
            if ((rc = clean_chain_option(&ch, c, optarg, "explain")) == -2)
                goto usage;
            if (rc) {
                cli_errorf("explain: out of memory");
                clean_chain_release(&ch);
                return EXIT_BAD_INPUT;
            }
            break;
        default:
            goto usage;
        }
    }
    if (optind >= argc) {
        cli_errorf("explain: no input given");
        goto usage;
    }
    wn_error err;
    char **files = NULL;
    size_t nfiles = 0;
    if (wn_inputs_expand((const char *const *)argv + optind,
                         (size_t)(argc - optind), &files, &nfiles, &err)) {
        cli_report(&err);
        clean_chain_release(&ch);
        return EXIT_BAD_INPUT;
    }
    int fatal = 0;
    if ((rc = clean_chain_open(&ch, files, nfiles, "explain")))
        fatal = rc;
    wn_stats total;
    memset(&total, 0, sizeof total);
    struct explain_run *run = calloc(1, sizeof *run);
    if (!fatal && !run)
        fatal = EXIT_BAD_INPUT;
    if (!fatal) {
        run->ch = &ch;
        wn_doc init = WN_DOC_INIT;
        run->copy = init;
        if (clean_chain_first_pass(&ch, files, nfiles, &ro) ||
            clean_each_doc(files, nfiles, &ro, explain_one, run, &total))
            fatal = EXIT_BAD_INPUT;
        if (fflush(stdout))
            fatal = EXIT_BAD_INPUT;
    }
    if (run && !quiet && !fatal) {
        fprintf(stderr, "winnow explain: %llu lines kept, %llu dropped\n",
                (unsigned long long)run->keep,
                (unsigned long long)run->drop);
        for (size_t i = 0; i < run->ntally; i++)
            fprintf(stderr, "  %-22s %llu\n", run->tname[i],
                    (unsigned long long)run->tcount[i]);
    }
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    if (run) {
        wn_doc_release(&run->copy);
        free(run->site.v);
        free(run->clean.v);
        wn_buf_release(&run->reason);
        wn_buf_release(&run->out);
        free(run);
    }
    wn_inputs_free(files, nfiles);
    clean_chain_release(&ch);
    if (fatal)
        return fatal;
    return wn_stats_bad(&total) ? EXIT_BAD_INPUT : EXIT_CLEAN;
usage:
    fputs(explain_help, stderr);
    clean_chain_release(&ch);
    return EXIT_USAGE;
}
