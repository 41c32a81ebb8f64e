/*
 * stage_api.h - internal helpers behind the public wn_stage API
 * (stage_api.c): scratch lifetime, and a way for a stage's own public
 * functions (e.g. wn_clean_counts) to reach its state through a handle.
 */
#ifndef WN_STAGE_API_H
#define WN_STAGE_API_H

#include "stage.h"

/* A zeroed scratch; release frees its buffers and every tls[] slot with
 * free(): a stage that keeps per-thread state in tls[] allocates it with
 * malloc (one block) so that any owner of a scratch can release it. */
void stage_scratch_init(stage_scratch *s);
void stage_scratch_release(stage_scratch *s);

/* The state of handle st if it was created from ops, else NULL. */
void *stage_api_state(const wn_stage *st, const stage_ops *ops);
/* The handle's scratch (one thread at a time, like the handle). */
stage_scratch *stage_api_scratch(wn_stage *st);
/* The handle's stage and its shared state (the engine runs the same state
 * on several threads, each with its own scratch). */
const stage_ops *stage_api_ops(const wn_stage *st);
void *stage_api_shared(const wn_stage *st);

#endif
