/*
 * job.c - what every engine command shares: the options that reach the
 * engine (--from, --text-field, --set, --config, -j, ...), the writers,
 * the run itself, --stats in the one stats schema, and the exit status.
 * A command adds only its own flags, its stage selection and its summary.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void cli_job_init(cli_job *j, const char *cmd)
{
    memset(j, 0, sizeof *j);
    j->cmd = cmd;
    j->to = WN_OUT_JSONL;
    j->over = wn_config_new();
    if (!j->over)
        j->usage = EXIT_FAILED;
}

void cli_job_release(cli_job *j)
{
    wn_config_free(j->over);
    j->over = NULL;
}

int cli_job_set(cli_job *j, const char *key, const char *value)
{
    if (!j->over || wn_config_set(j->over, key, value)) {
        cli_errorf("%s: out of memory", j->cmd);
        j->usage = EXIT_FAILED;
        return -1;
    }
    return 0;
}

static int set_kv(cli_job *j, const char *kv)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv) {
        cli_errorf("%s: --set wants KEY=VALUE, not '%s'", j->cmd, kv);
        j->usage = EXIT_USAGE;
        return 1;
    }
    char key[256];
    if ((size_t)(eq - kv) >= sizeof key) {
        cli_errorf("%s: --set: key too long", j->cmd);
        j->usage = EXIT_USAGE;
        return 1;
    }
    snprintf(key, sizeof key, "%.*s", (int)(eq - kv), kv);
    cli_job_set(j, key, eq + 1);
    return 1;
}

int cli_is_regular(const char *path)
{
    struct stat sb;
    return strcmp(path, "-") && !lstat(path, &sb) && S_ISREG(sb.st_mode);
}

int cli_job_option(cli_job *j, int c, const char *arg)
{
    switch (c) {
    case 'f':
        if (wn_format_parse(arg) < 0) {
            cli_errorf("%s: unknown input format '%s'", j->cmd, arg);
            j->usage = EXIT_USAGE;
        } else
            cli_job_set(j, "run.format", arg);
        return 1;
    case 't':
        if (!strcmp(arg, "jsonl"))
            j->to = WN_OUT_JSONL;
        else if (!strcmp(arg, "text"))
            j->to = WN_OUT_TEXT;
        else {
            cli_errorf("%s: unknown output format '%s'", j->cmd, arg);
            j->usage = EXIT_USAGE;
        }
        return 1;
    case 'o': j->output = arg; return 1;
    case 'q': j->quiet = 1; return 1;
    case 'j': cli_job_set(j, "run.jobs", arg); return 1;
    case CLI_OPT_SET: return set_kv(j, arg);
    case CLI_OPT_CONFIG: j->config = arg; return 1;
    case CLI_OPT_FIELD: cli_job_set(j, "run.text_field", arg); return 1;
    case CLI_OPT_STATS: j->stats = arg; return 1;
    case CLI_OPT_REJECTS: j->rejects = arg; return 1;
    case CLI_OPT_MAXREC: cli_job_set(j, "run.max_record", arg); return 1;
    }
    return 0;
}

int cli_job_config(cli_job *j, const char *const (*preset)[2], size_t n,
                   wn_config **out)
{
    *out = NULL;
    if (j->usage)
        return j->usage;
    wn_error err = {0};
    wn_config *cfg = wn_config_new();
    int rc = cfg ? 0 : WN_ENOMEM;
    for (size_t i = 0; i < n && !rc; i++)
        rc = wn_config_set(cfg, preset[i][0], preset[i][1]);
    if (!rc && j->config && (rc = wn_config_load_ini(cfg, j->config, &err)))
        cli_report(&err);
    else if (!rc)
        rc = wn_config_merge(cfg, j->over); /* flags win over the file */
    if (rc == WN_ENOMEM && !err.code)
        cli_errorf("%s: out of memory", j->cmd);
    if (rc) {
        wn_config_free(cfg);
        return rc == WN_ENOMEM ? EXIT_FAILED : EXIT_USAGE;
    }
    *out = cfg;
    return 0;
}

int cli_job_engine(cli_job *j, wn_engine **out)
{
    *out = NULL;
    wn_config *cfg;
    int rc = cli_job_config(j, NULL, 0, &cfg);
    if (rc)
        return rc;
    wn_error err = {0};
    if (wn_engine_new(cfg, out, &err)) {
        cli_errorf("%s: %s", j->cmd, err.msg);
        /* a bad option, or a file an option names that cannot be read
         * (a model, a rules file), is the user's to fix */
        rc = err.code == WN_EINVAL || err.code == WN_EIO ? EXIT_USAGE
                                                         : EXIT_FAILED;
    }
    wn_config_free(cfg);
    if (!rc)
        wn_engine_set_warn(*out, cli_warn, NULL);
    return rc;
}

int cli_job_start(cli_job *j, const char *help, int ninputs, wn_engine **e)
{
    *e = NULL;
    if (!j->usage && ninputs < 1) {
        cli_errorf("%s: no input given", j->cmd);
        j->usage = EXIT_USAGE;
    }
    int status = cli_job_engine(j, e);
    if (status) {
        if (status == EXIT_USAGE)
            fputs(help, stderr);
        cli_job_release(j);
    }
    return status;
}

int cli_write_text(const char *path, const wn_buf *text)
{
    wn_error err = {0};
    wn_writer *w;
    int rc = wn_writer_open(path, WN_OUT_TEXT, &w, &err);
    if (!rc) {
        wn_doc d = WN_DOC_INIT;
        d.text = *text;
        if ((rc = wn_writer_write(w, &d, &err)))
            wn_writer_abort(w);
        else
            rc = wn_writer_close(w, &err);
    }
    if (rc)
        cli_report(&err);
    return rc ? -1 : 0;
}

int cli_job_finish(cli_job *j, wn_engine *e, int status)
{
    if (!status && j->stats) {
        wn_buf b = WN_BUF_INIT;
        if (wn_engine_stats_json(e, &b)) {
            cli_errorf("%s: out of memory", j->cmd);
            status = EXIT_FAILED;
        } else if (cli_write_text(j->stats, &b))
            status = EXIT_FAILED;
        wn_buf_release(&b);
    }
    if (cli_suppressed())
        cli_errorf("%lu more problems not shown", cli_suppressed());
    if (!status && wn_stats_bad(wn_engine_input_stats(e)))
        status = EXIT_BAD_INPUT;
    return status;
}

int cli_job_exec(cli_job *j, wn_engine *e, char **inputs, size_t n)
{
    wn_error err = {0};
    wn_writer *w = NULL, *rej = NULL;
    int status = EXIT_CLEAN;
    if (wn_writer_open(j->output, j->to, &w, &err) ||
        (j->rejects && wn_writer_open(j->rejects, WN_OUT_JSONL, &rej, &err))) {
        cli_report(&err);
        status = EXIT_FAILED;
    }
    if (!status) {
        wn_engine_set_outputs(e, w, j->keep_rejects ? w : rej);
        if (wn_engine_exec(e, (const char *const *)inputs, n, &err)) {
            cli_report(&err);
            status = err.code == WN_EINVAL ? EXIT_USAGE : EXIT_FAILED;
        }
        wn_engine_set_outputs(e, NULL, NULL);
    }
    wn_writer *ws[2] = {w, rej};
    const char *names[2] = {j->output, j->rejects};
    int published = -1;
    for (int i = 0; i < 2; i++) {
        if (!ws[i])
            continue;
        if (status)
            wn_writer_abort(ws[i]);
        else if (wn_writer_close(ws[i], &err)) {
            cli_report(&err);
            status = EXIT_FAILED;
        } else
            published = i;
    }
    /* exit status 3 means nothing was written: an output published before
     * the other failed goes too (regular files only; not a pipe) */
    if (status == EXIT_FAILED && published == 0 && names[0] &&
        cli_is_regular(names[0]))
        unlink(names[0]);
    uint64_t nread, kept, rejected;
    wn_engine_totals(e, &nread, &kept, &rejected);
    if (!status && nread != kept + rejected) {
        cli_errorf("%s: read %llu != kept %llu + rejected %llu", j->cmd,
                   (unsigned long long)nread, (unsigned long long)kept,
                   (unsigned long long)rejected);
        status = EXIT_FAILED;
    }
    return cli_job_finish(j, e, status);
}

void cli_job_timing(wn_engine *e, const char *cmd)
{
    const char *name;
    uint64_t in, rej, bytes, all_bytes = 0;
    double cpu, all = 0;
    for (size_t i = 0; wn_engine_stage_stats(e, i, &name, &in, &rej, &cpu,
                                             &bytes); i++) {
        all += cpu;
        if (!i)
            all_bytes = bytes;
        fprintf(stderr, "winnow %s: timing %-18s %8.3f s %9.1f MB/s (%.1f MB "
                        "seen)\n", cmd, name, cpu,
                cpu > 0 ? bytes / 1e6 / cpu : 0.0, bytes / 1e6);
    }
    fprintf(stderr, "winnow %s: timing %-18s %8.3f s %9.1f MB/s (%.1f MB "
                    "text)\n", cmd, "all stages", all,
            all > 0 ? all_bytes / 1e6 / all : 0.0, all_bytes / 1e6);
}
