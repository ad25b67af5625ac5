/* Tests for kb/store/tickets.c: redaction and previous cases. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "kb/store/store_int.h"
#include "kb/store/tickets.h"

static void redacts(const char *in, const char *want, const char *name)
{
    const char *names[1] = {name};
    char *got = kb_redact(in, names, name ? 1 : 0);
    CHECK_STR(got, want);
    free(got);
}

static void redacts_marked(const char *in, const char *want, const char *name)
{
    const char *names[1] = {name};
    char *got = kb_redact_marked(in, names, name ? 1 : 0);
    CHECK_STR(got, want);
    free(got);
}

static void put_ticket(struct kb_store *st, const char *id, const char *customer, const char *unit,
                       int64_t created, const char *linked)
{
    struct kb_doc d;
    struct kb_err err;
    kb_doc_init(&d);
    d.kind = KB_KIND_TICKET;
    kb_doc_set(&d.source_id, id);
    kb_doc_set(&d.title, "Router problem");
    kb_doc_set(&d.customer, customer);
    kb_doc_set(&d.unit, unit);
    if (linked)
        kb_doc_set(&d.linked_article, linked);
    d.created = created;
    int res;
    int64_t num;
    CHECK_INT(kb_store_put(st, &d, NULL, &res, &num, &err), 0);
    kb_doc_release(&d);
}

/* The console's customer lookup rule (kb_customer_match). */
/* An agent's look-up reads an index, never every ticket's row (each holds
 * the ticket's whole text: at 200,000 tickets such a scan took 0.3-0.5 s):
 * a unit is sought in an index that ignores case, a customer's text is
 * matched against an index that holds all the look-up reads. */
static void lookups_use_an_index(struct kb_store *st)
{
    const struct {
        int id;
        const char *want;
    } q[] = {{Q_TIC_BY_UNIT, "SEARCH tickets USING INDEX"},
             {Q_TIC_BY_CUSTOMER, "USING COVERING INDEX"},
             {Q_TIC_BY_BOTH, "SEARCH tickets USING INDEX"},
             {Q_TIC_UNIT_COUNT, "SEARCH tickets USING"}};
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        char sql[1024];
        snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", store_sql[q[i].id]);
        sqlite3_stmt *s = NULL;
        CHECK_INT(sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
        int ok = 0;
        char plan[512] = "";
        while (s && sqlite3_step(s) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(s, 3);
            if (!detail || strncmp(detail, "USE TEMP", 8) == 0)
                continue;
            ok = strstr(detail, q[i].want) != NULL;
            snprintf(plan + strlen(plan), sizeof plan - strlen(plan), "%s; ", detail);
        }
        sqlite3_finalize(s);
        if (!ok)
            fprintf(stderr, "%s\n  is read as: %s\n", store_sql[q[i].id], plan);
        CHECK(ok);
    }
    /* Step 1's indexes on the same columns, which nothing read, are gone:
     * each ticket write keeps up only the look-ups' two. */
    sqlite3_stmt *s = NULL;
    CHECK_INT(sqlite3_prepare_v2(kb_store_db(st),
                                 "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                                 "name IN ('tickets_customer', 'tickets_unit')",
                                 -1, &s, NULL),
              SQLITE_OK);
    CHECK_INT(sqlite3_step(s), SQLITE_ROW);
    CHECK_INT(sqlite3_column_int(s, 0), 0);
    sqlite3_finalize(s);
}

static void lookup_rule(void)
{
    CHECK_INT(kb_customer_match("Yuki", "Yuki Tanaka"), 1);
    CHECK_INT(kb_customer_match("yuki", "yuki@example.com"), 1);
    CHECK_INT(kb_customer_match("YUKI@EXAMPLE.COM", "yuki@example.com"), 1);
    CHECK_INT(kb_customer_match("tanaka", "Yuki Tanaka"), 1);
    CHECK_INT(kb_customer_match("yuki tan", "Yuki Tanaka"), 1);
    CHECK_INT(kb_customer_match("  Yuki  ", "Yuki Tanaka"), 1);
    CHECK_INT(kb_customer_match("tanaka", "yuki.tanaka@example.jp"), 1);
    CHECK_INT(kb_customer_match("C-1042", "c-1042"), 1);
    /* not inside a word, not the e-mail's domain, not one letter */
    CHECK_INT(kb_customer_match("anaka", "Yuki Tanaka"), 0);
    CHECK_INT(kb_customer_match("example", "yuki@example.com"), 0);
    CHECK_INT(kb_customer_match("y", "Yuki Tanaka"), 0);
    CHECK_INT(kb_customer_match("y", "Y"), 1); /* exact, however short */
    CHECK_INT(kb_customer_match("", "Yuki Tanaka"), 0);
    CHECK_INT(kb_customer_match("Yukiko", "Yuki Tanaka"), 0);
    CHECK_INT(kb_customer_match("yuki", NULL), 0);
}

int main(void)
{
    lookup_rule();
    /* A phone number ending a sentence; a dotted number is no phone. */
    redacts("confirmed on +1 415 555 0100.", "confirmed on [phone].", NULL);
    redacts("build 12345678.9 shipped", "build 12345678.9 shipped", NULL);
    /* Snippets: a highlight inside an address goes with it, tags stay balanced. */
    redacts_marked("mail <mark>jane</mark>.doe@example.com now", "mail [email] now", NULL);
    redacts_marked("<mark>jane.doe@example.com</mark> wrote", "[email] wrote", NULL);
    redacts_marked("<mark>see jane.doe@example.com</mark> x", "<mark>see </mark>[email] x", NULL);
    redacts_marked("<mark>a jane.doe@example.com b</mark>", "<mark>a </mark>[email]<mark> b</mark>",
                   NULL);
    redacts_marked("call <mark>415</mark> 555 0100 or <mark>router</mark>",
                   "call [phone] or <mark>router</mark>", NULL);
    redacts_marked("<mark>Jane</mark> Doe &amp; <mark>wifi</mark>",
                   "[name] &amp; <mark>wifi</mark>", "Jane Doe");
    redacts_marked("no personal data, <mark>wifi</mark>", "no personal data, <mark>wifi</mark>",
                   NULL);
    redacts_marked("", "", NULL);

    redacts("mail me at jane.doe@example.com.", "mail me at [email].", NULL);
    redacts("call +44 7700 900123 today", "call [phone] today", NULL);
    /* a customer known by address alone signs with the address's words */
    redacts("This is Mika Rautio (mika.rautio@example.com); RAUTIO again", "This is [name] [name] "
            "([email]); [name] again", "mika.rautio@example.com");
    redacts("Hi, Al here", "Hi, Al here", "al_x@example.com"); /* words of 3 letters or more */
    redacts("ring (555) 123-4567", "ring [phone]", NULL);
    redacts("on 2026-03-04 at 10:00", "on 2026-03-04 at 10:00", NULL);     /* a date */
    redacts("router 192.168.1.1 port 8080", "router 192.168.1.1 port 8080", NULL);
    redacts("serial NR5-2K4-00123 replaced", "serial NR5-2K4-00123 replaced", NULL);
    redacts("firmware 5.2.1 build 20250304", "firmware 5.2.1 build 20250304", NULL);
    redacts("Jane Doe said Jane would retry; janet ok", "[name] said [name] would retry; janet ok",
            "Jane Doe");
    redacts("Acme Dental Ltd called", "[name] called", "Acme Dental Ltd");
    redacts("", "", NULL);

    char dir[] = "/tmp/kb-test-tickets-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    struct kb_store *st = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(path, &st, &err), 0);
    const char *rows[][4] = {{"T1", "acme", "NR-1", "2025-01-01"}, {"T2", "acme", "NR-2", "2025-02-01"},
                             {"T3", "other", "NR-1", "2025-03-01"}};
    for (int i = 0; i < 3; i++) {
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = KB_KIND_TICKET;
        kb_doc_set(&d.source_id, rows[i][0]);
        kb_doc_set(&d.title, "Router problem");
        kb_doc_set(&d.customer, rows[i][1]);
        kb_doc_set(&d.unit, rows[i][2]);
        kb_time_parse(rows[i][3], &d.created);
        int res;
        int64_t num;
        CHECK_INT(kb_store_put(st, &d, NULL, &res, &num, &err), 0);
        kb_doc_release(&d);
    }
    struct kb_doc *docs;
    size_t n;
    CHECK_INT(kb_tickets_list(st, "ACME", NULL, 10, &docs, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_STR(docs[0].source_id, "T2"); /* newest first */
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, NULL, "NR-1", 10, &docs, &n, &err), 0);
    CHECK_INT(n, 2);
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, NULL, NULL, 10, &docs, &n, &err), KB_EINVAL);

    /* Lookup by part of a name or e-mail, any case; one letter finds no one. */
    put_ticket(st, "T4", "yuki@example.com", "NR-9", 1700000000, NULL);
    put_ticket(st, "T5", "Yuki Tanaka", "NR-9", 1700000100, "KB-77");
    put_ticket(st, "T6", "Bob Yukimura", "NR-8", 1700000200, NULL);
    put_ticket(st, "T7", "Zed_Yuki", "NR-8", 1700000300, NULL);
    CHECK_INT(kb_tickets_list(st, "Yuki", NULL, 10, &docs, &n, &err), 0);
    CHECK_INT(n, 4); /* T4, T5, T6 (a word starts Yuki), T7 (after _) */
    if (n == 4)
        CHECK_STR(docs[0].source_id, "T7");
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "YUKI@EXAMPLE.COM", NULL, 10, &docs, &n, &err), 0);
    CHECK_INT(n, 1);
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "yuki t", NULL, 10, &docs, &n, &err), 0);
    CHECK_INT(n, 1);
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "Yuki", NULL, 2, &docs, &n, &err), 0); /* the newest two */
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_STR(docs[1].source_id, "T6");
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "Yuki", NULL, 0, &docs, &n, &err), 0);
    CHECK_INT(n, 0);
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "y", NULL, 10, &docs, &n, &err), 0);
    CHECK_INT(n, 0);
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "100%", NULL, 10, &docs, &n, &err), 0); /* LIKE wildcards are text */
    CHECK_INT(n, 0);
    kb_docs_free(docs, n);

    lookups_use_an_index(st);
    /* A unit in any case, and a customer with a unit. */
    CHECK_INT(kb_tickets_list(st, NULL, "nr-9", 10, &docs, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_STR(docs[0].source_id, "T5"); /* newest first */
    kb_docs_free(docs, n);
    CHECK_INT(kb_tickets_list(st, "yuki", "NR-8", 10, &docs, &n, &err), 0);
    CHECK_INT(n, 2);
    if (n == 2)
        CHECK_STR(docs[1].source_id, "T6");
    kb_docs_free(docs, n);

    /* A unit's tickets in a window: NR-9 has two since 1700000000, one since 1700000050. */
    int64_t count = -1;
    CHECK_INT(kb_tickets_unit_count(st, "nr-9", 1700000000, &count, &err), 0);
    CHECK_INT(count, 2);
    CHECK_INT(kb_tickets_unit_count(st, "NR-9", 1700000050, &count, &err), 0);
    CHECK_INT(count, 1);
    CHECK_INT(kb_tickets_unit_count(st, "NR-404", 0, &count, &err), 0);
    CHECK_INT(count, 0);

    /* A ticket's solving article: number and title, whatever the reference's form. */
    struct kb_doc a;
    kb_doc_init(&a);
    a.kind = KB_KIND_ARTICLE;
    kb_doc_set(&a.source_id, "articles/reset-cloud-password");
    kb_doc_set(&a.title, "Reset your Nimbus Cloud password");
    kb_doc_set(&a.text, "Open the app.");
    int res;
    int64_t art = 0;
    CHECK_INT(kb_store_put(st, &a, NULL, &res, &art, &err), 0);
    kb_doc_release(&a);
    put_ticket(st, "T8", "x", "NR-7", 1700000400, "articles/reset-cloud-password");
    int kind;
    int64_t tn;
    struct kb_doc t8;
    CHECK_INT(kb_store_find(st, "T8", &kind, &tn, &err), 0);
    CHECK_INT(kb_store_get(st, KB_KIND_TICKET, tn, &t8, &err), 0);
    struct kb_linked_article la;
    CHECK_INT(kb_tickets_linked_article(st, &t8, &la, &err), 0);
    CHECK_INT(la.number, art);
    CHECK_STR(la.title, "Reset your Nimbus Cloud password");
    kb_linked_article_release(&la);
    kb_doc_release(&t8);
    CHECK_INT(kb_store_find(st, "T5", &kind, &tn, &err), 0); /* KB-77: no such article */
    CHECK_INT(kb_store_get(st, KB_KIND_TICKET, tn, &t8, &err), 0);
    CHECK_INT(kb_tickets_linked_article(st, &t8, &la, &err), 0);
    CHECK_INT(la.number, 0);
    kb_linked_article_release(&la);
    kb_doc_release(&t8);
    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_tickets");
}
