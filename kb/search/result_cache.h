/* A process-wide cache of search and typeahead results (kb_search,
 * kb_suggest), shared by every thread and every index handle.
 *
 * A result is stored under its request (role, every option) and the state
 * of the index it was read from (kb_index_state: folder, database identity
 * and revision). A handle asks with the state it reads now, so a hit is
 * exactly what that handle would compute at that moment: a commit, a
 * rebuild or a reopen changes the state, and nothing older is served. The
 * role is part of the key: a customer is never given a result read for an
 * agent. Entries also expire after ttl seconds, because ranking reads the
 * clock (recency of tickets). Least recently used entries go first when the
 * cache is over its size.
 *
 * Off (size 0) until kb_result_cache_configure turns it on: tools and
 * benchmarks measure the search itself unless they ask. */
#ifndef KB_RESULT_CACHE_H
#define KB_RESULT_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "kb/index/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* max_bytes: about how much memory entries may use (0 = off, and empties
 * the cache); ttl_s: seconds an entry lives (0 = 60). */
void kb_result_cache_configure(size_t max_bytes, unsigned ttl_s);

struct kb_result_cache_stats {
    uint64_t hits, misses; /* lookups since the process started */
    uint64_t entries, bytes;
    uint64_t max_bytes;
};
void kb_result_cache_stats(struct kb_result_cache_stats *s);

/* state is kb_index_state's text for the databases the request reads:
 * its first line names the index, each further line is one database's
 * "UUID:REVISION". The key must contain it too. Once a newer state of an
 * index is seen, the entries of older ones are dropped (memory stays flat
 * while writers publish) and a handle still at an older state gets misses
 * until it reopens. */

/* A copy of the result stored under key (caller frees with
 * kb_result_free), or NULL. Counts a hit or a miss; NULL without counting
 * while the cache is off. */
struct kb_result *kb_result_cache_get(const char *key, size_t keylen, const char *state);
/* Stores a copy of res under key (replacing one already there). */
void kb_result_cache_put(const char *key, size_t keylen, const char *state,
                         const struct kb_result *res);
/* 1 while the cache is on. */
int kb_result_cache_on(void);

/* A deep copy of a result (caller frees with kb_result_free). */
struct kb_result *kb_result_dup(const struct kb_result *r);

#ifdef __cplusplus
}
#endif
#endif
