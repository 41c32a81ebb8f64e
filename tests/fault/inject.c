/*
 * inject.c - fault injection for `make fault` (build/fault/winnow).
 *
 * The library objects and the CLI are linked with GNU ld --wrap=SYM for
 * the allocation and I/O calls winnow makes (see FAULT_WRAP in the
 * Makefile).  Each __wrap_SYM below calls __real_SYM unless a fault is
 * due.  Only references from winnow's own objects are wrapped: libzstd,
 * zlib, pcre2, gumbo, CLD2 and libc itself allocate and read unharmed.
 *
 * Environment:
 *   WN_FAULT_ALLOC=N      the Nth allocation (malloc, calloc, realloc,
 *                         strdup, strndup, getline with a NULL buffer)
 *                         fails with ENOMEM (counting from 1; 0 = never)
 *   WN_FAULT_IO=OP:ERRNO:N[:PATHSUB][,...]
 *                         the Nth call of OP fails with ERRNO (EIO,
 *                         ENOSPC, ENOMEM, EMFILE, EACCES, EROFS, EDQUOT,
 *                         EINTR, or a number).  OP is one of read, pread,
 *                         fgets, fread, getline, write, fwrite, fflush,
 *                         fsync, close, fclose, open, fopen, rename, mkdir,
 *                         unlink.  With PATHSUB only calls on a path (or a
 *                         descriptor or stream open on a path) containing
 *                         PATHSUB are counted.
 *   WN_FAULT_PERSIST=1    every call after the Nth fails too (memory stays
 *                         short, the disk stays full)
 *   WN_FAULT_COUNT=1      at exit, print the calls per kind to stderr as
 *                         "wn-fault-count KIND N" lines (KIND alloc, an OP,
 *                         or "match" = calls counted by WN_FAULT_IO); any
 *                         other value is a file the lines are appended to
 *   WN_FAULT_SITES=FILE   append "KIND N +OFF +OFF..." to FILE for every
 *                         allocation and I/O call (KIND alloc or an OP;
 *                         N its number; the offsets its callers in the
 *                         executable), so that a sweep can fail each
 *                         distinct call site once
 *   WN_FAULT_TRACE=1      print a stack trace where a fault is injected
 *                         (symbolized by the sanitizer runtime: slow);
 *                         WN_FAULT_TRACE=raw prints "wn-fault: at +OFF..."
 *                         instead, the return addresses in the executable
 *                         (for addr2line -e EXE), which costs nothing
 *
 * Every injected fault is announced on stderr as
 * "wn-fault: injected ERRNO into OP #N (PATH)".
 *
 * How a failure is simulated: open, fopen, mkdir, rename, unlink, read,
 * pread, write, fsync, fgets, fread, fwrite, fflush and getline do nothing
 * and return their failure value (streams also get their error flag set);
 * close and fclose do close (as Linux does when close reports an error)
 * and then report the failure.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* the wrapped functions */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t k);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
ssize_t __real_getline(char **line, size_t *cap, FILE *f);
ssize_t __real_read(int fd, void *buf, size_t n);
ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_fsync(int fd);
int __real_close(int fd);
int __real_open(const char *path, int flags, ...);
int __real_rename(const char *from, const char *to);
int __real_mkdir(const char *path, mode_t mode);
int __real_unlink(const char *path);
FILE *__real_fopen(const char *path, const char *mode);
size_t __real_fread(void *p, size_t sz, size_t n, FILE *f);
size_t __real_fwrite(const void *p, size_t sz, size_t n, FILE *f);
char *__real_fgets(char *s, int n, FILE *f);
int __real_fflush(FILE *f);
int __real_fclose(FILE *f);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t k);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
ssize_t __wrap_getline(char **line, size_t *cap, FILE *f);
ssize_t __wrap_read(int fd, void *buf, size_t n);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_fsync(int fd);
int __wrap_close(int fd);
int __wrap_open(const char *path, int flags, ...);
int __wrap_rename(const char *from, const char *to);
int __wrap_mkdir(const char *path, mode_t mode);
int __wrap_unlink(const char *path);
FILE *__wrap_fopen(const char *path, const char *mode);
size_t __wrap_fread(void *p, size_t sz, size_t n, FILE *f);
size_t __wrap_fwrite(const void *p, size_t sz, size_t n, FILE *f);
char *__wrap_fgets(char *s, int n, FILE *f);
int __wrap_fflush(FILE *f);
int __wrap_fclose(FILE *f);

/* the sanitizer runtime's, where linked */
void __sanitizer_print_stack_trace(void) __attribute__((weak));

enum op {
    OP_READ, OP_PREAD, OP_FGETS, OP_FREAD, OP_GETLINE, OP_WRITE, OP_FWRITE,
    OP_FFLUSH, OP_FSYNC, OP_CLOSE, OP_FCLOSE, OP_OPEN, OP_FOPEN, OP_RENAME,
    OP_MKDIR, OP_UNLINK, NOPS
};
static const char *const op_names[NOPS] = {
    "read", "pread", "fgets", "fread", "getline", "write", "fwrite",
    "fflush", "fsync", "close", "fclose", "open", "fopen", "rename",
    "mkdir", "unlink",
};

#define MAX_SPECS 8
typedef struct spec {
    int op, err;
    unsigned long n;
    char path[256]; /* "" = any */
    atomic_ulong seen;
} spec;

static struct {
    int ready, persist, trace;
    unsigned long alloc_n;
    atomic_ulong allocs;
    atomic_ulong ops[NOPS];
    spec specs[MAX_SPECS];
    int nspecs;
    int need_path[NOPS]; /* some spec on this op has a path */
    char count_to[512];  /* "" none, "-" stderr, else a file */
    int sites_fd;        /* WN_FAULT_SITES, or -1 */
} F;

static void say(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t k = __real_write(2, s, n);
        if (k <= 0)
            return;
        s += k;
        n -= (size_t)k;
    }
}

static void print_counts(void)
{
    char line[128];
    int fd = 2;
    if (strcmp(F.count_to, "-")) {
        fd = __real_open(F.count_to, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                         0644);
        if (fd < 0)
            return;
    }
    unsigned long match = 0;
    for (int i = 0; i < F.nspecs; i++)
        match += atomic_load(&F.specs[i].seen);
    snprintf(line, sizeof line, "wn-fault-count alloc %lu\n",
             atomic_load(&F.allocs));
    __real_write(fd, line, strlen(line));
    for (int i = 0; i < NOPS; i++) {
        snprintf(line, sizeof line, "wn-fault-count %s %lu\n", op_names[i],
                 atomic_load(&F.ops[i]));
        __real_write(fd, line, strlen(line));
    }
    if (F.nspecs) {
        snprintf(line, sizeof line, "wn-fault-count match %lu\n", match);
        __real_write(fd, line, strlen(line));
    }
    if (fd != 2)
        __real_close(fd);
}

static const struct {
    const char *name;
    int code;
} errnames[] = {
    {"EIO", EIO},       {"ENOSPC", ENOSPC}, {"ENOMEM", ENOMEM},
    {"EMFILE", EMFILE}, {"EACCES", EACCES}, {"EROFS", EROFS},
    {"EDQUOT", EDQUOT}, {"EINTR", EINTR},   {"ENFILE", ENFILE},
};

static int parse_errno(const char *s)
{
    for (size_t i = 0; i < sizeof errnames / sizeof *errnames; i++)
        if (!strcmp(s, errnames[i].name))
            return errnames[i].code;
    char *e;
    long v = strtol(s, &e, 10);
    return *s && !*e && v > 0 ? (int)v : -1;
}

static void bad_env(const char *what, const char *v)
{
    say("wn-fault: bad ");
    say(what);
    say(": '");
    say(v);
    say("'\n");
    _exit(125);
}

static void parse_io(const char *v)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s", v);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t;
         t = strtok_r(NULL, ",", &save)) {
        if (F.nspecs == MAX_SPECS)
            bad_env("WN_FAULT_IO (too many)", v);
        spec *s = &F.specs[F.nspecs];
        char *f[4] = {t, NULL, NULL, NULL};
        for (int i = 1; i < 4; i++) {
            char *c = strchr(f[i - 1], ':');
            if (!c)
                break;
            *c = 0;
            f[i] = c + 1;
        }
        s->op = -1;
        for (int i = 0; i < NOPS; i++)
            if (!strcmp(f[0], op_names[i]))
                s->op = i;
        char *e = NULL;
        if (s->op < 0 || !f[1] || (s->err = parse_errno(f[1])) < 0 || !f[2])
            bad_env("WN_FAULT_IO", v);
        s->n = strtoul(f[2], &e, 10);
        if (*e)
            bad_env("WN_FAULT_IO", v);
        snprintf(s->path, sizeof s->path, "%s", f[3] ? f[3] : "");
        if (s->path[0])
            F.need_path[s->op] = 1;
        F.nspecs++;
    }
}

__attribute__((constructor)) static void fault_init(void)
{
    const char *v;
    if ((v = getenv("WN_FAULT_ALLOC")) && *v) {
        char *e;
        F.alloc_n = strtoul(v, &e, 10);
        if (*e)
            bad_env("WN_FAULT_ALLOC", v);
    }
    if ((v = getenv("WN_FAULT_IO")) && *v)
        parse_io(v);
    F.persist = (v = getenv("WN_FAULT_PERSIST")) && *v && strcmp(v, "0");
    F.sites_fd = -1;
    if ((v = getenv("WN_FAULT_SITES")) && *v)
        F.sites_fd = __real_open(v, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                                 0644);
    if ((v = getenv("WN_FAULT_TRACE")) && *v && strcmp(v, "0"))
        F.trace = strcmp(v, "raw") ? 1 : 2;
    if ((v = getenv("WN_FAULT_COUNT")) && *v && strcmp(v, "0")) {
        snprintf(F.count_to, sizeof F.count_to, "%s",
                 strcmp(v, "1") ? v : "-");
        atexit(print_counts);
    }
    F.ready = 1;
}

/* Appends " +OFF" for each return address of the caller's stack that
 * lies in the executable (offsets from its load address), after skipping
 * `skip` frames. */
__attribute__((noinline)) static size_t put_stack(char *line, size_t len, size_t cap, int skip)
{
    void *pc[24];
    int n = backtrace(pc, 24);
    Dl_info self, in;
    if (!dladdr((void *)put_stack, &self))
        return len;
    for (int i = skip + 1; i < n && len < cap; i++)
        if (dladdr(pc[i], &in) && in.dli_fbase == self.dli_fbase)
            len += (size_t)snprintf(line + len, cap - len, " +%#lx",
                                    (unsigned long)((char *)pc[i] -
                                                    (char *)self.dli_fbase));
    return len < cap ? len : cap - 1;
}

/* "wn-fault: at +OFF +OFF ...", for addr2line -e EXE. */
__attribute__((noinline)) static void raw_trace(void)
{
    char line[24 * 20 + 32] = "wn-fault: at";
    size_t len = put_stack(line, strlen(line), sizeof line - 1, 1);
    line[len++] = '\n';
    line[len] = 0;
    say(line);
}

/* One line of WN_FAULT_SITES: "KIND N +OFF...", the callers of the
 * wrapper (skip: frames of this file above the wrapper's caller). */
__attribute__((noinline)) static void log_site(const char *kind, unsigned long n, int skip)
{
    char line[24 * 20 + 64];
    size_t len = (size_t)snprintf(line, sizeof line, "%s %lu", kind, n);
    len = put_stack(line, len, sizeof line - 1, skip + 1);
    line[len++] = '\n';
    ssize_t k = __real_write(F.sites_fd, line, len);
    (void)k;
}

static void announce(const char *what, int err, unsigned long n,
                     const char *path)
{
    char line[700], num[16];
    const char *name = num;
    snprintf(num, sizeof num, "%d", err);
    for (size_t i = 0; i < sizeof errnames / sizeof *errnames; i++)
        if (errnames[i].code == err)
            name = errnames[i].name;
    snprintf(line, sizeof line, "wn-fault: injected %s into %s #%lu%s%s%s\n",
             name, what, n, path ? " (" : "", path ? path : "", path ? ")" : "");
    say(line);
    if (F.trace == 1 && __sanitizer_print_stack_trace)
        __sanitizer_print_stack_trace();
    if (F.trace == 2)
        raw_trace();
}

/* ---- allocation ---- */

__attribute__((noinline)) static int alloc_fails(const char *what)
{
    unsigned long n = atomic_fetch_add(&F.allocs, 1) + 1;
    if (F.sites_fd >= 0)
        log_site("alloc", n, 2);
    if (!F.alloc_n || n < F.alloc_n || (n > F.alloc_n && !F.persist))
        return 0;
    announce(what, ENOMEM, n, NULL);
    errno = ENOMEM;
    return 1;
}

void *__wrap_malloc(size_t n)
{
    return alloc_fails("malloc") ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t k)
{
    return alloc_fails("calloc") ? NULL : __real_calloc(n, k);
}

void *__wrap_realloc(void *p, size_t n)
{
    return alloc_fails("realloc") ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return alloc_fails("strdup") ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    return alloc_fails("strndup") ? NULL : __real_strndup(s, n);
}

/* ---- I/O ---- */

/* Path of fd ("" if unknown), through /proc/self/fd. */
static const char *fd_path(int fd, char *buf, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t k = readlink(link, buf, cap - 1);
    buf[k > 0 ? k : 0] = 0;
    return buf;
}

/* Is the call of op on path (or fd, or stream f) to fail?  Sets errno. */
__attribute__((noinline)) static int io_fails(int op, const char *path, int fd, FILE *f)
{
    if (!F.ready)
        return 0;
    unsigned long total = atomic_fetch_add(&F.ops[op], 1) + 1;
    if (F.sites_fd >= 0)
        log_site(op_names[op], total, 2);
    char buf[4096];
    if (F.need_path[op] && !path) {
        if (f)
            fd = fileno(f);
        path = fd >= 0 ? fd_path(fd, buf, sizeof buf) : "";
    }
    for (int i = 0; i < F.nspecs; i++) {
        spec *s = &F.specs[i];
        if (s->op != op || (s->path[0] && !strstr(path, s->path)))
            continue;
        unsigned long n = atomic_fetch_add(&s->seen, 1) + 1;
        if (!s->n || n < s->n || (n > s->n && !F.persist))
            continue;
        char pb[4096];
        if (!path) {
            if (f)
                fd = fileno(f);
            path = fd >= 0 ? fd_path(fd, pb, sizeof pb) : "";
        }
        announce(op_names[op], s->err, n, path);
        errno = s->err;
        return 1;
    }
    return 0;
}

/* Marks a stream as failed, as a failed system call underneath would. */
static void stream_error(FILE *f)
{
#if defined(__GLIBC__) && defined(_IO_ERR_SEEN)
    f->_flags |= _IO_ERR_SEEN;
#else
    (void)f;
#endif
}

ssize_t __wrap_getline(char **line, size_t *cap, FILE *f)
{
    if (!*line && alloc_fails("getline"))
        return -1;
    if (io_fails(OP_GETLINE, NULL, -1, f)) {
        stream_error(f);
        return -1;
    }
    return __real_getline(line, cap, f);
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
    return io_fails(OP_READ, NULL, fd, NULL) ? -1 : __real_read(fd, buf, n);
}

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
    return io_fails(OP_PREAD, NULL, fd, NULL) ? -1
                                               : __real_pread(fd, buf, n, off);
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
    return io_fails(OP_WRITE, NULL, fd, NULL) ? -1 : __real_write(fd, buf, n);
}

int __wrap_fsync(int fd)
{
    return io_fails(OP_FSYNC, NULL, fd, NULL) ? -1 : __real_fsync(fd);
}

int __wrap_close(int fd)
{
    if (io_fails(OP_CLOSE, NULL, fd, NULL)) {
        int e = errno;
        __real_close(fd);
        errno = e;
        return -1;
    }
    return __real_close(fd);
}

int __wrap_open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = (mode_t)va_arg(ap, int);
        va_end(ap);
    }
    return io_fails(OP_OPEN, path, -1, NULL) ? -1
                                              : __real_open(path, flags, mode);
}

int __wrap_rename(const char *from, const char *to)
{
    return io_fails(OP_RENAME, to, -1, NULL) ? -1 : __real_rename(from, to);
}

int __wrap_mkdir(const char *path, mode_t mode)
{
    return io_fails(OP_MKDIR, path, -1, NULL) ? -1 : __real_mkdir(path, mode);
}

int __wrap_unlink(const char *path)
{
    return io_fails(OP_UNLINK, path, -1, NULL) ? -1 : __real_unlink(path);
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
    return io_fails(OP_FOPEN, path, -1, NULL) ? NULL : __real_fopen(path, mode);
}

size_t __wrap_fread(void *p, size_t sz, size_t n, FILE *f)
{
    if (io_fails(OP_FREAD, NULL, -1, f)) {
        stream_error(f);
        return 0;
    }
    return __real_fread(p, sz, n, f);
}

size_t __wrap_fwrite(const void *p, size_t sz, size_t n, FILE *f)
{
    if (io_fails(OP_FWRITE, NULL, -1, f)) {
        stream_error(f);
        return 0;
    }
    return __real_fwrite(p, sz, n, f);
}

char *__wrap_fgets(char *s, int n, FILE *f)
{
    if (io_fails(OP_FGETS, NULL, -1, f)) {
        stream_error(f);
        return NULL;
    }
    return __real_fgets(s, n, f);
}

int __wrap_fflush(FILE *f)
{
    if (f && io_fails(OP_FFLUSH, NULL, -1, f)) {
        stream_error(f);
        return EOF;
    }
    return __real_fflush(f);
}

int __wrap_fclose(FILE *f)
{
    if (io_fails(OP_FCLOSE, NULL, -1, f)) {
        int e = errno;
        __real_fclose(f);
        errno = e;
        return EOF;
    }
    return __real_fclose(f);
}
