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
    "      --stage NAME      run one stage only: sig, bands, pairs, cluster,\n"
    "                        filter or rejects (collect the rejects)\n"
    "      --unit N          with --stage: the shard or partition (default:\n"
    "                        all units of the stage)\n"
    "      --streaming       one pass in fixed memory (no workdir, no\n"
    "                        \"duplicates\" lists, no verification)\n"
    "      --stats FILE      write the counters as JSON\n"
    "  -q, --quiet           no summary line\n"
    "  -h, --help            this help\n"
    "\n"
    "exit status: 0 clean, 1 some input was bad or the run failed, 2 usage.\n"
    "\n"
    "examples:\n"
    "  winnow dedup -o dedup/ -r rejects.jsonl shards/*.jsonl.zst\n"
    "  winnow dedup --verify=none --keep longest -j 2 -o out/ a.jsonl\n"
    "  winnow dedup --stage sig --unit 3 -w work/ -o out/ shards/*.jsonl\n"
    "  winnow dedup --streaming -m 256M -o out/ -r rej.jsonl a.jsonl\n";

static int set(wn_config *cfg, const char *k, const char *v)
{
    if (wn_config_set(cfg, k, v)) {
        cli_errorf("dedup: out of memory");
        return -1;
    }
    return 0;
}

static void put_stats(FILE *f, const wn_dedup_stats *s)
{
    fprintf(f,
            "{\"docs\":%llu,\"text_bytes\":%llu,\"kept\":%llu,"
            "\"exact_dups\":%llu,\"near_dups\":%llu,\"groups\":%llu,"
            "\"candidate_pairs\":%llu,\"verified_pairs\":%llu,"
            "\"refuted_pairs\":%llu,\"spilled_runs\":%llu,"
            "\"skipped_units\":%llu,\"bad_input\":%llu,"
            "\"prefiltered_pairs\":%llu}\n",
            (unsigned long long)s->docs, (unsigned long long)s->text_bytes,
            (unsigned long long)s->kept, (unsigned long long)s->exact_dups,
            (unsigned long long)s->near_dups, (unsigned long long)s->groups,
            (unsigned long long)s->candidate_pairs,
            (unsigned long long)s->verified_pairs,
            (unsigned long long)s->refuted_pairs,
            (unsigned long long)s->spilled_runs,
            (unsigned long long)s->skipped_units,
            (unsigned long long)s->bad_input,
            (unsigned long long)s->prefiltered_pairs);
}

/* Like cli_report: at most 1000 messages, then only a count. */
static void report_problem(void *ctx, const char *msg)
{
    unsigned long *shown = ctx;
    if (++*shown <= 1000)
        cli_errorf("%s", msg);
}

/* Single pass: every input through one wn_dedup_stream, in order. */
static int run_streaming(const wn_config *cfg, char **in, char **out,
                         size_t n, const char *rejects, wn_dedup_stats *st)
{
    wn_error err;
    wn_dedup_stream *s;
    wn_writer *rej = NULL;
    wn_reader_opts ro = WN_READER_OPTS_INIT;
    wn_doc doc = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    int fatal = 0;
    ro.warn = cli_warn;
    if (wn_dedup_stream_new(cfg, &s, &err)) {
        cli_report(&err);
        return -1;
    }
    if (rejects && wn_writer_open(rejects, WN_OUT_JSONL, &rej, &err)) {
        cli_report(&err);
        wn_dedup_stream_free(s);
        return -1;
    }
    for (size_t i = 0; i < n && !fatal; i++) {
        wn_reader *r;
        wn_writer *w;
        if (wn_reader_open(in[i], &ro, &r, &err)) {
            cli_report(&err);
            st->bad_input++;
            continue;
        }
        if (wn_writer_open(out[i], WN_OUT_JSONL, &w, &err)) {
            cli_report(&err);
            wn_reader_close(r);
            fatal = 1;
            break;
        }
        int rc;
        while ((rc = wn_reader_next(r, &doc, &err)) != WN_EOF) {
            if (rc < 0) {
                cli_report(&err);
                if (WN_IS_BAD_INPUT(rc))
                    continue;
                fatal = 1;
                break;
            }
            st->docs++;
            st->text_bytes += doc.text.len;
            rc = wn_dedup_stream_check(s, &doc, &reason);
            if (rc < 0) {
                cli_errorf("dedup: out of memory");
                fatal = 1;
                break;
            }
            if (rc == 0) {
                if (!strncmp(reason.data, "exact", 5))
                    st->exact_dups++;
                else
                    st->near_dups++;
                if (rej && (wn_doc_meta_set_str(&doc, "reject_reason",
                                                reason.data, reason.len) ||
                            wn_writer_write(rej, &doc, &err))) {
                    cli_report(&err);
                    fatal = 1;
                }
                continue;
            }
            st->kept++;
            if (wn_writer_write(w, &doc, &err)) {
                cli_report(&err);
                fatal = 1;
                break;
            }
        }
        st->bad_input += wn_stats_bad(wn_reader_stats(r));
        wn_reader_close(r);
        if (fatal)
            wn_writer_abort(w);
        else if (wn_writer_close(w, &err)) {
            cli_report(&err);
            fatal = 1;
        }
    }
    if (rej) {
        if (fatal)
            wn_writer_abort(rej);
        else if (wn_writer_close(rej, &err)) {
            cli_report(&err);
            fatal = 1;
        }
    }
    wn_doc_release(&doc);
    wn_buf_release(&reason);
    wn_dedup_stream_free(s);
    return fatal ? -1 : 0;
}

/* DIR/<base name of each input>; two inputs may not share a name. */
static char **output_names(const char *dir, char **in, size_t n)
{
    char **out = calloc(n, sizeof *out);
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *b = strrchr(in[i], '/');
        b = b ? b + 1 : in[i];
        if (!strcmp(in[i], "-"))
            b = "stdin.jsonl";
        size_t len = strlen(dir) + strlen(b) + 2;
        if (!(out[i] = malloc(len)))
            return out; /* caller checks each */
        snprintf(out[i], len, "%s/%s", dir, b);
        for (size_t j = 0; j < i; j++)
            if (out[j] && !strcmp(out[j], out[i])) {
                cli_errorf("dedup: two inputs named %s; outputs would "
                           "collide", b);
                free(out[i]);
                out[i] = NULL;
                return out;
            }
    }
    return out;
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
    int streaming = 0, quiet = 0, c, rc = EXIT_CLEAN;
    wn_config *cfg = wn_config_new();
    if (!cfg)
        return EXIT_BAD_INPUT;
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
    wn_error err;
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
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    outs = output_names(outdir, files, n);
    for (size_t i = 0; i < n; i++)
        if (!outs || !outs[i]) {
            rc = EXIT_USAGE;
            goto out;
        }
    if (streaming) {
        if (run_streaming(cfg, files, outs, n, rejects, &st))
            rc = EXIT_BAD_INPUT;
        goto summary;
    }
    if (!workdir) {
        size_t len = strlen(outdir) + 16;
        if (!(wd = malloc(len))) {
            rc = EXIT_BAD_INPUT;
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
        wn_dedup_problems(workdir, n, report_problem, &shown);
        if (shown > 1000)
            cli_errorf("%lu more problems not shown", shown - 1000);
    }
    if (r) {
        cli_report(&err);
        rc = r == WN_EINVAL ? EXIT_USAGE : EXIT_BAD_INPUT;
    }
summary:
    if (st.bad_input && rc == EXIT_CLEAN)
        rc = EXIT_BAD_INPUT;
    if (stats_path) {
        FILE *f = fopen(stats_path, "w");
        if (!f) {
            cli_errorf("dedup: cannot write %s", stats_path);
            rc = EXIT_BAD_INPUT;
        } else {
            put_stats(f, &st);
            fclose(f);
        }
    }
    if (!quiet)
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
