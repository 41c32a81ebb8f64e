/*
 * fuzz_auto.c - libFuzzer target: a reader on arbitrary bytes with format
 * and compression sniffed, so gzip and zstd decoding are fuzzed too.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_read(data, size, WN_FMT_AUTO);
}
