/*
 * istream.c - a file as a stream of decompressed bytes.
 *
 * The codec is chosen from the first bytes, never the name: 1f 8b is gzip,
 * 28 b5 2f fd is zstd, anything else is read as is.  Gzip files may hold
 * many members (Common Crawl writes one per record) and zstd files many
 * frames; both are read through to the end.
 *
 * Damage is local: when a member or frame is corrupt, the stream reports
 * the compressed offset, scans forward to the next member/frame magic and
 * goes on, so one bad record costs one record.  A stream that ends inside
 * a member is reported as truncated after everything before the cut has
 * been delivered.
 *
 * Read-ahead (istream_ahead): a thread of the stream's own decodes the
 * next chunks while the caller parses, so decompression overlaps the work
 * of the reading thread.  The thread makes the calls a caller would make
 * (the same decoded bytes, the same errors at the same places); a chunk
 * holds the bytes of consecutive calls, then the result of the call that
 * gave none, and the caller takes them in order: what a reader sees does
 * not depend on it.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#define IN_CAP (1u << 18)
#define OBUF_CAP (1u << 20)
#define FAST_GIVE_UP 8
#define AHEAD_CHUNKS 8
#define AHEAD_CAP (1u << 18)

/* Decoded bytes from consecutive calls, then (has_end) the result of the
 * call that gave no bytes: the end (0) or an error. */
typedef struct chunk {
    unsigned char *data;
    size_t len, pos;   /* bytes, and how many the caller took */
    int has_end;
    long end;
    wn_error err;
    uint64_t bytes_in; /* compressed offset after the last call */
} chunk;

typedef struct ahead {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    chunk q[AHEAD_CHUNKS];
    size_t head, count; /* the filled chunks, oldest first */
    int stop;           /* the stream is being closed */
    int ended;          /* the caller took the stream's last result */
    uint64_t bytes_in;  /* of the chunk the caller is at */
} ahead;

struct istream {
    int fd;
    int codec;
    int in_eof;        /* no more bytes in the file */
    int member_open;   /* inside a gzip member / zstd frame */
    int done;
    unsigned char *in;
    size_t in_pos, in_end;
    uint64_t in_base;  /* file offset of in[0] */
    z_stream z;
    int z_init;
    ZSTD_DStream *zs;
    /* fast path for small members (Common Crawl writes one per record):
     * libdeflate decodes a whole member 2x faster than zlib streams it */
    struct libdeflate_decompressor *ld;
    unsigned char *obuf;
    size_t opos, olen;
    int fast;      /* still trying the fast path */
    int fast_fail; /* consecutive members it could not take */
    const unsigned char *mem; /* in-memory input instead of fd */
    size_t mem_len, mem_pos;
    ahead *ah; /* read-ahead thread, or NULL */
    char path[512];
};

/* read(2), or a copy from the in-memory input. */
static ssize_t raw_read(istream *s, void *dst, size_t n)
{
    if (s->mem) {
        size_t k = s->mem_len - s->mem_pos;
        if (k > n)
            k = n;
        memcpy(dst, s->mem + s->mem_pos, k);
        s->mem_pos += k;
        return (ssize_t)k;
    }
    ssize_t r;
    do
        r = read(s->fd, dst, n);
    while (r < 0 && errno == EINTR);
    return r;
}

static int fill_input(istream *s, wn_error *err)
{
    if (s->in_pos < s->in_end || s->in_eof)
        return 0;
    s->in_base += s->in_end;
    s->in_pos = s->in_end = 0;
    for (;;) {
        ssize_t n = raw_read(s, s->in, IN_CAP);
        if (n < 0)
            return wn_err(err, WN_EIO, s->path, s->in_base, "read: %s",
                          strerror(errno));
        if (n == 0)
            s->in_eof = 1;
        s->in_end = (size_t)n;
        return 0;
    }
}

/* Reads the first bytes and picks the codec. */
static int sniff_codec(istream *s, wn_error *err)
{
    while (s->in_end < 4 && !s->in_eof) {
        ssize_t n = raw_read(s, s->in + s->in_end, IN_CAP - s->in_end);
        if (n < 0)
            return wn_err(err, WN_EIO, s->path, 0, "read: %s",
                          strerror(errno));
        if (n == 0)
            s->in_eof = 1;
        s->in_end += (size_t)n;
    }
    const unsigned char *m = s->in;
    if (s->in_end >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        s->codec = CODEC_GZIP;
        if (inflateInit2(&s->z, 15 + 16) != Z_OK)
            return wn_err(err, WN_ENOMEM, s->path, 0, "zlib init failed");
        s->z_init = 1;
        s->ld = libdeflate_alloc_decompressor();
        s->obuf = malloc(OBUF_CAP);
        s->fast = s->ld && s->obuf;
    } else if (s->in_end >= 4 && m[0] == 0x28 && m[1] == 0xb5 &&
               m[2] == 0x2f && m[3] == 0xfd) {
        s->codec = CODEC_ZSTD;
        if (!(s->zs = ZSTD_createDStream()))
            return wn_err(err, WN_ENOMEM, s->path, 0, "zstd init failed");
        ZSTD_initDStream(s->zs);
    } else
        s->codec = CODEC_NONE;
    return 0;
}

static istream *alloc_stream(const char *path)
{
    istream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->fd = -1;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (!(s->in = malloc(IN_CAP))) {
        free(s);
        return NULL;
    }
    return s;
}

int istream_open(const char *path, istream **out, wn_error *err)
{
    *out = NULL;
    istream *s = alloc_stream(path);
    if (!s)
        return wn_err(err, WN_ENOMEM, path, 0, "out of memory");
    if (!strcmp(path, "-"))
        s->fd = STDIN_FILENO;
    else if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        int e = errno;
        istream_close(s);
        return wn_err(err, WN_EIO, path, 0, "cannot open: %s", strerror(e));
    }
    int rc = sniff_codec(s, err);
    if (rc) {
        istream_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

int istream_open_mem(const void *data, size_t n, const char *name,
                     istream **out, wn_error *err)
{
    *out = NULL;
    istream *s = alloc_stream(name);
    if (!s)
        return wn_err(err, WN_ENOMEM, name, 0, "out of memory");
    s->mem = data ? data : (const void *)"";
    s->mem_len = n;
    int rc = sniff_codec(s, err);
    if (rc) {
        istream_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* After corrupt data: skip to the next byte sequence that starts a member
 * (gzip) or frame (zstd), searching from one byte past the current point. */
static int resync(istream *s, wn_error *err)
{
    static const unsigned char gz[3] = {0x1f, 0x8b, 0x08};
    static const unsigned char zs[4] = {0x28, 0xb5, 0x2f, 0xfd};
    const unsigned char *mg = s->codec == CODEC_GZIP ? gz : zs;
    size_t ml = s->codec == CODEC_GZIP ? 3 : 4;
    if (s->in_pos < s->in_end)
        s->in_pos++;
    for (;;) {
        /* keep the last ml-1 bytes when refilling so a magic split across
         * reads is found */
        while (s->in_end - s->in_pos >= ml) {
            unsigned char *p = memchr(s->in + s->in_pos, mg[0],
                                      s->in_end - s->in_pos - ml + 1);
            if (!p) {
                s->in_pos = s->in_end - ml + 1;
                break;
            }
            if (!memcmp(p, mg, ml)) {
                s->in_pos = (size_t)(p - s->in);
                return 1;
            }
            s->in_pos = (size_t)(p - s->in) + 1;
        }
        if (s->in_eof)
            return 0;
        size_t keep = s->in_end - s->in_pos;
        memmove(s->in, s->in + s->in_pos, keep);
        s->in_base += s->in_pos;
        s->in_pos = 0;
        s->in_end = keep;
        ssize_t n = raw_read(s, s->in + keep, IN_CAP - keep);
        if (n < 0)
            return wn_err(err, WN_EIO, s->path, s->in_base, "read: %s",
                          strerror(errno));
        if (n == 0)
            s->in_eof = 1;
        s->in_end += (size_t)n;
    }
}

/* Reports corrupt data at the current compressed position and resyncs. */
static long corrupt(istream *s, wn_error *err, const char *what)
{
    uint64_t at = s->in_base + s->in_pos;
    s->member_open = 0;
    int r = resync(s, err);
    if (r < 0)
        return r;
    if (!r)
        s->done = 1;
    return wn_err(err, WN_ECODEC, s->path, at,
                  "corrupt %s data (compressed offset)%s", what,
                  r ? "; resuming at the next member" : "");
}

/* Moves unread input to the front and reads until the buffer is full or
 * the file ends. */
static int compact_fill(istream *s)
{
    size_t keep = s->in_end - s->in_pos;
    memmove(s->in, s->in + s->in_pos, keep);
    s->in_base += s->in_pos;
    s->in_pos = 0;
    s->in_end = keep;
    while (s->in_end < IN_CAP && !s->in_eof) {
        ssize_t k = raw_read(s, s->in + s->in_end, IN_CAP - s->in_end);
        if (k < 0)
            return -1;
        if (k == 0)
            s->in_eof = 1;
        s->in_end += (size_t)k;
    }
    return 0;
}

/* Decodes the member at in_pos whole into obuf.  Returns 1 on success; 0
 * when it does not fit (or is damaged): zlib then streams it, and reports
 * damage precisely.  After FAST_GIVE_UP misses in a row (a file of big
 * members) the fast path is switched off for the stream. */
static int fast_member(istream *s)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        size_t used = 0, got = 0;
        enum libdeflate_result r = libdeflate_gzip_decompress_ex(
            s->ld, s->in + s->in_pos, s->in_end - s->in_pos, s->obuf,
            OBUF_CAP, &used, &got);
        if (r == LIBDEFLATE_SUCCESS) {
            s->in_pos += used;
            s->opos = 0;
            s->olen = got;
            s->fast_fail = 0;
            return 1;
        }
        /* more input can only help a member cut by the buffer's end */
        if (r == LIBDEFLATE_INSUFFICIENT_SPACE || s->in_eof ||
            (s->in_pos == 0 && s->in_end == IN_CAP) || compact_fill(s))
            break;
    }
    if (++s->fast_fail >= FAST_GIVE_UP)
        s->fast = 0;
    return 0;
}

static long read_gzip(istream *s, unsigned char *dst, size_t n,
                      wn_error *err)
{
    int rc;
    for (;;) {
        if (s->opos < s->olen) {
            size_t k = s->olen - s->opos;
            if (k > n)
                k = n;
            memcpy(dst, s->obuf + s->opos, k);
            s->opos += k;
            return (long)k;
        }
        if ((rc = fill_input(s, err)))
            return rc;
        if (!s->member_open) {
            if (s->in_pos == s->in_end && s->in_eof) {
                s->done = 1;
                return 0;
            }
            /* a new member must start with the magic; zero padding at the
             * end of a file is tolerated */
            if (s->in[s->in_pos] == 0) {
                s->in_pos++;
                continue;
            }
            if (s->in_end - s->in_pos < 2 && !s->in_eof) {
                /* magic split across reads: shift and refill */
                size_t keep = s->in_end - s->in_pos;
                memmove(s->in, s->in + s->in_pos, keep);
                s->in_base += s->in_pos;
                s->in_pos = 0;
                s->in_end = keep;
                ssize_t k = raw_read(s, s->in + keep, IN_CAP - keep);
                if (k < 0)
                    return wn_err(err, WN_EIO, s->path, s->in_base,
                                  "read: %s", strerror(errno));
                if (k == 0)
                    s->in_eof = 1;
                s->in_end += (size_t)k;
                continue;
            }
            if (s->in_end - s->in_pos < 2 || s->in[s->in_pos] != 0x1f ||
                s->in[s->in_pos + 1] != 0x8b)
                return corrupt(s, err, "gzip (not a gzip member)");
            if (s->fast && fast_member(s))
                continue;
            inflateReset(&s->z);
            s->member_open = 1;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)(s->in_end - s->in_pos);
        s->z.next_out = dst;
        s->z.avail_out = (uInt)n;
        int zr = inflate(&s->z, Z_NO_FLUSH);
        s->in_pos = s->in_end - s->z.avail_in;
        size_t got = n - s->z.avail_out;
        if (zr == Z_STREAM_END)
            s->member_open = 0;
        else if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT) {
            if (got)
                return (long)got; /* deliver what decoded; error next call */
            return corrupt(s, err, "gzip");
        } else if (zr == Z_MEM_ERROR)
            return wn_err(err, WN_ENOMEM, s->path, 0, "out of memory");
        if (got)
            return (long)got;
        if (s->member_open && s->in_pos == s->in_end && s->in_eof) {
            s->done = 1;
            s->member_open = 0;
            return wn_err(err, WN_ETRUNC, s->path, s->in_base + s->in_pos,
                          "gzip stream ends inside a member (truncated "
                          "file; compressed offset)");
        }
    }
}

static long read_zstd(istream *s, unsigned char *dst, size_t n,
                      wn_error *err)
{
    int rc;
    for (;;) {
        if ((rc = fill_input(s, err)))
            return rc;
        if (s->in_pos == s->in_end && s->in_eof) {
            s->done = 1;
            if (s->member_open)
                return wn_err(err, WN_ETRUNC, s->path,
                              s->in_base + s->in_pos,
                              "zstd stream ends inside a frame (truncated "
                              "file; compressed offset)");
            return 0;
        }
        ZSTD_inBuffer ib = {s->in, s->in_end, s->in_pos};
        ZSTD_outBuffer ob = {dst, n, 0};
        size_t zr = ZSTD_decompressStream(s->zs, &ob, &ib);
        s->in_pos = ib.pos;
        if (ZSTD_isError(zr)) {
            ZSTD_initDStream(s->zs);
            if (ob.pos)
                return (long)ob.pos;
            return corrupt(s, err, "zstd");
        }
        s->member_open = zr != 0;
        if (ob.pos)
            return (long)ob.pos;
    }
}

/* The decoding itself: one call of the caller's, or of the read-ahead
 * thread. */
static long decode(istream *s, void *dst, size_t n, wn_error *err)
{
    if (s->done || !n)
        return 0;
    if (n > (1u << 30))
        n = 1u << 30;
    switch (s->codec) {
    case CODEC_GZIP:
        return read_gzip(s, dst, n, err);
    case CODEC_ZSTD:
        return read_zstd(s, dst, n, err);
    default: {
        int rc = fill_input(s, err);
        if (rc)
            return rc;
        size_t k = s->in_end - s->in_pos;
        if (!k) {
            s->done = 1;
            return 0;
        }
        if (k > n)
            k = n;
        memcpy(dst, s->in + s->in_pos, k);
        s->in_pos += k;
        return (long)k;
    }
    }
}

/* Whether a result ends the stream: no call after it can give more. */
static int final_result(long n)
{
    return n == 0 || (n < 0 && !WN_IS_BAD_INPUT((int)n));
}

static void *ahead_main(void *arg)
{
    istream *s = arg;
    ahead *a = s->ah;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (a->count == AHEAD_CHUNKS && !a->stop)
            pthread_cond_wait(&a->cv, &a->mu);
        if (a->stop) {
            pthread_mutex_unlock(&a->mu);
            break;
        }
        /* a chunk outside the filled ones is the caller's no longer */
        chunk *c = &a->q[(a->head + a->count) % AHEAD_CHUNKS];
        pthread_mutex_unlock(&a->mu);
        c->len = c->pos = 0;
        c->has_end = 0;
        while (c->len < AHEAD_CAP) {
            long r = decode(s, c->data + c->len, AHEAD_CAP - c->len, &c->err);
            if (r > 0) {
                c->len += (size_t)r;
                continue;
            }
            c->has_end = 1;
            c->end = r;
            break;
        }
        c->bytes_in = s->in_base + s->in_pos;
        pthread_mutex_lock(&a->mu);
        a->count++;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        if (c->has_end && final_result(c->end))
            break;
    }
    return NULL;
}

static void ahead_free(ahead *a)
{
    for (size_t i = 0; i < AHEAD_CHUNKS; i++)
        free(a->q[i].data);
    free(a);
}

int istream_ahead(istream *s)
{
    if (s->ah || s->done)
        return 0;
    /* only what cannot block for ever: closing waits for the thread's
     * read in progress */
    struct stat sb;
    if (!s->mem && (s->fd == STDIN_FILENO || fstat(s->fd, &sb) ||
                    !S_ISREG(sb.st_mode)))
        return 0;
    ahead *a = calloc(1, sizeof *a);
    if (!a)
        return WN_ENOMEM;
    for (size_t i = 0; i < AHEAD_CHUNKS; i++)
        if (!(a->q[i].data = malloc(AHEAD_CAP))) {
            ahead_free(a);
            return WN_ENOMEM;
        }
    a->bytes_in = s->in_base + s->in_pos;
    pthread_mutex_init(&a->mu, NULL);
    pthread_cond_init(&a->cv, NULL);
    s->ah = a;
    if (pthread_create(&a->th, NULL, ahead_main, s)) {
        s->ah = NULL;
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        ahead_free(a);
        return WN_ENOMEM;
    }
    return 0;
}

static void ahead_pop(ahead *a)
{
    pthread_mutex_lock(&a->mu);
    a->head = (a->head + 1) % AHEAD_CHUNKS;
    a->count--;
    pthread_cond_broadcast(&a->cv);
    pthread_mutex_unlock(&a->mu);
}

/* istream_read from the read-ahead thread's chunks, in order: their bytes,
 * then each result that ended a run of bytes, as the calls gave them. */
static long ahead_read(ahead *a, unsigned char *dst, size_t n, wn_error *err)
{
    if (a->ended || !n)
        return 0;
    for (;;) {
        pthread_mutex_lock(&a->mu);
        while (!a->count)
            pthread_cond_wait(&a->cv, &a->mu);
        chunk *c = &a->q[a->head];
        pthread_mutex_unlock(&a->mu);
        a->bytes_in = c->bytes_in;
        if (c->pos < c->len) {
            size_t k = c->len - c->pos;
            if (k > n)
                k = n;
            memcpy(dst, c->data + c->pos, k);
            c->pos += k;
            if (c->pos == c->len && !c->has_end)
                ahead_pop(a);
            return (long)k;
        }
        if (!c->has_end) { /* not made: a chunk holds bytes or an end */
            ahead_pop(a);
            continue;
        }
        long r = c->end;
        if (r < 0 && err)
            *err = c->err;
        a->ended = final_result(r);
        ahead_pop(a);
        return r;
    }
}

long istream_read(istream *s, void *dst, size_t n, wn_error *err)
{
    if (s->ah)
        return ahead_read(s->ah, dst, n, err);
    return decode(s, dst, n, err);
}

int istream_codec(const istream *s) { return s->codec; }
uint64_t istream_bytes_in(const istream *s)
{
    return s->ah ? s->ah->bytes_in : s->in_base + s->in_pos;
}
const char *istream_path(const istream *s) { return s->path; }

void istream_set_name(istream *s, const char *name)
{
    snprintf(s->path, sizeof s->path, "%s", name);
}

void istream_close(istream *s)
{
    if (!s)
        return;
    if (s->ah) {
        ahead *a = s->ah;
        pthread_mutex_lock(&a->mu);
        a->stop = 1;
        pthread_cond_broadcast(&a->cv);
        pthread_mutex_unlock(&a->mu);
        pthread_join(a->th, NULL);
        pthread_mutex_destroy(&a->mu);
        pthread_cond_destroy(&a->cv);
        ahead_free(a);
    }
    if (s->z_init)
        inflateEnd(&s->z);
    if (s->zs)
        ZSTD_freeDStream(s->zs);
    if (s->ld)
        libdeflate_free_decompressor(s->ld);
    free(s->obuf);
    if (s->fd > STDIN_FILENO)
        close(s->fd);
    free(s->in);
    free(s);
}
