/*
 * cli.h - shared pieces of the winnow command-line tool.  The CLI is built
 * only on the public API in winnow.h (like zstd's programs/).
 */
#ifndef WN_CLI_H
#define WN_CLI_H

#include "winnow.h"

#include <getopt.h>

enum { EXIT_CLEAN = 0, EXIT_BAD_INPUT = 1, EXIT_USAGE = 2 };

/* Reports a bad-input or fatal error on stderr ("winnow: FILE: offset N:
 * msg"); after 1000 messages in one run, further ones are only counted. */
void cli_report(const wn_error *err);
/* wn_reader_opts.warn callback: reports like cli_report. */
void cli_warn(void *ctx, const wn_error *w);
/* Prints "winnow: " + message to stderr. */
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
/* Number of messages suppressed by the cap. */
unsigned long cli_suppressed(void);

/* Parses a size such as 64M, 2G, 4096. Returns 0 or -1. */
int cli_parse_size(const char *s, size_t *out);

/* Writes stats as JSON to path (atomically). Returns 0 or -1. */
int cli_write_stats(const char *path, const wn_stats *st);

typedef struct cli_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} cli_cmd;

int cmd_read(int argc, char **argv);
int cmd_dedup(int argc, char **argv);

#endif
