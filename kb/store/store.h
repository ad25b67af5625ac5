/* The SQLite store: the source of truth. Articles with revisions, resolved
 * tickets, synonyms, key/value metadata, and the outbox of changes that sync
 * applies to the index. WAL mode; prepared statements only. One handle per
 * thread. */
#ifndef KB_STORE_H
#define KB_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_store;

#define KB_ARTICLE_FIRST_NUMBER 1000 /* the first article is KB-1000 */
#define KB_STORE_ASKED_AS_MAX_LINES 200 /* an article keeps its newest "asked as" lines */

/* Opens (creating and migrating as needed) the database at path. The caller
 * closes it with kb_store_close. Errors: KB_EIO, KB_ECORRUPT, KB_EBUSY, and
 * KB_EFORMAT for a database newer than this program or not a kb store. */
int kb_store_open(const char *path, struct kb_store **out, struct kb_err *err);
/* Closes st (NULL allowed); an open transaction is rolled back. */
void kb_store_close(struct kb_store *st);
/* The schema version the open database is at. */
int kb_store_schema_version(struct kb_store *st);
/* The schema version this program creates (the number of migration steps). */
int kb_store_schema_latest(void);

/* Explicit transactions for batches (nesting is not supported). Without
 * them each write call is its own transaction. Both are durable once they
 * return (synchronous = FULL); the telemetry other modules write through
 * kb_store_db outside them (the search log, events) is durable against a
 * crash of the process but may lose its last rows to a power cut. */
int kb_store_begin(struct kb_store *st, struct kb_err *err);
int kb_store_commit(struct kb_store *st, struct kb_err *err);
void kb_store_rollback(struct kb_store *st);

enum kb_put_result { KB_PUT_ADDED = 0, KB_PUT_UPDATED = 1, KB_PUT_UNCHANGED = 2 };

/* Inserts or replaces a document keyed by (kind, source_id). d->source_id is
 * required. When the content hash equals the stored one nothing is written
 * and *result is KB_PUT_UNCHANGED. Otherwise the article gets a new revision
 * (author may be NULL) or the ticket row is replaced, and an outbox row is
 * added in the same transaction. *number gets the article number or ticket
 * id. Tickets are forced to audience internal. */
int kb_store_put(struct kb_store *st, const struct kb_doc *d, const char *author,
                 int *result, int64_t *number, struct kb_err *err);

/* Resolves a reference: "KB-1042", "1042" (an article number), an article
 * source id, or a ticket source id. Fills *kind and *number; KB_ENOTFOUND. */
int kb_store_find(struct kb_store *st, const char *ref, int *kind, int64_t *number,
                  struct kb_err *err);

/* Loads the current state of a document into out (initialised by this call;
 * caller releases with kb_doc_release). KB_ENOTFOUND when it does not exist. */
int kb_store_get(struct kb_store *st, int kind, int64_t number, struct kb_doc *out,
                 struct kb_err *err);

/* Deletes a document (an article with its revisions) and queues its removal
 * from the index. KB_ENOTFOUND when it does not exist. */
int kb_store_remove(struct kb_store *st, int kind, int64_t number, struct kb_err *err);

/* Sets an article's status (published/draft/archived) and queues the change
 * (nothing when it already has that status). The next kb_store_put of the
 * article is then applied even if its content hash is unchanged. */
int kb_store_set_status(struct kb_store *st, int64_t number, int status,
                        struct kb_err *err);

/* Appends a line to an article's "asked as" text (deduplicated, capped) and
 * queues a reindex. Used by ticket links and successful searches. */
int kb_store_add_asked_as(struct kb_store *st, int64_t number, const char *phrase,
                          struct kb_err *err);

/* Queues a reindex of a document whose content did not change but whose
 * derived ranking data did (votes, clicks). KB_ENOTFOUND is not checked:
 * sync removes what no longer exists. */
int kb_store_touch(struct kb_store *st, int kind, int64_t number, struct kb_err *err);

/* Calls fn for every document, articles by number then tickets by id, in
 * one read transaction. A nonzero return from fn stops and is returned. fn
 * may read through st (kb_store_get) but must not write. */
int kb_store_each(struct kb_store *st, int (*fn)(void *ud, const struct kb_doc *d),
                  void *ud, struct kb_err *err);

/* Outbox */
struct kb_outbox_row {
    int64_t seq;
    int kind;
    int64_t number;
};
/* Up to max rows with seq > after, in order; *rows is caller-freed. */
int kb_store_outbox_after(struct kb_store *st, int64_t after, size_t max,
                          struct kb_outbox_row **rows, size_t *n, struct kb_err *err);
/* The highest seq ever written (0 when none). */
int kb_store_outbox_last(struct kb_store *st, int64_t *seq, struct kb_err *err);
/* Drops outbox rows with seq <= upto (once both indexes have applied them). */
int kb_store_outbox_trim(struct kb_store *st, int64_t upto, struct kb_err *err);

/* Synonyms: a word or phrase and its alternatives, managed by admins. */
struct kb_synonym {
    char *term;
    char *synonym;
};
int kb_store_synonym_add(struct kb_store *st, const char *term, const char *synonym,
                         struct kb_err *err);
int kb_store_synonym_remove(struct kb_store *st, const char *term, const char *synonym,
                            struct kb_err *err);
/* All synonyms; caller frees with kb_synonyms_free. */
int kb_store_synonyms(struct kb_store *st, struct kb_synonym **out, size_t *n,
                      struct kb_err *err);
void kb_synonyms_free(struct kb_synonym *s, size_t n);

/* Key/value metadata. get returns a caller-freed string or NULL. */
char *kb_store_meta_get(struct kb_store *st, const char *key);
int kb_store_meta_set(struct kb_store *st, const char *key, const char *value,
                      struct kb_err *err);

struct kb_store_stats {
    int64_t articles_public, articles_internal; /* published */
    int64_t drafts, archived;
    int64_t tickets;
    int64_t outbox_pending; /* rows not yet trimmed */
    int64_t last_seq;
};
int kb_store_stats(struct kb_store *st, struct kb_store_stats *out, struct kb_err *err);

/* WAL checkpoints copy the WAL's pages into the database so that the WAL can
 * start again from its beginning. By default a commit that leaves
 * KB_STORE_WAL_PAGES or more pages in the WAL runs one itself (SQLite's
 * autocheckpoint), which can take milliseconds: too long for a request. */
#define KB_STORE_WAL_PAGES 1000
#define KB_STORE_WAL_MAX_PAGES 10000 /* past it, commits checkpoint whatever wake says */

/* Hands st's checkpoints to another thread: a commit that leaves
 * KB_STORE_WAL_PAGES or more pages in the WAL calls wake(ud) (on st's
 * thread, after the commit) instead of checkpointing. wake returns nonzero
 * when someone will call kb_store_checkpoint soon; zero (nobody is running)
 * makes the commit checkpoint itself, as by default. So does a WAL of
 * KB_STORE_WAL_MAX_PAGES or more, so that a stuck or slow checkpointer
 * leaves the WAL no longer than SQLite's default would, only later. wake
 * must be cheap and thread-safe; ud is borrowed and must outlive st. A
 * NULL wake restores the default. */
void kb_store_defer_checkpoints(struct kb_store *st, int (*wake)(void *ud), void *ud);

/* Runs a passive checkpoint, on any handle of the database: copies what it
 * can of the WAL without waiting for (or blocking) readers and writers.
 * When that copied all of a WAL of KB_STORE_WAL_PAGES or more, it makes
 * sure that the next writer starts the WAL again from its beginning, if no
 * other handle uses the WAL at that instant (it never waits for one).
 * *wal_pages (optional) gets the WAL's length in pages and *copied
 * (optional) how many of them are now in the database. KB_EBUSY when
 * another checkpoint is running. */
int kb_store_checkpoint(struct kb_store *st, int *wal_pages, int *copied, struct kb_err *err);

/* Writes one consistent, compact copy of the whole store into a new SQLite
 * file at path (VACUUM INTO, from a read transaction: writers go on
 * meanwhile in WAL mode). path must not exist yet; on failure the caller
 * removes whatever was left there. Errors (KB_EIO, KB_ENOSPC, KB_EBUSY, ...)
 * carry SQLite's message. */
int kb_store_snapshot(struct kb_store *st, const char *path, struct kb_err *err);

/* The raw handle, for modules of libkb that add their own tables. */
struct sqlite3 *kb_store_db(struct kb_store *st);

#ifdef __cplusplus
}
#endif
#endif
