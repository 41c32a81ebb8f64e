/*
 * engine.h - what the run (run.c, run_task.c) needs of the engine beyond
 * winnow.h: its books and problems per input, and the first pass over an
 * already expanded list of files.
 */
#ifndef WN_ENGINE_H
#define WN_ENGINE_H

#include "stage.h"
#include "tally.h"

/* The run.* options (the table is run_option_table(), in run.c). */
typedef struct run_options {
    int jobs, dedup, format, html, annotate, substr;
    const char *stages, *text_field;
    size_t shard_size, max_record, examples;
} run_options;

/* The run.* options, as parsed and checked by wn_engine_new. */
const run_options *engine_options(const wn_engine *e);
/* The worker threads (run.jobs, 0 resolved to the number of cores). */
int engine_jobs(const wn_engine *e);

/* The books (counts of everything the engine did since it was made, or
 * since the caller last moved them out). */
tally *engine_books(wn_engine *e);
/* Whether kept documents count as the final output (length histogram,
 * languages, final_kept): on by default; off for the run's tasks, whose
 * output is deduplicated and counted later. */
void engine_book_final(wn_engine *e, int on);
/* Problems of the main pass as JSON lines ({"file","offset","code",
 * "message"}), in the order met. */
const wn_buf *engine_problems(const wn_engine *e);
void engine_clear_problems(wn_engine *e);
/* The first passes over files (not expanded again). */
int engine_observe_files(wn_engine *e, char *const *files, size_t n,
                         wn_error *err);
/* The parts of a first pass, for a distributed run (run_observe.c): the
 * first pass of stage k over files i with i % nparts == part (bytes: what
 * it read), prepare, the stage's first-pass state saved, a fresh state
 * (renew) into which saved states are merged. */
int engine_observe_stage(wn_engine *e, size_t k, char *const *files,
                         size_t n, unsigned part, unsigned nparts,
                         uint64_t *bytes, wn_error *err);
int engine_prepare_stage(wn_engine *e, size_t k, wn_error *err);
int engine_stage_can_merge(const wn_engine *e, size_t k);
int engine_stage_save(wn_engine *e, size_t k, wn_buf *out);
int engine_stage_renew(wn_engine *e, size_t k, wn_error *err);
int engine_stage_merge(wn_engine *e, size_t k, const void *data, size_t n,
                       wn_error *err);
const char *engine_stage_name(const wn_engine *e, size_t k);
/* Progress counters (any thread): compressed bytes of the current pass,
 * documents read and kept. */
void engine_progress(const wn_engine *e, uint64_t *bytes, uint64_t *read,
                     uint64_t *kept);
void engine_reset_progress(wn_engine *e);
/* Stages with a first pass, and first passes done so far. */
int engine_first_passes(const wn_engine *e);
int engine_passes_done(const wn_engine *e);
/* Examples of line rules for the report: up to per_rule pages per rule of
 * the line stages (clean, site_lines) where the rule dropped lines, as
 * JSON lines {"rule","id","url","first","lines":[[text, rule|null]..]};
 * 0 = off (the default).  take appends them to out and starts afresh
 * (per input: each task keeps its own). */
void engine_line_examples(wn_engine *e, size_t per_rule);
int engine_take_line_examples(wn_engine *e, wn_buf *out);
/* Moves the books into dst (which must be released by the caller) and
 * starts new, empty ones with the same stages. */
int engine_take_books(wn_engine *e, tally *dst);

#endif
