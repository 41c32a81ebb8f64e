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

/* --from FORMAT into ro->format / --to jsonl|text into *to; an unknown
 * name is reported as "CMD: unknown ... format" and returns -1. */
int cli_opt_from(const char *cmd, const char *arg, wn_reader_opts *ro);
int cli_opt_to(const char *cmd, const char *arg, int *to);


/* Writes stats as JSON to path (atomically). Returns 0 or -1. */
int cli_write_stats(const char *path, const wn_stats *st);

typedef struct cli_cmd {
    const char *name;
    const char *summary;
    int (*main)(int argc, char **argv);
} cli_cmd;

int cmd_read(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_run(int argc, char **argv);
typedef int (*cli_run_executor)(wn_run **run, const wn_config *cfg,
                                const char *const *inputs, size_t n,
                                const char *outdir, wn_error *err);
/* The executor cmd_run uses (cmd_run.c); winnow-mpi replaces it. */
extern cli_run_executor cli_run_exec;
int cmd_clean(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* The cleaner chain shared by clean and explain (cmd_clean.c):
 * normalize -> site_lines (optional, two passes) -> clean. */
enum {
    CLEAN_OPT_RULES = 0x100, CLEAN_OPT_DISABLE, CLEAN_OPT_PRESET,
    CLEAN_OPT_SITE, CLEAN_OPT_NO_SITE, CLEAN_OPT_SET,
};
typedef struct clean_chain {
    wn_config *cfg;
    char *disable;     /* comma list built from --disable */
    int site;          /* -1 default, 0 off, 1 on */
    wn_stage *norm, *sitest, *clean;
} clean_chain;
void clean_chain_init(clean_chain *ch);
void clean_chain_release(clean_chain *ch);
/* Applies one CLEAN_OPT_* option: 0, -1 out of memory, -2 usage error. */
int clean_chain_option(clean_chain *ch, int c, const char *arg,
                       const char *cmd);
/* Creates the stages; returns 0 or an exit status (message printed). */
int clean_chain_open(clean_chain *ch, char **files, size_t nfiles,
                     const char *cmd);
/* The site-lines first pass over the inputs (no-op when site lines are
 * off).  Returns 0 or -1 (reported). */
int clean_chain_first_pass(clean_chain *ch, char **files, size_t nfiles,
                           const wn_reader_opts *ro);
/* Reads every document of files, calling fn (non-zero stops: fatal);
 * bad input is reported and counted in total.  Returns 0 or -1. */
int clean_each_doc(char **files, size_t nfiles, const wn_reader_opts *ro,
                   int (*fn)(void *ctx, wn_doc *doc), void *ctx,
                   wn_stats *total);
int cmd_dedup(int argc, char **argv);
int cmd_filter(int argc, char **argv);

#endif
