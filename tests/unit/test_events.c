/* Tests for kb/events: query normalisation, the search log, events and
 * feedback validation, the "asked as" learning rule, and the analytics. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/events.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
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

static int64_t add_article(struct kb_store *st, const char *id, const char *title, int audience,
                           int status)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = audience;
    d.status = status;
    kb_doc_set(&d.source_id, id);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, "Some text.");
    int64_t n = 0;
    struct kb_err err = {0, ""};
    int rc = kb_store_put(st, &d, NULL, NULL, &n, &err);
    if (rc)
        fprintf(stderr, "put %s: %s\n", id, err.msg);
    CHECK_INT(rc, 0);
    kb_doc_release(&d);
    return n;
}

static char *asked_as(struct kb_store *st, int64_t n)
{
    struct kb_doc d;
    char *s = NULL;
    if (kb_store_get(st, KB_KIND_ARTICLE, n, &d, NULL) == 0) {
        s = d.asked_as ? strdup(d.asked_as) : NULL;
        kb_doc_release(&d);
    }
    return s;
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
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

static int event(struct kb_store *st, const char *type, int64_t search_id, int64_t article,
                 const char *query, int role, int64_t t, int *learned, struct kb_err *err)
{
    struct kb_event ev = {type, search_id, article, query, "v1", role, t, 0, NULL};
    return kb_events_add(st, &ev, NULL, learned, err);
}

static void test_norm(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"  WiFi   Drops\t\n every HOUR ", "wifi drops every hour"},
        {"", ""},
        {"   ", ""},
        {"ÉCOLE Ünïcode ÀÞ", "école ünïcode àþ"},
        {"ΣΟΦΙΑ Москва ЁЖ", "σοφια москва ёж"},
        {"ŁÓDŹ ŽŮŘ Ÿ", "łódź žůř ÿ"},
        {"中文 OK", "中文 ok"},
        {"bad \xff byte", "bad \xef\xbf\xbd byte"},
        {"Straße × ÷", "straße × ÷"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = kb_events_norm_query(cases[i].in);
        CHECK_STR(s, cases[i].out);
        free(s);
    }
    char *n = kb_events_norm_query(NULL);
    CHECK_STR(n, "");
    free(n);
    /* Cut at a character boundary. */
    char longq[KB_EVENTS_QUERY_MAX + 10];
    memset(longq, 'a', sizeof longq - 1);
    longq[sizeof longq - 1] = '\0';
    memcpy(longq + KB_EVENTS_QUERY_MAX - 1, "\xc3\xa9", 2); /* é straddles the limit */
    char *c = kb_events_norm_query(longq);
    CHECK_INT(strlen(c), KB_EVENTS_QUERY_MAX - 1);
    free(c);
}

static void test_search_log(void)
{
    struct kb_store *st = open_store("log.sqlite3");
    CHECK_INT(count_sql(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                            "('searches', 'events', 'feedback')"), 3);
    int64_t id = 0;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_events_search(st, "  Reset  Router ", KB_ROLE_CUSTOMER, "search", 3, "en", &id,
                               &err), 0);
    CHECK(id > 0);
    int64_t id2 = 0;
    CHECK_INT(kb_events_search(st, "reset router", KB_ROLE_AGENT, "deflect", 0, NULL, &id2,
                               NULL), 0);
    CHECK(id2 > id);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches WHERE query = 'reset router'"), 2);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches WHERE role = 'agent' AND "
                            "endpoint = 'deflect' AND results = 0 AND locale IS NULL"), 1);
    CHECK_INT(count_sql(st, "SELECT time FROM searches WHERE id = 1") >= time(NULL) - 5, 1);
    /* Blank queries are not logged. */
    CHECK_INT(kb_events_search(st, " \t", KB_ROLE_CUSTOMER, "search", 0, NULL, &id, NULL), 0);
    CHECK_INT(id, 0);
    CHECK_INT(kb_events_search(st, "x", KB_ROLE_CUSTOMER, "search", 0, NULL, NULL, NULL), 0);
    /* Bad endpoint and role. */
    CHECK_INT(kb_events_search(st, "x", KB_ROLE_CUSTOMER, "browse", 0, NULL, &id, &err),
              KB_EINVAL);
    CHECK_CONTAINS(err.msg, "browse");
    CHECK_INT(kb_events_search(st, "x", KB_ROLE_CUSTOMER, NULL, 0, NULL, &id, &err), KB_EINVAL);
    CHECK_INT(kb_events_search(st, "x", 7, "search", 0, NULL, &id, &err), KB_EINVAL);
    /* Logging leaves the connection's durability setting alone (NORMAL,
     * its resting level: no PRAGMA per logged search). */
    CHECK_INT(count_sql(st, "PRAGMA synchronous"), 1);
    /* Inside a caller's transaction the log row is part of it. */
    CHECK_INT(kb_store_begin(st, NULL), 0);
    CHECK_INT(kb_events_search(st, "in txn", KB_ROLE_CUSTOMER, "search", 1, NULL, &id, NULL), 0);
    kb_store_rollback(st);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches WHERE query = 'in txn'"), 0);

    /* The hot path stays cheap: no fsync per logged search. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 500; i++)
        kb_events_search(st, "speed", KB_ROLE_CUSTOMER, "search", 1, "en", NULL, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
    printf("test_events: 500 logged searches in %.1f ms\n", ms);
    CHECK(ms < 5000);
    kb_store_close(st);
}

static void test_event_validation(void)
{
    struct kb_store *st = open_store("ev.sqlite3");
    struct kb_err err = {0, ""};
    CHECK_INT(add_article(st, "a", "Printer offline", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED), 1000);
    int64_t sid = search_at(st, T0, "printer offline", KB_ROLE_CUSTOMER, "search", 2);
    static const char *const types[] = {"click", "solved", "submitted", "view"};
    for (size_t i = 0; i < 4; i++)
        CHECK_INT(event(st, types[i], sid, 1000, NULL, KB_ROLE_CUSTOMER, 0, NULL, &err), 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events WHERE search_id = 1 AND article = 1000 "
                            "AND visitor = 'v1' AND role = 'customer'"), 4);
    CHECK_INT(event(st, "purchase", 0, 0, NULL, 0, 0, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "type");
    CHECK_INT(event(st, NULL, 0, 0, NULL, 0, 0, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "type");
    /* A search the log does not have (trimmed): recorded without it. */
    CHECK_INT(event(st, "click", 999, 1000, NULL, 0, 0, NULL, &err), 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events WHERE search_id IS NULL"), 1);
    /* An article the caller may not see, or none: not found. */
    CHECK_INT(event(st, "click", 0, 4242, NULL, 0, 0, NULL, &err), KB_ENOTFOUND);
    CHECK_INT(event(st, "click", -1, 1000, NULL, 0, 0, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "search_id");
    CHECK_INT(event(st, "click", 0, -5, NULL, 0, 0, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "article");
    char big[KB_EVENTS_QUERY_MAX + 2];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(event(st, "solved", 0, 1000, big, 0, 0, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "query");
    struct kb_event ev = {"view", 0, 1000, NULL, big, 0, 0, 0, NULL};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "visitor");
    /* Nothing was recorded for the bad ones. */
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events"), 5);
    /* Queries are stored in the grouping form; an id comes back. */
    int64_t eid = 0;
    struct kb_event ev2 = {"submitted", 0, 0, "  My PRINTER  ", NULL, 0, T0, 0, NULL};
    CHECK_INT(kb_events_add(st, &ev2, &eid, NULL, &err), 0);
    CHECK_INT(eid, 6);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events WHERE query = 'my printer' AND "
                            "article IS NULL AND search_id IS NULL AND visitor IS NULL"), 1);
    kb_store_close(st);
}

static void test_learning(void)
{
    struct kb_store *st = open_store("learn.sqlite3");
    struct kb_err err = {0, ""};
    int learned = -1;
    int64_t pub = add_article(st, "pub", "Restart the router", KB_AUD_PUBLIC,
                              KB_STATUS_PUBLISHED);
    int64_t internal = add_article(st, "int", "Factory reset codes", KB_AUD_INTERNAL,
                                   KB_STATUS_PUBLISHED);
    int64_t draft = add_article(st, "draft", "Draft", KB_AUD_PUBLIC, KB_STATUS_DRAFT);
    int64_t seq0 = 0, seq = 0;
    kb_store_outbox_last(st, &seq0, NULL);

    /* A solved event with its own query teaches the article's internal
     * copy (one line, lowercase) and queues it; the words are a customer's
     * evidence for the public copy (kb/store/learn.h, tests/unit/test_learn.c). */
    CHECK_INT(event(st, "solved", 0, pub, "  Internet   keeps DROPPING ", KB_ROLE_CUSTOMER, 0,
                    &learned, &err), 0);
    CHECK_INT(learned, 1);
    char *a = asked_as(st, pub);
    CHECK_STR(a, "internet keeps dropping");
    free(a);
    kb_store_outbox_last(st, &seq, NULL);
    CHECK_INT(seq, seq0 + 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM learn_phrases WHERE phrase = "
                            "'internet keeps dropping'"), 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM learn_words WHERE visitor = 'v1'"), 3);

    /* Via search_id: the logged query, only when the search is the
     * caller's own (bound); one "solved" a day per visitor, so another
     * visitor's event. */
    int64_t sid = search_at(st, T0, "Blinking Orange Light", KB_ROLE_CUSTOMER, "search", 4);
    struct kb_event unbound = {"solved", sid, pub, NULL, "v2", KB_ROLE_CUSTOMER, 0, 0, "n2"};
    CHECK_INT(kb_events_add(st, &unbound, NULL, &learned, &err), 0);
    CHECK_INT(learned, 0);
    struct kb_event bound = {"solved", sid, pub, NULL, "v3", KB_ROLE_CUSTOMER, 0, 1, "n3"};
    CHECK_INT(kb_events_add(st, &bound, NULL, &learned, &err), 0);
    CHECK_INT(learned, 1);
    a = asked_as(st, pub);
    CHECK_STR(a, "internet keeps dropping\nblinking orange light");
    free(a);
    /* The event's own query wins over its search's. */
    struct kb_event own = {"solved", sid, pub, "router reboot loop", "v4", KB_ROLE_CUSTOMER, 0,
                           1, "n4"};
    CHECK_INT(kb_events_add(st, &own, NULL, &learned, &err), 0);
    a = asked_as(st, pub);
    CHECK_CONTAINS(a, "router reboot loop");
    free(a);

    /* Helpful feedback teaches; unhelpful does not. */
    struct kb_feedback fb = {pub, 1, "thanks", 0, "no dial tone", KB_ROLE_CUSTOMER, 0, "v5", 0,
                             "n5"};
    CHECK_INT(kb_feedback_add(st, &fb, NULL, &learned, &err), 0);
    CHECK_INT(learned, 1);
    struct kb_feedback fb2 = {pub, 0, NULL, 0, "slow upload", KB_ROLE_CUSTOMER, 0, "v6", 0,
                              "n6"};
    CHECK_INT(kb_feedback_add(st, &fb2, NULL, &learned, &err), 0);
    CHECK_INT(learned, 0);
    a = asked_as(st, pub);
    CHECK_CONTAINS(a, "no dial tone");
    CHECK(strstr(a, "slow upload") == NULL);
    free(a);

    /* Not successes: recorded, nothing learned. Not allowed (a customer
     * naming a draft or an internal article, anyone naming a missing one):
     * the answer a missing article gets, nothing recorded. */
    static const struct {
        const char *type, *query;
        int64_t article;
        int role, code;
    } no[] = {
        {"click", "click words", 0, KB_ROLE_CUSTOMER, 0},
        {"view", "view words", 0, KB_ROLE_CUSTOMER, 0},
        {"submitted", "submitted words", 0, KB_ROLE_CUSTOMER, 0},
        {"solved", "x", 0, KB_ROLE_AGENT, 0},                      /* 1 byte */
        {"solved", "   ", 0, KB_ROLE_AGENT, 0},                    /* blank */
        {"solved", NULL, 0, KB_ROLE_AGENT, 0},                     /* no query at all */
        {"solved", "draft words", -1, KB_ROLE_CUSTOMER, KB_ENOTFOUND},
        {"solved", "internal words", -2, KB_ROLE_CUSTOMER, KB_ENOTFOUND},
        {"solved", "missing article", 5000, KB_ROLE_AGENT, KB_ENOTFOUND},
    };
    int64_t before = count_sql(st, "SELECT count(*) FROM events");
    size_t recorded = 0;
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        int64_t art = no[i].article == 0 ? pub : no[i].article == -1 ? draft
                    : no[i].article == -2 ? internal : no[i].article;
        learned = -1;
        CHECK_INT(event(st, no[i].type, 0, art, no[i].query, no[i].role, 0, &learned, &err),
                  no[i].code);
        if (no[i].code == 0)
            CHECK_INT(learned, 0);
        /* visitor "v1" marked pub solved already today: counted once */
        recorded += no[i].code == 0 && strcmp(no[i].type, "solved") != 0;
    }
    CHECK_INT(count_sql(st, "SELECT count(*) FROM events") - before, (int64_t)recorded);
    char big[KB_LEARN_MAX + 2];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct kb_event longq = {"solved", 0, pub, big, "v7", KB_ROLE_CUSTOMER, 0, 0, "n7"};
    CHECK_INT(kb_events_add(st, &longq, NULL, &learned, &err), 0);
    CHECK_INT(learned, 0);
    big[KB_LEARN_MAX] = '\0'; /* exactly 200 bytes is allowed */
    longq.visitor = "v8";
    CHECK_INT(kb_events_add(st, &longq, NULL, &learned, &err), 0);
    CHECK_INT(learned, 1);
    a = asked_as(st, pub);
    CHECK(strstr(a, "click words") == NULL && strstr(a, "view words") == NULL &&
          strstr(a, "submitted words") == NULL);
    free(a);
    a = asked_as(st, draft);
    CHECK(a == NULL);
    free(a);
    a = asked_as(st, internal);
    CHECK(a == NULL);
    free(a);
    /* An agent may teach an internal article (its only copy). */
    CHECK_INT(event(st, "solved", 0, internal, "reset code for model 7", KB_ROLE_AGENT, 0,
                    &learned, &err), 0);
    CHECK_INT(learned, 1);
    a = asked_as(st, internal);
    CHECK_STR(a, "reset code for model 7");
    free(a);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM learn_phrases WHERE phrase LIKE '%model 7%'"),
              0);

    /* Feedback validation. */
    struct kb_feedback bad = {5000, 1, NULL, 0, NULL, 0, 0, NULL, 0, NULL};
    CHECK_INT(kb_feedback_add(st, &bad, NULL, NULL, &err), KB_ENOTFOUND);
    bad.article = 0;
    CHECK_INT(kb_feedback_add(st, &bad, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "article");
    bad.article = pub;
    bad.helpful = 2;
    CHECK_INT(kb_feedback_add(st, &bad, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "helpful");
    bad.helpful = 1;
    bad.search_id = 4242; /* not in the log: recorded without it */
    bad.visitor = "v9";
    int64_t fid0 = 0;
    CHECK_INT(kb_feedback_add(st, &bad, &fid0, NULL, &err), 0);
    CHECK(fid0 > 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM feedback WHERE search_id = 4242"), 0);
    bad.visitor = NULL;
    bad.search_id = 0;
    char *comment = malloc(KB_FEEDBACK_COMMENT_MAX + 2);
    memset(comment, 'c', KB_FEEDBACK_COMMENT_MAX + 1);
    comment[KB_FEEDBACK_COMMENT_MAX + 1] = '\0';
    bad.comment = comment;
    CHECK_INT(kb_feedback_add(st, &bad, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "comment");
    comment[KB_FEEDBACK_COMMENT_MAX] = '\0';
    int64_t fid = 0;
    CHECK_INT(kb_feedback_add(st, &bad, &fid, NULL, &err), 0);
    CHECK(fid > 0);
    free(comment);
    /* Comments keep their lines. */
    struct kb_feedback lines = {pub, 0, "line one\nline two", 0, NULL, 0, 0, NULL, 0, NULL};
    CHECK_INT(kb_feedback_add(st, &lines, NULL, NULL, &err), 0);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM feedback WHERE comment = "
                            "'line one' || char(10) || 'line two'"), 1);
    kb_store_close(st);
}

static void test_analytics(void)
{
    struct kb_store *st = open_store("an.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a1 = add_article(st, "a1", "Reset your router", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    int64_t a2 = add_article(st, "a2", "Set up Wi-Fi", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    int64_t a3 = add_article(st, "a3", "Port forwarding", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);

    /* Day 0: "wifi" x3 (one clicked twice, one clicked), "router" x1, "fax
     * machine" x2 with no results, suggestions that do not count by default. */
    int64_t w1 = search_at(st, T0 + 10, "WiFi", KB_ROLE_CUSTOMER, "search", 5);
    int64_t w2 = search_at(st, T0 + 20, "wifi", KB_ROLE_CUSTOMER, "search", 5);
    search_at(st, T0 + 30, "wifi ", KB_ROLE_AGENT, "search", 5);
    int64_t r1 = search_at(st, T0 + 40, "router", KB_ROLE_CUSTOMER, "deflect", 2);
    search_at(st, T0 + 50, "fax machine", KB_ROLE_CUSTOMER, "search", 0);
    search_at(st, T0 + DAY + 50, "Fax  Machine", KB_ROLE_CUSTOMER, "search", 0);
    for (int i = 0; i < 5; i++)
        search_at(st, T0 + 60 + i, "wi", KB_ROLE_CUSTOMER, "suggest", 0);
    /* Day 2: one search; day 1 has only the fax one. Outside the range: */
    search_at(st, T0 + 2 * DAY + 5, "router", KB_ROLE_CUSTOMER, "search", 1);
    search_at(st, T0 - 1, "before", KB_ROLE_CUSTOMER, "search", 0);
    search_at(st, T0 + 3 * DAY, "after", KB_ROLE_CUSTOMER, "search", 0);

    CHECK_INT(event(st, "click", w1, a2, NULL, 0, T0 + 11, NULL, &err), 0);
    CHECK_INT(event(st, "click", w1, a2, NULL, 0, T0 + 12, NULL, &err), 0);
    CHECK_INT(event(st, "click", w2, a1, NULL, 0, T0 + 21, NULL, &err), 0);
    CHECK_INT(event(st, "view", w2, a1, NULL, 0, T0 + 22, NULL, &err), 0);
    CHECK_INT(event(st, "solved", r1, a1, NULL, 0, T0 + 41, NULL, &err), 0);
    CHECK_INT(event(st, "solved", 0, 0, NULL, 0, T0 + 42, NULL, &err), 0);
    CHECK_INT(event(st, "submitted", 0, 0, "fax machine", 0, T0 + 51, NULL, &err), 0);
    CHECK_INT(event(st, "solved", 0, 0, NULL, 0, T0 - 5, NULL, &err), 0); /* outside */
    /* Votes: a1 9/10 helpful, a2 1/1, a3 0/3. */
    for (int i = 0; i < 10; i++) {
        struct kb_feedback fb = {a1, i != 0, NULL, 0, NULL, 0, T0 + 100 + i, NULL, 0, NULL};
        CHECK_INT(kb_feedback_add(st, &fb, NULL, NULL, &err), 0);
    }
    struct kb_feedback f2 = {a2, 1, NULL, 0, NULL, 0, T0 + 200, NULL, 0, NULL};
    CHECK_INT(kb_feedback_add(st, &f2, NULL, NULL, &err), 0);
    for (int i = 0; i < 3; i++) {
        struct kb_feedback f3 = {a3, 0, "no", 0, NULL, 0, T0 + 300 + i, NULL, 0, NULL};
        CHECK_INT(kb_feedback_add(st, &f3, NULL, NULL, &err), 0);
    }

    struct kb_range r;
    kb_range_init(&r, T0, T0 + 3 * DAY);
    struct kb_totals t;
    CHECK_INT(kb_events_totals(st, &r, &t, &err), 0);
    CHECK_INT(t.searches, 7);
    CHECK_INT(t.no_results, 2);
    CHECK_INT(t.clicked, 2);
    CHECK_INT(t.clicks, 3);
    CHECK_INT(t.views, 1);
    CHECK_INT(t.solved, 2);
    CHECK_INT(t.submitted, 1);
    CHECK_INT(t.helpful, 10);
    CHECK_INT(t.unhelpful, 4);

    struct kb_query_stat *q = NULL;
    size_t n = 0;
    CHECK_INT(kb_events_top_queries(st, &r, 10, &q, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(q[0].query, "wifi");
        CHECK_INT(q[0].searches, 3);
        CHECK_INT(q[0].clicked, 2);
        CHECK_INT(q[0].no_results, 0);
        CHECK_STR(q[1].query, "fax machine");
        CHECK_INT(q[1].searches, 2);
        CHECK_INT(q[1].no_results, 2);
        CHECK_INT(q[1].last, T0 + DAY + 50);
        CHECK_STR(q[2].query, "router");
        CHECK_INT(q[2].searches, 2);
    }
    kb_query_stats_free(q, n);
    CHECK_INT(kb_events_top_queries(st, &r, 1, &q, &n, &err), 0);
    CHECK_INT(n, 1);
    kb_query_stats_free(q, n);

    CHECK_INT(kb_events_no_results(st, &r, 10, &q, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(q[0].query, "fax machine");
        CHECK_INT(q[0].searches, 2);
    }
    kb_query_stats_free(q, n);

    /* Filters: customers only; suggestions only; all endpoints. */
    r.role = KB_ROLE_CUSTOMER;
    CHECK_INT(kb_events_totals(st, &r, &t, &err), 0);
    CHECK_INT(t.searches, 6);
    r.role = -1;
    r.endpoint = "suggest";
    CHECK_INT(kb_events_top_queries(st, &r, 10, &q, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_STR(q[0].query, "wi");
        CHECK_INT(q[0].searches, 5);
    }
    kb_query_stats_free(q, n);
    r.endpoint = "all";
    CHECK_INT(kb_events_totals(st, &r, &t, &err), 0);
    CHECK_INT(t.searches, 12);
    r.endpoint = "browse";
    CHECK_INT(kb_events_totals(st, &r, &t, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "endpoint");
    r.endpoint = NULL;
    r.role = 9;
    CHECK_INT(kb_events_top_queries(st, &r, 10, &q, &n, &err), KB_EINVAL);
    r.role = -1;

    struct kb_article_stat *as = NULL;
    CHECK_INT(kb_events_top_clicked(st, &r, 10, &as, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_INT(as[0].number, a2);
        CHECK_INT(as[0].clicks, 2);
        CHECK_STR(as[0].title, "Set up Wi-Fi");
        CHECK_INT(as[0].helpful, 1);
        CHECK_INT(as[1].number, a1);
        CHECK_INT(as[1].clicks, 1);
    }
    kb_article_stats_free(as, n);

    CHECK_INT(kb_events_helpful(st, &r, 0, 1, 10, &as, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        /* 9/10 (smoothed 0.83) beats 1/1 (0.67). */
        CHECK_INT(as[0].number, a1);
        CHECK_STR(as[0].title, "Reset your router");
        CHECK_INT(as[0].helpful, 9);
        CHECK_INT(as[0].unhelpful, 1);
        CHECK_INT(as[1].number, a2);
        CHECK_INT(as[2].number, a3);
    }
    kb_article_stats_free(as, n);
    CHECK_INT(kb_events_helpful(st, &r, 1, 2, 10, &as, &n, &err), 0);
    CHECK_INT(n, 2); /* a2 has one vote */
    if (n == 2) {
        CHECK_INT(as[0].number, a3);
        CHECK_STR(as[0].title, "Port forwarding");
        CHECK_INT(as[0].unhelpful, 3);
        CHECK_INT(as[1].number, a1);
    }
    kb_article_stats_free(as, n);
    /* A removed article keeps its votes, without a title. */
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, a3, NULL), 0);
    CHECK_INT(kb_events_helpful(st, &r, 1, 1, 1, &as, &n, &err), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(as[0].number, a3);
        CHECK(as[0].title == NULL);
    }
    kb_article_stats_free(as, n);

    struct kb_day_stat *d = NULL;
    CHECK_INT(kb_events_per_day(st, &r, &d, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(d[0].day, T0);
        CHECK_INT(d[0].searches, 5);
        CHECK_INT(d[0].no_results, 1);
        CHECK_INT(d[1].day, T0 + DAY);
        CHECK_INT(d[1].searches, 1);
        CHECK_INT(d[2].day, T0 + 2 * DAY);
        CHECK_INT(d[2].searches, 1);
    }
    free(d);
    /* Empty days are filled in; the range may start mid-day. */
    kb_range_init(&r, T0 + 3600, T0 + 6 * DAY);
    CHECK_INT(kb_events_per_day(st, &r, &d, &n, &err), 0);
    CHECK_INT(n, 6);
    if (n == 6) {
        CHECK_INT(d[0].day, T0);
        CHECK_INT(d[0].searches, 0); /* its searches were before 01:00 */
        CHECK_INT(d[3].day, T0 + 3 * DAY);
        CHECK_INT(d[3].searches, 1);
        CHECK_INT(d[5].searches, 0);
    }
    free(d);
    /* A very long range lists only days with searches. */
    kb_range_init(&r, 0, T0 + 10 * DAY);
    CHECK_INT(kb_events_per_day(st, &r, &d, &n, &err), 0);
    CHECK_INT(n, 5);
    free(d);
    /* An empty range. */
    kb_range_init(&r, T0 + 10 * DAY, T0 + 20 * DAY);
    CHECK_INT(kb_events_totals(st, &r, &t, &err), 0);
    CHECK_INT(t.searches, 0);
    CHECK_INT(t.solved, 0);
    CHECK_INT(kb_events_top_queries(st, &r, 10, &q, &n, &err), 0);
    CHECK_INT(n, 0);
    CHECK(q == NULL);
    kb_store_close(st);
}

/* An article's votes and uses are counters kept with each insert (one row
 * to read per click, not a count of all its events), equal to the counts;
 * a store from before them (schema 4) gets them from its events. */
static void test_usage_counters(void)
{
    struct kb_store *st = open_store("usage.sqlite3");
    struct kb_err err = {0, ""};
    int64_t a = add_article(st, "usage-a", "Usage A", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    int64_t b = add_article(st, "usage-b", "Usage B", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    for (int i = 0; i < 37; i++)
        CHECK_INT(event(st, "click", 0, a, NULL, KB_ROLE_CUSTOMER, 0, NULL, &err), 0);
    for (int i = 0; i < 5; i++) { /* five visitors: one "solved" each a day */
        char v[32];
        snprintf(v, sizeof v, "solver-%d", i);
        struct kb_event ev = {"solved", 0, a, NULL, v, KB_ROLE_CUSTOMER, 0, 0, NULL};
        CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    }
    CHECK_INT(event(st, "view", 0, a, NULL, KB_ROLE_CUSTOMER, 0, NULL, &err), 0);
    CHECK_INT(event(st, "click", 0, b, NULL, KB_ROLE_CUSTOMER, 0, NULL, &err), 0);
    for (int i = 0; i < 4; i++) {
        struct kb_feedback fb = {a, i != 3, NULL, 0, NULL, KB_ROLE_CUSTOMER, 0, NULL, 0, NULL};
        CHECK_INT(kb_feedback_add(st, &fb, NULL, NULL, &err), 0);
    }
    struct kb_usage u;
    CHECK_INT(kb_events_usage(st, a, &u, &err), 0);
    CHECK_INT(u.clicks, 37);
    CHECK_INT(u.solved, 5);
    CHECK_INT(u.helpful, 3);
    CHECK_INT(u.unhelpful, 1);
    CHECK_INT(kb_events_usage(st, b, &u, &err), 0);
    CHECK_INT(u.clicks, 1);
    CHECK_INT(u.solved + u.helpful + u.unhelpful, 0);
    CHECK_INT(kb_events_usage(st, 999999, &u, &err), 0); /* never used: zeros */
    CHECK_INT(u.clicks + u.solved + u.helpful + u.unhelpful, 0);

    /* Back to schema 4, as a store written before the counters was. */
    CHECK_INT(sqlite3_exec(kb_store_db(st),
                           "DROP TRIGGER events_usage; DROP TRIGGER feedback_usage; "
                           "DROP TABLE article_usage; DROP TABLE learn_phrases; "
                           "DROP TABLE learn_words; DROP INDEX events_by_visitor; "
                           "DROP INDEX feedback_by_visitor; "
                           "ALTER TABLE feedback DROP COLUMN visitor; "
                           "ALTER TABLE articles DROP COLUMN source_is; "
                           "ALTER TABLE article_revisions DROP COLUMN source_is; "
                           "DROP TABLE search_days; DROP INDEX feedback_search; DROP TABLE replica_changes; "
                           "DROP TABLE contact_deliveries; DROP TABLE contact_requests; DROP TABLE contact_destinations; "
                           "DROP TABLE rt_sync; DROP TABLE site_settings; DROP TABLE site_files; "
                           "DROP TABLE article_views; DROP TABLE views_seen; DROP TABLE article_pins; "
                           "ALTER TABLE searches DROP COLUMN visitor; ALTER TABLE searches DROP COLUMN network; "
                           "CREATE INDEX searches_query ON searches (query, time); "
                           "PRAGMA user_version = 4",
                           NULL, NULL, NULL), SQLITE_OK);
    kb_store_close(st);
    st = open_store("usage.sqlite3");
    CHECK_INT(count_sql(st, "PRAGMA user_version"), kb_store_schema_latest());
    CHECK_INT(kb_events_usage(st, a, &u, &err), 0);
    CHECK_INT(u.clicks, 37);
    CHECK_INT(u.solved, 5);
    CHECK_INT(u.helpful, 3);
    CHECK_INT(u.unhelpful, 1);
    CHECK_INT(event(st, "click", 0, a, NULL, KB_ROLE_CUSTOMER, 0, NULL, &err), 0);
    CHECK_INT(kb_events_usage(st, a, &u, &err), 0);
    CHECK_INT(u.clicks, 38);
    kb_store_close(st);
}

/* A replica's search log (kb/store/replica_log.c) and the store snapshot
 * it starts from: a copy numbers its searches above its base, and the rows
 * above an id come back in order, in batches. */
static void test_replica_log(void)
{
    struct kb_store *st = open_store("primary.sqlite3");
    struct kb_err err = {0, ""};
    CHECK_INT(kb_events_search(st, "on the primary", KB_ROLE_CUSTOMER, "search", 1, NULL, NULL,
                               NULL), 0);
    char copy[160];
    snprintf(copy, sizeof copy, "%s/copy.sqlite3", dir);
    CHECK_INT(kb_store_snapshot(st, copy, &err), 0);
    /* A file that exists already is refused, and nothing is lost. */
    CHECK(kb_store_snapshot(st, copy, &err) != 0);
    CHECK_CONTAINS(err.msg, "copy.sqlite3");
    kb_store_close(st);

    st = open_store("copy.sqlite3");
    CHECK_INT(count_sql(st, "SELECT count(*) FROM searches WHERE query = 'on the primary'"), 1);
    struct kb_search_row *rows = NULL;
    size_t n = 9;
    const int64_t base = (int64_t)1 << 33;
    CHECK_INT(kb_events_search_rows_after(st, base, 10, &rows, &n, &err), 0);
    CHECK(rows == NULL);
    CHECK_INT(n, 0);
    CHECK_INT(kb_events_search_base(st, base, &err), 0);
    int64_t id = 0;
    CHECK_INT(kb_events_search_at(st, T0, "Reset Router", KB_ROLE_AGENT, "deflect", 4, "fr", &id,
                                  NULL), 0);
    CHECK_INT(id, base + 1);
    for (int i = 0; i < 4; i++)
        CHECK_INT(kb_events_search_at(st, T0 + i, "more", KB_ROLE_CUSTOMER, "suggest", 0, NULL,
                                      NULL, NULL), 0);
    CHECK_INT(kb_events_search_rows_after(st, base, 3, &rows, &n, &err), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_INT(rows[0].id, base + 1);
        CHECK_INT(rows[0].time, T0);
        CHECK_STR(rows[0].query, "reset router");
        CHECK_INT(rows[0].role, KB_ROLE_AGENT);
        CHECK_STR(rows[0].endpoint, "deflect");
        CHECK_INT(rows[0].results, 4);
        CHECK_STR(rows[0].locale, "fr");
        CHECK_INT(rows[2].id, base + 3);
        CHECK_STR(rows[2].endpoint, "suggest");
        CHECK(rows[2].locale == NULL);
    }
    kb_search_rows_free(rows, n);
    CHECK_INT(kb_events_search_rows_after(st, base + 3, 500, &rows, &n, &err), 0);
    CHECK_INT(n, 2);
    kb_search_rows_free(rows, n);
    /* The base moves down as well as up; the primary's own rows stay below. */
    CHECK_INT(kb_events_search_base(st, (int64_t)1 << 32, &err), 0);
    CHECK_INT(count_sql(st, "SELECT seq FROM sqlite_sequence WHERE name = 'searches'") ==
                  ((int64_t)1 << 32),
              1);
    kb_store_close(st);

    /* A store whose log never had a row has no counter yet: one is made. */
    st = open_store("empty.sqlite3");
    CHECK_INT(kb_events_search_base(st, base, &err), 0);
    CHECK_INT(kb_events_search_at(st, T0, "first", KB_ROLE_CUSTOMER, "search", 1, NULL, &id,
                                  NULL), 0);
    CHECK_INT(id, base + 1);
    kb_store_close(st);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-events-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_norm();
    test_search_log();
    test_event_validation();
    test_learning();
    test_analytics();
    test_usage_counters();
    test_replica_log();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_events");
}
