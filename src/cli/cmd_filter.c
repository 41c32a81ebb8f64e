/*
 * cmd_filter.c - `winnow filter`: language identification, the quality
 * filters (Gopher, C4, FineWeb) and PII redaction over documents, every
 * rejection kept with its reason.
 *
 * Each document goes through the chosen stages in pipeline order (langid,
 * gopher_quality, gopher_repetition, c4_filter, fineweb, then pii on the
 * kept ones); the first stage that drops it names the reason, written as
 * metadata reject_reason when --rejects is given.  Nothing is lost: the
 * command counts read, kept and rejected documents and fails loudly if
 * read != kept + rejected.  Built only on winnow.h's wn_stage API.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char filter_help[] =
    "usage: winnow filter [OPTIONS] INPUT...\n"
    "\n"
    "Identifies each document's language, drops documents that fail the\n"
    "Gopher, C4 or FineWeb quality rules (or are not in the wanted\n"
    "languages) and optionally redacts e-mail addresses, IP addresses and\n"
    "phone numbers.  Kept documents go to the output with metadata\n"
    "language and language_score; rejected ones, with reject_reason (e.g.\n"
    "\"gopher_quality:mean_word_length=2.1<3\"), to --rejects.  Every\n"
    "threshold is an option: see docs/filters.md or\n"
    "'winnow run --print-config'.\n"
    "\n"
    "options:\n"
    "  -f, --from FORMAT        auto (default), warc, jsonl or text\n"
    "  -o, --output FILE        kept documents (default: stdout)\n"
    "      --rejects FILE       rejected documents, with reject_reason\n"
    "      --filters LIST       stages to run, in pipeline order (default:\n"
    "                           langid,gopher_quality,gopher_repetition,\n"
    "                           c4_filter,fineweb)\n"
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
    "      --stats FILE         counters as JSON (read, kept, rejected per\n"
    "                           filter, redactions, input)\n"
    "      --timing             time spent in each stage, on stderr\n"
    "  -q, --quiet              no summary line on stderr\n"
    "  -h, --help               this help\n"
    "\n"
    "exit status: 0 clean run, 1 finished but some input was bad, 2 usage\n"
    "error.\n"
    "\n"
    "examples:\n"
    "  winnow filter docs.jsonl.zst -o good.jsonl.zst --rejects bad.jsonl\n"
    "  winnow filter --languages en,de --min-language-score 0.65 \\\n"
    "      --langid-model lid.176.ftz crawl.warc.wet.gz -o en-de.jsonl\n"
    "  winnow filter --redact email,ip,phone --disable c4_filter pages/\n"
    "  winnow filter --filters fineweb --set fineweb.max_dup_line_char_frac="
    "0.1 x.jsonl\n";

static const char *const default_filters[] = {
    "langid", "gopher_quality", "gopher_repetition", "c4_filter", "fineweb"};
static const char *const known[] = {"langid", "gopher_quality",
                                    "gopher_repetition", "c4_filter",
                                    "fineweb", "pii"};
#define NKNOWN (sizeof known / sizeof *known)

enum { O_REJECTS = 0x100, O_FILTERS, O_DISABLE, O_LANGS, O_MINSCORE,
       O_MODEL, O_REDACT, O_SET, O_CONFIG, O_FIELD, O_STATS, O_TIMING };

typedef struct run {
    wn_stage *st[NKNOWN];
    size_t nst;
    uint64_t rejected_by[NKNOWN];
    double secs[NKNOWN];
    uint64_t bytes[NKNOWN]; /* text each stage saw */
    uint64_t read, kept, rejected, text_bytes;
    uint64_t redacted[3];
    int timing;
    wn_writer *out, *rej;
    wn_buf reason;
} run;

/* CPU time of this thread: MB/s per core, whatever else the machine
 * runs (wall time would charge a stage for being preempted). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void count_redactions(run *r, const wn_doc *doc)
{
    static const char *const keys[] = {"pii_email", "pii_ip", "pii_phone"};
    for (int k = 0; k < 3; k++) {
        const char *v;
        size_t n;
        if (wn_doc_meta_get(doc, keys[k], &v, &n))
            r->redacted[k] += strtoull(v, NULL, 10);
    }
}

static int filter_one(void *ctx, wn_doc *doc)
{
    run *r = ctx;
    wn_error err;
    r->read++;
    r->text_bytes += doc->text.len;
    for (size_t i = 0; i < r->nst; i++) {
        double t0 = r->timing ? now() : 0;
        r->bytes[i] += doc->text.len;
        wn_buf_reset(&r->reason);
        int rc = wn_stage_process(r->st[i], doc, &r->reason);
        if (r->timing)
            r->secs[i] += now() - t0;
        if (rc < 0) {
            cli_errorf("filter: %s: %s", wn_stage_name(r->st[i]),
                       wn_strerror(rc));
            return -1;
        }
        if (rc == 0) {
            r->rejected++;
            r->rejected_by[i]++;
            if (!r->rej)
                return 0;
            const char *why = r->reason.len ? r->reason.data
                                            : wn_stage_name(r->st[i]);
            if (wn_doc_meta_set_str(doc, "reject_reason", why, strlen(why)) ||
                wn_writer_write(r->rej, doc, &err)) {
                cli_report(&err);
                return -1;
            }
            return 0;
        }
    }
    count_redactions(r, doc);
    r->kept++;
    if (wn_writer_write(r->out, doc, &err)) {
        cli_report(&err);
        return -1;
    }
    return 0;
}

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

static int write_stats(const char *path, const run *r, const wn_stats *in)
{
    wn_buf b = WN_BUF_INIT;
    wn_buf_printf(&b, "{\"read\":%llu,\"kept\":%llu,\"rejected\":%llu,"
                      "\"rejected_by\":{",
                  (unsigned long long)r->read, (unsigned long long)r->kept,
                  (unsigned long long)r->rejected);
    for (size_t i = 0; i < r->nst; i++)
        wn_buf_printf(&b, "%s\"%s\":%llu", i ? "," : "",
                      wn_stage_name(r->st[i]),
                      (unsigned long long)r->rejected_by[i]);
    wn_buf_printf(&b, "},\"redacted\":{\"email\":%llu,\"ip\":%llu,"
                      "\"phone\":%llu},\"input\":",
                  (unsigned long long)r->redacted[0],
                  (unsigned long long)r->redacted[1],
                  (unsigned long long)r->redacted[2]);
    wn_stats_write_json(in, &b);
    wn_buf_puts(&b, "}");
    wn_writer *w;
    wn_error err;
    int rc = wn_writer_open(path, WN_OUT_JSONL, &w, &err);
    if (!rc && (rc = wn_writer_write_line(w, b.data, b.len, &err)))
        wn_writer_abort(w);
    else if (!rc)
        rc = wn_writer_close(w, &err);
    if (rc)
        cli_report(&err);
    wn_buf_release(&b);
    return rc ? -1 : 0;
}

/* Stages to run, from --filters, --disable and --redact.  Returns 0 or
 * EXIT_USAGE (reported). */
static int choose(const char *filters, const char *disable, int redact,
                  const char **names, size_t *n)
{
    *n = 0;
    for (const char *p = disable; p && *p;) {
        size_t k = strcspn(p, ",");
        int ok = 0;
        for (size_t i = 0; i < NKNOWN; i++)
            ok |= strlen(known[i]) == k && !strncmp(p, known[i], k);
        if (!ok) {
            cli_errorf("filter: --disable: unknown filter '%.*s'", (int)k, p);
            return EXIT_USAGE;
        }
        p += k + (p[k] == ',');
    }
    for (const char *p = filters; p && *p;) {
        size_t k = strcspn(p, ",");
        int ok = 0;
        for (size_t i = 0; i < NKNOWN; i++)
            ok |= strlen(known[i]) == k && !strncmp(p, known[i], k);
        if (!ok) {
            cli_errorf("filter: --filters: unknown filter '%.*s'", (int)k, p);
            return EXIT_USAGE;
        }
        p += k + (p[k] == ',');
    }
    for (size_t i = 0; i < NKNOWN; i++) {
        int want = 0;
        if (filters)
            want = in_list(filters, known[i]);
        else
            for (size_t j = 0; j < sizeof default_filters /
                                       sizeof *default_filters; j++)
                want |= !strcmp(default_filters[j], known[i]);
        if (!strcmp(known[i], "pii") && redact)
            want = 1;
        if (want && !in_list(disable, known[i]))
            names[(*n)++] = known[i];
    }
    return 0;
}

static int add_list(char **list, const char *item)
{
    size_t a = *list ? strlen(*list) : 0, b = strlen(item);
    char *p = realloc(*list, a + b + 2);
    if (!p)
        return -1;
    if (a)
        p[a++] = ',';
    memcpy(p + a, item, b + 1);
    *list = p;
    return 0;
}

int cmd_filter(int argc, char **argv)
{
    static const struct option opts[] = {
        {"from", required_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'},
        {"rejects", required_argument, 0, O_REJECTS},
        {"filters", required_argument, 0, O_FILTERS},
        {"disable", required_argument, 0, O_DISABLE},
        {"languages", required_argument, 0, O_LANGS},
        {"min-language-score", required_argument, 0, O_MINSCORE},
        {"langid-model", required_argument, 0, O_MODEL},
        {"redact", required_argument, 0, O_REDACT},
        {"set", required_argument, 0, O_SET},
        {"config", required_argument, 0, O_CONFIG},
        {"text-field", required_argument, 0, O_FIELD},
        {"stats", required_argument, 0, O_STATS},
        {"timing", no_argument, 0, O_TIMING},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    ro.warn = cli_warn;
    const char *out = NULL, *rejects = NULL, *filters = NULL,
               *stats_path = NULL;
    char *disable = NULL;
    int quiet = 0, c, redact = 0, status = EXIT_CLEAN, timing = 0;
    wn_config *cfg = wn_config_new();
    wn_error err;
    if (!cfg) {
        cli_errorf("filter: out of memory");
        return EXIT_BAD_INPUT;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qh", opts, NULL)) != -1) {
        int rc = 0;
        char *eq;
        switch (c) {
        case 'f':
            if (cli_opt_from("filter", optarg, &ro))
                status = EXIT_USAGE;
            break;
        case 'o': out = optarg; break;
        case O_REJECTS: rejects = optarg; break;
        case O_FILTERS: filters = optarg; break;
        case O_DISABLE: rc = add_list(&disable, optarg); break;
        case O_LANGS: rc = wn_config_set(cfg, "langid.languages", optarg); break;
        case O_MINSCORE: {
            char *e;
            strtod(optarg, &e);
            if (*e || !*optarg) {
                cli_errorf("filter: --min-language-score: '%s' is not a "
                           "number", optarg);
                status = EXIT_USAGE;
            }
            rc = wn_config_set(cfg, "langid.min_score", optarg);
            break;
        }
        case O_MODEL: rc = wn_config_set(cfg, "langid.model", optarg); break;
        case O_REDACT:
            redact = 1;
            rc = wn_config_set(cfg, "pii.redact", optarg);
            break;
        case O_SET:
            if (!(eq = strchr(optarg, '=')) || eq == optarg) {
                cli_errorf("filter: --set wants KEY=VALUE, not '%s'", optarg);
                status = EXIT_USAGE;
                break;
            }
            *eq = '\0';
            rc = wn_config_set(cfg, optarg, eq + 1);
            *eq = '=';
            break;
        case O_CONFIG:
            if (wn_config_load_ini(cfg, optarg, &err)) {
                cli_report(&err);
                status = EXIT_USAGE;
            }
            break;
        case O_FIELD: ro.text_field = optarg; break;
        case O_STATS: stats_path = optarg; break;
        case O_TIMING: timing = 1; break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(filter_help, stdout);
            wn_config_free(cfg);
            free(disable);
            return EXIT_CLEAN;
        default: status = EXIT_USAGE; break;
        }
        if (rc) {
            cli_errorf("filter: out of memory");
            status = EXIT_BAD_INPUT;
        }
        if (status)
            break;
    }
    if (!status && optind >= argc) {
        cli_errorf("filter: no input given");
        status = EXIT_USAGE;
    }
    const char *names[NKNOWN];
    size_t nnames = 0;
    if (!status)
        status = choose(filters, disable, redact, names, &nnames);
    free(disable);
    if (status) {
        if (status == EXIT_USAGE)
            fputs(filter_help, stderr);
        wn_config_free(cfg);
        return status;
    }

    run r;
    memset(&r, 0, sizeof r);
    r.timing = timing;
    for (size_t i = 0; i < nnames; i++) {
        if (wn_stage_new(names[i], cfg, &r.st[i], &err)) {
            cli_errorf("filter: %s: %s", names[i], err.msg);
            status = err.code == WN_EINVAL ? EXIT_USAGE : EXIT_BAD_INPUT;
            break;
        }
        r.nst++;
    }
    wn_config_free(cfg);
    char **files = NULL;
    size_t nfiles = 0;
    wn_stats total;
    memset(&total, 0, sizeof total);
    int fatal = status != 0;
    if (!fatal && wn_inputs_expand((const char *const *)argv + optind,
                                   (size_t)(argc - optind), &files, &nfiles,
                                   &err)) {
        cli_report(&err);
        fatal = 1;
    }
    if (!fatal && (wn_writer_open(out, WN_OUT_JSONL, &r.out, &err) ||
                   (rejects &&
                    wn_writer_open(rejects, WN_OUT_JSONL, &r.rej, &err)))) {
        cli_report(&err);
        fatal = 1;
    }
    double t0 = now();
    if (!fatal && clean_each_doc(files, nfiles, &ro, filter_one, &r, &total))
        fatal = 1;
    double elapsed = now() - t0;
    wn_inputs_free(files, nfiles);
    wn_writer *ws[2] = {r.out, r.rej};
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
    if (!fatal && r.read != r.kept + r.rejected) {
        cli_errorf("filter: read %llu != kept %llu + rejected %llu",
                   (unsigned long long)r.read, (unsigned long long)r.kept,
                   (unsigned long long)r.rejected);
        fatal = 1;
    }
    if (!fatal && stats_path && write_stats(stats_path, &r, &total))
        fatal = 1;
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    uint64_t bad = wn_stats_bad(&total);
    if (!quiet && r.nst) {
        fprintf(stderr,
                "winnow filter: read %llu = kept %llu + rejected %llu (",
                (unsigned long long)r.read, (unsigned long long)r.kept,
                (unsigned long long)r.rejected);
        for (size_t i = 0; i < r.nst; i++)
            fprintf(stderr, "%s%s %llu", i ? ", " : "",
                    wn_stage_name(r.st[i]),
                    (unsigned long long)r.rejected_by[i]);
        fprintf(stderr, "), %llu bad-input events", (unsigned long long)bad);
        if (r.redacted[0] + r.redacted[1] + r.redacted[2])
            fprintf(stderr, "; redacted %llu email, %llu ip, %llu phone",
                    (unsigned long long)r.redacted[0],
                    (unsigned long long)r.redacted[1],
                    (unsigned long long)r.redacted[2]);
        fputc('\n', stderr);
    }
    if (timing && r.nst) {
        double mb = r.text_bytes / 1e6, all = 0;
        for (size_t i = 0; i < r.nst; i++) {
            all += r.secs[i];
            fprintf(stderr, "winnow filter: timing %-18s %8.3f s %9.1f MB/s"
                            " (%.1f MB seen)\n",
                    wn_stage_name(r.st[i]), r.secs[i],
                    r.secs[i] > 0 ? r.bytes[i] / 1e6 / r.secs[i] : 0.0,
                    r.bytes[i] / 1e6);
        }
        fprintf(stderr,
                "winnow filter: timing %-18s %8.3f s %9.1f MB/s (%.1f MB "
                "text; %.3f s end to end)\n",
                "all stages", all, all > 0 ? mb / all : 0.0, mb, elapsed);
    }
    for (size_t i = 0; i < r.nst; i++)
        wn_stage_free(r.st[i]);
    wn_buf_release(&r.reason);
    if (status)
        return status;
    return (fatal || bad) ? EXIT_BAD_INPUT : EXIT_CLEAN;
}
