/*
 * fuzz_decontam.c - libFuzzer target: the decontaminate stage's reading of
 * an evaluation set (src/filter/decontam.c) on arbitrary bytes, as JSONL
 * and as text; then the stage on a document made of the same bytes.  An
 * unreadable set must be refused with WN_EINVAL, never crash; a document
 * that is a text item of 13+ words must match; the text it keeps is valid
 * UTF-8.
 */
/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size, const char *ext,
                const wn_buf *text)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/wn-fuzz-decontam-%d.%s", (int)getpid(),
             ext);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, size, f);
    fclose(f);
    wn_config *cfg = wn_config_new();
    wn_stage *st;
    wn_error err;
    if (!cfg)
        return;
    wn_config_set(cfg, "decontaminate.against", path);
    wn_config_set(cfg, "decontaminate.min_piece", "0");
    int rc = wn_stage_new("decontaminate", cfg, &st, &err);
    wn_config_free(cfg);
    unlink(path);
    if (rc) {
        if (rc != WN_EINVAL && rc != WN_ENOMEM)
            abort();
        return;
    }
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_set(&d.text, text->data ? text->data : "", text->len);
    rc = wn_stage_process(st, &d, &reason);
    if (rc < 0 && rc != WN_ENOMEM)
        abort();
    if (rc == 1 && !wn_utf8_valid(d.text.data ? d.text.data : "", d.text.len))
        abort();
    const char *v;
    size_t n;
    /* a one-line text set of clean ASCII words is found in itself */
    if (!strcmp(ext, "txt") && rc >= 0 && text->len == size &&
        !memchr(data, '\n', size) && !memchr(data, '\r', size)) {
        int words = 0, clean = 1, in = 0;
        for (size_t i = 0; i < size; i++) {
            int c = data[i];
            if (c == ' ') {
                in = 0;
            } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                words += !in;
                in = 1;
            } else {
                clean = 0;
            }
        }
        if (clean && words >= 13 && !wn_doc_meta_get(&d, "decontaminated",
                                                     &v, &n))
            abort();
    }
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_stage_free(st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the stage sees what a reader hands it: valid UTF-8 */
    wn_buf text = WN_BUF_INIT;
    if (wn_utf8_repair((const char *)data, size, &text, NULL) >= 0) {
        one(data, size, "jsonl", &text);
        one(data, size, "txt", &text);
    }
    wn_buf_release(&text);
    return 0;
}
