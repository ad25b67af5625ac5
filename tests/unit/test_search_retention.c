/* Tests for the search log's retention (kb/store/retention.h): the setting
 * (default 90 days), the daily pass that folds searches older than that
 * into daily aggregates and deletes them, analytics that read aggregates
 * and live rows alike (the same figures before and after pruning), events
 * and votes that named a pruned search, learning evidence kept. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/buf.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/store/events.h"
#include "kb/store/retention.h"
#include "kb/store/store.h"

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

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    } else {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(kb_store_db(st)));
    }
    return n;
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
    kb_doc_set(&d.text, "Some text about routers and printers.");
    int64_t n = 0;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, &n, &err), 0);
    kb_doc_release(&d);
    return n;
}

static int64_t search_at(struct kb_store *st, int64_t t, const char *q, int role,
                         const char *endpoint, uint64_t n)
{
    int64_t id = -1;
    struct kb_err err = {0, ""};
    int rc = kb_events_search_at(st, t, q, role, endpoint, n, "en", &id, &err);
    if (rc)
        fprintf(stderr, "search_at '%s': %s\n", q, err.msg);
    CHECK_INT(rc, 0);
    return id;
}

static void event(struct kb_store *st, const char *type, int64_t search_id, int64_t article,
                  int64_t t)
{
    struct kb_event ev = {type, search_id, article, NULL, "v1", KB_ROLE_CUSTOMER, t, 1, NULL};
    struct kb_err err = {0, ""};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
}

/* Every figure the admin analytics show for a range, as one string. */
static char *figures(struct kb_store *st, int64_t from, int64_t to, int role,
                     const char *endpoint)
{
    struct kb_range r;
    struct kb_err err = {0, ""};
    struct kb_buf b = KB_BUF_INIT;
    kb_range_init(&r, from, to);
    r.role = role;
    r.endpoint = endpoint;
    struct kb_totals t;
    CHECK_INT(kb_events_totals(st, &r, &t, &err), 0);
    kb_buf_printf(&b, "totals %lld %lld %lld %lld %lld %lld %lld %lld %lld\n",
                  (long long)t.searches, (long long)t.no_results, (long long)t.clicked,
                  (long long)t.clicks, (long long)t.views, (long long)t.solved,
                  (long long)t.submitted, (long long)t.helpful, (long long)t.unhelpful);
    struct kb_query_stat *q = NULL;
    size_t n = 0;
    for (int list = 0; list < 2; list++) {
        CHECK_INT(list ? kb_events_no_results(st, &r, 50, &q, &n, &err)
                       : kb_events_top_queries(st, &r, 50, &q, &n, &err), 0);
        for (size_t i = 0; i < n; i++)
            kb_buf_printf(&b, "%s '%s' %lld %lld %lld %lld\n", list ? "none" : "top", q[i].query,
                          (long long)q[i].searches, (long long)q[i].no_results,
                          (long long)q[i].clicked, (long long)q[i].last);
        kb_query_stats_free(q, n);
    }
    struct kb_day_stat *d = NULL;
    CHECK_INT(kb_events_per_day(st, &r, &d, &n, &err), 0);
    for (size_t i = 0; i < n; i++)
        if (d[i].searches)
            kb_buf_printf(&b, "day %lld %lld %lld\n", (long long)d[i].day,
                          (long long)d[i].searches, (long long)d[i].no_results);
    free(d);
    return kb_buf_detach(&b);
}

#define NRANGES 6
static char *all_figures(struct kb_store *st, int i)
{
    static const struct {
        int64_t from, to;
        int role;
        const char *endpoint;
    } ranges[NRANGES] = {
        {T0, T0 + 201 * DAY, -1, NULL},
        {T0, T0 + 201 * DAY, -1, "all"},
        {T0, T0 + 40 * DAY, KB_ROLE_CUSTOMER, NULL},
        {T0 + 10 * DAY, T0 + 20 * DAY, -1, "suggest"},
        {T0 + 5 * DAY, T0 + 150 * DAY, KB_ROLE_AGENT, "search"},
        {T0 - 30 * DAY, T0 + 400 * DAY, -1, "deflect"},
    };
    return figures(st, ranges[i].from, ranges[i].to, ranges[i].role, ranges[i].endpoint);
}

static void test_setting(void)
{
    struct kb_store *st = open_store("setting.sqlite3");
    struct kb_err err = {0, ""};
    CHECK_INT(kb_search_retention_days(st), KB_SEARCH_RETENTION_DEFAULT);
    CHECK_INT(KB_SEARCH_RETENTION_DEFAULT, 90);
    CHECK_INT(kb_search_retention_set_days(st, 30, &err), 0);
    CHECK_INT(kb_search_retention_days(st), 30);
    CHECK_INT(kb_search_retention_set_days(st, 0, &err), 0); /* keep for good */
    CHECK_INT(kb_search_retention_days(st), 0);
    CHECK_INT(kb_search_retention_set_days(st, -1, &err), KB_EINVAL);
    CHECK_INT(kb_search_retention_set_days(st, KB_RETENTION_DAYS_MAX + 1, &err), KB_EINVAL);
    CHECK_INT(kb_search_retention_days(st), 0);
    /* Ticket retention is a separate setting. */
    CHECK_INT(kb_retention_days(st), 0);
    kb_store_close(st);
}

static void test_prune_keeps_figures(void)
{
    struct kb_store *st = open_store("prune.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a1 = add_article(st, "a1", "Reset your router");
    int64_t a2 = add_article(st, "a2", "Clear a paper jam");
    static const char *const words[] = {"router", "wifi drops", "paper jam", "fax machine",
                                        "printer offline", "vpn"};
    static const char *const endpoints[] = {"search", "suggest", "deflect"};
    int64_t clicked_old = 0, kept_id = 0, voted_old = 0;
    int nsearch = 0;
    /* 200 days of searches, a few a day, some of them clicked, solved, voted on. */
    for (int day = 0; day < 200; day++) {
        for (int k = 0; k < 4 + day % 3; k++) {
            int64_t t = T0 + (int64_t)day * DAY + 600 * k + day;
            const char *q = words[(day + k * 7) % 6];
            int role = k % 3 == 2 ? KB_ROLE_AGENT : KB_ROLE_CUSTOMER;
            uint64_t found = strcmp(q, "fax machine") == 0 || (k == 1 && day % 5 == 0) ? 0 : 3;
            int64_t id = search_at(st, t, q, role, endpoints[(day + k) % 3], found);
            nsearch++;
            if ((day + k) % 4 == 0) {
                event(st, "click", id, k % 2 ? a1 : a2, t + 5);
                if (day < 60)
                    clicked_old = id;
            }
            if ((day + k) % 11 == 0)
                event(st, "solved", id, a1, t + 9);
            if (day == 20 && k == 0) {
                struct kb_feedback fb = {a2, 1, NULL, id, NULL, KB_ROLE_CUSTOMER, t + 20, "v2", 1,
                                         NULL};
                CHECK_INT(kb_feedback_add(st, &fb, NULL, NULL, &err), 0);
                voted_old = id;
            }
            kept_id = id;
        }
    }
    char *before[NRANGES];
    for (int i = 0; i < NRANGES; i++)
        before[i] = all_figures(st, i);
    int64_t events = count_sql(st, "SELECT count(*) FROM events");
    int64_t feedback = count_sql(st, "SELECT count(*) FROM feedback");
    int64_t phrases = count_sql(st, "SELECT count(*) FROM learn_phrases");
    int64_t evidence = count_sql(st, "SELECT count(*) FROM learn_words");
    CHECK(events > 0);

    /* Now: day 200, 10:00; 90 days kept: days 0..109 go. */
    int64_t now = T0 + 200 * DAY + 36000, pruned = -1;
    int64_t cutoff = T0 + 110 * DAY;
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM searches WHERE time < %lld",
             (long long)cutoff);
    int64_t old = count_sql(st, sql);
    CHECK(old > 0);
    CHECK_INT(kb_search_retention_apply(st, now, &pruned, &err), 0);
    CHECK_INT(pruned, old);
    CHECK_INT(count_sql(st, sql), 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches"), nsearch - old);
    CHECK(count_sql(st, "SELECT count(*) FROM search_days") > 0);
    for (int i = 0; i < NRANGES; i++) {
        char *after = all_figures(st, i);
        CHECK_STR(after, before[i]);
        free(after);
    }
    /* Events and votes stay; those that named a pruned search no longer do. */
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events"), events);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM feedback"), feedback);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM events WHERE search_id = %lld",
             (long long)clicked_old);
    CHECK_INT(count_sql(st, sql), 0);
    snprintf(sql, sizeof sql, "SELECT search_id IS NULL FROM feedback WHERE search_id = %lld "
             "OR (search_id IS NULL AND article = %lld)", (long long)voted_old, (long long)a2);
    CHECK_INT(count_sql(st, sql), 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events WHERE search_id IS NOT NULL AND "
                            "search_id NOT IN (SELECT id FROM searches)"), 0);
    /* The learning evidence is not the log: kept. */
    CHECK_INT(count_sql(st, "SELECT count(*) FROM learn_phrases"), phrases);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM learn_words"), evidence);
    /* An event naming a pruned search is recorded, unlinked. */
    event(st, "click", clicked_old, a1, now);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events"), events + 1);
    /* Ids are never given again. */
    int64_t id = search_at(st, now, "router", KB_ROLE_CUSTOMER, "search", 3);
    CHECK(id > kept_id);

    /* Again at once: nothing more. A later day folds into the same tables. */
    CHECK_INT(kb_search_retention_apply(st, now, &pruned, &err), 0);
    CHECK_INT(pruned, 0);
    char *later = all_figures(st, 0);
    CHECK_INT(kb_search_retention_apply(st, now + 30 * DAY, &pruned, &err), 0);
    CHECK(pruned > 0);
    char *later2 = all_figures(st, 0);
    CHECK_STR(later2, later);
    free(later);
    free(later2);
    for (int i = 0; i < NRANGES; i++)
        free(before[i]);
    kb_store_close(st);
}

static void test_daily(void)
{
    struct kb_store *st = open_store("daily.sqlite3");
    struct kb_err err = {0, ""};
    int64_t now = T0 + 400 * DAY, pruned = -1;
    search_at(st, T0, "old", KB_ROLE_CUSTOMER, "search", 1);
    search_at(st, now - 10 * DAY, "recent", KB_ROLE_CUSTOMER, "search", 1);
    /* Keep for good: nothing pruned, nothing written. */
    CHECK_INT(kb_search_retention_set_days(st, 0, &err), 0);
    CHECK_INT(kb_search_retention_daily(st, now, &pruned, &err), 0);
    CHECK_INT(pruned, 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches"), 2);
    /* The default: the old search goes, once a day. */
    CHECK_INT(kb_store_meta_set(st, "search_retention_days", NULL, &err), 0);
    CHECK_INT(kb_search_retention_daily(st, now, &pruned, &err), 0);
    CHECK_INT(pruned, 1);
    search_at(st, now - 100 * DAY, "late", KB_ROLE_CUSTOMER, "search", 1);
    CHECK_INT(kb_search_retention_daily(st, now + 3600, &pruned, &err), 0);
    CHECK_INT(pruned, 0); /* ran less than a day ago */
    CHECK_INT(kb_search_retention_daily(st, now + DAY, &pruned, &err), 0);
    CHECK_INT(pruned, 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches"), 1);
    CHECK_INT(count_sql(st, "SELECT sum(searches) FROM search_days"), 2);
    kb_store_close(st);
}

/* A backlog (a log kept for years, on its first pass) drains over several
 * calls of the daily pass, each short; the run is recorded once it is done. */
static void test_daily_backlog(void)
{
    struct kb_store *st = open_store("backlog.sqlite3");
    struct kb_err err = {0, ""};
    int64_t now = T0 + 400 * DAY, pruned = -1;
    CHECK_INT(sqlite3_exec(kb_store_db(st),
                           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                           "WHERE i < 25000) INSERT INTO searches (time, query, role, endpoint, "
                           "results) SELECT 1709251200 + i * 60, 'q' || (i % 97), 'customer', "
                           "'search', i % 3 FROM n", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(kb_search_retention_daily(st, now, &pruned, &err), 0);
    CHECK_INT(pruned, 20000);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM meta WHERE key = 'search_retention_run'"), 0);
    CHECK_INT(kb_search_retention_daily(st, now + 60, &pruned, &err), 0);
    CHECK_INT(pruned, 5000);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches"), 0);
    CHECK_INT(count_sql(st, "SELECT sum(searches) FROM search_days"), 25000);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM meta WHERE key = 'search_retention_run'"), 1);
    CHECK_INT(kb_search_retention_daily(st, now + 120, &pruned, &err), 0);
    CHECK_INT(pruned, 0);
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_search_retention.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_setting();
    test_prune_keeps_figures();
    test_daily();
    test_daily_backlog();
    cleanup();
    return check_report("test_search_retention");
}
