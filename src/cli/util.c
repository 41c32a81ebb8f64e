/*
 * util.c - helpers shared by the subcommands: error reporting with a cap,
 * size parsing, stats output.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MESSAGES 1000

static unsigned long nmsg, nsup;

void cli_report(const wn_error *err)
{
    if (nmsg++ >= MAX_MESSAGES) {
        nsup++;
        return;
    }
    char line[1200];
    wn_error_format(err, line, sizeof line);
    fprintf(stderr, "winnow: %s\n", line);
}

void cli_warn(void *ctx, const wn_error *w)
{
    (void)ctx;
    cli_report(w);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("winnow: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

unsigned long cli_suppressed(void) { return nsup; }

int cli_opt_from(const char *cmd, const char *arg, wn_reader_opts *ro)
{
    int f = wn_format_parse(arg);
    if (f < 0) {
        cli_errorf("%s: unknown input format '%s'", cmd, arg);
        return -1;
    }
    ro->format = f;
    return 0;
}

int cli_opt_to(const char *cmd, const char *arg, int *to)
{
    if (!strcmp(arg, "jsonl"))
        *to = WN_OUT_JSONL;
    else if (!strcmp(arg, "text"))
        *to = WN_OUT_TEXT;
    else {
        cli_errorf("%s: unknown output format '%s'", cmd, arg);
        return -1;
    }
    return 0;
}

int cli_write_stats(const char *path, const wn_stats *st)
{
    wn_buf b = WN_BUF_INIT;
    wn_error err;
    wn_writer *w;
    int rc = wn_stats_write_json(st, &b);
    if (!rc)
        rc = wn_writer_open(path, WN_OUT_JSONL, &w, &err);
    if (!rc) {
        rc = wn_writer_write_line(w, b.data, b.len, &err);
        if (rc)
            wn_writer_abort(w);
        else
            rc = wn_writer_close(w, &err);
    }
    if (rc)
        cli_report(&err);
    wn_buf_release(&b);
    return rc ? -1 : 0;
}
