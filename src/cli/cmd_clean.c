/*
 * cmd_clean.c - `winnow clean`: boilerplate lines out, article text kept.
 *
 * The engine runs three stages: normalize -> site_lines -> clean.
 * site_lines needs a first pass, so the inputs are read twice: once to
 * count each site's lines, once to clean; the engine spools a stream
 * ("-", a pipe) so that it can.  The cleaning options are shared with
 * `winnow explain` (cmd_explain.c) through cli.h.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char clean_help[] =
    "usage: winnow clean [OPTIONS] INPUT...\n"
    "\n"
    "Removes boilerplate lines (cookie banners, share and subscribe\n"
    "prompts, comment forms, bylines and timestamps alone on a line,\n"
    "related links, captions with photo credits, menus, footers, ...) and\n"
    "keeps the article.  With site lines on (the default), lines\n"
    "that a site prints on many of its pages are removed too: the inputs\n"
    "are read twice.  Text is normalised first (NFC, whitespace, control\n"
    "characters).  A document left without text is dropped.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT     auto (default), warc, jsonl or text\n"
    "  -t, --to FORMAT       jsonl (default) or text\n"
    "  -o, --output FILE     output file (default: stdout); .gz/.zst compress\n"
    "      --rules FILE      extra rules (format: docs/clean.md)\n"
    "      --disable RULE    turn a rule off (repeatable; see explain)\n"
    "      --preset NAME     c4 or refinedweb: the published line rules\n"
    "                        instead of winnow's\n"
    "      --site-lines      drop lines repeated across a site's pages\n"
    "                        (default; a stream is spooled to read it twice)\n"
    "      --no-site-lines   don't\n"
    "      --set KEY=VALUE   any stage option, e.g. site_lines.min_pages=5\n"
    "                        (winnow explain --options lists them)\n"
    "      --rejects FILE    write dropped documents there, with a\n"
    "                        \"reject_reason\" field\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --stats FILE      counters as JSON (winnow run's stats.json schema)\n"
    "      --config FILE     INI file of options (docs/CONFIG.md)\n"
    "  -j, --jobs N          worker threads (default: all cores)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "The summary on stderr gives documents kept and dropped and the lines\n"
    "each rule removed.\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage\n"
    "error, 3 failed (output not written).\n"
    "\n"
    "examples:\n"
    "  winnow clean pages.jsonl -o clean.jsonl\n"
    "  winnow clean --to text --no-site-lines page.txt\n"
    "  winnow clean --preset c4 --rejects rejected.jsonl crawl.warc.wet.gz\n"
    "  winnow clean --disable nav_run --set site_lines.min_pages=5 site/\n";

int clean_option(cli_job *j, clean_opts *co, int c, const char *arg)
{
    switch (c) {
    case CLEAN_OPT_RULES: cli_job_set(j, "clean.rules", arg); return 1;
    case CLEAN_OPT_PRESET: cli_job_set(j, "clean.preset", arg); return 1;
    case CLEAN_OPT_SITE: co->site = 1; return 1;
    case CLEAN_OPT_NO_SITE: co->site = 0; return 1;
    case CLEAN_OPT_DISABLE: {
        size_t l = co->disable ? strlen(co->disable) : 0;
        char *d = realloc(co->disable, l + strlen(arg) + 2);
        if (!d) {
            j->usage = EXIT_FAILED;
            return 1;
        }
        if (l)
            d[l++] = ',';
        strcpy(d + l, arg);
        co->disable = d;
        cli_job_set(j, "clean.disable", d);
        return 1;
    }
    }
    return 0;
}

int clean_select(cli_job *j, const clean_opts *co)
{
    return cli_job_set(j, "run.stages", co->site ? "normalize,site_lines,clean"
                                                 : "normalize,clean");
}

static void print_counts(wn_stage *st, uint64_t *total)
{
    const char *name;
    uint64_t n;
    for (size_t i = 0; wn_clean_rule_at(st, i, &name, &n); i++)
        if (n) {
            fprintf(stderr, "  %-22s %llu\n", name, (unsigned long long)n);
            *total += n;
        }
}

int cmd_clean(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"to", required_argument, 0, 't'},
        {"rules", required_argument, 0, CLEAN_OPT_RULES},
        {"disable", required_argument, 0, CLEAN_OPT_DISABLE},
        {"preset", required_argument, 0, CLEAN_OPT_PRESET},
        {"site-lines", no_argument, 0, CLEAN_OPT_SITE},
        {"no-site-lines", no_argument, 0, CLEAN_OPT_NO_SITE},
        {"rejects", required_argument, 0, CLI_OPT_REJECTS},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "clean");
    clean_opts co = {NULL, 1};
    int c;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "f:t:o:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg) || clean_option(&j, &co, c, optarg))
            continue;
        if (c == 'h') {
            fputs(clean_help, stdout);
            free(co.disable);
            cli_job_release(&j);
            return EXIT_CLEAN;
        }
        j.usage = EXIT_USAGE;
    }
    clean_select(&j, &co);
    free(co.disable);
    wn_engine *e;
    int status = cli_job_start(&j, clean_help, argc - optind, &e);
    if (status)
        return status;
    status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
    if (!j.quiet) {
        uint64_t nread, kept, dropped;
        wn_engine_totals(e, &nread, &kept, &dropped);
        fprintf(stderr,
                "winnow clean: %llu documents, %llu kept, %llu dropped; "
                "%llu bad-input events; site lines %s\n",
                (unsigned long long)nread, (unsigned long long)kept,
                (unsigned long long)dropped,
                (unsigned long long)wn_stats_bad(wn_engine_input_stats(e)),
                co.site ? "on" : "off");
        uint64_t lines = 0;
        fprintf(stderr, "lines dropped by rule:\n");
        for (size_t i = 0; i < wn_engine_nstages(e); i++)
            print_counts(wn_engine_stage(e, i), &lines);
        fprintf(stderr, "  %-22s %llu\n", "total", (unsigned long long)lines);
    }
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
