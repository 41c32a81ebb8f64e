/*
 * cmd_filter.c - `winnow filter`: URL block lists, language
 * identification, the quality filters (Gopher, C4, FineWeb, a fastText
 * classifier) and PII redaction over documents, every rejection kept with
 * its reason.
 *
 * The engine runs the chosen stages in registry order (langid,
 * gopher_repetition, gopher_quality, c4_filter, fineweb, then pii on the
 * kept ones), as winnow run does; the first stage that drops a document
 * names the reason, written as metadata reject_reason when --rejects is
 * given.  Nothing is lost: the engine books read = kept + rejected.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char filter_help[] =
    "usage: winnow filter [OPTIONS] INPUT...\n"
    "\n"
    "Identifies each document's language, drops documents that fail the\n"
    "Gopher, C4 or FineWeb quality rules (or are not in the wanted\n"
    "languages), with block lists of domains, URLs and URL words\n"
    "(url_filter.*) and with a fastText quality model (classifier.*), and\n"
    "optionally redacts e-mail addresses, IP addresses and phone numbers.\n"
    "Kept documents go to the output with metadata language and\n"
    "language_score; rejected ones, with reject_reason (e.g.\n"
    "\"gopher_quality:mean_word_length=2.1<3\"), to --rejects.  Every\n"
    "threshold is an option: see docs/filters.md or\n"
    "'winnow run --print-config'.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT        auto (default), warc, jsonl or text\n"
    "  -o, --output FILE        kept documents (default: stdout)\n"
    "      --rejects FILE       rejected documents, with reject_reason\n"
    "      --filters LIST       stages to run; they run in pipeline order\n"
    "                           whatever the list's order (default: every\n"
    "                           filter but pii: url_filter, langid,\n"
    "                           gopher_repetition, gopher_quality, c4_filter,\n"
    "                           fineweb, classifier; url_filter keeps all\n"
    "                           without lists, classifier without a model);\n"
    "                           classifier@NAME adds a classifier instance\n"
    "      --disable FILTER     do not run FILTER (repeatable)\n"
    "      --languages LIST     keep only these languages, e.g. en,de\n"
    "      --min-language-score S  keep only language_score >= S\n"
    "      --langid-model PATH  fastText model (lid.176.ftz or .bin): the\n"
    "                           fastText engine instead of built-in CLD2\n"
    "      --redact LIST        redact email, ip and/or phone (adds pii)\n"
    "      --set KEY=VALUE      any stage option, e.g.\n"
    "                           fineweb.max_dup_line_char_frac=0.1\n"
    "      --config FILE        INI file of stage options ([stage] key=v)\n"
    "      --text-field NAME    JSONL field holding the text (default text)\n"
    "      --stats FILE         counters as JSON in the schema of winnow run's\n"
    "                           stats.json (read, kept, rejected by stage and\n"
    "                           reason, redactions, input)\n"
    "  -j, --jobs N             worker threads (default: all cores)\n"
    "      --timing             time spent in each stage, on stderr\n"
    "  -q, --quiet              no summary line on stderr\n"
    "  -h, --help               this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage\n"
    "error, 3 failed (output not written).\n"
    "\n"
    "examples:\n"
    "  winnow filter docs.jsonl.zst -o good.jsonl.zst --rejects bad.jsonl\n"
    "  winnow filter --languages en,de --min-language-score 0.65 \\\n"
    "      --langid-model lid.176.ftz crawl.warc.wet.gz -o en-de.jsonl\n"
    "  winnow filter --redact email,ip,phone --disable c4_filter pages/\n"
    "  winnow filter --filters fineweb --set fineweb.max_dup_line_char_frac="
    "0.1 x.jsonl\n"
    "  winnow filter --filters classifier --set classifier.model=dclm.bin \\\n"
    "      --set classifier.label=__label__hq --set classifier.threshold=0.5 x.jsonl\n"
    "  winnow filter --filters classifier,classifier@edu --set classifier.model=a.bin \\\n"
    "      --set classifier@edu.model=edu.bin x.jsonl\n"
    "  winnow filter --filters url_filter --set url_filter.ut1=blacklists/adult \\\n"
    "      --set url_filter.banned_words=words.txt crawl.warc.wet.gz\n";

/* The filters are the registry's "filter" stages, in its order; pii runs
 * when --redact asks for it (or --filters names it). */
static int is_filter(const char *name, size_t n)
{
    char s[128]; /* "classifier@edu": an instance is its stage's group */
    if (n >= sizeof s)
        return 0;
    memcpy(s, name, n);
    s[n] = 0;
    const char *g = wn_stage_group(s);
    return g && !strcmp(g, "filter");
}

enum { O_FILTERS = 0x100, O_DISABLE, O_LANGS, O_MINSCORE, O_MODEL, O_REDACT,
       O_TIMING };

static int in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, name, n))
            return 1;
        p += k;
        if (*p == ',')
            p++;
    }
    return 0;
}

/* Every name of list is a filter; else reported (usage). */
static int check_names(const char *flag, const char *list)
{
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k && !is_filter(p, k)) {
            cli_errorf("filter: %s: unknown filter '%.*s'", flag, (int)k, p);
            return -1;
        }
        p += k + (p[k] == ',');
    }
    return 0;
}

/* run.stages from --filters, --disable and --redact (the engine runs them
 * in registry order, as winnow run does). */
static int choose(cli_job *j, const char *filters, const char *disable,
                  int redact)
{
    if (check_names("--filters", filters) || check_names("--disable", disable))
        return EXIT_USAGE;
    char list[512] = "";
    size_t len = 0;
    for (size_t i = 0; wn_stage_name_at(i); i++) {
        const char *name = wn_stage_name_at(i);
        if (strcmp(wn_stage_group(name), "filter"))
            continue;
        int pii = !strcmp(name, "pii");
        int want = filters ? in_list(filters, name) : !pii;
        want |= pii && redact;
        if (want && !in_list(disable, name))
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                    len ? "," : "", name);
    }
    /* instances (classifier@edu) run where --filters names them */
    for (const char *p = filters; p && *p && len < sizeof list;) {
        size_t k = strcspn(p, ",");
        if (memchr(p, '@', k))
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%.*s",
                                    len ? "," : "", (int)k, p);
        p += k + (p[k] == ',');
    }
    cli_job_set(j, "run.stages", len ? list : "none");
    return 0;
}

int cmd_filter(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"rejects", required_argument, 0, CLI_OPT_REJECTS},
        {"filters", required_argument, 0, O_FILTERS},
        {"disable", required_argument, 0, O_DISABLE},
        {"languages", required_argument, 0, O_LANGS},
        {"min-language-score", required_argument, 0, O_MINSCORE},
        {"langid-model", required_argument, 0, O_MODEL},
        {"redact", required_argument, 0, O_REDACT},
        {"timing", no_argument, 0, O_TIMING},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "filter");
    const char *filters = NULL;
    char *disable = NULL;
    int c, redact = 0, timing = 0;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "f:o:j:qh", opts, NULL)) != -1) {
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case O_FILTERS: filters = optarg; break;
        case O_DISABLE:
            if (cli_list_add(&disable, optarg))
                j.usage = EXIT_FAILED;
            break;
        case O_LANGS: cli_job_set(&j, "langid.languages", optarg); break;
        case O_MINSCORE: cli_job_set(&j, "langid.min_score", optarg); break;
        case O_MODEL: cli_job_set(&j, "langid.model", optarg); break;
        case O_REDACT:
            redact = 1;
            cli_job_set(&j, "pii.redact", optarg);
            break;
        case O_TIMING: timing = 1; break;
        case 'h':
            fputs(filter_help, stdout);
            free(disable);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE; break;
        }
    }
    if (!j.usage) {
        int u = choose(&j, filters, disable, redact);
        if (u) /* choose may also have set j.usage (out of memory) */
            j.usage = u;
    }
    free(disable);
    wn_engine *e;
    int status = cli_job_start(&j, filter_help, argc - optind, &e);
    if (status)
        return status;
    status = cli_job_exec(&j, e, argv + optind, (size_t)(argc - optind));
    size_t nst = wn_engine_nstages(e);
    if (!j.quiet && nst) {
        uint64_t nread, kept, rejected;
        wn_engine_totals(e, &nread, &kept, &rejected);
        fprintf(stderr,
                "winnow filter: read %llu = kept %llu + rejected %llu (",
                (unsigned long long)nread, (unsigned long long)kept,
                (unsigned long long)rejected);
        const char *name;
        uint64_t rej;
        for (size_t i = 0; wn_engine_stage_stats(e, i, &name, NULL, &rej,
                                                 NULL, NULL); i++)
            fprintf(stderr, "%s%s %llu", i ? ", " : "", name,
                    (unsigned long long)rej);
        fprintf(stderr, "), %llu bad-input events\n",
                (unsigned long long)wn_stats_bad(wn_engine_input_stats(e)));
    }
    if (timing && nst)
        cli_job_timing(e, "filter");
    wn_engine_free(e);
    cli_job_release(&j);
    return status;
}
