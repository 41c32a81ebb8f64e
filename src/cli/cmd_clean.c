/*
 * cmd_clean.c - `winnow clean`: boilerplate lines out, article text kept.
 *
 * The chain is three library stages used through the public wn_stage API:
 * normalize -> site_lines -> clean.  site_lines needs a first pass, so the
 * inputs are read twice: once to count each site's lines (observe), once
 * to clean (process).  Inputs are files, so the second pass simply opens
 * them again; standard input cannot be read twice, so with '-' among the
 * inputs site lines are off unless asked for (then it is a usage error).
 * The chain and the reader loop are shared with `winnow explain`
 * (cmd_explain.c) through cli.h.
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
    "keeps the article.  With site lines on (the default for files), lines\n"
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
    "                        (default for files; not with '-')\n"
    "      --no-site-lines   don't\n"
    "      --set KEY=VALUE   any stage option, e.g. site_lines.min_pages=5\n"
    "                        (winnow explain --options lists them)\n"
    "      --rejects FILE    write dropped documents there, with a\n"
    "                        \"reject_reason\" field\n"
    "      --text-field NAME JSONL field holding the text (default: text)\n"
    "      --stats FILE      write the reader's counters as JSON to FILE\n"
    "  -q, --quiet           no summary on stderr\n"
    "  -h, --help            this help\n"
    "\n"
    "The summary on stderr gives documents kept and dropped and the lines\n"
    "each rule removed.\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage\n"
    "error.\n"
    "\n"
    "examples:\n"
    "  winnow clean pages.jsonl -o clean.jsonl\n"
    "  winnow clean --to text --no-site-lines page.txt\n"
    "  winnow clean --preset c4 --rejects rejected.jsonl crawl.warc.wet.gz\n"
    "  winnow clean --disable nav_run --set site_lines.min_pages=5 site/\n";

void clean_chain_init(clean_chain *ch)
{
    memset(ch, 0, sizeof *ch);
    ch->cfg = wn_config_new();
    ch->site = -1;
}

void clean_chain_release(clean_chain *ch)
{
    wn_stage_free(ch->norm);
    wn_stage_free(ch->sitest);
    wn_stage_free(ch->clean);
    wn_config_free(ch->cfg);
    free(ch->disable);
    memset(ch, 0, sizeof *ch);
}

int clean_chain_option(clean_chain *ch, int c, const char *arg,
                       const char *cmd)
{
    switch (c) {
    case CLEAN_OPT_RULES:
        return wn_config_set(ch->cfg, "clean.rules", arg) ? -1 : 0;
    case CLEAN_OPT_PRESET:
        return wn_config_set(ch->cfg, "clean.preset", arg) ? -1 : 0;
    case CLEAN_OPT_SITE: ch->site = 1; return 0;
    case CLEAN_OPT_NO_SITE: ch->site = 0; return 0;
    case CLEAN_OPT_DISABLE: {
        size_t l = ch->disable ? strlen(ch->disable) : 0;
        char *d = realloc(ch->disable, l + strlen(arg) + 2);
        if (!d)
            return -1;
        if (l)
            d[l++] = ',';
        strcpy(d + l, arg);
        ch->disable = d;
        return wn_config_set(ch->cfg, "clean.disable", d) ? -1 : 0;
    }
    case CLEAN_OPT_SET: {
        const char *eq = strchr(arg, '=');
        if (!eq || eq == arg) {
            cli_errorf("%s: --set wants KEY=VALUE, not '%s'", cmd, arg);
            return -2;
        }
        char key[256];
        snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
        return wn_config_set(ch->cfg, key, eq + 1) ? -1 : 0;
    }
    }
    return -2;
}

int clean_chain_open(clean_chain *ch, char **files, size_t nfiles,
                     const char *cmd)
{
    int stdin_in = 0;
    for (size_t i = 0; i < nfiles; i++)
        stdin_in |= !strcmp(files[i], "-");
    if (ch->site == 1 && stdin_in) {
        cli_errorf("%s: --site-lines reads the inputs twice; standard "
                   "input cannot be", cmd);
        return EXIT_USAGE;
    }
    if (ch->site < 0)
        ch->site = !stdin_in;
    wn_error err;
    if (wn_stage_new("normalize", ch->cfg, &ch->norm, &err) ||
        (ch->site && wn_stage_new("site_lines", ch->cfg, &ch->sitest, &err)) ||
        wn_stage_new("clean", ch->cfg, &ch->clean, &err)) {
        cli_errorf("%s: %s", cmd, err.msg);
        return EXIT_USAGE;
    }
    return 0;
}

int clean_each_doc(char **files, size_t nfiles, const wn_reader_opts *ro,
                   int (*fn)(void *ctx, wn_doc *doc), void *ctx,
                   wn_stats *total)
{
    wn_doc doc = WN_DOC_INIT;
    wn_error err;
    int fatal = 0;
    for (size_t i = 0; i < nfiles && !fatal; i++) {
        wn_reader *r;
        int rc = wn_reader_open(files[i], ro, &r, &err);
        if (rc) {
            cli_report(&err);
            total->files++;
            total->bad_files++;
            continue;
        }
        while ((rc = wn_reader_next(r, &doc, &err)) != WN_EOF) {
            if (rc == WN_DOC) {
                if (fn(ctx, &doc)) {
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
                    total->bad_files++;
                break;
            }
        }
        wn_stats_add(total, wn_reader_stats(r));
        wn_reader_close(r);
    }
    wn_doc_release(&doc);
    return fatal ? -1 : 0;
}

static int observe_one(void *ctx, wn_doc *doc)
{
    clean_chain *ch = ctx;
    wn_buf reason = WN_BUF_INIT;
    int rc = wn_stage_process(ch->norm, doc, &reason);
    if (rc == 1)
        rc = wn_stage_observe(ch->sitest, doc);
    wn_buf_release(&reason);
    if (rc < 0) {
        cli_errorf("site lines: %s", wn_strerror(rc));
        return -1;
    }
    return 0;
}

int clean_chain_first_pass(clean_chain *ch, char **files, size_t nfiles,
                           const wn_reader_opts *ro)
{
    if (!ch->sitest)
        return 0;
    wn_stats ignore;
    memset(&ignore, 0, sizeof ignore);
    /* Problems in the input are reported in the second pass, once. */
    wn_reader_opts quiet = *ro;
    quiet.warn = NULL;
    if (clean_each_doc(files, nfiles, &quiet, observe_one, ch, &ignore))
        return -1;
    wn_error err;
    if (wn_stage_prepare(ch->sitest, &err)) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

struct clean_run {
    clean_chain *ch;
    wn_writer *w, *rej;
    wn_buf reason;
    uint64_t docs, kept, dropped;
};

static int clean_one(void *ctx, wn_doc *doc)
{
    struct clean_run *r = ctx;
    wn_stage *chain[3] = {r->ch->norm, r->ch->sitest, r->ch->clean};
    wn_error err;
    int rc = 1;
    r->docs++;
    for (int i = 0; i < 3 && rc == 1; i++)
        if (chain[i])
            rc = wn_stage_process(chain[i], doc, &r->reason);
    if (rc < 0) {
        cli_errorf("clean: %s", wn_strerror(rc));
        return -1;
    }
    if (rc == 1) {
        r->kept++;
        if (wn_writer_write(r->w, doc, &err)) {
            cli_report(&err);
            return -1;
        }
        return 0;
    }
    r->dropped++;
    if (r->rej &&
        (wn_doc_meta_set_str(doc, "reject_reason", r->reason.data,
                             r->reason.len) ||
         wn_writer_write(r->rej, doc, &err))) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

static void print_counts(wn_stage *st, uint64_t *total)
{
    const char *name;
    uint64_t n;
    for (size_t i = 0; st && wn_clean_rule_at(st, i, &name, &n); i++)
        if (n) {
            fprintf(stderr, "  %-22s %llu\n", name, (unsigned long long)n);
            *total += n;
        }
}

int cmd_clean(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'},
        {"to", required_argument, 0, 't'},
        {"output", required_argument, 0, 'o'},
        {"rules", required_argument, 0, CLEAN_OPT_RULES},
        {"disable", required_argument, 0, CLEAN_OPT_DISABLE},
        {"preset", required_argument, 0, CLEAN_OPT_PRESET},
        {"site-lines", no_argument, 0, CLEAN_OPT_SITE},
        {"no-site-lines", no_argument, 0, CLEAN_OPT_NO_SITE},
        {"set", required_argument, 0, CLEAN_OPT_SET},
        {"rejects", required_argument, 0, 1},
        {"text-field", required_argument, 0, 2},
        {"stats", required_argument, 0, 3},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.warn = cli_warn;
    const char *out = NULL, *rejects = NULL, *stats_path = NULL;
    int to = WN_OUT_JSONL, quiet = 0, c, rc;
    clean_chain ch;
    clean_chain_init(&ch);
    if (!ch.cfg)
        return EXIT_BAD_INPUT;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:t:o:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (cli_opt_from("clean", optarg, &ro))
                goto usage;
            break;
        case 't':
            if (cli_opt_to("clean", optarg, &to))
                goto usage;
            break;
        case 'o': out = optarg; break;
        case 1: rejects = optarg; break;
        case 2: ro.text_field = optarg; break;
        case 3: stats_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(clean_help, stdout);
            clean_chain_release(&ch);
            return EXIT_CLEAN;
        case CLEAN_OPT_RULES: case CLEAN_OPT_DISABLE: case CLEAN_OPT_PRESET:
        case CLEAN_OPT_SITE: case CLEAN_OPT_NO_SITE: case CLEAN_OPT_SET:
            if ((rc = clean_chain_option(&ch, c, optarg, "clean")) == -2)
                goto usage;
            if (rc) {
                cli_errorf("clean: out of memory");
                clean_chain_release(&ch);
                return EXIT_BAD_INPUT;
            }
            break;
        default:
            goto usage;
        }
    }
    if (optind >= argc) {
        cli_errorf("clean: no input given");
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
    if ((rc = clean_chain_open(&ch, files, nfiles, "clean"))) {
        wn_inputs_free(files, nfiles);
        clean_chain_release(&ch);
        return rc;
    }
    wn_stats total;
    memset(&total, 0, sizeof total);
    struct clean_run run = {&ch, NULL, NULL, WN_BUF_INIT, 0, 0, 0};
    int fatal = clean_chain_first_pass(&ch, files, nfiles, &ro) != 0;
    if (!fatal && wn_writer_open(out, to, &run.w, &err)) {
        cli_report(&err);
        fatal = 1;
    }
    if (!fatal && rejects &&
        wn_writer_open(rejects, WN_OUT_JSONL, &run.rej, &err)) {
        cli_report(&err);
        fatal = 1;
    }
    if (!fatal)
        fatal = clean_each_doc(files, nfiles, &ro, clean_one, &run,
                               &total) != 0;
    wn_writer *ws[2] = {run.w, run.rej};
    for (int i = 0; i < 2; i++) {
        if (!ws[i])
            continue;
        if (fatal)
            wn_writer_abort(ws[i]);
        else if (wn_writer_close(ws[i], &err)) {
            cli_report(&err);
            fatal = 1;
        }
    }
    if (stats_path && cli_write_stats(stats_path, &total))
        fatal = 1;
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    uint64_t bad = wn_stats_bad(&total);
    if (!quiet) {
        fprintf(stderr,
                "winnow clean: %llu documents, %llu kept, %llu dropped; "
                "%llu bad-input events; site lines %s\n",
                (unsigned long long)run.docs, (unsigned long long)run.kept,
                (unsigned long long)run.dropped, (unsigned long long)bad,
                ch.sitest ? "on" : "off");
        uint64_t lines = 0;
        fprintf(stderr, "lines dropped by rule:\n");
        print_counts(ch.sitest, &lines);
        print_counts(ch.clean, &lines);
        fprintf(stderr, "  %-22s %llu\n", "total",
                (unsigned long long)lines);
    }
    wn_buf_release(&run.reason);
    wn_inputs_free(files, nfiles);
    clean_chain_release(&ch);
    return (fatal || bad) ? EXIT_BAD_INPUT : EXIT_CLEAN;
usage:
    fputs(clean_help, stderr);
    clean_chain_release(&ch);
    return EXIT_USAGE;
}
