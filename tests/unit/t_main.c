/*
 * t_main.c - the unit-test runner.
 *
 * Usage: test_unit [NAME-SUBSTRING]
 * Environment: WN_SHARED (path of ../shared), WN_FIXTURES (tests/fixtures).
 */
#include "t.h"

#include <zlib.h>

#include <dirent.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TESTS 2048

static struct {
    const char *name;
    void (*fn)(void);
} tests[MAX_TESTS];
static int ntests, cur_failed, cur_skipped;
static const char *cur_name;
static char tmproot[256];

void t_register(const char *name, void (*fn)(void))
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s (%s:%d): ", cur_name, file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    cur_failed++;
}

void t_skip(const char *why)
{
    if (!cur_skipped)
        fprintf(stderr, "skip %s: %s\n", cur_name, why);
    cur_skipped = 1;
}

const char *t_data(const char *rel)
{
    static char ring[8][1024];
    static int k;
    const char *sh = getenv("WN_SHARED");
    if (!sh)
        sh = "../shared";
    char *p = ring[k++ & 7];
    snprintf(p, 1024, "%s/data/%s", sh, rel);
    if (access(p, R_OK)) {
        char why[1100];
        snprintf(why, sizeof why, "%s is absent (needs ../shared/data)", p);
        t_skip(why);
        return NULL;
    }
    return p;
}

const char *t_fixture(const char *rel)
{
    static char ring[8][1024];
    static int k;
    const char *fx = getenv("WN_FIXTURES");
    char *p = ring[k++ & 7];
    snprintf(p, 1024, "%s/%s", fx ? fx : "tests/fixtures", rel);
    return p;
}

const char *t_tmpdir(void)
{
    static char dir[300];
    static int k;
    if (!tmproot[0]) {
        snprintf(tmproot, sizeof tmproot, "/tmp/wn-test-XXXXXX");
        if (!mkdtemp(tmproot)) {
            perror("mkdtemp");
            exit(2);
        }
    }
    snprintf(dir, sizeof dir, "%s/%d", tmproot, k++);
    mkdir(dir, 0755);
    return dir;
}

const char *t_write_file(const char *name, const void *p, size_t n)
{
    static char ring[8][512];
    static int k;
    char *path = ring[k++ & 7];
    snprintf(path, 512, "%s/%s", t_tmpdir(), name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    return path;
}

wn_stats t_read_all(const char *path, const wn_reader_opts *o, wn_buf *out,
                    int *bad)
{
    wn_stats st;
    memset(&st, 0, sizeof st);
    wn_reader *r;
    wn_error err;
    wn_doc d = WN_DOC_INIT;
    if (bad)
        *bad = 0;
    if (wn_reader_open(path, o, &r, &err)) {
        if (bad)
            (*bad)++;
        return st;
    }
    int rc;
    while ((rc = wn_reader_next(r, &d, &err)) != WN_EOF) {
        if (rc == WN_DOC) {
            if (out) {
                wn_doc_to_json(&d, out);
                wn_buf_putc(out, '\n');
            }
        } else {
            if (bad)
                (*bad)++;
            if (!WN_IS_BAD_INPUT(rc))
                break;
        }
    }
    st = *wn_reader_stats(r);
    wn_reader_close(r);
    wn_doc_release(&d);
    return st;
}

static void rm_rf(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            rm_rf(p);
        }
        closedir(d);
        rmdir(path);
    } else
        unlink(path);
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0, skipped = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1 && !strstr(tests[i].name, argv[1]))
            continue;
        cur_name = tests[i].name;
        cur_failed = cur_skipped = 0;
        tests[i].fn();
        if (cur_failed)
            failed++;
        else {
            passed++;
            skipped += cur_skipped;
        }
    }
    if (tmproot[0])
        rm_rf(tmproot);
    if (skipped)
        printf("%d tests skipped parts for missing data\n", skipped);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

void t_gzip_member(wn_buf *out, const char *data, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    wn_buf_reserve(out, n + 1024);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)n;
    z.next_out = (unsigned char *)out->data + out->len;
    z.avail_out = (uInt)(out->alloc - out->len - 1);
    deflate(&z, Z_FINISH);
    out->len = out->alloc - 1 - z.avail_out;
    deflateEnd(&z);
}
