/*
 * presets.h - published line rules (C4, RefinedWeb) for the clean stage,
 * reproduced for comparability (presets.c, docs/clean.md).
 */
#ifndef WN_CLEAN_PRESETS_H
#define WN_CLEAN_PRESETS_H

#include "clean.h"

enum { PRESET_NONE = 0, PRESET_C4 = 1, PRESET_REFINEDWEB = 2 };

/* "none", "c4", "refinedweb" -> PRESET_*, or -1. */
int presets_parse(const char *name);
/* Is name one of the preset rules (line or document)? */
int presets_has_rule(const char *name);
/* Registers the preset's rule names in c. */
void presets_intern(int preset, cl_counts *c);
/* Sets the verdict of every line; returns STAGE_KEEP, or STAGE_DROP with
 * a document-level reason (e.g. "c4:sentences=2<3"). */
int presets_decide(int preset, const char *text, size_t len, cl_line *lines,
                   size_t n, wn_buf *reason, wn_buf *tmp);
/* Rebuilds text the way the preset's reference code does (C4: kept lines,
 * citations removed, joined by '\n'; RefinedWeb: kept lines with the
 * edits applied). */
int presets_rebuild(int preset, wn_buf *text, const cl_line *lines,
                    size_t n, wn_buf *tmp);
/* Counts a document-level drop named by reason in c. */
void presets_count_doc(cl_counts *c, const wn_buf *reason);

#endif
