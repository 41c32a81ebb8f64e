/*
 * changes.c - the dedup.changes file (changes.h): written by the filter
 * stage, read and applied by the final copy of `winnow run`.
 */
#include "changes.h"

int dd_change_put(wn_writer *w, uint64_t off, char kind, const char *l,
                  size_t len, wn_buf *b, wn_error *err)
{
    wn_buf_reset(b);
    int rc = wn_buf_printf(b, "%llu", (unsigned long long)off);
    if (!rc && kind && !(rc = wn_buf_putc(b, ' ')) &&
        !(rc = wn_buf_putc(b, kind)))
        rc = wn_buf_append(b, l, len);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    return wn_writer_write_line(w, b->data, b->len, err);
}

int dd_changes_next(dd_changes *c, wn_error *err)
{
    const char *l;
    size_t len;
    int rc = bufin_getline(&c->b, &l, &len, (size_t)1 << 30, &c->at);
    c->have = rc == 1;
    if (rc != 1) {
        wn_error why;
        if (!rc && bufin_take_error(&c->b, &why))
            return wn_err(err, WN_EIO, c->path, why.offset,
                          "damaged work file: %s", why.msg);
        return rc ? wn_err(err, WN_EIO, c->path, c->at,
                           "damaged work file: a line over 1 GiB")
                  : 0;
    }
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && l[i] >= '0' && l[i] <= '9' && v < UINT64_MAX / 10; i++)
        v = v * 10 + (uint64_t)(l[i] - '0');
    c->kind = i + 2 < len && l[i] == ' ' ? l[i + 1] : DD_CHANGE_REMOVED;
    if (!i || (i < len && c->kind != DD_CHANGE_MEMBERS &&
               c->kind != DD_CHANGE_LINE))
        return wn_err(err, WN_EIO, c->path, c->at,
                      "damaged work file: not a change line");
    c->off = v;
    c->line = c->kind ? l + i + 2 : NULL;
    c->len = c->kind ? len - i - 2 : 0;
    return 0;
}

int dd_changes_open(dd_changes *c, const char *path, wn_error *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    int rc = bufin_open(&c->b, path, err);
    if (rc)
        return rc;
    if ((rc = dd_changes_next(c, err)))
        dd_changes_close(c);
    return rc;
}

int dd_splice_members(wn_buf *out, const char *l, size_t len, const char *m,
                      size_t mlen)
{
    int rc;
    if ((rc = wn_buf_set(out, l, len - 1)) || (rc = wn_buf_putc(out, ',')) ||
        (rc = wn_buf_append(out, m, mlen)))
        return rc;
    return wn_buf_putc(out, '}');
}

int dd_changes_apply(dd_changes *c, const char **line, size_t *len,
                     wn_error *err)
{
    if (c->kind == DD_CHANGE_LINE) {
        *line = c->line;
        *len = c->len;
        return 0;
    }
    wn_buf *o = &c->spliced;
    if (*len < 2 || (*line)[*len - 1] != '}')
        return wn_err(err, WN_EIO, c->path, c->at,
                      "damaged work file: members for a line that cannot "
                      "take them");
    int rc = dd_splice_members(o, *line, *len, c->line, c->len);
    if (rc)
        return wn_err(err, rc, "", 0, "out of memory");
    *line = o->data;
    *len = o->len;
    return 0;
}

void dd_changes_close(dd_changes *c)
{
    bufin_close(&c->b);
    wn_buf_release(&c->spliced);
}
