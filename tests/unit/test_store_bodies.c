/* Tests for how the store keeps article bodies: one copy of each body
 * (text, HTML, source) per revision, the current revision's bodies only in
 * the articles row, a source equal to the text or the HTML kept once; what
 * readers get back (the article, each revision, revert, the list's sizes) is
 * the same as before; and the migration that converts a store written with
 * six copies. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/store/articles.h"
#include "kb/store/store.h"

static char dir[64];

static struct kb_store *open_store(const char *name)
{
    char path[160];
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static int64_t count_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    } else {
        fprintf(stderr, "sql: %s: %s\n", sql, sqlite3_errmsg(kb_store_db(st)));
    }
    return n;
}

static int exec_ok(struct kb_store *st, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(kb_store_db(st), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "sql: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    return rc;
}

/* Bytes of every body column the store holds for article number, in the
 * articles row and its revision rows. */
static int64_t body_bytes(struct kb_store *st, int64_t number)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT coalesce(sum(length(CAST(text AS BLOB)) + "
             "coalesce(length(CAST(html AS BLOB)), 0) + "
             "coalesce(length(CAST(source AS BLOB)), 0)), 0) FROM articles WHERE number = %lld)"
             " + (SELECT coalesce(sum(coalesce(length(CAST(text AS BLOB)), 0) + "
             "coalesce(length(CAST(html AS BLOB)), 0) + "
             "coalesce(length(CAST(source AS BLOB)), 0)), 0) FROM article_revisions "
             "WHERE number = %lld)", (long long)number, (long long)number);
    return count_sql(st, sql);
}

/* One version of an article's content, as the store is given it. */
struct version {
    int format;
    const char *body;
};

/* The bytes one copy of each distinct body of d takes (a source equal to
 * the text or the HTML counted once). */
static int64_t distinct_bytes(const struct kb_doc *d)
{
    int64_t n = (int64_t)strlen(d->text) + (int64_t)strlen(d->html);
    if (d->source && strcmp(d->source, d->text) != 0 && strcmp(d->source, d->html) != 0)
        n += (int64_t)strlen(d->source);
    return n;
}

static void render(struct kb_doc *d, const struct version *v)
{
    free(d->source);
    free(d->html);
    free(d->text);
    kb_article_render(v->format, v->body, strlen(v->body), &d->source, &d->html, &d->text);
    d->format = v->format;
}

/* A revised article of each format: bytes once per revision, each revision
 * read back as written, revert and the list's sizes unchanged. */
static void check_revised(struct kb_store *st, const char *title, const struct version *v,
                          size_t nv)
{
    struct kb_err err = {0, ""};
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.locale, "en");
    struct kb_doc *kept = calloc(nv, sizeof *kept);
    int64_t number = 0, expect = 0;
    for (size_t i = 0; i < nv; i++) {
        render(&d, &v[i]);
        kb_doc_init(&kept[i]);
        kb_doc_set(&kept[i].text, d.text);
        kb_doc_set(&kept[i].html, d.html);
        kb_doc_set(&kept[i].source, d.source);
        expect += distinct_bytes(&d);
        if (i == 0) {
            CHECK_INT(kb_article_create(st, &d, "writer", &number, &err), 0);
        } else {
            int changed = 0;
            CHECK_INT(kb_article_update(st, number, &d, "writer", &changed, &err), 0);
            CHECK_INT(changed, 1);
        }
    }
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM article_revisions WHERE number = %lld",
             (long long)number);
    CHECK_INT(count_sql(st, sql), (int64_t)nv);
    /* Each body once per revision: the bytes stored are the sum. */
    CHECK_INT(body_bytes(st, number), expect);
    /* The current text is one primary-key lookup away. */
    snprintf(sql, sizeof sql, "SELECT length(CAST(text AS BLOB)) = %zu FROM articles "
             "WHERE number = %lld", strlen(kept[nv - 1].text), (long long)number);
    CHECK_INT(count_sql(st, sql), 1);

    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, number, &g, &err), 0);
    CHECK_STR(g.text, kept[nv - 1].text);
    CHECK_STR(g.html, kept[nv - 1].html);
    CHECK_STR(g.source, kept[nv - 1].source);
    kb_doc_release(&g);
    for (size_t i = 0; i < nv; i++) {
        struct kb_revision r;
        CHECK_INT(kb_article_revision(st, number, (int64_t)i + 1, &r, &err), 0);
        CHECK_STR(r.doc.text, kept[i].text);
        CHECK_STR(r.doc.html, kept[i].html);
        CHECK_STR(r.doc.source, kept[i].source);
        CHECK_INT(r.doc.format, v[i].format);
        CHECK_INT(r.source_len, strlen(kept[i].source));
        kb_revision_release(&r);
    }
    struct kb_revision *revs = NULL;
    size_t n = 0;
    int64_t total = 0;
    CHECK_INT(kb_article_revisions(st, number, 0, 100, &revs, &n, &total, &err), 0);
    CHECK_INT(n, nv);
    for (size_t i = 0; i < n && n == nv; i++)
        CHECK_INT(revs[i].source_len, strlen(kept[nv - 1 - i].source));
    kb_revisions_free(revs, n);

    /* Revert to the first: a new revision with its bodies, and still once each. */
    int changed = 0;
    CHECK_INT(kb_article_revert(st, number, 1, "writer", &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, number, &g, &err), 0);
    CHECK_STR(g.text, kept[0].text);
    CHECK_STR(g.html, kept[0].html);
    CHECK_STR(g.source, kept[0].source);
    kb_doc_release(&g);
    struct kb_doc k0 = kept[0];
    CHECK_INT(body_bytes(st, number), expect + distinct_bytes(&k0));
    struct kb_revision r;
    CHECK_INT(kb_article_revision(st, number, (int64_t)nv, &r, &err), 0);
    CHECK_STR(r.doc.source, kept[nv - 1].source); /* superseded: moved to its row */
    CHECK_STR(r.doc.html, kept[nv - 1].html);
    kb_revision_release(&r);
    for (size_t i = 0; i < nv; i++)
        kb_doc_release(&kept[i]);
    free(kept);
    kb_doc_release(&d);
}

static void test_one_copy(void)
{
    struct kb_store *st = open_store("bodies.sqlite3");
    static const struct version text[] = {
        {KB_FMT_TEXT, "Move the router.\n\nRestart it."},
        {KB_FMT_TEXT, "Move the router.\n\nUpdate the firmware.\n\nRestart it."},
        {KB_FMT_TEXT, "Restart it."},
    };
    static const struct version md[] = {
        {KB_FMT_MARKDOWN, "# Wi-Fi\n\nMove the **router**.\n"},
        {KB_FMT_MARKDOWN, "# Wi-Fi\n\nMove the **router**.\n\n* Update the firmware\n"},
    };
    static const struct version html[] = {
        {KB_FMT_HTML, "<p>Hold <b>reset</b> for 10 s.</p>"},
        {KB_FMT_HTML, "<p>Hold <b>reset</b> for 30 s.</p><p>Then wait.</p>"},
    };
    static const struct version mixed[] = {
        {KB_FMT_MARKDOWN, "Plain *words*.\n"},
        {KB_FMT_HTML, "<p>Now <i>HTML</i>.</p>"},
        {KB_FMT_TEXT, "Now text."},
    };
    check_revised(st, "Text article", text, 3);
    check_revised(st, "Markdown article", md, 2);
    check_revised(st, "HTML article", html, 2);
    check_revised(st, "Changing formats", mixed, 3);
    /* The current revisions' rows hold no bodies: the articles rows do. */
    CHECK_INT(count_sql(st, "SELECT count(*) FROM article_revisions r JOIN articles a "
                            "ON a.number = r.number AND a.current_rev = r.rev WHERE "
                            "r.text IS NOT NULL OR r.html IS NOT NULL OR r.source IS NOT NULL"),
              0);
    kb_store_close(st);
}

/* An imported document whose source differs from both (raw HTML, which the
 * store cannot regenerate from the sanitised HTML) keeps it; one without a
 * source reads back without one. */
static void test_imported_sources(void)
{
    struct kb_store *st = open_store("import.sqlite3");
    struct kb_err err = {0, ""};
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_PUBLISHED;
    d.format = KB_FMT_HTML;
    kb_doc_set(&d.source_id, "imported");
    kb_doc_set(&d.title, "Imported");
    kb_doc_set(&d.text, "Hello.");
    kb_doc_set(&d.html, "<p>Hello.</p>");
    kb_doc_set(&d.source, "<p onclick=\"x()\">Hello.</p>");
    int64_t n = 0;
    int res = 0;
    CHECK_INT(kb_store_put(st, &d, NULL, &res, &n, &err), 0);
    CHECK_INT(res, KB_PUT_ADDED);
    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, &err), 0);
    CHECK_STR(g.source, d.source);
    kb_doc_release(&g);
    /* Put again unchanged: the hash of what is read back is the same. */
    CHECK_INT(kb_store_put(st, &d, NULL, &res, &n, &err), 0);
    CHECK_INT(res, KB_PUT_UNCHANGED);

    free(d.source);
    d.source = NULL;
    kb_doc_set(&d.source_id, "no-source");
    CHECK_INT(kb_store_put(st, &d, NULL, &res, &n, &err), 0);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, &err), 0);
    CHECK(g.source == NULL);
    CHECK_STR(g.html, "<p>Hello.</p>");
    kb_doc_release(&g);
    /* A source equal to the text is kept once and read back. */
    kb_doc_set(&d.source_id, "same-as-text");
    kb_doc_set(&d.source, "Hello.");
    d.format = KB_FMT_TEXT;
    CHECK_INT(kb_store_put(st, &d, NULL, &res, &n, &err), 0);
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, n, &g, &err), 0);
    CHECK_STR(g.source, "Hello.");
    kb_doc_release(&g);
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT source IS NULL FROM articles WHERE number = %lld",
             (long long)n);
    CHECK_INT(count_sql(st, sql), 1);
    /* Each (kb-indexer rebuild, export) reads the same. */
    kb_doc_release(&d);
    kb_store_close(st);
}

struct seen {
    int n;
    int sources;
};

static int each_cb(void *ud, const struct kb_doc *d)
{
    struct seen *s = ud;
    if (d->kind == KB_KIND_ARTICLE) {
        s->n++;
        s->sources += d->source != NULL;
    }
    return 0;
}

/* The store as schema 6 wrote it: every body in the articles row and again
 * in each revision row, the search log indexed by query. */
static const char to_v6[] =
    "UPDATE articles SET source = CASE source_is WHEN 'text' THEN text WHEN 'html' THEN html"
    " ELSE source END;"
    "UPDATE article_revisions SET source = CASE source_is WHEN 'text' THEN text"
    " WHEN 'html' THEN html ELSE source END WHERE source_is IS NOT NULL;"
    "UPDATE article_revisions SET text = a.text, html = a.html, source = a.source"
    " FROM articles a WHERE a.number = article_revisions.number"
    " AND a.current_rev = article_revisions.rev;"
    "ALTER TABLE articles DROP COLUMN source_is;"
    "ALTER TABLE article_revisions DROP COLUMN source_is;"
    "DROP TABLE search_days; DROP INDEX feedback_search; DROP TABLE replica_changes;"
    "DROP TABLE contact_deliveries; DROP TABLE contact_requests; DROP TABLE contact_destinations;"
    "DROP TABLE rt_sync; DROP TABLE site_settings; DROP TABLE site_files; "
    "DROP TABLE article_views; DROP TABLE views_seen; DROP TABLE article_pins; "
    "ALTER TABLE searches DROP COLUMN visitor; ALTER TABLE searches DROP COLUMN network;"
    "CREATE INDEX searches_query ON searches (query, time);"
    "PRAGMA user_version = 6;";

static void test_migration(void)
{
    struct kb_store *st = open_store("old.sqlite3");
    struct kb_err err = {0, ""};
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.audience = KB_AUD_PUBLIC;
    kb_doc_set(&d.title, "Old article");
    kb_doc_set(&d.locale, "en");
    static const struct version v[] = {
        {KB_FMT_TEXT, "First words."},
        {KB_FMT_MARKDOWN, "Second *words*."},
        {KB_FMT_HTML, "<p>Third <b>words</b>.</p>"},
    };
    int64_t number = 0;
    for (size_t i = 0; i < 3; i++) {
        render(&d, &v[i]);
        if (i == 0)
            CHECK_INT(kb_article_create(st, &d, "old", &number, &err), 0);
        else
            CHECK_INT(kb_article_update(st, number, &d, "old", NULL, &err), 0);
    }
    int64_t once = body_bytes(st, number);
    struct kb_revision before[3];
    for (int i = 0; i < 3; i++)
        CHECK_INT(kb_article_revision(st, number, i + 1, &before[i], &err), 0);
    CHECK_INT(exec_ok(st, to_v6), SQLITE_OK);
    CHECK(body_bytes(st, number) > once); /* six copies, as version 6 kept them */
    kb_store_close(st);

    st = open_store("old.sqlite3"); /* migrates */
    CHECK_INT(kb_store_schema_version(st), kb_store_schema_latest());
    CHECK_INT(body_bytes(st, number), once);
    for (int i = 0; i < 3; i++) {
        struct kb_revision r;
        CHECK_INT(kb_article_revision(st, number, i + 1, &r, &err), 0);
        CHECK_STR(r.doc.title, before[i].doc.title);
        CHECK_STR(r.doc.text, before[i].doc.text);
        CHECK_STR(r.doc.html, before[i].doc.html);
        CHECK_STR(r.doc.source, before[i].doc.source);
        CHECK_INT(r.doc.format, before[i].doc.format);
        CHECK_INT(r.source_len, before[i].source_len);
        CHECK_STR(r.author, "old");
        kb_revision_release(&r);
        kb_revision_release(&before[i]);
    }
    struct kb_doc g;
    CHECK_INT(kb_store_get(st, KB_KIND_ARTICLE, number, &g, &err), 0);
    CHECK_STR(g.source, d.source);
    CHECK_STR(g.text, d.text);
    kb_doc_release(&g);
    struct seen s = {0, 0};
    CHECK_INT(kb_store_each(st, each_cb, &s, &err), 0);
    CHECK_INT(s.n, 1);
    CHECK_INT(s.sources, 1);
    /* The same content again is unchanged; a new one adds a revision. */
    int changed = -1;
    CHECK_INT(kb_article_update(st, number, &d, "new", &changed, &err), 0);
    CHECK_INT(changed, 0);
    CHECK_INT(kb_article_revert(st, number, 1, "new", &changed, &err), 0);
    CHECK_INT(changed, 1);
    struct kb_revision r;
    CHECK_INT(kb_article_revision(st, number, 3, &r, &err), 0);
    CHECK_STR(r.doc.source, d.source);
    kb_revision_release(&r);
    CHECK_INT(count_sql(st, "SELECT count(*) FROM sqlite_master WHERE name = 'searches_query'"),
              0);
    kb_doc_release(&d);
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[100];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_store_bodies.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_one_copy();
    test_imported_sources();
    test_migration();
    cleanup();
    return check_report("test_store_bodies");
}
