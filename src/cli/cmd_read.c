/*
 * cmd_read.c - `winnow read`: inputs in, normalised JSONL (or text) out.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char read_help[] =
    "usage: winnow read [OPTIONS] INPUT...\n"
    "\n"
    "Reads WARC/WET, JSONL or plain-text inputs (gzip, zstd or uncompressed,\n"
    "detected from the bytes) and writes one JSON object per document.\n"
    "Directories are read recursively; '-' is standard input.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT     auto (default), warc, jsonl, text or html\n"
    "  -t, --to FORMAT       jsonl (default) or text\n"
    "  -o, --output FILE     output file (default: stdout); .gz and .zst\n"
    "                        compress; the file appears only when complete\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --max-record SIZE largest record or line, e.g. 64M (default 64M)\n"
    "      --no-html         skip HTML response records in WARC files\n"
    "      --stats FILE      counters as JSON (the schema of winnow run's\n"
    "                        stats.json)\n"
    "      --set KEY=VALUE   an option, e.g. run.max_record=128M\n"
    "      --config FILE     INI file of options (docs/CONFIG.md)\n"
    "  -j, --jobs N          worker threads (default: all cores)\n"
    "  -q, --quiet           no summary line on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad (each\n"
    "problem is reported on stderr with file and byte offset), 2 usage\n"
    "error, 3 failed (output not written: disk full, out of memory, ...).\n"
    "\n"
    "examples:\n"
    "  winnow read crawl.warc.wet.gz -o docs.jsonl.zst\n"
    "  winnow read --from jsonl --text-field content dump.jsonl.gz\n"
    "  winnow read --to text pages/ > all.txt\n";

int cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"to", required_argument, 0, 't'},
        {"max-record", required_argument, 0, CLI_OPT_MAXREC},
        {"no-html", no_argument, 0, 3},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "read");
    int c;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "f:t:o:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case 3: cli_job_set(&j, "run.html", "0"); break;
        case 'h':
            fputs(read_help, stdout);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE; break;
        }
    }
    cli_job_set(&j, "run.stages", "none");
    wn_engine *e;
    int status = cli_job_start(&j, read_help, argc - optind, &e);
    if (status)
        return status;
    status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
    const wn_stats *total = wn_engine_input_stats(e);
    if (!j.quiet)
        fprintf(stderr,
                "winnow read: %llu documents from %llu files (%.1f MB read, "
                "%.1f MB text), %llu bad-input events\n",
                (unsigned long long)total->docs,
                (unsigned long long)total->files, total->bytes_in / 1e6,
                total->text_bytes / 1e6,
                (unsigned long long)wn_stats_bad(total));
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
