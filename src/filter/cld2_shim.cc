/*
 * cld2_shim.cc - the one C++ file of libwinnow: calls CLD2's C++ API
 * (ExtDetectLanguageSummary) for the C stage in langid.c.  Nothing here
 * throws or allocates; CLD2 keeps no state between calls, so the function
 * is safe to call from several threads at once.
 */
#include "cld2_shim.h"

#include <climits>
#include <cstdio> // compact_lang_det.h uses FILE without including it
#include <cstring>

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

extern "C" int cld2_detect(const char *text, size_t n, char code[16],
                           double *score, int *reliable)
{
    CLD2::Language lang3[3];
    int percent3[3];
    double norm3[3];
    int text_bytes = 0;
    bool ok = false;
    CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING,
                            CLD2::UNKNOWN_LANGUAGE};
    int len = n > (size_t)INT_MAX ? INT_MAX : (int)n;
    CLD2::Language lang = CLD2::ExtDetectLanguageSummary(
        text ? text : "", len, true, &hints, 0, lang3, percent3, norm3,
        nullptr, &text_bytes, &ok);
    const char *c = CLD2::LanguageCode(lang);
    if (!c || !*c)
        c = "un";
    /* fastText's lid.176 and ISO 639-1 have one Chinese: so do we */
    if (!strcmp(c, "zh-Hant"))
        c = "zh";
    strncpy(code, c, 15);
    code[15] = '\0';
    *score = lang == CLD2::UNKNOWN_LANGUAGE ? 0.0 : percent3[0] / 100.0;
    *reliable = ok;
    return 0;
}
