/*
 * cmd_dedup.c - `winnow dedup`: exact and near-duplicate removal.
 *
 * Maps flags onto dedup.* configuration keys and calls the library: the
 * whole staged run (wn_dedup_run), one unit of one stage (--stage, for an
 * external scheduler), or the single-pass streaming mode.  Outputs keep the
 * inputs' file names under --output-dir, so a sharded corpus stays sharded.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char dedup_help[] =
    "usage: winnow dedup [OPTIONS] -o DIR INPUT...\n"
    "\n"
    "Removes exact copies (XXH3-128 of the whitespace-normalised text) and\n"
    "near copies (MinHash LSH over word 5-gram shingles of lowercased,\n"
    "digit-folded text without punctuation).  The kept documents of each\n"
    "input go to DIR/<input file name>, in input order; a kept document that\n"
    "stands for copies lists them in \"duplicates\".  Removed documents go to\n"
    "--rejects with \"reject_reason\": \"exact_duplicate:of=ID\" or\n"
    "\"near_duplicate:of=ID,jaccard=0.93\".  The output does not depend on\n"
    "--threads.  See docs/dedup.md.\n"
    "\n"
    "options:\n"
    "  -o, --output-dir DIR  where the deduplicated shards go (required)\n"
    "  -r, --rejects FILE    write removed documents to FILE\n"
    "  -w, --workdir DIR     intermediate files (default DIR/.dedup); a run\n"
    "                        that stops resumes from what is done there\n"
    "      --exact-only      only exact copies\n"
    "      --near-only       only near copies\n"
    "      --ngram N         words per shingle (default 5)\n"
    "      --bands N         LSH bands (default 16)\n"
    "      --rows N          rows per band (default 6)\n"
    "      --minhash KIND    perm (default) or oph\n"
    "      --verify[=MODE]   check candidate pairs against --threshold:\n"
    "                        exact Jaccard (default), estimate (from the\n"
    "                        signatures) or none (every LSH candidate)\n"
    "      --threshold J     Jaccard a verified pair must reach (0.8)\n"
    "      --keep POLICY     first (default), longest or earliest (by date)\n"
    "      --partitions N    band partitions (default 16)\n"
    "  -m, --memory SIZE     memory budget, e.g. 512M (default 2G)\n"
    "  -j, --threads N       worker threads (default 1)\n"
    "      --set KEY=VALUE   any dedup.* option\n"
    "      --stage NAME      run one stage only: sig, bands, pairs, shingles,\n"
    "                        cluster, filter or rejects (collect the\n"
    "                        rejects)\n"
    "      --unit N          with --stage: the shard or partition (default:\n"
    "                        all units of the stage)\n"
    "      --streaming       one pass in fixed memory (no workdir, no\n"
    "                        \"duplicates\" lists, no verification)\n"
    "      --paragraphs      paragraph dedup instead (BFF): a line more than\n"
    "                        --threshold (0.8) of whose word 13-grams were\n"
    "                        seen before is removed, the first occurrence\n"
    "                        stays; one pass in input order, in a Bloom\n"
    "                        filter sized by the next options (over\n"
    "                        --memory: refused, exit 2)\n"
    "      --fp-rate P       Bloom filter false-positive rate (0.01)\n"
    "      --expected-docs N documents to size it for (1000000; times\n"
    "                        dedup.ngrams_per_doc, 500)\n"
    "      --expected-ngrams N  n-grams to size it for (overrides)\n"
    "      --annotate        with --paragraphs: keep the text, list removed\n"
    "                        byte spans in \"paragraph_duplicates\"\n"
    "      --stats FILE      counters as JSON (winnow run's stats.json schema)\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean, 1 finished but some input was bad, 2 usage,\n"
    "3 failed (output not written).\n"
    "\n"
    "examples:\n"
    "  winnow dedup -o dedup/ -r rejects.jsonl shards/*.jsonl.zst\n"
    "  winnow dedup --verify=none --keep longest -j 2 -o out/ a.jsonl\n"
    "  winnow dedup --stage sig --unit 3 -w work/ -o out/ shards/*.jsonl\n"
    "  winnow dedup --streaming -m 256M -o out/ -r rej.jsonl a.jsonl\n"
    "  winnow dedup --paragraphs --expected-docs 50000 -o out/ a.jsonl\n"
    "  winnow dedup --paragraphs --annotate --fp-rate 0.001 -o out/ a.jsonl\n";

static int set(wn_config *cfg, const char *k, const char *v)
{
    if (wn_config_set(cfg, k, v)) {
        cli_errorf("dedup: out of memory");
        return -1;
    }
    return 0;
}

struct stream_ctx {
    wn_dedup_stream *s;
    wn_dedup_stats *st;
    wn_para *para; /* --paragraphs instead of the stream */
};

/* The engine's last decision, in corpus order: a copy of an earlier
 * document is rejected; with --paragraphs, the paragraphs seen before are
 * cut and a document left empty is rejected. */
static int stream_decide(void *ctx, wn_doc *doc, wn_buf *reason)
{
    struct stream_ctx *c = ctx;
    c->st->docs++;
    c->st->text_bytes += doc->text.len;
    if (c->para) {
        int r = wn_para_check(c->para, doc, reason, c->st);
        c->st->kept += r == 1;
        return r;
    }
    int rc = wn_dedup_stream_check(c->s, doc, reason);
    if (rc == 1)
        c->st->kept++;
    else if (rc == 0 && !strncmp(reason->data, "exact", 5))
        c->st->exact_dups++;
    else if (rc == 0)
        c->st->near_dups++;
    return rc;
}

/* Single pass: every input through the engine, in order, each into its own
 * output; the stream (or the paragraph filter) decides on the calling
 * thread, so the output does not depend on --threads. */
static int run_streaming(const wn_config *cfg, char **in, char **out,
                         size_t n, const char *rejects, wn_dedup_stats *st,
                         const char *stats, int paragraphs)
{
    wn_error err = {0};
    struct stream_ctx sc = {NULL, st, NULL};
    wn_writer *rej = NULL;
    wn_engine *e = NULL;
    wn_config *ec = wn_config_new();
    int status = EXIT_CLEAN;
    if (!ec || wn_config_set(ec, "run.stages", "none") ||
        wn_config_set(ec, "run.jobs", "1"))
        status = EXIT_FAILED;
    if (!status && ((paragraphs ? wn_para_new(cfg, &sc.para, &err)
                                : wn_dedup_stream_new(cfg, &sc.s, &err)) ||
                    wn_engine_new(ec, &e, &err))) {
        cli_report(&err);
        status = err.code == WN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
    }
    wn_config_free(ec);
    if (!status) {
        wn_engine_set_warn(e, cli_warn, NULL);
        if (wn_engine_set_decide(e, paragraphs ? "paragraph_dedup" : "dedup",
                                 0, stream_decide, &sc))
            status = EXIT_FAILED;
    }
    if (!status && rejects &&
        wn_writer_open(rejects, WN_OUT_JSONL, &rej, &err)) {
        cli_report(&err);
        status = EXIT_FAILED;
    }
    for (size_t i = 0; i < n && !status; i++) {
        wn_writer *w;
        if (wn_writer_open(out[i], WN_OUT_JSONL, &w, &err)) {
            cli_report(&err);
            status = EXIT_FAILED;
            break;
        }
        wn_engine_set_outputs(e, w, rej);
        if (wn_engine_process(e, in[i], &err) < 0) {
            cli_report(&err);
            status = EXIT_FAILED;
            wn_writer_abort(w);
        } else if (wn_writer_close(w, &err)) {
            cli_report(&err);
            status = EXIT_FAILED;
        }
        wn_engine_set_outputs(e, NULL, NULL);
    }
    if (rej) {
        if (status)
            wn_writer_abort(rej);
        else if (wn_writer_close(rej, &err)) {
            cli_report(&err);
            status = EXIT_FAILED;
        }
    }
    if (e) {
        st->bad_input = wn_stats_bad(wn_engine_input_stats(e));
        if (!status && stats) {
            wn_buf b = WN_BUF_INIT;
            if (wn_engine_stats_json(e, &b) || cli_write_text(stats, &b))
                status = EXIT_FAILED;
            wn_buf_release(&b);
        }
    }
    wn_engine_free(e);
    wn_dedup_stream_free(sc.s);
    wn_para_free(sc.para);
    return status;
}

int cmd_dedup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output-dir", required_argument, 0, 'o'},
        {"rejects", required_argument, 0, 'r'},
        {"workdir", required_argument, 0, 'w'},
        {"exact-only", no_argument, 0, 1},
        {"near-only", no_argument, 0, 2},
        {"ngram", required_argument, 0, 3},
        {"bands", required_argument, 0, 4},
        {"rows", required_argument, 0, 5},
        {"minhash", required_argument, 0, 6},
        {"verify", optional_argument, 0, 7},
        {"threshold", required_argument, 0, 8},
        {"keep", required_argument, 0, 9},
        {"partitions", required_argument, 0, 10},
        {"memory", required_argument, 0, 'm'},
        {"threads", required_argument, 0, 'j'},
        {"set", required_argument, 0, 11},
        {"stage", required_argument, 0, 12},
        {"unit", required_argument, 0, 13},
        {"streaming", no_argument, 0, 14},
        {"stats", required_argument, 0, 15},
        {"paragraphs", no_argument, 0, 16},
        {"fp-rate", required_argument, 0, 17},
        {"expected-docs", required_argument, 0, 18},
        {"expected-ngrams", required_argument, 0, 19},
        {"annotate", no_argument, 0, 20},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    static const char *const keys[] = {
        NULL, NULL, NULL, "dedup.ngram", "dedup.bands", "dedup.rows",
        "dedup.minhash", "dedup.verify", "dedup.threshold", "dedup.keep",
        "dedup.partitions"};
    const char *outdir = NULL, *rejects = NULL, *workdir = NULL,
               *stage = NULL, *stats_path = NULL;
    long unit = -1;
    int streaming = 0, paragraphs = 0, quiet = 0, c, rc = EXIT_CLEAN;
    wn_config *cfg = wn_config_new();
    if (!cfg)
        return EXIT_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:w:m:j:qh", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'r': rejects = optarg; break;
        case 'w': workdir = optarg; break;
        case 1: bad = set(cfg, "dedup.near", "0"); break;
        case 2: bad = set(cfg, "dedup.exact", "0"); break;
        case 3: case 4: case 5: case 6: case 8: case 9: case 10:
            bad = set(cfg, keys[c], optarg);
            break;
        case 7: bad = set(cfg, keys[c], optarg ? optarg : "exact"); break;
        case 'm': bad = set(cfg, "dedup.memory", optarg); break;
        case 'j': bad = set(cfg, "dedup.threads", optarg); break;
        case 11: {
            char *eq = strchr(optarg, '=');
            if (!eq || strncmp(optarg, "dedup.", 6)) {
                cli_errorf("dedup: --set wants dedup.KEY=VALUE");
                bad = 1;
                break;
            }
            *eq = 0;
            bad = set(cfg, optarg, eq + 1);
            break;
        }
        case 12: stage = optarg; break;
        case 13: {
            char *e;
            unit = strtol(optarg, &e, 10);
            if (*e || unit < 0) {
                cli_errorf("dedup: bad unit '%s'", optarg);
                bad = 1;
            }
            break;
        }
        case 14: streaming = 1; break;
        case 15: stats_path = optarg; break;
        case 16:
            paragraphs = 1;
            bad = set(cfg, "dedup.paragraphs", "1");
            break;
        case 17: bad = set(cfg, "dedup.fp_rate", optarg); break;
        case 18: bad = set(cfg, "dedup.expected_docs", optarg); break;
        case 19: bad = set(cfg, "dedup.expected_ngrams", optarg); break;
        case 20: bad = set(cfg, "dedup.para_annotate", "1"); break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(dedup_help, stdout);
            wn_config_free(cfg);
            return EXIT_CLEAN;
        default: bad = 1;
        }
        if (bad) {
            fputs(dedup_help, stderr);
            wn_config_free(cfg);
            return EXIT_USAGE;
        }
    }
    wn_error err = {0};
    if (wn_dedup_check_config(cfg, &err)) {
        cli_errorf("dedup: %s", err.msg);
        wn_config_free(cfg);
        return EXIT_USAGE;
    }
    int st_id = -1;
    if (stage && strcmp(stage, "rejects") &&
        (st_id = wn_dedup_stage_parse(stage)) < 0) {
        cli_errorf("dedup: unknown stage '%s'", stage);
        wn_config_free(cfg);
        return EXIT_USAGE;
    }
    if (optind >= argc || !outdir) {
        cli_errorf("dedup: %s", optind >= argc ? "no input given"
                                               : "no --output-dir given");
        fputs(dedup_help, stderr);
        wn_config_free(cfg);
        return EXIT_USAGE;
    }
    char **files = NULL, **outs = NULL;
    size_t n = 0;
    wn_dedup_stats st;
    memset(&st, 0, sizeof st);
    char *wd = NULL;
    if (wn_inputs_expand((const char *const *)argv + optind,
                         (size_t)(argc - optind), &files, &n, &err)) {
        cli_report(&err);
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    if (mkdir(outdir, 0777) && errno != EEXIST) {
        cli_errorf("dedup: cannot create %s: %s", outdir, strerror(errno));
        rc = EXIT_FAILED;
        goto out;
    }
    if ((rc = cli_output_names("dedup", outdir, files, n, &outs)))
        goto out;
    if (paragraphs) {
        /* --threshold is the paragraph's share of n-grams seen here */
        const char *th = wn_config_lookup(cfg, "dedup.threshold");
        if (th && set(cfg, "dedup.para_threshold", th)) {
            rc = EXIT_FAILED;
            goto out;
        }
        rc = run_streaming(cfg, files, outs, n, rejects, &st, NULL, 1);
        goto summary;
    }
    if (streaming) {
        rc = run_streaming(cfg, files, outs, n, rejects, &st, stats_path, 0);
        stats_path = NULL; /* written by the engine, in the same schema */
        goto summary;
    }
    if (!workdir) {
        size_t len = strlen(outdir) + 16;
        if (!(wd = malloc(len))) {
            rc = EXIT_FAILED;
            goto out;
        }
        snprintf(wd, len, "%s/.dedup", outdir);
        workdir = wd;
    }
    const char *const *ci = (const char *const *)files;
    const char *const *co = (const char *const *)outs;
    int r;
    if (!stage) {
        r = wn_dedup_run(cfg, ci, n, workdir, co, rejects, &st, &err);
    } else if (st_id < 0) {
        if (!rejects) {
            cli_errorf("dedup: --stage rejects needs --rejects FILE");
            rc = EXIT_USAGE;
            goto out;
        }
        r = wn_dedup_collect_rejects(workdir, n, rejects, &err);
    } else {
        unsigned units = wn_dedup_stage_units(cfg, st_id, n);
        unsigned lo = unit < 0 ? 0 : (unsigned)unit;
        unsigned hi = unit < 0 ? units : (unsigned)unit + 1;
        r = 0;
        for (unsigned u = lo; u < hi && !r; u++)
            r = wn_dedup_stage_run(cfg, st_id, u, ci, n, workdir, co, &st,
                                   &err);
    }
    if (!stage || st_id == WN_DEDUP_SIG) {
        unsigned long shown = 0;
        wn_dedup_problems(workdir, n, cli_report_problem, &shown);
        if (shown > 1000)
            cli_errorf("%lu more problems not shown", shown - 1000);
    }
    if (r) {
        cli_report(&err);
        rc = r == WN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
    }
summary:
    if (stats_path && !rc) {
        wn_buf b = WN_BUF_INIT;
        if (wn_dedup_stats_json(&st, &b) || cli_write_text(stats_path, &b))
            rc = EXIT_FAILED;
        wn_buf_release(&b);
    }
    if (st.bad_input && rc == EXIT_CLEAN)
        rc = EXIT_BAD_INPUT;
    if (!quiet && paragraphs)
        fprintf(stderr,
                "winnow dedup: %llu documents (%.1f MB): %llu of %llu "
                "paragraphs removed (%.1f MB), %llu documents left empty\n",
                (unsigned long long)st.docs, st.text_bytes / 1e6,
                (unsigned long long)st.paragraphs_removed,
                (unsigned long long)st.paragraphs, st.paragraph_bytes / 1e6,
                (unsigned long long)st.paragraph_emptied);
    else if (!quiet)
        fprintf(stderr,
                "winnow dedup: %llu documents (%.1f MB): kept %llu, exact "
                "copies %llu, near copies %llu in %llu groups\n",
                (unsigned long long)st.docs, st.text_bytes / 1e6,
                (unsigned long long)st.kept,
                (unsigned long long)st.exact_dups,
                (unsigned long long)st.near_dups,
                (unsigned long long)st.groups);
out:
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
        if (outs)
            free(outs[i]);
    }
    free(files);
    free(outs);
    free(wd);
    wn_config_free(cfg);
    return rc;
}
