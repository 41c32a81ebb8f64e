/*
 * docline.c - the members of a document's JSON line that the final counts
 * and the report's examples read, found in one pass over the line.
 *
 * The text is measured, not decoded (json_measure_string): its length in
 * bytes and characters is all the counts need, and the line itself goes to
 * the shard unchanged.  The rules follow the JSONL reader (src/io/jsonl.c)
 * for the lines winnow writes; a line the reader would refuse or repair is
 * refused here (a damaged work file).
 */
#include "docline.h"

#include <string.h>

/* The member name at *pp: in place when it has no escapes, else decoded
 * into tmp (cut at JVIEW_KEY - 1 bytes: no name we look for is longer). */
static int member_name(const char **pp, const char *end, char *tmp,
                       const char **name, size_t *n)
{
    const char *p = *pp + 1, *q = p;
    while (q < end && *q != '"' && *q != '\\')
        q++;
    if (q < end && *q == '"') {
        *name = p;
        *n = (size_t)(q - p);
        *pp = q + 1;
        return 0;
    }
    jview v = {*pp, end};
    const char *s = *pp;
    if (json_skip_value(&s, end, 1))
        return WN_EFORMAT;
    v.end = s;
    jview_cstr(v, tmp, JVIEW_KEY);
    *name = tmp;
    *n = strlen(tmp);
    *pp = s;
    return 0;
}

#define IS(lit) (n == sizeof lit - 1 && !memcmp(name, lit, sizeof lit - 1))

int docline_scan(const char *line, size_t len, docline *d)
{
    const char *p = line, *end = line + len;
    char tmp[JVIEW_KEY];
    int have_text = 0, html = 0;
    unsigned seen = 0; /* the reader refuses text, id, url or date twice */
    memset(d, 0, sizeof *d);
    p = json_skip_ws(p, end);
    if (p >= end || *p != '{')
        return WN_EFORMAT;
    p = json_skip_ws(p + 1, end);
    if (p < end && *p == '}')
        return WN_EFORMAT; /* no text */
    for (;;) {
        const char *name;
        size_t n;
        if (p >= end || *p != '"' || member_name(&p, end, tmp, &name, &n))
            return WN_EFORMAT;
        p = json_skip_ws(p, end);
        if (p >= end || *p != ':')
            return WN_EFORMAT;
        unsigned bit = IS("text") ? 1 : IS("id") ? 2 : IS("url") ? 4
                                                     : IS("date") ? 8 : 0;
        if (bit & seen)
            return WN_EFORMAT;
        seen |= bit;
        p = json_skip_ws(p + 1, end);
        const char *v = p;
        int str = p < end && *p == '"';
        if (str && ((IS("text") && (!have_text || html)) ||
                    (IS("html") && !have_text))) {
            html = IS("html");
            have_text = 1;
            if (json_measure_string(&p, end, &d->text_bytes, &d->text_chars))
                return WN_EFORMAT;
            d->text.p = v;
            d->text.end = p;
        } else if (json_skip_value(&p, end, 128))
            return WN_EFORMAT;
        jview *slot = NULL;
        if (str && IS("id"))
            slot = &d->id;
        else if (str && IS("url"))
            slot = &d->url;
        else if (IS("language"))
            slot = &d->lang;
        else if (IS("duplicate_count"))
            slot = &d->dupc;
        else if (IS("reject_reason"))
            slot = &d->reason;
        if (slot && !slot->p) {
            slot->p = v;
            slot->end = p;
        }
        p = json_skip_ws(p, end);
        if (p < end && *p == ',') {
            p = json_skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            break;
        return WN_EFORMAT;
    }
    return json_skip_ws(p + 1, end) == end && have_text ? 0 : WN_EFORMAT;
}
