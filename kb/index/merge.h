/* Merging indexes with Xapian's compaction (kb/sync/bulk.c builds shards in
 * parallel and merges them here), and what a bulk build asks of the live
 * index before it starts. */
#ifndef KB_INDEX_MERGE_H
#define KB_INDEX_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/index/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Merges the index folders srcs[0..n) (each holding public/ and internal/,
 * none open for writing by anyone) into dest, which must not exist yet:
 * each database is Xapian's compaction of the same database of every
 * source, in order, so documents, positions, values, spelling frequencies
 * (summed), synonyms and user metadata (the first source's value of a key)
 * are kept. The outbox seq is not recorded here: open dest and commit it. */
int kb_index_merge(const char *const *srcs, size_t n, const char *dest, struct kb_err *err);

/* Spelling data of a bulk build, written once: after kb_index_hold_spelling,
 * ix's commits leave its spelling counts in memory (Xapian rewrites every
 * spelling fragment a commit touches, compressed: per shard and per commit
 * that was a quarter of add's CPU), and kb_index_take_spelling moves src's
 * counts into dst's, for dst's next commit to write. Both are writers;
 * no other thread may use them meanwhile. */
void kb_index_hold_spelling(struct kb_index *ix);
int kb_index_take_spelling(struct kb_index *dst, struct kb_index *src, struct kb_err *err);

/* The highest document number ix (open for writing) may hold: a document
 * numbered above it is new to ix. */
int64_t kb_index_number_max(struct kb_index *ix);

#ifdef __cplusplus
}
#endif
#endif
