/*
 * stats.c - wn_substr_stats as JSON: the stats.json schema (through the
 * one writer, tally_json) with a "substr" section of what was struck and
 * a "substr_work" one of how (which depends on the budget and resuming).
 */
#include "substr.h"
#include "../pipeline/tally.h"

#include <stdlib.h>
#include <string.h>

int wn_substr_stats_json(const wn_substr_stats *caller, wn_buf *out)
{
    wn_substr_stats st;
    memset(&st, 0, sizeof st);
    memcpy(&st, caller, caller->size && caller->size < sizeof st
                            ? caller->size : sizeof st);
    tally t;
    tally_init(&t);
    int rc = 0;
    t.docs_read = t.docs_kept = st.docs;
    t.final_kept = st.kept;
    t.final_bytes = st.bytes_out;
    t.kept_bytes = st.text_bytes;
    t.input.docs = st.docs;
    t.input.text_bytes = st.text_bytes;
    t.problems = st.bad_input;
    /* one stage row, so that the report's funnel draws what was cut */
    if (!(t.stage_name[0] = strdup("substr")))
        rc = WN_ENOMEM;
    t.nstages = 1;
    t.stage_in[0] = st.docs;
    t.stage_rejected[0] = st.rejected;
    t.stage_bytes[0] = st.text_bytes;
    t.stage_bytes_out[0] = st.bytes_out;
    t.stage_bytes_rej[0] = st.bytes_rejected;
    if (!rc && st.rejected)
        rc = tally_kv_add(&t.reasons, &t.nreasons, "substr", 6, st.rejected);
    size_t at = out->len;
    if (!rc)
        rc = tally_json(&t, NULL, 0, 0, 0, out);
    if (!rc)
        tally_json_reopen(out, at);
    if (!rc)
        rc = wn_buf_printf(
            out,
            ",\n\"substr\":{\"enabled\":true,\"docs_struck\":%llu,"
            "\"bytes_struck\":%llu,\"spans\":%llu,\"rejected\":%llu,"
            "\"bytes_in\":%llu,\"bytes_out\":%llu}"
            ",\n\"substr_work\":{\"chunks\":%llu,\"ngrams\":%llu,"
            "\"cross_checked\":%llu,\"spilled_runs\":%llu,"
            "\"skipped_units\":%llu}\n}\n",
            (unsigned long long)st.docs_struck,
            (unsigned long long)st.bytes_struck,
            (unsigned long long)st.spans, (unsigned long long)st.rejected,
            (unsigned long long)st.text_bytes,
            (unsigned long long)st.bytes_out, (unsigned long long)st.chunks,
            (unsigned long long)st.ngrams,
            (unsigned long long)st.cross_checked,
            (unsigned long long)st.spilled_runs,
            (unsigned long long)st.skipped_units);
    tally_release(&t);
    return rc ? WN_ENOMEM : 0;
}
