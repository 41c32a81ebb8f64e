/*
 * cld2_shim.h - a C view of Google's Compact Language Detector 2 (Debian's
 * libcld2, a C++ library without a C API): the built-in language-ID engine
 * that needs no model file.  Implemented in cld2_shim.cc.
 */
#ifndef WN_FILTER_CLD2_SHIM_H
#define WN_FILTER_CLD2_SHIM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Detects the language of UTF-8 plain text.  Writes the ISO 639-1 code
 * (or CLD2's code where there is none; "un" when unknown) to code, the
 * share of the text's letters in that language (0..1) to *score and
 * CLD2's reliability verdict to *reliable.  Returns 0; never fails. */
int cld2_detect(const char *text, size_t n, char code[16], double *score,
                int *reliable);

#ifdef __cplusplus
}
#endif
#endif
