/*
 * cmd_select.c - `winnow select`: keeps and rejects the documents of an
 * annotated corpus (winnow run --annotate) under new thresholds or a
 * --where expression, from the signals and verdicts in their metadata,
 * without running any stage again.  The engine reads and writes as for
 * every command; the decision is wn_select_decide (src/pipeline/select.c).
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char select_help[] =
    "usage: winnow select [OPTIONS] INPUT...\n"
    "\n"
    "Applies the decisions of the stages again to documents that\n"
    "'winnow run --annotate' wrote (each with its stages' verdicts and\n"
    "signals in its metadata), without computing anything again: with the\n"
    "defaults it keeps and rejects exactly what a plain run does, with the\n"
    "same reject_reason; --set changes thresholds of the stages that keep\n"
    "their signals (gopher_quality, gopher_repetition, c4_filter, fineweb,\n"
    "langid, classifier; url_filter takes lists); --where adds a condition\n"
    "on metadata.  Kept documents lose \"verdicts\" and \"signals\";\n"
    "rejected ones get reject_reason.\n"
    "\n"
    "options:\n"
    "  -o, --output FILE        kept documents (default: stdout)\n"
    "      --rejects FILE       rejected documents, with reject_reason\n"
    "      --set KEY=VALUE      a stage option, e.g. gopher_quality.min_words=80\n"
    "      --where EXPR         keep only documents where EXPR holds:\n"
    "                           comparisons (< <= > >= == !=) of metadata\n"
    "                           values (dotted paths; a stage's signals by\n"
    "                           its name) with numbers or \"strings\", joined\n"
    "                           by && and ||, with ! and parentheses\n"
    "      --config FILE        INI file of stage options\n"
    "      --stats FILE         counters as JSON (winnow run's stats.json\n"
    "                           schema); rejections under \"select\"\n"
    "  -j, --jobs N             worker threads for reading and writing\n"
    "  -q, --quiet              no summary line on stderr\n"
    "  -h, --help               this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage\n"
    "error (also: an option of a stage that keeps no signals, pii or a\n"
    "cleaning stage), 3 failed.\n"
    "\n"
    "examples:\n"
    "  winnow run --annotate crawl/ -o annotated/\n"
    "  winnow select annotated/data/ -o kept.jsonl --rejects rej.jsonl\n"
    "  winnow select --set gopher_quality.min_words=80 annotated/data/\n"
    "  winnow select --where 'classifier.hq >= 0.9 && language == \"en\"' \\\n"
    "      annotated.jsonl -o best.jsonl\n";

enum { O_WHERE = 0x100 };

int cmd_select(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"rejects", required_argument, 0, CLI_OPT_REJECTS},
        {"where", required_argument, 0, O_WHERE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "select");
    const char *where = NULL;
    int c;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "f:o:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case O_WHERE: where = optarg; break;
        case 'h':
            fputs(select_help, stdout);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE; break;
        }
    }
    /* no stage runs: the decision is select's, on the calling thread */
    if (!j.usage)
        cli_job_set(&j, "run.stages", "none");
    wn_config *cfg = NULL;
    wn_select *sel = NULL;
    if (!j.usage && !(j.usage = cli_job_config(&j, cli_run_preset,
                                               cli_run_npreset, &cfg))) {
        wn_error err;
        if (wn_select_new(cfg, where, &sel, &err)) {
            cli_errorf("select: %s", err.msg);
            j.usage = EXIT_USAGE;
        }
    }
    wn_config_free(cfg);
    wn_engine *e;
    int status = cli_job_start(&j, select_help, argc - optind, &e);
    if (status) {
        wn_select_free(sel);
        return status;
    }
    if (wn_engine_set_decide(e, "select", 0, wn_select_decide, sel)) {
        cli_errorf("select: out of memory");
        status = EXIT_FAILED;
    } else {
        status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
        if (status && wn_select_why(sel))
            cli_errorf("select: %s", wn_select_why(sel));
    }
    if (!j.quiet) {
        uint64_t nread, kept, rejected;
        wn_engine_totals(e, &nread, &kept, &rejected);
        fprintf(stderr, "winnow select: read %llu = kept %llu + rejected %llu\n",
                (unsigned long long)nread, (unsigned long long)kept,
                (unsigned long long)rejected);
    }
    wn_engine_free(e);
    wn_select_free(sel);
    cli_job_release(&j);
    return status;
}
