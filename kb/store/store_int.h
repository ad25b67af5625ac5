/* Internals shared by store.c (handle, transactions, outbox, synonyms,
 * metadata), store_doc.c (documents) and store_schema.c (tables and
 * migrations). Not for use outside the store. */
#ifndef KB_STORE_INT_H
#define KB_STORE_INT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

/* The handle. One per thread; statements are prepared on first use and kept
 * until kb_store_close. */
struct kb_store {
    sqlite3 *db;
    char *path;
    int version;   /* schema version after migration */
    int in_txn;    /* kb_store_begin was called */
    int txn_lost;  /* SQLite rolled the caller's transaction back after an error */
    sqlite3_stmt **stmts; /* Q_COUNT entries, NULL until first use */
    int sync_full; /* PRAGMA synchronous is FULL now (for a write operation), not NORMAL */
    /* kb_store_defer_checkpoints: wakes whoever checkpoints; NULL when the
     * connection checkpoints for itself (SQLite's default). */
    int (*ckpt_wake)(void *ud);
    void *ckpt_ud;
    struct store_changes *changes; /* change_log.c: the session recording writes; NULL: none */
    int busy_ms;        /* store_busy_wait: how long a statement waits for a lock */
    long busy_since_us; /* when the statement waiting now began to wait */
};

/* How long st's statements wait for another connection's lock (0: fail at
 * once with SQLITE_BUSY). Waits in short steps: SQLite's own busy timeout
 * sleeps 1, 2, 5, 10 ms while a colliding write (a search-log row) holds
 * the lock for some 40 µs. */
void store_busy_wait(struct kb_store *st, int ms);
#define STORE_BUSY_MS 5000 /* the usual wait, as kb_store_open sets it */

/* Column lists shared by get and each; row_to_article/row_to_ticket in
 * store_doc.c read them in this order. */
#define ART_COLS "number, source_id, source_path, locale, title, summary, text, html, " \
    STORE_SOURCE("") ", format, category, product, tags, audience, status, asked_as, " \
    "created, updated"
/* An article's body source as stored once (articles and article_revisions,
 * t the table's alias with its dot, or ""): source_is 'text' or 'html' when
 * it equals that body and is not kept twice; otherwise the source column
 * (NULL: none). */
#define STORE_SOURCE(t) "CASE " t "source_is WHEN 'text' THEN " t "text WHEN 'html' THEN " \
    t "html ELSE " t "source END"
#define TIC_COLS "id, source_id, source_path, locale, status, subject, summary, text, " \
    "description, resolution, customer, unit, product, category, team, tags, " \
    "linked_article, created, updated, resolved"

/* Every cached statement (SQL text in store_sql). Article writes bind
 * ?1..?19 in the order of bind_article() in store_doc.c; ticket writes
 * ?1..?21 in the order of bind_ticket(). SEARCH_LOG is events.c's insert
 * into its searches table, cached here because every search runs it. */
#define STORE_STMTS(X) \
    X(BEGIN, "BEGIN IMMEDIATE") \
    X(COMMIT, "COMMIT") \
    X(ROLLBACK, "ROLLBACK") \
    X(SAVEPOINT, "SAVEPOINT kb_op") \
    X(RELEASE, "RELEASE kb_op") \
    X(ROLLBACK_TO, "ROLLBACK TO kb_op") \
    X(ART_LOOKUP, "SELECT number, content_hash FROM articles WHERE source_id = ?1 AND locale = ?2") \
    X(ART_INSERT, "INSERT INTO articles (source_id, locale, source_path, title, summary, text, " \
      "html, source, format, category, product, tags, audience, status, content_hash, " \
      "current_rev, created, updated, source_is) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, " \
      "?10, ?11, ?12, ?13, ?14, ?15, 1, ?16, ?17, ?19)") \
    X(ART_UPDATE, "UPDATE articles SET source_path = ?3, title = ?4, summary = ?5, text = ?6, " \
      "html = ?7, source = ?8, format = ?9, category = ?10, product = ?11, tags = ?12, " \
      "audience = ?13, status = ?14, content_hash = ?15, current_rev = current_rev + 1, " \
      "updated = ?17, source_is = ?19 WHERE number = ?18") \
    /* The current revision's bodies live in the articles row only; before \
     * a newer revision replaces them there, they move into its own row. */ \
    X(REV_SUPERSEDE, "UPDATE article_revisions SET text = a.text, html = a.html, " \
      "source = a.source, source_is = a.source_is FROM articles a WHERE a.number = ?1 " \
      "AND article_revisions.number = ?1 AND article_revisions.rev = a.current_rev") \
    X(REV_INSERT, "INSERT INTO article_revisions (number, rev, title, summary, format, " \
      "category, product, tags, locale, audience, status, author, created) " \
      "SELECT number, current_rev, title, summary, format, category, product, tags, locale, " \
      "audience, status, ?2, ?3 FROM articles WHERE number = ?1") \
    X(ART_GET, "SELECT " ART_COLS " FROM articles WHERE number = ?1") \
    X(ART_EXISTS, "SELECT 1 FROM articles WHERE number = ?1") \
    X(ART_BY_SOURCE, "SELECT number FROM articles WHERE source_id = ?1 " \
      "ORDER BY locale IS ?2 DESC, locale = 'en' DESC, number LIMIT 1") \
    X(ART_DELETE_REVS, "DELETE FROM article_revisions WHERE number = ?1") \
    X(ART_DELETE, "DELETE FROM articles WHERE number = ?1") \
    X(ART_SET_STATUS, "UPDATE articles SET status = ?2, content_hash = NULL, updated = ?3 " \
      "WHERE number = ?1 AND status <> ?2") \
    X(ART_ASKED_GET, "SELECT asked_as FROM articles WHERE number = ?1") \
    X(ART_ASKED_SET, "UPDATE articles SET asked_as = ?2 WHERE number = ?1") \
    X(TIC_LOOKUP, "SELECT id, content_hash FROM tickets WHERE source_id = ?1") \
    X(TIC_INSERT, "INSERT INTO tickets (source_id, source_path, locale, status, subject, " \
      "summary, text, description, resolution, customer, unit, product, category, team, " \
      "tags, linked_article, content_hash, created, updated, resolved) VALUES (?1, ?2, ?3, " \
      "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)") \
    X(TIC_UPDATE, "UPDATE tickets SET source_path = ?2, locale = ?3, status = ?4, " \
      "subject = ?5, summary = ?6, text = ?7, description = ?8, resolution = ?9, " \
      "customer = ?10, unit = ?11, product = ?12, category = ?13, team = ?14, tags = ?15, " \
      "linked_article = ?16, content_hash = ?17, updated = ?19, resolved = ?20 " \
      "WHERE id = ?21") \
    X(TIC_GET, "SELECT " TIC_COLS " FROM tickets WHERE id = ?1") \
    X(TIC_BY_SOURCE, "SELECT id FROM tickets WHERE source_id = ?1") \
    X(TIC_DELETE, "DELETE FROM tickets WHERE id = ?1") \
    /* An agent's look-up of previous cases (kb_tickets_list): by unit, by
     * customer text (LIKE narrows, kb_customer_match decides), by both;
     * and a unit's count in a window (the repeat-unit flag). */ \
    X(TIC_BY_UNIT, "SELECT id, customer FROM tickets WHERE unit IS NOT NULL " \
      "AND unit = ?2 COLLATE NOCASE ORDER BY created DESC, id DESC") \
    X(TIC_BY_CUSTOMER, "SELECT id, customer FROM tickets WHERE customer IS NOT NULL " \
      "AND customer LIKE ?1 ESCAPE '\\' ORDER BY created DESC, id DESC") \
    X(TIC_BY_BOTH, "SELECT id, customer FROM tickets WHERE unit IS NOT NULL " \
      "AND unit = ?2 COLLATE NOCASE AND customer LIKE ?1 ESCAPE '\\' " \
      "ORDER BY created DESC, id DESC") \
    X(TIC_UNIT_COUNT, "SELECT count(*) FROM tickets WHERE unit IS NOT NULL " \
      "AND unit = ?1 COLLATE NOCASE AND created >= ?2") \
    X(TIC_LINKED, "SELECT subject, locale, linked_article, customer FROM tickets " \
      "WHERE linked_article IN (?1, ?2, ?3, ?4) ORDER BY id") \
    X(OUTBOX_ADD, "INSERT INTO outbox (kind, number, op, created) VALUES (?1, ?2, ?3, ?4)") \
    X(OUTBOX_AFTER, "SELECT seq, kind, number FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2") \
    X(OUTBOX_LAST, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)") \
    X(OUTBOX_TRIM, "DELETE FROM outbox WHERE seq <= ?1") \
    X(SYN_ADD, "INSERT OR IGNORE INTO synonyms (term, synonym, created) VALUES (?1, ?2, ?3)") \
    X(SYN_REMOVE, "DELETE FROM synonyms WHERE term = ?1 AND synonym = ?2") \
    X(SYN_ALL, "SELECT term, synonym FROM synonyms ORDER BY term, synonym") \
    X(META_GET, "SELECT value FROM meta WHERE key = ?1") \
    X(META_SET, "INSERT INTO meta (key, value) VALUES (?1, ?2) " \
      "ON CONFLICT (key) DO UPDATE SET value = excluded.value") \
    X(META_DELETE, "DELETE FROM meta WHERE key = ?1") \
    X(ART_TEXT, "SELECT text FROM articles WHERE number = ?1 AND updated = ?2 " \
      "AND status = 'published' AND (?3 = 0 OR audience = 'public')") \
    X(TIC_TEXT, "SELECT text FROM tickets WHERE id = ?1 AND updated = ?2 " \
      "AND status = 'published'") \
    X(REVIEW_PENDING, "SELECT 1 FROM article_pending WHERE number = ?1") \
    X(LINKED_TITLE, "SELECT title, audience = 'internal' FROM articles " \
      "WHERE number = ?1 AND status = 'published'") \
    X(SEARCH_LOG, "INSERT INTO searches (time, query, role, endpoint, results, locale, id, " \
      "visitor, network) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") \
    X(STATS, "SELECT " \
      "(SELECT count(*) FROM articles WHERE status = 'published' AND audience = 'public'), " \
      "(SELECT count(*) FROM articles WHERE status = 'published' AND audience = 'internal'), " \
      "(SELECT count(*) FROM articles WHERE status = 'draft'), " \
      "(SELECT count(*) FROM articles WHERE status = 'archived'), " \
      "(SELECT count(*) FROM tickets), (SELECT count(*) FROM outbox), " \
      "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0)")

enum {
#define STMT_ID(id, sql) Q_##id,
    STORE_STMTS(STMT_ID)
#undef STMT_ID
    Q_COUNT
};

extern const char *const store_sql[Q_COUNT];

/* The KB_E* code for an SQLite result code (primary or extended). */
int store_code(int rc);

/* Fills err with store_code(rc) and "<what>: <sqlite message>" (what is
 * printf-formatted) and returns the code. Call before any rollback, which
 * would replace SQLite's message. */
int store_fail(struct kb_store *st, struct kb_err *err, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Cached statements: the statement id, prepared on first use; errors are
 * filled in err and returned. store_done resets one after use (bindings may
 * point at caller memory); store_bind binds text with SQLITE_STATIC, NULL
 * as NULL; store_col copies a text column (NULL stays NULL). */
int store_prep(struct kb_store *st, int id, sqlite3_stmt **out, struct kb_err *err);
void store_done(sqlite3_stmt *s);
void store_bind(sqlite3_stmt *s, int i, const char *v);
char *store_col(sqlite3_stmt *s, int i);
/* Runs statement id that returns no rows (store_run_int binds ?1 = n). */
int store_run(struct kb_store *st, int id, struct kb_err *err);
int store_run_int(struct kb_store *st, int id, int64_t n, struct kb_err *err);
/* Runs a one-column integer query with text parameters a and b (b only if
 * the statement has ?2), or one integer n when a is NULL. *found is 0 when
 * there is no row. */
int store_query_id(struct kb_store *st, int id, const char *a, const char *b, int64_t n,
                   int *found, int64_t *out, struct kb_err *err);

/* One write operation: its own transaction, or a savepoint inside the
 * caller's (kb_store_begin) so that a failed operation leaves the rest of a
 * batch intact. store_wend commits when code is 0, else undoes; it returns
 * code or the commit's error. Both these and kb_store_begin's transactions
 * commit with synchronous = FULL: see "durability" in store.c. */
int store_wbegin(struct kb_store *st, struct kb_err *err);
int store_wend(struct kb_store *st, int code, struct kb_err *err);
/* A write that kb_store_put nests inside: its own kb_store_begin
 * transaction (*own set), or a savepoint inside the caller's. store_txn_end
 * commits (code 0) or rolls back what store_txn_begin started; returns code
 * or the commit's error. */
int store_txn_begin(struct kb_store *st, int *own, struct kb_err *err);
int store_txn_end(struct kb_store *st, int own, int code, struct kb_err *err);
/* The error for a write after SQLite rolled the caller's transaction back. */
int store_txn_lost(struct kb_err *err);

int64_t store_now(void);
/* "KB-1042", "kb-1042", "KB1042" or "1042": the article number, or 0. */
int64_t store_article_number(const char *s);
int store_blank(const char *s); /* NULL, empty or only white space */
/* s with white space runs as one space, trimmed, cut to at most max bytes
 * at a UTF-8 boundary. Caller frees. */
char *store_one_line(const char *s, size_t max);

/* Documents (store_doc.c), for the erasure of tickets (erase.c):
 * store_resolve_article resolves a ticket's linked_article ("KB-1042", a
 * number or an article source id; locale prefers that translation) into
 * *number, *found 0 when there is none; store_relink_tickets teaches
 * article number again from every ticket linked to it (its asked_as lines
 * and its customers' evidence; what exists already is kept once);
 * store_asked_as_drop removes phrase's line from its asked_as. All inside
 * the caller's transaction; none queues a reindex. */
int store_resolve_article(struct kb_store *st, const char *ref, const char *locale, int *found,
                          int64_t *number, struct kb_err *err);
/* Rewrites article number's rows in media_refs from its current HTML (none
 * unless it is public and published); inside an open write operation. */
int store_media_refs_update(struct kb_store *st, int64_t number, struct kb_err *err);
int store_relink_tickets(struct kb_store *st, int64_t number, struct kb_err *err);
int store_asked_as_drop(struct kb_store *st, int64_t number, const char *phrase,
                        struct kb_err *err);

/* Retention settings kept in the store's meta (retention.c, for the
 * retention of tickets, contact requests and the search log): the days
 * under key (dflt when unset or out of range); setting them (KB_EINVAL
 * naming what outside 0..KB_RETENTION_DAYS_MAX); whether the daily pass
 * recorded under run_key is due at now (a day or more since it ran, or a
 * clock that went back); recording that it ran. */
int store_retention_get(struct kb_store *st, const char *key, int dflt);
int store_retention_set(struct kb_store *st, const char *key, const char *what, int days,
                        struct kb_err *err);
int store_retention_due(struct kb_store *st, const char *run_key, int64_t now);
int store_retention_ran(struct kb_store *st, const char *run_key, int64_t now,
                        struct kb_err *err);
/* One batch of a retention pass, inside a transaction: *n gets how many
 * rows it took (fewer than the batch size: the last). */
typedef int (*store_batch_fn)(struct kb_store *st, void *ctx, int64_t *n, struct kb_err *err);
/* Runs fn in its own transaction (rolled back on an error) until a batch
 * takes fewer than size rows, or max batches ran (0: no limit); *total gets
 * the rows taken, *done (optional) 1 when the last batch was short. */
int store_retention_batches(struct kb_store *st, store_batch_fn fn, void *ctx, int64_t size,
                            int max, int64_t *total, int *done, struct kb_err *err);
/* Runs sql with ?1 = cutoff and ?2 = size; *changes (optional) gets the
 * rows it changed; an error says it could not "what". */
int store_retention_sql(struct kb_store *st, const char *sql, int64_t cutoff, int64_t size,
                        int64_t *changes, const char *what, struct kb_err *err);

/* Erasing tickets (erase.c, for customer.c and retention.c): deletes the
 * tickets ids[0..n) and queues their removal from the index; removes what
 * they taught the articles they link to (their asked_as lines, their
 * phrases, their customers' words for those articles), then teaches those
 * articles again from the tickets that remain and queues them for
 * reindexing. Inside the caller's transaction. *evidence gets the
 * learn_words rows removed, *articles the articles queued (both added to). */
int store_erase_tickets(struct kb_store *st, const int64_t *ids, size_t n, int64_t *evidence,
                        int64_t *articles, struct kb_err *err);

/* Change-based replicas (change_log.c): store_changes_open starts
 * recording st's writes (when kb_store_changes_configure allows; after the
 * migrations), store_changes_close stops; store_changes_flush_in_txn logs
 * what was recorded as one changeset inside the open transaction (write
 * operations call it just before they commit). */
int store_changes_open(struct kb_store *st, struct kb_err *err);
void store_changes_close(struct kb_store *st);
int store_changes_flush_in_txn(struct kb_store *st, struct kb_err *err);
extern const char kb_changes_schema_sql[];
/* After a write that was its own transaction (autocommit): logs its
 * changes at once in a transaction of their own (a crash in between would
 * keep them from replicas: store write operations do not have that gap);
 * a failure is logged. */
void store_changes_after_write(struct kb_store *st);

/* Brings the schema to the latest version (each step in its own
 * transaction) and sets st->version. Refuses databases newer than the code
 * and SQLite files that are not kb stores. */
int store_migrate(struct kb_store *st, struct kb_err *err);

/* The schema version this code creates. */
int store_schema_latest(void);

#endif
