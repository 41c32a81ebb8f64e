/*
 * changes.h - the dedup.changes file: what the filter stage writes instead
 * of the kept documents, and what `winnow run`'s final copy applies to the
 * input it copies (src/dedup/filter.c writes, src/pipeline/assemble.c
 * reads).
 *
 * One line per changed document, in input order, OFFSET being its line's
 * in the decoded input:
 *   "OFFSET"          removed (the line is in the rejects)
 *   "OFFSET +MEMBERS" kept: its line without the closing brace, ',',
 *                     MEMBERS, '}' (what the verbatim path writes)
 *   "OFFSET =LINE"    kept as LINE (one that had to be parsed again)
 * Kept documents left alone, most of a corpus, cost nothing, and the
 * others only their new members: no second copy of the corpus is
 * compressed or stored.
 */
#ifndef WN_DEDUP_CHANGES_H
#define WN_DEDUP_CHANGES_H

#include "../io/io.h"

enum { DD_CHANGE_REMOVED = 0, DD_CHANGE_MEMBERS = '+', DD_CHANGE_LINE = '=' };

/* Writes the change of the line at off: kind DD_CHANGE_REMOVED (l unused),
 * DD_CHANGE_MEMBERS (l: the members) or DD_CHANGE_LINE (l: the new line);
 * b is scratch. */
int dd_change_put(wn_writer *w, uint64_t off, char kind, const char *l,
                  size_t len, wn_buf *b, wn_error *err);

/* out = the line l (len >= 2, ending in '}') with the members m spliced
 * before its closing brace, as a "+MEMBERS" change means: 0 or an error
 * code (out of memory). */
int dd_splice_members(wn_buf *out, const char *l, size_t len, const char *m,
                      size_t mlen);

/* A changes file being read, one change ahead. */
typedef struct dd_changes {
    bufin b;
    const char *path;
    int have;          /* a change is pending */
    uint64_t off;      /* of the input line it changes */
    char kind;         /* DD_CHANGE_* */
    const char *line;  /* the members or the new line */
    size_t len;
    uint64_t at;       /* of the change in its file */
    wn_buf spliced;    /* a line with its members */
} dd_changes;

/* Opens path (kept, for messages) and reads its first change. */
int dd_changes_open(dd_changes *c, const char *path, wn_error *err);
/* The next change into c (c->have = 0 at the end). */
int dd_changes_next(dd_changes *c, wn_error *err);
/* The new line of the input line *line that c keeps (not removed), into
 * *line (valid until the next call). */
int dd_changes_apply(dd_changes *c, const char **line, size_t *len,
                     wn_error *err);
void dd_changes_close(dd_changes *c);

#endif
