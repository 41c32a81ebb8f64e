/*
 * marker.c - a resumable unit's ".done" marker, which vouches for the work
 * files the unit wrote: the durability of work files.
 *
 * Work files (OUTDIR/work, a dedup or substr work directory) are derived
 * data that a later run can make again.  They are committed by rename
 * alone, without fsync: a crash of the process (kill -9) loses nothing
 * the kernel holds, and a power cut may lose or cut short any of them,
 * and their marker too, in any order.  So while a unit runs, atomic_commit
 * notes in the thread's ledger the size and XXH3 of each work file it
 * publishes, and the marker written when the unit succeeds lists them
 * after the unit's own payload, with a hash of the whole marker last.  A
 * marker is trusted only when it is whole and every file it lists has the
 * size and hash it had: anything else (a marker cut short, a file
 * missing, short or changed) counts as no marker, and the unit runs
 * again.  That is what the fsyncs bought, found by reading instead: the
 * work files are in the page cache when a run resumes, and read at
 * several GB/s.  Final outputs keep atomic_commit's fsyncs.
 *
 * A file removed on purpose once a later unit no longer needs it is first
 * struck from its marker (marker_forget), after that later unit's marker
 * and files are made durable (marker_sync): the struck marker must never
 * survive a power cut that the later unit's completion did not.
 *
 * Layout: payload, then per file: u64 size, u64 XXH3, u32 name length,
 * the name (relative to the marker's folder when it is in it); then u64
 * payload length, u32 file count, u64 XXH3 of everything before it, and
 * the magic "WNMARK1\n".  Integers in host order (a work directory does
 * not move between machines).
 */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <xxhash.h>

#define MAGIC "WNMARK1\n"
#define MAGICLEN 8
#define FOOTER (8 + 4 + 8 + MAGICLEN)

static _Thread_local work_ledger *current;

void ledger_begin(work_ledger *l)
{
    memset(l, 0, sizeof *l);
    l->prev = current;
    current = l;
}

void ledger_end(work_ledger *l)
{
    if (current == l)
        current = l->prev;
}

void ledger_release(work_ledger *l)
{
    ledger_end(l);
    wn_buf_release(&l->list);
    l->n = 0;
}

work_ledger *ledger_current(void) { return current; }

int ledger_note(work_ledger *l, const char *path, int fd, wn_error *err)
{
    uint64_t size, hash;
    if (fd_xxh3(fd, UINT64_MAX, &size, &hash))
        return wn_err(err, WN_EIO, path, 0, "read back: %s", strerror(errno));
    uint32_t len = (uint32_t)strlen(path);
    int rc = wn_buf_append(&l->list, &size, sizeof size);
    keep_first(&rc, wn_buf_append(&l->list, &hash, sizeof hash));
    keep_first(&rc, wn_buf_append(&l->list, &len, sizeof len));
    keep_first(&rc, wn_buf_append(&l->list, path, len));
    if (rc)
        return wn_err(err, rc, path, 0, "out of memory");
    l->n++;
    return 0;
}

/* Length of the folder part of path, with its slash (0: none). */
static size_t dir_len(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? (size_t)(slash - path) + 1 : 0;
}

/* Whether one of the k entries of list from at names name[0..len). */
static int published_again(const wn_buf *list, size_t at, uint32_t k,
                           const char *name, uint32_t len)
{
    for (; k; k--) {
        uint32_t l;
        memcpy(&l, list->data + at + 16, sizeof l);
        if (l == len && !memcmp(list->data + at + 20, name, len))
            return 1;
        at += 20 + (size_t)l;
    }
    return 0;
}

/* Appends the ledger's entries to out, names made relative to the
 * marker's folder where they lie in it. */
static int put_entries(wn_buf *out, const char *marker, const wn_buf *list,
                       uint32_t n, uint32_t *put)
{
    size_t dl = dir_len(marker), at = 0;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        const char *e = list->data + at;
        uint32_t len;
        memcpy(&len, e + 16, sizeof len);
        const char *name = e + 20;
        at += 20 + (size_t)len;
        if (published_again(list, at, n - i - 1, name, len))
            continue; /* the last publication is the one that holds */
        if (len > dl && !memcmp(name, marker, dl) &&
            !memchr(name + dl, '/', len - dl)) {
            name += dl;
            len -= (uint32_t)dl;
        }
        ++*put;
        rc = wn_buf_append(out, e, 16); /* size and hash */
        keep_first(&rc, wn_buf_append(out, &len, sizeof len));
        keep_first(&rc, wn_buf_append(out, name, len));
    }
    return rc;
}

static int seal(wn_buf *m, uint64_t payload_len, uint32_t n)
{
    int rc = wn_buf_append(m, &payload_len, sizeof payload_len);
    keep_first(&rc, wn_buf_append(m, &n, sizeof n));
    uint64_t h = XXH3_64bits(m->data, m->len);
    keep_first(&rc, wn_buf_append(m, &h, sizeof h));
    keep_first(&rc, wn_buf_append(m, MAGIC, MAGICLEN));
    return rc;
}

/* The marker is a work file that vouches for itself (its own hash): it
 * is published unsynced like the files it lists, noted in a ledger of its
 * own that is then dropped, not in the unit's. */
static int publish(const char *path, const wn_buf *m, wn_error *err)
{
    work_ledger self;
    ledger_begin(&self);
    int rc = atomic_write_work(path, m->data ? m->data : "", m->len, err);
    ledger_release(&self);
    return rc;
}

int marker_write(const char *path, const void *payload, size_t n,
                 const work_ledger *l, wn_error *err)
{
    wn_buf m = WN_BUF_INIT;
    int rc = wn_buf_append(&m, payload, n);
    uint32_t count = 0;
    if (!rc && l && l->n)
        rc = put_entries(&m, path, &l->list, l->n, &count);
    keep_first(&rc, seal(&m, n, count));
    if (rc)
        rc = wn_err(err, rc, path, 0, "out of memory");
    else
        rc = publish(path, &m, err);
    wn_buf_release(&m);
    return rc;
}

/* One entry of a parsed marker. */
typedef struct entry {
    uint64_t size, hash;
    const char *name;
    uint32_t len;
} entry;

/* Checks m's footer and hash; fills the payload length and entry count
 * and the offset of the first entry.  0, or -1 when not a whole marker. */
static int parse(const wn_buf *m, uint64_t *plen, uint32_t *n)
{
    if (m->len < FOOTER ||
        memcmp(m->data + m->len - MAGICLEN, MAGIC, MAGICLEN))
        return -1;
    size_t f = m->len - FOOTER;
    uint64_t h;
    memcpy(plen, m->data + f, 8);
    memcpy(n, m->data + f + 8, 4);
    memcpy(&h, m->data + f + 12, 8);
    if (h != XXH3_64bits(m->data, f + 12) || *plen > f)
        return -1;
    return 0;
}

/* The entry at *at of m (entries end at end); -1 when malformed. */
static int next_entry(const wn_buf *m, size_t *at, size_t end, entry *e)
{
    if (end - *at < 20)
        return -1;
    memcpy(&e->size, m->data + *at, 8);
    memcpy(&e->hash, m->data + *at + 8, 8);
    memcpy(&e->len, m->data + *at + 16, 4);
    if (end - *at - 20 < e->len)
        return -1;
    e->name = m->data + *at + 20;
    *at += 20 + (size_t)e->len;
    return 0;
}

/* The path of an entry's file into p. */
static int entry_path(wn_buf *p, const char *marker, const entry *e)
{
    wn_buf_reset(p);
    int rc = 0;
    if (!memchr(e->name, '/', e->len))
        rc = wn_buf_append(p, marker, dir_len(marker));
    keep_first(&rc, wn_buf_append(p, e->name, e->len));
    keep_first(&rc, wn_buf_append(p, "", 1));
    return rc;
}

/* Whether the file of e is there with its size and hash. */
static int entry_holds(const char *path, const entry *e)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    uint64_t size, hash;
    int ok = !fd_xxh3(fd, UINT64_MAX, &size, &hash) && size == e->size &&
             hash == e->hash;
    close(fd);
    return ok;
}

/* Calls fn on each file m lists; stops at a nonzero return. */
static int each_file(const char *marker, const wn_buf *m, uint64_t plen,
                     uint32_t n, int (*fn)(const char *path, const entry *e,
                                           void *ctx),
                     void *ctx)
{
    wn_buf p = WN_BUF_INIT;
    size_t at = (size_t)plen, end = m->len - FOOTER;
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        entry e;
        if (next_entry(m, &at, end, &e))
            rc = -1;
        else if (entry_path(&p, marker, &e))
            rc = WN_ENOMEM;
        else
            rc = fn(p.data, &e, ctx);
    }
    wn_buf_release(&p);
    return rc;
}

static int check_one(const char *path, const entry *e, void *ctx)
{
    (void)ctx;
    return entry_holds(path, e) ? 0 : 1;
}

static int remove_one(const char *path, const entry *e, void *ctx)
{
    (void)e;
    (void)ctx;
    unlink(path);
    return 0;
}

int marker_read(const char *path, wn_buf *payload, wn_error *err)
{
    wn_buf m = WN_BUF_INIT;
    int rc = read_whole_file(path, &m, err);
    if (rc) {
        wn_buf_release(&m);
        return rc;
    }
    uint64_t plen;
    uint32_t n;
    if (parse(&m, &plen, &n))
        rc = 1;
    else if ((rc = each_file(path, &m, plen, n, check_one, NULL)) == WN_ENOMEM)
        rc = wn_err(err, rc, path, 0, "out of memory");
    else if (rc)
        rc = 1;
    if (rc == 1) {
        /* not to be trusted: what it lists goes with it, so that nothing
         * half made is taken for the unit's output by anyone */
        if (!parse(&m, &plen, &n))
            each_file(path, &m, plen, n, remove_one, NULL);
        unlink(path);
    } else if (!rc && wn_buf_append(payload, m.data, (size_t)plen)) {
        rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    }
    wn_buf_release(&m);
    return rc;
}

/* fsync of path (a file or a folder); EINVAL: the file system cannot. */
static int sync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = 0;
    if (fault_sim(FAULT_FSYNC))
        errno = EIO, rc = -1;
    else if (fsync(fd) && errno != EINVAL)
        rc = -1;
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static int sync_one(const char *path, const entry *e, void *ctx)
{
    (void)e;
    wn_error *err = ctx;
    return sync_path(path, 0)
               ? wn_err(err, WN_EIO, path, 0, "fsync: %s", strerror(errno))
               : 0;
}

int marker_sync(const char *path, wn_error *err)
{
    wn_buf m = WN_BUF_INIT;
    int rc = read_whole_file(path, &m, err);
    uint64_t plen;
    uint32_t n;
    if (rc == 1 || (!rc && parse(&m, &plen, &n)))
        rc = wn_err(err, WN_EIO, path, 0, "no whole marker to make durable");
    if (!rc && (rc = each_file(path, &m, plen, n, sync_one, err)) < 0)
        rc = wn_err(err, WN_EFORMAT, path, 0, "malformed marker");
    if (!rc && sync_path(path, 0))
        rc = wn_err(err, WN_EIO, path, 0, "fsync: %s", strerror(errno));
    if (!rc) {
        size_t dl = dir_len(path);
        char *dir = dl ? strndup(path, dl) : strdup(".");
        if (!dir)
            rc = wn_err(err, WN_ENOMEM, path, 0, "out of memory");
        else if (sync_path(dir, 1))
            rc = wn_err(err, WN_EIO, dir, 0, "fsync: %s", strerror(errno));
        free(dir);
    }
    wn_buf_release(&m);
    return rc;
}

int marker_forget(const char *path, const char *prefix, wn_error *err)
{
    wn_buf m = WN_BUF_INIT, out = WN_BUF_INIT;
    int rc = read_whole_file(path, &m, err);
    uint64_t plen;
    uint32_t n, kept = 0;
    if (rc == 1 || (!rc && parse(&m, &plen, &n))) {
        rc = 0; /* no trusted marker: the unit runs again anyway */
        goto out;
    }
    if (rc)
        goto out;
    size_t at = (size_t)plen, end = m.len - FOOTER;
    rc = wn_buf_append(&out, m.data, (size_t)plen);
    size_t pl = strlen(prefix);
    for (uint32_t i = 0; i < n && !rc; i++) {
        size_t from = at;
        entry e;
        if (next_entry(&m, &at, end, &e))
            goto out; /* cannot be: its hash matched; left as it is */
        if (e.len >= pl && !memcmp(e.name, prefix, pl))
            continue;
        rc = wn_buf_append(&out, m.data + from, at - from);
        kept++;
    }
    if (!rc && kept == n)
        goto out; /* nothing struck */
    keep_first(&rc, seal(&out, plen, kept));
    if (rc)
        rc = wn_err(err, rc, path, 0, "out of memory");
    else
        rc = publish(path, &out, err);
out:
    wn_buf_release(&m);
    wn_buf_release(&out);
    return rc;
}
