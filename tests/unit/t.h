/*
 * t.h - the unit-test harness: TEST() registers a function, CHECK*() record
 * failures without stopping the test.  The runner prints one line per
 * failed test and, last, "N passed, N failed".
 */
#ifndef WN_T_H
#define WN_T_H

/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void t_register(const char *name, void (*fn)(void));
void t_fail(const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Path of a file under the shared data directory, or NULL (and the test
 * is marked skipped with a message) when ../shared/data is absent. */
const char *t_data(const char *rel);
/* Path of a file under tests/fixtures. */
const char *t_fixture(const char *rel);
/* A fresh temporary directory for this test (removed at exit). */
const char *t_tmpdir(void);
void t_skip(const char *why);

#define TEST(name)                                                           \
    static void name(void);                                                  \
    __attribute__((constructor)) static void reg_##name(void)               \
    {                                                                        \
        t_register(#name, name);                                             \
    }                                                                        \
    static void name(void)

#define CHECK(c)                                                             \
    do {                                                                     \
        if (!(c))                                                            \
            t_fail(__FILE__, __LINE__, "CHECK(%s)", #c);                     \
    } while (0)

#define CHECK_INT(a, b)                                                      \
    do {                                                                     \
        long long a_ = (long long)(a), b_ = (long long)(b);                  \
        if (a_ != b_)                                                        \
            t_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld",    \
                   #a, a_, #b, b_);                                          \
    } while (0)

#define CHECK_STR(a, b)                                                      \
    do {                                                                     \
        const char *a_ = (a), *b_ = (b);                                     \
        if (!a_ || !b_ || strcmp(a_, b_))                                    \
            t_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,  \
                   a_ ? a_ : "(null)", b_ ? b_ : "(null)");                  \
    } while (0)

#define CHECK_MEM(a, an, b, bn)                                              \
    do {                                                                     \
        size_t an_ = (an), bn_ = (bn);                                       \
        if (an_ != bn_ || memcmp((a), (b), an_))                             \
            t_fail(__FILE__, __LINE__, "%s (%zu bytes) != %s (%zu bytes)",   \
                   #a, an_, #b, bn_);                                        \
    } while (0)

/* Helpers shared by test files (t_main.c). */
/* Writes n bytes to a new file dir/name; returns its path (static buffer
 * ring of 8). */
const char *t_write_file(const char *name, const void *p, size_t n);
/* Appends data to out as one gzip member. */
void t_gzip_member(wn_buf *out, const char *data, size_t n);
/* Reads all documents of path into a JSONL string (one line per doc) and
 * returns the reader's stats; bad-input codes are counted in *bad. */
wn_stats t_read_all(const char *path, const wn_reader_opts *o, wn_buf *out,
                    int *bad);

#endif
