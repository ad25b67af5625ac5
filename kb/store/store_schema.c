/* The store's tables and the migrations that create them. The schema version
 * is PRAGMA user_version: step i (0-based) of the table below takes a
 * database from version i to i + 1, in its own transaction. */
#include "kb/store/store_int.h"

#include <stdio.h>
#include <string.h>

#include "kb/store/events.h"
#include "kb/store/analytics.h"
#include "kb/store/learn.h"
#include "kb/store/auth.h"
#include "kb/store/retention.h"
#include "kb/store/contact.h"
#include "kb/store/site.h"
#include "kb/store/views.h"
#include "kb/store/rt_state.h"
#include "kb/store/media_store.h"
#include "kb/store/topic_store.h"
#include "kb/store/review.h"
#include "kb/base/log.h"

/* "KBst": marks an SQLite file as a kb store (PRAGMA application_id). */
#define STORE_APPLICATION_ID 0x4B427374

/* Version 1: documents, revisions, outbox, synonyms, metadata.
 * - Enumerations are stored by name ('public', 'draft', 'markdown') so the
 *   file reads on its own and survives reordering of the C enums.
 * - Article numbers and ticket ids use AUTOINCREMENT so they are never
 *   reused after a delete; articles start at KB_ARTICLE_FIRST_NUMBER.
 * - tags is a JSON array of strings ('[]' when none).
 * - content_hash is kb_doc_hash of the document as last put; NULL forces the
 *   next put to write (set after a status change made outside a put).
 * - outbox.seq is what sync records in the index; sqlite_sequence keeps the
 *   highest seq after rows are trimmed. */
static const char schema_v1[] =
    "CREATE TABLE articles ("
    " number INTEGER PRIMARY KEY AUTOINCREMENT,"
    " source_id TEXT NOT NULL CHECK (source_id <> ''),"
    " locale TEXT NOT NULL DEFAULT 'en',"
    " source_path TEXT,"
    " title TEXT NOT NULL,"
    " summary TEXT,"
    " text TEXT,"
    " html TEXT,"
    " source TEXT,"
    " format TEXT NOT NULL DEFAULT 'text' CHECK (format IN ('text', 'html', 'markdown')),"
    " category TEXT,"
    " product TEXT,"
    " tags TEXT NOT NULL DEFAULT '[]',"
    " audience TEXT NOT NULL CHECK (audience IN ('public', 'internal')),"
    " status TEXT NOT NULL CHECK (status IN ('published', 'draft', 'archived')),"
    " asked_as TEXT,"
    " content_hash TEXT,"
    " current_rev INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " UNIQUE (source_id, locale));"
    "INSERT INTO sqlite_sequence (name, seq) VALUES ('articles', 999);"
    "CREATE INDEX articles_status ON articles (status, audience);"
    "CREATE TABLE article_revisions ("
    " number INTEGER NOT NULL REFERENCES articles (number) ON DELETE CASCADE,"
    " rev INTEGER NOT NULL,"
    " title TEXT NOT NULL,"
    " summary TEXT,"
    " text TEXT,"
    " html TEXT,"
    " source TEXT,"
    " format TEXT NOT NULL,"
    " category TEXT,"
    " product TEXT,"
    " tags TEXT NOT NULL DEFAULT '[]',"
    " locale TEXT NOT NULL,"
    " audience TEXT NOT NULL,"
    " status TEXT NOT NULL,"
    " author TEXT,"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY (number, rev));"
    "CREATE TABLE tickets ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " source_id TEXT NOT NULL UNIQUE CHECK (source_id <> ''),"
    " source_path TEXT,"
    " locale TEXT NOT NULL DEFAULT 'en',"
    " status TEXT NOT NULL DEFAULT 'published'"
    "  CHECK (status IN ('published', 'draft', 'archived')),"
    " subject TEXT NOT NULL,"
    " summary TEXT,"
    " text TEXT,"
    " description TEXT,"
    " resolution TEXT,"
    " customer TEXT,"
    " unit TEXT,"
    " product TEXT,"
    " category TEXT,"
    " team TEXT,"
    " tags TEXT NOT NULL DEFAULT '[]',"
    " linked_article TEXT,"
    " content_hash TEXT,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " resolved INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX tickets_customer ON tickets (customer) WHERE customer IS NOT NULL;"
    "CREATE INDEX tickets_unit ON tickets (unit) WHERE unit IS NOT NULL;"
    "CREATE INDEX tickets_linked ON tickets (linked_article) WHERE linked_article IS NOT NULL;"
    "CREATE TABLE outbox ("
    " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " kind TEXT NOT NULL CHECK (kind IN ('article', 'ticket')),"
    " number INTEGER NOT NULL,"
    " op TEXT NOT NULL," /* put | remove | status | asked_as | usage: for people reading the file */
    " created INTEGER NOT NULL);"
    "CREATE TABLE synonyms ("
    " term TEXT NOT NULL CHECK (term <> ''),"
    " synonym TEXT NOT NULL CHECK (synonym <> ''),"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY (term, synonym)) WITHOUT ROWID;"
    "CREATE TABLE meta ("
    " key TEXT PRIMARY KEY,"
    " value TEXT NOT NULL) WITHOUT ROWID;";

/* Version 7: one copy of each article body per revision. The current
 * revision's text, html and source live in the articles row only (its
 * article_revisions row has them NULL); they move into that row when a
 * newer revision replaces them (REV_SUPERSEDE in store_int.h). A source
 * equal to the text (plain-text articles) or to the html (HTML written in
 * the editor, HTML and DocBook imports) is not stored again: source_is
 * names the body it equals and source is NULL (STORE_SOURCE reads it back).
 * Stores written before kept every body in both rows: the current
 * revision's copies are dropped (they equal the articles row's; nothing
 * but a put changes an article's bodies, and a put adds a revision). */
static const char schema_v7[] =
    "ALTER TABLE articles ADD COLUMN source_is TEXT CHECK (source_is IN ('text', 'html'));"
    "ALTER TABLE article_revisions ADD COLUMN source_is TEXT"
    " CHECK (source_is IN ('text', 'html'));"
    "UPDATE article_revisions SET text = NULL, html = NULL, source = NULL"
    " WHERE (number, rev) IN (SELECT number, current_rev FROM articles);"
    "UPDATE articles SET source_is = CASE WHEN source = text THEN 'text'"
    " WHEN source = html THEN 'html' END WHERE source IS NOT NULL;"
    "UPDATE articles SET source = NULL WHERE source_is IS NOT NULL;"
    "UPDATE article_revisions SET source_is = CASE WHEN source = text THEN 'text'"
    " WHEN source = html THEN 'html' END WHERE source IS NOT NULL;"
    "UPDATE article_revisions SET source = NULL WHERE source_is IS NOT NULL;";

/* Step 21: an agent's look-up of previous cases reads an index instead of
 * every ticket's row (each holds the ticket's text): a unit is sought
 * ignoring case, newest first; a customer's text is matched against the
 * index's entries, which hold the creation time it is sorted by. They
 * replace step 1's indexes on the same columns, which no query could use
 * (the look-ups ignore case; nothing else seeks a customer or unit as
 * stored) and which every ticket write kept up. */
static const char schema_v21[] =
    "CREATE INDEX IF NOT EXISTS tickets_unit_created ON tickets (unit COLLATE NOCASE, created)"
    " WHERE unit IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS tickets_customer_created ON tickets (customer, created)"
    " WHERE customer IS NOT NULL;"
    "DROP INDEX IF EXISTS tickets_unit;"
    "DROP INDEX IF EXISTS tickets_customer;";

/* One step: an SQL script and/or a C function for data changes (NULL when
 * not needed). fn returns 0 or fills err and returns a KB_E* code. */
struct store_migration {
    const char *name;
    const char *sql;
    int (*fn)(sqlite3 *db, struct kb_err *err);
};

/* Append new steps at the end, one line each; never edit or reorder a step
 * that has shipped. A module that owns tables exports its SQL, e.g.
 *     {"users, sessions, tokens", kb_users_schema_sql, NULL},            */
static const struct store_migration migrations[] = {
    {"articles, revisions, tickets, outbox, synonyms, meta", schema_v1, NULL},
    {"search log, events, feedback", kb_events_schema_sql, NULL},
    {"users, sessions, api tokens, login failures", kb_auth_schema_sql, NULL},
    {"events by article, articles by title (ranking)", kb_events_usage_schema_sql, NULL},
    {"article usage counters (ranking)", kb_events_counters_schema_sql, NULL},
    {"learning per audience: customers' evidence, one vote per visitor", kb_learn_schema_sql,
     kb_learn_migrate},
    {"one copy of each article body per revision", schema_v7, NULL},
    {"search log retention: daily aggregates, no index by query", kb_search_days_schema_sql,
     NULL},
    {"the changeset log for replicas", kb_changes_schema_sql, NULL},
    /* Self-contained (its own tables only): renumber freely at a merge. */
    {"contact requests, their deliveries, contact destinations", kb_contact_schema_sql, NULL},
    /* Self-contained (their own tables only): renumber freely at a merge. */
    {"site settings and files (branding)", kb_site_schema_sql, NULL},
    {"article views per day, promoted articles", kb_views_schema_sql, NULL},
    /* Self-contained as well: the RT sync's settings and cursor. */
    {"request tracker sync settings and cursor", kb_rt_state_schema_sql, NULL},
    /* Self-contained (its own table only): renumber freely at a merge. */
    {"topics: categories and sections", kb_topics_schema_sql, NULL},
    /* Self-contained (its own table only): renumber freely at a merge. */
    {"imported media (images)", kb_media_schema_sql, NULL},
    /* Self-contained (one table's new columns): renumber freely at a merge. */
    {"search log: who searched, for emerging problems", kb_events_who_schema_sql, NULL},
    /* Step 17 (issue 20), self-contained (its own table only). */
    {"images public published articles show (uploads)", kb_media_refs_schema_sql, NULL},
    /* Step 18 (issue 20).
     * Self-contained (its own tables only): renumber freely at a merge. */
    {"review: pending revisions, owners, verify-by dates, review topics",
     kb_review_schema_sql, NULL},
    /* Step 19 (issue 20): events may be "copy" (agents' use).
     * Rebuilds events, keeping whatever indexes and triggers it has then. */
    {"events: an agent's copy of an article number", NULL, kb_events_copy_migrate},
    /* Step 20 (issue 20 follow-up): customers get an image only while a
     * public published article shows it (media_refs), no longer by the
     * imported image's sticky public mark: the images articles showed
     * before step 17 are recorded. Data only. */
    {"images public published articles show (recorded for earlier articles)",
     kb_media_refs_fill_sql, NULL},
    {"tickets by unit in any case and by customer, with their dates (look-ups)", schema_v21,
     NULL},
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int store_schema_latest(void)
{
    return NMIGRATIONS;
}

int kb_store_schema_latest(void)
{
    return NMIGRATIONS;
}

/* Reads an integer PRAGMA (user_version, application_id). */
static int pragma_int(struct kb_store *st, const char *sql, int *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

static int count_tables(struct kb_store *st, int *out)
{
    return pragma_int(st, "SELECT count(*) FROM sqlite_master", out);
}

/* Checks that the file is ours and not from the future. */
static int check_version(struct kb_store *st, int version, struct kb_err *err)
{
    if (version > NMIGRATIONS)
        return kb_err_set(err, KB_EFORMAT,
                          "cannot open store '%s': schema version %d is newer than "
                          "this program's %d (upgrade kb)", st->path, version, NMIGRATIONS);
    if (version < 0)
        return kb_err_set(err, KB_ECORRUPT, "cannot open store '%s': bad schema version %d",
                          st->path, version);
    return 0;
}

static int rollback_fail(struct kb_store *st, struct kb_err *err, int rc, int step)
{
    int code = store_fail(st, err, rc, "cannot migrate store '%s' to schema version %d (%s)",
                          st->path, step + 1, migrations[step].name);
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    return code;
}

int store_migrate(struct kb_store *st, struct kb_err *err)
{
    int version = 0, appid = 0, ntables = 0, rc;

    if ((rc = pragma_int(st, "PRAGMA user_version", &version)) != SQLITE_OK ||
        (rc = pragma_int(st, "PRAGMA application_id", &appid)) != SQLITE_OK ||
        (rc = count_tables(st, &ntables)) != SQLITE_OK)
        return store_fail(st, err, rc, "cannot open store '%s'", st->path);
    if (appid != 0 && appid != STORE_APPLICATION_ID)
        return kb_err_set(err, KB_EFORMAT,
                          "cannot open store '%s': an sqlite database of another "
                          "application (application_id %d)", st->path, appid);
    if (version == 0 && ntables > 0)
        return kb_err_set(err, KB_EFORMAT,
                          "cannot open store '%s': an sqlite database with tables "
                          "but no kb schema version", st->path);
    if ((rc = check_version(st, version, err)) != 0)
        return rc;

    while (version < NMIGRATIONS) {
        rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return store_fail(st, err, rc, "cannot migrate store '%s'", st->path);
        /* Another process may have migrated while we waited for the lock. */
        if ((rc = pragma_int(st, "PRAGMA user_version", &version)) != SQLITE_OK)
            return rollback_fail(st, err, rc, version);
        if (version >= NMIGRATIONS) {
            sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
            if ((rc = check_version(st, version, err)) != 0)
                return rc;
            break;
        }
        int step = version;
        const struct store_migration *m = &migrations[step];
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
                 step + 1, STORE_APPLICATION_ID);
        if (m->sql && (rc = sqlite3_exec(st->db, m->sql, NULL, NULL, NULL)) != SQLITE_OK)
            return rollback_fail(st, err, rc, step);
        if (m->fn) {
            int code = m->fn(st->db, err);
            if (code != 0) {
                sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
                return code;
            }
        }
        if ((rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL)) != SQLITE_OK ||
            (rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
            return rollback_fail(st, err, rc, step);
        version = step + 1;
        kb_log(KB_LOG_INFO, "store: '%s' migrated to schema version %d (%s)", st->path,
               version, m->name);
    }
    st->version = version;
    return 0;
}
