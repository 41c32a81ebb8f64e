/*
 * cmd_run.c - `winnow run`: the whole job in one command, with progress
 * on a terminal.
 */
#include "cli.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_help[] =
    "usage: winnow run [OPTIONS] INPUT... -o OUTDIR\n"
    "\n"
    "Reads any supported input (WARC/WET, JSONL, text; gzip, zstd or plain),\n"
    "cleans, filters and deduplicates it, and writes\n"
    "  OUTDIR/data/part-NNNNN.jsonl.zst     the kept documents\n"
    "  OUTDIR/rejects/part-NNNNN.jsonl.zst  every rejected document, with\n"
    "                                       reject_reason\n"
    "  OUTDIR/stats.json, OUTDIR/report.html\n"
    "  OUTDIR/problems.jsonl                every bad-input event (file, offset,\n"
    "                                       message)\n"
    "  OUTDIR/timing.json                   each stage's CPU time\n"
    "  OUTDIR/manifest.json                 the run's options, inputs and files\n"
    "Killed, it resumes from finished work (OUTDIR/work) when started again\n"
    "with the same command; the output is the same whatever -j is.  OUTDIR\n"
    "must be new, empty, or hold only this run's files (see --force).\n"
    "\n"
    "options:\n"
    "  -o, --output OUTDIR     output directory (required)\n"
    "  -j, --jobs N            worker threads (default: all cores)\n"
    "  -c, --config FILE       INI file setting any option ([run], [dedup],\n"
    "                          one section per stage; see docs/CONFIG.md)\n"
    "      --set KEY=VALUE     set one option, e.g. --set gopher_quality.min_words=30\n"
    "      --stages LIST       per-document stages, comma separated\n"
    "      --no-dedup          keep duplicates\n"
    "      --annotate          drop nothing (but unreadable input): every\n"
    "                          stage's verdict and signals go into the\n"
    "                          metadata, for 'winnow select' (run.mode =\n"
    "                          annotate; no dedup)\n"
    "      --languages LIST    languages to keep (default en; 'all' keeps all);\n"
    "                          each document is judged under its language's\n"
    "                          settings ([stage.LANG] in --print-config)\n"
    "      --preset NAME       english (default) or multilingual: every\n"
    "                          language kept (the default when --languages\n"
    "                          names another language than en)\n"
    "      --shard-size SIZE   uncompressed bytes per output shard (256M)\n"
    "      --from FORMAT       auto (default), warc, jsonl or text\n"
    "      --text-field NAME   JSONL text field (default text)\n"
    "      --print-config      print the effective configuration and exit\n"
    "      --list-stages       list the stages and exit\n"
    "      --progress          show progress even when stderr is not a terminal\n"
    "      --no-progress       never show progress\n"
    "      --stats FILE        stats.json written there too\n"
    "      --force             write into an OUTDIR holding other files: another\n"
    "                          run's output is replaced, its shards removed\n"
    "      --keep-work         keep OUTDIR/work after the run (removed by default)\n"
    "  -q, --quiet             no summary line\n"
    "  -h, --help              this help\n"
    "\n"
    "Defaults are a preset for English web text: HTML extraction, line\n"
    "cleaning with site-template lines, language ID (en, score >= 0.65),\n"
    "Gopher, C4 and FineWeb quality rules, PII redaction, exact and\n"
    "MinHash near-duplicate removal.  Off by default, after document dedup:\n"
    "repeated paragraphs (--set dedup.paragraphs=1, allenai/bff's rule),\n"
    "then repeated substrings of >= substr.min_length bytes (--set\n"
    "run.substr=1, as 'winnow substr'; documents cut below\n"
    "substr.min_doc_bytes go to rejects).  See docs/dedup.md.\n"
    "\n"
    "exit status: 0 clean run; 1 finished, but some input was bad (see\n"
    "OUTDIR/problems.jsonl; an input cut short by a read error is read again\n"
    "when the same command runs again); 2 usage error; 3 failed, output not\n"
    "written (output not writable, disk full, OUTDIR in use by another run,\n"
    "I/O error on output or work files).\n"
    "\n"
    "examples:\n"
    "  winnow run crawl/*.warc.wet.gz -o corpus\n"
    "  winnow run -j 8 --languages en,de dumps/ -o corpus\n"
    "  winnow run --preset multilingual crawl/ -o corpus\n"
    "  winnow run --languages zh,ja --print-config\n"
    "  winnow run --config english.ini --print-config\n"
    "  winnow run --set run.dedup=0 --stages normalize,clean pages/ -o out\n"
    "  winnow run --annotate crawl/ -o annotated   # then: winnow select\n"
    "  winnow run --set run.substr=1 --set substr.memory=4G crawl/ -o corpus\n";

/* Options of the preset for English web text, applied unless set (also
 * by winnow select, which decides as this run would). */
const char *const cli_run_preset[][2] = {
    {"langid.languages", "en"},
    {"langid.min_score", "0.65"},
};
const size_t cli_run_npreset = sizeof cli_run_preset / sizeof *cli_run_preset;

/* --preset multilingual: every language, each judged under its own
 * settings (the language table, docs/filters.md); the language score
 * bound stays FineWeb's 0.65 (FineWeb-2's per-language bounds are
 * GlotLID probabilities, not comparable with CLD2's scores). */
static const char *const run_multilingual[][2] = {
    {"langid.languages", "all"},
    {"langid.min_score", "0.65"},
};

/* Does the --languages list name a language other than English? */
static int names_other_language(const char *list)
{
    const char *cur = list;
    while (*cur) {
        cur += strspn(cur, " ,");
        size_t n = strcspn(cur, " ,");
        if (n && !(n == 2 && !strncmp(cur, "en", 2)))
            return 1;
        cur += n;
    }
    return 0;
}

struct progress {
    wn_run *run;
    int stop;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct timespec t0;
};

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void show(struct progress *pg, int final)
{
    wn_progress p = WN_PROGRESS_INIT;
    wn_run_get_progress(pg->run, &p);
    double s = since(&pg->t0);
    double eta = p.fraction > 0.01 ? s * (1 - p.fraction) / p.fraction : -1;
    char etas[32] = "?";
    if (eta >= 0)
        snprintf(etas, sizeof etas, "%d:%02d", (int)eta / 60, (int)eta % 60);
    fprintf(stderr,
            "\r\033[K[%s] %3.0f%%  %.1f/%.1f MB  %llu docs (%.0f%% kept)  "
            "%.0f docs/s  %.1f MB/s  ETA %s%s",
            p.phase, p.fraction * 100, p.bytes_done / 1e6, p.bytes_total / 1e6,
            (unsigned long long)p.docs_read,
            p.docs_read ? 100.0 * p.docs_kept / p.docs_read : 0.0,
            s > 0 ? p.docs_read / s : 0.0, s > 0 ? p.bytes_done / s / 1e6 : 0.0,
            etas, final ? "\n" : "");
    fflush(stderr);
}

static void *progress_main(void *arg)
{
    struct progress *pg = arg;
    pthread_mutex_lock(&pg->mu);
    while (!pg->stop) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        t.tv_nsec += 500000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pg->cv, &pg->mu, &t);
        if (!pg->stop)
            show(pg, 0);
    }
    pthread_mutex_unlock(&pg->mu);
    return NULL;
}

/* The command line for the report: "winnow run ARGS", an argument with
 * blanks or quotes in single quotes. */
static void set_command(wn_run *run, int argc, char **argv)
{
    wn_buf b = WN_BUF_INIT;
    int rc = wn_buf_puts(&b, "winnow");
    for (int i = 0; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (a[strcspn(a, " \t\n'\"\\$`")] || !*a) {
            rc = wn_buf_puts(&b, " '");
            for (; *a && !rc; a++)
                rc = *a == '\'' ? wn_buf_puts(&b, "'\\''") : wn_buf_putc(&b, *a);
            rc = rc ? rc : wn_buf_putc(&b, '\'');
        } else
            rc = wn_buf_printf(&b, " %s", a);
    }
    if (!rc)
        wn_run_set_command(run, b.data); /* without it, no command shown */
    wn_buf_release(&b);
}

/* How the run is executed: in this process by default; winnow-mpi
 * (src/mpi) spreads it over MPI ranks.  The executor may replace *run with
 * the handle whose totals should be reported, or set it to NULL when this
 * process has nothing to report. */
static int local_exec(wn_run **run, const wn_config *cfg,
                      const char *const *inputs, size_t n, const char *outdir,
                      wn_error *err)
{
    (void)cfg;
    return wn_run_exec(*run, inputs, n, outdir, err);
}

cli_run_executor cli_run_exec = local_exec;

int cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_JOB_LONGOPTS,
        {"stages", required_argument, 0, 2},
        {"no-dedup", no_argument, 0, 3},
        {"languages", required_argument, 0, 4},
        {"shard-size", required_argument, 0, 5},
        {"print-config", no_argument, 0, 8},
        {"list-stages", no_argument, 0, 9},
        {"progress", no_argument, 0, 10},
        {"no-progress", no_argument, 0, 11},
        {"force", no_argument, 0, 12},
        {"keep-work", no_argument, 0, 13},
        {"annotate", no_argument, 0, 14},
        {"preset", required_argument, 0, 15},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    cli_job j;
    cli_job_init(&j, "run");
    int print = 0, list = 0, progress = -1, c, multi = -1;
    unsigned flags = 0;
    optind = 1;
    while (!j.usage && (c = getopt_long(argc, argv, "o:j:c:f:qh", opts, NULL)) != -1) {
        if (c == 'c')
            c = CLI_OPT_CONFIG; /* -c is run's short --config */
        if (cli_job_option(&j, c, optarg))
            continue;
        switch (c) {
        case 2: cli_job_set(&j, "run.stages", optarg); break;
        case 3: cli_job_set(&j, "run.dedup", "0"); break;
        case 4:
            cli_job_set(&j, "langid.languages", optarg);
            if (multi < 0 && names_other_language(optarg))
                multi = 2; /* implied; an explicit --preset wins */
            break;
        case 5: cli_job_set(&j, "run.shard_size", optarg); break;
        case 8: print = 1; break;
        case 9: list = 1; break;
        case 10: progress = 1; break;
        case 11: progress = 0; break;
        case 12: flags |= WN_RUN_FORCE; break;
        case 13: flags |= WN_RUN_KEEP_WORK; break;
        case 14: cli_job_set(&j, "run.mode", "annotate"); break;
        case 15:
            if (!strcmp(optarg, "multilingual"))
                multi = 1;
            else if (!strcmp(optarg, "english"))
                multi = 0;
            else {
                cli_errorf("run: unknown preset '%s' (english or "
                           "multilingual)", optarg);
                j.usage = EXIT_USAGE;
            }
            break;
        case 'h':
            fputs(run_help, stdout);
            cli_job_release(&j);
            return EXIT_CLEAN;
        default: j.usage = EXIT_USAGE;
        }
    }
    const char *outdir = j.output;
    int quiet = j.quiet;
    wn_config *cfg = NULL;
    wn_error err = {0};
    int rc = EXIT_CLEAN;
    if (j.usage) {
        if (j.usage == EXIT_USAGE)
            fputs(run_help, stderr);
        rc = j.usage;
        goto out;
    }
    if (list) {
        for (size_t i = 0; wn_stage_name_at(i); i++)
            printf("%-18s %-8s %s\n", wn_stage_name_at(i),
                   wn_stage_group(wn_stage_name_at(i)),
                   wn_stage_summary(wn_stage_name_at(i)));
        goto out;
    }
    if ((rc = multi > 0 ? cli_job_config(&j, run_multilingual,
                                         sizeof run_multilingual /
                                             sizeof *run_multilingual,
                                         &cfg)
                        : cli_job_config(&j, cli_run_preset, cli_run_npreset,
                                         &cfg)))
        goto out;
    if (print) {
        wn_buf b = WN_BUF_INIT;
        if (wn_run_print_config(cfg, &b, &err)) {
            cli_report(&err);
            rc = err.code == WN_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
        } else
            fputs(b.data, stdout);
        wn_buf_release(&b);
        goto out;
    }
    if (!outdir || optind >= argc) {
        cli_errorf("run: %s", !outdir ? "no output directory (-o OUTDIR)"
                                      : "no input given");
        fputs(run_help, stderr);
        rc = EXIT_USAGE;
        goto out;
    }
    wn_run *run;
    if (wn_run_new(cfg, &run, &err)) {
        cli_report(&err);
        rc = err.code == WN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
        goto out;
    }
    wn_run_set_warn(run, cli_warn, NULL);
    wn_run_set_flags(run, flags);
    set_command(run, argc, argv);
    struct progress pg;
    memset(&pg, 0, sizeof pg);
    pg.run = run;
    clock_gettime(CLOCK_MONOTONIC, &pg.t0);
    pthread_t th;
    int show_progress = progress == 1 || (progress == -1 && isatty(2));
    if (show_progress) {
        pthread_mutex_init(&pg.mu, NULL);
        pthread_cond_init(&pg.cv, NULL);
        if (pthread_create(&th, NULL, progress_main, &pg))
            show_progress = 0;
    }
    wn_run *first = run;
    int xr = cli_run_exec(&run, cfg, (const char *const *)argv + optind,
                          (size_t)(argc - optind), outdir, &err);
    if (show_progress) {
        pthread_mutex_lock(&pg.mu);
        pg.stop = 1;
        pthread_cond_signal(&pg.cv);
        pthread_mutex_unlock(&pg.mu);
        pthread_join(th, NULL);
        show(&pg, 1);
    }
    if (run != first)
        wn_run_free(first);
    if (xr) {
        /* the outputs could not be written (disk, lock, work files) */
        cli_report(&err);
        rc = EXIT_FAILED;
    } else if (run) {
        uint64_t nread, kept, rejected;
        wn_run_totals(run, &nread, &kept, &rejected);
        uint64_t bad = wn_stats_bad(wn_run_input_stats(run));
        if (cli_suppressed())
            cli_errorf("%lu more problems not shown", cli_suppressed());
        if (!quiet)
            fprintf(stderr,
                    "winnow run: %llu documents read, %llu kept, %llu "
                    "rejected, %llu bad-input events; output in %s/\n",
                    (unsigned long long)nread, (unsigned long long)kept,
                    (unsigned long long)rejected, (unsigned long long)bad,
                    outdir);
        if (bad)
            rc = EXIT_BAD_INPUT;
        if (j.stats) { /* stats.json there too */
            wn_buf b = WN_BUF_INIT;
            if (wn_run_stats_json(run, &b)) {
                cli_errorf("run: out of memory");
                rc = EXIT_FAILED;
            } else if (cli_write_text(j.stats, &b))
                rc = EXIT_FAILED;
            wn_buf_release(&b);
        }
    }
    wn_run_free(run);
out:
    wn_config_free(cfg);
    cli_job_release(&j);
    return rc;
}
