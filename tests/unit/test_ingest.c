/* Ingest: every format from a realistic fixture into the expected fields,
 * the real GNOME help (Mallard), bad files and records reported with their
 * place while good records still arrive, limits, the directory walk and
 * source ids. Fixtures are in tests/fixtures/ingest (KB_FIXTURES overrides). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/err.h"
#include "kb/ingest/ingest.h"

#define GNOME_HELP "/usr/share/help/C/gnome-help"
#define GNOME_HELP_FR "/usr/share/help/fr/gnome-help"
#define MAX_GOT 64

/* ---- a sink that keeps copies ---- */

struct got {
    struct kb_doc docs[MAX_GOT];
    size_t ndocs;   /* all delivered, even past MAX_GOT */
    char where[MAX_GOT][512];
    char why[MAX_GOT][512];
    size_t nbad;
    int stop_after; /* doc() returns 7 after this many docs (0 = never) */
};

static int got_doc(void *ud, const struct kb_doc *d)
{
    struct got *g = ud;
    if (g->ndocs < MAX_GOT)
        kb_doc_copy(&g->docs[g->ndocs], d);
    g->ndocs++;
    return g->stop_after && g->ndocs >= (size_t)g->stop_after ? 7 : 0;
}

static void got_bad(void *ud, const char *where, const char *why)
{
    struct got *g = ud;
    if (g->nbad < MAX_GOT) {
        snprintf(g->where[g->nbad], sizeof g->where[0], "%s", where);
        snprintf(g->why[g->nbad], sizeof g->why[0], "%s", why);
    }
    g->nbad++;
}

static struct got *got_new(void)
{
    return calloc(1, sizeof(struct got));
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->ndocs && i < MAX_GOT; i++)
        kb_doc_release(&g->docs[i]);
    free(g);
}

static struct kb_ingest_sink sink_of(struct got *g)
{
    struct kb_ingest_sink s = {got_doc, got_bad, g};
    return s;
}

static const struct kb_doc *doc_by_id(const struct got *g, const char *id)
{
    for (size_t i = 0; i < g->ndocs && i < MAX_GOT; i++)
        if (g->docs[i].source_id && strcmp(g->docs[i].source_id, id) == 0)
            return &g->docs[i];
    fprintf(stderr, "  no doc with source id '%s'\n", id);
    return NULL;
}

/* 1 if a bad report's place ends with where_end and its reason contains why. */
static int has_bad(const struct got *g, const char *where_end, const char *why)
{
    size_t we = strlen(where_end);
    for (size_t i = 0; i < g->nbad && i < MAX_GOT; i++) {
        size_t wl = strlen(g->where[i]);
        if (wl >= we && strcmp(g->where[i] + wl - we, where_end) == 0 && strstr(g->why[i], why))
            return 1;
    }
    fprintf(stderr, "  no bad report '%s' / '%s'; got:\n", where_end, why);
    for (size_t i = 0; i < g->nbad && i < MAX_GOT; i++)
        fprintf(stderr, "    %s: %s\n", g->where[i], g->why[i]);
    return 0;
}

static char fixtures[512];

static const char *fx(const char *name)
{
    static char path[8][768];
    static int k;
    k = (k + 1) % 8;
    snprintf(path[k], sizeof path[k], "%s/%s", fixtures, name);
    return path[k];
}

static int has_tag(const struct kb_doc *d, const char *tag)
{
    for (size_t i = 0; i < d->ntags; i++)
        if (strcmp(d->tags[i], tag) == 0)
            return 1;
    return 0;
}

#define CHECK_NOT_CONTAINS(hay, needle) CHECK((hay) && strstr((hay), (needle)) == NULL)

/* Ingests one fixture file with default options. */
static struct got *ingest(const char *name, int *rc)
{
    struct got *g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    struct kb_ingest_opts o = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    int r = kb_ingest_file(fx(name), &o, &s);
    if (rc)
        *rc = r;
    return g;
}

/* ---- formats ---- */

static void test_html(void)
{
    int rc;
    struct got *g = ingest("vpn-setup.html", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    const struct kb_doc *d = &g->docs[0];
    CHECK_STR(d->source_id, "vpn-setup");
    CHECK_STR(d->source_path, fx("vpn-setup.html"));
    CHECK_INT(d->kind, KB_KIND_ARTICLE);
    CHECK_INT(d->audience, KB_AUD_PUBLIC);
    CHECK_INT(d->status, KB_STATUS_PUBLISHED);
    CHECK_INT(d->format, KB_FMT_HTML);
    CHECK_STR(d->title, "Set up the VPN client");
    CHECK_STR(d->summary, "Install the VPN client and connect to the office network.");
    CHECK_STR(d->locale, "en-GB");
    CHECK_CONTAINS(d->text, "The VPN client lets you reach internal systems from home.");
    CHECK_CONTAINS(d->text, "Install\n\nOpen the installer & follow the steps.");
    CHECK_CONTAINS(d->text, "Port Protocol\n1194 UDP");
    CHECK_CONTAINS(d->text, "sudo vpn-client --connect\n  --profile office");
    CHECK_NOT_CONTAINS(d->text, "tracking");
    CHECK_NOT_CONTAINS(d->text, "Acme Help Center"); /* header */
    CHECK_NOT_CONTAINS(d->text, "Home");             /* nav */
    CHECK_NOT_CONTAINS(d->text, "Copyright");        /* footer */
    CHECK_NOT_CONTAINS(d->text, "Related");          /* aside */
    CHECK_NOT_CONTAINS(d->text, "Send");             /* form */
    CHECK_CONTAINS(d->html, "<a href=\"https://downloads.example.com/vpn\">downloads page</a>");
    CHECK_CONTAINS(d->html, "<img src=\"/img/vpn.png\" alt=\"VPN window\"/>");
    CHECK_CONTAINS(d->html, "<a>Click me</a>");
    CHECK_CONTAINS(d->html, "<li>Open the installer &amp; follow the steps.</li>");
    CHECK_NOT_CONTAINS(d->html, "onerror");
    CHECK_NOT_CONTAINS(d->html, "javascript");
    CHECK_NOT_CONTAINS(d->html, "<script");
    CHECK_NOT_CONTAINS(d->html, "<form");
    CHECK_NOT_CONTAINS(d->html, "<input");
    CHECK_NOT_CONTAINS(d->html, "<nav");
    got_free(g);

    /* broken markup: libxml2 recovers */
    g = ingest("broken.html", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        CHECK_STR(g->docs[0].title, "Broken page");
        CHECK_CONTAINS(g->docs[0].text, "This page has unclosed tags everywhere");
        CHECK_CONTAINS(g->docs[0].text, "cell one cell two");
        CHECK_CONTAINS(g->docs[0].html, "<td>cell two");
    }
    got_free(g);

    /* chrome but no text */
    g = ingest("no-text.html", &rc);
    CHECK_INT(rc, KB_EFORMAT);
    CHECK_INT(g->ndocs, 0);
    CHECK(has_bad(g, "no-text.html", "no text"));
    got_free(g);

    /* title from the first h1, options' audience and locale */
    struct got *g2 = got_new();
    struct kb_ingest_sink s = sink_of(g2);
    struct kb_ingest_opts o = {KB_AUD_INTERNAL, "pt_br", NULL, NULL};
    const char *frag = "<div><h1>Only  a\nheading</h1><p>Body</p></div>";
    CHECK_INT(kb_ingest_buffer("uploads/frag.html", frag, strlen(frag), &o, &s), 0);
    CHECK_INT(g2->ndocs, 1);
    if (g2->ndocs) {
        CHECK_STR(g2->docs[0].title, "Only a heading");
        CHECK_STR(g2->docs[0].locale, "pt-BR");
        CHECK_INT(g2->docs[0].audience, KB_AUD_INTERNAL);
        CHECK_STR(g2->docs[0].source_id, "frag");
        CHECK_STR(g2->docs[0].text, "Only a heading\n\nBody");
    }
    got_free(g2);

    /* a declared legacy charset is converted, not refused */
    g2 = got_new();
    s = sink_of(g2);
    const char *latin = "<html><head><meta charset=\"iso-8859-1\"><title>Caf\xe9</title></head>"
                        "<body><p>cr\xe8me br\xfbl\xe9" "e</p></body></html>";
    CHECK_INT(kb_ingest_buffer("latin.html", latin, strlen(latin), NULL, &s), 0);
    CHECK_INT(g2->ndocs, 1);
    if (g2->ndocs) {
        CHECK_STR(g2->docs[0].title, "Caf\xc3\xa9");
        CHECK_STR(g2->docs[0].text, "cr\xc3\xa8me br\xc3\xbbl\xc3\xa9" "e");
        CHECK_STR(g2->docs[0].locale, "en");
    }
    got_free(g2);
}

static void test_markdown(void)
{
    int rc;
    struct got *g = ingest("reset-password.md", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->source_id, "reset-password");
        CHECK_STR(d->title, "Reset your password");
        CHECK_STR(d->category, "accounts");
        CHECK_INT(d->ntags, 3);
        CHECK(has_tag(d, "password") && has_tag(d, "login") && has_tag(d, "sign in"));
        CHECK_INT(d->audience, KB_AUD_INTERNAL);
        CHECK_STR(d->locale, "fr-FR");
        CHECK_INT(d->status, KB_STATUS_DRAFT);
        CHECK_STR(d->summary, "How to reset a forgotten password from the sign-in page.");
        CHECK_STR(d->product, "Acme Portal");
        CHECK_INT(d->created, 1709251200); /* 2024-03-01 */
        CHECK_INT(d->format, KB_FMT_MARKDOWN);
        CHECK(d->source && strncmp(d->source, "\n# Reset your password", 22) == 0);
        CHECK_CONTAINS(d->html, "<strong>Forgot password</strong>");
        CHECK_CONTAINS(d->html, "<table>");
        CHECK_CONTAINS(d->html, "<td>Click <em>Forgot password</em></td>");
        CHECK_CONTAINS(d->html, "<del>two days</del>");
        CHECK_CONTAINS(d->html, "<a href=\"https://portal.example.com/help\">");
        CHECK_CONTAINS(d->html, "<a>bad link</a>");
        CHECK_CONTAINS(d->html, "<code class=\"language-sh\">portal-cli reset --user alice");
        CHECK_NOT_CONTAINS(d->html, "<script");
        CHECK_NOT_CONTAINS(d->html, "alert");
        CHECK_CONTAINS(d->text, "This used to take two days minutes.");
        CHECK_CONTAINS(d->text, "Step Action\n1 Click Forgot password");
        CHECK_NOT_CONTAINS(d->text, "title:");
    }
    got_free(g);

    /* "- a" tag list, title from the h1 */
    g = ingest("printer-offline.md", &rc);
    CHECK_INT(g->ndocs, 1);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->title, "Printer shows as offline");
        CHECK_STR(d->category, "printing");
        CHECK_INT(d->ntags, 2);
        CHECK(has_tag(d, "printer") && has_tag(d, "offline"));
        CHECK_INT(d->status, KB_STATUS_PUBLISHED);
        CHECK_STR(d->locale, "en");
        CHECK_CONTAINS(d->html, "<a href=\"https://support.example.com/new\">Open a ticket</a>");
    }
    got_free(g);

    /* no front matter, setext heading */
    g = ingest("plain.md", &rc);
    CHECK_INT(g->ndocs, 1);
    if (g->ndocs)
        CHECK_STR(g->docs[0].title, "Printer paper jams");
    got_free(g);

    /* "tags: a, b" and a bad front matter value */
    struct got *g2 = got_new();
    struct kb_ingest_sink s = sink_of(g2);
    const char *md = "---\ntags: alpha, beta\ntitle: 'It''s here'\n---\nText.\n";
    CHECK_INT(kb_ingest_buffer("t.md", md, strlen(md), NULL, &s), 0);
    CHECK_INT(g2->ndocs, 1);
    if (g2->ndocs) {
        CHECK(has_tag(&g2->docs[0], "alpha") && has_tag(&g2->docs[0], "beta"));
        CHECK_STR(g2->docs[0].title, "It's here");
    }
    md = "---\ntitle: x\nnot a key line\n---\nText.\n";
    CHECK_INT(kb_ingest_buffer("t2.md", md, strlen(md), NULL, &s), KB_EINVAL);
    CHECK(has_bad(g2, "t2.md:3", "front matter line is not 'key: value'"));
    md = "---\ntitle: x\ndate: someday\n---\nText.\n";
    kb_ingest_buffer("t3.md", md, strlen(md), NULL, &s);
    CHECK(has_bad(g2, "t3.md:3", "'date' is not a date"));
    got_free(g2);

    g = ingest("bad-front-matter.md", &rc);
    CHECK_INT(rc, KB_EINVAL);
    CHECK_INT(g->ndocs, 0);
    CHECK(has_bad(g, "bad-front-matter.md:3", "'audience' must be public or internal, not 'everyone'"));
    got_free(g);
}

static void test_text(void)
{
    int rc;
    struct got *g = ingest("office-wifi.txt", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->title, "Connecting to the office Wi-Fi");
        CHECK_STR(d->text, "Select the network \"Acme-Staff\" and sign in with your directory account.\n"
                           "Guests use \"Acme-Guest\".\n\nAsk the front desk for the guest password.");
        CHECK_CONTAINS(d->html, "<p>Select the network &quot;Acme-Staff&quot;");
        CHECK_CONTAINS(d->html, "<br/>Guests use");
        CHECK_INT(d->format, KB_FMT_TEXT);
    }
    got_free(g);
}

static void test_docbook(void)
{
    int rc;
    struct got *g = ingest("backup.docbook.xml", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->source_id, "backup.docbook");
        CHECK_STR(d->title, "Daten sichern");
        CHECK_STR(d->summary, "Wie Sie Ihre Dateien regelmäßig sichern.");
        CHECK_STR(d->locale, "de");
        CHECK(has_tag(d, "backup") && has_tag(d, "sicherung"));
        CHECK_CONTAINS(d->text, "Sichern Sie Ihre Dateien mit Déjà Dup.");
        CHECK_CONTAINS(d->text, "Öffnen Sie Einstellungen \xE2\x96\xB8 Sicherung.");
        CHECK_CONTAINS(d->text, "Drücken Sie Strg+S.");
        CHECK_CONTAINS(d->text, "Siehe das Wiki und Zeitplan.");
        CHECK_NOT_CONTAINS(d->text, "Interne Notiz");
        CHECK_NOT_CONTAINS(d->text, "backup\nsicherung");
        CHECK_CONTAINS(d->html, "<h2>Zeitplan</h2>");
        CHECK_CONTAINS(d->html, "<ol><li><p>");
        CHECK_CONTAINS(d->html, "<kbd>Strg</kbd>+<kbd>S</kbd>");
        CHECK_CONTAINS(d->html, "<pre>deja-dup --backup</pre>");
        CHECK_CONTAINS(d->html, "<a href=\"https://wiki.gnome.org/Apps/DejaDup\">das Wiki</a>");
    }
    got_free(g);

    g = ingest("kernel-modules.xml", &rc);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        /* a book's chapter is an article of its section under the book */
        CHECK_STR(d->title, "Loading modules");
        CHECK_STR(d->source_id, "kernel-modules#kernel-modules-guide-loading-modules");
        CHECK_STR(d->category, "kernel-modules-guide-loading-modules");
        CHECK_STR(d->category_name, "Loading modules");
        CHECK_STR(d->category_parent, "kernel-modules-guide");
        CHECK_STR(d->category_parent_name, "Kernel Modules Guide");
        CHECK_STR(d->locale, "en");
        CHECK_CONTAINS(d->text, "Use modprobe to load a module\xE2\x80\x94it resolves dependencies.");
        CHECK_NOT_CONTAINS(d->html, "<h2>Loading modules</h2>");
        CHECK_CONTAINS(d->html, "<dl><dt><code>-r</code></dt><dd><p>Remove a module.</p></dd></dl>");
        CHECK_CONTAINS(d->html, "<a href=\"https://kernel.org\">kernel.org</a>");
    }
    got_free(g);

    /* not well-formed XML names its line */
    struct got *g2 = got_new();
    struct kb_ingest_sink s = sink_of(g2);
    const char *x = "<?xml version=\"1.0\"?>\n<article xmlns=\"http://docbook.org/ns/docbook\">\n"
                    "<title>T</title>\n<para>open\n</article>\n";
    CHECK_INT(kb_ingest_buffer("bad.xml", x, strlen(x), NULL, &s), KB_EFORMAT);
    CHECK(has_bad(g2, "bad.xml:5", "xml is not well-formed"));
    got_free(g2);
}

static void test_mallard_fixture(void)
{
    int rc;
    struct got *g = ingest("printer-setup.page", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->title, "Set up a local printer");
        CHECK_STR(d->summary, "Set up a printer that is connected to your computer.");
        CHECK_STR(d->category, "printing");
        CHECK_STR(d->locale, "es");
        CHECK_INT(d->updated, 1614556800); /* 2021-03-01 */
        CHECK_CONTAINS(d->text, "Most printers are recognised automatically. Press Ctrl+P to print.");
        CHECK_CONTAINS(d->text, "Open Settings \xE2\x96\xB8 Printers.");
        /* no platform set: a choice's first branch (issue 19; test_mallard.c) */
        CHECK_CONTAINS(d->text, "Classic mode text.");
        CHECK_NOT_CONTAINS(d->text, "Standard mode");
        CHECK_NOT_CONTAINS(d->text, "Install the driver");
        CHECK_NOT_CONTAINS(d->text, "Writers");      /* comment */
        CHECK_NOT_CONTAINS(d->text, "link title");   /* info */
        CHECK_NOT_CONTAINS(d->text, "Printer problems");
        CHECK_CONTAINS(d->html, "<ol><li><p>Open <strong>Settings</strong>");
        CHECK_CONTAINS(d->html, "<h2>Problems</h2>");
        CHECK_CONTAINS(d->html, "<dl><dt>Paper jam</dt><dd><p>Open the cover.</p></dd></dl>");
        CHECK_CONTAINS(d->html, "<pre>lpstat -p</pre>");
        CHECK_CONTAINS(d->html, "<a href=\"https://www.cups.org/\">the CUPS site</a>");
        CHECK_NOT_CONTAINS(d->html, "javascript");
    }
    got_free(g);
}

static void test_gnome_help(void)
{
    struct stat st;
    CHECK(stat(GNOME_HELP "/bluetooth.page", &st) == 0); /* package gnome-user-docs */
    if (stat(GNOME_HELP "/bluetooth.page", &st) != 0)
        return;
    struct got *g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    size_t nfiles = 0;
    CHECK_INT(kb_ingest_path(GNOME_HELP "/bluetooth.page", NULL, &s, &nfiles), 0);
    CHECK_INT(nfiles, 1);
    CHECK_INT(g->ndocs, 1);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        const struct kb_doc *d = &g->docs[0];
        CHECK_STR(d->source_id, "bluetooth");
        CHECK_STR(d->title, "Bluetooth");
        CHECK(d->summary && strncmp(d->summary, "Connect to devices over Bluetooth", 33) == 0);
        CHECK_STR(d->summary, "Connect to devices over Bluetooth to transfer files or use wireless audio.");
        CHECK_STR(d->category, "hardware");
        CHECK_STR(d->locale, "en");
        CHECK_CONTAINS(d->text, "Bluetooth is a wireless protocol");
        CHECK_NOT_CONTAINS(d->text, "Things to improve"); /* a comment */
        CHECK_NOT_CONTAINS(d->text, "Shaun McCance");     /* info/credit */
    }
    got_free(g);

    g = got_new();
    s = sink_of(g);
    CHECK_INT(kb_ingest_file(GNOME_HELP_FR "/bluetooth.page", NULL, &s), 0);
    CHECK_INT(g->ndocs, 1);
    if (g->ndocs) {
        CHECK_STR(g->docs[0].locale, "fr");
        CHECK_STR(g->docs[0].title, "Bluetooth");
        CHECK_CONTAINS(g->docs[0].summary, "Se connecter");
    }
    got_free(g);

    /* an empty <link xref/> shows the target page's title, as in Yelp */
    g = got_new();
    s = sink_of(g);
    kb_ingest_file(GNOME_HELP "/a11y-slowkeys.page", NULL, &s);
    if (g->ndocs)
        CHECK_CONTAINS(g->docs[0].text, "See Turn on bounce keys for more info.");
    got_free(g);
    /* guide pages have only links: their text is their description */
    g = got_new();
    s = sink_of(g);
    kb_ingest_file(GNOME_HELP "/clock.page", NULL, &s);
    CHECK_INT(g->nbad, 0);
    if (g->ndocs) {
        CHECK_STR(g->docs[0].title, "Date & time");
        CHECK_STR(g->docs[0].text, "Use clocks and timezones, and keep track of appointments.");
    }
    got_free(g);

    /* the whole directory */
    g = got_new();
    s = sink_of(g);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    CHECK_INT(kb_ingest_path(GNOME_HELP, NULL, &s, &nfiles), 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("gnome-help: %zu files, %zu docs, %zu bad in %.3f s\n", nfiles, g->ndocs, g->nbad, secs);
    CHECK(g->ndocs > 250);
    CHECK_INT(g->ndocs, nfiles);
    CHECK_INT(g->nbad, 0);
    for (size_t i = 0; i < g->nbad && i < MAX_GOT; i++)
        fprintf(stderr, "  bad: %s: %s\n", g->where[i], g->why[i]);
    int ids_ok = 1, fields_ok = 1, sorted = 1;
    for (size_t i = 0; i < g->ndocs && i < MAX_GOT; i++) {
        const struct kb_doc *d = &g->docs[i];
        if (!d->source_id || strncmp(d->source_id, "gnome-help/", 11) != 0)
            ids_ok = 0;
        if (!d->title || !*d->title || !d->text || !*d->text || !d->html || !d->locale ||
            strcmp(d->locale, "en") != 0 || !d->source_path)
            fields_ok = 0;
        if (i && strcmp(g->docs[i - 1].source_path, d->source_path) >= 0)
            sorted = 0;
    }
    CHECK(ids_ok);
    CHECK(fields_ok);
    CHECK(sorted);
    CHECK_STR(g->docs[0].source_id, "gnome-help/a11y-bouncekeys"); /* '-' sorts before '.' */
    got_free(g);
}

static void test_zendesk(void)
{
    int rc;
    struct got *g = ingest("zendesk-export.json", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 3);
    CHECK_INT(g->nbad, 3);
    CHECK(has_bad(g, "zendesk-export.json:3", "missing 'title'"));
    CHECK(has_bad(g, "zendesk-export.json:4", "'body' must be a string"));
    CHECK(has_bad(g, "zendesk-export.json:5", "'created_at' is not a date"));
    const struct kb_doc *d = doc_by_id(g, "360001234567");
    if (d) {
        CHECK_STR(d->title, "How do I change my billing address?");
        CHECK_STR(d->locale, "en-US");
        CHECK(has_tag(d, "billing") && has_tag(d, "account"));
        CHECK_STR(d->category, "360000111222");
        CHECK_INT(d->audience, KB_AUD_PUBLIC);
        CHECK_INT(d->status, KB_STATUS_PUBLISHED);
        CHECK_INT(d->created, 1673778030);
        CHECK_INT(d->updated, 1685606400);
        CHECK_STR(d->text, "Go to Account > Billing and click Edit.");
        CHECK_NOT_CONTAINS(d->html, "steal");
        CHECK_STR(d->source_path, fx("zendesk-export.json"));
    }
    d = doc_by_id(g, "360001234568");
    if (d) {
        CHECK_INT(d->status, KB_STATUS_DRAFT);
        CHECK_INT(d->audience, KB_AUD_INTERNAL); /* restricted to a user segment */
        CHECK_STR(d->locale, "de");
    }
    CHECK(doc_by_id(g, "360001234572") != NULL);
    got_free(g);

    /* truncated JSON: the file is bad, with the line */
    g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    const char *t = "{\n  \"articles\": [\n    {\"id\": 1, \"title\": \"T\",\n";
    CHECK_INT(kb_ingest_buffer("trunc.json", t, strlen(t), NULL, &s), KB_EFORMAT);
    CHECK(has_bad(g, "trunc.json:4", "invalid json"));
    got_free(g);
}

static void test_articles_jsonl(void)
{
    int rc;
    struct got *g = ingest("articles.jsonl", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 4);
    CHECK_INT(g->nbad, 5);
    CHECK(has_bad(g, "articles.jsonl:5", "missing 'id'"));
    CHECK(has_bad(g, "articles.jsonl:6", "'category' must be a string"));
    CHECK(has_bad(g, "articles.jsonl:7", "invalid json"));
    CHECK(has_bad(g, "articles.jsonl:8", "invalid utf-8 at byte offset 617"));
    CHECK(has_bad(g, "articles.jsonl:9", "'audience' must be public or internal"));
    const struct kb_doc *d = doc_by_id(g, "kb-100");
    if (d) {
        CHECK_STR(d->title, "Reset the router");
        CHECK_STR(d->summary, "Factory reset");
        CHECK_STR(d->category, "network");
        CHECK(has_tag(d, "router") && has_tag(d, "reset"));
        CHECK_INT(d->format, KB_FMT_HTML); /* looked like HTML */
        CHECK_STR(d->html, "<p>Hold the <b>reset</b> button for 10 seconds.</p>");
        CHECK_STR(d->text, "Hold the reset button for 10 seconds.");
    }
    d = doc_by_id(g, "kb-101");
    if (d) {
        CHECK_INT(d->format, KB_FMT_MARKDOWN);
        CHECK_INT(d->audience, KB_AUD_INTERNAL);
        CHECK_CONTAINS(d->html, "<h1>Heading</h1>");
        CHECK_CONTAINS(d->html, "<em>markdown</em>");
        CHECK_STR(d->source, "# Heading\n\nSome *markdown* text.");
    }
    d = doc_by_id(g, "kb-102");
    if (d) {
        CHECK_INT(d->format, KB_FMT_TEXT);
        CHECK_STR(d->text, "First paragraph.\n\nSecond paragraph with <angle> brackets.");
        CHECK_CONTAINS(d->html, "&lt;angle&gt;");
    }
    d = doc_by_id(g, "kb-108");
    if (d)
        CHECK_INT(d->created, 1709164800);
    got_free(g);
}

static void test_tickets(void)
{
    int rc;
    struct got *g = ingest("tickets.jsonl", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 3);
    CHECK_INT(g->nbad, 4);
    CHECK(has_bad(g, "tickets.jsonl:3", "missing 'subject'"));
    CHECK(has_bad(g, "tickets.jsonl:4", "'created' is not a date: 'yesterday'"));
    CHECK(has_bad(g, "tickets.jsonl:5", "'customer' must be a string"));
    CHECK(has_bad(g, "tickets.jsonl:6", "invalid json"));
    const struct kb_doc *d = doc_by_id(g, "T-1001");
    if (d) {
        CHECK_INT(d->kind, KB_KIND_TICKET);
        CHECK_INT(d->audience, KB_AUD_INTERNAL);
        CHECK_STR(d->title, "Laptop does not boot");
        CHECK_STR(d->description, "Customer reports a black screen after the logo.");
        CHECK_STR(d->resolution, "Reseated the RAM module; boots fine.");
        CHECK_STR(d->text, "Customer reports a black screen after the logo.\n\n"
                           "Reseated the RAM module; boots fine.");
        CHECK_STR(d->customer, "C-42");
        CHECK_STR(d->unit, "SN-ABC123");
        CHECK_STR(d->product, "Acme Book 14");
        CHECK_STR(d->category, "hardware");
        CHECK_STR(d->team, "field-service");
        CHECK_STR(d->linked_article, "KB-1042");
        CHECK_INT(d->created, 1704877200);
        CHECK_INT(d->resolved, 1704931200);
        CHECK(d->html == NULL);
        CHECK_STR(d->locale, "en");
    }
    d = doc_by_id(g, "2002");
    if (d) {
        CHECK_STR(d->unit, "SN-XYZ");
        CHECK_INT(d->created, 1704880800);
    }
    d = doc_by_id(g, "T-1007");
    if (d)
        CHECK_STR(d->text, "Replaced the roller.");
    got_free(g);

    g = ingest("tickets.csv", &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(g->ndocs, 3);
    CHECK_INT(g->nbad, 2);
    CHECK(has_bad(g, "tickets.csv:6", "row has 5 fields, the header has 12"));
    CHECK(has_bad(g, "tickets.csv:7", "'created' is not a date: 'not-a-date'"));
    d = doc_by_id(g, "T-1");
    if (d) {
        CHECK_INT(d->kind, KB_KIND_TICKET);
        CHECK_INT(d->audience, KB_AUD_INTERNAL);
        CHECK_STR(d->title, "Cannot print");
        CHECK_STR(d->description, "Printer says \"offline\", even after restart");
        CHECK_STR(d->resolution, "Re-added the printer");
        CHECK_STR(d->unit, "SN-1");
        CHECK_STR(d->linked_article, "KB-7");
        CHECK_INT(d->created, 1709251200);
    }
    d = doc_by_id(g, "T-2");
    if (d) {
        CHECK_STR(d->description, "Phone shows old mail.\nTablet is fine.");
        CHECK_STR(d->resolution, "Removed and re-added\nthe account");
        CHECK(d->linked_article == NULL);
        CHECK_INT(d->resolved, 1709467200);
    }
    CHECK(doc_by_id(g, "T-5") != NULL);
    got_free(g);

    g = ingest("tickets-nul.csv", &rc);
    CHECK_INT(g->ndocs, 2);
    CHECK(has_bad(g, "tickets-nul.csv:3", "nul byte"));
    CHECK(doc_by_id(g, "T-3") != NULL);
    got_free(g);

    /* header without an id column; an unterminated quote */
    g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    const char *csv = "subject,description\nA,b\n";
    CHECK_INT(kb_ingest_buffer("noid.csv", csv, strlen(csv), NULL, &s), KB_EFORMAT);
    CHECK(has_bad(g, "noid.csv:1", "the header has no 'id' column"));
    csv = "id,subject\n1,ok\n2,\"never closed\n3,lost\n";
    CHECK_INT(kb_ingest_buffer("q.csv", csv, strlen(csv), NULL, &s), 0);
    CHECK(has_bad(g, "q.csv:3", "quoted field is not closed"));
    CHECK(doc_by_id(g, "1") != NULL);
    got_free(g);
}

/* ---- errors and limits ---- */

static void test_errors(void)
{
    int rc;
    struct got *g = ingest("latin1.txt", &rc);
    CHECK_INT(rc, KB_EINVAL);
    CHECK(has_bad(g, "latin1.txt", "invalid utf-8 at byte offset 7"));
    got_free(g);

    g = ingest("empty.md", &rc);
    CHECK_INT(rc, KB_EINVAL);
    CHECK(has_bad(g, "empty.md", "empty file"));
    got_free(g);

    g = ingest("does-not-exist.md", &rc);
    CHECK_INT(rc, KB_ENOTFOUND);
    CHECK(has_bad(g, "does-not-exist.md", "cannot open: no such file or directory"));
    got_free(g);

    g = ingest("settings.xml", &rc);
    CHECK_INT(rc, KB_EFORMAT);
    CHECK(has_bad(g, "settings.xml", "unknown format"));
    got_free(g);

    g = ingest("logo.png", &rc);
    CHECK_INT(rc, KB_EFORMAT);
    CHECK(has_bad(g, "logo.png", "unknown format"));
    got_free(g);

    g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    CHECK_INT(kb_ingest_file(fixtures, NULL, &s), KB_EINVAL);
    CHECK(has_bad(g, fixtures, "is a directory"));
    /* a NUL inside a one-document file */
    static const char nul[] = "# Title\n\nText \0 more\n";
    CHECK_INT(kb_ingest_buffer("nul.md", nul, sizeof nul - 1, NULL, &s), KB_EINVAL);
    CHECK(has_bad(g, "nul.md", "nul byte at byte offset 14"));
    CHECK_INT(kb_ingest_buffer("blank.md", " \n\n ", 4, NULL, &s), KB_EINVAL);
    CHECK(has_bad(g, "blank.md", "empty file"));
    got_free(g);

    /* an unreadable file (root reads everything, so only as a user) */
    if (geteuid() != 0) {
        char path[] = "/tmp/kb_ingest_unreadableXXXXXX";
        int fd = mkstemp(path);
        if (fd >= 0) {
            (void)!write(fd, "text\n", 5);
            close(fd);
            chmod(path, 0);
            g = got_new();
            s = sink_of(g);
            CHECK_INT(kb_ingest_file(path, NULL, &s), KB_EIO);
            CHECK(has_bad(g, path, "cannot open: permission denied"));
            got_free(g);
            unlink(path);
        }
    }
}

static void test_limits(void)
{
    struct got *g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    /* one-document formats: KB_INGEST_MAX_DOC */
    size_t n = KB_INGEST_MAX_DOC + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    memcpy(big, "# Big\n\n", 7);
    CHECK_INT(kb_ingest_buffer("big.md", big, n, NULL, &s), KB_ETOOBIG);
    CHECK(has_bad(g, "big.md", "file is too large (8388609 bytes, the limit is 8388608)"));
    CHECK_INT(kb_ingest_buffer("ok.md", big, n - 1, NULL, &s), 0);
    free(big);

    /* records: KB_INGEST_MAX_RECORD each, the rest still arrive */
    size_t body = KB_INGEST_MAX_RECORD + 16;
    char *jl = malloc(body + 256);
    size_t len = (size_t)sprintf(jl, "{\"id\":\"huge\",\"title\":\"Huge\",\"body\":\"");
    memset(jl + len, 'x', body);
    len += body;
    len += (size_t)sprintf(jl + len, "\"}\n{\"id\":\"small\",\"title\":\"Small\",\"body\":\"fine\"}\n");
    size_t before = g->ndocs;
    CHECK_INT(kb_ingest_buffer("big.jsonl", jl, len, NULL, &s), 0);
    CHECK(has_bad(g, "big.jsonl:1", "record is too large"));
    CHECK_INT(g->ndocs, before + 1);
    CHECK(doc_by_id(g, "small") != NULL);
    free(jl);
    got_free(g);
}

static void test_stop(void)
{
    struct got *g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    g->stop_after = 1;
    CHECK_INT(kb_ingest_file(fx("tickets.csv"), NULL, &s), 7);
    CHECK_INT(g->ndocs, 1);
    got_free(g);

    g = got_new();
    s = sink_of(g);
    g->stop_after = 2;
    CHECK_INT(kb_ingest_path(fixtures, NULL, &s, NULL), 7);
    CHECK_INT(g->ndocs, 2);
    got_free(g);
}

/* ---- the walk ---- */

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
}

static void test_walk(void)
{
    char dir[] = "/tmp/kbwalkXXXXXX";
    char path[1024];
    if (!mkdtemp(dir)) {
        CHECK(!"mkdtemp");
        return;
    }
    const char *base = strrchr(dir, '/') + 1;
    snprintf(path, sizeof path, "%s/sub", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/.git", dir);
    mkdir(path, 0755);
    write_file(dir, "sub/a.md", "# A\n\nalpha\n", 11);
    write_file(dir, "b.html", "<title>B</title><p>beta</p>", 27);
    write_file(dir, "c.txt", "C\n\ngamma\n", 9);
    write_file(dir, ".hidden.md", "# Hidden\n", 9);
    write_file(dir, ".git/config.md", "# Git\n", 6);
    write_file(dir, "logo.png", "\x89PNG\r\n\x1a\n\0\0", 10);
    write_file(dir, "other.xml", "<config><x/></config>", 21);
    write_file(dir, "style.css", "p { color: red }", 16);
    write_file(dir, "keep", "", 0);
    write_file(dir, "README", "# Project\n\nSee [docs](x).\n", 27);
    write_file(dir, "Makefile", "# build\nall:\n\tcc x.c\n", 22);
    write_file(dir, "config.yml", "---\nkey: value\n", 15);
    write_file(dir, "sub/bad.md", "\xff\xfe\x00", 3);
    snprintf(path, sizeof path, "%s/sub/loop", dir);
    CHECK(symlink(dir, path) == 0);

    struct got *g = got_new();
    struct kb_ingest_sink s = sink_of(g);
    struct kb_ingest_opts o = {KB_AUD_INTERNAL, "de", NULL, NULL};
    size_t nfiles = 0;
    CHECK_INT(kb_ingest_path(dir, &o, &s, &nfiles), 0);
    CHECK_INT(nfiles, 4);
    CHECK_INT(g->ndocs, 3);
    CHECK_INT(g->nbad, 1);
    CHECK(has_bad(g, "sub/bad.md", "utf-16"));
    char id[256];
    if (g->ndocs == 3) {
        snprintf(id, sizeof id, "%s/b", base);
        CHECK_STR(g->docs[0].source_id, id);
        snprintf(id, sizeof id, "%s/c", base);
        CHECK_STR(g->docs[1].source_id, id);
        snprintf(id, sizeof id, "%s/sub/a", base);
        CHECK_STR(g->docs[2].source_id, id);
        CHECK_INT(g->docs[2].audience, KB_AUD_INTERNAL);
        CHECK_STR(g->docs[2].locale, "de");
        snprintf(path, sizeof path, "%s/sub/a.md", dir);
        CHECK_STR(g->docs[2].source_path, path);
    }
    got_free(g);

    /* a trailing slash gives the same ids */
    g = got_new();
    s = sink_of(g);
    snprintf(path, sizeof path, "%s/", dir);
    kb_ingest_path(path, NULL, &s, NULL);
    snprintf(id, sizeof id, "%s/sub/a", base);
    CHECK(doc_by_id(g, id) != NULL);
    got_free(g);

    /* a lone file's id is its basename; an unknown lone file is reported */
    g = got_new();
    s = sink_of(g);
    snprintf(path, sizeof path, "%s/sub/a.md", dir);
    CHECK_INT(kb_ingest_path(path, NULL, &s, &nfiles), 0);
    CHECK_INT(nfiles, 1);
    if (g->ndocs)
        CHECK_STR(g->docs[0].source_id, "a");
    snprintf(path, sizeof path, "%s/other.xml", dir);
    kb_ingest_path(path, NULL, &s, NULL);
    CHECK(has_bad(g, "other.xml", "unknown format"));
    CHECK_INT(kb_ingest_path("/nonexistent/kb/dir", NULL, &s, NULL), KB_ENOTFOUND);
    CHECK(has_bad(g, "/nonexistent/kb/dir", "cannot open"));
    got_free(g);

    /* clean up */
    const char *files[] = {"sub/a.md", "sub/bad.md", "sub/loop", "b.html", "c.txt",
                           ".hidden.md", ".git/config.md", "logo.png", "other.xml",
                           "style.css", "keep", "README", "Makefile", "config.yml"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    snprintf(path, sizeof path, "%s/.git", dir);
    rmdir(path);
    rmdir(dir);
}

int main(void)
{
    const char *env = getenv("KB_FIXTURES");
    snprintf(fixtures, sizeof fixtures, "%s", env ? env : "tests/fixtures/ingest");
    test_html();
    test_markdown();
    test_text();
    test_docbook();
    test_mallard_fixture();
    test_gnome_help();
    test_zendesk();
    test_articles_jsonl();
    test_tickets();
    test_errors();
    test_limits();
    test_stop();
    test_walk();
    return check_report("test_ingest");
}
