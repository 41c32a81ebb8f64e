/*
 * test_writer.c - the output writers: plain, gzip and zstd published
 * atomically, aborted, through a link, the level fixed by the first
 * write, and zstd in frames (writer_chunks) with the same bytes for any
 * number of threads.
 */
#include "t.h"
#include "../../src/io/io.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

/* Files in dir, temporaries (dot files) included. */
static int files_in(const char *dir)
{
    DIR *dd = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (dd && (e = readdir(dd)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (dd)
        closedir(dd);
    return n;
}

static void write_and_check(const char *name)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    wn_writer *w;
    wn_error err;
    CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, "line \"quoted\"\n\ttab");
    wn_buf_puts(&d.id, "x1");
    CHECK_INT(wn_writer_write(w, &d, &err), 0);
    CHECK(access(path, F_OK) != 0); /* not visible before close */
    CHECK_INT(wn_writer_close(w, &err), 0);
    CHECK(access(path, F_OK) == 0);
    wn_buf out = WN_BUF_INIT;
    int bad;
    wn_stats st = t_read_all(path, NULL, &out, &bad);
    CHECK_INT(st.docs, 1);
    CHECK_INT(bad, 0);
    CHECK(strstr(out.data, "\"id\":\"x1\"") != NULL);
    CHECK(strstr(out.data, "line \\\"quoted\\\"\\n\\ttab") != NULL);
    CHECK_INT(files_in(dir), 1); /* no temporary file left behind */
    wn_buf_release(&out);
    wn_doc_release(&d);
}

TEST(writer_plain_gz_zst_atomic)
{
    write_and_check("o.jsonl");
    write_and_check("o.jsonl.gz");
    write_and_check("o.jsonl.zst");
}

TEST(writer_abort_leaves_nothing)
{
    const char *dir = t_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.jsonl", dir);
    wn_writer *w;
    wn_error err;
    CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
    wn_writer_write_line(w, "{}", 2, &err);
    wn_writer_abort(w);
    CHECK_INT(files_in(dir), 0);
}

TEST(writer_through_symlink_keeps_link)
{
    /* regression: writing stats to /dev/stdout (a link) once replaced the
     * link with a regular file */
    const char *dir = t_tmpdir();
    char target[512], link[512];
    snprintf(target, sizeof target, "%s/target", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    FILE *f = fopen(target, "w");
    fclose(f);
    CHECK_INT(symlink(target, link), 0);
    wn_writer *w;
    wn_error err;
    CHECK_INT(wn_writer_open(link, WN_OUT_JSONL, &w, &err), 0);
    wn_writer_write_line(w, "{}", 2, &err);
    CHECK_INT(wn_writer_close(w, &err), 0);
    struct stat sb;
    CHECK_INT(lstat(link, &sb), 0);
    CHECK(S_ISLNK(sb.st_mode));
    CHECK_INT(stat(target, &sb), 0);
    CHECK_INT(sb.st_size, 3);
}

TEST(writer_level_only_before_data)
{
    const char *names[] = {"l.jsonl.zst", "l.jsonl.gz"};
    for (int i = 0; i < 2; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", t_tmpdir(), names[i]);
        wn_writer *w;
        wn_error err;
        CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
        CHECK_INT(wn_writer_set_level(w, 1), 0);
        CHECK_INT(wn_writer_write_line(w, "{\"text\":\"x\"}", 12, &err), 0);
        CHECK_INT(wn_writer_set_level(w, 9), WN_EINVAL);
        CHECK_INT(wn_writer_close(w, &err), 0);
        int bad;
        wn_stats st = t_read_all(path, NULL, NULL, &bad);
        CHECK_INT(st.docs, 1);
        CHECK_INT(bad, 0);
    }
}

/* writer_chunks: frames cut by the bytes alone, so the file is the same
 * whether the caller's thread compresses them or 1 or 3 of the writer's
 * (which lets the callers give it their -j); ~6 MiB make two frames, and
 * the lines cross a frame's end.  The file reads back as written. */
TEST(writer_chunks_same_bytes_any_threads)
{
    wn_buf want = WN_BUF_INIT, line = WN_BUF_INIT;
    char *got[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/thr%d.jsonl.zst", t_tmpdir(), i);
        wn_writer *w;
        wn_error err;
        uint64_t x = 88172645463325252ull;
        CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
        CHECK_INT(wn_writer_set_level(w, 1), 0);
        writer_chunks(w, i ? 2 * i - 1 : 0);
        for (int k = 0; k < 60000; k++) {
            wn_buf_reset(&line);
            wn_buf_printf(&line, "{\"id\":\"%d\",\"text\":\"", k);
            for (int m = 0; m < 12; m++) { /* words, some repeated */
                x ^= x << 13, x ^= x >> 7, x ^= x << 17;
                wn_buf_printf(&line, "w%llu ", (unsigned long long)(x % 5000));
            }
            wn_buf_puts(&line, "\"}");
            CHECK_INT(wn_writer_write_line(w, line.data, line.len, &err), 0);
            if (!i)
                wn_buf_printf(&want, "%s\n", line.data);
        }
        CHECK_INT(wn_writer_close(w, &err), 0);
        wn_buf b = WN_BUF_INIT;
        CHECK_INT(read_whole_file(path, &b, &err), 0);
        got[i] = b.data;
        len[i] = b.len;
    }
    CHECK(want.len > (size_t)5 << 20);
    CHECK(len[0] > 0 && len[0] == len[1] && len[1] == len[2]);
    CHECK(!memcmp(got[0], got[1], len[0]) && !memcmp(got[1], got[2], len[0]));
    /* two frames (the first one's size is in its header), and it
     * decompresses to what was written */
    size_t first = ZSTD_findFrameCompressedSize(got[0], len[0]);
    CHECK(!ZSTD_isError(first) && first < len[0]);
    wn_buf dec = WN_BUF_INIT;
    CHECK_INT(wn_buf_reserve(&dec, want.len + 1), 0);
    size_t d = ZSTD_decompress(dec.data, want.len + 1, got[0], len[0]);
    CHECK(!ZSTD_isError(d) && d == want.len && !memcmp(dec.data, want.data, d));
    for (int i = 0; i < 3; i++)
        free(got[i]);
    for (int t = 0; t < 2; t++) { /* nothing written: still a zstd file */
        char path[512];
        snprintf(path, sizeof path, "%s/empty%d.jsonl.zst", t_tmpdir(), t);
        wn_writer *w;
        wn_error err;
        CHECK_INT(wn_writer_open(path, WN_OUT_JSONL, &w, &err), 0);
        writer_chunks(w, t);
        CHECK_INT(wn_writer_close(w, &err), 0);
        int bad;
        wn_stats st = t_read_all(path, NULL, NULL, &bad);
        CHECK_INT(st.docs, 0);
        CHECK_INT(bad, 0);
        struct stat sb;
        CHECK(stat(path, &sb) == 0 && sb.st_size > 0);
    }
    wn_buf_release(&dec);
    wn_buf_release(&want);
    wn_buf_release(&line);
}
