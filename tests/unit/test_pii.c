/*
 * test_pii.c - the "pii" stage: what must be redacted, and the look-alikes
 * (version numbers, dates, prices, coordinates, times, ISBN-like codes)
 * that must stay.  The negative list is tests/fixtures/filter/pii_keep.txt,
 * one case per line, so it can grow without touching code.
 */
#include "t.h"

/* Redacts text with the pii stage (all kinds); returns the new text in
 * out and the number of redactions in *n (from metadata). */
static void redact(const char *text, wn_buf *out, int *n)
{
    wn_stage *st;
    wn_error err;
    *n = -1;
    if (wn_stage_new("pii", NULL, &st, &err)) {
        t_fail(__FILE__, __LINE__, "pii: %s", err.msg);
        return;
    }
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, text);
    CHECK_INT(wn_stage_process(st, &d, NULL), 1);
    wn_buf_set(out, d.text.data, d.text.len);
    *n = 0;
    static const char *const keys[] = {"pii_email", "pii_ip", "pii_phone"};
    for (int k = 0; k < 3; k++) {
        const char *v;
        size_t vn;
        if (wn_doc_meta_get(&d, keys[k], &v, &vn))
            *n += atoi(v);
    }
    wn_doc_release(&d);
    wn_stage_free(st);
}

TEST(pii_redacts_each_kind)
{
    static const struct {
        const char *in, *out;
    } c[] = {
        {"Mail john.doe+news@example.co.uk today.",
         "Mail <EMAIL> today."},
        {"mailto:a_b%c@mail-server.example.org", "mailto:<EMAIL>"},
        {"server 192.168.0.1, port 80", "server <IP>, port 80"},
        {"http://10.0.0.255/admin", "http://<IP>/admin"},
        {"v6 2001:db8:85a3::8a2e:370:7334.", "v6 <IP>."},
        {"full fe80:0:0:0:202:b3ff:fe1e:8329 here", "full <IP> here"},
        {"loopback ::1 and ::ffff:192.0.2.128", "loopback <IP> and <IP>"},
        {"Call +44 20 7946 0958 now", "Call <PHONE> now"},
        {"Call (555) 123-4567 or 555.123.4567", "Call <PHONE> or <PHONE>"},
        {"US 1-800-555-0199.", "US <PHONE>."},
        {"Tel: 030 12345678", "Tel: <PHONE>"},
        {"Appelez le 01 23 45 67 89", "Appelez le <PHONE>"},
        {"E.164 +14155552671", "E.164 <PHONE>"},
        {"call 555-123-4567 2 times", "call <PHONE> 2 times"},
    };
    wn_buf out = WN_BUF_INIT;
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        int n;
        redact(c[i].in, &out, &n);
        CHECK_STR(out.data, c[i].out);
        CHECK(n >= 1);
    }
    wn_buf_release(&out);
}

TEST(pii_keeps_look_alikes)
{
    const char *path = t_fixture("filter/pii_keep.txt");
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1024];
    int cases = 0;
    wn_buf out = WN_BUF_INIT;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!*line || line[0] == '#')
            continue;
        int n;
        redact(line, &out, &n);
        if (n != 0 || strcmp(out.data, line))
            t_fail(__FILE__, __LINE__, "false positive: '%s' -> '%s'", line,
                   out.data);
        cases++;
    }
    fclose(f);
    CHECK(cases >= 40);
    wn_buf_release(&out);
}

TEST(pii_options)
{
    wn_config *cfg = wn_config_new();
    wn_stage *st;
    wn_error err;
    wn_config_set(cfg, "pii.redact", "email,ssn");
    CHECK_INT(wn_stage_new("pii", cfg, &st, &err), WN_EINVAL);
    CHECK(strstr(err.msg, "ssn") != NULL);
    wn_config_set(cfg, "pii.redact", "ip");
    wn_config_set(cfg, "pii.ip_placeholder", "0.0.0.0");
    CHECK_INT(wn_stage_new("pii", cfg, &st, &err), 0);
    wn_doc d = WN_DOC_INIT;
    wn_buf_puts(&d.text, "a@b.com at 8.8.8.8");
    CHECK_INT(wn_stage_process(st, &d, NULL), 1);
    CHECK_STR(d.text.data, "a@b.com at 0.0.0.0");
    const char *v;
    size_t vn;
    CHECK(wn_doc_meta_get(&d, "pii_ip", &v, &vn) && vn == 1 && *v == '1');
    CHECK(!wn_doc_meta_get(&d, "pii_email", &v, &vn));
    wn_doc_release(&d);
    wn_stage_free(st);
    wn_config_free(cfg);
}
