/*
 * atomic.c - publishing a file atomically: the one way winnow writes a
 * file that anyone else may read.
 *
 * The data goes to a temporary beside the destination, ".NAME.tmp.XXXXXXXX"
 * (the same file system, so rename(2) can replace the destination in one
 * step).  The temporary is created with O_EXCL | O_NOFOLLOW under a random
 * name: a planted file or symlink is never opened, and two writers of the
 * same destination (threads, processes, machines sharing a directory)
 * never share a temporary.  Commit checks every write, fsyncs the data,
 * renames over the destination and fsyncs the directory, so after a crash
 * the destination holds the old or the new contents, never a mix; any
 * failure removes the temporary.  A work file published by a unit is only
 * renamed: its unit's marker vouches for it (marker.c).  The dot and the
 * fixed ".tmp." tag let a later run find what a killed one left
 * (atomic_is_temporary).
 */
#include "core.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define TAG ".tmp."
#define TAGLEN 5
#define SUFFIX 8
#define MAX_TRIES 64
/* room in a file name for the destination's name: NAME_MAX less ".",
 * the tag and the suffix (longer names are cut in the temporary's name) */
#define NAME_KEEP (NAME_MAX - 1 - TAGLEN - SUFFIX)

/* 64 symbols, so one random byte gives one symbol without bias */
static const char symbols[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int write_full(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        if (fault_sim(FAULT_WRITE)) {
            errno = ENOSPC;
            return -1;
        }
        ssize_t k = write(fd, c, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -1;
        if (k == 0) { /* not an error by POSIX, but no progress either */
            errno = ENOSPC;
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

static void random_bytes(unsigned char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = getrandom(p + got, n - got, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    if (got < n) {
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            while (got < n) {
                ssize_t k = read(fd, p + got, n - got);
                if (k < 0 && errno == EINTR)
                    continue;
                if (k <= 0)
                    break;
                got += (size_t)k;
            }
            close(fd);
        }
    }
    if (got < n) {
        /* no entropy source (a sandbox): O_EXCL | O_NOFOLLOW still keep
         * planted files out, a guessable name only risks a retry */
        static unsigned long seq;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
                     ((uint64_t)getpid() << 40) ^
                     __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED) *
                         0x9e3779b97f4a7c15ULL;
        for (; got < n; got++, x = x * 6364136223846793005ULL + 1)
            p[got] = (unsigned char)(x >> 56);
    }
}

static void release(atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    af->f = NULL;
    af->fd = -1;
}

/* Creates the temporary for af->path; fills af->tmp and af->fd. */
static int create_temp(atomic_file *af, wn_error *err)
{
    const char *path = af->path;
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t blen = strlen(path + dlen);
    if (!blen)
        return wn_err(err, WN_EINVAL, path, 0, "not a file name");
    if (blen > NAME_KEEP)
        blen = NAME_KEEP;
    char *tmp = malloc(dlen + 1 + blen + TAGLEN + SUFFIX + 1);
    if (!tmp)
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    memcpy(tmp, path, dlen);
    tmp[dlen] = '.';
    memcpy(tmp + dlen + 1, path + dlen, blen);
    memcpy(tmp + dlen + 1 + blen, TAG, TAGLEN);
    char *sfx = tmp + dlen + 1 + blen + TAGLEN;
    sfx[SUFFIX] = '\0';
    for (int i = 0; i < MAX_TRIES; i++) {
        unsigned char r[SUFFIX];
        if (fault_sim(FAULT_TMPNAME))
            memset(r, 0, sizeof r); /* tests: a name they can predict */
        else
            random_bytes(r, sizeof r);
        for (int k = 0; k < SUFFIX; k++)
            sfx[k] = symbols[r[k] & 63];
        /* readable too: a work file is read back for its hash */
        int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
                               O_CLOEXEC, 0644);
        if (fd >= 0) {
            af->fd = fd;
            af->tmp = tmp;
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    int rc = wn_err(err, WN_EIO, path, 0, "cannot create %s: %s", tmp,
                    strerror(errno));
    free(tmp);
    return rc;
}

int atomic_open(atomic_file *af, const char *path, wn_error *err)
{
    memset(af, 0, sizeof *af);
    af->fd = -1;
    if (!path || !*path)
        return wn_err(err, WN_EINVAL, "", 0, "no file name");
    if (!(af->path = strdup(path)))
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    int rc = create_temp(af, err);
    if (rc)
        release(af);
    return rc;
}

int atomic_fopen(atomic_file *af, const char *path, wn_error *err)
{
    int rc = atomic_open(af, path, err);
    if (rc)
        return rc;
    if (!(af->f = fdopen(af->fd, "wb"))) {
        rc = wn_err(err, WN_ENOMEM, path, 0, "cannot open a stream: %s",
                    strerror(errno));
        atomic_abort(af);
    }
    return rc;
}

/* fsync of the directory that holds path, so that the rename is durable. */
static int sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                      : strdup(".");
    if (!dir) {
        errno = ENOMEM;
        return -1;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;
    free(dir);
    if (fd < 0)
        return -1;
    if (fault_sim(FAULT_DIRSYNC))
        errno = EIO;
    else if (fsync(fd) == 0 || errno == EINVAL) /* EINVAL: fs cannot */
        rc = 0;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

int atomic_commit(atomic_file *af, wn_error *err)
{
    if (!af->tmp)
        return wn_err(err, WN_EINVAL, af->path ? af->path : "", 0,
                      "no temporary file to publish");
    const char *what = NULL;
    int e = 0;
    errno = 0;
    if (af->f && (fflush(af->f) || ferror(af->f))) {
        what = "write"; /* ferror: an earlier fwrite failed */
        e = errno ? errno : EIO;
    }
    /* a work file of a unit: its marker will vouch for it by size and
     * hash instead of an fsync (marker.c) */
    work_ledger *l = af->work ? ledger_current() : NULL;
    int noted = 0;
    if (!what && l) {
        wn_error le;
        if (ledger_note(l, af->path, af->fd, &le))
            what = "read back", e = errno ? errno : EIO;
        else
            noted = 1;
    }
    if (!what && !noted) {
        if (fault_sim(FAULT_FSYNC))
            errno = EIO, what = "fsync";
        else if (fsync(af->fd) && errno != EINVAL)
            what = "fsync";
        e = errno;
    }
    /* closed even after a failure (it is released either way); on Linux a
     * failed close has still closed the descriptor */
    int cr = af->f ? fclose(af->f) : close(af->fd);
    af->f = NULL;
    af->fd = -1;
    if (!what && (cr || fault_sim(FAULT_CLOSE))) {
        what = "close";
        e = cr ? errno : EIO;
    }
    if (!what && rename(af->tmp, af->path)) {
        what = "rename";
        e = errno;
    }
    int rc = 0;
    if (what) {
        unlink(af->tmp);
        rc = wn_err(err, WN_EIO, af->path, 0, "%s %s: %s", what,
                    af->tmp, strerror(e));
    } else if (!af->work && sync_dir(af->path)) {
        /* the file is complete, but its new name may not survive a crash:
         * a failure, and a failure publishes nothing, so the name goes */
        e = errno;
        unlink(af->path);
        rc = wn_err(err, WN_EIO, af->path, 0, "fsync of its directory: %s",
                    strerror(e));
    }
    release(af);
    return rc;
}

void atomic_abort(atomic_file *af)
{
    if (!af || !af->tmp) {
        if (af)
            release(af);
        return;
    }
    int e = errno;
    if (af->f)
        fclose(af->f);
    else if (af->fd >= 0)
        close(af->fd);
    unlink(af->tmp);
    release(af);
    errno = e;
}

static int write_file(const char *path, const void *data, size_t n,
                      int work, wn_error *err)
{
    atomic_file af;
    int rc = atomic_open(&af, path, err);
    if (rc)
        return rc;
    af.work = work;
    if (n && write_full(af.fd, data, n)) {
        rc = wn_err(err, WN_EIO, path, 0, "write %s: %s", af.tmp,
                    strerror(errno));
        atomic_abort(&af);
        return rc;
    }
    return atomic_commit(&af, err);
}

int atomic_write_file(const char *path, const void *data, size_t n,
                      wn_error *err)
{
    return write_file(path, data, n, 0, err);
}

int atomic_write_work(const char *path, const void *data, size_t n,
                      wn_error *err)
{
    return write_file(path, data, n, 1, err);
}

int atomic_is_temporary(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 + 1 + TAGLEN + SUFFIX || name[0] != '.' ||
        memcmp(name + n - SUFFIX - TAGLEN, TAG, TAGLEN))
        return 0;
    for (size_t i = n - SUFFIX; i < n; i++)
        if (!memchr(symbols, name[i], sizeof symbols - 1))
            return 0;
    return 1;
}

void atomic_remove_temporaries(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dlen = slash ? (size_t)(slash - path) + 1 : 0;
    size_t blen = strlen(path + dlen);
    if (blen > NAME_KEEP)
        blen = NAME_KEEP;
    char *dir = strndup(path, dlen ? dlen : 1);
    if (!dir)
        return;
    if (!dlen)
        dir[0] = '.';
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        const char *n = e->d_name;
        /* ".NAME" + TAG + suffix, NAME cut as create_temp cuts it */
        if (!atomic_is_temporary(n) || strlen(n) != 1 + blen + TAGLEN + SUFFIX ||
            memcmp(n + 1, path + dlen, blen))
            continue;
        size_t len = strlen(dir) + 1 + strlen(n) + 1;
        char *p = malloc(len);
        if (p) {
            snprintf(p, len, "%s/%s", dir, n);
            unlink(p);
            free(p);
        }
    }
    if (d)
        closedir(d);
    free(dir);
}

int atomic_move_dir(const char *from, const char *to)
{
    return rename(from, to) ? -1 : 0;
}
