/* Tests for kb/store/analytics_use.c and kb/store/content_gaps.c: the
 * least-helpful rule, article views, agents' use (the "copy" event) and
 * content gaps grouped by their words. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/store/analytics.h"
#include "kb/store/events.h"
#include "kb/store/store.h"
#include "kb/store/views.h"

#define T0 1709251200 /* 2024-03-01 00:00:00 UTC */
#define DAY 86400

static char dir[64];

static struct kb_store *open_store(const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static int64_t add_article(struct kb_store *st, const char *id, const char *title)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_PUBLISHED;
    kb_doc_set(&d.source_id, id);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, "Some text.");
    int64_t n = 0;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, &n, &err), 0);
    kb_doc_release(&d);
    return n;
}

/* helpful of votes votes on article by distinct visitors at T0 + 100. */
static void votes(struct kb_store *st, int64_t article, int helpful, int nvotes)
{
    for (int i = 0; i < nvotes; i++) {
        char v[32];
        snprintf(v, sizeof v, "voter-%lld-%d", (long long)article, i);
        struct kb_feedback fb = {article, i < helpful, NULL, 0, NULL, KB_ROLE_CUSTOMER,
                                 T0 + 100 + i, v, 0, NULL};
        struct kb_err err = {0, ""};
        CHECK_INT(kb_feedback_add(st, &fb, NULL, NULL, &err), 0);
    }
}

static int has(const struct kb_article_stat *v, size_t n, int64_t number)
{
    for (size_t i = 0; i < n; i++)
        if (v[i].number == number)
            return 1;
    return 0;
}

static void test_least_helpful(void)
{
    struct kb_store *st = open_store("least.sqlite3");
    struct kb_err err = {0, ""};
    int64_t all = add_article(st, "all", "Always helpful");   /* 6/6 */
    int64_t few = add_article(st, "few", "Few votes");        /* 0/4 */
    int64_t one = add_article(st, "one", "One in six");       /* 1/6 */
    int64_t half = add_article(st, "half", "Half");           /* 3/6 */
    int64_t two = add_article(st, "two", "Two in twelve");    /* 2/12 */
    int64_t none = add_article(st, "none", "Never helpful");  /* 0/5 */
    votes(st, all, 6, 6);
    votes(st, few, 0, 4);
    votes(st, one, 1, 6);
    votes(st, half, 3, 6);
    votes(st, two, 2, 12);
    votes(st, none, 0, 5);
    struct kb_range r;
    kb_range_init(&r, T0, T0 + DAY);
    struct kb_article_stat *v = NULL;
    size_t n = 0;
    CHECK_INT(kb_analytics_least_helpful(st, &r, 5, 50, 10, &v, &n, &err), 0);
    CHECK(!has(v, n, all));  /* 100% helpful: never */
    CHECK(!has(v, n, few));  /* under 5 votes */
    CHECK(!has(v, n, half)); /* 50% is not below 50% */
    CHECK_INT(n, 3);
    if (n == 3) {
        /* Lowest share first; the same share (none) then by votes. */
        CHECK_INT(v[0].number, none);
        CHECK_INT(v[1].number, two); /* 2/12 = 16.7% = 1/6, more votes first */
        CHECK_INT(v[2].number, one);
        CHECK_INT(v[2].helpful, 1);
        CHECK_INT(v[2].unhelpful, 5);
        CHECK_STR(v[2].title, "One in six");
    }
    kb_article_stats_free(v, n);
    /* Both knobs move the rule. */
    CHECK_INT(kb_analytics_least_helpful(st, &r, 4, 60, 10, &v, &n, &err), 0);
    CHECK(has(v, n, few) && has(v, n, half) && !has(v, n, all));
    kb_article_stats_free(v, n);
    CHECK_INT(kb_analytics_least_helpful(st, &r, 1, 100, 10, &v, &n, &err), 0);
    CHECK(!has(v, n, all)); /* below 100% still leaves out 100% */
    kb_article_stats_free(v, n);
    CHECK_INT(kb_analytics_least_helpful(st, &r, 0, 50, 10, &v, &n, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "min_votes");
    CHECK_INT(kb_analytics_least_helpful(st, &r, 5, 101, 10, &v, &n, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "below");
    /* Votes outside the range do not count. */
    kb_range_init(&r, T0 + DAY, T0 + 2 * DAY);
    CHECK_INT(kb_analytics_least_helpful(st, &r, 1, 100, 10, &v, &n, &err), 0);
    CHECK_INT(n, 0);
    kb_article_stats_free(v, n);
    kb_store_close(st);
}

static void test_views_and_agents(void)
{
    struct kb_store *st = open_store("use.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a = add_article(st, "a", "Printer offline");
    int64_t b = add_article(st, "b", "Reset a password");
    /* Customers: a 3 visitors, b 1 (twice the same day: once). */
    CHECK_INT(kb_views_count(st, a, "c1", 0, T0 + 10, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, a, "c2", 0, T0 + 20, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, a, "c3", 0, T0 + DAY + 20, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, b, "c1", 0, T0 + DAY + 30, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, b, "c1", 0, T0 + DAY + 40, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, b, "s1", 1, T0 + DAY + 50, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, b, "s2", 1, T0 + DAY + 60, NULL, &err), 0);
    CHECK_INT(kb_views_count(st, a, "c9", 0, T0 + 5 * DAY, NULL, &err), 0); /* outside */
    struct kb_range r;
    kb_range_init(&r, T0, T0 + 2 * DAY);
    struct kb_view_stat *v = NULL;
    size_t n = 0;
    int64_t cust = 0, staff = 0;
    CHECK_INT(kb_analytics_views(st, &r, 10, &v, &n, &cust, &staff, &err), 0);
    CHECK_INT(cust, 4);
    CHECK_INT(staff, 2);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(v[0].number, a);
        CHECK_INT(v[0].customer, 3);
        CHECK_INT(v[0].staff, 0);
        CHECK_STR(v[0].title, "Printer offline");
        CHECK_INT(v[1].number, b);
        CHECK_INT(v[1].customer, 1);
        CHECK_INT(v[1].staff, 2);
    }
    kb_view_stats_free(v, n);

    /* Agents' use: an agent's copy, solved and view count; a customer's
     * copy and solved do not. */
    struct kb_event ev = {"copy", 0, a, NULL, "agent1", KB_ROLE_AGENT, T0 + 100, 0, NULL};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    ev.time = T0 + 110;
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    ev.type = "solved";
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    ev.type = "view";
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    struct kb_event cev = {"copy", 0, b, NULL, "cust1", KB_ROLE_CUSTOMER, T0 + 120, 0, NULL};
    CHECK_INT(kb_events_add(st, &cev, NULL, NULL, &err), 0);
    cev.type = "solved";
    CHECK_INT(kb_events_add(st, &cev, NULL, NULL, &err), 0);
    struct kb_agent_stat *g = NULL;
    CHECK_INT(kb_analytics_agents(st, &r, 10, &g, &n, &err), 0);
    CHECK_INT(n, 2); /* a by the agent, b by staff page views only */
    if (n == 2) {
        CHECK_INT(g[0].number, a);
        CHECK_INT(g[0].copied, 2);
        CHECK_INT(g[0].solved, 1);
        CHECK_INT(g[0].opened, 1);
        CHECK_INT(g[0].page_views, 0);
        CHECK_INT(g[1].number, b);
        CHECK_INT(g[1].copied, 0);
        CHECK_INT(g[1].solved, 0);
        CHECK_INT(g[1].page_views, 2);
    }
    kb_agent_stats_free(g, n);
    kb_store_close(st);
}

static void test_gap_words(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"printer offline", "offline printer"},
        {"Printer Offline", "offline printer"},
        {"offline printer", "offline printer"},
        {"the printer is offline?", "offline printer"},
        {"printer printer offline", "offline printer"},
        {"why not printing", "not printing"}, /* "not" is kept in English */
        {"the", "the"},                       /* only stop words: kept whole */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *k = kb_analytics_gap_words(cases[i].in, "en");
        CHECK_STR(k, cases[i].out);
        free(k);
    }
}

static void search(struct kb_store *st, int64_t t, const char *q, int role, uint64_t results,
                   const char *visitor, int64_t *id)
{
    struct kb_search_row row;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_search_row_make(t, q, role, "search", results, "en", &row, &err), 0);
    kb_search_row_who(&row, visitor, "net");
    CHECK_INT(kb_events_search_put(st, &row, id, &err), 0);
    kb_search_row_release(&row);
}

static void test_gaps(void)
{
    struct kb_store *st = open_store("gaps.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a = add_article(st, "a", "Wi-Fi drops");
    int64_t id = 0;
    search(st, T0 + 1, "Printer Offline", KB_ROLE_CUSTOMER, 0, "v1", NULL);
    search(st, T0 + 2, "printer offline", KB_ROLE_CUSTOMER, 0, "v1", NULL);
    search(st, T0 + 3, "offline printer", KB_ROLE_CUSTOMER, 0, "v2", NULL);
    search(st, T0 + 4, "the printer is offline", KB_ROLE_CUSTOMER, 3, "v3", NULL); /* no click */
    search(st, T0 + 5, "printer offline", KB_ROLE_AGENT, 0, "s1", NULL);          /* staff */
    search(st, T0 + 6, "wifi drops", KB_ROLE_CUSTOMER, 4, "v1", &id);             /* clicked */
    struct kb_event ev = {"click", id, a, NULL, "v1", KB_ROLE_CUSTOMER, T0 + 7, 0, NULL};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    search(st, T0 + 8, "=HYPERLINK(\"x\")", KB_ROLE_CUSTOMER, 0, "v4", NULL);
    struct kb_range r;
    kb_range_init(&r, T0, T0 + DAY);
    struct kb_gap *g = NULL;
    size_t n = 0;
    CHECK_INT(kb_analytics_gaps(st, &r, 10, &g, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(g[0].words, "offline printer");
        CHECK_INT(g[0].searches, 4);
        CHECK_INT(g[0].no_results, 3);
        CHECK_INT(g[0].no_click, 1);
        CHECK_INT(g[0].visitors, 3);
        CHECK_STR(g[0].example, "printer offline"); /* the most searched form */
        CHECK_INT(g[0].nqueries, 3);
        CHECK_INT(g[0].last, T0 + 4);
        CHECK_INT(g[1].searches, 1);
    }
    kb_gaps_free(g, n);
    kb_store_close(st);
}

static int count_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int n = -1;
    if (sqlite3_open(path, &db) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

/* A store from before "copy": its events, indexes and triggers survive the
 * step, and it takes copies after. */
static void test_copy_migration(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/old.sqlite3", dir);
    struct kb_store *st = open_store("old.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a = add_article(st, "a", "Printer offline");
    struct kb_event ev = {"click", 0, a, NULL, "v1", KB_ROLE_CUSTOMER, T0, 0, NULL};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    int latest = kb_store_schema_latest();
    kb_store_close(st);
    /* Take it back to before step 19: the CHECK as it was (later steps
     * run again on open). */
    sqlite3 *db = NULL;
    char sql[400];
    snprintf(sql, sizeof sql,
             "PRAGMA writable_schema = ON;"
             "UPDATE sqlite_master SET sql = replace(sql, ', ''copy''))', '))') "
             "WHERE name = 'events';"
             "PRAGMA writable_schema = OFF; PRAGMA user_version = %d;", 18);
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(count_sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events' "
                              "AND sql LIKE '%copy%'"), 0);
    int indexes = count_sql(path, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'events' "
                                  "AND type IN ('index', 'trigger')");
    CHECK(indexes >= 5);
    st = open_store("old.sqlite3"); /* migrates */
    CHECK_INT(kb_store_schema_version(st), latest);
    ev.type = "copy";
    ev.role = KB_ROLE_AGENT;
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    ev.type = "click";
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    struct kb_usage u;
    CHECK_INT(kb_events_usage(st, a, &u, &err), 0);
    CHECK_INT(u.clicks, 2); /* the usage trigger is back */
    kb_store_close(st);
    CHECK_INT(count_sql(path, "SELECT count(*) FROM events"), 3);
    CHECK_INT(count_sql(path, "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'events' "
                              "AND type IN ('index', 'trigger')"), indexes);
    CHECK_INT(count_sql(path, "SELECT count(*) FROM sqlite_master WHERE name = 'events_by_visitor'"),
              1);
    CHECK_INT(count_sql(path, "SELECT count(*) FROM pragma_integrity_check "
                              "WHERE integrity_check = 'ok'"), 1);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-analytics-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_least_helpful();
    test_views_and_agents();
    test_gap_words();
    test_gaps();
    test_copy_migration();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_analytics");
}
