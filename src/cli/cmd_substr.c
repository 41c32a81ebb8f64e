/*
 * cmd_substr.c - `winnow substr`: exact-substring removal.
 *
 * Maps flags onto substr.* keys and calls wn_substr_run.  Outputs keep the
 * inputs' file names under --output-dir, as winnow dedup's do.
 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char substr_help[] =
    "usage: winnow substr [OPTIONS] -o DIR INPUT...\n"
    "\n"
    "Removes every span of at least --min-length bytes that occurs more\n"
    "than once in the whole corpus (Lee et al. 2022, \"Deduplicating\n"
    "Training Data Makes Language Models Better\"), in bounded memory:\n"
    "a suffix array per chunk that fits --memory, repeats across chunks\n"
    "found by an external sort and checked byte for byte.  The documents\n"
    "of each input go to DIR/<input file name>, in input order, with the\n"
    "spans cut (widened to whole UTF-8 characters).  A document cut below\n"
    "--min-doc-bytes goes to --rejects with \"reject_reason\":\n"
    "\"substr:bytes_left=N<M\".  The output does not depend on --threads\n"
    "or --memory.  See docs/dedup.md, \"Exact substrings\".\n"
    "\n"
    "options:\n"
    "  -o, --output-dir DIR   where the outputs go (required)\n"
    "  -r, --rejects FILE     write rejected documents to FILE\n"
    "  -w, --workdir DIR      intermediate files (default DIR/.substr); a\n"
    "                         run that stops resumes from what is done there\n"
    "  -l, --min-length N     shortest repeated span, in bytes (default 100)\n"
    "      --strike WHICH     all (default: every occurrence, as the paper)\n"
    "                         or later (keep the first in input order)\n"
    "      --annotate         keep the text, list the spans in metadata\n"
    "                         \"substr_spans\": [[start,end],...] (bytes)\n"
    "      --min-doc-bytes N  reject a document cut below N bytes (50)\n"
    "      --partitions N     hash partitions of the match stage (16)\n"
    "  -m, --memory SIZE      memory budget, e.g. 512M (default 1G)\n"
    "  -j, --threads N        worker threads (default 1)\n"
    "      --set KEY=VALUE    any substr.* option\n"
    "      --stats FILE       counters as JSON (stats.json schema, with a\n"
    "                         \"substr\" section: bytes struck, spans)\n"
    "  -q, --quiet            no summary line\n"
    "  -h, --help             this help\n"
    "\n"
    "exit status: 0 clean, 1 finished but some input was bad, 2 usage,\n"
    "3 failed (output not written).\n"
    "\n"
    "examples:\n"
    "  winnow substr -o out/ -r rejects.jsonl shards/*.jsonl.zst\n"
    "  winnow substr --strike later -l 200 -m 4G -j 2 -o out/ a.jsonl\n"
    "  winnow substr --annotate --stats stats.json -o spans/ a.jsonl\n";

static int set(wn_config *cfg, const char *k, const char *v)
{
    if (wn_config_set(cfg, k, v)) {
        cli_errorf("substr: out of memory");
        return -1;
    }
    return 0;
}

int cmd_substr(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output-dir", required_argument, 0, 'o'},
        {"rejects", required_argument, 0, 'r'},
        {"workdir", required_argument, 0, 'w'},
        {"min-length", required_argument, 0, 'l'},
        {"strike", required_argument, 0, 1},
        {"annotate", no_argument, 0, 2},
        {"min-doc-bytes", required_argument, 0, 3},
        {"partitions", required_argument, 0, 4},
        {"memory", required_argument, 0, 'm'},
        {"threads", required_argument, 0, 'j'},
        {"set", required_argument, 0, 5},
        {"stats", required_argument, 0, 6},
        {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *outdir = NULL, *rejects = NULL, *workdir = NULL,
               *stats_path = NULL;
    int quiet = 0, c, rc = EXIT_CLEAN;
    wn_config *cfg = wn_config_new();
    if (!cfg)
        return EXIT_FAILED;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:r:w:l:m:j:qh", opts, NULL)) !=
           -1) {
        int bad = 0;
        switch (c) {
        case 'o': outdir = optarg; break;
        case 'r': rejects = optarg; break;
        case 'w': workdir = optarg; break;
        case 'l': bad = set(cfg, "substr.min_length", optarg); break;
        case 1: bad = set(cfg, "substr.strike", optarg); break;
        case 2: bad = set(cfg, "substr.annotate", "1"); break;
        case 3: bad = set(cfg, "substr.min_doc_bytes", optarg); break;
        case 4: bad = set(cfg, "substr.partitions", optarg); break;
        case 'm': bad = set(cfg, "substr.memory", optarg); break;
        case 'j': bad = set(cfg, "substr.threads", optarg); break;
        case 5: {
            char *eq = strchr(optarg, '=');
            if (!eq || strncmp(optarg, "substr.", 7)) {
                cli_errorf("substr: --set wants substr.KEY=VALUE");
                bad = 1;
                break;
            }
            *eq = 0;
            bad = set(cfg, optarg, eq + 1);
            break;
        }
        case 6: stats_path = optarg; break;
        case 'q': quiet = 1; break;
        case 'h':
            fputs(substr_help, stdout);
            wn_config_free(cfg);
            return EXIT_CLEAN;
        default: bad = 1;
        }
        if (bad < 0) { /* out of memory, not a usage error */
            wn_config_free(cfg);
            return EXIT_FAILED;
        }
        if (bad) {
            fputs(substr_help, stderr);
            wn_config_free(cfg);
            return EXIT_USAGE;
        }
    }
    wn_error err = {0};
    if (wn_substr_check_config(cfg, &err)) {
        cli_errorf("substr: %s", err.msg);
        wn_config_free(cfg);
        return err.code == WN_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
    }
    if (optind >= argc || !outdir) {
        cli_errorf("substr: %s", optind >= argc ? "no input given"
                                                : "no --output-dir given");
        fputs(substr_help, stderr);
        wn_config_free(cfg);
        return EXIT_USAGE;
    }
    char **files = NULL, **outs = NULL;
    size_t n = 0;
    wn_substr_stats st = WN_SUBSTR_STATS_INIT;
    wn_buf wd = WN_BUF_INIT;
    if (wn_inputs_expand((const char *const *)argv + optind,
                         (size_t)(argc - optind), &files, &n, &err)) {
        cli_report(&err);
        rc = EXIT_BAD_INPUT;
        goto out;
    }
    if (mkdir(outdir, 0777) && errno != EEXIST) {
        cli_errorf("substr: cannot create %s: %s", outdir, strerror(errno));
        rc = EXIT_FAILED;
        goto out;
    }
    if ((rc = cli_output_names("substr", outdir, files, n, &outs)))
        goto out;
    if (!workdir) {
        if (wn_buf_printf(&wd, "%s/.substr", outdir)) {
            rc = EXIT_FAILED;
            goto out;
        }
        workdir = wd.data;
    }
    int r = wn_substr_run(cfg, (const char *const *)files, n, workdir,
                          (const char *const *)outs, rejects, &st, &err);
    unsigned long shown = 0;
    wn_dedup_problems(workdir, n, cli_report_problem, &shown);
    if (shown > 1000)
        cli_errorf("%lu more problems not shown", shown - 1000);
    if (r) {
        cli_report(&err);
        rc = r == WN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
    }
    if (stats_path && !rc) {
        wn_buf b = WN_BUF_INIT;
        if (wn_substr_stats_json(&st, &b) || cli_write_text(stats_path, &b))
            rc = EXIT_FAILED;
        wn_buf_release(&b);
    }
    if (st.bad_input && rc == EXIT_CLEAN)
        rc = EXIT_BAD_INPUT;
    if (!quiet && !r)
        fprintf(stderr,
                "winnow substr: %llu documents (%.1f MB): %llu bytes struck "
                "in %llu spans of %llu documents, %llu rejected, kept "
                "%llu\n",
                (unsigned long long)st.docs, st.text_bytes / 1e6,
                (unsigned long long)st.bytes_struck,
                (unsigned long long)st.spans,
                (unsigned long long)st.docs_struck,
                (unsigned long long)st.rejected,
                (unsigned long long)st.kept);
out:
    for (size_t i = 0; i < n; i++) {
        free(files[i]);
        if (outs)
            free(outs[i]);
    }
    free(files);
    free(outs);
    wn_buf_release(&wd);
    wn_config_free(cfg);
    return rc;
}
