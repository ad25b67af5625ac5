/* Tests for kb/net/rt_ticket.c that need no RT: names refused before they
 * reach TicketSQL, the key search's query with its quoting, and every call's
 * error when nothing listens (a real closed port on 127.0.0.1). Filing,
 * finding and commenting against a real RT 5: tests/e2e/test_contact_rt.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "closed_port.h"
#include "kb/net/http.h"
#include "kb/net/rt_ticket.h"

static void test_names(void)
{
    struct kb_err err = {0};
    static const struct {
        const char *name;
        int ok;
    } cases[] = {
        {"KB Request Key", 1}, {"Ticket Queue 2", 1}, {"Écran", 1}, {"", 0},
        {"it's", 0}, {"a\"b", 0}, {"a\\b", 0}, {"KB {Key}", 0}, {"a}b", 0},
        {"line\nbreak", 0}, {"tab\there", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = kb_rt_name_check("key_field", cases[i].name, &err);
        CHECK_INT(rc, cases[i].ok ? 0 : KB_EINVAL);
        if (!cases[i].ok)
            CHECK_CONTAINS(err.msg, "key_field");
    }
    char longname[KB_RT_NAME_MAX + 2];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    CHECK_INT(kb_rt_name_check("queue", longname, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "queue");
    CHECK_INT(kb_rt_name_check("queue", NULL, &err), KB_EINVAL);
}

static void test_query(void)
{
    char *q = kb_rt_cf_query("KB Request Key", "0123abcd");
    CHECK_STR(q, "'CF.{KB Request Key}' = '0123abcd'");
    free(q);
    q = kb_rt_cf_query("F", "it's a \\ test");
    CHECK_STR(q, "'CF.{F}' = 'it\\'s a \\\\ test'");
    free(q);
}

static void test_unreachable(void)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", closed_port());
    struct kb_rt_conn c = {.url = url, .token = "1-14-abc", .timeout_ms = 3000};
    struct kb_err err = {0};
    struct kb_rt_ticket_in in = {"General", "ada@example.com", "Subject", "Text",
                                 KB_RT_KEY_FIELD, "0123abcd", 0};
    int64_t id = -1;
    CHECK_INT(kb_rt_ticket_create(&c, &in, &id, &err), KB_EIO);
    CHECK(id == 0);
    CHECK_CONTAINS(err.msg, "/REST/2.0/ticket");
    CHECK(strstr(err.msg, "1-14-abc") == NULL);
    id = -1;
    CHECK_INT(kb_rt_ticket_find(&c, KB_RT_KEY_FIELD, "0123abcd", &id, &err), KB_EIO);
    CHECK(id == 0);
    CHECK_CONTAINS(err.msg, "/REST/2.0/tickets");
    CHECK_INT(kb_rt_ticket_comment(&c, 7, "trail", &err), KB_EIO);
    CHECK_CONTAINS(err.msg, "ticket/7/comment");
    int yes = -1;
    CHECK_INT(kb_rt_ticket_commented(&c, 7, &yes, &err), KB_EIO);
    CHECK(yes == 0);
    /* Invalid UTF-8 never reaches RT. */
    struct kb_rt_ticket_in bad = in;
    bad.subject = "caf\xe9";
    CHECK_INT(kb_rt_ticket_create(&c, &bad, &id, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "UTF-8");
}

int main(void)
{
    kb_http_global_init();
    test_names();
    test_query();
    test_unreachable();
    return check_report("test_rt_ticket");
}
