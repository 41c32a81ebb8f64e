/*
 * engine_books.c - what an engine counted (see engine.c): its books,
 * progress and examples, for the run and the public API.
 */
#include "engine_impl.h"
#include "stage_api.h"

void wn_engine_totals(const wn_engine *e, uint64_t *read, uint64_t *kept,
                      uint64_t *rejected)
{
    if (read)
        *read = e->books.docs_read;
    if (kept)
        *kept = e->books.docs_kept;
    if (rejected)
        *rejected = e->books.docs_read - e->books.docs_kept;
}

const wn_stats *wn_engine_input_stats(const wn_engine *e)
{
    return &e->books.input;
}

int wn_engine_stage_stats(const wn_engine *e, size_t i, const char **name,
                          uint64_t *in, uint64_t *rejected, double *cpu_s,
                          uint64_t *bytes)
{
    const tally *t = &e->books;
    if (i >= t->nstages)
        return 0;
    if (name)
        *name = t->stage_name[i];
    if (in)
        *in = t->stage_in[i];
    if (rejected)
        *rejected = t->stage_rejected[i];
    if (cpu_s)
        *cpu_s = t->stage_cpu[i];
    if (bytes)
        *bytes = t->stage_bytes[i];
    return 1;
}

int wn_engine_stats_json(wn_engine *e, wn_buf *out)
{
    return tally_json(&e->books, NULL, 0, 0, 0, out);
}

tally *engine_books(wn_engine *e) { return &e->books; }

const run_options *engine_options(const wn_engine *e) { return &e->opts; }

int engine_jobs(const wn_engine *e) { return e->jobs; }

void engine_book_final(wn_engine *e, int on) { e->final = on; }

void engine_progress(const wn_engine *e, uint64_t *bytes, uint64_t *read,
                     uint64_t *kept)
{
    *bytes = e->bytes_done;
    *read = e->docs_read;
    *kept = e->docs_kept;
}

void engine_reset_progress(wn_engine *e)
{
    e->bytes_base = 0;
    e->bytes_done = 0;
}

void engine_clear_problems(wn_engine *e) { wn_buf_reset(&e->problems); }

int engine_first_passes(const wn_engine *e)
{
    int n = 0;
    for (size_t k = 0; k < e->nstages; k++)
        n += wn_stage_has_first_pass(e->st[k]);
    return n;
}

int engine_passes_done(const wn_engine *e) { return e->passes; }

int engine_take_books(wn_engine *e, tally *dst)
{
    int rc0 = linebook_count(&e->lb, e->st, e->names, e->nstages,
                             &e->books);
    if (rc0)
        return rc0;
    tally fresh;
    tally_init(&fresh);
    int rc = tally_set_stages(&fresh, (const char *const *)e->books.stage_name,
                              e->books.nstages);
    if (rc) {
        tally_release(&fresh);
        return rc;
    }
    *dst = e->books;
    e->books = fresh;
    return 0;
}

void engine_line_examples(wn_engine *e, size_t per_rule)
{
    linebook_examples(&e->lb, e->st, e->upto, per_rule);
}

int engine_take_line_examples(wn_engine *e, wn_buf *out)
{
    return linebook_take(&e->lb, out);
}
