/* Typeahead (kb_index_suggest through kb_suggest): titles ranked as titles.
 * A small help center shaped like the GNOME help that showed the bug (issue
 * 16): one-line stub pages with the word in their title, a proper article
 * further into its title, one title on several pages, a second locale, an
 * internal article, and a word only in a body. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/search.h"

/* A body of about n bytes: a proper article, not a stub. */
static char *long_body(const char *sentence, size_t n)
{
    size_t len = strlen(sentence);
    char *s = malloc(n + len + 2);
    s[0] = '\0';
    for (size_t used = 0; used < n; used += len + 1) {
        strcat(s, sentence);
        strcat(s, " ");
    }
    return s;
}

static void put(struct kb_index *ix, int db, int64_t n, const char *src, const char *title,
                const char *text, const char *locale, int64_t clicks)
{
    struct kb_doc d;
    struct kb_err err;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = n;
    d.audience = db == KB_DB_INTERNAL ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, locale);
    d.clicks = clicks;
    d.updated = 1700000000 + n;
    int rc = kb_index_put(ix, db, &d, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "put: %s\n", err.msg);
    kb_doc_release(&d);
}

static struct kb_result *sg(struct kb_index *ix, int role, const char *q, const char *locale)
{
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_suggest(ix, role, q, locale, 8, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "suggest '%s': %s\n", q, err.msg);
    return r;
}

/* The rank (0-based) of the first suggestion with this id, or -1. */
static int rank_of(const struct kb_result *r, const char *id)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].source_id, id) == 0)
            return (int)i;
    return -1;
}

static int count_title(const struct kb_result *r, const char *title)
{
    int n = 0;
    for (size_t i = 0; r && i < r->nhits; i++)
        n += strcmp(r->hits[i].title, title) == 0;
    return n;
}

static int all_locale(const struct kb_result *r, const char *locale)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].locale, locale) != 0)
            return 0;
    return 1;
}

static void dump(const char *q, const struct kb_result *r)
{
    if (!getenv("KB_TEST_VERBOSE"))
        return;
    fprintf(stderr, "'%s':\n", q);
    for (size_t i = 0; r && i < r->nhits; i++)
        fprintf(stderr, "  %-10s %s %s\n", r->hits[i].source_id, r->hits[i].locale,
                r->hits[i].title);
}

int main(void)
{
    char dir[] = "/tmp/kb-test-suggest-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    struct kb_index *ix = NULL, *rd = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);

    char *wifi = long_body("Open the system menu, choose Wi-Fi, pick the network name from the "
                           "list and type its password when asked.", 1700);
    char *trouble = long_body("Check that the wireless adapter is switched on and that the "
                              "driver is loaded before anything else.", 2600);
    char *booklet = long_body("Choose Print, then Page Setup, and set pages per side to two; "
                              "fold the printed sheets in half.", 1300);
    char *env = long_body("Put the envelope in the tray face down and choose Envelope as the "
                          "paper size before printing.", 1300);
    char *dflt = long_body("Open Settings, Printers, and choose Default Printer from the menu "
                           "of the printer you use most.", 1400);
    char *body = long_body("Wireless wireless wireless: every setting of the network panel, "
                           "wireless ones included.", 1500);
    char *fr = long_body("Ouvrez le menu système, choisissez le réseau sans fil et saisissez "
                         "son mot de passe.", 1500);

    /* Stubs: one line of text, the typed word at the start of the title. */
    put(ix, KB_DB_PUBLIC, 1, "net-wireless", "Wireless networking", "Wireless topics.", "en", 0);
    put(ix, KB_DB_PUBLIC, 2, "ts-1", "Wireless network troubleshooter", "Step one.", "en", 0);
    put(ix, KB_DB_PUBLIC, 3, "ts-2", "Wireless network troubleshooter", "Step two.", "en", 0);
    put(ix, KB_DB_PUBLIC, 4, "ts-3", "Wireless network troubleshooter", trouble, "en", 0);
    put(ix, KB_DB_PUBLIC, 5, "unused", "Switch off unused wireless technologies",
        "Turn them off.", "en", 0);
    /* The article people want, its word fourth in its title. */
    put(ix, KB_DB_PUBLIC, 6, "wifi", "Connect to a wireless network", wifi, "en", 0);
    put(ix, KB_DB_PUBLIC, 7, "wake", "I have no wireless network when I wake up my computer",
        trouble, "en", 0);
    put(ix, KB_DB_PUBLIC, 8, "panel", "Network settings", body, "en", 0); /* body only */
    put(ix, KB_DB_PUBLIC, 9, "printing", "Printing", "Printing topics.", "en", 0);
    put(ix, KB_DB_PUBLIC, 10, "booklet", "Print a booklet", booklet, "en", 0);
    put(ix, KB_DB_PUBLIC, 11, "envelopes", "Print envelopes", env, "en", 400);
    put(ix, KB_DB_PUBLIC, 12, "default", "Set the default printer", dflt, "en", 0);
    put(ix, KB_DB_PUBLIC, 13, "hotspot", "Share your Wi-Fi as a hotspot", wifi, "en", 0);
    /* A second locale: French pages, one with the English word in its title. */
    put(ix, KB_DB_PUBLIC, 20, "fr-wifi", "Connexion à un réseau sans fil", fr, "fr", 0);
    put(ix, KB_DB_PUBLIC, 21, "fr-ts", "Dépannage du réseau wireless", fr, "fr", 0);
    put(ix, KB_DB_PUBLIC, 22, "fr-net", "Wireless networking", fr, "fr", 0);
    /* Staff only. */
    put(ix, KB_DB_INTERNAL, 30, "kestrel", "Wireless kestrel override for staff", trouble, "en",
        0);
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);

    /* The bug: stubs first, the article 10th. Now: at the start of a title
     * word, shorter titles and real articles first. */
    struct kb_result *r = sg(rd, KB_ROLE_CUSTOMER, "wireles", "en");
    dump("wireles", r);
    CHECK(rank_of(r, "wifi") >= 0 && rank_of(r, "wifi") < 3);
    CHECK(rank_of(r, "wifi") < rank_of(r, "net-wireless"));  /* a stub below the article */
    CHECK(rank_of(r, "wifi") < rank_of(r, "unused"));
    /* Same titles collapsed, the proper page kept. */
    CHECK_INT(count_title(r, "Wireless network troubleshooter"), 1);
    CHECK(rank_of(r, "ts-3") >= 0);
    /* The customer's locale only, public only, titles only. */
    CHECK(all_locale(r, "en"));
    CHECK_INT(rank_of(r, "kestrel"), -1);
    CHECK_INT(rank_of(r, "panel"), -1);
    kb_result_free(r);

    /* A regional tag is its language. */
    r = sg(rd, KB_ROLE_CUSTOMER, "wireles", "en-GB");
    CHECK(r->nhits >= 5 && all_locale(r, "en"));
    kb_result_free(r);

    /* The typed prefix must start a title word. */
    r = sg(rd, KB_ROLE_CUSTOMER, "ireless", "en");
    CHECK_INT(r->nhits, 0);
    kb_result_free(r);

    /* Earlier words must match; the phrase as typed comes first. */
    r = sg(rd, KB_ROLE_CUSTOMER, "connect to a wi", "en");
    dump("connect to a wi", r);
    CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "wifi");
    CHECK_INT(r->nhits, 1);
    kb_result_free(r);

    /* Shorter titles first, more-used first among equals, stubs after
     * articles, and a word further in after those at the start. */
    r = sg(rd, KB_ROLE_CUSTOMER, "print", "en");
    dump("print", r);
    CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "envelopes");
    CHECK(rank_of(r, "envelopes") < rank_of(r, "booklet"));
    CHECK(rank_of(r, "booklet") < rank_of(r, "printing"));
    CHECK(rank_of(r, "booklet") < rank_of(r, "default"));
    kb_result_free(r);
    /* A whole word typed finds its other forms too (stems), after. */
    r = sg(rd, KB_ROLE_CUSTOMER, "printers", "en");
    CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "default");
    kb_result_free(r);

    /* A compound in a title reached typed as one word, or in part. */
    static const char *const wifi_typed[] = {"wifi", "wif", "wi-f", "wi-fi hot"};
    for (size_t i = 0; i < sizeof wifi_typed / sizeof *wifi_typed; i++) {
        r = sg(rd, KB_ROLE_CUSTOMER, wifi_typed[i], "en");
        dump(wifi_typed[i], r);
        CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "hotspot");
        kb_result_free(r);
    }

    /* Another locale's customer sees their own titles... */
    r = sg(rd, KB_ROLE_CUSTOMER, "wireles", "fr");
    dump("wireles fr", r);
    CHECK(r->nhits == 2 && all_locale(r, "fr"));
    kb_result_free(r);
    /* ...and others' only when their own has nothing. */
    r = sg(rd, KB_ROLE_CUSTOMER, "sans fi", "en");
    CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "fr-wifi");
    kb_result_free(r);
    r = sg(rd, KB_ROLE_CUSTOMER, "reseau", "fr");
    CHECK(r->nhits == 2 && all_locale(r, "fr"));
    kb_result_free(r);
    /* No locale given: every locale, same titles still collapsed. */
    r = sg(rd, KB_ROLE_CUSTOMER, "wireless networ", NULL);
    CHECK_INT(count_title(r, "Wireless networking"), 1);
    kb_result_free(r);

    /* Audience: customers never see the internal title, whatever they type;
     * agents do. */
    const char *probes[] = {"kes", "kestrel", "wireless kes", "wireless k", "overr", "staff"};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++) {
        r = sg(rd, KB_ROLE_CUSTOMER, probes[i], "en");
        CHECK_INT(rank_of(r, "kestrel"), -1);
        for (size_t j = 0; j < r->nhits; j++)
            CHECK_INT(r->hits[j].audience, KB_AUD_PUBLIC);
        kb_result_free(r);
    }
    r = sg(rd, KB_ROLE_AGENT, "wireless kes", "en");
    CHECK_STR(r->nhits ? r->hits[0].source_id : "(none)", "kestrel");
    kb_result_free(r);

    /* Nothing typed, nothing suggested. */
    r = sg(rd, KB_ROLE_CUSTOMER, "  ", "en");
    CHECK_INT(r->nhits, 0);
    kb_result_free(r);

    kb_index_close(rd);
    kb_index_close(ix);
    free(wifi);
    free(trouble);
    free(booklet);
    free(env);
    free(dflt);
    free(body);
    free(fr);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_suggest");
}
