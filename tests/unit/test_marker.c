/*
 * test_marker.c - a unit's marker vouches for its work files (marker.c):
 * trusted only while every file it lists has its size and hash, as a
 * power cut that kept the marker but not a file would leave them.
 */
#include "t.h"

#include "../../src/core/core.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A unit in dir: publishes a.bin and b.bin as work files in a ledger and
 * writes m.done with payload "counters". */
static void unit(const char *dir, char *marker, size_t cap)
{
    char a[512], b[512];
    snprintf(a, sizeof a, "%s/a.bin", dir);
    snprintf(b, sizeof b, "%s/b.bin", dir);
    snprintf(marker, cap, "%s/m.done", dir);
    wn_error err;
    work_ledger l;
    ledger_begin(&l);
    CHECK(ledger_current() == &l);
    CHECK_INT(atomic_write_work(a, "first file", 10, &err), 0);
    atomic_file af;
    CHECK_INT(atomic_fopen(&af, b, &err), 0);
    af.work = 1;
    for (int i = 0; i < 10000; i++)
        fprintf(af.f, "line %d\n", i);
    CHECK_INT(atomic_commit(&af, &err), 0);
    ledger_end(&l);
    CHECK(ledger_current() == NULL);
    CHECK_INT(l.n, 2);
    CHECK_INT(marker_write(marker, "counters", 8, &l, &err), 0);
    ledger_release(&l);
}

static int read_ok(const char *marker)
{
    wn_buf p = WN_BUF_INIT;
    wn_error err;
    int rc = marker_read(marker, &p, &err);
    if (!rc && (p.len != 8 || memcmp(p.data, "counters", 8)))
        rc = 99;
    wn_buf_release(&p);
    return rc;
}

TEST(marker_trusted_while_files_intact)
{
    const char *dir = t_tmpdir();
    char m[512];
    unit(dir, m, sizeof m);
    CHECK_INT(read_ok(m), 0);
    CHECK_INT(read_ok(m), 0); /* reading changes nothing */
}

TEST(marker_not_trusted_when_a_file_is_short)
{
    const char *dir = t_tmpdir();
    char m[512], b[600];
    unit(dir, m, sizeof m);
    snprintf(b, sizeof b, "%s/b.bin", dir);
    CHECK_INT(truncate(b, 100), 0);
    CHECK_INT(read_ok(m), 1);
    /* the marker and what it listed are gone: the unit runs again */
    CHECK(!exists(m));
    CHECK(!exists(b));
}

TEST(marker_not_trusted_when_a_file_is_altered)
{
    const char *dir = t_tmpdir();
    char m[512], a[600];
    unit(dir, m, sizeof m);
    snprintf(a, sizeof a, "%s/a.bin", dir);
    /* same size, other bytes: what an unwritten block reads as */
    int fd = open(a, O_WRONLY);
    CHECK(fd >= 0);
    CHECK_INT(pwrite(fd, "\0\0\0\0", 4, 3), 4);
    close(fd);
    CHECK_INT(read_ok(m), 1);
}

TEST(marker_not_trusted_when_a_file_is_missing)
{
    const char *dir = t_tmpdir();
    char m[512], a[600];
    unit(dir, m, sizeof m);
    snprintf(a, sizeof a, "%s/a.bin", dir);
    CHECK_INT(unlink(a), 0);
    CHECK_INT(read_ok(m), 1);
}

TEST(marker_not_trusted_when_cut_short)
{
    const char *dir = t_tmpdir();
    char m[512];
    unit(dir, m, sizeof m);
    struct stat sb;
    CHECK_INT(stat(m, &sb), 0);
    /* every length short of the whole, the empty file a power cut leaves
     * included */
    for (off_t n = sb.st_size - 1; n >= 0; n -= 7) {
        char d[600];
        snprintf(d, sizeof d, "%s/c%lld", dir, (long long)n);
        CHECK_INT(mkdir(d, 0777), 0);
        char m2[512];
        unit(d, m2, sizeof m2);
        CHECK_INT(truncate(m2, n), 0);
        CHECK_INT(read_ok(m2), 1);
    }
    CHECK_INT(read_ok(m), 0);
}

TEST(marker_absent_is_one)
{
    char m[512];
    snprintf(m, sizeof m, "%s/none.done", t_tmpdir());
    CHECK_INT(read_ok(m), 1);
}

TEST(marker_forget_strikes_files_removed_on_purpose)
{
    const char *dir = t_tmpdir();
    char m[512], a[600];
    unit(dir, m, sizeof m);
    wn_error err;
    CHECK_INT(marker_sync(m, &err), 0);
    CHECK_INT(marker_forget(m, "a.", &err), 0);
    snprintf(a, sizeof a, "%s/a.bin", dir);
    CHECK_INT(unlink(a), 0);
    CHECK_INT(read_ok(m), 0);
    /* b.bin is still vouched for */
    char b[600];
    snprintf(b, sizeof b, "%s/b.bin", dir);
    CHECK_INT(truncate(b, 0), 0);
    CHECK_INT(read_ok(m), 1);
}

TEST(marker_last_publication_holds)
{
    const char *dir = t_tmpdir();
    char a[512], m[512];
    snprintf(a, sizeof a, "%s/a.bin", dir);
    snprintf(m, sizeof m, "%s/m.done", dir);
    wn_error err;
    work_ledger l;
    ledger_begin(&l);
    CHECK_INT(atomic_write_work(a, "one", 3, &err), 0);
    CHECK_INT(atomic_write_work(a, "two!", 4, &err), 0);
    ledger_end(&l);
    CHECK_INT(marker_write(m, "counters", 8, &l, &err), 0);
    ledger_release(&l);
    CHECK_INT(read_ok(m), 0);
}

TEST(marker_outside_a_ledger_work_files_are_synced)
{
    /* no ledger: a work file is published as before (fsynced), and a
     * final file never goes into a ledger */
    const char *dir = t_tmpdir();
    char a[512], f[512];
    snprintf(a, sizeof a, "%s/a.bin", dir);
    snprintf(f, sizeof f, "%s/final", dir);
    wn_error err;
    CHECK_INT(atomic_write_work(a, "x", 1, &err), 0);
    work_ledger l;
    ledger_begin(&l);
    CHECK_INT(atomic_write_file(f, "y", 1, &err), 0);
    ledger_end(&l);
    CHECK_INT(l.n, 0);
    ledger_release(&l);
}
