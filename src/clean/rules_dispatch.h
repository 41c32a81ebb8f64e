/*
 * rules_dispatch.h - the first-two-bytes dispatch over the combined
 * rules' alternatives (rules_dispatch.c), used by rules.c.
 */
#ifndef WN_RULES_DISPATCH_H
#define WN_RULES_DISPATCH_H

#include "clean.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* The tiers' rules split into their top-level alternatives, each compiled
 * alone, and for every line start of two printable ASCII bytes the list
 * of alternatives (in table order) that can match a line starting so.
 * A line is then tried against those few instead of the whole alternation
 * (rules_dispatch.c). */
#define DISP_LO 0x20
#define DISP_W 95 /* printable ASCII, 0x20..0x7E */
typedef struct cl_disp {
    pcre2_code **code; /* per alternative */
    uint16_t *rule;    /* per alternative: its rule's index */
    size_t nalt;
    int jit; /* every alternative is JIT-compiled */
    uint32_t *start; /* DISP_W * DISP_W + 1 offsets into list */
    uint16_t *list;  /* alternative indexes */
} cl_disp;

/* Builds d from patterns pats[0..n) (NULL: that rule is not in the
 * alternation); alternative lists name rules by these indexes.  On any
 * failure d is left empty. */
void cl_disp_build(cl_disp *d, const char *const *pats, size_t n);
void cl_disp_free(cl_disp *d);

#endif
