/* The search log, written in batches: every search gets its search_id at
 * once (numbered here), and a writer thread inserts the rows in one
 * transaction at most SRV_SEARCH_LOG_MS later, or as soon as
 * SRV_SEARCH_LOG_BATCH are waiting. One insert per search cost three times
 * a cached search and gave it its tail (writers meeting on SQLite's lock).
 * Anything that reads the log calls srv_search_log_flush first, so a click
 * naming a search_id just handed out still finds its search.
 *
 * Ids come from blocks reserved in the store (kb_events_search_reserve).
 * Only a server that owns its store batches (started with the index
 * thread); a replica's store copy and a shard reader's log row by row. A
 * crash loses at most the rows of the last SRV_SEARCH_LOG_MS. */
#ifndef SRV_SEARCH_LOG_H
#define SRV_SEARCH_LOG_H

#include <stdint.h>

#include "srv.h"

#define SRV_SEARCH_LOG_MS 200
#define SRV_SEARCH_LOG_BATCH 512
/* Ids reserved in the store at a time: two servers on one store (a restart
 * that overlaps) never give the same search_id. */
#define SRV_SEARCH_LOG_IDS 1000
/* Rows waiting when a request writes them itself: the backlog stays
 * bounded if the writer ever falls behind. */
#define SRV_SEARCH_LOG_BEHIND 20000

int srv_search_log_start(struct srv *s, struct kb_err *err);
/* Writes what is waiting and stops the writer (after the last request). */
void srv_search_log_stop(void);

/* Logs one search at time t (0 = now) as kb_events_search_at does and
 * returns its search_id (0 when nothing is logged: a blank query, or an
 * error, which is logged and also filled in err when err is not NULL). */
int64_t srv_search_log(struct srv_ctx *c, int64_t t, const char *query, int role,
                       const char *endpoint, uint64_t nresults, const char *locale,
                       struct kb_err *err);

/* The same, naming who searched: r's keyed hashes of its visitor and
 * network go into the row (emerging problems count customers by them). */
int64_t srv_search_log_by(struct srv_ctx *c, const struct srv_req *r, int64_t t,
                          const char *query, int role, const char *endpoint, uint64_t nresults,
                          const char *locale, struct kb_err *err);

/* Writes the rows waiting, on c's store, before c reads the log. */
void srv_search_log_flush(struct srv_ctx *c);

#endif
