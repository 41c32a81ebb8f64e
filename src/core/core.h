/*
 * core.h - internal helpers shared by all modules (not installed).
 */
#ifndef WN_CORE_H
#define WN_CORE_H

#include "winnow.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#if defined(__GNUC__)
#define WN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WN_LIKELY(x) __builtin_expect(!!(x), 1)
#define WN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WN_PRINTF(a, b)
#define WN_LIKELY(x) (x)
#define WN_UNLIKELY(x) (x)
#endif

/* Fills err (if not NULL) and returns code, so callers can write
 * `return wn_err(err, WN_EFORMAT, file, off, "...")`. */
int wn_err(wn_error *err, int code, const char *file, uint64_t offset,
           const char *fmt, ...) WN_PRINTF(5, 6);

/* ---- JSON scanning (src/core/json.c) ---- */

/* Skips JSON whitespace from p; returns the new position. */
const char *json_skip_ws(const char *p, const char *end);
/* Validates one JSON value starting at *p (no leading whitespace); on
 * success advances *p past it and returns 0; else returns WN_EFORMAT and
 * leaves *p at the offending byte.  depth bounds nesting. */
int json_skip_value(const char **p, const char *end, int depth);
/* Decodes the JSON string literal at *p (starting at '"') into out
 * (appended), advancing *p past the closing quote.  Invalid UTF-8, lone
 * surrogates and \u0000 become U+FFFD; *repaired counts them. */
int json_decode_string(const char **p, const char *end, wn_buf *out,
                       size_t *repaired);

/* ---- stats fields by index (src/core/stats.c) ---- */

size_t stats_nfields(void);
const char *stats_field_name(size_t i);
uint64_t *stats_field(wn_stats *s, size_t i);

/* ---- UTF-8 (src/core/utf8.c) ---- */

/* Appends code point cp as UTF-8. */
int utf8_put(wn_buf *out, uint32_t cp);

#endif
