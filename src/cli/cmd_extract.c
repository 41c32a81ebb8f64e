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
    "line between paragraphs.  Adds metadata title, html_lang, http_status.\n"
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
    "      --parser NAME     fast (default) or gumbo (reference, slower)\n"
    "      --set KEY=VALUE   an extract option, e.g. extract.link_density=0.5\n"
    "                        ('winnow extract --list-options' lists them)\n"
    "      --list-options    print the options with defaults and exit\n"
    "      --keep-empty      write pages with no text left (empty text)\n"
    "      --stats FILE      write the reader's counters as JSON to FILE\n"
    "  -q, --quiet           no summary line on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage.\n"
    "\n"
    "examples:\n"
    "  winnow extract crawl.warc.gz -o text.jsonl.zst\n"
    "  winnow extract --from html --to text page.html\n"
    "  winnow extract --mode all --set extract.parser=gumbo pages.jsonl\n";

typedef struct ex_run {
    wn_stage *st;
    wn_writer *w;
    int keep_empty;
    uint64_t pages, docs, empty, html_bytes, text_bytes;
    wn_buf reason;
} ex_run;

/* Runs one document through the stage and writes it; returns 0 or -1
 * (fatal, reported). */
static int ex_doc(ex_run *x, wn_doc *doc)
{
    int html = doc->kind == WN_DOC_HTML;
    if (html) {
        x->pages++;
        x->html_bytes += doc->text.len;
    }
    int rc = wn_stage_process(x->st, doc, &x->reason);
    if (rc < 0) {
        cli_errorf("extract: %s", wn_strerror(rc));
        return -1;
    }
    if (rc == 0) {
        x->empty++;
        if (!x->keep_empty)
            return 0;
    }
    x->docs++;
    x->text_bytes += doc->text.len;
    wn_error err;
    if (wn_writer_write(x->w, doc, &err)) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

/* --from html: the whole file is one page. Returns 0, 1 (bad input,
 * reported) or -1 (fatal). */
static int ex_html_file(ex_run *x, const char *path, wn_doc *doc)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) {
        cli_errorf("%s: cannot open", path);
        return 1;
    }
    wn_buf raw = WN_BUF_INIT;
    char chunk[65536];
    size_t n;
    int rc = 0;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (wn_buf_append(&raw, chunk, n)) {
            rc = -1;
            break;
        }
    if (ferror(f)) {
        cli_errorf("%s: read error", path);
        rc = rc ? rc : 1;
    }
    if (f != stdin)
        fclose(f);
    wn_doc_reset(doc);
    if (!rc &&
        (wn_utf8_repair(raw.data ? raw.data : "", raw.len, &doc->text,
                        NULL) < 0 ||
         wn_buf_puts(&doc->id, path) || wn_buf_puts(&doc->source, path)))
        rc = -1;
    wn_buf_release(&raw);
    if (rc)
        return rc;
    doc->kind = WN_DOC_HTML;
    return ex_doc(x, doc);
}

static int ex_each(void *ctx, wn_doc *doc) { return ex_doc(ctx, doc); }

static void list_options(void)
{
    const char *key, *def, *help;
    for (size_t i = 0; wn_stage_option_at("extract", i, &key, &def, &help);
         i++)
        printf("%-30s %-6s %s\n", key, def, help);
}

int cmd_extract(int argc, char **argv)
{
    enum { O_PARSER = 0x200, O_SET, O_LIST, O_KEEP, O_STATS };
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},
        {"output", required_argument, 0, 'o'},
        {"mode", required_argument, 0, 'm'},
        {"parser", required_argument, 0, O_PARSER},
        {"set", required_argument, 0, O_SET},
        {"list-options", no_argument, 0, O_LIST},
        {"keep-empty", no_argument, 0, O_KEEP},
        {"stats", required_argument, 0, O_STATS},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.warn = cli_warn;
    const char *out = NULL, *stats_path = NULL;
    int to = WN_OUT_JSONL, quiet = 0, from_html = 0, c, usage = 0;
    ex_run x;
    memset(&x, 0, sizeof x);
    wn_config *cfg = wn_config_new();
    if (!cfg) {
        cli_errorf("extract: out of memory");
        return EXIT_BAD_INPUT;
    }
    optind = 1;
    while (!usage &&
           (c = getopt_long(argc, argv, "f:t:o:m:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (!strcmp(optarg, "html"))
                from_html = 1;
            else if (cli_opt_from("extract", optarg, &ro))
                usage = 1;
            break;
        case 't':
            if (cli_opt_to("extract", optarg, &to))
                usage = 1;
            break;
        case 'o': out = optarg; break;
        case 'm': wn_config_set(cfg, "extract.mode", optarg); break;
        case O_PARSER: wn_config_set(cfg, "extract.parser", optarg); break;
        case O_SET: {
            char *eq = strchr(optarg, '=');
            if (!eq || eq == optarg) {
                cli_errorf("extract: --set wants KEY=VALUE, not '%s'",
                           optarg);
                usage = 1;
                break;
            }
            *eq = 0;
            wn_config_set(cfg, optarg, eq + 1);
            *eq = '=';
            break;
        }
        case O_LIST:
            list_options();
            wn_config_free(cfg);
            return EXIT_CLEAN;
        case O_KEEP: x.keep_empty = 1; break;
        case O_STATS: stats_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(extract_help, stdout);
            wn_config_free(cfg);
            return EXIT_CLEAN;
        default: usage = 1; break;
        }
    }
    if (!usage && optind >= argc) {
        cli_errorf("extract: no input given");
        usage = 1;
    }
    wn_error err;
    if (!usage && wn_stage_new("extract", cfg, &x.st, &err)) {
        cli_report(&err);
        usage = 1;
    }
    wn_config_free(cfg);
    if (usage) {
        fputs(extract_help, stderr);
        return EXIT_USAGE;
    }
    char **files = NULL;
    size_t nfiles = 0;
    wn_stats total;
    memset(&total, 0, sizeof total);
    int fatal = 0, bad = 0;
    if (wn_inputs_expand((const char *const *)argv + optind,
                         (size_t)(argc - optind), &files, &nfiles, &err)) {
        cli_report(&err);
        wn_stage_free(x.st);
        return EXIT_BAD_INPUT;
    }
    if (wn_writer_open(out, to, &x.w, &err)) {
        cli_report(&err);
        fatal = 1;
    }
    if (!fatal && from_html) {
        wn_doc doc = WN_DOC_INIT;
        for (size_t i = 0; i < nfiles && !fatal; i++) {
            int rc = ex_html_file(&x, files[i], &doc);
            if (rc < 0)
                fatal = 1;
            else if (rc > 0)
                bad++;
        }
        wn_doc_release(&doc);
    } else if (!fatal &&
               clean_each_doc(files, nfiles, &ro, ex_each, &x, &total))
        fatal = 1;
    wn_inputs_free(files, nfiles);
    if (x.w) {
        if (fatal)
            wn_writer_abort(x.w);
        else if (wn_writer_close(x.w, &err)) {
            cli_report(&err);
            fatal = 1;
        }
    }
    wn_stage_free(x.st);
    wn_buf_release(&x.reason);
    if (stats_path && cli_write_stats(stats_path, &total))
        fatal = 1;
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    uint64_t nbad = wn_stats_bad(&total) + (uint64_t)bad;
    if (!quiet)
        fprintf(stderr,
                "winnow extract: %llu HTML pages (%.1f MB) -> %llu "
                "documents (%.1f MB text), %llu pages empty, %llu "
                "bad-input events\n",
                (unsigned long long)x.pages, x.html_bytes / 1e6,
                (unsigned long long)x.docs, x.text_bytes / 1e6,
                (unsigned long long)x.empty, (unsigned long long)nbad);
    return (fatal || nbad) ? EXIT_BAD_INPUT : EXIT_CLEAN;
}
