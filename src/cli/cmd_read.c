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
    "  -f, --from FORMAT     auto (default), warc, jsonl or text\n"
    "  -t, --to FORMAT       jsonl (default) or text\n"
    "  -o, --output FILE     output file (default: stdout); .gz and .zst\n"
    "                        compress; the file appears only when complete\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --max-record SIZE largest record or line, e.g. 64M (default 64M)\n"
    "      --no-html         skip HTML response records in WARC files\n"
    "      --stats FILE      write the run's counters as JSON to FILE\n"
    "  -q, --quiet           no summary line on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad (each\n"
    "problem is reported on stderr with file and byte offset), 2 usage error.\n"
    "\n"
    "examples:\n"
    "  winnow read crawl.warc.wet.gz -o docs.jsonl.zst\n"
    "  winnow read --from jsonl --text-field content dump.jsonl.gz\n"
    "  winnow read --to text pages/ > all.txt\n";

int cmd_read(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},
        {"output", required_argument, 0, 'o'},
        {"text-field", required_argument, 0, 1},
        {"max-record", required_argument, 0, 2},
        {"no-html", no_argument, 0, 3},
        {"stats", required_argument, 0, 4},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.warn = cli_warn;
    const char *out = NULL, *stats_path = NULL;
    int to = WN_OUT_JSONL, quiet = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_opt_from("read", optarg, &ro))
                return EXIT_USAGE;
            break;
        case 't':
            if (cli_opt_to("read", optarg, &to))
                return EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case 1: ro.text_field = optarg; break;
        case 2:
            if (wn_parse_size(optarg, &ro.max_record) || !ro.max_record) {
                cli_errorf("read: bad size '%s'", optarg);
                return EXIT_USAGE;
            }
            break;
        case 3: ro.warc_html = 0; break;
        case 4: stats_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h': fputs(read_help, stdout); return EXIT_CLEAN;
        default: fputs(read_help, stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        cli_errorf("read: no input given");
        fputs(read_help, stderr);
        return EXIT_USAGE;
    }
    wn_error err;
    char **files = NULL;
    size_t nfiles = 0;
    wn_stats total;
    memset(&total, 0, sizeof total);
    int fatal = 0;
    if (wn_inputs_expand((const char *const *)argv + optind,
                         (size_t)(argc - optind), &files, &nfiles, &err)) {
        cli_report(&err);
        return EXIT_BAD_INPUT;
    }
    wn_writer *w = NULL;
    if (wn_writer_open(out, to, &w, &err)) {
        cli_report(&err);
        fatal = 1;
    }
    wn_doc doc = WN_DOC_INIT;
    for (size_t i = 0; i < nfiles && !fatal; i++) {
        wn_reader *r;
        int rc = wn_reader_open(files[i], &ro, &r, &err);
        if (rc) {
            cli_report(&err);
            total.files++;
            total.bad_files++;
            continue;
        }
        while ((rc = wn_reader_next(r, &doc, &err)) != WN_EOF) {
            if (rc == WN_DOC) {
                if (wn_writer_write(w, &doc, &err)) {
                    cli_report(&err);
                    fatal = 1;
                    break;
                }
                continue;
            }
            cli_report(&err);
            if (!WN_IS_BAD_INPUT(rc)) {
                if (rc != WN_EIO)
                    fatal = 1;
                else
                    total.bad_files++;
                break;
            }
        }
        wn_stats_add(&total, wn_reader_stats(r));
        wn_reader_close(r);
    }
    wn_doc_release(&doc);
    wn_inputs_free(files, nfiles);
    if (w) {
        if (fatal)
            wn_writer_abort(w);
        else if (wn_writer_close(w, &err)) {
            cli_report(&err);
            fatal = 1;
        }
    }
    if (stats_path && cli_write_stats(stats_path, &total))
        fatal = 1;
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    uint64_t bad = wn_stats_bad(&total);
    if (!quiet)
        fprintf(stderr,
                "winnow read: %llu documents from %llu files (%.1f MB read, "
                "%.1f MB text), %llu bad-input events\n",
                (unsigned long long)total.docs,
                (unsigned long long)total.files, total.bytes_in / 1e6,
                total.text_bytes / 1e6, (unsigned long long)bad);
    return (fatal || bad) ? EXIT_BAD_INPUT : EXIT_CLEAN;
}
