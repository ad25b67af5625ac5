/* The shard split (kb-indexer split): the store's indexed documents written
 * into N shard indexes, each document's shard a stable hash of its id, for
 * xapian-tcpsrv to serve and kb-server --shard to search as one index. */
#ifndef KB_SYNC_SPLIT_H
#define KB_SYNC_SPLIT_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/index/index.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The shard (0 to n-1) of a document: FNV-1a of "kind:number", the same on
 * every machine and run, so splitting again puts every document where it was. */
size_t kb_sync_shard_of(int kind, int64_t number, size_t n);

/* Writes st's indexed documents into dir/shard-0 ... dir/shard-(n-1), which
 * must not exist yet (dir must), each with public and internal databases, the
 * store's synonyms and its last outbox seq. Public phrases are judged against
 * vocab's vocabulary (borrowed: the whole index, read; NULL = each shard's
 * own). count (n entries, the caller's) gets the documents of each shard.
 * Returns 0 or a KB_E* code with err filled ("shard K: ..." for a shard's
 * final commit). */
int kb_sync_split(struct kb_store *st, struct kb_index *vocab, const char *dir, size_t n,
                  size_t *count, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
