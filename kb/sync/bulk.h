/* Bulk indexing on every core: the documents are split by number among
 * K shard indexes built in parallel (one writer thread each, beside the
 * index folder), which Xapian's compaction then merges into one index that
 * is swapped in whole. The live index is not written until the swap, so an
 * interrupted build leaves it serving, and its recorded outbox seq replays
 * what the build did not finish. */
#ifndef KB_SYNC_BULK_H
#define KB_SYNC_BULK_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/index/index.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How many shards a bulk build of about docs documents is worth: the online
 * cores (at most 8), fewer for small inputs, 1 (no bulk build: index
 * sequentially) below a few thousand documents. */
unsigned kb_bulk_jobs(size_t docs);

/* kb_sync_rebuild on jobs shards (jobs >= 2): the same index, built next to
 * dir and swapped in only when complete. *count gets the documents indexed. */
int kb_bulk_rebuild(struct kb_store *st, const char *dir, const struct kb_index_opts *opts,
                    unsigned jobs, size_t *count, struct kb_err *err);

/* The outbox applied on jobs shards, for kb-indexer add with the index's
 * write lock held by *ixp (open for writing on dir). kb_bulk_start starts the
 * shard writers; kb_bulk_feed queues every outbox row past the last one fed
 * (rows of documents the index may already hold are kept for the end);
 * kb_bulk_finish merges the live index and the shards next to dir, applies
 * the kept rows, records the last seq fed, swaps the result in and replaces
 * *ixp by a handle on it (on failure *ixp is still the untouched live index).
 * kb_bulk_finish frees b in every case; without it (a crash) the live index is
 * as it was, and kb_sync_apply brings it up to date. Only the caller's thread
 * may use the handle in *ixp meanwhile, and only to read. */
struct kb_bulk;
int kb_bulk_start(struct kb_index *ix, const char *dir, unsigned jobs, struct kb_bulk **out,
                  struct kb_err *err);
int kb_bulk_feed(struct kb_bulk *b, struct kb_store *st, size_t *fed, struct kb_err *err);
int kb_bulk_finish(struct kb_bulk *b, struct kb_store *st, struct kb_index **ixp,
                   struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
