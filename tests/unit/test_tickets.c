/* Tests for kb/store/tickets.c: redaction and previous cases. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
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

int main(void)
{
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
    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_tickets");
}
