/*
 * fuzz_where.c - libFuzzer target: winnow select's --where parser and
 * evaluator (src/pipeline/select.c) on arbitrary expressions, each one,
 * when accepted, applied to a document with metadata of every JSON kind.
 */
/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *expr = malloc(size + 1);
    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    wn_select *sel;
    wn_error err;
    if (wn_select_new(NULL, expr, &sel, &err)) {
        if (err.code >= 0)
            abort(); /* a failure always carries its code */
        free(expr);
        return 0;
    }
    wn_doc d = WN_DOC_INIT;
    static const char meta[] =
        "\"verdicts\":{\"langid\":null},\"language\":\"en\","
        "\"classifier\":{\"hq\":0.93,\"x\":[1,2]},\"flag\":true,"
        "\"none\":null,\"signals\":{\"gopher_quality\":{\"words\":312}}";
    wn_buf_puts(&d.meta, meta);
    wn_buf_puts(&d.text, "text");
    wn_buf reason = WN_BUF_INIT;
    int rc = wn_select_decide(sel, &d, &reason);
    if (rc != 0 && rc != 1 && rc != WN_ENOMEM)
        abort();
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_select_free(sel);
    free(expr);
    return 0;
}
