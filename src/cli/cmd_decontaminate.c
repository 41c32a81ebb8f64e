/*
 * cmd_decontaminate.c - `winnow decontaminate`: evaluation-set n-grams out
 * of a corpus.  The engine runs the one stage "decontaminate" (also a step
 * of winnow run, off until decontaminate.against names files); the flags
 * map onto its options.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char decontaminate_help[] =
    "usage: winnow decontaminate --against FILES [OPTIONS] INPUT...\n"
    "\n"
    "Finds the documents that share a 13-word n-gram with an evaluation\n"
    "set, after lowercasing and removing punctuation (GPT-3, NeMo\n"
    "Curator).  By default 200 characters on each side of every match are\n"
    "cut out; a document cut into more than 10 pieces is rejected, and\n"
    "pieces shorter than 200 characters are discarded (NeMo Curator's\n"
    "defaults).  --drop rejects every matching document instead.  Each\n"
    "affected document gets metadata \"decontaminated\": the sets (file\n"
    "names) and n-grams it matched.  Rejected documents go to --rejects\n"
    "with reject_reason, e.g. \"decontaminate:pieces=14>10 (mmlu.jsonl)\".\n"
    "See docs/filters.md.\n"
    "\n"
    "options:\n"
    "      --against FILES   evaluation sets, comma separated or repeated:\n"
    "                        JSONL (.jsonl/.json, gzip or zstd: the --fields\n"
    "                        of each line) or text (each non-empty line)\n"
    "      --fields LIST     JSONL fields of an item, strings or arrays of\n"
    "                        strings (default text,question,answer)\n"
    "      --drop            reject matching documents, cut nothing\n"
    "      --ngram N         words per n-gram (13)\n"
    "      --min-ngram N     an item of fewer words is one n-gram if it has\n"
    "                        N words (8)\n"
    "      --remove-chars N  characters cut on each side of a match (200)\n"
    "      --max-splits N    more pieces reject the document (10)\n"
    "      --min-piece N     shorter pieces are discarded (200 characters)\n"
    "  -f, --from FORMAT     auto (default), warc, jsonl or text\n"
    "  -o, --output FILE     kept documents (default: stdout)\n"
    "      --rejects FILE    rejected documents, with reject_reason\n"
    "      --text-field F    JSONL input field that holds the text\n"
    "  -j, --jobs N          worker threads (output does not depend on it)\n"
    "      --set KEY=VALUE   any option (decontaminate.*, run.*)\n"
    "      --config FILE     options from an INI file\n"
    "      --stats FILE      counters as JSON (winnow run's stats.json\n"
    "                        schema; \"decontaminated\" counts documents by\n"
    "                        set)\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean, 1 finished but some input was bad, 2 usage (also\n"
    "an evaluation file that cannot be read), 3 failed.\n"
    "\n"
    "examples:\n"
    "  winnow decontaminate --against mmlu.jsonl,gsm8k.jsonl -o clean.jsonl "
    "docs.jsonl\n"
    "  winnow decontaminate --against eval/ --drop --rejects rej.jsonl "
    "-o out.jsonl a.jsonl.zst\n"
    "  winnow decontaminate --against qa.jsonl --fields question,choices "
    "-o out.jsonl a.jsonl\n"
    "  winnow run --set decontaminate.against=mmlu.jsonl crawl/ -o corpus\n";

enum { O_AGAINST = 0x200, O_FIELDS, O_DROP, O_NGRAM, O_MIN_NGRAM,
       O_REMOVE, O_SPLITS, O_PIECE };

int cmd_decontaminate(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"rejects", required_argument, 0, CLI_OPT_REJECTS},
        {"against", required_argument, 0, O_AGAINST},
        {"fields", required_argument, 0, O_FIELDS},
        {"drop", no_argument, 0, O_DROP},
        {"ngram", required_argument, 0, O_NGRAM},
        {"min-ngram", required_argument, 0, O_MIN_NGRAM},
        {"remove-chars", required_argument, 0, O_REMOVE},
        {"max-splits", required_argument, 0, O_SPLITS},
        {"min-piece", required_argument, 0, O_PIECE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    static const char *const keys[] = {
        "decontaminate.fields", NULL, "decontaminate.ngram",
        "decontaminate.min_ngram", "decontaminate.remove_chars",
        "decontaminate.max_splits", "decontaminate.min_piece"};
    cli_job j;
    cli_job_init(&j, "decontaminate");
    char *against = NULL;
    int c;
    optind = 1;
    while (!j.usage &&
           (c = getopt_long(argc, argv, "f:o:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case O_AGAINST:
            if (cli_list_add(&against, optarg))
                j.usage = EXIT_FAILED;
            break;
        case O_DROP: cli_job_set(&j, "decontaminate.mode", "drop"); break;
        case O_FIELDS: case O_NGRAM: case O_MIN_NGRAM: case O_REMOVE:
        case O_SPLITS: case O_PIECE:
            cli_job_set(&j, keys[c - O_FIELDS], optarg);
            break;
        case 'h':
            fputs(decontaminate_help, stdout);
            free(against);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE; break;
        }
    }
    if (!j.usage && !against) {
        cli_errorf("decontaminate: no --against files given");
        j.usage = EXIT_USAGE;
    }
    if (!j.usage) {
        cli_job_set(&j, "decontaminate.against", against);
        cli_job_set(&j, "run.stages", "decontaminate");
    }
    free(against);
    wn_engine *e;
    int status = cli_job_start(&j, decontaminate_help, argc - optind, &e);
    if (status)
        return status;
    status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
    if (!j.quiet) {
        uint64_t nread, kept, rejected;
        wn_engine_totals(e, &nread, &kept, &rejected);
        fprintf(stderr,
                "winnow decontaminate: read %llu = kept %llu + rejected %llu"
                ", %llu bad-input events\n",
                (unsigned long long)nread, (unsigned long long)kept,
                (unsigned long long)rejected,
                (unsigned long long)wn_stats_bad(wn_engine_input_stats(e)));
    }
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
