/*
 * test_stage_api.c - the public wn_stage API (src/pipeline/stage_api.c):
 * lookup by name, option checking, the lifecycle on every registered stage.
 */
#include "t.h"

TEST(stage_api_unknown_stage)
{
    wn_stage *st = (wn_stage *)1;
    wn_error err;
    CHECK_INT(wn_stage_new("no_such_stage", NULL, &st, &err), WN_EINVAL);
    CHECK(st == NULL);
    CHECK(strstr(err.msg, "no_such_stage") != NULL);
    CHECK(wn_stage_summary("no_such_stage") == NULL);
    CHECK_INT(wn_stage_option_at("no_such_stage", 0, NULL, NULL, NULL), 0);
}

TEST(stage_api_every_stage_lifecycle)
{
    /* Every registered stage can be created with defaults, run on an
     * ordinary document with and without its first pass, and freed. */
    for (size_t i = 0; wn_stage_name_at(i); i++) {
        const char *name = wn_stage_name_at(i);
        CHECK(wn_stage_summary(name) != NULL);
        for (int pass = 0; pass < 2; pass++) {
            wn_stage *st = NULL;
            wn_error err;
            CHECK_INT(wn_stage_new(name, NULL, &st, &err), 0);
            if (!st)
                continue;
            CHECK_STR(wn_stage_name(st), name);
            wn_doc d = WN_DOC_INIT;
            wn_buf_puts(&d.text, "The council met on Tuesday evening to "
                                 "discuss the new budget for the schools.\n");
            wn_buf_puts(&d.url, "https://example.org/a");
            if (pass) {
                CHECK_INT(wn_stage_observe(st, &d), 0);
                CHECK_INT(wn_stage_prepare(st, &err), 0);
            }
            wn_buf reason = WN_BUF_INIT;
            int rc = wn_stage_process(st, &d, &reason);
            CHECK(rc == 0 || rc == 1);
            if (rc == 0)
                CHECK(reason.len > 0);
            wn_buf_release(&reason);
            wn_doc_release(&d);
            wn_stage_free(st);
        }
    }
}

TEST(stage_api_unknown_option_refused)
{
    const char *name = wn_stage_name_at(0);
    if (!name) {
        t_skip("no stage registered");
        return;
    }
    wn_config *c = wn_config_new();
    char key[128];
    snprintf(key, sizeof key, "%s.no_such_option", name);
    wn_config_set(c, key, "1");
    wn_stage *st = NULL;
    wn_error err;
    CHECK_INT(wn_stage_new(name, c, &st, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "no_such_option") != NULL);
    wn_config_free(c);
}
