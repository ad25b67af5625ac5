/* Tests for word bridges (kb/index/bridges.cc): related words mined from
 * each database's own content and added to queries at a low weight. A query
 * in one vocabulary finds a document written in the other only through a
 * bridge other documents taught; a customer's query is never bridged with
 * anything internal content taught. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

static char dir[64];

struct src {
    int db; /* KB_DB_PUBLIC or KB_DB_INTERNAL */
    int kind;
    const char *id, *title, *text;
};

/* Public articles: three say in their bodies what the others' titles call
 * "autoplay"; the target never says "immediately" or "videos". */
static const struct src docs[] = {
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "auto-1", "Stop autoplay on the news site",
     "Videos start immediately when a story opens; switch playback off in settings."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "auto-2", "Autoplay in the video gallery",
     "Clips start immediately after the previous one ends unless you turn it off."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "auto-3", "Why autoplay wastes mobile data",
     "Previews start immediately on cellular networks and use your data plan."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "target", "Autoplay settings of the tablet app",
     "Open the app menu, choose preferences and flip the toggle."},
    /* Two documents only: too few to bridge "snorkel" to anything. */
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "rare-1", "Export contacts to a file",
     "Choose export, pick the snorkel format and save."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "rare-2", "Export contacts for a backup",
     "The snorkel format keeps every field of a contact."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "pw", "Reset your password",
     "Use the forgot link on the sign in page and follow the mail."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "lang", "Change the display language",
     "Pick a language under account and reload the page."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "printer", "Printer offline after an update",
     "Restart the print spooler and plug the cable in again."},
    /* Public, and unrelated to printers: only internal content ties its
     * rare word to them. */
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "glass", "Cleaning the scanner glass",
     "Wipe the glass with a dry cloth; the quasselbox cover lifts off."},
    {KB_DB_PUBLIC, KB_KIND_ARTICLE, "glass-2", "Scanner glass streaks",
     "Streaks come from a damp cloth: let the glass dry."},
    /* Internal: tickets and an internal article pairing printers with an
     * internal host name and with the public article's rare word. */
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-1", "Printer offline on floor 3",
     "Resolved: the zorbleflux host dropped the queue; the quasselbox was reseated."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-2", "Printer offline again",
     "Resolved: restarted zorbleflux, checked the quasselbox."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-3", "Office printer shows offline",
     "Resolved: zorbleflux job spool full; quasselbox latch loose."},
    {KB_DB_INTERNAL, KB_KIND_ARTICLE, "int-1", "Printer offline runbook",
     "Check zorbleflux first, then the quasselbox."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-4", "Refund for a double charge",
     "Resolved: refunded the second payment."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-5", "Cannot sign in after the move",
     "Resolved: cleared the old session."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-6", "Invoice shows the wrong address",
     "Resolved: corrected the billing address."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-7", "Mailbox full warning",
     "Resolved: archived last year's mail."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-8", "Laptop battery drains overnight",
     "Resolved: turned off wake on network."},
    {KB_DB_INTERNAL, KB_KIND_TICKET, "t-9", "Shared drive missing",
     "Resolved: mapped the drive again."},
};
#define NDOCS (sizeof docs / sizeof docs[0])

static struct kb_index *build(const char *name, int mine)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    for (size_t i = 0; i < NDOCS; i++) {
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = docs[i].kind;
        d.number = 1000 + (int64_t)i;
        d.audience = docs[i].db == KB_DB_PUBLIC ? KB_AUD_PUBLIC : KB_AUD_INTERNAL;
        kb_doc_set(&d.source_id, docs[i].id);
        kb_doc_set(&d.title, docs[i].title);
        kb_doc_set(&d.text, docs[i].text);
        kb_doc_set(&d.locale, "en");
        CHECK_INT(kb_index_put(ix, docs[i].db, &d, &err), 0);
        kb_doc_release(&d);
    }
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);
    if (mine) {
        struct kb_bridge_stats st;
        CHECK_INT(kb_index_bridges_update(ix, 0, &st, &err), 0);
        CHECK_INT(st.mined, 2);
        CHECK(st.bridges > 0);
        CHECK_INT(kb_index_commit(ix, -1, &err), 0);
        /* Nothing changed since: nothing to mine. */
        CHECK_INT(kb_index_bridges_update(ix, 0, &st, &err), 0);
        CHECK_INT(st.mined, 0);
    }
    kb_index_close(ix);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);
    return rd;
}

static struct kb_result *find(struct kb_index *ix, int role, const char *q, double bridge)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.rank.bridge_weight = bridge;
    struct kb_result *r = NULL;
    struct kb_err err;
    CHECK_INT(kb_search(ix, role, &o, &r, &err), 0);
    return r;
}

static int found(struct kb_index *ix, int role, const char *q, double bridge, const char *id)
{
    struct kb_result *r = find(ix, role, q, bridge);
    int hit = 0;
    for (size_t i = 0; r && i < r->nhits; i++)
        hit |= strcmp(r->hits[i].source_id, id) == 0;
    kb_result_free(r);
    return hit;
}

/* Every word bridged to term, space separated ("" for none), freed here. */
static void check_bridges(struct kb_index *ix, int dbs, const char *term, const char *want)
{
    char *s = kb_index_bridges_of(ix, dbs, term);
    CHECK_STR(s ? s : "(null)", want);
    free(s);
}

static int bridged(struct kb_index *ix, int dbs, const char *term, const char *word)
{
    char *s = kb_index_bridges_of(ix, dbs, term);
    int yes = 0;
    if (s) {
        size_t n = strlen(word);
        for (const char *p = s; (p = strstr(p, word)) != NULL; p += n)
            yes |= (p == s || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0');
    }
    free(s);
    return yes;
}

/* "Videos start immediately" finds the page titled "autoplay" that never
 * says it, through the bridge three other pages taught; not without it. */
static void test_bridge_across_vocabulary(void)
{
    struct kb_index *ix = build("vocab", 1);
    CHECK(bridged(ix, KB_DB_PUBLIC, "immedi", "autoplay"));
    CHECK(!found(ix, KB_ROLE_CUSTOMER, "immediately", 0, "target"));
    CHECK(found(ix, KB_ROLE_CUSTOMER, "immediately", 0.3, "target"));
    /* Below the threshold of three documents, no bridge. */
    check_bridges(ix, KB_DB_PUBLIC, "snorkel", "");
    kb_index_close(ix);
}

/* Bridges are mined when asked, not by a search. */
static void test_no_bridges_before_mining(void)
{
    struct kb_index *ix = build("unmined", 0);
    CHECK(!bridged(ix, KB_DB_PUBLIC, "immedi", "autoplay"));
    CHECK(!found(ix, KB_ROLE_CUSTOMER, "immediately", 0.3, "target"));
    kb_index_close(ix);
}

/* Internal tickets pair printers with an internal host name and with a
 * rare word of an unrelated public page. Staff's queries use those bridges;
 * a customer's never: the host name finds nothing, and "printer offline"
 * does not bring up the scanner page (which would tell the customer what
 * the tickets say). */
static void test_customers_never_get_internal_bridges(void)
{
    struct kb_index *ix = build("audience", 1);
    CHECK(bridged(ix, KB_DB_BOTH, "zorbleflux", "printer"));
    CHECK(bridged(ix, KB_DB_BOTH, "printer", "quasselbox"));
    CHECK(!bridged(ix, KB_DB_PUBLIC, "zorbleflux", "printer"));
    CHECK(!bridged(ix, KB_DB_PUBLIC, "printer", "quasselbox"));
    check_bridges(ix, KB_DB_PUBLIC, "zorbleflux", "");
    /* Staff: the bridge works (the attack below would succeed if customers
     * shared it). */
    CHECK(found(ix, KB_ROLE_AGENT, "zorbleflux", 0.3, "printer"));
    CHECK(found(ix, KB_ROLE_AGENT, "printer offline", 0.3, "glass"));
    /* Customers: nothing, at any weight. */
    for (double w = 0; w <= 1.0; w += 0.5) {
        struct kb_result *r = find(ix, KB_ROLE_CUSTOMER, "zorbleflux", w);
        CHECK(r && r->nhits == 0);
        kb_result_free(r);
        CHECK(!found(ix, KB_ROLE_CUSTOMER, "printer offline", w, "glass"));
        CHECK(found(ix, KB_ROLE_CUSTOMER, "printer offline", w, "printer"));
    }
    kb_index_close(ix);
}

/* The sync path mines: documents stored and applied get their bridges
 * without anybody asking. */
static void test_sync_mines(void)
{
    char path[160], idx[160];
    snprintf(path, sizeof path, "%s/sync.sqlite3", dir);
    snprintf(idx, sizeof idx, "%s/sync-index", dir);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(path, &st, &err), 0);
    for (size_t i = 0; i < NDOCS; i++) {
        if (docs[i].db != KB_DB_PUBLIC)
            continue;
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = KB_KIND_ARTICLE;
        d.audience = KB_AUD_PUBLIC;
        d.status = KB_STATUS_PUBLISHED;
        kb_doc_set(&d.source_id, docs[i].id);
        kb_doc_set(&d.title, docs[i].title);
        kb_doc_set(&d.text, docs[i].text);
        kb_doc_set(&d.locale, "en");
        int result;
        int64_t number = 0;
        CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
        kb_doc_release(&d);
    }
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, NULL, &err), 0);
    CHECK(bridged(ix, KB_DB_PUBLIC, "immedi", "autoplay"));
    kb_index_close(ix);
    kb_store_close(st);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kb-bridges-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    test_bridge_across_vocabulary();
    test_no_bridges_before_mining();
    test_customers_never_get_internal_bridges();
    test_sync_mines();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_bridges");
}
