/* Tests for kb/emerging (and the shim's topics.cc beneath it): the
 * statistical test, a burst of paraphrased tickets found over a steady
 * background, the background alone finding nothing, old history imported
 * at once not looking like a burst, and personal data redacted in the
 * report. A real store and index in a temporary folder. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/emerging/emerging.h"
#include "kb/index/topics.h"
#include "kb/base/role.h"
#include "kb/store/contact.h"
#include "kb/store/topic_searches.h"
#include "kb/store/events.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

static char dir[64];
static const int64_t NOW = 1780000000; /* a fixed "now" */

static const char *const background[][2] = {
    {"VPN disconnects every hour", "The VPN to my home router drops every hour. I reconnect and it works."},
    {"Forgot Nimbus Cloud password", "I forgot my cloud password and the reset email does not come."},
    {"Wifi slow in the evening", "Every evening the wifi gets very slow, streaming buffers after 7pm."},
    {"Charged twice this month", "My card was charged twice for the Nimbus Plus plan this month."},
    {"Firmware update stuck at 60%", "The firmware update has been stuck at 60 percent for an hour."},
    {"Guest network not showing", "I enabled the guest network but my visitors cannot see it."},
    {"Port forwarding for game server", "How do I forward ports for my game server? The test fails."},
    {"App cannot find my router", "The Nimbus app says no router found during setup on my phone."},
};

static const char *const burst[][2] = {
    {"Router sending spam emails", "My router seems to be sending spam emails to all my contacts since this morning. Jane Doe jane.doe@example.com"},
    {"Strange emails sent from my network", "Contacts say they got strange spam emails from my address, the router log shows outgoing mail."},
    {"Spam going out from my router?", "ISP warned me my router is sending out spam e-mails. I did not send anything."},
    {"Contacts receiving spam from me", "All my contacts are receiving spam emails that I never sent. Started today after the router rebooted."},
    {"outgoing spam mail", "Router sends spam mails on its own, my provider blocked port 25 because of spam."},
    {"emails being sent out by themselves", "Erroneous spam emails being sent out from my home network, router lights blink a lot."},
    {"Bounced emails I never sent", "I get bounces for spam emails I never sent, someone says my router is sending them."},
    {"router spamming my contacts", "My contacts keep getting spam emails from me, since the router update this morning."},
};

static void put_ticket(struct kb_store *st, const char *src, const char *subject,
                       const char *text, int64_t created, const char *customer, const char *unit)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_TICKET;
    d.audience = KB_AUD_INTERNAL;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, subject);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.description, text);
    kb_doc_set(&d.customer, customer);
    kb_doc_set(&d.unit, unit);
    kb_doc_set(&d.product, "Nimbus Router 5");
    kb_doc_set(&d.locale, "en");
    d.created = created;
    d.updated = created;
    d.resolved = created + 3600;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
}

/* A fresh store and writer index holding days of background at per_day
 * tickets a day up to NOW (a fixed pseudo-random stream), plus nburst
 * burst tickets in the last two hours. */
static void setup(const char *name, int days, int per_day, int nburst, struct kb_store **st,
                  struct kb_index **ix)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CHECK_INT(mkdir(path, 0700), 0);
    char db[300], idx[300];
    snprintf(db, sizeof db, "%s/kb.sqlite3", path);
    snprintf(idx, sizeof idx, "%s/index", path);
    struct kb_err err;
    CHECK_INT(kb_store_open(db, st, &err), 0);
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, ix, &err), 0);
    unsigned seed = 7;
    int total = days * per_day;
    CHECK_INT(kb_store_begin(*st, &err), 0);
    for (int i = 0; i < total; i++) {
        seed = seed * 1103515245u + 12345u;
        int k = (int)((seed >> 16) % (sizeof background / sizeof *background));
        int64_t created = NOW - (int64_t)days * 86400 + (int64_t)((double)i / total * days * 86400);
        char src[32], cust[32];
        snprintf(src, sizeof src, "BG-%d", i);
        snprintf(cust, sizeof cust, "ACC-%d", i % 97);
        put_ticket(*st, src, background[k][0], background[k][1], created, cust, "NR5-2K4-00123");
    }
    for (int i = 0; i < nburst; i++) {
        char src[32], unit[32];
        snprintf(src, sizeof src, "BURST-%d", i);
        snprintf(unit, sizeof unit, "NR5-2K6-%05d", i);
        put_ticket(*st, src, burst[i % 8][0], burst[i % 8][1], NOW - 7000 + i * 800,
                   i == 0 ? "Jane Doe" : "ACC-1", unit);
    }
    CHECK_INT(kb_store_commit(*st, &err), 0);
    CHECK_INT(kb_sync_apply(*st, *ix, 0, NULL, &err), 0);
}

static struct kb_emerging_report *detect(struct kb_store *st, struct kb_index *ix)
{
    struct kb_emerging_opts o;
    kb_emerging_opts_default(&o);
    o.now = NOW;
    struct kb_emerging_report *r = NULL;
    struct kb_err err;
    CHECK_INT(kb_emerging_detect(st, ix, &o, &r, &err), 0);
    return r;
}

static void test_pvalue(void)
{
    /* Nothing seen: certain. */
    CHECK(kb_emerging_pvalue(0, 10, 6, 672) == 1.0);
    /* Equal windows, 1 vs 1: P(X >= 1), X ~ Bin(2, 1/2) = 3/4. */
    CHECK(fabs(kb_emerging_pvalue(1, 1, 1, 1) - 0.75) < 1e-12);
    /* 8 new with none before over 28 days: tiny. */
    CHECK(kb_emerging_pvalue(8, 0, 6, 672) < 1e-15);
    /* A steady topic (18 a day): 5 in six hours is ordinary. */
    CHECK(kb_emerging_pvalue(5, 500, 6, 672) > 0.01);
    /* Small counts: 2 new with none before is not enough at 1e-5... */
    CHECK(kb_emerging_pvalue(2, 0, 6, 672) > 1e-5);
    /* ...and a history as short as the window proves nothing. */
    CHECK(kb_emerging_pvalue(8, 8, 6, 6) > 0.1);
}

static void test_burst_found(void)
{
    struct kb_store *st;
    struct kb_index *ix;
    setup("burst", 30, 40, 8, &st, &ix);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT(r->n, 1);
    if (r->n == 1) {
        const struct kb_emerging_problem *p = &r->problems[0];
        CHECK(p->count >= 8);
        CHECK(p->baseline < 1.0);
        CHECK(p->since >= NOW - 7200);
        int spam = 0;
        for (size_t i = 0; i < p->nwords; i++)
            spam |= strcmp(p->words[i], "spam") == 0;
        CHECK(spam);
        CHECK(p->nexamples > 0);
        CHECK(p->nunits >= 5);
        CHECK(p->nproducts == 1);
        CHECK_INT(p->article, 0); /* no article answers this */
    }
    char *json = kb_emerging_json(r);
    if (getenv("KB_TEST_VERBOSE"))
        fprintf(stderr, "%s\n", json);
    CHECK_CONTAINS(json, "\"problems\"");
    CHECK_CONTAINS(json, "spam");
    CHECK(strstr(json, "jane.doe@example.com") == NULL);
    CHECK(strstr(json, "Jane") == NULL);
    free(json);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_article_that_answers(void)
{
    struct kb_store *st;
    struct kb_index *ix;
    setup("article", 30, 40, 8, &st, &ix);
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, "articles/router-spam");
    kb_doc_set(&d.title, "Your router is sending spam emails");
    kb_doc_set(&d.text, "If contacts receive spam emails you never sent, reset the router and "
                        "change the admin password.");
    kb_doc_set(&d.locale, "en");
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(kb_sync_apply(st, ix, 0, NULL, &err), 0);
    /* Customers' searches: two for the symptom (one still filed), one not,
     * one too old, and an agent's, which does not count. */
    int64_t sid = 0;
    CHECK_INT(kb_events_search_at(st, NOW - 3000, "router sending spam emails", KB_ROLE_CUSTOMER,
                                  "search", 3, "en", &sid, &err), 0);
    struct kb_event ev = {"submitted", sid, 0, NULL, NULL, KB_ROLE_CUSTOMER, NOW - 2900, 1, NULL};
    CHECK_INT(kb_events_add(st, &ev, NULL, NULL, &err), 0);
    CHECK_INT(kb_events_search_at(st, NOW - 2000, "spam email from jane.doe@example.com",
                                  KB_ROLE_CUSTOMER, "deflect", 0, "en", NULL, &err), 0);
    CHECK_INT(kb_events_search_at(st, NOW - 1000, "wifi slow", KB_ROLE_CUSTOMER, "search", 2,
                                  "en", NULL, &err), 0);
    CHECK_INT(kb_events_search_at(st, NOW - 30 * 3600, "spam emails", KB_ROLE_CUSTOMER, "search",
                                  2, "en", NULL, &err), 0);
    CHECK_INT(kb_events_search_at(st, NOW - 100, "spam emails router", KB_ROLE_AGENT, "search",
                                  2, "en", NULL, &err), 0);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT(r->n, 1);
    if (r->n == 1) {
        const struct kb_emerging_problem *p = &r->problems[0];
        CHECK_INT(p->searches, 2);
        CHECK_INT(p->searches_filed, 1);
        int searches = 0;
        for (size_t i = 0; i < p->nexamples; i++)
            if (p->examples[i].kind == -1) {
                searches++;
                CHECK(strstr(p->examples[i].text, "@example.com") == NULL);
            }
        CHECK_INT(searches, 2);
        CHECK_INT(r->problems[0].article, number);
        CHECK_STR(r->problems[0].article_title, "Your router is sending spam emails");
    }
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_background_quiet(void)
{
    struct kb_store *st;
    struct kb_index *ix;
    setup("quiet", 30, 40, 0, &st, &ix);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT(r->n, 0);
    CHECK(r->topics > 0);
    char *json = kb_emerging_json(r);
    CHECK_CONTAINS(json, "\"problems\":[]");
    free(json);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_small_burst_not_flagged(void)
{
    struct kb_store *st;
    struct kb_index *ix;
    setup("small", 30, 40, 2, &st, &ix);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT(r->n, 0);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_topics_window_by_created(void)
{
    /* Only burst tickets, all created within the window, but with no
     * history before them: topics form, yet nothing is "above baseline"
     * for lack of any... the test then rests on the count alone; an old
     * burst (created weeks ago) is outside the window and never counted. */
    struct kb_store *st;
    struct kb_index *ix;
    setup("old", 2, 40, 0, &st, &ix);
    struct kb_err err;
    CHECK_INT(kb_store_begin(st, &err), 0);
    for (int i = 0; i < 8; i++) {
        char src[32];
        snprintf(src, sizeof src, "OLD-%d", i);
        put_ticket(st, src, burst[i][0], burst[i][1], NOW - 20 * 86400 + i * 600, "ACC-2",
                   "NR5-2K6-00001");
    }
    CHECK_INT(kb_store_commit(st, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, NULL, &err), 0);
    struct kb_topic_opts o;
    kb_topic_opts_default(&o);
    o.now = NOW;
    o.recent_from = NOW - 6 * 3600;
    o.baseline_from = NOW - 28 * 86400;
    struct kb_topics *t = NULL;
    CHECK_INT(kb_index_topics(ix, &o, &t, &err), 0);
    for (size_t i = 0; t && i < t->n; i++)
        for (size_t j = 0; j < t->t[i].n; j++)
            CHECK(t->t[i].created[j] >= o.recent_from);
    kb_topics_free(t);
    CHECK(kb_index_tickets_oldest(ix) <= NOW - 20 * 86400);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT(r->n, 0);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_terms_in_text(void)
{
    const char *terms[] = {"spam", "email", "router"};
    CHECK_INT(kb_index_terms_in_text("Router sending SPAM emails", "en", terms, 3), 3);
    CHECK_INT(kb_index_terms_in_text("wifi slow", "en", terms, 3), 0);
}

/* ---- customers' searches and contact requests ---- */

static void log_search(struct kb_store *st, int64_t t, const char *q, const char *visitor,
                       const char *network)
{
    struct kb_search_row row;
    struct kb_err err;
    CHECK_INT(kb_search_row_make(t, q, KB_ROLE_CUSTOMER, "search", 3, "en", &row, &err), 0);
    kb_search_row_who(&row, visitor, network);
    CHECK_INT(kb_events_search_put(st, &row, NULL, &err), 0);
    kb_search_row_release(&row);
}

static const char *const popular[] = {
    "reset password", "wifi slow", "vpn disconnects", "guest network", "port forwarding",
    "firmware update stuck", "charged twice", "app cannot find router",
};

/* 28 days of customers' searches before the window: the popular queries,
 * 40 a day, by visitors drawn from a pool of 300 (in 120 networks). */
static void search_background(struct kb_store *st)
{
    struct kb_err err;
    unsigned seed = 11;
    CHECK_INT(kb_store_begin(st, &err), 0);
    for (int i = 0; i < 28 * 40; i++) {
        seed = seed * 1103515245u + 12345u;
        int v = (int)((seed >> 16) % 300);
        char vis[32], net[32];
        snprintf(vis, sizeof vis, "bg-v%d", v);
        snprintf(net, sizeof net, "bg-n%d", v % 120);
        int64_t t = NOW - 6 * 3600 - 28 * 86400 + (int64_t)i * (28 * 86400 / (28 * 40));
        log_search(st, t, popular[(seed >> 8) % (sizeof popular / sizeof *popular)], vis, net);
    }
    CHECK_INT(kb_store_commit(st, &err), 0);
}

static const char *const wave[] = {
    "router makes buzzing noise", "loud buzzing from router", "router buzzing sound",
    "router high pitched buzzing", "buzzing noise router 5", "why is my router buzzing",
    "router buzzes loudly", "router whining noise",
};

/* Search problems of r with a word starting with word. */
static size_t search_problems(const struct kb_emerging_report *r, const char *word)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < r->problems[i].nwords; k++)
            if (r->problems[i].source == KB_EMERGING_SEARCHES &&
                strncmp(r->problems[i].words[k], word, strlen(word)) == 0) {
                n++;
                break;
            }
    return n;
}

static void test_search_waves(void)
{
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    setup("searches", 30, 20, 0, &st, &ix);
    search_background(st);
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT((int)r->n, 0); /* a steady month of searches raises nothing */
    kb_emerging_report_free(r);

    /* One visitor, the same search 50 times; a client keeping no cookie (a
     * new visitor each time) from one network 30 times; and a popular query
     * at twice its usual rate: none is a wave. */
    char vis[32], net[32];
    for (int i = 0; i < 50; i++)
        log_search(st, NOW - 3000 + i, "router smells like burning plastic", "one", "net-one");
    for (int i = 0; i < 30; i++) {
        snprintf(vis, sizeof vis, "nocookie-%d", i);
        log_search(st, NOW - 2000 + i, "burning smell from router", vis, "net-bot");
    }
    for (int i = 0; i < 3; i++) {
        snprintf(vis, sizeof vis, "pop-%d", i);
        snprintf(net, sizeof net, "pop-net-%d", i);
        log_search(st, NOW - 1000 - i, "reset password", vis, net);
    }
    r = detect(st, ix);
    CHECK_INT((int)r->n, 0);
    kb_emerging_report_free(r);

    /* Eight customers, each in their own words and network. */
    for (int i = 0; i < 8; i++) {
        snprintf(vis, sizeof vis, "wave-%d", i);
        snprintf(net, sizeof net, "wave-net-%d", i);
        log_search(st, NOW - 7000 + i * 800, wave[i], vis, net);
    }
    r = detect(st, ix);
    CHECK_INT((int)search_problems(r, "buzz"), 1);
    CHECK_INT((int)r->n, 1);
    if (r->n == 1) {
        const struct kb_emerging_problem *p = &r->problems[0];
        CHECK(p->count >= 7 && p->count <= 8);
        CHECK(p->baseline < 0.5);
        int64_t sum = 0;
        for (size_t h = 0; h < p->nhours; h++)
            sum += p->hourly[h];
        CHECK_INT((int)sum, (int)p->count);
        CHECK(p->nexamples >= 3 && p->examples[0].kind == KB_EMERGING_SEARCH);
        CHECK_INT((int)p->searches, (int)p->count);
    }
    kb_emerging_report_free(r);
    /* Tickets only: nothing. */
    struct kb_emerging_opts o;
    kb_emerging_opts_default(&o);
    o.now = NOW;
    o.no_searches = 1;
    struct kb_err err;
    CHECK_INT(kb_emerging_detect(st, ix, &o, &r, &err), 0);
    CHECK_INT((int)r->n, 0);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

static void test_contact_requests_are_tickets(void)
{
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    setup("contact", 30, 20, 0, &st, &ix);
    struct kb_err err;
    for (int i = 0; i < 8; i++) {
        char name[64], mail[64];
        snprintf(name, sizeof name, "Customer Number%d", i);
        snprintf(mail, sizeof mail, "customer%d@example.net", i);
        struct kb_contact_in in = {NULL, name, mail, burst[i][0], burst[i][1], NULL, "en",
                                   NULL, NULL};
        int64_t id = 0;
        char key[KB_CONTACT_KEY_LEN + 1];
        int existing = 0;
        CHECK_INT(kb_contact_submit(st, &in, (NOW - 7000 + i * 800) * 1000, &id, key, &existing,
                                    NULL, &err), 0);
    }
    struct kb_emerging_report *r = detect(st, ix);
    CHECK_INT((int)r->n, 1);
    CHECK(r->recent >= 8);
    if (r->n == 1) {
        const struct kb_emerging_problem *p = &r->problems[0];
        CHECK_INT(p->source, KB_EMERGING_TICKETS);
        CHECK(p->count >= 6);
        CHECK(p->nexamples >= 1 && p->examples[0].kind == KB_EMERGING_CONTACT);
        for (size_t i = 0; i < p->nexamples; i++) {
            CHECK(strstr(p->examples[i].text, "example") == NULL);
            CHECK(strstr(p->examples[i].text, "Jane") == NULL);
        }
    }
    char *json = kb_emerging_json(r);
    CHECK(strstr(json, "\"kind\":\"contact\"") != NULL);
    CHECK(strstr(json, "\"source\":\"tickets\"") != NULL);
    CHECK(strstr(json, "Number") == NULL && strstr(json, "@example") == NULL);
    free(json);
    kb_emerging_report_free(r);
    kb_index_close(ix);
    kb_store_close(st);
}

/* A request filed in Request Tracker and synced back from it (ticket
 * "rt-<its RT number>") is one report, not two: the synced ticket counts,
 * the request no longer does. */
static void test_a_request_synced_back_from_rt_counts_once(void)
{
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    setup("rtonce", 1, 0, 0, &st, &ix);
    struct kb_err err;
    CHECK_INT(kb_contact_dest_set(st, "rt", 1, "{\"url\": \"http://127.0.0.1:9\"}", &err), 0);
    int64_t ids[2];
    for (int i = 0; i < 2; i++) {
        struct kb_contact_in in = {NULL, "Ada Lovelace", "ada@example.net", burst[i][0],
                                   burst[i][1], NULL, "en", NULL, NULL};
        char key[KB_CONTACT_KEY_LEN + 1];
        int existing = 0;
        CHECK_INT(kb_contact_submit(st, &in, (NOW - 3000 + i) * 1000, &ids[i], key, &existing,
                                    NULL, &err), 0);
    }
    CHECK_INT(kb_contact_delivered(st, ids[0], "rt", "77", NOW * 1000, &err), 0);
    CHECK_INT(kb_contact_delivered(st, ids[1], "rt", "78", NOW * 1000, &err), 0);
    put_ticket(st, "rt-77", burst[0][0], burst[0][1], NOW - 3000, "Ada Lovelace", NULL);
    struct kb_doc *docs = NULL;
    size_t n = 0;
    CHECK_INT(kb_store_contact_docs(st, NOW - 7200, NOW, 100, &docs, &n, &err), 0);
    CHECK_INT((int)n, 1); /* request 2: RT's ticket 78 is not synced yet */
    if (n == 1)
        CHECK(docs[0].number == -ids[1]);
    kb_store_contact_docs_free(docs, n);
    kb_index_close(ix);
    kb_store_close(st);
}

int main(void)
{
    kb_log_level = KB_LOG_WARN;
    snprintf(dir, sizeof dir, "/tmp/kb-test-emerging-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_pvalue();
    test_terms_in_text();
    test_burst_found();
    test_article_that_answers();
    test_background_quiet();
    test_small_burst_not_flagged();
    test_topics_window_by_created();
    test_search_waves();
    test_contact_requests_are_tickets();
    test_a_request_synced_back_from_rt_counts_once();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_emerging");
}
