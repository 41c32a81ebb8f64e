/*
 * test_clean_rules.c - every rule of the clean stage has a line it must
 * remove and a near-miss line of ordinary prose it must keep (the
 * precision-first promise, rule by rule); plus the structural rules, the
 * rule file format, --disable, and the presets.
 */
#include "t.h"

#include "../../src/clean/line_model.h"

/* Rule names live as long as their stage: copied here. */
typedef struct got {
    const char *rule[64];
    char name[64][48];
    size_t n;
} got;

static void grab(void *ctx, const char *line, size_t n, const char *rule)
{
    got *g = ctx;
    (void)line;
    if (n && g->n < 64) {
        g->rule[g->n] = NULL;
        if (rule) {
            snprintf(g->name[g->n], sizeof g->name[0], "%s", rule);
            g->rule[g->n] = g->name[g->n];
        }
        g->n++;
    }
}

/* Verdicts of the non-empty lines of text under stage `stage` with
 * config key=value pairs (NULL-terminated). Returns the doc verdict. */
static int verdicts(const char *stage, const char *text, got *g,
                    wn_buf *reason, const char *const *kv)
{
    wn_config *c = wn_config_new();
    for (size_t i = 0; kv && kv[i]; i += 2)
        wn_config_set(c, kv[i], kv[i + 1]);
    wn_stage *st = NULL;
    wn_error err;
    int rc = wn_stage_new(stage, c, &st, &err);
    wn_config_free(c);
    if (rc) {
        t_fail(__FILE__, __LINE__, "wn_stage_new: %s", err.msg);
        return rc;
    }
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, text);
    memset(g, 0, sizeof *g);
    rc = wn_clean_lines(st, &d, reason, grab, g);
    wn_doc_release(&d);
    wn_stage_free(st);
    return rc;
}

/* The rule that drops a one-line document, or NULL. */
static const char *rule_of(const char *line)
{
    static got g;
    verdicts("clean", line, &g, NULL, NULL);
    return g.n ? g.rule[0] : NULL;
}

static const struct {
    const char *rule, *drop, *keep;
} cases[] = {
    {"cookie_banner",
     "This website uses cookies to improve your experience. We'll assume "
     "you're ok with this, but you can opt-out if you wish. Accept Read More",
     "The bakery uses cookies from a family recipe, and the queue outside "
     "starts before dawn."},
    {"cookie_banner",
     "Necessary cookies are absolutely essential for the website to "
     "function properly.",
     "Children were told the cookies on the counter were for the guests."},
    {"cookie_banner_intl",
     "Utilizziamo i cookie per essere sicuri che tu possa avere la migliore "
     "esperienza sul nostro sito.",
     "Il cuoco prepara i biscotti con il burro e lo zucchero."},
    {"comments_closed", "Comments are closed.",
     "Comments are closed to the public until the inquiry reports."},
    {"comment_form", "Leave a Reply",
     "Leave a reply on the form and the council will answer within a week."},
    {"comment_form",
     "Your email address will not be published. Required fields are marked *",
     "Your email address will be used only to confirm the booking, the "
     "museum said."},
    {"share_prompt", "If you like this story, share it with a friend!",
     "If you like this story, you will love the book it is based on."},
    {"share_prompt", "Share on Facebook",
     "Shares in Facebook fell by four per cent on Tuesday."},
    {"subscribe_prompt", "Sign up for our daily newsletter",
     "Sign up rates for the programme were higher than expected."},
    {"newsletter_form",
     "Enter your email address below and click subscribe to get updates",
     "Subscribers were asked for an email address when the service began."},
    {"share_prompt", "Sorry, your blog cannot share posts by email.",
     "Sorry, the blog said, the posts by email will stop next week."},
    {"share_buttons", "Whatsapp Facebook Pint Baixar",
     "Facebook and Twitter both said they would appeal the ruling."},
    {"separator", "___",
     "The score was 3 - 1 after ninety minutes."},
    {"follow_us", "Follow us on Twitter and Instagram",
     "Follow the river north for two miles and you reach the old mill."},
    {"related_link",
     "Also on rt.com US can’t attack Iran without European support – former "
     "Italian FM Frattini",
     "Also on the agenda was the new school budget."},
    {"related_link", "Read more: How the budget was won",
     "Read more books, the doctor told the children."},
    {"related_link", "Related: Five things to know about the vote",
     "Related to this, the mayor promised a second consultation."},
    {"syndication", "via ZeroHedge News https://ift.tt/2wtQXBC Tyler Durden",
     "Via the new tunnel, trains reach the coast in an hour."},
    {"syndication",
     "The post Ten tips for spring appeared first on Garden Weekly.",
     "The post office appeared first on the list of buildings to close."},
    {"attribution", "Via AlmasdarNews.com",
     "Via the new bridge, the journey takes twenty minutes less than "
     "before."},
    {"image_caption", "Iranian Quds Force commander Qassem Soleimani, Getty "
                      "Images.",
     "The company declined to comment, according to Reuters."},
    {"image_caption",
     "A long row of unsold vehicles sits at a dealership in Littleton, Colo. "
     "(AP Photo/David Zalubowski)",
     "Die elektronische Patientenakte (ePA) wird seit Jahren diskutiert."},
    {"photo_credit", "Photo credit: Jane Smith",
     "Photographs of the old town were shown at the museum."},
    {"image_caption", "The harbour at dawn, Photo: AP",
     "The harbour at dawn was busy, the captain said."},
    {"byline", "By Tyler Durden",
     "By Tuesday, the council had agreed to the plan."},
    {"timestamp_alone", "Mon, 03/23/2020 – 07:54",
     "On 03/23/2020 the council met at 07:54 to vote."},
    {"timestamp_alone", "Published: November 20, 2019",
     "Published on November 20, 2019, the report found rising costs."},
    {"relative_time", "3 hours ago",
     "Three hours ago the storm reached the coast."},
    {"copyright", "© 2019 Example News. All rights reserved.",
     "Copyright law protects authors from having their work copied."},
    {"login_prompt", "Sign in",
     "Sign in the window said the shop would open at noon."},
    {"pagination", "Next page",
     "Next, the committee turned to the question of funding."},
    {"nav_crumbs", "Home > News > World",
     "Home is where the heart is, she said."},
    {"ad_label", "Advertisement",
     "Advertisement spending rose sharply over the year."},
    {"site_ui", "Skip to content",
     "Skip to the end of the report and you find the real numbers."},
    {"footer_link", "Privacy Policy",
     "The privacy policy of the company changed twice this year."},
    {"archive_count", "November (163)",
     "In November the city counted 163 new businesses."},
};

TEST(clean_rule_each_drops_its_line_and_keeps_near_miss)
{
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *r = rule_of(cases[i].drop);
        if (!r || strcmp(r, cases[i].rule))
            t_fail(__FILE__, __LINE__, "'%s': rule %s, expected %s",
                   cases[i].drop, r ? r : "(kept)", cases[i].rule);
        r = rule_of(cases[i].keep);
        if (r)
            t_fail(__FILE__, __LINE__, "near miss '%s' dropped by %s",
                   cases[i].keep, r);
    }
}

TEST(clean_rule_every_builtin_rule_is_tested)
{
    /* A new rule without a case above fails here. */
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", NULL, &st, &err), 0);
    const char *name;
    for (size_t i = 0; wn_clean_rule_at(st, i, &name, NULL); i++) {
        if (!strcmp(name, "repeated_line") || !strcmp(name, "byline_alone") ||
            !strcmp(name, "nav_run") || !strcmp(name, "line_model"))
            continue; /* structural or the model: tested below */
        int found = 0;
        for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
            found |= !strcmp(cases[k].rule, name);
        if (!found)
            t_fail(__FILE__, __LINE__, "rule %s has no test case", name);
    }
    wn_stage_free(st);
}

TEST(clean_rule_repeated_line)
{
    got g;
    verdicts("clean", "US Officials Admit It Backfired\n\nUS officials admit "
                      "it backfired\n", &g, NULL, NULL);
    CHECK_INT(g.n, 2);
    CHECK(g.rule[0] == NULL);
    CHECK_STR(g.rule[1], "repeated_line");
    /* near miss: the same words further apart are not a repeated title */
    verdicts("clean", "The vote was close.\nThe mayor spoke.\nThe vote was "
                      "close.\n", &g, NULL, NULL);
    CHECK_INT(g.n, 3);
    CHECK(!g.rule[0] && !g.rule[1] && !g.rule[2]);
}

TEST(clean_rule_byline_alone)
{
    got g;
    verdicts("clean", "Tyler Durden\nMon, 03/23/2020 – 07:54\n", &g, NULL,
             NULL);
    CHECK_INT(g.n, 2);
    CHECK_STR(g.rule[0], "byline_alone");
    CHECK_STR(g.rule[1], "timestamp_alone");
    /* near miss: a name-like heading not next to a timestamp */
    verdicts("clean", "Tyler Durden\nThe market fell sharply on Monday as "
                      "traders sold.\n", &g, NULL, NULL);
    CHECK(g.rule[0] == NULL);
}

static const char article[] =
    "The council met on Tuesday evening to discuss the new budget for the "
    "schools in the district.\n"
    "Parents asked for more teachers, and the council agreed to look again "
    "at the figures next month.\n"
    "The mayor said the decision would be taken before the summer holidays "
    "begin in July.\n";

TEST(clean_rule_nav_run)
{
    /* nav_run as a veto: with the line model on it is one of the
     * model's features instead. */
    const char *nomodel[] = {"clean.model", "0", NULL};
    /* A menu of short lines before the article goes... */
    char text[2048];
    snprintf(text, sizeof text, "Home\nWorld\nAsia\nEurope\nSport\n"
                                "Culture\n%s", article);
    got g;
    verdicts("clean", text, &g, NULL, nomodel);
    CHECK_INT(g.n, 9);
    CHECK_STR(g.rule[1], "nav_run");
    CHECK_STR(g.rule[2], "nav_run");
    CHECK(g.rule[6] == NULL && g.rule[7] == NULL && g.rule[8] == NULL);
    /* ...but the same short lines inside the article (a list) stay. */
    snprintf(text, sizeof text, "%sAsia\nEurope\nSport\nCulture\n%s",
             article, article);
    verdicts("clean", text, &g, NULL, nomodel);
    for (size_t i = 0; i < g.n; i++)
        CHECK(g.rule[i] == NULL);
    /* A lone short line far from the article stays by default, and goes
     * with clean.nav_far. */
    snprintf(text, sizeof text,
             "Sections\n"
             "Pictures of the harbour festival and all the boats\n"
             "Pictures of the harbour festival and all the boats 2\n"
             "Pictures of the harbour festival and all the boats 3\n"
             "Pictures of the harbour festival and all the boats 4\n%s",
             article);
    verdicts("clean", text, &g, NULL, nomodel);
    CHECK_INT(g.n, 8);
    CHECK(g.rule[0] == NULL);
    const char *far[] = {"clean.nav_far", "3", "clean.model", "0", NULL};
    verdicts("clean", text, &g, NULL, far);
    CHECK_STR(g.rule[0], "nav_run");
    CHECK(g.rule[1] == NULL && g.rule[5] == NULL);
    /* and a page without any prose is left alone */
    verdicts("clean", "Asia\nEurope\nSport\nCulture\n", &g, NULL,
             nomodel);
    for (size_t i = 0; i < g.n; i++)
        CHECK(g.rule[i] == NULL);
}

TEST(clean_rule_disable_and_unknown)
{
    got g;
    const char *kv[] = {"clean.disable", "comments_closed, nav_run", NULL};
    verdicts("clean", "Comments are closed.\n", &g, NULL, kv);
    CHECK(g.rule[0] == NULL);
    wn_config *c = wn_config_new();
    wn_config_set(c, "clean.disable", "no_such_rule");
    wn_stage *st = NULL;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", c, &st, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "no_such_rule") != NULL);
    wn_config_free(c);
}

TEST(clean_rule_user_rule_file)
{
    static char body[] = "# site-specific rules\n"
                         "jesus_tagline maxlen=40 ^jesus christ is king$\n"
                         "disable comments_closed\n"
                         "\n"
                         "comment_form ^never matches this$\n";
    const char *path = t_write_file("rules.txt", body, strlen(body));
    const char *kv[] = {"clean.rules", path, NULL};
    got g;
    verdicts("clean", "Jesus Christ is King\nComments are closed.\n"
                      "Leave a Reply\n", &g, NULL, kv);
    CHECK_INT(g.n, 3);
    CHECK_STR(g.rule[0], "jesus_tagline");
    CHECK(g.rule[1] == NULL); /* disabled */
    CHECK(g.rule[2] == NULL); /* built-in replaced by the user's pattern */
    /* errors name the line */
    static const char *const bad[] = {
        "bad!name ^x$\n", "r maxlen=abc ^x$\n", "r ^(unclosed$\n",
        "onlyname\n", "disable no_such_rule\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        path = t_write_file("bad.txt", bad[i], strlen(bad[i]));
        wn_config *c = wn_config_new();
        wn_config_set(c, "clean.rules", path);
        wn_stage *st = NULL;
        wn_error err;
        CHECK_INT(wn_stage_new("clean", c, &st, &err), WN_EINVAL);
        CHECK_INT(err.offset, 1);
        wn_stage_free(st);
        wn_config_free(c);
    }
}

TEST(clean_process_rebuilds_and_drops_empty)
{
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", NULL, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf reason = WN_BUF_INIT;
    wn_buf_puts(&d.text, "Share on Facebook\n\nThe council met on Tuesday "
                         "evening.\n\n\nComments are closed.\n\nIt voted "
                         "for the plan.\n");
    CHECK_INT(wn_stage_process(st, &d, &reason), 1);
    CHECK_STR(d.text.data, "The council met on Tuesday evening.\n\nIt voted "
                           "for the plan.\n");
    wn_buf_set(&d.text, "Comments are closed.\nLeave a Reply\n", 35);
    CHECK_INT(wn_stage_process(st, &d, &reason), 0);
    CHECK_STR(reason.data, "clean:empty_after_cleaning");
    const char *name;
    uint64_t n, total = 0;
    for (size_t i = 0; wn_clean_rule_at(st, i, &name, &n); i++) {
        if (!strcmp(name, "comments_closed"))
            CHECK_INT(n, 2);
        total += n;
    }
    CHECK_INT(total, 4);
    wn_buf_release(&reason);
    wn_doc_release(&d);
    wn_stage_free(st);
}

TEST(clean_preset_c4)
{
    got g;
    wn_buf reason = WN_BUF_INIT;
    const char *kv[] = {"clean.preset", "c4", NULL};
    const char *text =
        "Home\n"
        "The council met on Tuesday evening to vote.[1]\n"
        "Please enable JavaScript to view the comments below.\n"
        "Our privacy policy has changed, read it here now.\n"
        "It agreed to the plan after a long debate. Parents cheered.\n"
        "Too few words here.\n"
        "The mayor said the budget would be balanced by July.\n"
        "And then the lights went out in the hall...\n";
    CHECK_INT(verdicts("clean", text, &g, &reason, kv), 1);
    CHECK_INT(g.n, 8);
    CHECK_STR(g.rule[7], "c4_no_endmark"); /* C4's _ELLIPSIS */
    CHECK_STR(g.rule[0], "c4_no_endmark");
    CHECK(g.rule[1] == NULL);
    CHECK_STR(g.rule[2], "c4_javascript");
    CHECK_STR(g.rule[3], "c4_policy");
    CHECK(g.rule[4] == NULL);
    CHECK_STR(g.rule[5], "c4_too_few_words");
    CHECK(g.rule[6] == NULL);
    /* document rules */
    CHECK_INT(verdicts("clean", "One sentence only is here, sadly.\n", &g,
                       &reason, kv), 0);
    CHECK_STR(reason.data, "c4:sentences=1<3");
    CHECK_INT(verdicts("clean", "Lorem ipsum dolor sit amet, consectetur.\n",
                       &g, &reason, kv), 0);
    CHECK_STR(reason.data, "c4:lorem_ipsum");
    CHECK_INT(verdicts("clean", "The function is f(x) { return x; } here.\n",
                       &g, &reason, kv), 0);
    CHECK_STR(reason.data, "c4:curly_bracket");
    /* citations are removed from kept lines, lines joined by '\n' */
    wn_config *c = wn_config_new();
    wn_config_set(c, "clean.preset", "c4");
    wn_stage *st;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", c, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, "Menu\nThe council met on Tuesday to vote.[1]\n\n"
                         "It agreed to the plan after a debate.[edit]\n"
                         "The mayor said the budget would balance.\n");
    CHECK_INT(wn_stage_process(st, &d, &reason), 1);
    CHECK_STR(d.text.data, "The council met on Tuesday to vote.\nIt agreed "
                           "to the plan after a debate.\nThe mayor said the "
                           "budget would balance.");
    wn_doc_release(&d);
    wn_stage_free(st);
    wn_config_free(c);
    wn_buf_release(&reason);
}

TEST(clean_preset_refinedweb)
{
    got g;
    wn_buf reason = WN_BUF_INIT;
    const char *kv[] = {"clean.preset", "refinedweb", NULL};
    char text[4096];
    snprintf(text, sizeof text, "%s%s", article,
             "BREAKING NEWS TODAY\n12345\n3 likes\nHome\n");
    CHECK_INT(verdicts("clean", text, &g, &reason, kv), 0);
    CHECK(strncmp(reason.data, "refinedweb:flagged_words=", 25) == 0);
    CHECK_STR(g.rule[3], "refinedweb_uppercase");
    CHECK_STR(g.rule[4], "refinedweb_numeric");
    CHECK_STR(g.rule[5], "refinedweb_counter");
    CHECK_STR(g.rule[6], "refinedweb_one_word");
    /* a long article with one flagged line stays (under 5% of words) */
    char big[8192] = "";
    for (int i = 0; i < 8; i++)
        strcat(big, article);
    strcat(big, "Home\n");
    CHECK_INT(verdicts("clean", big, &g, &reason, kv), 1);
    CHECK(g.rule[0] == NULL);
    wn_buf_release(&reason);
}

TEST(clean_preset_unknown)
{
    wn_config *c = wn_config_new();
    wn_config_set(c, "clean.preset", "gopher");
    wn_stage *st = NULL;
    wn_error err;
    CHECK_INT(wn_stage_new("clean", c, &st, &err), WN_EINVAL);
    wn_config_free(c);
}

/* One stage of clean with config key=value pairs (NULL-terminated). */
static wn_stage *clean_with(const char *const *kv)
{
    wn_config *c = wn_config_new();
    for (size_t i = 0; kv && kv[i]; i += 2)
        wn_config_set(c, kv[i], kv[i + 1]);
    wn_stage *st = NULL;
    wn_error err;
    if (wn_stage_new("clean", c, &st, &err))
        t_fail(__FILE__, __LINE__, "wn_stage_new: %s", err.msg);
    wn_config_free(c);
    return st;
}

/* Does line s get the same verdict from stages a and b? */
static void same_verdict(wn_stage *a, wn_stage *b, const char *s)
{
    static got ga, gb;
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, s);
    memset(&ga, 0, sizeof ga);
    memset(&gb, 0, sizeof gb);
    wn_clean_lines(a, &d, NULL, grab, &ga);
    wn_clean_lines(b, &d, NULL, grab, &gb);
    wn_doc_release(&d);
    const char *x = ga.n ? ga.rule[0] : NULL, *y = gb.n ? gb.rule[0] : NULL;
    if ((x == NULL) != (y == NULL) || (x && strcmp(x, y)))
        t_fail(__FILE__, __LINE__, "'%s': %s vs %s", s, x ? x : "keep",
               y ? y : "keep");
}

TEST(clean_combined_and_rule_by_rule_agree)
{
    /* The combined matcher is an optimisation: on every case line, rule
     * by rule gives the same verdict.  It picks alternatives by a line's
     * first two bytes, so the lines go in as written, in capitals, with
     * the first letter alone in capitals, and cut after 1, 2 and 3
     * bytes. */
    const char *off[] = {"clean.combined", "0", NULL};
    wn_stage *a = clean_with(NULL), *b = clean_with(off);
    if (!a || !b)
        return;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *two[2] = {cases[i].drop, cases[i].keep};
        for (int k = 0; k < 2; k++) {
            char v[6][512];
            size_t n = strlen(two[k]);
            if (n >= sizeof v[0])
                n = sizeof v[0] - 1;
            for (size_t c = 0; c < n; c++) {
                char ch = two[k][c];
                v[0][c] = ch;
                v[1][c] = ch >= 'a' && ch <= 'z' ? (char)(ch - 32) : ch;
                v[2][c] = c == 0 ? v[1][c] : ch;
            }
            v[0][n] = v[1][n] = v[2][n] = 0;
            for (int cut = 1; cut <= 3; cut++)
                snprintf(v[2 + cut], sizeof v[0], "%.*s", cut, two[k]);
            for (int j = 0; j < 6; j++)
                same_verdict(a, b, v[j]);
        }
    }
    wn_stage_free(a);
    wn_stage_free(b);
}

TEST(clean_dispatch_user_rule_shapes)
{
    /* User rules of the shapes the alternative splitter must leave whole
     * or split right: a quantified group, an option setting that reaches
     * the alternatives after it, bars inside a class and a nested group,
     * an alternation outside the group, a group closing the pattern. */
    static const char rules[] =
        "q1 ^(?:ab|cd)+$\n"
        "q2 ^(?:x(?-i)Yz|wq)$\n"
        "q3 ^(?:[|)]k|(?:m|n)o|p\\)q)$\n"
        "q4 ^(?:rs)|tu$\n"
        "q5 ^(?:vv|ww)\n"
        "q6 ^(?:zz|yy){2}$\n";
    const char *lines[] = {
        "abcd", "ABAB", "cdab", "ab", "xyz", "XYz", "xYz", "wq", "WQ",
        "|k", ")k", "mo", "no", "p)q", "rs", "rs and more", "tu", "xx tu",
        "vv", "vvx", "ww", "zzyy", "zz", "yyyy", "Ab", "a", "", "z"};
    cl_rules *r[2];
    wn_error err;
    for (int k = 0; k < 2; k++) {
        CHECK_INT(cl_rules_new(1, NULL, NULL, &r[k], &err), 0);
        CHECK_INT(cl_rules_parse(r[k], rules, sizeof rules - 1, "t", &err),
                  0);
        CHECK_INT(cl_rules_finish(r[k], k == 0, &err), 0);
    }
    void *md = cl_rules_match_data(r[0]);
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
        size_t n = strlen(lines[i]);
        const char *a = cl_rules_match(r[0], lines[i], n, 1, md);
        const char *b = cl_rules_match(r[1], lines[i], n, 1, md);
        if ((a == NULL) != (b == NULL) || (a && strcmp(a, b)))
            t_fail(__FILE__, __LINE__, "'%s': %s vs %s", lines[i],
                   a ? a : "keep", b ? b : "keep");
    }
    cl_rules_match_data_free(md);
    cl_rules_free(r[0]);
    cl_rules_free(r[1]);
}

TEST(clean_line_model_fast_path_same_floats)
{
    /* The AVX2 tree walk (eight lines at a time) must give the very
     * floats of the node-by-node walk: on random feature vectors, on ones
     * made of the round values binary features take (thresholds 0.5 sit
     * between them), and on a batch whose size is no multiple of 8. */
    float x[19][LM_NFEAT], out[19];
    uint32_t seed = 12345;
    for (int round = 0; round < 200; round++) {
        for (size_t r = 0; r < 19; r++)
            for (size_t f = 0; f < LM_NFEAT; f++) {
                seed = seed * 1664525u + 1013904223u;
                x[r][f] = round % 2 ? (float)(seed >> 30) * 0.5f
                                    : (float)(seed >> 8) / 16777216.0f * 8.0f -
                                          1.0f;
            }
        lm_score_batch(&x[0][0], 19, out);
        for (size_t r = 0; r < 19; r++) {
            float a = lm_score_with(x[r], 0), b = lm_score_with(x[r], 1);
            if (memcmp(&a, &out[r], sizeof a) || memcmp(&a, &b, sizeof a))
                t_fail(__FILE__, __LINE__, "row %zu: %.9g vs %.9g / %.9g", r,
                       (double)a, (double)out[r], (double)b);
        }
    }
}

typedef struct scored {
    double score[16];
    const char *rule[16];
    size_t n, nfeat;
} scored;

static void grab_score(void *ctx, const char *line, size_t n,
                       const char *rule, double score, const float *feat,
                       size_t nfeat)
{
    scored *s = ctx;
    (void)line;
    if (n && s->n < 16) {
        s->score[s->n] = score;
        s->rule[s->n++] = rule;
        if (feat)
            s->nfeat = nfeat;
    }
}

TEST(clean_line_model)
{
    /* The model scores only what the rules kept (a rule stays a veto), its
     * score is a probability, and clean.model=0 turns its drops off. */
    const char *text =
        "The council met on Tuesday to discuss the budget for next year.\n"
        "It agreed to raise the tax by two percent, the mayor told us.\n"
        "Privacy Policy\n"
        "Previous | Next | Top\n";
    for (int on = 0; on < 2; on++) {
        wn_config *c = wn_config_new();
        wn_config_set(c, "clean.model", on ? "1" : "0");
        wn_stage *st;
        wn_error err;
        CHECK_INT(wn_stage_new("clean", c, &st, &err), 0);
        wn_config_free(c);
        wn_doc d = WN_DOC_INIT;
        wn_buf_puts(&d.text, text);
        scored s = {0};
        CHECK_INT(wn_clean_lines_scored(st, &d, NULL, grab_score, 1, &s), 1);
        CHECK(s.n == 4 && s.nfeat > 0);
        CHECK(s.rule[0] == NULL && s.score[0] >= 0);
        CHECK(s.rule[2] != NULL && s.score[2] == -1);
        for (size_t i = 0; i < s.n; i++) {
            CHECK(s.score[i] == -1 || (s.score[i] >= 0 && s.score[i] <= 1));
            if (!on)
                CHECK(!s.rule[i] || strcmp(s.rule[i], "line_model"));
        }
        wn_doc_release(&d);
        wn_stage_free(st);
    }
}
