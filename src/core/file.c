/*
 * file.c - a whole small file into a buffer (work files, counters, saved
 * first passes): the one way winnow reads a file it wrote itself; and the
 * hash of a file's bytes (work-file markers, input fingerprints).
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack: no malloc */
#include <xxhash.h>

int fd_xxh3(int fd, uint64_t limit, uint64_t *n, uint64_t *hash)
{
    static _Thread_local char buf[1 << 16];
    XXH3_state_t s;
    XXH3_64bits_reset(&s);
    uint64_t off = 0;
    int rc = 0;
    while (off < limit) {
        uint64_t want = limit - off < sizeof buf ? limit - off : sizeof buf;
        ssize_t k = pread(fd, buf, (size_t)want, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = -1;
            break;
        }
        if (k == 0)
            break;
        XXH3_64bits_update(&s, buf, (size_t)k);
        off += (uint64_t)k;
    }
    int saved = errno;
    *n = off;
    *hash = XXH3_64bits_digest(&s);
    errno = saved;
    return rc;
}

int read_whole_file(const char *path, wn_buf *out, wn_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f && errno == ENOENT)
        return 1; /* absent: for the caller to decide */
    if (!f)
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s",
                      strerror(errno));
    char tmp[1 << 16];
    size_t k;
    int rc = 0;
    while (!rc && (k = fread(tmp, 1, sizeof tmp, f)) > 0)
        rc = wn_buf_append(out, tmp, k);
    if (rc)
        rc = wn_err(err, rc, path, 0, "out of memory");
    else if (ferror(f))
        rc = wn_err(err, WN_EIO, path, 0, "read error");
    fclose(f);
    return rc;
}
