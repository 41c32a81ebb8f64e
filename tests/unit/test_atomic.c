/*
 * test_atomic.c - publishing files (atomic_open/commit/abort, wn_writer,
 * the stats writers) and what allocation and write failures do: nothing
 * partial under a final name, no temporary left, no document with a part
 * missing.
 *
 * Failures come from the system where that is robust (rename onto a
 * directory, RLIMIT_FSIZE for writes) and otherwise from fault_hook
 * (src/core/core.h): FAULT_ALLOC tests arm it to fail the Nth wn_buf
 * growth, for every N until the operation runs clean, so each allocation
 * point fails once.
 */
#include "t.h"

#include "../../src/core/core.h"
#include "../../src/dedup/dedup.h"
#include "../../src/pipeline/run_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- helpers ---- */

static long fault_n;     /* FAULT_ALLOC: fail when it counts down to 0 */
static int fault_site;   /* another site to fail (0: none) */
static int fault_times;  /* ... this many times (-1: always) */
static int dirsyncs;     /* FAULT_DIRSYNC points passed */

static int hook(int site)
{
    if (site == FAULT_DIRSYNC)
        dirsyncs++;
    if (site == FAULT_ALLOC)
        return fault_n > 0 && --fault_n == 0;
    if (site == fault_site && fault_times) {
        if (fault_times > 0)
            fault_times--;
        return 1;
    }
    return 0;
}

static void arm(int site, int times)
{
    fault_hook = hook;
    fault_site = site;
    fault_times = times;
    fault_n = 0;
}

static void arm_alloc(long nth)
{
    fault_hook = hook;
    fault_site = 0;
    fault_n = nth;
}

/* Whether the armed allocation failure happened (fault_n reached 0). */
static int alloc_failed(void) { return fault_n == 0; }

static void disarm(void)
{
    fault_hook = NULL;
    fault_site = fault_times = 0;
    fault_n = 0;
}

/* Entries of dir other than "." and "..", all of them (dot files too). */
static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static int temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        n += strstr(e->d_name, ".tmp") != NULL;
    if (d)
        closedir(d);
    return n;
}

static int open_fds(void)
{
    return entries("/proc/self/fd");
}

static int slurp(const char *path, wn_buf *out)
{
    wn_buf_reset(out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char tmp[4096];
    size_t k;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
        wn_buf_append(out, tmp, k);
    fclose(f);
    return 0;
}

static int exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* Runs with writes past limit bytes failing (EFBIG), as on a full disk. */
static struct rlimit saved_fsize;
static void (*saved_xfsz)(int);

static void limit_file_size(rlim_t limit)
{
    getrlimit(RLIMIT_FSIZE, &saved_fsize);
    saved_xfsz = signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = saved_fsize;
    rl.rlim_cur = limit;
    setrlimit(RLIMIT_FSIZE, &rl);
}

static void unlimit_file_size(void)
{
    setrlimit(RLIMIT_FSIZE, &saved_fsize);
    signal(SIGXFSZ, saved_xfsz);
}

/* ---- atomic_* ---- */

TEST(atomic_write_file_publishes_whole)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/out.txt", dir);
    wn_error err;
    wn_buf b = WN_BUF_INIT;
    CHECK_INT(atomic_write_file(path, "old\n", 4, &err), 0);
    CHECK_INT(atomic_write_file(path, "new contents\n", 13, &err), 0);
    CHECK_INT(slurp(path, &b), 0);
    CHECK_MEM(b.data, b.len, "new contents\n", 13);
    CHECK_INT(entries(dir), 1);
    struct stat sb;
    CHECK_INT(stat(path, &sb), 0);
    CHECK(S_ISREG(sb.st_mode));
    CHECK_INT(sb.st_mode & 0600, 0600);
    /* empty, and a name as long as a name can be (the temporary's name
     * must still fit) */
    CHECK_INT(atomic_write_file(path, "", 0, &err), 0);
    CHECK_INT(slurp(path, &b), 0);
    CHECK_INT(b.len, 0);
    char lp[800], name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    snprintf(lp, sizeof lp, "%s/%s", dir, name);
    CHECK_INT(atomic_write_file(lp, "x", 1, &err), 0);
    CHECK(exists(lp));
    CHECK_INT(temporaries(dir), 0);
    /* no file name */
    CHECK_INT(atomic_write_file("", "x", 1, &err), WN_EINVAL);
    snprintf(lp, sizeof lp, "%s/", dir);
    CHECK_INT(atomic_write_file(lp, "x", 1, &err), WN_EINVAL);
    wn_buf_release(&b);
}

TEST(atomic_rename_failure_removes_temporary)
{
    const char *dir = t_tmpdir();
    char path[512], inner[600];
    snprintf(path, sizeof path, "%s/dest", dir);
    mkdir(path, 0755);
    snprintf(inner, sizeof inner, "%s/keep", path);
    wn_error err;
    CHECK_INT(atomic_write_file(inner, "k", 1, &err), 0);
    /* a non-empty directory cannot be replaced by a file */
    int fds = open_fds();
    CHECK_INT(atomic_write_file(path, "data", 4, &err), WN_EIO);
    CHECK(strstr(err.msg, "rename") != NULL);
    CHECK_INT(entries(dir), 1);
    CHECK_INT(temporaries(dir), 0);
    CHECK(exists(inner));
    CHECK_INT(open_fds(), fds);
}

/* Each failure point of commit: the destination keeps its old contents
 * and no temporary is left. */
TEST(atomic_failures_publish_nothing)
{
    static const int sites[] = {FAULT_WRITE, FAULT_FSYNC, FAULT_CLOSE};
    const char *dir = t_tmpdir();
    char path[512], fresh[512];
    snprintf(path, sizeof path, "%s/out", dir);
    snprintf(fresh, sizeof fresh, "%s/fresh", dir);
    wn_error err;
    wn_buf b = WN_BUF_INIT;
    CHECK_INT(atomic_write_file(path, "old", 3, &err), 0);
    int fds = open_fds();
    for (size_t i = 0; i < sizeof sites / sizeof *sites; i++) {
        arm(sites[i], 1);
        CHECK_INT(atomic_write_file(path, "new", 3, &err), WN_EIO);
        arm(sites[i], 1);
        CHECK_INT(atomic_write_file(fresh, "new", 3, &err), WN_EIO);
        disarm();
        CHECK_INT(slurp(path, &b), 0);
        CHECK_MEM(b.data, b.len, "old", 3);
        CHECK(!exists(fresh));
        CHECK_INT(entries(dir), 1);
        /* the stream variant */
        atomic_file af;
        CHECK_INT(atomic_fopen(&af, path, &err), 0);
        fputs("newer", af.f);
        arm(sites[i] == FAULT_WRITE ? FAULT_FSYNC : sites[i], 1);
        CHECK_INT(atomic_commit(&af, &err), WN_EIO);
        disarm();
        CHECK(af.tmp == NULL && af.f == NULL);
        CHECK_INT(slurp(path, &b), 0);
        CHECK_MEM(b.data, b.len, "old", 3);
        CHECK_INT(entries(dir), 1);
    }
    CHECK_INT(open_fds(), fds);
    wn_buf_release(&b);
}

/* A real write failure (the file size limit, as a full disk would): the
 * stream's error is found at commit even though fwrite went unchecked. */
TEST(atomic_stream_write_error_found_at_commit)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/big", dir);
    wn_error err;
    atomic_file af;
    char block[4096];
    memset(block, 'x', sizeof block);
    CHECK_INT(atomic_fopen(&af, path, &err), 0);
    limit_file_size(64 << 10);
    for (int i = 0; i < 64; i++)
        fwrite(block, 1, sizeof block, af.f);
    int rc = atomic_commit(&af, &err);
    unlimit_file_size();
    CHECK_INT(rc, WN_EIO);
    CHECK(!exists(path));
    CHECK_INT(entries(dir), 0);
}

TEST(atomic_abort_removes_temporary)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x", dir);
    wn_error err;
    atomic_file af, none;
    memset(&none, 0, sizeof none);
    atomic_abort(&none); /* a zeroed one holds nothing */
    CHECK_INT(atomic_open(&af, path, &err), 0);
    CHECK(af.fd >= 0 && af.tmp != NULL);
    CHECK(atomic_is_temporary(strrchr(af.tmp, '/') + 1));
    CHECK_INT(write_full(af.fd, "abc", 3), 0);
    CHECK_INT(entries(dir), 1);
    atomic_abort(&af);
    CHECK_INT(entries(dir), 0);
    CHECK(af.tmp == NULL);
    atomic_abort(&af); /* twice is harmless */
}

TEST(atomic_directory_fsync)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x", dir);
    wn_error err;
    wn_buf b = WN_BUF_INIT;
    arm(0, 0);
    dirsyncs = 0;
    CHECK_INT(atomic_write_file(path, "one", 3, &err), 0);
    CHECK_INT(dirsyncs, 1);
    /* a failed directory fsync is reported, and as every failure it
     * publishes nothing: the name whose durability is unknown is removed
     * (exit status 3 means "output not written") */
    arm(FAULT_DIRSYNC, 1);
    CHECK_INT(atomic_write_file(path, "two", 3, &err), WN_EIO);
    disarm();
    CHECK(strstr(err.msg, "directory") != NULL);
    CHECK_INT(slurp(path, &b), -1);
    CHECK_INT(entries(dir), 0);
    /* a file in the working directory: its directory is "." */
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_INT(chdir(dir), 0);
    arm(0, 0);
    dirsyncs = 0;
    CHECK_INT(atomic_write_file("y", "3", 1, &err), 0);
    CHECK_INT(dirsyncs, 1);
    disarm();
    CHECK_INT(chdir(cwd), 0);
    wn_buf_release(&b);
}

/* Symlinks planted where a temporary goes are never followed: neither at
 * the names older versions used ("NAME.tmp", "NAME.tmp.PID") nor at the
 * random name (made predictable here through FAULT_TMPNAME). */
TEST(atomic_planted_symlink_not_followed)
{
    const char *dir = t_tmpdir();
    char path[512], victim[512], l1[600], l2[600], l3[600];
    snprintf(path, sizeof path, "%s/out.json", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    snprintf(l1, sizeof l1, "%s.tmp", path);
    snprintf(l2, sizeof l2, "%s.tmp.%ld", path, (long)getpid());
    snprintf(l3, sizeof l3, "%s/.out.json.tmp.AAAAAAAA", dir);
    wn_error err;
    wn_buf b = WN_BUF_INIT;
    CHECK_INT(atomic_write_file(victim, "precious", 8, &err), 0);
    CHECK_INT(symlink(victim, l1), 0);
    CHECK_INT(symlink(victim, l2), 0);
    CHECK_INT(symlink(victim, l3), 0);
    arm(FAULT_TMPNAME, 1); /* the first name tried is l3's */
    CHECK_INT(atomic_write_file(path, "data", 4, &err), 0);
    disarm();
    CHECK_INT(slurp(path, &b), 0);
    CHECK_MEM(b.data, b.len, "data", 4);
    CHECK_INT(slurp(victim, &b), 0);
    CHECK_MEM(b.data, b.len, "precious", 8);
    struct stat sb;
    CHECK(lstat(l3, &sb) == 0 && S_ISLNK(sb.st_mode));
    CHECK(lstat(l1, &sb) == 0 && S_ISLNK(sb.st_mode));
    /* only ever that name: the open gives up, the victim is untouched */
    arm(FAULT_TMPNAME, -1);
    CHECK_INT(atomic_write_file(path, "other", 5, &err), WN_EIO);
    disarm();
    CHECK_INT(slurp(path, &b), 0);
    CHECK_MEM(b.data, b.len, "data", 4);
    CHECK_INT(slurp(victim, &b), 0);
    CHECK_MEM(b.data, b.len, "precious", 8);
    CHECK(lstat(l3, &sb) == 0 && S_ISLNK(sb.st_mode));
    wn_buf_release(&b);
}

TEST(atomic_temporary_names)
{
    CHECK(atomic_is_temporary(".part-00001.jsonl.zst.tmp.aB3-_x9Z"));
    CHECK(atomic_is_temporary(".x.tmp.AAAAAAAA"));
    CHECK(!atomic_is_temporary("x.tmp.AAAAAAAA"));    /* no dot */
    CHECK(!atomic_is_temporary(".x.tmp.AAAAAAA"));    /* 7 */
    CHECK(!atomic_is_temporary(".x.tmp.AAAA.AAA"));   /* '.' */
    CHECK(!atomic_is_temporary(".tmp.AAAAAAAA"));     /* no name */
    CHECK(!atomic_is_temporary("notes.tmp.txt"));
    CHECK(!atomic_is_temporary(".bashrc"));
}

/* A run removes the temporaries a killed run left in its OUTDIR, and
 * nothing else (notes.tmp.txt is not winnow's: the run is forced). */
TEST(atomic_run_removes_leftover_temporaries)
{
    const char *dir = t_tmpdir();
    char in[512], out[512], p[4][700];
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    snprintf(out, sizeof out, "%s/o", dir);
    wn_error err;
    CHECK_INT(atomic_write_file(in, "{\"text\":\"a b c\"}\n", 17, &err), 0);
    char data[600];
    snprintf(data, sizeof data, "%s/data", out);
    mkdir(out, 0755);
    mkdir(data, 0755);
    snprintf(p[0], sizeof p[0], "%s/.part-00000.jsonl.zst.tmp.Zz09-_aQ", data);
    snprintf(p[1], sizeof p[1], "%s/part-00000.jsonl.zst.tmp.12345", data);
    snprintf(p[2], sizeof p[2], "%s/.stats.json.tmp.abcdefgh", out);
    snprintf(p[3], sizeof p[3], "%s/notes.tmp.txt", data);
    for (int i = 0; i < 4; i++)
        CHECK_INT(atomic_write_file(p[i], "x", 1, &err), 0);
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize");
    wn_run *r;
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    const char *inputs[] = {in};
    CHECK_INT(wn_run_exec(r, inputs, 1, out, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "notes.tmp.txt") != NULL);
    wn_run_free(r);
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    wn_run_set_flags(r, WN_RUN_FORCE);
    CHECK_INT(wn_run_exec(r, inputs, 1, out, &err), 0);
    wn_run_free(r);
    wn_config_free(c);
    CHECK(!exists(p[0]));
    CHECK(!exists(p[1]));
    CHECK(!exists(p[2]));
    CHECK(exists(p[3]));
}

/* ---- wn_writer ---- */

/* The final flush fails (a real write error: the file size limit): close
 * reports it, removes the temporary and closes the descriptor. */
TEST(writer_close_failed_flush_removes_temporary)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/o.jsonl", dir);
    char line[1000];
    memset(line, 'a', sizeof line);
    line[0] = '"';
    line[sizeof line - 1] = '"';
    wn_error err;
    int fds = open_fds();
    wn_writer *w;
    CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
    /* 200 KB stays pending (under the 1 MiB flush size) until close */
    for (int i = 0; i < 200; i++)
        CHECK_INT(wn_writer_write_line(w, line, sizeof line, &err), 0);
    limit_file_size(64 << 10);
    int rc = wn_writer_close(w, &err);
    unlimit_file_size();
    CHECK_INT(rc, WN_EIO);
    CHECK(!exists(path));
    CHECK_INT(entries(dir), 0);
    CHECK_INT(open_fds(), fds);
    /* the same through fault_hook, compressed */
    snprintf(path, sizeof path, "%s/o.jsonl.zst", dir);
    CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
    CHECK_INT(wn_writer_write_line(w, line, sizeof line, &err), 0);
    arm(FAULT_WRITE, 1);
    CHECK_INT(wn_writer_close(w, &err), WN_EIO);
    disarm();
    CHECK_INT(entries(dir), 0);
    CHECK_INT(open_fds(), fds);
}

/* A write that failed in the middle leaves a hole: close must not
 * publish the rest, even when the last flush works. */
TEST(writer_failed_write_never_published)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/o.jsonl", dir);
    static char line[300000];
    memset(line, 'b', sizeof line);
    line[0] = '"';
    line[sizeof line - 1] = '"';
    wn_error err;
    wn_writer *w;
    CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
    int rc = 0;
    arm(FAULT_WRITE, 1); /* the first flush (past 1 MiB pending) fails */
    for (int i = 0; i < 8 && !rc; i++)
        rc = wn_writer_write_line(w, line, sizeof line, &err);
    disarm();
    CHECK_INT(rc, WN_EIO);
    CHECK_INT(wn_writer_write_line(w, line, sizeof line, &err), 0);
    CHECK(wn_writer_close(w, &err) < 0);
    CHECK(!exists(path));
    CHECK_INT(entries(dir), 0);
}

/* Links, devices and FIFOs are written through, not replaced. */
TEST(writer_writes_through_links)
{
    const char *dir = t_tmpdir();
    char real[512], link[512];
    snprintf(real, sizeof real, "%s/real.jsonl", dir);
    snprintf(link, sizeof link, "%s/link.jsonl", dir);
    wn_error err;
    CHECK_INT(atomic_write_file(real, "old\n", 4, &err), 0);
    CHECK_INT(symlink("real.jsonl", link), 0);
    wn_writer *w;
    CHECK_INT(wn_writer_open(link, WN_OUT_JSONL, &w, &err), 0);
    CHECK_INT(wn_writer_write_line(w, "{}", 2, &err), 0);
    CHECK_INT(wn_writer_close(w, &err), 0);
    struct stat sb;
    CHECK(lstat(link, &sb) == 0 && S_ISLNK(sb.st_mode));
    wn_buf b = WN_BUF_INIT;
    CHECK_INT(slurp(real, &b), 0);
    CHECK_MEM(b.data, b.len, "{}\n", 3);
    CHECK_INT(entries(dir), 2);
    CHECK_INT(wn_writer_open("/dev/null", WN_OUT_TEXT, &w, &err), 0);
    CHECK_INT(wn_writer_write_line(w, "x", 1, &err), 0);
    CHECK_INT(wn_writer_close(w, &err), 0);
    wn_buf_release(&b);
}

/* ---- wn_buf_reserve ---- */

TEST(buf_reserve_checks_before_adding)
{
    wn_buf b = WN_BUF_INIT;
    CHECK_INT(wn_buf_set(&b, "0123456789", 10), 0);
    /* len + extra + 1 wraps around to 5: must not look like room */
    CHECK_INT(wn_buf_reserve(&b, SIZE_MAX - 5), WN_ELIMIT);
    CHECK_INT(wn_buf_reserve(&b, SIZE_MAX - 10), WN_ELIMIT);
    CHECK_INT(wn_buf_reserve(&b, SIZE_MAX), WN_ELIMIT);
    CHECK_INT(wn_buf_append(&b, "x", SIZE_MAX - 9), WN_ELIMIT);
    CHECK_INT(wn_buf_reserve(&b, ((size_t)1 << 30) - 9), WN_ELIMIT);
    CHECK_INT(b.len, 10);
    CHECK_STR(b.data, "0123456789");
    CHECK_INT(wn_buf_puts(&b, "ab"), 0);
    CHECK_STR(b.data, "0123456789ab");
    wn_buf_release(&b);
}

/* ---- readers under allocation failure ---- */

static int same_buf(const wn_buf *a, const wn_buf *b)
{
    return a->len == b->len && (!a->len || !memcmp(a->data, b->data, a->len));
}

static int same_doc(const wn_doc *a, const wn_doc *b)
{
    return a->kind == b->kind && same_buf(&a->text, &b->text) &&
           same_buf(&a->id, &b->id) && same_buf(&a->url, &b->url) &&
           same_buf(&a->date, &b->date) && same_buf(&a->source, &b->source) &&
           same_buf(&a->meta, &b->meta) && same_buf(&a->http, &b->http);
}

/* Reads data with the Nth wn_buf growth failing, for N = 1, 2, ... until
 * a read runs clean: every document returned equals the one read without
 * failure, and the failure is reported as WN_ENOMEM, never as a document
 * that lacks a part or as bad input. */
static void read_under_faults(const char *data, size_t n, int format,
                              size_t want_docs)
{
    wn_reader_opts o = WN_READER_OPTS_INIT;
    o.format = format;
    wn_reader *r;
    wn_error err;
    memset(&err, 0, sizeof err);
    wn_doc ref[8], d = WN_DOC_INIT;
    size_t nref = 0;
    int rc;
    CHECK_INT(wn_reader_open_mem(data, n, "mem", &o, &r, &err), 0);
    while ((rc = wn_reader_next(r, &d, &err)) == WN_DOC && nref < 8) {
        wn_doc x = WN_DOC_INIT;
        ref[nref] = x;
        wn_doc_copy(&ref[nref++], &d);
    }
    CHECK_INT(rc, WN_EOF);
    CHECK_INT(nref, want_docs);
    wn_reader_close(r);
    int failures = 0, clean = 0;
    for (long nth = 1; nth < 100000 && !clean; nth++) {
        arm_alloc(nth);
        size_t k = 0;
        int bad = 0;
        rc = wn_reader_open_mem(data, n, "mem", &o, &r, &err);
        if (rc == 0) {
            while ((rc = wn_reader_next(r, &d, &err)) == WN_DOC) {
                if (k >= nref || !same_doc(&d, &ref[k]))
                    bad = 1;
                k++;
            }
            wn_reader_close(r);
        }
        int failed = alloc_failed();
        disarm();
        if (!failed) {
            clean = 1;
            CHECK_INT(rc, WN_EOF);
            CHECK_INT(k, nref);
            continue;
        }
        failures++;
        if (bad)
            t_fail(__FILE__, __LINE__, "allocation %ld failing: a document "
                   "differs from the one read without failure", nth);
        if (rc != WN_ENOMEM && !(rc == WN_EOF && k == nref))
            t_fail(__FILE__, __LINE__, "allocation %ld failing: reading "
                   "ends with %d (%s) after %zu of %zu documents", nth, rc,
                   err.msg, k, nref);
    }
    CHECK(clean);
    CHECK(failures > 0);
    for (size_t i = 0; i < nref; i++)
        wn_doc_release(&ref[i]);
    wn_doc_release(&d);
}

static void warc_record(wn_buf *w, const char *type, const char *uri,
                        const char *block, size_t n)
{
    wn_buf_printf(w, "WARC/1.0\r\nWARC-Type: %s\r\nWARC-Target-URI: %s\r\n"
                     "WARC-Record-ID: <urn:uuid:%s>\r\n"
                     "WARC-Date: 2024-01-02T03:04:05Z\r\n"
                     "Content-Length: %zu\r\n\r\n",
                  type, uri, uri + 8, n);
    wn_buf_append(w, block, n);
    wn_buf_puts(w, "\r\n\r\n");
}

TEST(warc_allocation_failure_is_no_short_document)
{
    wn_buf w = WN_BUF_INIT, body = WN_BUF_INIT, gz = WN_BUF_INIT,
           blk = WN_BUF_INIT;
    /* latin-1 page with a byte windows-1252 lacks (0x81): converted, one
     * replacement; gzip inside chunked coding */
    wn_buf_puts(&body, "<html><head><title>caf\xe9</title></head><body>");
    for (int i = 0; i < 300; i++)
        wn_buf_printf(&body, "<p>paragraph %d na\xefve \x81 text</p>", i);
    wn_buf_puts(&body, "</body></html>");
    t_gzip_member(&gz, body.data, body.len);
    wn_buf_puts(&blk, "HTTP/1.1 200 OK\r\nContent-Type: text/html; "
                      "charset=iso-8859-1\r\nContent-Encoding: gzip\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t at = 0; at < gz.len; at += 1000) {
        size_t k = gz.len - at < 1000 ? gz.len - at : 1000;
        wn_buf_printf(&blk, "%zx\r\n", k);
        wn_buf_append(&blk, gz.data + at, k);
        wn_buf_puts(&blk, "\r\n");
    }
    wn_buf_puts(&blk, "0\r\n\r\n");
    warc_record(&w, "response", "https://a.example/1", blk.data, blk.len);
    const char *wet = "plain converted text\nwith two lines\n";
    warc_record(&w, "conversion", "https://a.example/2", wet, strlen(wet));
    wn_buf_reset(&blk);
    wn_buf_puts(&blk, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
                      "<html><body>utf-8 \xc3\xa9t\xc3\xa9</body></html>");
    warc_record(&w, "response", "https://a.example/3", blk.data, blk.len);
    read_under_faults(w.data, w.len, WN_FMT_WARC, 3);
    wn_buf_release(&w);
    wn_buf_release(&body);
    wn_buf_release(&gz);
    wn_buf_release(&blk);
}

TEST(jsonl_text_allocation_failure_is_no_short_document)
{
    wn_buf j = WN_BUF_INIT;
    wn_buf_puts(&j, "{\"id\":\"a\",\"text\":\"one \\u00e9 \\ud83d\\ude00\","
                    "\"lang\":\"en\",\"n\":[1,2,{\"x\":null}]}\n"
                    "{\"url\":\"https://b.example/\",\"text\":\"bad \xff utf8\","
                    "\"meta\":\"\xfe\"}\n");
    wn_buf_puts(&j, "{\"text\":\"");
    for (int i = 0; i < 2000; i++)
        wn_buf_puts(&j, "long line ");
    wn_buf_puts(&j, "\"}\n");
    read_under_faults(j.data, j.len, WN_FMT_JSONL, 3);
    wn_buf_reset(&j);
    for (int i = 0; i < 3000; i++)
        wn_buf_puts(&j, i == 7 ? "one bad byte \xc0 here\n"
                               : "some plain text \xe2\x80\x94 and more\n");
    read_under_faults(j.data, j.len, WN_FMT_TEXT, 1);
    wn_buf_release(&j);
}

/* reader_init used the stream after closing it on its error paths. */
TEST(reader_unknown_format_no_use_after_close)
{
    wn_reader_opts o = WN_READER_OPTS_INIT;
    wn_reader *r = (wn_reader *)&o;
    wn_error err;
    o.format = 99;
    CHECK_INT(wn_reader_open_mem("{\"text\":\"x\"}\n", 13, "mem-name", &o, &r,
                                 &err), WN_EINVAL);
    CHECK(r == NULL);
    CHECK_STR(err.file, "mem-name");
    CHECK(strstr(err.msg, "99") != NULL);
    o.format = -2;
    CHECK_INT(wn_reader_open_mem("x", 1, "m2", &o, &r, &err), WN_EINVAL);
    CHECK_STR(err.file, "m2");
    /* a file too: the path lives in the stream as well */
    const char *p = t_write_file("f.jsonl", "{\"text\":\"x\"}\n", 13);
    o.format = 17;
    CHECK_INT(wn_reader_open(p, &o, &r, &err), WN_EINVAL);
    CHECK_STR(err.file, p);
}

/* ---- dedup ---- */

TEST(dedup_exact_hash_fails_instead_of_hashing_empty)
{
    wn_buf s = WN_BUF_INIT;
    uint64_t h[2], e[2];
    CHECK_INT(dd_exact_hash("", 0, &s, e), 0);
    wn_buf_release(&s);
    arm_alloc(1);
    CHECK(dd_exact_hash("some text", 9, &s, h) < 0);
    disarm();
    CHECK_INT(dd_exact_hash("some text", 9, &s, h), 0);
    CHECK(h[0] != e[0] || h[1] != e[1]);
    wn_buf_release(&s);
    /* through the streaming API: two different documents that cannot be
     * hashed are errors, not copies of each other */
    wn_config *cfg = wn_config_new();
    wn_config_set(cfg, "dedup.memory", "1M");
    wn_dedup_stream *st;
    wn_error err;
    CHECK_INT(wn_dedup_stream_new(cfg, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_set(&d.id, "a", 1);
    wn_buf_puts(&d.text, "first document with its own words");
    arm_alloc(1);
    int r1 = wn_dedup_stream_check(st, &d, &reason);
    disarm();
    wn_buf_set(&d.id, "b", 1);
    wn_buf_set(&d.text, "another text entirely, nothing alike", 36);
    arm_alloc(1);
    int r2 = wn_dedup_stream_check(st, &d, &reason);
    disarm();
    CHECK(r1 < 0);
    CHECK(r2 < 0);
    CHECK_INT(wn_dedup_stream_check(st, &d, &reason), 1);
    wn_dedup_stream_free(st);
    wn_config_free(cfg);
    wn_doc_release(&d);
    wn_buf_release(&reason);
}

/* ---- stats writers ---- */

TEST(stats_write_json_all_or_nothing)
{
    wn_stats st;
    memset(&st, 0, sizeof st);
    st.docs = 12345678901ULL;
    st.bad_json = 7;
    wn_buf ref = WN_BUF_INIT, b = WN_BUF_INIT;
    CHECK_INT(wn_stats_write_json(&st, &ref), 0);
    int clean = 0;
    for (long nth = 1; nth < 1000 && !clean; nth++) {
        wn_buf_release(&b); /* empty each time: every growth happens */
        arm_alloc(nth);
        int rc = wn_stats_write_json(&st, &b);
        int failed = alloc_failed();
        disarm();
        if (!failed) {
            clean = 1;
            CHECK_INT(rc, 0);
            CHECK_MEM(b.data, b.len, ref.data, ref.len);
        } else {
            CHECK(rc < 0);
            CHECK_INT(b.len, 0);
        }
    }
    CHECK(clean);
    wn_buf_release(&ref);
    wn_buf_release(&b);
}

TEST(tally_save_never_publishes_short)
{
    const char *names[] = {"normalize", "lang"};
    tally t;
    tally_init(&t);
    CHECK_INT(tally_set_stages(&t, names, 2), 0);
    t.docs_read = 100;
    t.docs_kept = 90;
    t.input.docs = 100;
    for (int i = 0; i < 40; i++) {
        char k[32];
        snprintf(k, sizeof k, "reason_number_%d", i);
        tally_kv_add(&t.reasons, &t.nreasons, k, strlen(k), (uint64_t)i);
    }
    const char *dir = t_tmpdir();
    char ref[512], path[512];
    snprintf(ref, sizeof ref, "%s/ref.counts", dir);
    snprintf(path, sizeof path, "%s/t.counts", dir);
    wn_error err;
    CHECK_INT(tally_save(&t, ref, NULL, &err), 0);
    wn_buf a = WN_BUF_INIT, b = WN_BUF_INIT;
    slurp(ref, &a);
    int clean = 0, failures = 0;
    for (long nth = 1; nth < 1000 && !clean; nth++) {
        unlink(path);
        arm_alloc(nth);
        int rc = tally_save(&t, path, NULL, &err);
        int failed = alloc_failed();
        disarm();
        if (!failed) {
            clean = 1;
            CHECK_INT(rc, 0);
        } else {
            failures++;
            CHECK(rc < 0);
        }
        if (rc == 0) {
            CHECK_INT(slurp(path, &b), 0);
            CHECK_MEM(b.data, b.len, a.data, a.len);
        } else
            CHECK(!exists(path));
        CHECK_INT(temporaries(dir), 0);
    }
    CHECK(clean);
    CHECK(failures > 0);
    tally_release(&t);
    wn_buf_release(&a);
    wn_buf_release(&b);
}

/* stats.json and report.html: rewritten with each allocation failing in
 * turn, the file is either rewritten whole or left as it was. */
TEST(run_stats_and_report_never_published_short)
{
    const char *dir = t_tmpdir();
    char in[512], out[512], sp[600], rp[600];
    snprintf(in, sizeof in, "%s/in.jsonl", dir);
    snprintf(out, sizeof out, "%s/o", dir);
    wn_buf corpus = WN_BUF_INIT;
    for (int i = 0; i < 30; i++)
        wn_buf_printf(&corpus, "{\"id\":\"d%d\",\"text\":\"%s <x> & %d\"}\n",
                      i, i % 3 ? "some words here" : "short", i % 7);
    wn_error err;
    CHECK_INT(atomic_write_file(in, corpus.data, corpus.len, &err), 0);
    wn_config *c = wn_config_new();
    wn_config_set(c, "run.stages", "normalize");
    wn_run *r;
    CHECK_INT(wn_run_new(c, &r, &err), 0);
    const char *inputs[] = {in};
    CHECK_INT(wn_run_exec(r, inputs, 1, out, &err), 0);
    snprintf(sp, sizeof sp, "%s/stats.json", out);
    snprintf(rp, sizeof rp, "%s/report.html", out);
    wn_buf sref = WN_BUF_INIT, rref = WN_BUF_INIT, b = WN_BUF_INIT;
    CHECK_INT(slurp(sp, &sref), 0);
    CHECK_INT(slurp(rp, &rref), 0);
    CHECK(sref.len > 100 && rref.len > 1000);
    for (int which = 0; which < 2; which++) {
        int clean = 0, failures = 0;
        if (which) { /* each stats write took a new timing.json */
            CHECK_INT(run_write_report(r, &err), 0);
            CHECK_INT(slurp(rp, &rref), 0);
        }
        for (long nth = 1; nth < 2000 && !clean; nth++) {
            arm_alloc(nth);
            int rc = which ? run_write_report(r, &err)
                           : run_write_stats(r, &err);
            int failed = alloc_failed();
            disarm();
            if (failed) {
                failures++;
                CHECK(rc < 0);
            } else {
                clean = 1;
                CHECK_INT(rc, 0);
            }
            CHECK_INT(slurp(which ? rp : sp, &b), 0);
            if (which)
                CHECK_MEM(b.data, b.len, rref.data, rref.len);
            else
                CHECK_MEM(b.data, b.len, sref.data, sref.len);
        }
        CHECK(clean);
        CHECK(failures > 0);
    }
    CHECK_INT(temporaries(out), 0);
    wn_run_free(r);
    wn_config_free(c);
    wn_buf_release(&corpus);
    wn_buf_release(&sref);
    wn_buf_release(&rref);
    wn_buf_release(&b);
}

/* The temporaries of one path go; another file's and look-alikes stay. */
TEST(atomic_remove_temporaries_of_a_path)
{
    const char *dir = t_tmpdir();
    char p[4][700], out[600];
    snprintf(out, sizeof out, "%s/out.jsonl", dir);
    snprintf(p[0], sizeof p[0], "%s/.out.jsonl.tmp.Zz09-_aQ", dir);
    snprintf(p[1], sizeof p[1], "%s/.other.jsonl.tmp.Zz09-_aQ", dir);
    snprintf(p[2], sizeof p[2], "%s/.out.jsonl.tmp.short", dir);
    snprintf(p[3], sizeof p[3], "%s/out.jsonl", dir);
    wn_error err;
    for (int i = 0; i < 4; i++)
        CHECK_INT(atomic_write_file(p[i], "x", 1, &err), 0);
    atomic_remove_temporaries(out);
    CHECK(!exists(p[0]));
    CHECK(exists(p[1]));
    CHECK(exists(p[2]));
    CHECK(exists(p[3]));
}
