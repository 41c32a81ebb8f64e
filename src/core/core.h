/*
 * core.h - internal helpers shared by all modules (not installed).
 */
#ifndef WN_CORE_H
#define WN_CORE_H

/* winnow itself uses the advanced API (winnow.h, WINNOW_EXPERIMENTAL) */
#define WINNOW_EXPERIMENTAL
#include "winnow.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#if defined(__GNUC__)
#define WN_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define WN_LIKELY(x) __builtin_expect(!!(x), 1)
#define WN_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define WN_PRINTF(a, b)
#define WN_LIKELY(x) (x)
#define WN_UNLIKELY(x) (x)
#endif

/* Fills err (if not NULL) and returns code, so callers can write
 * `return wn_err(err, WN_EFORMAT, file, off, "...")`. */
int wn_err(wn_error *err, int code, const char *file, uint64_t offset,
           const char *fmt, ...) WN_PRINTF(5, 6);

/* Keeps the first failure of a sequence of calls in *rc and returns it:
 * a text built by many wn_buf_* appends is then checked once, before it
 * is used (a failed append leaves the buffer valid but the text short). */
static inline int keep_first(int *rc, int r)
{
    if (r && !*rc)
        *rc = r;
    return *rc;
}

/* ---- fault injection for tests (src/core/error.c) ---- */

/* Points where a unit test can make a call fail as the system would: the
 * failure paths that real disks and allocators rarely take are tested
 * that way (after sqlite's fault simulation).  fault_hook is NULL except
 * while a test runs single-threaded; a nonzero return fails the point. */
enum fault_site {
    FAULT_ALLOC = 1, /* wn_buf growth fails: WN_ENOMEM */
    FAULT_WRITE,     /* write_full: ENOSPC */
    FAULT_FSYNC,     /* atomic_commit: fsync of the file, EIO */
    FAULT_CLOSE,     /* atomic_commit: close of the file, EIO */
    FAULT_DIRSYNC,   /* atomic_commit: fsync of the directory, EIO */
    FAULT_TMPNAME,   /* atomic_open: the suffix is "AAAAAAAA", not random */
};
extern int (*fault_hook)(int site);
static inline int fault_sim(int site)
{
    return WN_UNLIKELY(fault_hook != NULL) && fault_hook(site);
}

/* ---- reading a whole small file (src/core/file.c) ---- */

/* Appends the whole of path to out.  Returns 0, 1 when path does not
 * exist (err untouched), or a negative code with err filled. */
int read_whole_file(const char *path, wn_buf *out, wn_error *err);
/* XXH3-64 of the first limit bytes of fd (UINT64_MAX: all of it), read
 * with pread from offset 0, into *hash, and how many bytes that was into
 * *n.  0, or -1 with errno on a read error.  Allocates nothing. */
int fd_xxh3(int fd, uint64_t limit, uint64_t *n, uint64_t *hash);

/* ---- URLs (src/core/url.c) ---- */

/* The host of URL u[0..n) ("scheme://user@HOST:port/..."; a URL without
 * a scheme starts with its host), lowercased, without port or trailing
 * dot, into host (cap bytes, NUL-terminated, cut to fit).  Returns its
 * length. */
size_t url_host(const char *u, size_t n, char *host, size_t cap);
/* The registered domain of a lowercased host (Public Suffix List through
 * libpsl): a pointer into host, or host itself for an IP literal, a
 * one-label host or a public suffix.  Thread-safe. */
const char *url_registered_domain(const char *host);

/* ---- publishing files atomically (src/core/atomic.c) ---- */

/* A file being written under a temporary name beside its destination:
 * ".NAME.tmp.XXXXXXXX" in the destination's directory, created with
 * O_EXCL | O_NOFOLLOW and a random suffix.  Nothing appears under the
 * destination name until atomic_commit succeeds.  A zeroed atomic_file
 * holds nothing (atomic_abort on it is a no-op). */
typedef struct atomic_file {
    int fd;     /* the temporary, open for writing; -1 when closed */
    FILE *f;    /* its stream after atomic_fopen (owns fd), else NULL */
    char *path; /* the destination */
    char *tmp;  /* the temporary; NULL when none is open */
    int work;   /* a work file (derived data a later run can make
                 * again): published inside a unit (a ledger is current
                 * on the thread), it is noted in the ledger and renamed
                 * without any fsync (marker.c says why that is safe);
                 * outside one only the directory fsync is left out (a
                 * rename lost in a crash only makes the unit run again) */
} atomic_file;

/* Creates the temporary for path; write to af->fd. */
int atomic_open(atomic_file *af, const char *path, wn_error *err);
/* The same with a stdio stream on it: write to af->f. */
int atomic_fopen(atomic_file *af, const char *path, wn_error *err);
/* Checks the stream (an fwrite that failed earlier is found here, so
 * callers need not check each one), fsyncs, closes, renames over the
 * destination and fsyncs the directory.  On failure the temporary is
 * removed and the destination left as it was.  af holds nothing after. */
int atomic_commit(atomic_file *af, wn_error *err);
/* Closes and removes the temporary; af holds nothing after. */
void atomic_abort(atomic_file *af);
/* Publishes n bytes of data as path. */
int atomic_write_file(const char *path, const void *data, size_t n,
                      wn_error *err);
/* The same for a work file (atomic_file.work). */
int atomic_write_work(const char *path, const void *data, size_t n,
                      wn_error *err);
/* Whether a directory entry's name is a temporary of atomic_open (left
 * behind by a killed process). */
int atomic_is_temporary(const char *name);
/* Removes the temporaries of path that a killed process left beside it.
 * Only for a caller that owns path (holds the lock of the job writing it):
 * another process's temporary would go too. */
void atomic_remove_temporaries(const char *path);
/* Moves a folder to a new name in one step (same file system), so that a
 * process killed while removing it leaves it whole or gone, never half
 * emptied under its own name.  0, or -1 and errno. */
int atomic_move_dir(const char *from, const char *to);
/* write(2) until n bytes are written (EINTR retried): 0, or -1 and errno. */
int write_full(int fd, const void *p, size_t n);

/* ---- unit markers that vouch for work files (src/core/marker.c) ---- */

/* The work files a unit published so far (size, XXH3 and name each). */
typedef struct work_ledger {
    wn_buf list;
    uint32_t n;
    struct work_ledger *prev; /* the thread's ledger before this one */
} work_ledger;
/* Makes l (zeroed here) the calling thread's ledger: the work files that
 * atomic_commit publishes on this thread are noted in it, unsynced. */
void ledger_begin(work_ledger *l);
/* The thread's ledger is the one before l again; l keeps its list. */
void ledger_end(work_ledger *l);
void ledger_release(work_ledger *l);
/* The calling thread's ledger, or NULL. */
work_ledger *ledger_current(void);
/* Notes path, whose contents fd holds (read from offset 0), in l. */
int ledger_note(work_ledger *l, const char *path, int fd, wn_error *err);
/* Publishes the marker path: payload[0..n) and the files l lists (l may
 * be NULL: none). */
int marker_write(const char *path, const void *payload, size_t n,
                 const work_ledger *l, wn_error *err);
/* 0 with the payload appended to payload when path is a whole marker and
 * every file it lists has the size and hash it was published with; 1
 * when there is no marker or it is not to be trusted (then it and the
 * files it lists are removed); negative with err filled on failure. */
int marker_read(const char *path, wn_buf *payload, wn_error *err);
/* fsyncs every file the marker path lists, the marker and its folder. */
int marker_sync(const char *path, wn_error *err);
/* Strikes from the marker path the files whose names (relative to its
 * folder) start with prefix, before they are removed on purpose. */
int marker_forget(const char *path, const char *prefix, wn_error *err);

/* ---- JSON scanning (src/core/json.c) ---- */

/* Finds member key among the JSON object members base[0..len) (the text
 * between the braces, as wn_doc.meta holds): sets the byte ranges of the
 * member and of its value and returns 1, or returns 0. */
int json_member_find(const char *base, size_t len, const char *key,
                     size_t *mstart, size_t *mend, size_t *vstart,
                     size_t *vend);

/* Skips JSON whitespace from p; returns the new position. */
const char *json_skip_ws(const char *p, const char *end);
/* Validates one JSON value starting at *p (no leading whitespace); on
 * success advances *p past it and returns 0; else returns WN_EFORMAT and
 * leaves *p at the offending byte.  depth bounds nesting. */
int json_skip_value(const char **p, const char *end, int depth);
/* Decodes the JSON string literal at *p (starting at '"') into out
 * (appended), advancing *p past the closing quote.  Invalid UTF-8, lone
 * surrogates and \u0000 become U+FFFD; *repaired counts them. */
int json_decode_string(const char **p, const char *end, wn_buf *out,
                       size_t *repaired);

/* The length json_decode_string would give the string literal at *p, in
 * bytes and in UTF-8 characters, without decoding it; advances *p past the
 * closing quote.  WN_EFORMAT when the literal is invalid or would need a
 * repair (invalid UTF-8, a lone surrogate, \u0000, a raw NUL). */
int json_measure_string(const char **p, const char *end, size_t *bytes,
                        size_t *chars);

/* ---- reading small JSON documents in place (src/core/jview.c) ---- */

/* A validated JSON value: [p, end) in the caller's buffer. */
typedef struct jview {
    const char *p, *end;
} jview;
/* The value that is all of s (whitespace around it allowed): 0, or
 * WN_EFORMAT if s is not one valid JSON value. */
int jview_parse(const char *s, size_t n, jview *out);
/* Iteration over an object's members or an array's elements: jview_iter
 * (0 if v is neither), then jview_next until it returns 0; key (may be
 * NULL) gets an object member's decoded name, cut to cap - 1 bytes.
 * Nothing is allocated: walking a view cannot fail. */
#define JVIEW_KEY 256
int jview_iter(jview v, jview *it);
int jview_next(jview *it, char *key, size_t cap, jview *val);
/* The member key of object v: 1 found, 0 not. */
int jview_get(jview v, const char *key, jview *out);
/* The value at a slash path ("/stages/3/name": members and array
 * indices): 1 found, 0 not. */
int jview_path(jview v, const char *path, jview *out);
/* A number (0 if v is not one), an unsigned count, a decoded string
 * (empty if v is not a string; 0 or WN_ENOMEM). */
double jview_num(jview v);
/* A string into out, cut to cap - 1 bytes (1 if v is a string, else 0
 * and out empty): for names and labels, without allocating. */
int jview_cstr(jview v, char *out, size_t cap);
uint64_t jview_u64(jview v);
int jview_str(jview v, wn_buf *out);

/* ---- stats fields by index (src/core/stats.c) ---- */

size_t stats_nfields(void);
const char *stats_field_name(size_t i);
uint64_t *stats_field(wn_stats *s, size_t i);

/* ---- UTF-8 (src/core/utf8.c) ---- */

/* Appends code point cp as UTF-8. */
int utf8_put(wn_buf *out, uint32_t cp);

#endif
