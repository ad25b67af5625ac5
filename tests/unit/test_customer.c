/* Tests for kb/store/customer.c and kb/store/retention.c through the store
 * and a real index: a customer's data exported as one document, erased from
 * the store and the index, the learning counts recomputed (a word whose
 * support falls under k stops finding anything for customers), and the
 * retention of tickets and of contact requests. Contact requests (schema
 * 10) are part of a customer's export and erasure, by e-mail, with their
 * delivery rows. */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/store/contact.h"
#include "kb/store/customer.h"
#include "kb/store/retention.h"
#include "kb/store/learn.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

static char dir[64];

struct env {
    struct kb_store *st;
    struct kb_index *ix;
    char idx[200];
};

static const char *const ROUTER_TEXT =
    "Hold the reset button for ten seconds until the lights blink. The router restarts "
    "with its factory settings.";

static int64_t put_article(struct kb_store *st, const char *src, const char *title)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, ROUTER_TEXT);
    kb_doc_set(&d.locale, "en");
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_PUBLISHED;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

static void put_ticket(struct kb_store *st, const char *src, const char *subject,
                       const char *text, const char *customer, int64_t article, int64_t resolved)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_TICKET;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, subject);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.customer, customer);
    d.resolved = resolved;
    d.created = resolved;
    if (article) {
        char ref[32];
        snprintf(ref, sizeof ref, "KB-%lld", (long long)article);
        kb_doc_set(&d.linked_article, ref);
    }
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

/* How many hits role gets for q, and whether number is among them. */
static int finds(struct env *e, int role, const char *q, int64_t number, size_t *nhits)
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
    if (nhits)
        *nhits = 0;
    if (kb_search(rd, role, &o, &r, &err) == 0) {
        for (size_t i = 0; i < r->nhits; i++)
            found |= number == 0 || r->hits[i].number == number;
        if (nhits)
            *nhits = r->nhits;
        kb_result_free(r);
    }
    kb_index_close(rd);
    return found;
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

static void test_export_and_erase(void)
{
    struct env e;
    env_open(&e, "erase");
    int64_t now = (int64_t)time(NULL);
    int64_t a = put_article(e.st, "router", "Reset the router");
    sync_now(&e);
    /* Three customers say "zorbulator": k = 3 is reached. */
    put_ticket(e.st, "T-1", "Zorbulator fails after update", "Flurbix modem melted.",
               "acme@example.com", a, now);
    put_ticket(e.st, "T-2", "Zorbulator broken", "Replaced.", "globex", a, now);
    put_ticket(e.st, "T-3", "zorbulator broken", "Replaced.", "Initech", a, now);
    put_ticket(e.st, "T-4", "Invoice question", "Quibblesnatch refund sent.", "ACME@example.com",
               0, now);
    /* Filed under a name, the address in the text: theirs too. */
    put_ticket(e.st, "T-5", "Snarfwidget loose", "Write to acme@example.com about the "
               "snarfwidget.", "Acme Person", 0, now);
    sync_now(&e);
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "zorbulator", a, NULL), 1);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "flurbix", 0, NULL), 1);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "quibblesnatch", 0, NULL), 1);

    struct kb_err err;
    json_t *x = NULL;
    CHECK_INT(kb_customer_export(e.st, "Acme@Example.com", &x, &err), 0);
    CHECK(x != NULL);
    if (x) {
        json_t *tickets = json_object_get(x, "tickets");
        CHECK_INT(json_array_size(tickets), 3);
        char *text = json_dumps(x, 0);
        CHECK_CONTAINS(text, "Flurbix modem melted.");
        CHECK_CONTAINS(text, "Quibblesnatch refund sent.");
        CHECK_CONTAINS(text, "zorbulator"); /* the learning evidence */
        CHECK(strstr(text, "globex") == NULL && strstr(text, "Initech") == NULL);
        free(text);
        json_decref(x);
    }

    struct kb_customer_erased out;
    CHECK_INT(kb_customer_erase(e.st, "acme@EXAMPLE.com", &out, &err), 0);
    CHECK_INT(out.tickets, 3);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM tickets WHERE source_id = 'T-5'"), 0);
    CHECK(out.evidence > 0);
    sync_now(&e);
    /* Gone from the store... */
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM tickets WHERE lower(customer) = "
                              "'acme@example.com'"), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_words WHERE visitor = "
                              "'ticket-customer:acme@example.com'"), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_phrases WHERE phrase LIKE "
                              "'%after update%'"), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM articles WHERE asked_as LIKE "
                              "'%after update%'"), 0);
    /* ... the others' evidence stays ... */
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_words WHERE visitor = "
                              "'ticket-customer:globex'"), 2);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM articles WHERE asked_as LIKE "
                              "'%Zorbulator broken%'"), 1);
    /* ... gone from the index: their tickets, and the word only they took
     * over k stops finding anything for customers (staff still learn it
     * from the other tickets). */
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "flurbix", 0, NULL), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "quibblesnatch", 0, NULL), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "snarfwidget", 0, NULL), 0);
    size_t n = 99;
    CHECK_INT(finds(&e, KB_ROLE_CUSTOMER, "zorbulator", 0, &n), 0);
    CHECK_INT(n, 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "zorbulator", a, NULL), 1);
    /* Exported again: nothing. */
    CHECK_INT(kb_customer_export(e.st, "acme@example.com", &x, &err), 0);
    CHECK_INT(json_array_size(json_object_get(x, "tickets")), 0);
    json_decref(x);
    /* A bare name never matches by text. */
    put_ticket(e.st, "T-6", "Globex mentioned", "globex said hello", "someone-else", 0, now);
    CHECK_INT(kb_customer_erase(e.st, "globex", &out, &err), 0);
    CHECK_INT(out.tickets, 1); /* T-2 only, not T-6 */
    /* Unknown customer: nothing erased, no error. */
    CHECK_INT(kb_customer_erase(e.st, "nobody@example.com", &out, &err), 0);
    CHECK_INT(out.tickets, 0);
    CHECK_INT(kb_customer_erase(e.st, "", &out, &err), KB_EINVAL);
    env_close(&e);
}

static void test_retention(void)
{
    struct env e;
    env_open(&e, "retention");
    int64_t now = (int64_t)time(NULL), day = 86400;
    int64_t a = put_article(e.st, "router", "Reset the router");
    put_ticket(e.st, "old-1", "Blorptastic outage", "Old.", "c1", a, now - 400 * day);
    put_ticket(e.st, "new-1", "Blorptastic outage again", "New.", "c2", a, now - 10 * day);
    sync_now(&e);
    struct kb_err err;
    int64_t erased = -1;
    CHECK_INT(kb_retention_days(e.st), 0); /* default: keep */
    CHECK_INT(kb_retention_apply(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(kb_retention_set_days(e.st, 365, &err), 0);
    CHECK_INT(kb_retention_days(e.st), 365);
    CHECK_INT(kb_retention_set_days(e.st, -1, &err), KB_EINVAL);
    CHECK_INT(kb_retention_apply(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 1);
    sync_now(&e);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM tickets"), 1);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM tickets WHERE source_id = 'new-1'"), 1);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM learn_words WHERE visitor = "
                              "'ticket-customer:c1'"), 0);
    CHECK_INT(finds(&e, KB_ROLE_AGENT, "old", 0, NULL), 0);
    /* Daily: once, then not again until a day has passed. */
    put_ticket(e.st, "old-2", "Blorptastic relapse", "Old again.", "c3", a, now - 400 * day);
    CHECK_INT(kb_retention_daily(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 1);
    put_ticket(e.st, "old-3", "Blorptastic relapse", "Old again.", "c3", a, now - 400 * day);
    CHECK_INT(kb_retention_daily(e.st, now + 3600, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(kb_retention_daily(e.st, now + day, &erased, &err), 0);
    CHECK_INT(erased, 1);
    CHECK_INT(kb_retention_set_days(e.st, 0, &err), 0); /* back to keep */
    put_ticket(e.st, "old-4", "Blorptastic relapse", "Old again.", "c3", a, now - 400 * day);
    CHECK_INT(kb_retention_daily(e.st, now + 5 * day, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM tickets WHERE source_id = 'old-4'"), 1);
    CHECK_INT(kb_retention_apply(e.st, now + 1000 * day, &erased, &err), 0);
    CHECK_INT(erased, 0);
    env_close(&e);
}


/* A contact request from email made at when_ms, with a delivery row per
 * enabled destination; returns its id. */
static int64_t put_contact(struct kb_store *st, const char *email, const char *subject,
                           const char *visitor, int64_t when_ms)
{
    struct kb_contact_in in = {NULL, "Mira Quell", email, subject, "My router melts.", NULL,
                               "en", visitor, NULL};
    int64_t id = 0;
    char key[KB_CONTACT_KEY_LEN + 1];
    int existing = 0, ndest = 0;
    struct kb_err err;
    CHECK_INT(kb_contact_submit(st, &in, when_ms, &id, key, &existing, &ndest, &err), 0);
    CHECK_INT(existing, 0);
    return id;
}

static void test_contact_requests_exported_and_erased(void)
{
    struct env e;
    env_open(&e, "contacts");
    struct kb_err err;
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    CHECK_INT(kb_contact_dest_set(e.st, "webhook", 1,
                                  "{\"url\":\"http://127.0.0.1:1\",\"secret\":\"s3cret-hook\"}",
                                  &err), 0);
    int64_t mine = put_contact(e.st, "Mira.Quell@Example.org", "Quorbex outage", NULL, now_ms);
    put_contact(e.st, "mira.quell@example.org", "Quorbex outage again", NULL, now_ms);
    int64_t other = put_contact(e.st, "someone@example.net", "Other", NULL, now_ms);
    CHECK_INT(kb_contact_delivered(e.st, mine, "webhook", "T-77", now_ms, &err), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_deliveries"), 3);

    json_t *x = NULL;
    CHECK_INT(kb_customer_export(e.st, "MIRA.QUELL@example.org", &x, &err), 0);
    json_t *reqs = json_object_get(x, "contact_requests");
    json_t *dels = json_object_get(x, "contact_deliveries");
    CHECK_INT(json_array_size(reqs), 2);
    CHECK_INT(json_array_size(dels), 2);
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(reqs, 0), "subject")),
                  "Quorbex outage"));
    CHECK(!strcmp(json_string_value(json_object_get(json_array_get(dels, 0), "ticket")), "T-77"));
    char *text = json_dumps(x, JSON_COMPACT);
    CHECK(text && !strstr(text, "someone@example.net"));
    free(text);
    json_decref(x);

    struct kb_customer_erased out;
    CHECK_INT(kb_customer_erase(e.st, "mira.quell@EXAMPLE.org", &out, &err), 0);
    CHECK_INT(out.contact_requests, 2);
    CHECK_INT(out.contact_deliveries, 2);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_requests WHERE lower(email) = "
                              "'mira.quell@example.org'"), 0);
    /* Their delivery rows too; the other customer's stay. */
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_deliveries"), 1);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM contact_deliveries WHERE request = %lld",
             (long long)other);
    CHECK_INT(count_sql(e.st, sql), 1);
    CHECK_INT(kb_customer_export(e.st, "mira.quell@example.org", &x, &err), 0);
    CHECK_INT(json_array_size(json_object_get(x, "contact_requests")), 0);
    CHECK_INT(json_array_size(json_object_get(x, "contact_deliveries")), 0);
    json_decref(x);
    env_close(&e);
}

static void test_contact_retention(void)
{
    struct env e;
    env_open(&e, "contact-retention");
    struct kb_err err;
    int64_t now = (int64_t)time(NULL), day = 86400, erased = -1;
    CHECK_INT(kb_contact_dest_set(e.st, "webhook", 1,
                                  "{\"url\":\"http://127.0.0.1:1\",\"secret\":\"s3cret-hook\"}",
                                  &err), 0);
    int64_t old_done = put_contact(e.st, "a@example.org", "Old, delivered", NULL,
                                   (now - 100 * day) * 1000);
    int64_t old_failed = put_contact(e.st, "b@example.org", "Old, failed", NULL,
                                     (now - 100 * day) * 1000);
    put_contact(e.st, "c@example.org", "Old, still pending", NULL, (now - 100 * day) * 1000);
    put_contact(e.st, "d@example.org", "Recent", NULL, (now - 2 * day) * 1000);
    CHECK_INT(kb_contact_delivered(e.st, old_done, "webhook", NULL, now * 1000, &err), 0);
    CHECK_INT(kb_contact_attempt_failed(e.st, old_failed, "webhook", "refused", 0, &err), 0);

    CHECK_INT(kb_contact_retention_days(e.st), 0); /* default: keep */
    CHECK_INT(kb_contact_retention_apply(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(kb_contact_retention_daily(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM meta WHERE key = 'contact_retention_run'"),
              0); /* nothing written while kept */
    CHECK_INT(kb_contact_retention_set_days(e.st, -1, &err), KB_EINVAL);
    CHECK(strstr(err.msg, "contact request retention") != NULL);
    CHECK_INT(kb_contact_retention_set_days(e.st, KB_RETENTION_DAYS_MAX + 1, &err), KB_EINVAL);
    CHECK_INT(kb_contact_retention_set_days(e.st, 30, &err), 0);
    CHECK_INT(kb_contact_retention_days(e.st), 30);
    /* Ticket retention is a separate setting. */
    CHECK_INT(kb_retention_days(e.st), 0);

    CHECK_INT(kb_contact_retention_daily(e.st, now, &erased, &err), 0);
    CHECK_INT(erased, 2); /* the delivered and the failed; the pending one stays */
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_requests"), 2);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_requests WHERE email IN "
                              "('a@example.org', 'b@example.org')"), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_deliveries WHERE request NOT IN "
                              "(SELECT id FROM contact_requests)"), 0);
    /* Daily: not again within the day, then again. */
    put_contact(e.st, "e@example.org", "Old, no destination yet", NULL, (now - 90 * day) * 1000);
    CHECK_INT(kb_contact_dest_set(e.st, "webhook", 0, "{}", &err), 0);
    put_contact(e.st, "f@example.org", "Old, stored only", NULL, (now - 90 * day) * 1000);
    CHECK_INT(kb_contact_retention_daily(e.st, now + 3600, &erased, &err), 0);
    CHECK_INT(erased, 0);
    CHECK_INT(kb_contact_retention_daily(e.st, now + day, &erased, &err), 0);
    CHECK_INT(erased, 1); /* f (no delivery row); e waits for its delivery */
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_requests WHERE email = "
                              "'f@example.org'"), 0);
    CHECK_INT(count_sql(e.st, "SELECT count(*) FROM contact_requests WHERE email = "
                              "'e@example.org'"), 1);
    /* Back to keep: nothing more goes. */
    CHECK_INT(kb_contact_retention_set_days(e.st, 0, &err), 0);
    CHECK_INT(kb_contact_retention_apply(e.st, now + 1000 * day, &erased, &err), 0);
    CHECK_INT(erased, 0);
    env_close(&e);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-customer-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_export_and_erase();
    test_retention();
    test_contact_requests_exported_and_erased();
    test_contact_retention();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_customer");
}
