/*
 * fingerprint.c - what identifies an input's contents without reading it
 * all (size, modification time, a hash of its first 64 KiB), and the table
 * of the fingerprints an engine took before its first pass, so that an
 * input replaced before the main pass is noticed (docs/FORMATS.md,
 * inputs_changed).
 */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int input_fingerprint(const char *path, input_fp *fp, int head)
{
    memset(fp, 0, sizeof *fp);
    if (!input_rereadable(path))
        return 0;
    struct stat sb;
    if (!head) {
        if (stat(path, &sb) || !S_ISREG(sb.st_mode))
            return -1;
    } else {
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return -1;
        /* no allocation: a first pass must not fail for want of memory
         * on what is only a check */
        uint64_t got;
        int rc = -1;
        if (!fstat(fd, &sb) && S_ISREG(sb.st_mode))
            rc = fd_xxh3(fd, 64 * 1024, &got, &fp->head);
        int saved = errno;
        close(fd);
        if (rc) {
            errno = saved;
            return -2;
        }
    }
    fp->size = (long long)sb.st_size;
    fp->mtime_ns = (long long)sb.st_mtim.tv_sec * 1000000000LL +
                   sb.st_mtim.tv_nsec;
    return 1;
}

int input_fp_format(const input_fp *fp, int got, wn_buf *out)
{
    if (got != 1)
        return wn_buf_puts(out, "-");
    return wn_buf_printf(out, "%lld %lld", fp->size, fp->mtime_ns);
}

/* The entry of name, or NULL.  Inputs come back in the order they were
 * noted, so the search starts where the last one ended. */
static input_seen_entry *seen_find(input_seen *t, const char *name)
{
    for (size_t j = 0; j < t->n; j++) {
        size_t i = (t->at + j) % t->n;
        if (!strcmp(t->v[i].name, name)) {
            t->at = i + 1;
            return &t->v[i];
        }
    }
    return NULL;
}

int input_seen_note(input_seen *t, const char *name, const input_fp *fp)
{
    if (seen_find(t, name))
        return 0;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        input_seen_entry *v = realloc(t->v, cap * sizeof *v);
        if (!v)
            return WN_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    if (!(t->v[t->n].name = strdup(name)))
        return WN_ENOMEM;
    t->v[t->n++].fp = *fp;
    return 0;
}

int input_seen_changed(input_seen *t, const char *name, wn_error *w)
{
    input_seen_entry *s = seen_find(t, name);
    if (!s)
        return 0;
    input_fp now;
    int got = input_fingerprint(name, &now, 1);
    if (got < 0) {
        wn_err(w, WN_EIO, name, 0, "%s: %s", got == -2 ? "read" : "open",
               strerror(errno));
        return -1;
    }
    if (got != 1 || (now.size == s->fp.size && now.mtime_ns == s->fp.mtime_ns &&
                     now.head == s->fp.head))
        return 0;
    wn_err(w, WN_EINVAL, name, 0,
           now.size != s->fp.size
               ? "input changed since the run first read it (size %lld, "
                 "now %lld): counts of its first pass may not match"
               : "input changed since the run first read it (modified or "
                 "rewritten): counts of its first pass may not match",
           s->fp.size, now.size);
    return 1;
}

void input_seen_release(input_seen *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].name);
    free(t->v);
    memset(t, 0, sizeof *t);
}
