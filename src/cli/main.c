/*
 * main.c - the winnow command: dispatches to one file per subcommand.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const cli_cmd commands[] = {
    {"run", "the whole job: read, clean, filter, dedup, report", cmd_run},
    {"read", "read inputs and write normalised JSONL", cmd_read},
    {"extract", "HTML pages to their main text", cmd_extract},
    {"clean", "remove boilerplate lines, keep the article", cmd_clean},
    {"explain", "show which rule keeps or drops each line", cmd_explain},
    {"dedup", "remove exact and near-duplicate documents", cmd_dedup},
    {"substr", "remove repeated substrings (suffix arrays)", cmd_substr},
    {"filter", "language ID, quality filters, PII redaction", cmd_filter},
    {"decontaminate", "cut evaluation-set n-grams out of documents",
     cmd_decontaminate},
    {"select", "new thresholds on an annotated corpus, nothing recomputed",
     cmd_select},
    {"report", "draw a run's report again, or compare two runs", cmd_report},
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: winnow COMMAND [OPTIONS] INPUT...\n"
            "       winnow --version | --help\n\n"
            "winnow turns raw web crawls (WARC/WET, JSONL, text; gzip, zstd\n"
            "or plain) into clean, deduplicated text corpora.\n\n"
            "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nRun 'winnow COMMAND --help' for a command's options and "
               "examples; 'man winnow' for the manual.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *c = argv[1];
    if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
        printf("winnow %s\n", wn_version());
        return EXIT_CLEAN;
    }
    if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(c, commands[i].name))
            return commands[i].main(argc - 1, argv + 1);
    fprintf(stderr, "winnow: unknown command '%s'\n\n", c);
    usage(stderr);
    return EXIT_USAGE;
}
