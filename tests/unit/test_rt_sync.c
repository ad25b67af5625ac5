/* Tests for the RT sync's parts that need no RT (kb/sync/rt_sync.c,
 * rt_sync_cfg.c, kb/store/rt_state.c): article numbers found in text, the
 * settings (each bad key named), an RT ticket mapped to a kb ticket, the
 * settings and cursor kept in the store but never in a replica's copy, and a
 * run against an RT that cannot be reached: a named error, nothing stored,
 * no cursor. The runs against a real RT are tests/e2e/test_rt_sync.py. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/store/changes.h"
#include "kb/store/rt_state.h"
#include "kb/store/store.h"
#include "kb/sync/rt_sync.h"

static char dir[64];

static void test_article_ref(void)
{
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"Solved with KB-1042, see there.", "KB-1042"},
        {"kb-7 helped", "KB-7"},
        {"(Kb-123)", "KB-123"},
        {"XKB-12 is a part number", NULL},
        {"KB- nothing", NULL},
        {"KB-12a is no article", NULL},
        {"first KB-1 then KB-2", "KB-1"},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = kb_rt_sync_article_ref(cases[i].text);
        if (cases[i].want)
            CHECK_STR(got, cases[i].want);
        else
            CHECK(got == NULL);
        free(got);
    }
    CHECK(kb_rt_sync_article_ref(NULL) == NULL);
}

static void test_cfg(void)
{
    static const struct {
        const char *json, *named;
    } bad[] = {
        {"[]", "JSON object"},
        {"{}", "'url'"},
        {"{\"url\": \"ftp://rt.example.com\"}", "'url'"},
        {"{\"url\": 5}", "'url'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"tokn\": \"x\"}", "'tokn'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"queue\": \"a' OR id > '0\"}", "'queue'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"per_page\": 0}", "'per_page'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"per_page\": 101}", "'per_page'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"timeout_ms\": \"5\"}", "'timeout_ms'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"custom_fields\": \"x\"}", "'custom_fields'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"custom_fields\": {\"team\": \"x\"}}",
         "'custom_fields.team'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"resolved_statuses\": []}", "'resolved_statuses'"},
        {"{\"url\": \"http://127.0.0.1:8080\", \"token\": \"a\\nb\"}", "'token'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *j = json_loads(bad[i].json, JSON_DECODE_ANY, NULL);
        struct kb_rt_sync_cfg cfg;
        struct kb_err err = {0, ""};
        CHECK_INT(kb_rt_sync_cfg_parse(j, &cfg, &err), KB_EINVAL);
        CHECK_CONTAINS(err.msg, bad[i].named);
        kb_rt_sync_cfg_release(&cfg);
        json_decref(j);
    }
    json_t *j = json_loads("{\"url\": \"http://127.0.0.1:8080/\", \"token\": \"1-2-abc\","
                           " \"queue\": \"Support\", \"custom_fields\": {\"unit\": \"Serial\"},"
                           " \"resolved_statuses\": [\"resolved\", \"closed\"], \"per_page\": 50}",
                           0, NULL);
    struct kb_rt_sync_cfg cfg;
    struct kb_err err;
    CHECK_INT(kb_rt_sync_cfg_parse(j, &cfg, &err), 0);
    json_decref(j);
    CHECK_STR(cfg.token, "1-2-abc");
    CHECK_STR(cfg.queue, "Support");
    CHECK_STR(cfg.cf_category, "Category");
    CHECK_STR(cfg.cf_unit, "Serial");
    CHECK_INT(cfg.nstatuses, 2);
    CHECK_INT(cfg.per_page, 50);
    json_t *shown = kb_rt_sync_cfg_json(&cfg, 0);
    CHECK(json_object_get(shown, "token") == NULL);
    CHECK_STR(json_string_value(json_object_get(shown, "queue")), "Support");
    json_decref(shown);
    kb_rt_sync_cfg_release(&cfg);
}

static struct kb_rt_message msg(const char *type, const char *text, int html, int64_t txn)
{
    struct kb_rt_message m = {.ticket = 42, .txn = txn, .type = (char *)type,
                              .text = (char *)text, .html = html, .created = 1700000000 + txn};
    return m;
}

static void test_doc(void)
{
    struct kb_rt_sync_cfg cfg;
    json_t *j = json_loads("{\"url\": \"http://127.0.0.1:8080\", \"custom_fields\": "
                           "{\"category\": \"Kategorie\"}}", 0, NULL);
    CHECK_INT(kb_rt_sync_cfg_parse(j, &cfg, NULL), 0);
    json_decref(j);
    struct kb_rt_ticket t = {0};
    t.id = 42;
    t.created = 1700000000;
    t.updated = 1700000500;
    t.resolved = 1700000400;
    t.subject = "  Router   drops\tWi-Fi ";
    t.status = "resolved";
    t.queue = "Network";
    t.requestor = "ada@example.com";
    t.cf = json_pack("{s:s, s:s, s:s}", "Kategorie", "connectivity", "Product", "Router X",
                     "Unit", "SN-77");
    struct kb_rt_message m[] = {
        msg("Create", "It drops every ten minutes.\n", 0, 10),
        msg("Correspond", "Did you try a reset?", 0, 11),
        msg("Comment", "<p>Firmware 2.1 fixes it, see <b>KB-1042</b>.</p>", 1, 12),
        msg("Correspond", "", 0, 13), /* an empty reply (an attachment alone) */
    };
    struct kb_doc d;
    kb_rt_sync_doc(&cfg, &t, m, 4, &d);
    CHECK_STR(d.source_id, "rt-42");
    CHECK_INT(d.kind, KB_KIND_TICKET);
    CHECK_INT(d.audience, KB_AUD_INTERNAL);
    CHECK_STR(d.title, "Router drops Wi-Fi");
    CHECK_STR(d.description, "It drops every ten minutes.");
    CHECK_CONTAINS(d.resolution, "Firmware 2.1 fixes it");
    CHECK(strchr(d.resolution, '<') == NULL);
    CHECK_STR(d.linked_article, "KB-1042");
    CHECK_STR(d.customer, "ada@example.com");
    CHECK_STR(d.team, "Network");
    CHECK_STR(d.category, "connectivity");
    CHECK_STR(d.product, "Router X");
    CHECK_STR(d.unit, "SN-77");
    CHECK_CONTAINS(d.text, "It drops every ten minutes.\n\nFirmware");
    CHECK_INT(d.created, 1700000000);
    CHECK_INT(d.resolved, 1700000400);
    CHECK_INT(d.updated, 1700000500);
    kb_doc_release(&d);

    /* No reply: a description alone; no subject: one is made up. */
    t.subject = "";
    kb_rt_sync_doc(&cfg, &t, m, 1, &d);
    CHECK_STR(d.title, "RT ticket 42");
    CHECK(d.resolution == NULL);
    CHECK(d.linked_article == NULL);
    CHECK_STR(d.text, "It drops every ten minutes.");
    kb_doc_release(&d);
    json_decref(t.cf);
    kb_rt_sync_cfg_release(&cfg);
}

static void test_state_and_run(void)
{
    char path[128], copy[160];
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    snprintf(copy, sizeof copy, "%s/copy.sqlite3", dir);
    struct kb_store *st = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(path, &st, &err), 0);
    struct kb_rt_sync_cfg cfg;
    int found = 1;
    CHECK_INT(kb_rt_sync_cfg_load(st, &cfg, &found, &err), 0);
    CHECK_INT(found, 0);
    json_t *j = json_loads("{\"url\": \"http://127.0.0.1:1\", \"token\": \"1-2-secret\","
                           " \"timeout_ms\": 2000}", 0, NULL);
    CHECK_INT(kb_rt_sync_cfg_parse(j, &cfg, &err), 0);
    json_decref(j);
    CHECK_INT(kb_rt_sync_cfg_save(st, &cfg, &err), 0);
    kb_rt_sync_cfg_release(&cfg);
    CHECK_INT(kb_rt_sync_cfg_load(st, &cfg, &found, &err), 0);
    CHECK_INT(found, 1);
    CHECK_STR(cfg.token, "1-2-secret");

    /* Nothing listens on port 1: the error names RT, nothing moves. */
    struct kb_rt_sync_stats s;
    CHECK_INT(kb_rt_sync_run(st, &cfg, &s, &err), KB_EIO);
    CHECK_CONTAINS(err.msg, "127.0.0.1:1");
    CHECK_INT(s.seen + s.added + s.cursor, 0);
    char *cursor = NULL;
    CHECK_INT(kb_rt_state_get(st, KB_RT_STATE_CURSOR, &cursor, &err), 0);
    CHECK(cursor == NULL);
    struct kb_store_stats ss;
    CHECK_INT(kb_store_stats(st, &ss, &err), 0);
    CHECK_INT(ss.tickets, 0);
    CHECK_INT(ss.last_seq, 0);
    kb_rt_sync_cfg_release(&cfg);

    /* A replica's copy never holds the token. */
    CHECK_INT(kb_rt_state_set(st, KB_RT_STATE_CURSOR, "{\"time\":5,\"ids\":[]}", &err), 0);
    CHECK_INT(kb_store_snapshot(st, copy, &err), 0);
    CHECK_INT(kb_store_changes_scrub_copy(copy, &err), 0);
    struct kb_store *cp = NULL;
    CHECK_INT(kb_store_open(copy, &cp, &err), 0);
    char *v = (char *)"x";
    CHECK_INT(kb_rt_state_get(cp, KB_RT_STATE_SETTINGS, &v, &err), 0);
    CHECK(v == NULL);
    kb_store_close(cp);

    /* A damaged cursor is an error naming the way out, not a fresh start. */
    CHECK_INT(kb_rt_state_set(st, KB_RT_STATE_CURSOR, "{\"time\":\"x\"}", &err), 0);
    CHECK_INT(kb_rt_sync_cfg_load(st, &cfg, &found, &err), 0);
    CHECK_INT(kb_rt_sync_run(st, &cfg, &s, &err), KB_ECORRUPT);
    CHECK_CONTAINS(err.msg, "--reset");
    kb_rt_sync_cfg_release(&cfg);
    kb_store_close(st);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-rtsync-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_article_ref();
    test_cfg();
    test_doc();
    test_state_and_run();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_rt_sync");
}
