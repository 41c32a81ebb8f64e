/*
 * clean.h - internals shared by the line-level cleaners in src/clean/.
 *
 * Every cleaner works the same way: split doc->text into lines, decide a
 * verdict per line (NULL = keep, else the name of the rule that drops it),
 * then either rebuild the text from the kept lines (process) or report the
 * verdicts (wn_clean_lines, for `winnow explain`).  Keeping the decision in
 * one function per stage is what lets explain print exactly what clean
 * does.
 */
#ifndef WN_CLEAN_H
#define WN_CLEAN_H

#include "../pipeline/stage.h"
#include "../pipeline/stage_api.h"

#include <stdatomic.h>

/* One line of a document: [off, off+len) in the text, without '\n' and
 * with surrounding blanks trimmed (len 0 = blank line). */
typedef struct cl_line {
    uint32_t off, len;
    uint32_t words;    /* space-separated words; CJK characters count 1/2 */
    uint32_t chars;    /* code points */
    const char *rule;  /* verdict: NULL keep, else rule name */
    float score;       /* line model: P(article); -1 when not scored */
    uint8_t nav;       /* nav_run would drop it (a model feature) */
} cl_line;

/* Splits text into lines stored in `store` (used as an array of cl_line);
 * returns the count. */
/* Returns the number of lines, or CL_SPLIT_NOMEM (never fewer lines than
 * the text has). */
#define CL_SPLIT_NOMEM ((size_t)-1)
size_t cl_split(const char *text, size_t n, wn_buf *store, cl_line **lines);

/* Rebuilds text from the lines whose rule is NULL, separating paragraphs as
 * the input did (a blank line is kept only between two kept lines).
 * Returns 0 or a negative code. */
int cl_rebuild(wn_buf *text, const cl_line *lines, size_t n, wn_buf *tmp);

static inline int isalnum_c(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
}
static inline char lower_c(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* Does the line end like a sentence (. ! ? … : ; closing quote/bracket,
 * CJK full stop)? */
int cl_ends_sentence(const char *s, size_t n);

/* ---- pattern rules (rules.c) ---- */

typedef struct cl_rules cl_rules;

/* Builds the rule table: the built-in rules (unless builtin == 0), then the
 * rules of file `path` (may be NULL), minus the comma-separated names in
 * `disable`.  Patterns are PCRE2 (UTF, caseless), compiled and JIT'd once. */
int cl_rules_new(int builtin, const char *path, const char *disable,
                 cl_rules **out, wn_error *err);
/* The same from rule-file text in memory (for tests and fuzzing). */
int cl_rules_parse(cl_rules *r, const char *text, size_t n, const char *name,
                   wn_error *err);
/* Builds the combined matchers once the table is final (after every
 * disable); combined == 0 keeps matching rule by rule (same verdicts,
 * slower: kept for comparison and as the fallback). */
int cl_rules_finish(cl_rules *r, int combined, wn_error *err);
void cl_rules_free(cl_rules *r);
/* First rule matching line s (n bytes), or NULL; utf_ok says the text
 * is known to be valid UTF-8.  md is a
 * pcre2_match_data* from cl_rules_match_data. */
const char *cl_rules_match(const cl_rules *r, const char *s, size_t n,
                           int utf_ok, void *md);
void *cl_rules_match_data(const cl_rules *r);
void cl_rules_match_data_free(void *md);
/* Number of rules and the name of rule i (for counters). */
size_t cl_rules_count(const cl_rules *r);
const char *cl_rules_name(const cl_rules *r, size_t i);
/* Disables a rule by name (built-in, structural or user).  Returns 0, or
 * WN_EINVAL with err filled if no rule has that name. */
int cl_rules_disable(cl_rules *r, const char *name, wn_error *err);

/* ---- per-rule drop counters, shared by threads ---- */

#define CL_MAX_COUNTERS 256
typedef struct cl_counts {
    const char *name[CL_MAX_COUNTERS];
    _Atomic uint64_t drops[CL_MAX_COUNTERS];
    size_t n;
} cl_counts;

/* Index of name in c (added if new; names must be static or outlive c). */
size_t cl_counts_slot(cl_counts *c, const char *name);
/* Adds the verdicts of one document. */
void cl_counts_add(cl_counts *c, const cl_line *lines, size_t n);

/* ---- the site-template stage (site.c) ---- */

/* Registered domain of url ("news.bbc.co.uk" -> "bbc.co.uk"), written to
 * out; for an empty url, the directory part of source ("dir/f.txt:0" ->
 * "dir").  See docs/clean.md for the heuristic. */
/* Returns 0 or WN_ENOMEM (a key cut short would merge sites). */
int cl_site_key(const wn_doc *doc, wn_buf *out);

/* Stage ops, for wn_clean_lines. */
extern const stage_ops stage_clean;
extern const stage_ops stage_site_lines;
extern const stage_ops stage_normalize;

/* Per-stage line deciders used by process() and by wn_clean_lines. */
/* feat: NULL, or filled with LM_NFEAT floats per line (zeros where the
 * model did not score the line), for `winnow explain --features`. */
int clean_decide(void *state, const wn_doc *doc, cl_line *lines, size_t n,
                 wn_buf *reason, stage_scratch *sc, wn_buf *feat);
int site_decide(void *state, const wn_doc *doc, cl_line *lines, size_t n,
                wn_buf *tmp);
const cl_counts *clean_counts(void *state);
/* normalize's line verdicts (debris lines) on the raw text, and its
 * counter. */
int norm_lines(void *state, const wn_doc *doc, wn_line_verdict_fn fn,
               void *ctx);
const cl_counts *norm_counts(void *state);
const cl_counts *site_counts(void *state);
/* Table fill of the site stage: keys held, slots, keys refused after the
 * table froze, eviction sweeps run. */
void site_table_stats(void *state, uint64_t *used, uint64_t *cap,
                      uint64_t *overflow, uint64_t *sweeps);

#endif
