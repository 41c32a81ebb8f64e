/*
 * stats.c - run counters: summing and JSON output.
 *
 * The field list lives in one X-macro so that adding a counter is one line
 * here and one in winnow.h, and the JSON output can never miss one.
 */
#include "core.h"

#define WN_STATS_FIELDS(X)                                                   \
    X(files) X(bytes_in) X(bytes_decoded) X(docs) X(text_bytes)             \
    X(warc_records) X(warc_conversion) X(warc_response_html)                \
    X(warc_response_other) X(warc_skipped) X(jsonl_lines) X(text_files)     \
    X(bad_files) X(bad_codec) X(truncated) X(bad_records) X(bad_http)       \
    X(bad_json) X(oversize) X(invalid_utf8) X(utf8_replaced) X(nul_bytes)   \
    X(io_errors) X(http_quirks) X(warc_resource_html) X(inputs_changed)

static const char *const field_names[] = {
#define NAME(f) #f,
    WN_STATS_FIELDS(NAME)
#undef NAME
};

_Static_assert(sizeof(wn_stats) ==
                   sizeof field_names / sizeof *field_names * sizeof(uint64_t),
               "WN_STATS_FIELDS must list every wn_stats field, in order");

size_t stats_nfields(void) { return sizeof field_names / sizeof *field_names; }

const char *stats_field_name(size_t i)
{
    return i < stats_nfields() ? field_names[i] : NULL;
}

uint64_t *stats_field(wn_stats *s, size_t i)
{
    /* every field is a uint64_t, in the order of WN_STATS_FIELDS */
    return i < stats_nfields() ? (uint64_t *)s + i : NULL;
}

void wn_stats_add(wn_stats *a, const wn_stats *b)
{
#define ADD(f) a->f += b->f;
    WN_STATS_FIELDS(ADD)
#undef ADD
}

uint64_t wn_stats_bad(const wn_stats *s)
{
    return s->bad_files + s->bad_codec + s->truncated + s->bad_records +
           s->bad_http + s->bad_json + s->oversize + s->invalid_utf8 +
           s->io_errors + s->inputs_changed;
}

int wn_stats_write_json(const wn_stats *s, wn_buf *out)
{
    size_t len0 = out->len;
    int rc = wn_buf_putc(out, '{');
    const char *sep = "";
#define PUT(f)                                                               \
    if (!rc) {                                                               \
        rc = wn_buf_printf(out, "%s\"" #f "\":%llu", sep,                    \
                           (unsigned long long)s->f);                        \
        sep = ",";                                                           \
    }
    WN_STATS_FIELDS(PUT)
#undef PUT
    if (!rc)
        rc = wn_buf_putc(out, '}');
    if (rc && out->data) { /* all or nothing: no half object to misuse */
        out->len = len0;
        out->data[len0] = '\0';
    }
    return rc;
}
