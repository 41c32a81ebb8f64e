/*
 * util.c - error reporting shared by the subcommands, with a cap.
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

/* Appends item to the comma-separated list *list (malloc'd, NULL = empty). */
int cli_list_add(char **list, const char *item)
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

int cli_output_names(const char *cmd, const char *dir, char **in, size_t n,
                     char ***out)
{
    char **o = calloc(n ? n : 1, sizeof *o);
    int rc = o ? EXIT_CLEAN : EXIT_FAILED;
    if (!o)
        cli_errorf("%s: out of memory", cmd);
    for (size_t i = 0; i < n && !rc; i++) {
        const char *b = strrchr(in[i], '/');
        b = !strcmp(in[i], "-") ? "stdin.jsonl" : b ? b + 1 : in[i];
        wn_buf p = WN_BUF_INIT;
        if (wn_buf_printf(&p, "%s/%s", dir, b)) {
            wn_buf_release(&p);
            cli_errorf("%s: out of memory", cmd);
            rc = EXIT_FAILED;
            break;
        }
        o[i] = p.data;
        for (size_t j = 0; j < i && !rc; j++)
            if (!strcmp(o[j], o[i])) {
                cli_errorf("%s: two inputs named %s; outputs would collide",
                           cmd, b);
                rc = EXIT_USAGE;
            }
    }
    if (rc && o) {
        for (size_t i = 0; i < n; i++)
            free(o[i]);
        free(o);
        o = NULL;
    }
    *out = o;
    return rc;
}

void cli_report_problem(void *ctx, const char *msg)
{
    unsigned long *shown = ctx;
    if (++*shown <= 1000)
        cli_errorf("%s", msg);
}
