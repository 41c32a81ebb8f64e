/*
 * fuzz_rules.c - fuzz target for the clean stage's rule-file parser and
 * for the cleaner on arbitrary text.  The input is split at the first NUL
 * byte: before it, a rule file (src/clean/rules.c format); after it, a
 * document's text.  Parse errors are fine; crashes, leaks and undefined
 * behaviour are not.  Built by scripts/fuzz.sh with
 * -fsanitize=fuzzer,address,undefined against the build's objects.
 */
#include "../src/clean/clean.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t rn = nul ? (size_t)(nul - data) : size;
    wn_error err;
    cl_rules *r = NULL;
    if (cl_rules_new(1, NULL, NULL, &r, &err))
        return 0;
    if (cl_rules_parse(r, (const char *)data, rn, "fuzz", &err) == 0 &&
        cl_rules_finish(r, size & 1, &err) == 0 && nul) {
        /* Match every line of the rest, as the stage would. */
        void *md = cl_rules_match_data(r);
        const char *t = (const char *)nul + 1;
        size_t tn = size - rn - 1;
        int ok = wn_utf8_valid(t, tn);
        wn_buf store = WN_BUF_INIT;
        cl_line *lines;
        size_t n = cl_split(t, tn, &store, &lines);
        for (size_t i = 0; n != CL_SPLIT_NOMEM && i < n && md; i++)
            (void)cl_rules_match(r, t + lines[i].off, lines[i].len, ok, md);
        cl_rules_match_data_free(md);
        wn_buf_release(&store);
    }
    cl_rules_free(r);
    /* The whole stage chain on the text part, through the public API. */
    if (nul) {
        static const char *const chain[] = {"normalize", "clean"};
        wn_doc d = WN_DOC_INIT;
        wn_buf_append(&d.text, nul + 1, size - rn - 1);
        for (size_t i = 0; i < 2; i++) {
            wn_stage *st;
            if (wn_stage_new(chain[i], NULL, &st, &err))
                continue;
            int rc = wn_stage_process(st, &d, NULL);
            wn_stage_free(st);
            if (rc != 1)
                break;
        }
        wn_doc_release(&d);
    }
    return 0;
}
