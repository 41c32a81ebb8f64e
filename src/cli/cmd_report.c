/*
 * cmd_report.c - `winnow report`: draws the report of a finished run again
 * from its OUTDIR, or compares two runs on one page.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char report_help[] =
    "usage: winnow report OUTDIR [-o FILE]\n"
    "       winnow report A B -o FILE\n"
    "\n"
    "With one OUTDIR of a finished `winnow run`, draws its report.html again\n"
    "from the files there (stats.json, timing.json, problems.jsonl,\n"
    "examples.jsonl, work/run.conf): into OUTDIR/report.html, or FILE.\n"
    "With two, compares them on one page (e.g. two threshold settings over\n"
    "the same inputs): the funnel of each, the reasons that grew or shrank,\n"
    "and the documents kept by one run and not the other, with the other's\n"
    "reason and examples.\n"
    "The pages are self-contained HTML (inline CSS and SVG, no script).\n"
    "\n"
    "options:\n"
    "  -o, --output FILE   the page (required with two runs)\n"
    "  -h, --help          this help\n"
    "\n"
    "exit status: 0 written; 2 usage error; 3 failed (no stats.json there,\n"
    "a damaged file, the page cannot be written).\n"
    "\n"
    "examples:\n"
    "  winnow report corpus\n"
    "  winnow report corpus -o /tmp/corpus-report.html\n"
    "  winnow report strict/ loose/ -o diff.html\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'h': fputs(report_help, stdout); return EXIT_CLEAN;
        default: fputs(report_help, stderr); return EXIT_USAGE;
        }
    }
    int n = argc - optind;
    if (n < 1 || n > 2 || (n == 2 && !out)) {
        cli_errorf("report: %s", n < 1   ? "no OUTDIR given"
                                 : n > 2 ? "at most two OUTDIRs"
                                         : "two runs need -o FILE");
        fputs(report_help, stderr);
        return EXIT_USAGE;
    }
    wn_error err = {0};
    int rc = n == 1 ? wn_report_write(argv[optind], out, &err)
                    : wn_report_diff(argv[optind], argv[optind + 1], out, &err);
    if (rc) {
        cli_report(&err);
        return EXIT_FAILED;
    }
    return EXIT_CLEAN;
}
