/*
 * cli.h - shared pieces of the winnow command-line tool.  The CLI is built
 * only on the public API in winnow.h (like zstd's programs/).
 */
#ifndef WN_CLI_H
#define WN_CLI_H

/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <getopt.h>

/* Exit status (README, man page, every --help): 0 clean; 1 finished, but
 * some input was bad; 2 usage; 3 failed: output not written (it cannot
 * be, the disk is full, the output directory is locked, out of memory). */
enum { EXIT_CLEAN = 0, EXIT_BAD_INPUT = 1, EXIT_USAGE = 2, EXIT_FAILED = 3 };

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

/* Is path a regular file (not "-", a link, a device or a pipe)? */
int cli_is_regular(const char *path);
/* Writes text to path atomically (stats files).  Returns 0 or -1
 * (reported). */
int cli_write_text(const char *path, const wn_buf *text);

/* Appends item to the comma-separated list *list (malloc'd; NULL is the
 * empty list).  0, or -1 when out of memory. */
int cli_list_add(char **list, const char *item);

/* DIR/<base name of each input> ("stdin.jsonl" for "-"), one per input,
 * into *out (free each, then the array): the output names of the
 * commands that write a file per input (dedup, substr).  Returns
 * EXIT_CLEAN, EXIT_USAGE when two inputs share a base name, EXIT_FAILED
 * when out of memory (reported as cmd's). */
int cli_output_names(const char *cmd, const char *dir, char **in, size_t n,
                     char ***out);

/* A problem callback (ctx: an unsigned long count, zero at first): prints
 * the first 1000 messages, as cli_report does, and counts the rest. */
void cli_report_problem(void *ctx, const char *msg);

/* ---- job.c: what every engine command shares ---- */

/* Long options of job.c, for a command's getopt table. */
enum { CLI_OPT_SET = 0x400, CLI_OPT_CONFIG, CLI_OPT_FIELD, CLI_OPT_STATS,
       CLI_OPT_REJECTS, CLI_OPT_MAXREC };
#define CLI_JOB_LONGOPTS                                                     \
    {"from", required_argument, 0, 'f'},                                     \
    {"output", required_argument, 0, 'o'},                                   \
    {"quiet", no_argument, 0, 'q'},                                          \
    {"jobs", required_argument, 0, 'j'},                                     \
    {"set", required_argument, 0, CLI_OPT_SET},                              \
    {"config", required_argument, 0, CLI_OPT_CONFIG},                        \
    {"text-field", required_argument, 0, CLI_OPT_FIELD},                     \
    {"stats", required_argument, 0, CLI_OPT_STATS}

typedef struct cli_job {
    const char *cmd;
    wn_config *over;     /* flags and --set: they win over --config */
    const char *config;  /* --config FILE */
    const char *output;  /* -o (NULL: stdout) */
    const char *rejects; /* --rejects */
    const char *stats;   /* --stats */
    int to;              /* WN_OUT_JSONL or WN_OUT_TEXT */
    int quiet;
    int keep_rejects;    /* rejects go to the output too */
    int usage;           /* an exit status once an option was wrong */
} cli_job;

void cli_job_init(cli_job *j, const char *cmd);
void cli_job_release(cli_job *j);
/* Handles one of the shared options ('f', 't', 'o', 'q', 'j' and the
 * CLI_OPT_* ones); returns 1 if c was one of them. */
int cli_job_option(cli_job *j, int c, const char *arg);
/* Sets an engine option (wins over --config). */
int cli_job_set(cli_job *j, const char *key, const char *value);
/* The configuration: preset (n key/value pairs; may be NULL), then
 * --config, then the flags; the caller frees *out.  0 or an exit status
 * (the message printed). */
int cli_job_config(cli_job *j, const char *const (*preset)[2], size_t n,
                   wn_config **out);
/* The engine, from --config and the flags; 0 or an exit status (the
 * message printed). */
int cli_job_engine(cli_job *j, wn_engine **out);
/* The usual start of a command: no inputs is a usage error; then the
 * engine.  On failure the help goes to stderr (usage), the job is released
 * and the exit status returned; else 0. */
int cli_job_start(cli_job *j, const char *help, int ninputs, wn_engine **e);
/* Opens the outputs, runs the engine over the inputs, closes the outputs,
 * checks the books, writes --stats; returns the exit status. */
int cli_job_exec(cli_job *j, wn_engine *e, char **inputs, size_t n);
/* --stats and the final status after a command ran the engine itself. */
int cli_job_finish(cli_job *j, wn_engine *e, int status);
/* --timing: each stage's CPU time and speed on stderr. */
void cli_job_timing(wn_engine *e, const char *cmd);

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

/* Options of the line cleaners, shared by clean and explain
 * (cmd_clean.c). */
enum {
    CLEAN_OPT_RULES = 0x100, CLEAN_OPT_DISABLE, CLEAN_OPT_PRESET,
    CLEAN_OPT_SITE, CLEAN_OPT_NO_SITE,
};
typedef struct clean_opts {
    char *disable; /* comma list built from --disable */
    int site;      /* 1 (default) or 0 */
} clean_opts;
/* Applies one CLEAN_OPT_* option; returns 1 if c was one. */
int clean_option(cli_job *j, clean_opts *co, int c, const char *arg);
/* run.stages for the cleaners. */
int clean_select(cli_job *j, const clean_opts *co);
int cmd_dedup(int argc, char **argv);
int cmd_substr(int argc, char **argv);
int cmd_filter(int argc, char **argv);
int cmd_decontaminate(int argc, char **argv);
int cmd_select(int argc, char **argv);
/* winnow run's preset options (cmd_run.c), which select decides under. */
extern const char *const cli_run_preset[][2];
extern const size_t cli_run_npreset;
int cmd_report(int argc, char **argv);

#endif
