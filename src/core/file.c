/*
 * file.c - a whole small file into a buffer (work files, counters, saved
 * first passes): the one way winnow reads a file it wrote itself.
 */
#include "core.h"

#include <errno.h>
#include <stdio.h>

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
