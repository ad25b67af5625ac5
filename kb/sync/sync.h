/* Applies the store's outbox to the index. The index records the last
 * applied outbox seq in its own commit, so after a crash the rows past it
 * are applied again; applying is idempotent (each row reloads the document's
 * current state from the store). */
#ifndef KB_SYNC_H
#define KB_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/index/index.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which database a document belongs in: KB_DB_PUBLIC for published public
 * articles, KB_DB_INTERNAL for published internal articles and tickets, 0 for
 * drafts and archived articles (in neither). The one place this rule lives. */
int kb_sync_target(const struct kb_doc *d);

/* Fills a document's derived fields before it is indexed: the usage prior
 * of an article, and the public phrases of a public one (kb/store/learn.h),
 * judged against ix's public vocabulary (d->asked_public, owned by d). */
void kb_sync_derive(struct kb_store *st, struct kb_index *ix, struct kb_doc *d);

/* Applies outbox rows past the index's last seq, committing every batch rows
 * (0 = 1000). *applied (may be NULL) gets how many rows were applied. The
 * index must be open for writing. */
int kb_sync_apply(struct kb_store *st, struct kb_index *ix, size_t batch, size_t *applied,
                  struct kb_err *err);

/* Brings one document's index entry in line with the store: put into the
 * database kb_sync_target names (derived fields filled), or removed. */
int kb_sync_apply_row(struct kb_store *st, struct kb_index *ix, int kind, int64_t number,
                      struct kb_err *err);

/* Indexes again every public article with customers' phrases, judged
 * against the public vocabulary ix has now (after a rebuild that built it). */
int kb_sync_relearn(struct kb_store *st, struct kb_index *ix, struct kb_err *err);

/* The outbox applied by two threads, for bulk loads (kb-indexer add): the
 * caller's thread reads the store and turns documents into terms
 * (kb_sync_pipe_feed), a writer thread started by kb_sync_pipe_start adds
 * them to the index and commits every 1000 rows, recording the seq as
 * kb_sync_apply does. Rows are not trimmed (kb_sync_apply does it later).
 * Only the writer thread touches ix's databases until kb_sync_pipe_finish,
 * which waits for it, commits the rest, and frees the pipe. */
struct kb_sync_pipe;
int kb_sync_pipe_start(struct kb_index *ix, struct kb_sync_pipe **out, struct kb_err *err);
/* Queues every outbox row past the last one fed (waiting while the writer
 * is behind); *fed (may be NULL) gets how many. Fails with the writer's error
 * once it has failed. */
int kb_sync_pipe_feed(struct kb_sync_pipe *p, struct kb_store *st, size_t *fed,
                      struct kb_err *err);
int kb_sync_pipe_finish(struct kb_sync_pipe *p, struct kb_err *err);

/* Rebuilds the index in dir from the store alone: writes a fresh index next
 * to it and swaps it in, so searches see the old index until the new one is
 * complete. Also loads the synonyms. *count gets the documents indexed. */
int kb_sync_rebuild(struct kb_store *st, const char *dir, const struct kb_index_opts *opts,
                    size_t *count, struct kb_err *err);

/* Mines the index's word bridges again in each database whose content
 * changed enough since (kb_index_bridges_update), for the caller's next
 * commit. A failure is logged and leaves the old bridges: it never stops
 * a sync. 1 when it mined, else 0. */
int kb_sync_bridges(struct kb_index *ix);
/* Copies the store's synonyms into the index (both databases). */
int kb_sync_synonyms(struct kb_store *st, struct kb_index *ix, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
