/* Tests for the ranking (kb/index/index.cc query path, kb/search/search.c knobs) and the
 * learning that feeds it (kb/store/events.c): behaviour a searcher would notice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/events.h"
#include "kb/index/index.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

static char dir[64];

struct art {
    const char *id, *title, *text;
    const char *asked_as;
    int64_t helpful, unhelpful;
};

/* Summaries of the next make_index's arts, by position, when not NULL. */
static const char *const *next_summaries;

/* A fresh index holding arts (articles KB-1000...) and tickets. */
static struct kb_index *make_index(const char *name, const struct art *arts, size_t n,
                                   struct kb_index **writer)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    for (size_t i = 0; i < n; i++) {
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = KB_KIND_ARTICLE;
        d.number = 1000 + (int64_t)i;
        d.audience = KB_AUD_PUBLIC;
        kb_doc_set(&d.source_id, arts[i].id);
        kb_doc_set(&d.title, arts[i].title);
        kb_doc_set(&d.text, arts[i].text);
        if (next_summaries)
            kb_doc_set(&d.summary, next_summaries[i]);
        kb_doc_set(&d.locale, "en");
        kb_doc_set(&d.asked_as, arts[i].asked_as);
        kb_doc_set(&d.asked_public, arts[i].asked_as); /* as customers taught it */
        d.helpful = arts[i].helpful;
        d.unhelpful = arts[i].unhelpful;
        int rc = kb_index_put(ix, KB_DB_PUBLIC, &d, &err);
        CHECK_INT(rc, 0);
        if (rc)
            fprintf(stderr, "put %s: %s\n", arts[i].id, err.msg);
        kb_doc_release(&d);
    }
    next_summaries = NULL;
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);
    if (writer)
        *writer = ix;
    else
        kb_index_close(ix);
    return rd;
}

static struct kb_result *find(struct kb_index *ix, int role, const char *q,
                              const struct kb_rank_opts *rank)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    if (rank)
        o.rank = *rank;
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_search(ix, role, &o, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "search '%s': %s\n", q, err.msg);
    return r;
}

/* Rank (0-based) of id in r, or -1. */
static int rank_of(const struct kb_result *r, const char *id)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].source_id, id) == 0)
            return (int)i;
    return -1;
}

static const char *first(const struct kb_result *r)
{
    return r && r->nhits ? r->hits[0].source_id : "(none)";
}

static void test_knobs(void)
{
    struct kb_rank_opts r;
    struct kb_err err;
    kb_rank_opts_default(&r);
    CHECK_INT(kb_rank_opts_set(&r, "--k1", "1.5", &err), 0);
    CHECK(r.k1 == 1.5);
    CHECK_INT(kb_rank_opts_set(&r, "title-weight", "2", &err), 0);
    CHECK(r.title_weight == 2);
    CHECK_INT(kb_rank_opts_set(&r, "stopwords", "0", &err), 0);
    CHECK_INT(r.stopwords, 0);
    CHECK_INT(kb_rank_opts_set(&r, "prf", "3:10:0.3", &err), 0);
    CHECK_INT(r.prf_docs, 3);
    CHECK_INT(r.prf_terms, 10);
    CHECK_INT(kb_rank_opts_set(&r, "b", "1.5", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "b must be");
    CHECK_INT(kb_rank_opts_set(&r, "stopwords", "0.5", &err), KB_EINVAL);
    CHECK_INT(kb_rank_opts_set(&r, "prf", "3:10", &err), KB_EINVAL);
    CHECK_INT(kb_rank_opts_set(&r, "title-weight", "", &err), KB_EINVAL);
    CHECK_INT(kb_rank_opts_set(&r, "--colour", "1", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "unknown ranking option 'colour'");
    for (size_t i = 0; kb_rank_opts_names[i]; i++) {
        struct kb_rank_opts t;
        kb_rank_opts_default(&t);
        const char *v = strcmp(kb_rank_opts_names[i], "prf") == 0 ? "1:1:0.1" : "0";
        CHECK_INT(kb_rank_opts_set(&t, kb_rank_opts_names[i], v, &err), 0);
    }
    char buf[1024];
    kb_rank_opts_format(&r, buf, sizeof buf);
    CHECK_CONTAINS(buf, "k1=1.5");
    CHECK_CONTAINS(buf, "title-weight=2");
    /* The baseline is plain BM25: no feature on. */
    kb_rank_opts_baseline(&r);
    CHECK(r.k1 == 1.2 && r.b == 0.75);
    CHECK(r.title_weight == 0 && r.asked_weight == 0 && r.group_weight == 0);
    CHECK(r.prior_weight == 0 && r.recency_weight == 0);
    CHECK(!r.stopwords && !r.spelling && !r.joins && !r.prf_docs);
}

static const struct art arts[] = {
    /* 0: the title says it */
    {"reset-pw", "Reset your router password",
     "Hold the button on the back for ten seconds. The lights blink and the admin login "
     "goes back to the one printed on the label.", NULL, 0, 0},
    /* 1: the body mentions it in passing */
    {"lights", "What the router lights mean",
     "A blinking orange light means no signal. If you reset the router the password "
     "on the label works again; the lights then turn green. Lights off: check the power.",
     NULL, 0, 0},
    /* 2: customers' words for it, learned */
    {"bg", "Change the desktop background",
     "Open Settings and choose Background. Pick one of your pictures.",
     "how do i set a wallpaper\nwallpaper on my screen", 0, 0},
    /* 3, 4: one question, two answers; 5: another question */
    {"export-a", "How do I export my contacts?",
     "Contacts can be exported: open Contacts, choose Export, pick vCard. The export "
     "contains every contact.", NULL, 0, 0},
    {"export-b", "How do I export my contacts?",
     "Use the sync tool on a computer: connect the phone with its cable, open the tool, "
     "wait until it has finished and check that everything arrived on the computer "
     "before you unplug the cable. The tool also keeps your calendar and photos.",
     NULL, 0, 0},
    {"import", "Import contacts from an export file",
     "Choose Import and pick the file you exported from another phone: contacts in "
     "vCard files come in with their photos. Export them from the old phone first.",
     NULL, 0, 0},
    /* 6, 7: typo and joined words */
    {"collab", "Invite a collaborator to a shared folder",
     "Open the folder, choose Share and type the collaborator's address.", NULL, 0, 0},
    {"gh", "Strikethrough on GitHub",
     "Put two tildes around the words in GitHub markdown.", NULL, 0, 0},
    /* 8: a learned phrase with a common word must not win every query */
    {"by-date", "Find mail from a given day",
     "Type after: and before: with dates in the search box.",
     "search gmail messages by date\nsearch mail sent on a day", 0, 0},
    {"labels", "Gmail labels and filters",
     "Labels sort your mail in Gmail; a filter applies labels to new mail.", NULL, 0, 0},
    /* 10, 11: the same text, rated differently; 12: clearly better text, rated badly */
    {"modem-a", "Restart the modem", "Unplug the modem, wait, plug it in again.", NULL, 40, 0},
    {"modem-b", "Restart the modem", "Unplug the modem, wait, plug it in again.", NULL, 0, 0},
    {"modem-c", "Restart the modem safely: unplug the modem",
     "Unplug the modem, wait a minute, plug the modem in again; restart done.", NULL, 0, 40},
};

static void test_ranking(void)
{
    struct kb_index *rd = make_index("rank", arts, sizeof arts / sizeof arts[0], NULL);
    struct kb_result *r;

    /* An exact title match beats a body that mentions the words. */
    r = find(rd, KB_ROLE_CUSTOMER, "reset router password", NULL);
    CHECK_STR(first(r), "reset-pw");
    CHECK(rank_of(r, "lights") > 0);
    kb_result_free(r);
    /* "How do I" questions rank by their topic words. */
    r = find(rd, KB_ROLE_CUSTOMER, "How do I reset the password of my router?", NULL);
    CHECK_STR(first(r), "reset-pw");
    kb_result_free(r);

    /* A learned phrase finds the article that has none of its words. */
    r = find(rd, KB_ROLE_CUSTOMER, "wallpaper", NULL);
    CHECK_STR(first(r), "bg");
    kb_result_free(r);
    struct kb_rank_opts no_asked;
    kb_rank_opts_default(&no_asked);
    no_asked.asked_weight = 0;
    r = find(rd, KB_ROLE_CUSTOMER, "wallpaper", &no_asked);
    CHECK_INT(rank_of(r, "bg"), -1);
    kb_result_free(r);
    /* ... but its common words weigh what they weigh everywhere: "gmail"
     * in one article's learned phrases does not beat a title about it. */
    r = find(rd, KB_ROLE_CUSTOMER, "gmail labels", NULL);
    CHECK_STR(first(r), "labels");
    kb_result_free(r);

    /* Answers to the same question come together: the weak answer to the
     * question asked moves up to its strong sibling, past another question. */
    struct kb_rank_opts group;
    kb_rank_opts_default(&group);
    group.group_weight = 1;
    r = find(rd, KB_ROLE_CUSTOMER, "export contacts", &group);
    CHECK_STR(first(r), "export-a");
    CHECK(rank_of(r, "export-b") == 1 && rank_of(r, "import") == 2);
    kb_result_free(r);
    group.group_weight = 0;
    r = find(rd, KB_ROLE_CUSTOMER, "export contacts", &group);
    CHECK_STR(first(r), "export-a");
    CHECK(rank_of(r, "import") == 1 && rank_of(r, "export-b") == 2);
    kb_result_free(r);

    /* A typo among known words still finds its word, without rewriting the
     * query; a word the index knows through its stem is not "corrected". */
    r = find(rd, KB_ROLE_CUSTOMER, "invite a colaborator to the shared folder", NULL);
    CHECK_STR(first(r), "collab");
    CHECK(r->corrected == NULL);
    kb_result_free(r);
    r = find(rd, KB_ROLE_CUSTOMER, "colaborator", NULL);
    CHECK_STR(first(r), "collab");
    CHECK_STR(r->corrected, "collaborator");
    kb_result_free(r);
    r = find(rd, KB_ROLE_CUSTOMER, "exporting", NULL);
    CHECK(r->corrected == NULL);
    CHECK(rank_of(r, "export-a") >= 0);
    kb_result_free(r);

    /* Words typed apart that the knowledge base writes as one. */
    r = find(rd, KB_ROLE_CUSTOMER, "strikethrough git hub", NULL);
    CHECK_STR(first(r), "gh");
    kb_result_free(r);
    r = find(rd, KB_ROLE_CUSTOMER, "git hub", NULL);
    CHECK_STR(first(r), "gh");
    kb_result_free(r);

    /* Helpful votes order equal matches, never a clearly better one. */
    r = find(rd, KB_ROLE_CUSTOMER, "restart modem", NULL);
    CHECK_STR(first(r), "modem-c");
    CHECK(rank_of(r, "modem-a") >= 0 && rank_of(r, "modem-a") < rank_of(r, "modem-b"));
    kb_result_free(r);
    struct kb_rank_opts no_prior;
    kb_rank_opts_default(&no_prior);
    no_prior.prior_weight = 0;
    no_prior.group_weight = 0;
    r = find(rd, KB_ROLE_CUSTOMER, "restart modem", &no_prior);
    CHECK_STR(first(r), "modem-c");
    kb_result_free(r);
    kb_index_close(rd);
}

static void test_recency(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/tickets", dir);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    int64_t now = (int64_t)time(NULL);
    const struct { const char *id; int64_t resolved; } t[] = {
        {"T-old", now - 3 * 365 * 86400}, {"T-new", now - 86400}, {"T-mid", now - 200 * 86400}};
    for (size_t i = 0; i < 3; i++) {
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = KB_KIND_TICKET;
        d.number = 10 + (int64_t)i;
        d.audience = KB_AUD_INTERNAL;
        kb_doc_set(&d.source_id, t[i].id);
        kb_doc_set(&d.title, "VPN drops every hour");
        kb_doc_set(&d.text, "Renewed the VPN certificate.");
        d.resolved = d.updated = t[i].resolved;
        CHECK_INT(kb_index_put(ix, KB_DB_INTERNAL, &d, &err), 0);
        kb_doc_release(&d);
    }
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);
    struct kb_result *r = find(rd, KB_ROLE_AGENT, "vpn drops", NULL);
    CHECK_INT(r->nhits, 3);
    CHECK_STR(first(r), "T-new");
    CHECK(rank_of(r, "T-mid") < rank_of(r, "T-old"));
    kb_result_free(r);
    kb_index_close(rd);
    kb_index_close(ix);
}

static int64_t put_article(struct kb_store *st, const char *id, const char *title)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    kb_doc_set(&d.source_id, id);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, id);
    int64_t n = 0;
    int result;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &n, &err), 0);
    kb_doc_release(&d);
    return n;
}

static int asked_has(struct kb_store *st, int64_t n, const char *phrase)
{
    struct kb_doc d;
    int has = 0;
    if (kb_store_get(st, KB_KIND_ARTICLE, n, &d, NULL) == 0) {
        has = d.asked_as && strstr(d.asked_as, phrase) != NULL;
        kb_doc_release(&d);
    }
    return has;
}

/* Learning through the live feedback path: a solved search teaches the
 * article and the other answers to the same question, and a learned phrase
 * then finds the question through the index. */
static void test_learning(void)
{
    char path[160];
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    struct kb_store *st = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(path, &st, &err), 0);
    int64_t a = put_article(st, "faq-1-a", "How do I delete my account?");
    int64_t b = put_article(st, "faq-1-b", "How do I DELETE my account?");
    int64_t c = put_article(st, "faq-2", "How do I rename my account?");
    /* Three customers (k = 3 by default) on three networks: the words new
     * to public content reach the public copy only with the third. */
    static const char *const who[3] = {"cust-1", "cust-2", "cust-3"};
    static const char *const net[3] = {"net-1", "net-2", "net-3"};
    int learned = 0;
    char ipath[160];
    snprintf(ipath, sizeof ipath, "%s/learn-index", dir);
    struct kb_index *ix = NULL, *rd = NULL;
    CHECK_INT(kb_index_open(ipath, KB_INDEX_WRITE, &ix, &err), 0);
    for (int i = 0; i < 3; i++) {
        struct kb_event ev = {"solved", 0, a, "get rid of my profile for good", who[i],
                              KB_ROLE_CUSTOMER, 0, 0, net[i]};
        CHECK_INT(kb_events_add(st, &ev, NULL, &learned, &err), 0);
        CHECK_INT(learned, 1);
        CHECK_INT(kb_sync_apply(st, ix, 0, NULL, &err), 0);
        if (i == 1) {
            CHECK_INT(kb_index_open(ipath, KB_INDEX_READ, &rd, &err), 0);
            struct kb_result *r = find(rd, KB_ROLE_CUSTOMER, "rid profile", NULL);
            CHECK_INT((int)r->nhits, 0); /* two customers are not enough */
            kb_result_free(r);
            r = find(rd, KB_ROLE_AGENT, "rid profile", NULL);
            CHECK(rank_of(r, "faq-1-a") >= 0); /* staff see every phrase at once */
            kb_result_free(r);
            kb_index_close(rd);
        }
    }
    CHECK(asked_has(st, a, "get rid of my profile"));
    CHECK(asked_has(st, b, "get rid of my profile"));
    CHECK(!asked_has(st, c, "get rid of my profile"));

    /* Votes and clicks are counted for the prior. */
    struct kb_feedback fb = {c, 1, NULL, 0, NULL, KB_ROLE_CUSTOMER, 0, "cust-1", 0, "net-1"};
    CHECK_INT(kb_feedback_add(st, &fb, NULL, NULL, &err), 0);
    struct kb_event click = {"click", 0, c, NULL, "cust-1", KB_ROLE_CUSTOMER, 0, 0, "net-1"};
    CHECK_INT(kb_events_add(st, &click, NULL, NULL, &err), 0);
    struct kb_usage u;
    CHECK_INT(kb_events_usage(st, c, &u, &err), 0);
    CHECK_INT(u.helpful, 1);
    CHECK_INT(u.unhelpful, 0);
    CHECK_INT(u.clicks, 1);
    CHECK_INT(kb_events_usage(st, a, &u, &err), 0);
    CHECK_INT(u.solved, 3);

    CHECK_INT(kb_sync_apply(st, ix, 0, NULL, &err), 0);
    CHECK_INT(kb_index_open(ipath, KB_INDEX_READ, &rd, &err), 0);
    struct kb_result *r = find(rd, KB_ROLE_CUSTOMER, "get rid of my profile", NULL);
    CHECK(r->nhits >= 2);
    CHECK(rank_of(r, "faq-1-a") >= 0 && rank_of(r, "faq-1-a") < 2);
    CHECK(rank_of(r, "faq-1-b") >= 0 && rank_of(r, "faq-1-b") < 2);
    CHECK_INT(rank_of(r, "faq-2"), -1);
    kb_result_free(r);
    kb_index_close(rd);
    kb_index_close(ix);
    kb_store_close(st);
}

/* A compound written with a hyphen or a dot ("Wi-Fi", "e-mail") is found by
 * the word typed as one ("wifi", "email"), and the other way round, wherever
 * the document writes it: title or body. */
static void test_compounds(void)
{
    const struct art arts[] = {
        {"wifi-page", "Connect to a wireless network",
         "Open the Wi-Fi menu and pick your network. Some routers show the name twice.", NULL,
         0, 0},
        {"mail-page", "Set up your E-mail account", "Add the account in Settings.", NULL, 0, 0},
        {"joined-page", "Printer sharing", "Share a printer over wifi with other computers.",
         NULL, 0, 0},
        {"web-page", "Node.js apps", "Run a server on your machine.", NULL, 0, 0},
        {"filler", "Keyboard shortcuts", "Press keys together to do things faster.", NULL, 0, 0},
    };
    struct kb_index *ix = make_index("compounds", arts, sizeof arts / sizeof arts[0], NULL);
    /* Exact words only: no typo tolerance to stand in for the compound. */
    struct kb_rank_opts exact;
    kb_rank_opts_default(&exact);
    exact.spelling = 0;
    struct kb_result *r = find(ix, KB_ROLE_CUSTOMER, "wifi", &exact);
    CHECK(rank_of(r, "wifi-page") >= 0);
    CHECK(rank_of(r, "joined-page") >= 0);
    kb_result_free(r);
    r = find(ix, KB_ROLE_CUSTOMER, "connect to wifi", &exact);
    CHECK_STR(first(r), "wifi-page");
    kb_result_free(r);
    r = find(ix, KB_ROLE_CUSTOMER, "wi-fi", &exact);
    CHECK(rank_of(r, "wifi-page") >= 0);
    CHECK(rank_of(r, "joined-page") >= 0);
    kb_result_free(r);
    r = find(ix, KB_ROLE_CUSTOMER, "email", &exact);
    CHECK_STR(first(r), "mail-page");
    kb_result_free(r);
    r = find(ix, KB_ROLE_CUSTOMER, "nodejs", &exact);
    CHECK_STR(first(r), "web-page");
    kb_result_free(r);
    kb_index_close(ix);
}

/* A page's summary (Mallard's <desc>, an article's description) says what the
 * page answers, as its title does: a query in the summary's words finds that
 * page before pages that only share a word with it in their titles. */
static void test_summary(void)
{
    const struct art arts[] = {
        {"bounce", "Turn on bounce keys",
         "Turn on bounce keys in the accessibility settings. The delay can be changed.", NULL, 0,
         0},
        {"repeat", "Manage repeated key presses",
         "A held key repeats its letter. Repeated key presses can be turned off, so a key "
         "pressed once types once; or change how quickly a held key repeats.",
         NULL, 0, 0},
        {"shortcuts", "Useful keyboard shortcuts", "Press keys together to do things faster.",
         NULL, 0, 0},
        {"slow", "Turn on slow keys", "Slow keys wait before a key press counts. Press and hold.",
         NULL, 0, 0},
        {"sticky", "Turn on sticky keys", "Sticky keys let you press keys one at a time.", NULL,
         0, 0},
        {"beep", "Beep when keys are pressed", "Hear a sound when some key presses happen.",
         NULL, 0, 0},
        {"files", "Find a lost file", "Search quickly for the same name; ignore case.", NULL, 0,
         0},
        {"windows", "Move windows quickly", "Drag the same way each time; ignore the rest.",
         NULL, 0, 0},
        {"sound", "Change the volume", "Ignore the same alert sound if it plays too quickly.",
         NULL, 0, 0},
    };
    static const char *const summaries[] = {
        "Ignore quickly-repeated presses of the same key.",
        "Make the keyboard not repeat letters when you hold down a key.",
        "Get around the desktop using the keyboard.",
        "Have a delay between a key press and the letter on the screen.",
        "Type shortcuts one key at a time.",
        "Hear a sound for caps lock and other keys.",
        "Look for files by name.",
        "Arrange windows on the screen.",
        "Set how loud sounds are.",
    };
    next_summaries = summaries;
    struct kb_index *ix = make_index("summary", arts, sizeof arts / sizeof arts[0], NULL);
    struct kb_result *r = find(ix, KB_ROLE_CUSTOMER, "ignore quickly repeated presses same key", NULL);
    CHECK_STR(first(r), "bounce");
    kb_result_free(r);
    kb_index_close(ix);
}

/* A stop word the query drops still tells two pages apart that share every
 * other word ("from" against "to"), a little, and finds nothing alone. */
static void test_stop_weight(void)
{
    const struct art arts[] = {
        {"to", "Phone files", "Copy files to the phone over a cable. Open the phone folder.",
         NULL, 0, 0},
        {"from", "Phone files", "Copy files from the phone over a cable. Open the phone folder.",
         NULL, 0, 0},
        {"other", "Keyboard", "Keys from the layout to the screen.", NULL, 0, 0},
    };
    struct kb_index *ix = make_index("stopw", arts, sizeof arts / sizeof arts[0], NULL);
    struct kb_rank_opts nog;
    kb_rank_opts_default(&nog);
    nog.group_weight = 0; /* same titles: not pulled together */
    for (int pass = 0; pass < 2; pass++) {
        struct kb_result *r =
            find(ix, KB_ROLE_CUSTOMER, pass ? "copy files to phone" : "copy files from phone", &nog);
        CHECK_STR(first(r), pass ? "to" : "from");
        CHECK_INT(rank_of(r, "other"), -1);
        kb_result_free(r);
    }
    kb_index_close(ix);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kb-test-ranking-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_knobs();
    test_ranking();
    test_recency();
    test_learning();
    test_compounds();
    test_summary();
    test_stop_weight();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_ranking");
}
