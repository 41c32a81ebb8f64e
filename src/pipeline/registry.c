/*
 * registry.c - every stage winnow knows, in pipeline order.  Adding a stage
 * is one source file and one row here.  This order is the only order: the
 * engine runs any selection of stages (run.stages, winnow filter
 * --filters, ...) in it, so one document gets one reject_reason whichever
 * command runs it.
 */
#include "stage.h"

extern const stage_ops stage_extract; /* src/extract/ */

extern const stage_ops stage_normalize, stage_site_lines, stage_clean;

extern const stage_ops stage_langid, stage_gopher_quality,
    stage_gopher_repetition, stage_c4_filter, stage_fineweb,
    stage_pii, stage_classifier, stage_url_filter,
    stage_decontaminate; /* src/filter/ */

static const stage_ops *const stages[] = {
    /* FineWeb's order: a page whose URL is blocked costs no extraction */
    &stage_url_filter,
    &stage_extract, /* HTML -> text: before every text stage */
    &stage_normalize,
    &stage_site_lines,
    &stage_clean,
    /* FineWeb's order (datatrove): repetition before quality, so a page
     * failing both gets the same reason as there */
    &stage_langid, &stage_gopher_repetition, &stage_gopher_quality,
    &stage_c4_filter, &stage_fineweb,
    /* DCLM's order: the model scores what the heuristics kept (and sees
     * the text before pii redacts it) */
    &stage_classifier, &stage_pii,
    /* last: evaluation text is cut from the text the output will hold */
    &stage_decontaminate,
    NULL, /* sentinel: keeps the array valid while no stage is registered */
};

const stage_ops *const *stage_all(size_t *n)
{
    size_t k = 0;
    while (k < sizeof stages / sizeof *stages && stages[k])
        k++;
    *n = k;
    return stages;
}

size_t stage_base_len(const char *name)
{
    return strcspn(name, "@");
}

const stage_ops *stage_find(const char *name)
{
    size_t n, k = stage_base_len(name);
    const stage_ops *const *all = stage_all(&n);
    for (size_t i = 0; i < n; i++)
        if (strlen(all[i]->name) == k && !strncmp(all[i]->name, name, k)) {
            /* an instance: of a stage that has them, named by a word */
            if (name[k] && (!all[i]->create_named || !name[k + 1] ||
                            name[k + 1 + strcspn(name + k + 1,
                                                 "@.:=, \t")]))
                return NULL;
            return all[i];
        }
    return NULL;
}
