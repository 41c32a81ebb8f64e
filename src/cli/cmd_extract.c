/*
 * cmd_extract.c - `winnow extract`: HTML pages in, their main text out.
 *
 * Reads WARC (HTML responses), JSONL with an "html" field, or raw HTML
 * files (--from html: one page per file), runs the "extract" stage on each
 * document and writes JSONL (or text).  Documents that already are text
 * pass through unchanged; pages with no text left are dropped and counted.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char extract_help[] =
    "usage: winnow extract [OPTIONS] INPUT...\n"
    "\n"
    "Extracts the main text of HTML pages: WARC response records, JSONL\n"
    "lines with an \"html\" field, or raw HTML files (--from html).  Script,\n"
    "style, navigation, headers and footers, sidebars, share and cookie\n"
    "widgets and link lists are removed; one paragraph per line, a blank\n"
    "line between paragraphs.  Reader comments, teasers, photo credits and\n"
    "datelines go too; a page of several posts with none dominating (a blog\n"
    "front page) gets page_type=index and is dropped (reason\n"
    "\"extract:page_type=index\"; --set extract.index=keep keeps it).\n"
    "Adds metadata title, html_lang, http_status.\n"
    "Documents that are already text pass through.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT     auto (default), warc, jsonl, text or html (each\n"
    "                        file is one page, read as UTF-8)\n"
    "  -t, --to FORMAT       jsonl (default) or text\n"
    "  -o, --output FILE     output file (default: stdout); .gz and .zst\n"
    "                        compress; the file appears only when complete\n"
    "  -m, --mode MODE       main (default: the article) or all (all visible\n"
    "                        text, nothing removed but script/style/hidden)\n"
    "      --parser NAME     fast (default) or gumbo (reference, slower;\n"
    "                        only in builds made with GUMBO=1)\n"
    "      --set KEY=VALUE   any option, e.g. extract.link_density=0.5\n"
    "                        ('winnow extract --list-options' lists options)\n"
    "      --config FILE     INI file of options (docs/CONFIG.md)\n"
    "      --list-options    print the options with defaults and exit\n"
    "      --keep-empty      write pages with no text left or dropped (with\n"
    "                        their reject_reason, e.g. \"extract:empty\")\n"
    "      --stats FILE      counters as JSON (winnow run's stats.json schema)\n"
    "  -j, --jobs N          worker threads (default: all cores)\n"
    "  -q, --quiet           no summary line on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage,\n"
    "3 failed (output not written).\n"
    "\n"
    "examples:\n"
    "  winnow extract crawl.warc.gz -o text.jsonl.zst\n"
    "  winnow extract --from html --to text page.html\n"
    "  winnow extract --mode all --set extract.link_density=0.5 pages.jsonl\n";

static void list_options(void)
{
    const char *key, *def, *help;
    for (size_t i = 0; wn_stage_option_at("extract", i, &key, &def, &help);
         i++)
        printf("%-30s %-6s %s\n", key, def, help);
}

int cmd_extract(int argc, char **argv)
{
    enum { O_PARSER = 0x200, O_LIST, O_KEEP };
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"to", required_argument, 0, 't'},
        {"mode", required_argument, 0, 'm'},
        {"parser", required_argument, 0, O_PARSER},
        {"list-options", no_argument, 0, O_LIST},
        {"keep-empty", no_argument, 0, O_KEEP},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "extract");
    int c;
    optind = 1;
    while (!j.usage &&
           (c = getopt_long(argc, argv, "f:t:o:m:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case 'm': cli_job_set(&j, "extract.mode", optarg); break;
        case O_PARSER: cli_job_set(&j, "extract.parser", optarg); break;
        case O_LIST:
            list_options();
            cli_job_release(&j);
            return EXIT_CLEAN;
        case O_KEEP: j.keep_rejects = 1; break;
        case 'h':
            fputs(extract_help, stdout);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE; break;
        }
    }
    cli_job_set(&j, "run.stages", "extract");
    wn_engine *e;
    int status = cli_job_start(&j, extract_help, argc - optind, &e);
    if (status)
        return status;
    status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
    uint64_t in = 0, empty = 0, bytes = 0;
    wn_engine_stage_stats(e, 0, NULL, &in, &empty, NULL, &bytes);
    uint64_t nread, kept;
    wn_engine_totals(e, &nread, &kept, NULL);
    if (!j.quiet)
        fprintf(stderr,
                "winnow extract: %llu documents (%.1f MB) -> %llu "
                "documents, %llu pages empty or index%s, %llu bad-input "
                "events\n",
                (unsigned long long)in, bytes / 1e6,
                (unsigned long long)(j.keep_rejects ? nread : kept),
                (unsigned long long)empty, j.keep_rejects ? " (kept)" : "",
                (unsigned long long)wn_stats_bad(wn_engine_input_stats(e)));
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
