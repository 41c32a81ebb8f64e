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
