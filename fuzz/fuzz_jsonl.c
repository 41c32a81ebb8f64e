/*
 * fuzz_jsonl.c - libFuzzer target: the jsonl reader on arbitrary bytes.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read(data, size, WN_FMT_JSONL);
}
