/* Tests for the SQLite store: schema and migrations, put/get/find/remove,
 * revisions, outbox, ticket links, synonyms, metadata, transactions, errors. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/store/store.h"

static char dir[64];

static char *path_in(const char *name)
{
    static char buf[4][160];
    static int i;
    i = (i + 1) % 4;
    snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
    return buf[i];
}

static struct kb_store *open_ok(const char *path)
{
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    int rc = kb_store_open(path, &st, &err);
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static void article(struct kb_doc *d, const char *id, const char *title, const char *text)
{
    kb_doc_init(d);
    d->kind = KB_KIND_ARTICLE;
    kb_doc_set(&d->source_id, id);
    kb_doc_set(&d->title, title);
    kb_doc_set(&d->text, text);
}

static void ticket(struct kb_doc *d, const char *id, const char *subject, const char *link)
{
    kb_doc_init(d);
    d->kind = KB_KIND_TICKET;
    kb_doc_set(&d->source_id, id);
    kb_doc_set(&d->title, subject);
    kb_doc_set(&d->resolution, "replaced the fuse");
    kb_doc_set(&d->linked_article, link);
}

/* Puts d, checks success, returns the result and the number. */
static int put(struct kb_store *st, const struct kb_doc *d, int64_t *number)
{
    struct kb_err err = {0, ""};
    int res = -1;
    int64_t n = 0;
    int rc = kb_store_put(st, d, "tester", &res, &n, &err);
    if (rc)
        fprintf(stderr, "put '%s': %s\n", d->source_id, err.msg);
    CHECK_INT(rc, 0);
    if (number)
        *number = n;
    return res;
}

static int64_t last_seq(struct kb_store *st)
{
    int64_t seq = -1;
    CHECK_INT(kb_store_outbox_last(st, &seq, NULL), 0);
    return seq;
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return n;
}

static char *text_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    char *v = NULL;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            v = strdup((const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    return v;
}

static void test_open_schema(void)
{
    struct kb_store *st = open_ok(path_in("kb.sqlite3"));
    CHECK(kb_store_schema_latest() >= 1);
    CHECK_INT(kb_store_schema_version(st), kb_store_schema_latest());
    CHECK_INT(count_sql(st, "PRAGMA user_version"), kb_store_schema_latest());
    char *mode = text_sql(st, "PRAGMA journal_mode");
    CHECK_STR(mode, "wal");
    free(mode);
    /* NORMAL at rest; write operations switch to FULL (test_search_log). */
    CHECK_INT(count_sql(st, "PRAGMA synchronous"), 1);
    CHECK_INT(count_sql(st, "PRAGMA foreign_keys"), 1);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                            "('articles', 'article_revisions', 'tickets', 'outbox', 'synonyms', "
                            "'meta')"), 6);
    CHECK_INT(last_seq(st), 0);
    kb_store_close(st);
    /* Reopening an up-to-date store changes nothing. */
    st = open_ok(path_in("kb.sqlite3"));
    CHECK_INT(kb_store_schema_version(st), kb_store_schema_latest());
    kb_store_close(st);
    kb_store_close(NULL);
}

static void test_put_update(void)
{
    struct kb_store *st = open_ok(path_in("put.sqlite3"));
    struct kb_doc d;
    int64_t n1 = 0, n2 = 0;
    article(&d, "printer-jam", "Clearing a paper jam", "Open the tray.");
    d.created = 1700000000;
    CHECK_INT(put(st, &d, &n1), KB_PUT_ADDED);
    CHECK_INT(n1, KB_ARTICLE_FIRST_NUMBER);
    CHECK_INT(last_seq(st), 1);

    CHECK_INT(put(st, &d, &n2), KB_PUT_UNCHANGED);
    CHECK_INT(n2, n1);
    CHECK_INT(last_seq(st), 1);
    /* An unchanged put inside a transaction writes nothing either. */
    CHECK_INT(kb_store_begin(st, NULL), 0);
    CHECK_INT(put(st, &d, &n2), KB_PUT_UNCHANGED);
    CHECK_INT(kb_store_commit(st, NULL), 0);
    CHECK_INT(last_seq(st), 1);

    kb_doc_set(&d.text, "Open the tray and pull gently.");
    d.created = 0;
    CHECK_INT(put(st, &d, &n2), KB_PUT_UPDATED);
    CHECK_INT(n2, n1);
    CHECK_INT(last_seq(st), 2);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM article_revisions WHERE number = 1000"), 2);
    CHECK_INT(count_sql(st, "SELECT max(rev) FROM article_revisions WHERE number = 1000"), 2);
    char *author = text_sql(st, "SELECT author FROM article_revisions WHERE rev = 2");
    CHECK_STR(author, "tester");
    free(author);
    char *rev1 = text_sql(st, "SELECT text FROM article_revisions WHERE rev = 1");
    CHECK_STR(rev1, "Open the tray.");
    free(rev1);

    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n1, &g, NULL), 0);
    CHECK_INT(g.created, 1700000000); /* preserved on update */
    CHECK(g.updated >= (int64_t)time(NULL) - 5);
    CHECK_STR(g.text, "Open the tray and pull gently.");
    CHECK_STR(g.locale, "en");
    kb_doc_release(&g);

    /* Locale is part of the key: the French article is another one. */
    kb_doc_set(&d.locale, "fr");
    CHECK_INT(put(st, &d, &n2), KB_PUT_ADDED);
    CHECK_INT(n2, 1001);
    /* NULL locale and "en" are the same article. */
    kb_doc_set(&d.locale, "en");
    CHECK_INT(put(st, &d, &n2), KB_PUT_UNCHANGED);
    CHECK_INT(n2, 1000);

    /* Result and number pointers are optional. */
    kb_doc_set(&d.text, "v3");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, NULL), 0);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void test_numbers_not_reused(void)
{
    struct kb_store *st = open_ok(path_in("numbers.sqlite3"));
    struct kb_doc d;
    int64_t n = 0;
    article(&d, "a", "A", "a");
    put(st, &d, &n);
    CHECK_INT(n, 1000);
    kb_doc_set(&d.source_id, "b");
    put(st, &d, &n);
    CHECK_INT(n, 1001);
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, 1001, NULL), 0);
    kb_doc_set(&d.source_id, "c");
    put(st, &d, &n);
    CHECK_INT(n, 1002);
    kb_store_close(st);
    /* Not even after reopening, with the highest number deleted. */
    st = open_ok(path_in("numbers.sqlite3"));
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, 1002, NULL), 0);
    kb_doc_set(&d.source_id, "b");
    put(st, &d, &n);
    CHECK_INT(n, 1003);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void test_find(void)
{
    struct kb_store *st = open_ok(path_in("find.sqlite3"));
    struct kb_doc d;
    int64_t art = 0, tic = 0, tic2 = 0, num = 0;
    int kind = -1;
    article(&d, "guides/vpn-setup", "Setting up the VPN", "Install the client.");
    put(st, &d, &art);
    kb_doc_release(&d);
    ticket(&d, "ZD-4711", "VPN drops every hour", NULL);
    put(st, &d, &tic);
    kb_doc_release(&d);
    ticket(&d, "555", "numeric ticket id", NULL);
    put(st, &d, &tic2);
    kb_doc_release(&d);

    static const struct { const char *ref; int kind; int which; } cases[] = {
        {"KB-1000", KB_KIND_ARTICLE, 0},
        {"kb-1000", KB_KIND_ARTICLE, 0},
        {"1000", KB_KIND_ARTICLE, 0},
        {"KB1000", KB_KIND_ARTICLE, 0},
        {"  KB-1000 ", KB_KIND_ARTICLE, 0},
        {"guides/vpn-setup", KB_KIND_ARTICLE, 0},
        {"ZD-4711", KB_KIND_TICKET, 1},
        {"555", KB_KIND_TICKET, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct kb_err err = {0, ""};
        int rc = kb_store_find(st, cases[i].ref, &kind, &num, &err);
        CHECK_INT(rc, 0);
        CHECK_INT(kind, cases[i].kind);
        CHECK_INT(num, cases[i].which == 0 ? art : cases[i].which == 1 ? tic : tic2);
    }
    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_find(st, "KB-9999", &kind, &num, &err), KB_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "KB-9999");
    CHECK_INT(kb_store_find(st, "nothing-here", &kind, &num, NULL), KB_ENOTFOUND);
    CHECK_INT(kb_store_find(st, "", &kind, &num, NULL), KB_EINVAL);
    CHECK_INT(kb_store_find(st, NULL, &kind, &num, NULL), KB_EINVAL);
    kb_store_close(st);
}

static void test_round_trip(void)
{
    struct kb_store *st = open_ok(path_in("trip.sqlite3"));
    struct kb_doc d, g;
    int64_t n = 0;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    kb_doc_set(&d.source_id, "réseau/wifi-lent");
    kb_doc_set(&d.source_path, "/kb/fr/réseau/wifi-lent.md");
    d.audience = KB_AUD_INTERNAL;
    d.status = KB_STATUS_DRAFT;
    kb_doc_set(&d.locale, "fr");
    kb_doc_set(&d.title, "Le Wi-Fi est lent — «\xc3\xa9t\xc3\xa9» 日本語 🚀");
    kb_doc_set(&d.summary, "Quand le débit chute");
    kb_doc_set(&d.text, "Redémarrez le routeur.\n\nPuis vérifiez le canal.");
    kb_doc_set(&d.html, "<p>Redémarrez le routeur.</p><p>Puis vérifiez le canal.</p>");
    kb_doc_set(&d.source, "Redémarrez le routeur.\n\nPuis vérifiez le canal.");
    d.format = KB_FMT_MARKDOWN;
    kb_doc_set(&d.category, "Réseau");
    kb_doc_add_tag(&d, "wifi");
    kb_doc_add_tag(&d, "débit");
    kb_doc_add_tag(&d, "with \"quotes\", commas\nand newline");
    kb_doc_set(&d.product, "Box 7");
    d.created = 1600000000;
    d.updated = 1650000000;
    CHECK_INT(put(st, &d, &n), KB_PUT_ADDED);

    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_INT(g.number, n);
    CHECK_INT(g.kind, KB_KIND_ARTICLE);
    CHECK_STR(g.source_id, d.source_id);
    CHECK_STR(g.source_path, d.source_path);
    CHECK_INT(g.audience, KB_AUD_INTERNAL);
    CHECK_INT(g.status, KB_STATUS_DRAFT);
    CHECK_STR(g.locale, "fr");
    CHECK_STR(g.title, d.title);
    CHECK_STR(g.summary, d.summary);
    CHECK_STR(g.text, d.text);
    CHECK_STR(g.html, d.html);
    CHECK_STR(g.source, d.source);
    CHECK_INT(g.format, KB_FMT_MARKDOWN);
    CHECK_STR(g.category, d.category);
    CHECK_STR(g.product, d.product);
    CHECK_INT(g.ntags, 3);
    if (g.ntags == 3) {
        CHECK_STR(g.tags[0], "wifi");
        CHECK_STR(g.tags[1], "débit");
        CHECK_STR(g.tags[2], "with \"quotes\", commas\nand newline");
    }
    CHECK(g.asked_as == NULL);
    CHECK(g.description == NULL && g.customer == NULL && g.linked_article == NULL);
    CHECK_INT(g.created, 1600000000);
    CHECK_INT(g.updated, 1650000000);
    /* What get returns puts back as unchanged (the hash covers what is stored). */
    CHECK_INT(put(st, &g, NULL), KB_PUT_UNCHANGED);
    kb_doc_release(&g);
    kb_doc_release(&d);

    /* A ticket with every field; audience is forced internal. */
    kb_doc_init(&d);
    d.kind = KB_KIND_TICKET;
    d.audience = KB_AUD_PUBLIC;
    kb_doc_set(&d.source_id, "T-1");
    kb_doc_set(&d.source_path, "tickets.jsonl");
    kb_doc_set(&d.title, "Écran noir après mise à jour");
    kb_doc_set(&d.text, "The screen stays black.");
    kb_doc_set(&d.summary, "black screen");
    kb_doc_set(&d.description, "After the 3.2 update the screen stays black.");
    kb_doc_set(&d.resolution, "Rolled back the driver.");
    kb_doc_set(&d.customer, "ACME GmbH");
    kb_doc_set(&d.unit, "SN-42-ÄÖÜ");
    kb_doc_set(&d.product, "Display X");
    kb_doc_set(&d.category, "Hardware");
    kb_doc_set(&d.team, "2nd level");
    kb_doc_set(&d.linked_article, "KB-424242");
    kb_doc_add_tag(&d, "display");
    d.created = 1600000001;
    d.updated = 1600000002;
    d.resolved = 1600000003;
    int64_t t = 0;
    CHECK_INT(put(st, &d, &t), KB_PUT_ADDED);
    CHECK_INT(kb_store_get(st, KB_KIND_TICKET, t, &g, NULL), 0);
    CHECK_INT(g.kind, KB_KIND_TICKET);
    CHECK_INT(g.number, t);
    CHECK_INT(g.audience, KB_AUD_INTERNAL);
    CHECK_STR(g.source_id, "T-1");
    CHECK_STR(g.source_path, "tickets.jsonl");
    CHECK_STR(g.title, d.title);
    CHECK_STR(g.text, d.text);
    CHECK_STR(g.summary, d.summary);
    CHECK_STR(g.description, d.description);
    CHECK_STR(g.resolution, d.resolution);
    CHECK_STR(g.customer, d.customer);
    CHECK_STR(g.unit, d.unit);
    CHECK_STR(g.product, d.product);
    CHECK_STR(g.category, d.category);
    CHECK_STR(g.team, d.team);
    CHECK_STR(g.linked_article, "KB-424242");
    CHECK_STR(g.locale, "en");
    CHECK_INT(g.ntags, 1);
    CHECK_INT(g.created, 1600000001);
    CHECK_INT(g.updated, 1600000002);
    CHECK_INT(g.resolved, 1600000003);
    CHECK(g.html == NULL);
    CHECK_INT(put(st, &g, NULL), KB_PUT_UNCHANGED);
    /* Audience does not matter for tickets: public or internal is the same. */
    d.audience = KB_AUD_INTERNAL;
    CHECK_INT(put(st, &d, NULL), KB_PUT_UNCHANGED);
    kb_doc_release(&g);
    kb_doc_release(&d);

    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, 999999, &g, NULL), KB_ENOTFOUND);
    kb_doc_release(&g);
    kb_store_close(st);
}

static void test_remove_and_status(void)
{
    struct kb_store *st = open_ok(path_in("remove.sqlite3"));
    struct kb_doc d, g;
    int64_t a = 0, t = 0;
    article(&d, "x", "X", "x");
    put(st, &d, &a);
    struct kb_doc tk;
    ticket(&tk, "T-9", "broken", NULL);
    put(st, &tk, &t);
    int64_t before = last_seq(st);

    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_set_status(st, a, KB_STATUS_DRAFT, &err), 0);
    CHECK_INT(last_seq(st), before + 1);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, a, &g, NULL), 0);
    CHECK_INT(g.status, KB_STATUS_DRAFT);
    kb_doc_release(&g);
    /* Same status again: nothing queued. */
    CHECK_INT(kb_store_set_status(st, a, KB_STATUS_DRAFT, NULL), 0);
    CHECK_INT(last_seq(st), before + 1);
    CHECK_INT(kb_store_set_status(st, 4242, KB_STATUS_DRAFT, NULL), KB_ENOTFOUND);
    CHECK_INT(kb_store_set_status(st, a, 9, NULL), KB_EINVAL);
    /* After a status change the next put of the document is applied again. */
    CHECK_INT(put(st, &d, NULL), KB_PUT_UPDATED);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, a, &g, NULL), 0);
    CHECK_INT(g.status, KB_STATUS_PUBLISHED);
    kb_doc_release(&g);
    before = last_seq(st);

    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, a, NULL), 0);
    CHECK_INT(last_seq(st), before + 1);
    struct kb_outbox_row *rows = NULL;
    size_t n = 0;
    CHECK_INT(kb_store_outbox_after(st, before, 10, &rows, &n, NULL), 0);
    CHECK_INT(n, 1);
    if (n == 1) {
        CHECK_INT(rows[0].kind, KB_KIND_ARTICLE);
        CHECK_INT(rows[0].number, a);
        CHECK_INT(rows[0].seq, before + 1);
    }
    free(rows);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, a, &g, &err), KB_ENOTFOUND);
    CHECK_CONTAINS(err.msg, "KB-1000");
    kb_doc_release(&g);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM article_revisions"), 0);
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, a, NULL), KB_ENOTFOUND);
    CHECK_INT(last_seq(st), before + 1);

    CHECK_INT(kb_store_remove(st, KB_KIND_TICKET, t, NULL), 0);
    CHECK_INT(kb_store_outbox_after(st, before + 1, 10, &rows, &n, NULL), 0);
    CHECK_INT(n, 1);
    if (n == 1)
        CHECK_INT(rows[0].kind, KB_KIND_TICKET);
    free(rows);
    CHECK_INT(kb_store_get(st, KB_KIND_TICKET, t, &g, NULL), KB_ENOTFOUND);
    kb_doc_release(&g);
    CHECK_INT(kb_store_remove(st, 7, 1, NULL), KB_EINVAL);
    kb_doc_release(&tk);
    kb_doc_release(&d);
    kb_store_close(st);
}

static int count_lines(const char *s)
{
    int n = s && *s ? 1 : 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static void test_ticket_links(void)
{
    struct kb_store *st = open_ok(path_in("links.sqlite3"));
    struct kb_doc d, t, g;
    int64_t a = 0, b = 0;
    article(&d, "printing/fuse", "Replacing the fuse", "Open the panel.");
    put(st, &d, &a);
    kb_doc_set(&d.locale, "de");
    kb_doc_set(&d.title, "Sicherung ersetzen");
    put(st, &d, &b);
    kb_doc_set(&d.locale, NULL);
    kb_doc_set(&d.title, "Replacing the fuse");

    int64_t seq = last_seq(st);
    ticket(&t, "T-1", "Printer dead after storm", "KB-1000");
    CHECK_INT(put(st, &t, NULL), KB_PUT_ADDED);
    CHECK_INT(last_seq(st), seq + 2); /* the ticket and the article it taught */
    kb_doc_release(&t);
    ticket(&t, "T-2", "no power to printer", "printing/fuse"); /* by source id */
    put(st, &t, NULL);
    kb_doc_release(&t);
    ticket(&t, "T-3", "PRINTER DEAD AFTER STORM", "1000"); /* same words: not repeated */
    put(st, &t, NULL);
    kb_doc_release(&t);
    ticket(&t, "T-4", "Drucker tot", "printing/fuse"); /* locale picks the German one */
    kb_doc_set(&t.locale, "de");
    put(st, &t, NULL);
    kb_doc_release(&t);
    ticket(&t, "T-5", "unrelated", "KB-77777"); /* unknown article: ticket still stored */
    CHECK_INT(put(st, &t, NULL), KB_PUT_ADDED);
    kb_doc_release(&t);

    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, a, &g, NULL), 0);
    CHECK_STR(g.asked_as, "Printer dead after storm\nno power to printer");
    kb_doc_release(&g);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, b, &g, NULL), 0);
    CHECK_STR(g.asked_as, "Drucker tot");
    kb_doc_release(&g);

    /* A put of the article (changed or not) keeps what it learned. */
    CHECK_INT(put(st, &d, NULL), KB_PUT_UNCHANGED);
    kb_doc_set(&d.text, "Open the panel and replace the 5 A fuse.");
    kb_doc_set(&d.asked_as, "ingest must not be able to set this");
    CHECK_INT(put(st, &d, NULL), KB_PUT_UPDATED);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, a, &g, NULL), 0);
    CHECK_STR(g.asked_as, "Printer dead after storm\nno power to printer");
    kb_doc_release(&g);

    /* Tickets that arrive before their article teach it once it exists. */
    ticket(&t, "T-6", "toner smears", "printing/toner");
    put(st, &t, NULL);
    kb_doc_release(&t);
    ticket(&t, "T-7", "streaks on every page", "printing/toner");
    put(st, &t, NULL);
    kb_doc_release(&t);
    struct kb_doc d2;
    int64_t c = 0;
    article(&d2, "printing/toner", "Toner problems", "Shake the cartridge.");
    CHECK_INT(put(st, &d2, &c), KB_PUT_ADDED);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, c, &g, NULL), 0);
    CHECK_STR(g.asked_as, "toner smears\nstreaks on every page");
    kb_doc_release(&g);
    kb_doc_release(&d2);

    /* kb_store_add_asked_as: trims, dedups, queues, caps at the newest lines. */
    seq = last_seq(st);
    CHECK_INT(kb_store_add_asked_as(st, c, "  how do I   fix\nsmears  ", NULL), 0);
    CHECK_INT(last_seq(st), seq + 1);
    CHECK_INT(kb_store_add_asked_as(st, c, "HOW DO I FIX SMEARS", NULL), 0);
    CHECK_INT(last_seq(st), seq + 1);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, c, &g, NULL), 0);
    CHECK_STR(g.asked_as, "toner smears\nstreaks on every page\nhow do I fix smears");
    kb_doc_release(&g);
    CHECK_INT(kb_store_add_asked_as(st, c, " \n ", NULL), KB_EINVAL);
    CHECK_INT(kb_store_add_asked_as(st, c, NULL, NULL), KB_EINVAL);
    CHECK_INT(kb_store_add_asked_as(st, 99999, "x", NULL), KB_ENOTFOUND);
    CHECK_INT(kb_store_begin(st, NULL), 0);
    for (int i = 0; i < 250; i++) {
        char phrase[32];
        snprintf(phrase, sizeof phrase, "phrase %d", i);
        CHECK_INT(kb_store_add_asked_as(st, c, phrase, NULL), 0);
    }
    CHECK_INT(kb_store_commit(st, NULL), 0);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, c, &g, NULL), 0);
    CHECK_INT(count_lines(g.asked_as), KB_STORE_ASKED_AS_MAX_LINES);
    CHECK(g.asked_as && strncmp(g.asked_as, "phrase 50\n", 10) == 0);
    CHECK(g.asked_as && strstr(g.asked_as, "\nphrase 249") != NULL);
    kb_doc_release(&g);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void test_validation(void)
{
    struct kb_store *st = open_ok(path_in("valid.sqlite3"));
    struct kb_doc d;
    struct kb_err err = {0, ""};
    int64_t seq = last_seq(st);
    article(&d, "abc", NULL, "body");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_STR(err.msg, "missing title for 'abc'");
    kb_doc_set(&d.title, "   ");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "missing title");
    kb_doc_set(&d.title, "Title");
    kb_doc_set(&d.source_id, "");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "missing source_id");
    kb_doc_set(&d.source_id, NULL);
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "source_id");
    char longid[1100];
    memset(longid, 'i', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    kb_doc_set(&d.source_id, longid);
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "source_id too long");
    kb_doc_set(&d.source_id, "abc");
    d.status = 7;
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "status");
    d.status = 0;
    d.audience = 3;
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "audience");
    d.audience = 0;
    kb_doc_set(&d.locale, "fr'; DROP TABLE articles; --");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "locale");
    kb_doc_set(&d.locale, NULL);
    kb_doc_add_tag(&d, "bad \xff utf-8");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "tag 1 of 'abc'");
    kb_doc_release(&d);
    ticket(&d, "T-1", NULL, NULL);
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    CHECK_STR(err.msg, "missing title for 'T-1'");
    kb_doc_release(&d);
    CHECK_INT(last_seq(st), seq);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM articles"), 0);
    kb_store_close(st);
}

static void test_outbox(void)
{
    struct kb_store *st = open_ok(path_in("outbox.sqlite3"));
    struct kb_doc d;
    char id[32];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "doc-%d", i);
        article(&d, id, "T", "t");
        put(st, &d, NULL);
        kb_doc_release(&d);
    }
    struct kb_outbox_row *rows = NULL;
    size_t n = 0;
    CHECK_INT(kb_store_outbox_after(st, 0, 3, &rows, &n, NULL), 0);
    CHECK_INT(n, 3);
    for (size_t i = 0; i < n; i++) {
        CHECK_INT(rows[i].seq, (int64_t)i + 1);
        CHECK_INT(rows[i].number, 1000 + (int64_t)i);
        CHECK_INT(rows[i].kind, KB_KIND_ARTICLE);
    }
    free(rows);
    CHECK_INT(kb_store_outbox_after(st, 3, 100, &rows, &n, NULL), 0);
    CHECK_INT(n, 2);
    free(rows);
    CHECK_INT(kb_store_outbox_after(st, 5, 100, &rows, &n, NULL), 0);
    CHECK_INT(n, 0);
    CHECK(rows == NULL);
    CHECK_INT(kb_store_outbox_after(st, 0, 0, &rows, &n, NULL), 0);
    CHECK_INT(n, 0);

    CHECK_INT(kb_store_outbox_trim(st, 3, NULL), 0);
    CHECK_INT(kb_store_outbox_after(st, 0, 100, &rows, &n, NULL), 0);
    CHECK_INT(n, 2);
    if (n)
        CHECK_INT(rows[0].seq, 4);
    free(rows);
    CHECK_INT(kb_store_outbox_trim(st, 5, NULL), 0);
    CHECK_INT(last_seq(st), 5); /* survives trimming everything */
    struct kb_store_stats s;
    CHECK_INT(kb_store_stats(st, &s, NULL), 0);
    CHECK_INT(s.outbox_pending, 0);
    CHECK_INT(s.last_seq, 5);
    kb_store_close(st);
    st = open_ok(path_in("outbox.sqlite3"));
    CHECK_INT(last_seq(st), 5);
    article(&d, "doc-new", "T", "t");
    put(st, &d, NULL);
    kb_doc_release(&d);
    CHECK_INT(last_seq(st), 6);
    kb_store_close(st);
}

static void test_synonyms_meta(void)
{
    struct kb_store *st = open_ok(path_in("syn.sqlite3"));
    struct kb_err err = {0, ""};
    CHECK_INT(kb_store_synonym_add(st, "  WiFi ", "Wireless   LAN", NULL), 0);
    CHECK_INT(kb_store_synonym_add(st, "wifi", "wireless lan", NULL), 0); /* duplicate: fine */
    CHECK_INT(kb_store_synonym_add(st, "wifi", "WLAN", NULL), 0);
    CHECK_INT(kb_store_synonym_add(st, "ÉCRAN", "display", NULL), 0);
    CHECK_INT(kb_store_synonym_add(st, " ", "x", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "empty");
    CHECK_INT(kb_store_synonym_add(st, "x", NULL, &err), KB_EINVAL);
    CHECK_STR(err.msg, "empty synonym");
    char longword[300];
    memset(longword, 'w', sizeof longword - 1);
    longword[sizeof longword - 1] = '\0';
    CHECK_INT(kb_store_synonym_add(st, longword, "x", &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "too long");
    CHECK_INT(kb_store_synonym_add(st, "Same", "same", NULL), KB_EINVAL);
    struct kb_synonym *s = NULL;
    size_t n = 0;
    CHECK_INT(kb_store_synonyms(st, &s, &n, NULL), 0);
    CHECK_INT(n, 3);
    if (n == 3) {
        CHECK_STR(s[0].term, "wifi");
        CHECK_STR(s[0].synonym, "wireless lan");
        CHECK_STR(s[1].term, "wifi");
        CHECK_STR(s[1].synonym, "wlan");
        CHECK_STR(s[2].term, "Écran"); /* ASCII folding only; ICU folds at query time */
    }
    kb_synonyms_free(s, n);
    CHECK_INT(kb_store_synonym_remove(st, "WIFI", " wlan", NULL), 0);
    CHECK_INT(kb_store_synonym_remove(st, "wifi", "wlan", NULL), KB_ENOTFOUND);
    CHECK_INT(kb_store_synonyms(st, &s, &n, NULL), 0);
    CHECK_INT(n, 2);
    kb_synonyms_free(s, n);

    CHECK(kb_store_meta_get(st, "index.version") == NULL);
    CHECK_INT(kb_store_meta_set(st, "index.version", "1", NULL), 0);
    CHECK_INT(kb_store_meta_set(st, "index.version", "2", NULL), 0);
    char *v = kb_store_meta_get(st, "index.version");
    CHECK_STR(v, "2");
    free(v);
    CHECK_INT(kb_store_meta_set(st, "index.version", NULL, NULL), 0);
    CHECK(kb_store_meta_get(st, "index.version") == NULL);
    CHECK_INT(kb_store_meta_set(st, "", "x", NULL), KB_EINVAL);
    kb_store_close(st);
}

static void test_stats(void)
{
    struct kb_store *st = open_ok(path_in("stats.sqlite3"));
    struct kb_doc d;
    static const struct { const char *id; int aud, status; } docs[] = {
        {"p1", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED}, {"p2", KB_AUD_PUBLIC, KB_STATUS_PUBLISHED},
        {"i1", KB_AUD_INTERNAL, KB_STATUS_PUBLISHED}, {"d1", KB_AUD_PUBLIC, KB_STATUS_DRAFT},
        {"d2", KB_AUD_INTERNAL, KB_STATUS_DRAFT}, {"a1", KB_AUD_PUBLIC, KB_STATUS_ARCHIVED},
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        article(&d, docs[i].id, "T", "t");
        d.audience = docs[i].aud;
        d.status = docs[i].status;
        put(st, &d, NULL);
        kb_doc_release(&d);
    }
    ticket(&d, "T-1", "s", NULL);
    put(st, &d, NULL);
    kb_doc_release(&d);
    struct kb_store_stats s;
    CHECK_INT(kb_store_stats(st, &s, NULL), 0);
    CHECK_INT(s.articles_public, 2);
    CHECK_INT(s.articles_internal, 1);
    CHECK_INT(s.drafts, 2);
    CHECK_INT(s.archived, 1);
    CHECK_INT(s.tickets, 1);
    CHECK_INT(s.outbox_pending, 7);
    CHECK_INT(s.last_seq, 7);
    kb_store_close(st);
}

struct each_state {
    int articles, tickets, order_ok, stop_after;
    int64_t last_article;
    struct kb_store *st;
};

static int each_cb(void *ud, const struct kb_doc *d)
{
    struct each_state *e = ud;
    if (d->kind == KB_KIND_ARTICLE) {
        if (e->tickets || d->number <= e->last_article)
            e->order_ok = 0;
        e->last_article = d->number;
        e->articles++;
    } else {
        e->tickets++;
    }
    /* Reads on the same handle are allowed from the callback. */
    struct kb_doc g;
    if (kb_store_get(e->st, d->kind, d->number, &g, NULL) != 0 || strcmp(g.title, d->title) != 0)
        e->order_ok = 0;
    kb_doc_release(&g);
    if (e->stop_after && e->articles + e->tickets == e->stop_after)
        return 7;
    return 0;
}

static void test_each(void)
{
    struct kb_store *st = open_ok(path_in("each.sqlite3"));
    struct kb_doc d;
    char id[32];
    for (int i = 0; i < 3; i++) {
        snprintf(id, sizeof id, "t%d", i);
        ticket(&d, id, "subject", NULL);
        put(st, &d, NULL);
        kb_doc_release(&d);
        snprintf(id, sizeof id, "a%d", i);
        article(&d, id, "title", "text");
        kb_doc_add_tag(&d, "tag");
        put(st, &d, NULL);
        kb_doc_release(&d);
    }
    struct each_state e = {0, 0, 1, 0, 0, st};
    CHECK_INT(kb_store_each(st, each_cb, &e, NULL), 0);
    CHECK_INT(e.articles, 3);
    CHECK_INT(e.tickets, 3);
    CHECK(e.order_ok);
    struct each_state e2 = {0, 0, 1, 4, 0, st};
    CHECK_INT(kb_store_each(st, each_cb, &e2, NULL), 7);
    CHECK_INT(e2.articles + e2.tickets, 4);
    /* The store is usable afterwards (the read transaction ended). */
    article(&d, "after", "after", "x");
    CHECK_INT(put(st, &d, NULL), KB_PUT_ADDED);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void put_many(struct kb_store *st, const char *prefix, int count)
{
    struct kb_doc d;
    char id[64];
    int bad = 0;
    for (int i = 0; i < count; i++) {
        snprintf(id, sizeof id, "%s-%d", prefix, i);
        article(&d, id, "Batch article", "Some text about printers and fuses.");
        kb_doc_add_tag(&d, "batch");
        int res = -1;
        if (kb_store_put(st, &d, NULL, &res, NULL, NULL) != 0 || res != KB_PUT_ADDED)
            bad++;
        kb_doc_release(&d);
    }
    CHECK_INT(bad, 0);
}

static void test_transactions(void)
{
    const char *p = path_in("txn.sqlite3");
    struct kb_store *st = open_ok(p);
    struct kb_err err = {0, ""};
    struct kb_store_stats s;

    CHECK_INT(kb_store_commit(st, &err), KB_EINVAL);
    CHECK_INT(kb_store_begin(st, NULL), 0);
    CHECK_INT(kb_store_begin(st, &err), KB_EINVAL);
    CHECK_CONTAINS(err.msg, "nesting");
    put_many(st, "lost", 1000);
    kb_store_rollback(st);
    kb_store_rollback(st); /* harmless without a transaction */
    CHECK_INT(kb_store_stats(st, &s, NULL), 0);
    CHECK_INT(s.articles_public, 0);
    CHECK_INT(s.last_seq, 0);

    CHECK_INT(kb_store_begin(st, NULL), 0);
    put_many(st, "kept", 1000);
    /* A bad document in the batch fails alone; the rest still commit. */
    struct kb_doc d;
    article(&d, "bad", NULL, "no title");
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, NULL, &err), KB_EINVAL);
    kb_doc_release(&d);
    /* Another handle sees nothing before the commit, and cannot write. */
    struct kb_store *other = open_ok(p);
    CHECK_INT(kb_store_stats(other, &s, NULL), 0);
    CHECK_INT(s.articles_public, 0);
    sqlite3_busy_timeout(kb_store_db(other), 50);
    article(&d, "other", "Other", "x");
    CHECK_INT(kb_store_put(other, &d, NULL, NULL, NULL, &err), KB_EBUSY);
    CHECK_CONTAINS(err.msg, "locked");
    CHECK_INT(kb_store_commit(st, NULL), 0);
    CHECK_INT(kb_store_stats(other, &s, NULL), 0);
    CHECK_INT(s.articles_public, 1000);
    CHECK_INT(s.last_seq, 1000);
    CHECK_INT(put(other, &d, NULL), KB_PUT_ADDED);
    kb_doc_release(&d);
    kb_store_close(other);

    /* Closing with an open transaction rolls it back. */
    CHECK_INT(kb_store_begin(st, NULL), 0);
    put_many(st, "unfinished", 10);
    kb_store_close(st);
    st = open_ok(p);
    CHECK_INT(kb_store_stats(st, &s, NULL), 0);
    CHECK_INT(s.articles_public, 1001);
    kb_store_close(st);
}

static void test_open_errors(void)
{
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};

    CHECK_INT(kb_store_open("/nonexistent-kb-dir/sub/kb.sqlite3", &st, &err), KB_EIO);
    CHECK(st == NULL);
    CHECK_STR(err.msg, "cannot open store '/nonexistent-kb-dir/sub/kb.sqlite3': directory "
                       "'/nonexistent-kb-dir/sub' does not exist");
    CHECK_INT(kb_store_open("", &st, &err), KB_EINVAL);

    /* A directory where the file should be. */
    CHECK_INT(kb_store_open(dir, &st, &err), KB_EIO);
    CHECK_CONTAINS(err.msg, "cannot open store");

    /* Not a database. */
    const char *junk = path_in("junk.sqlite3");
    FILE *f = fopen(junk, "w");
    for (int i = 0; f && i < 200; i++)
        fputs("this is not an sqlite database, just some text\n", f);
    if (f)
        fclose(f);
    CHECK_INT(kb_store_open(junk, &st, &err), KB_ECORRUPT);
    CHECK_CONTAINS(err.msg, junk);
    CHECK_CONTAINS(err.msg, "not a database");

    /* Newer than the code. */
    const char *future = path_in("future.sqlite3");
    st = open_ok(future);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", kb_store_schema_latest() + 1);
    CHECK_INT(sqlite3_exec(kb_store_db(st), sql, NULL, NULL, NULL), SQLITE_OK);
    kb_store_close(st);
    st = NULL;
    CHECK_INT(kb_store_open(future, &st, &err), KB_EFORMAT);
    CHECK(st == NULL);
    CHECK_CONTAINS(err.msg, "newer than");

    /* Some other application's SQLite database. */
    const char *foreign = path_in("foreign.sqlite3");
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(foreign, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(kb_store_open(foreign, &st, &err), KB_EFORMAT);
    CHECK_CONTAINS(err.msg, "not");
}

static void test_reopen_keeps_data(void)
{
    const char *p = path_in("reopen.sqlite3");
    struct kb_store *st = open_ok(p);
    struct kb_doc d;
    int64_t n = 0;
    article(&d, "keep", "Kept", "kept text");
    put(st, &d, &n);
    CHECK_INT(kb_store_synonym_add(st, "a", "b", NULL), 0);
    CHECK_INT(kb_store_meta_set(st, "k", "v", NULL), 0);
    kb_store_close(st);
    st = open_ok(p);
    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, NULL), 0);
    CHECK_STR(g.text, "kept text");
    kb_doc_release(&g);
    CHECK_INT(put(st, &d, NULL), KB_PUT_UNCHANGED);
    char *v = kb_store_meta_get(st, "k");
    CHECK_STR(v, "v");
    free(v);
    kb_doc_release(&d);
    kb_store_close(st);
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void bench_bulk(void)
{
    struct kb_store *st = open_ok(path_in("bench.sqlite3"));
    double t0 = now_ms();
    CHECK_INT(kb_store_begin(st, NULL), 0);
    put_many(st, "bench", 10000);
    CHECK_INT(kb_store_commit(st, NULL), 0);
    double t1 = now_ms();
    printf("test_store: 10000 small articles put in one transaction in %.0f ms\n", t1 - t0);
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_store: could not remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR; /* the migration and close notices are expected */
    snprintf(dir, sizeof dir, "/tmp/test_store.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_open_schema();
    test_put_update();
    test_numbers_not_reused();
    test_find();
    test_round_trip();
    test_remove_and_status();
    test_ticket_links();
    test_validation();
    test_outbox();
    test_synonyms_meta();
    test_stats();
    test_each();
    test_transactions();
    test_open_errors();
    test_reopen_keeps_data();
    bench_bulk();
    cleanup();
    return check_report("test_store");
}
