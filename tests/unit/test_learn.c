/* Tests for kb/store/learn.c through the store, events and a real index: what
 * customers and staff teach, and which audience finds it. Every search is
 * made as the customer or the agent would make it (kb_search by role). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/changes.h"
#include "kb/store/events.h"
#include "kb/store/learn.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

static char dir[64];

struct env {
    struct kb_store *st;
    struct kb_index *ix; /* writer */
    char idx[200];
};

static int64_t put_article(struct kb_store *st, const char *src, const char *title,
                           const char *text, int audience, int status)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, "en");
    d.audience = audience;
    d.status = status;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

static void put_ticket(struct kb_store *st, const char *src, const char *subject,
                       const char *customer, int64_t article)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_TICKET;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, subject);
    kb_doc_set(&d.text, "The unit was replaced.");
    kb_doc_set(&d.customer, customer);
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)article);
    kb_doc_set(&d.linked_article, ref);
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
}

static void env_open(struct env *e, const char *name)
{
    char db[200];
    snprintf(db, sizeof db, "%s/%s.sqlite3", dir, name);
    snprintf(e->idx, sizeof e->idx, "%s/%s-index", dir, name);
    struct kb_err err;
    CHECK_INT(kb_store_open(db, &e->st, &err), 0);
    CHECK_INT(kb_index_open(e->idx, KB_INDEX_WRITE, &e->ix, &err), 0);
}

static void env_close(struct env *e)
{
    kb_index_close(e->ix);
    kb_store_close(e->st);
}

static void sync_now(struct env *e)
{
    struct kb_err err;
    CHECK_INT(kb_sync_apply(e->st, e->ix, 0, NULL, &err), 0);
}

/* Whether role finds article number with q (a fresh reader each time). */
static int finds(struct env *e, int role, const char *q, int64_t number)
{
    struct kb_index *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(e->idx, KB_INDEX_READ, &rd, &err), 0);
    if (!rd)
        return -1;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.limit = 50;
    o.spelling = 0;
    struct kb_result *r = NULL;
    int found = 0;
    if (kb_search(rd, role, &o, &r, &err) == 0) {
        for (size_t i = 0; i < r->nhits; i++)
            found |= r->hits[i].number == number;
        kb_result_free(r);
    }
    kb_index_close(rd);
    return found;
}

static int vocab(void *ud, const char *locale, const char *word)
{
    return kb_index_vocab(ud, locale, word);
}

static int solved(struct env *e, int64_t article, const char *query, const char *visitor,
                  const char *network, int role)
{
    struct kb_event ev = {"solved", 0, article, query, visitor, role, 0, 0, network};
    struct kb_err err;
    int learned = 0;
    return kb_events_add(e->st, &ev, NULL, &learned, &err);
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static const char *const ROUTER_TEXT =
    "Hold the reset button for ten seconds. XR500 routers blink amber while they restart.";

/* A word new to public content needs k distinct customers on k distinct
 * networks; staff teach only the internal copy, at once. */
static void test_gate(void)
{
    struct env e;
    env_open(&e, "gate");
    int64_t a = put_article(e.st, "router", "Reset the router", ROUTER_TEXT, KB_AUD_PUBLIC,
                            KB_STATUS_PUBLISHED);
    sync_now(&e);

    /* One, then two customers: the word stays out of the public copy. */
    CHECK_INT(solved(&e, a, "kestrelwing outage", "c1", "n1", KB_ROLE_CUSTOMER), 0);
    CHECK_INT(solved(&e, a, "kestrelwing again", "c2", "n2", KB_ROLE_CUSTOMER), 0);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "kestrelwing", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "kestrelwing", a), 1); /* staff: at once */
    /* A third visitor on a network already counted: still two networks. */
    CHECK_INT(solved(&e, a, "kestrelwing", "c3", "n2", KB_ROLE_CUSTOMER), 0);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "kestrelwing", a), 0);
    /* The same visitor again, from another network, counts once. */
    CHECK_INT(solved(&e, a, "kestrelwing", "c1", "n9", KB_ROLE_CUSTOMER), 0);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "kestrelwing", a), 0);
    /* A fourth visitor on a third network: k = 3 of each. */
    CHECK_INT(solved(&e, a, "kestrelwing", "c4", "n3", KB_ROLE_CUSTOMER), 0);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "kestrelwing", a), 1);
    /* "outage" and "again" were each said by one customer only. */
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "outage", a), 0);

    /* Words public content uses: one customer is enough. */
    CHECK_INT(solved(&e, a, "amber blink xr500", "c5", "n5", KB_ROLE_CUSTOMER), 0);
    sync_now(&e);
    char *pub = NULL;
    struct kb_err err;
    struct kb_index *rd = NULL;
    CHECK_INT(kb_index_open(e.idx, KB_INDEX_READ, &rd, &err), 0);
    CHECK_INT(kb_learn_public(e.st, a, "en", vocab, rd, &pub, &err),
              0);
    CHECK(pub && strstr(pub, "amber blink xr500")); /* a model number public content uses */
    CHECK(pub && strstr(pub, "kestrelwing"));
    CHECK(pub && !strstr(pub, "outage"));
    free(pub);
    kb_index_close(rd);

    /* Staff: agent solved events, votes and queries never reach customers. */
    CHECK_INT(solved(&e, a, "escalate to ops@example.com ticket spindrift", "agent-1", "n1",
                     KB_ROLE_AGENT),
              0);
    struct kb_feedback fb = {a, 1, NULL, 0, "vortigern codename", KB_ROLE_AGENT, 0, "agent-2",
                             0, "n2"};
    CHECK_INT(kb_feedback_add(e.st, &fb, NULL, NULL, &err), 0);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "spindrift", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "vortigern", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "spindrift", a), 1);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "vortigern", a), 1);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_phrases WHERE phrase LIKE '%spindrift%'"
                              " OR phrase LIKE '%vortigern%'"),
              0);
    env_close(&e);
}

/* Personal data never reaches the public copy, however many customers. */
static void test_personal(void)
{
    struct env e;
    env_open(&e, "personal");
    int64_t a = put_article(e.st, "router", "Reset the router", ROUTER_TEXT, KB_AUD_PUBLIC,
                            KB_STATUS_PUBLISHED);
    sync_now(&e);
    static const char *const nets[] = {"n1", "n2", "n3", "n4"};
    static const char *const who[] = {"c1", "c2", "c3", "c4"};
    for (int i = 0; i < 4; i++)
        CHECK_INT(solved(&e, a, "reset jane.doe@example.com sn4x92kl7 +44 20 7946 0958",
                         who[i], nets[i], KB_ROLE_CUSTOMER),
                  0);
    sync_now(&e);
    struct kb_err err;
    struct kb_index *rd = NULL;
    char *pub = NULL;
    CHECK_INT(kb_index_open(e.idx, KB_INDEX_READ, &rd, &err), 0);
    CHECK_INT(kb_learn_public(e.st, a, "en", vocab, rd, &pub, &err),
              0);
    CHECK(pub != NULL);
    if (pub) {
        CHECK(strstr(pub, "reset") != NULL);
        CHECK(strstr(pub, "jane") == NULL && strstr(pub, "example") == NULL);
        CHECK(strstr(pub, "sn4x92kl7") == NULL);
        CHECK(strstr(pub, "7946") == NULL);
    }
    free(pub);
    kb_index_close(rd);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "sn4x92kl7", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "jane.doe@example.com", a), 0);
    env_close(&e);
}

/* Ticket subjects are their customers' words: counted per distinct
 * customer value, for public articles; internal copies learn them at once. */
static void test_tickets(void)
{
    struct env e;
    env_open(&e, "tickets");
    int64_t a = put_article(e.st, "router", "Reset the router", ROUTER_TEXT, KB_AUD_PUBLIC,
                            KB_STATUS_PUBLISHED);
    sync_now(&e);
    put_ticket(e.st, "T-1", "Zorbulator fails after update", "Acme Corp", a);
    put_ticket(e.st, "T-2", "zorbulator fails", "Acme Corp", a); /* the same customer */
    put_ticket(e.st, "T-3", "Zorbulator broken", "Globex", a);
    put_ticket(e.st, "T-4", "Zorbulator broken", NULL, a); /* no customer: counts none */
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "zorbulator", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "zorbulator", a), 1);
    /* A subject naming its customer teaches no one the name. */
    put_ticket(e.st, "T-5", "Zorbulator at Initech Quuxworks", "Initech Quuxworks", a);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "zorbulator", a), 1); /* third customer */
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "quuxworks", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "acme", a), 0);
    env_close(&e);
}

/* Events: customers name published public articles only; one "solved" and
 * one vote per visitor per article per day; a logged query teaches only the
 * visitor whose search it was. */
static void test_events_rules(void)
{
    struct env e;
    env_open(&e, "events");
    struct kb_err err;
    int64_t a = put_article(e.st, "router", "Reset the router", ROUTER_TEXT, KB_AUD_PUBLIC,
                            KB_STATUS_PUBLISHED);
    int64_t in = put_article(e.st, "int", "Escalation runbook", "Call ops.", KB_AUD_INTERNAL,
                             KB_STATUS_PUBLISHED);
    int64_t dr = put_article(e.st, "draft", "Draft", "Soon.", KB_AUD_PUBLIC, KB_STATUS_DRAFT);
    int64_t before = count_sql(e.st, "SELECT count(*) FROM events");
    const int64_t hidden[] = {in, dr, 99999};
    for (size_t i = 0; i < 3; i++) {
        CHECK_INT(solved(&e, hidden[i], "words", "c1", "n1", KB_ROLE_CUSTOMER), KB_ENOTFOUND);
        struct kb_event click = {"click", 0, hidden[i], NULL, "c1", KB_ROLE_CUSTOMER, 0, 0, "n1"};
        CHECK_INT(kb_events_add(e.st, &click, NULL, NULL, &err), KB_ENOTFOUND);
        struct kb_feedback fb = {hidden[i], 1, NULL, 0, NULL, KB_ROLE_CUSTOMER, 0, "c1", 0, "n1"};
        CHECK_INT(kb_feedback_add(e.st, &fb, NULL, NULL, &err), KB_ENOTFOUND);
    }
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM events"), before);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM feedback"), 0);
    /* Staff may name an internal article, not a missing one. */
    CHECK_INT(solved(&e, in, "ops words", "agent", "n1", KB_ROLE_AGENT), 0);
    CHECK_INT(solved(&e, 99999, "ops words", "agent", "n1", KB_ROLE_AGENT), KB_ENOTFOUND);
    /* An agent reads no drafts: naming one answers as a missing number;
     * a writer may (the editor's own preview). */
    struct kb_event copy = {"copy", 0, dr, NULL, "agent", KB_ROLE_AGENT, 0, 0, "n1"};
    CHECK_INT(kb_events_add(e.st, &copy, NULL, NULL, &err), KB_ENOTFOUND);
    copy.role = KB_ROLE_WRITER;
    CHECK_INT(kb_events_add(e.st, &copy, NULL, NULL, &err), 0);

    /* Five identical anonymous votes count once. */
    for (int i = 0; i < 5; i++) {
        struct kb_feedback fb = {a, 1, NULL, 0, NULL, KB_ROLE_CUSTOMER, 0, "stuffer", 0, "n1"};
        CHECK_INT(kb_feedback_add(e.st, &fb, NULL, NULL, &err), 0);
    }
    struct kb_usage u;
    CHECK_INT(kb_events_usage(e.st, a, &u, &err), 0);
    CHECK_INT(u.helpful, 1);
    for (int i = 0; i < 5; i++)
        CHECK_INT(solved(&e, a, NULL, "stuffer", "n1", KB_ROLE_CUSTOMER), 0);
    CHECK_INT(kb_events_usage(e.st, a, &u, &err), 0);
    CHECK_INT(u.solved, 1);

    /* Someone else's search: recorded, linked for analytics, teaches nothing. */
    int64_t sid = 0;
    CHECK_INT(kb_events_search(e.st, "agentword serial 7731", KB_ROLE_AGENT, "search", 1, "en",
                               &sid, &err),
              0);
    struct kb_event steal = {"solved", sid, a, NULL, "thief", KB_ROLE_CUSTOMER, 0, 0, "n7"};
    int learned = -1;
    CHECK_INT(kb_events_add(e.st, &steal, NULL, &learned, &err), 0);
    CHECK_INT(learned, 0);
    char q[120];
    snprintf(q, sizeof q, "SELECT count(*) FROM events WHERE search_id = %lld", (long long)sid);
    CHECK_INT(count_sql(e.st, q), 1);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_phrases WHERE phrase LIKE '%agentword%'"),
              0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM articles WHERE asked_as LIKE '%agentword%'"),
              0);
    /* The customer's own search, bound to them: its words are evidence. */
    CHECK_INT(kb_events_search(e.st, "blinking amber light", KB_ROLE_CUSTOMER, "search", 1, "en",
                               &sid, &err),
              0);
    struct kb_event own = {"solved", sid, a, NULL, "owner", KB_ROLE_CUSTOMER, 0, 1, "n8"};
    CHECK_INT(kb_events_add(e.st, &own, NULL, &learned, &err), 0);
    CHECK_INT(learned, 1);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_phrases WHERE phrase = "
                              "'blinking amber light'"),
              1);
    env_close(&e);
}

/* A store from before version 6 holds phrases of any origin in the public
 * copy: upgraded, its public copy keeps only words public content uses. */
static void test_migration(void)
{
    char db[200], idx[200];
    snprintf(db, sizeof db, "%s/old.sqlite3", dir);
    snprintf(idx, sizeof idx, "%s/old-index", dir);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    struct kb_err err;
    kb_store_changes_configure(0, 0); /* the writes of a version before the changeset log */
    CHECK_INT(kb_store_open(db, &st, &err), 0);
    kb_store_changes_configure(1, 0);
    int64_t a = put_article(st, "router", "Reset the router", ROUTER_TEXT, KB_AUD_PUBLIC,
                            KB_STATUS_PUBLISHED);
    /* Back to schema 5: no evidence tables; the leaked phrases in asked_as
     * (where version 5 kept every audience's phrases). */
    CHECK_INT(sqlite3_exec(kb_store_db(st),
                           "DROP TABLE learn_phrases; DROP TABLE learn_words;"
                           "DROP INDEX events_by_visitor; DROP INDEX feedback_by_visitor;"
                           "ALTER TABLE feedback DROP COLUMN visitor;"
                           "DELETE FROM outbox;"
                           "ALTER TABLE articles DROP COLUMN source_is;"
                           "ALTER TABLE article_revisions DROP COLUMN source_is;"
                           "DROP TABLE search_days; DROP INDEX feedback_search; " STORE_DROP_SINCE_9
                           "CREATE INDEX searches_query ON searches (query, time);"
                           "PRAGMA user_version = 5",
                           NULL, NULL, NULL),
              SQLITE_OK);
    CHECK_INT(kb_store_add_asked_as(st, a, "ticket for customer hollowmere amber", &err), 0);
    kb_store_close(st);
    /* The index an old version built: the leak is in the public copy. */
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, &ix, &err), 0);
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = a;
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_PUBLISHED;
    kb_doc_set(&d.source_id, "router");
    kb_doc_set(&d.title, "Reset the router");
    kb_doc_set(&d.text, ROUTER_TEXT);
    kb_doc_set(&d.locale, "en");
    kb_doc_set(&d.asked_public, "ticket for customer hollowmere amber");
    CHECK_INT(kb_index_put(ix, KB_DB_PUBLIC, &d, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_index_commit(ix, 0, &err), 0);
    struct env e;
    e.ix = ix;
    snprintf(e.idx, sizeof e.idx, "%s", idx);
    CHECK_INT(kb_store_open(db, &st, &err), 0); /* migrates */
    e.st = st;
    CHECK_INT(kb_store_schema_version(st), kb_store_schema_latest());
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "hollowmere", a), 1); /* before the reindex */
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "hollowmere", a), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "hollowmere", a), 1);
    struct kb_index *rd = NULL;
    char *pub = NULL;
    CHECK_INT(kb_index_open(idx, KB_INDEX_READ, &rd, &err), 0);
    CHECK_INT(kb_learn_public(st, a, "en", vocab, rd, &pub, &err), 0);
    CHECK_STR(pub ? pub : "(none)", "for amber"); /* the words public content uses stay */
    free(pub);
    kb_index_close(rd);
    env_close(&e);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-learn-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_gate();
    test_personal();
    test_tickets();
    test_events_rules();
    test_migration();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_learn");
}
