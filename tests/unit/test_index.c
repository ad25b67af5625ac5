/* Tests for the Xapian shim (kb/index/index.cc) and the role layer (kb/search/search.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/search.h"

static void mkdoc(struct kb_doc *d, int kind, int64_t number, const char *src, const char *title,
                  const char *text, const char *locale, const char *category)
{
    kb_doc_init(d);
    d->kind = kind;
    d->number = number;
    kb_doc_set(&d->source_id, src);
    kb_doc_set(&d->title, title);
    kb_doc_set(&d->text, text);
    kb_doc_set(&d->locale, locale);
    kb_doc_set(&d->category, category);
    d->audience = kind == KB_KIND_TICKET ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    d->updated = 1700000000 + number;
}

/* The bodies put, as a store would give them to snippets (the index keeps
 * none): by kind and number, the last put winning. */
static struct body {
    int kind;
    int64_t number;
    char *text;
} bodies[64];
static size_t nbodies;

static void keep_body(int kind, int64_t n, const char *text)
{
    for (size_t i = 0; i < nbodies; i++)
        if (bodies[i].kind == kind && bodies[i].number == n) {
            free(bodies[i].text);
            bodies[i].text = strdup(text ? text : "");
            return;
        }
    if (nbodies < sizeof bodies / sizeof *bodies)
        bodies[nbodies++] = (struct body){kind, n, strdup(text ? text : "")};
}

static char *body_of(void *ud, int dbs, const struct kb_hit *h, size_t *len)
{
    (void)ud;
    (void)dbs;
    for (size_t i = 0; i < nbodies; i++)
        if (bodies[i].kind == h->kind && bodies[i].number == h->number) {
            *len = strlen(bodies[i].text);
            return strdup(bodies[i].text);
        }
    return NULL;
}

static void put(struct kb_index *ix, int db, int kind, int64_t n, const char *src, const char *title,
                const char *text, const char *locale, const char *cat)
{
    keep_body(kind, n, text);
    struct kb_doc d;
    struct kb_err err;
    mkdoc(&d, kind, n, src, title, text, locale, cat);
    if (kind == KB_KIND_ARTICLE && db == KB_DB_INTERNAL)
        d.audience = KB_AUD_INTERNAL;
    kb_doc_add_tag(&d, "demo");
    int rc = kb_index_put(ix, db, &d, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "put: %s\n", err.msg);
    kb_doc_release(&d);
}

static struct kb_result *search(struct kb_index *ix, int role, const char *q, const char *locale)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.locale = locale;
    o.facets = 1;
    o.hit_text = body_of;
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_search(ix, role, &o, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "search '%s': %s\n", q, err.msg);
    return r;
}

static const char *first_id(struct kb_result *r)
{
    return r && r->nhits ? r->hits[0].source_id : "(none)";
}

static int has_id(struct kb_result *r, const char *id)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].source_id, id) == 0)
            return 1;
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/kb-test-index-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;

    /* READ before anything exists: a clear not-found error. */
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), KB_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "no index");

    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    /* A second writer is refused with KB_EBUSY. */
    struct kb_index *ix2 = NULL;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix2, &err), KB_EBUSY);

    put(ix, KB_DB_PUBLIC, KB_KIND_ARTICLE, 1000, "bg", "Change the desktop background",
        "Open Settings and choose Background. Pick a wallpaper or one of your pictures.",
        "en", "desktop");
    put(ix, KB_DB_PUBLIC, KB_KIND_ARTICLE, 1001, "wifi", "Connect to a wireless network",
        "Choose the network name from the list and type the password. Wireless networks "
        "in range appear under Wi-Fi.", "en", "network");
    put(ix, KB_DB_PUBLIC, KB_KIND_ARTICLE, 1002, "fr-wifi", "Se connecter à un réseau sans fil",
        "Choisissez le réseau dans la liste et saisissez le mot de passe.", "fr", "network");
    put(ix, KB_DB_PUBLIC, KB_KIND_ARTICLE, 1003, "zh-reset", "重置路由器",
        "按住路由器背面的重置按钮十秒钟，直到指示灯闪烁。", "zh", "network");
    put(ix, KB_DB_INTERNAL, KB_KIND_ARTICLE, 1004, "kestrel", "Project Kestrel escalation runbook",
        "Escalate zorblax failures to diag.nimbus.internal within one hour.", "en", "internal");
    put(ix, KB_DB_INTERNAL, KB_KIND_TICKET, 7, "NT-7", "VPN drops every hour",
        "The quuxframe tunnel resets on DHCP renewal. Resolution: raise the lease time.", "en",
        "vpn");
    CHECK_INT(kb_index_commit(ix, 42, &err), 0);

    int64_t seq = 0;
    CHECK_INT(kb_index_last_seq(ix, KB_DB_PUBLIC, &seq, &err), 0);
    CHECK_INT(seq, 42);
    CHECK_INT(kb_index_last_seq(ix, KB_DB_INTERNAL, &seq, &err), 0);
    CHECK_INT(seq, 42);
    CHECK_INT(kb_index_commit(ix, -1, &err), 0);
    CHECK_INT(kb_index_last_seq(ix, KB_DB_PUBLIC, &seq, &err), 0);
    CHECK_INT(seq, 42);

    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);
    uint64_t n = 0;
    kb_index_count(rd, KB_DB_PUBLIC, &n, &err);
    CHECK_INT(n, 4);
    kb_index_count(rd, KB_DB_INTERNAL, &n, &err);
    CHECK_INT(n, 2);

    struct kb_result *r = search(rd, KB_ROLE_CUSTOMER, "change my desktop background", NULL);
    CHECK_STR(first_id(r), "bg");
    CHECK_CONTAINS(r->hits[0].snippet, "<mark>Background</mark>");
    CHECK_STR(r->hits[0].title, "Change the desktop background");
    CHECK_INT(r->hits[0].number, 1000);
    kb_result_free(r);

    /* Stemming: "pictures" ~ "picture". */
    r = search(rd, KB_ROLE_CUSTOMER, "picture wallpapers", NULL);
    CHECK_STR(first_id(r), "bg");
    kb_result_free(r);

    /* French, no accents in the query; accents kept in the snippet. */
    r = search(rd, KB_ROLE_CUSTOMER, "reseau sans fil", "fr");
    CHECK_STR(first_id(r), "fr-wifi");
    CHECK_INT(r->nhits, 1); /* locale filter */
    kb_result_free(r);
    r = search(rd, KB_ROLE_CUSTOMER, "mot de passe réseau", "fr");
    CHECK_STR(first_id(r), "fr-wifi");
    CHECK_CONTAINS(r->hits[0].snippet, "<mark>réseau</mark>");
    kb_result_free(r);

    /* Chinese: a two-character word. */
    r = search(rd, KB_ROLE_CUSTOMER, "重置", NULL);
    CHECK_STR(first_id(r), "zh-reset");
    kb_result_free(r);
    r = search(rd, KB_ROLE_CUSTOMER, "按钮", NULL);
    CHECK_STR(first_id(r), "zh-reset");
    kb_result_free(r);

    /* Audience: customers never see internal articles or tickets. */
    r = search(rd, KB_ROLE_CUSTOMER, "zorblax kestrel", NULL);
    CHECK_INT(r->nhits, 0);
    CHECK_INT(r->total, 0);
    CHECK(r->corrected == NULL);
    kb_result_free(r);
    r = search(rd, KB_ROLE_CUSTOMER, "zorblx", NULL); /* a misspelling of an internal word */
    CHECK_INT(r->nhits, 0);
    CHECK(r->corrected == NULL);
    kb_result_free(r);
    r = search(rd, KB_ROLE_CUSTOMER, "quuxframe", NULL);
    CHECK_INT(r->nhits, 0);
    kb_result_free(r);
    struct kb_result *sg = NULL;
    CHECK_INT(kb_suggest(rd, KB_ROLE_CUSTOMER, "proj", NULL, 8, &sg, &err), 0);
    CHECK_INT(sg->nhits, 0);
    kb_result_free(sg);

    /* Agents see both, each hit marked. */
    r = search(rd, KB_ROLE_AGENT, "zorblax kestrel", NULL);
    CHECK_STR(first_id(r), "kestrel");
    CHECK_INT(r->hits[0].audience, KB_AUD_INTERNAL);
    kb_result_free(r);
    r = search(rd, KB_ROLE_AGENT, "vpn drops every hour", NULL);
    CHECK_STR(first_id(r), "NT-7");
    CHECK_INT(r->hits[0].kind, KB_KIND_TICKET);
    kb_result_free(r);

    /* Spelling correction from public words only. */
    r = search(rd, KB_ROLE_CUSTOMER, "wallpapre", NULL);
    CHECK_STR(r->corrected, "wallpaper");
    CHECK_STR(first_id(r), "bg");
    kb_result_free(r);
    r = search(rd, KB_ROLE_AGENT, "zorblx", NULL);
    CHECK_STR(r->corrected, "zorblax");
    kb_result_free(r);

    /* Facets and filters. */
    r = search(rd, KB_ROLE_CUSTOMER, "network password", NULL);
    CHECK(r->nfacets >= 1);
    int saw_network = 0;
    for (size_t i = 0; i < r->nfacets; i++)
        if (strcmp(r->facets[i].value, "network") == 0)
            saw_network = (int)r->facets[i].count;
    CHECK(saw_network >= 1);
    kb_result_free(r);
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = "network";
    o.category = "desktop";
    CHECK_INT(kb_search(rd, KB_ROLE_CUSTOMER, &o, &r, &err), 0);
    CHECK_INT(r->nhits, 0);
    kb_result_free(r);
    o.query = "";
    o.category = "network";
    CHECK_INT(kb_search(rd, KB_ROLE_CUSTOMER, &o, &r, &err), 0);
    CHECK_INT(r->nhits, 3); /* browse by category */
    kb_result_free(r);

    /* Pagination: limit 1 tells there is more. */
    kb_search_opts_init(&o);
    o.query = "network wireless reseau";
    o.limit = 1;
    CHECK_INT(kb_search(rd, KB_ROLE_CUSTOMER, &o, &r, &err), 0);
    CHECK_INT(r->nhits, 1);
    CHECK(r->more);
    kb_result_free(r);

    /* Typeahead. */
    CHECK_INT(kb_suggest(rd, KB_ROLE_CUSTOMER, "change the desk", NULL, 5, &sg, &err), 0);
    CHECK_STR(first_id(sg), "bg");
    kb_result_free(sg);

    /* Synonyms. */
    const char *terms[] = {"wallpaper"};
    const char *syns[] = {"backdrop"};
    CHECK_INT(kb_index_set_synonyms(ix, terms, syns, 1, &err), 0);
    CHECK_INT(kb_index_commit(ix, -1, &err), 0);
    CHECK_INT(kb_index_reopen(rd, &err), 0);
    r = search(rd, KB_ROLE_CUSTOMER, "backdrop", NULL);
    CHECK_STR(first_id(r), "bg");
    kb_result_free(r);

    /* Moving a public article to internal takes its words out of customers'
     * spelling suggestions too. */
    put(ix, KB_DB_INTERNAL, KB_KIND_ARTICLE, 1000, "bg", "Change the desktop background",
        "Open Settings and choose Background. Pick a wallpaper or one of your pictures.",
        "en", "desktop");
    CHECK_INT(kb_index_commit(ix, 43, &err), 0);
    CHECK_INT(kb_index_reopen(rd, &err), 0);
    r = search(rd, KB_ROLE_CUSTOMER, "wallpapre", NULL);
    CHECK_INT(r->nhits, 0);
    CHECK(r->corrected == NULL);
    kb_result_free(r);
    r = search(rd, KB_ROLE_AGENT, "wallpaper", NULL);
    CHECK_STR(first_id(r), "bg");
    kb_result_free(r);

    /* Delete removes from both. */
    CHECK_INT(kb_index_delete(ix, KB_KIND_ARTICLE, 1000, &err), 0);
    CHECK_INT(kb_index_commit(ix, 44, &err), 0);
    CHECK_INT(kb_index_reopen(rd, &err), 0);
    r = search(rd, KB_ROLE_AGENT, "wallpaper", NULL);
    CHECK(!has_id(r, "bg"));
    kb_result_free(r);

    /* Long input is reduced to its rarest words and still finds the ticket. */
    char long_q[4096] = "";
    for (int i = 0; i < 30; i++)
        strcat(long_q, "hello there I am writing to you because ");
    strcat(long_q, "my quuxframe tunnel keeps dropping");
    char *red = kb_search_reduce(rd, KB_DB_BOTH, long_q, NULL);
    CHECK(red != NULL);
    CHECK_CONTAINS(red, "quuxframe");
    free(red);
    r = search(rd, KB_ROLE_AGENT, long_q, NULL);
    CHECK_STR(first_id(r), "NT-7");
    kb_result_free(r);

    /* Query syntax errors never escape as exceptions. */
    r = search(rd, KB_ROLE_CUSTOMER, "\"unterminated AND OR ( NOT", NULL);
    kb_result_free(r);

    kb_index_close(rd);
    kb_index_close(ix);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_index");
}
