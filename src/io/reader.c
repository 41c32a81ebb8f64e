/*
 * reader.c - wn_reader: one input file as a stream of documents.
 *
 * Opens the file through istream (decompression), sniffs the format from
 * the decoded bytes unless told, and hands each call to the format's
 * parser.  Accounting lives here: every bad-input verdict a parser returns
 * is counted once in the reader's stats before it reaches the caller.
 */
#include "io.h"
#include "input.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

struct wn_reader {
    rctx r;
    istream *s;
    int format;
    int (*next)(rctx *, wn_doc *, wn_error *);
};

static const char *format_names[] = {"auto", "warc", "jsonl", "text", "html"};

int wn_format_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, format_names[i]))
            return i;
    return -1;
}

const char *wn_format_name(int fmt)
{
    return fmt >= 0 && fmt < 5 ? format_names[fmt] : "?";
}

int reader_set_source(rctx *r, wn_doc *doc, uint64_t off)
{
    /* "PATH:OFFSET", made by hand: once per document, where printf's
     * format parsing cost more than the rest of the record's fields */
    char num[24];
    size_t k = sizeof num;
    do
        num[--k] = (char)('0' + off % 10);
    while (off /= 10);
    num[--k] = ':';
    wn_buf_reset(&doc->source);
    int rc = wn_buf_puts(&doc->source, r->path);
    return rc ? rc : wn_buf_append(&doc->source, num + k, sizeof num - k);
}

int reader_set_text(rctx *r, wn_doc *doc, const char *src, size_t n)
{
    return reader_set_field(r, &doc->text, src, n);
}

int reader_set_field(rctx *r, wn_buf *field, const char *src, size_t n)
{
    size_t nuls = 0;
    wn_buf_reset(field);
    long rep = wn_utf8_repair(src, n, field, &nuls);
    if (rep < 0)
        return (int)rep;
    if (rep) {
        r->st.invalid_utf8++;
        r->st.utf8_replaced += (uint64_t)rep - nuls;
        r->st.nul_bytes += nuls;
        reader_warn(r, "invalid UTF-8 repaired: %ld sequence(s)%s replaced "
                       "by U+FFFD", rep - (long)nuls,
                    nuls ? " and NUL bytes" : "");
    }
    return 0;
}

void reader_warn(rctx *r, const char *fmt, ...)
{
    if (!r->opts.warn)
        return;
    wn_error w;
    w.code = WN_EFORMAT;
    w.offset = r->rec_off;
    snprintf(w.file, sizeof w.file, "%s", r->path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w.msg, sizeof w.msg, fmt, ap);
    va_end(ap);
    r->opts.warn(r->opts.warn_ctx, &w);
}

/* Looks at the first decoded bytes to pick a parser. */
static int sniff(wn_reader *rd, wn_error *err)
{
    bufin *b = &rd->r.in;
    size_t n = bufin_fill(b, 4096);
    const char *p = b->buf + b->pos, *end = p + n;
    if (n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    size_t left = (size_t)(end - p);
    if (left >= 5 && !memcmp(p, "WARC/", 5))
        return WN_FMT_WARC;
    if (left >= 11 && !memcmp(p, "filedesc://", 11))
        return wn_err(err, WN_EFORMAT, rd->r.path, 0,
                      "ARC format is not supported (convert to WARC)");
    if (left && *p == '{')
        return WN_FMT_JSONL;
    return WN_FMT_TEXT;
}

/* Shared tail of the two open functions: takes ownership of s.  Every
 * message is made before s is closed: the path it names lives in s. */
static int reader_init(istream *s, const wn_reader_opts *opts,
                       wn_reader **out, wn_error *err)
{
    wn_reader_opts o = WN_READER_OPTS_INIT;
    if (opts) {
        /* a caller's older, shorter struct: its fields, our defaults */
        size_t n = opts->size && opts->size < sizeof o ? opts->size
                                                       : sizeof o;
        memcpy(&o, opts, n);
        o.size = sizeof o;
    }
    if (!o.text_field || !*o.text_field)
        o.text_field = "text";
    if (!o.max_record)
        o.max_record = WN_MAX_RECORD;
    if (o.format < WN_FMT_AUTO || o.format > WN_FMT_HTML) {
        int rc = wn_err(err, WN_EINVAL, istream_path(s), 0,
                        "unknown format %d", o.format);
        istream_close(s);
        return rc;
    }
    wn_reader *rd = calloc(1, sizeof *rd);
    if (!rd) {
        int rc = wn_err(err, WN_ENOMEM, istream_path(s), 0, "out of memory");
        istream_close(s);
        return rc;
    }
    rd->s = s;
    rd->r.path = istream_path(s);
    rd->r.opts = o;
    int rc;
    if ((rc = bufin_init(&rd->r.in, rd->s))) {
        rc = wn_err(err, rc, istream_path(s), 0, "out of memory");
        wn_reader_close(rd);
        return rc;
    }
    rd->r.st.files = 1;
    int fmt = o.format;
    if (fmt == WN_FMT_AUTO) {
        fmt = sniff(rd, err);
        if (fmt < 0) {
            wn_reader_close(rd);
            return fmt;
        }
    }
    rd->format = fmt;
    switch (fmt) {
    case WN_FMT_WARC: rd->next = warc_next; break;
    case WN_FMT_JSONL: rd->next = jsonl_next; break;
    case WN_FMT_TEXT: rd->next = text_next; break;
    case WN_FMT_HTML: rd->next = html_next; break;
    default: /* checked above; kept for a format added to one list only */
        rc = wn_err(err, WN_EINVAL, istream_path(s), 0, "unknown format %d",
                    fmt);
        wn_reader_close(rd);
        return rc;
    }
    *out = rd;
    return 0;
}

int reader_open_named(const char *path, const char *name,
                      const wn_reader_opts *opts, wn_reader **out,
                      wn_error *err)
{
    *out = NULL;
    struct stat sb;
    if (strcmp(path, "-") && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return wn_err(err, WN_EINVAL, name, 0,
                      "is a directory (use wn_inputs_expand)");
    istream *s;
    int rc = istream_open(path, &s, err);
    if (rc) {
        if (err && name != path)
            snprintf(err->file, sizeof err->file, "%s", name);
        return rc;
    }
    istream_set_name(s, name);
    return reader_init(s, opts, out, err);
}

int reader_read_ahead(wn_reader *rd) { return istream_ahead(rd->s); }

int wn_reader_open(const char *path, const wn_reader_opts *opts,
                   wn_reader **out, wn_error *err)
{
    return reader_open_named(path, path, opts, out, err);
}

int wn_reader_open_mem(const void *data, size_t n, const char *name,
                       const wn_reader_opts *opts, wn_reader **out,
                       wn_error *err)
{
    *out = NULL;
    istream *s;
    int rc = istream_open_mem(data, n, name ? name : "(memory)", &s, err);
    if (rc)
        return rc;
    return reader_init(s, opts, out, err);
}

static void count_bad(rctx *r, int code)
{
    switch (code) {
    case WN_ECODEC: r->st.bad_codec++; break;
    case WN_ETRUNC: r->st.truncated++; break;
    case WN_ELIMIT: r->st.oversize++; break;
    case WN_EIO: r->st.io_errors++; break;
    case WN_EFORMAT:
        (*(r->bad_counter ? r->bad_counter : &r->st.bad_records))++;
        break;
    default: break;
    }
}

/* Reports the parked stream error: counted once, reading goes on unless
 * the stream cannot continue. */
static int report_stream_error(rctx *r, wn_error *err)
{
    wn_error se;
    int sc = bufin_take_error(&r->in, &se);
    count_bad(r, sc);
    if (err)
        *err = se;
    if (!WN_IS_BAD_INPUT(sc))
        r->done = 1;
    return sc;
}

int wn_reader_next(wn_reader *rd, wn_doc *doc, wn_error *err)
{
    rctx *r = &rd->r;
    bufin *b = &r->in;
    wn_doc_reset(doc);
    /* damage in the compressed stream is reported when parsing reaches it,
     * not when read-ahead finds it, so records before it are not lost */
    if (b->err_code && bufin_tell(b) >= b->err_at)
        return report_stream_error(r, err);
    if (r->done)
        return WN_EOF;
    r->bad_counter = NULL;
    int rc = rd->next(r, doc, err);
    uint64_t end = bufin_tell(b);
    if (b->err_code && end >= b->err_at && rc < 0) {
        /* the record ran into the damage: the stream error explains it,
         * and is the one thing reported and counted */
        if (!WN_IS_BAD_INPUT(rc))
            r->done = 1;
        wn_doc_reset(doc);
        return report_stream_error(r, err);
    }
    if (rc == WN_DOC) {
        r->st.docs++;
        r->st.text_bytes += doc->text.len;
    } else if (rc < 0) {
        count_bad(r, rc);
        if (!WN_IS_BAD_INPUT(rc))
            r->done = 1;
    } else if (b->err_code) {
        /* the parser stopped at the damage, not at the end */
        return report_stream_error(r, err);
    } else
        r->done = 1;
    r->st.bytes_in = istream_bytes_in(rd->s);
    r->st.bytes_decoded = bufin_tell(b);
    return rc;
}

int wn_reader_format(const wn_reader *rd) { return rd->format; }

const wn_stats *wn_reader_stats(const wn_reader *rd)
{
    /* keep byte counters current even before the first document */
    ((wn_reader *)rd)->r.st.bytes_in = istream_bytes_in(rd->s);
    ((wn_reader *)rd)->r.st.bytes_decoded = bufin_tell(&rd->r.in);
    return &rd->r.st;
}

void wn_reader_close(wn_reader *rd)
{
    if (!rd)
        return;
    bufin_release(&rd->r.in);
    if (rd->r.priv_free)
        rd->r.priv_free(rd->r.priv);
    wn_buf_release(&rd->r.scratch);
    wn_buf_release(&rd->r.scratch2);
    istream_close(rd->s);
    free(rd);
}

/* ---- input expansion ---- */

static int push(char ***list, size_t *n, const char *s)
{
    char **nl = realloc(*list, (*n + 1) * sizeof **list);
    if (!nl)
        return WN_ENOMEM;
    *list = nl;
    if (!(nl[*n] = strdup(s)))
        return WN_ENOMEM;
    (*n)++;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The walk of the input directories: each directory once, whatever links
 * lead to it (a (device, inode) set), so a link loop ends and no file is
 * read twice; what is skipped is reported. */
typedef struct walker {
    char ***list;
    size_t *n;
    struct dirid {
        dev_t dev;
        ino_t ino;
    } *seen;
    size_t nseen, capseen;
    void (*warn)(void *, const wn_error *);
    void *ctx;
    uint64_t skipped;
} walker;

static void skip(walker *w, const char *path, const char *why)
{
    w->skipped++;
    if (w->warn) {
        wn_error e;
        wn_err(&e, WN_EFORMAT, path, 0, "%s: skipped", why);
        w->warn(w->ctx, &e);
    }
}

/* 1 if the directory was walked already, 0 if it is new (now seen). */
static int seen_dir(walker *w, const struct stat *sb, int *rc)
{
    for (size_t i = 0; i < w->nseen; i++)
        if (w->seen[i].dev == sb->st_dev && w->seen[i].ino == sb->st_ino)
            return 1;
    if (w->nseen == w->capseen) {
        size_t nc = w->capseen ? w->capseen * 2 : 16;
        struct dirid *ns = realloc(w->seen, nc * sizeof *ns);
        if (!ns) {
            *rc = WN_ENOMEM;
            return 0;
        }
        w->seen = ns;
        w->capseen = nc;
    }
    w->seen[w->nseen].dev = sb->st_dev;
    w->seen[w->nseen++].ino = sb->st_ino;
    return 0;
}

static int walk(walker *w, const char *dir, wn_error *err, int depth)
{
    if (depth > 256)
        return wn_err(err, WN_ELIMIT, dir, 0, "directory nesting too deep");
    DIR *d = opendir(dir);
    if (!d)
        return wn_err(err, WN_EIO, dir, 0, "cannot open directory: %s",
                      strerror(errno));
    char **names = NULL;
    size_t nn = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if ((rc = push(&names, &nn, e->d_name)))
            break;
    }
    closedir(d);
    if (!rc)
        qsort(names, nn, sizeof *names, cmp_str);
    wn_buf p = WN_BUF_INIT;
    for (size_t i = 0; i < nn && !rc; i++) {
        wn_buf_reset(&p);
        size_t dl = strlen(dir);
        /* a path cut short would skip or misname an input */
        if ((rc = wn_buf_append(&p, dir, dl)) ||
            (dl && dir[dl - 1] != '/' && (rc = wn_buf_putc(&p, '/'))) ||
            (rc = wn_buf_puts(&p, names[i])))
            break;
        struct stat sb;
        if (stat(p.data, &sb)) {
            skip(w, p.data, errno == ENOENT ? "dangling link"
                                            : "cannot stat");
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            if (seen_dir(w, &sb, &rc)) {
                if (!rc)
                    skip(w, p.data, "directory already read (a link loop "
                                    "or a second link to it)");
                continue;
            }
            if (!rc)
                rc = walk(w, p.data, err, depth + 1);
        } else if (S_ISREG(sb.st_mode))
            rc = push(w->list, w->n, p.data);
        else
            skip(w, p.data, "not a regular file (FIFO, socket or device)");
    }
    wn_buf_release(&p);
    for (size_t i = 0; i < nn; i++)
        free(names[i]);
    free(names);
    return rc;
}

int inputs_expand(const char *const *args, size_t nargs, char ***list,
                  size_t *n, void (*warn)(void *, const wn_error *),
                  void *ctx, uint64_t *skipped, wn_error *err)
{
    walker w;
    memset(&w, 0, sizeof w);
    w.list = list;
    w.n = n;
    w.warn = warn;
    w.ctx = ctx;
    int rc = 0;
    for (size_t i = 0; i < nargs && !rc; i++) {
        struct stat sb;
        if (strcmp(args[i], "-") && stat(args[i], &sb) == 0 &&
            S_ISDIR(sb.st_mode)) {
            if (seen_dir(&w, &sb, &rc)) {
                if (!rc)
                    skip(&w, args[i], "directory already read");
                continue;
            }
            if (!rc)
                rc = walk(&w, args[i], err, 0);
        } else
            rc = push(list, n, args[i]);
        if (rc == WN_ENOMEM)
            rc = wn_err(err, rc, args[i], 0, "out of memory");
    }
    free(w.seen);
    if (skipped)
        *skipped += w.skipped;
    return rc;
}

int wn_inputs_expand(const char *const *args, size_t nargs, char ***list,
                     size_t *n, wn_error *err)
{
    return inputs_expand(args, nargs, list, n, NULL, NULL, NULL, err);
}

void wn_inputs_free(char **list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i]);
    free(list);
}
