/* Request Tracker in the server: the sync worker (rt_sync_worker.c: a run
 * every --rt-sync-interval seconds while settings exist, and one on demand)
 * and the API (h_rt.c: the admin's settings, a run now, and an RT ticket
 * read for the agent console). The sync itself is kb/sync/rt_sync.h. */
#ifndef SRV_RT_SYNC_H
#define SRV_RT_SYNC_H

#include "kb/sync/rt_sync.h"
#include "srv.h"

#define SRV_RT_SYNC_INTERVAL 60 /* seconds between runs by default */

/* Starts the worker (its own store handle). Returns 0 or an errno. */
int srv_rt_sync_start(struct srv *s);
/* Stops and joins it (NULL-safe when it never started). */
void srv_rt_sync_stop(struct srv *s);

/* The settings a run uses: the stored ones, with the token of
 * --rt-token-file when given. 0 with *found (cfg initialised either way;
 * release it), or an error. */
int srv_rt_sync_settings(struct srv *s, struct kb_store *st, struct kb_rt_sync_cfg *cfg,
                         int *found, struct kb_err *err);

/* One run now on st, one at a time with the worker's (the caller waits for
 * a run in progress). Wakes the index thread when something changed and
 * records the outcome for srv_rt_sync_status. */
int srv_rt_sync_now(struct srv *s, struct kb_store *st, struct kb_rt_sync_stats *stats,
                    struct kb_err *err);

/* The last run's outcome as JSON (new reference): time, ok, error, counts;
 * JSON null when none ran since start. */
json_t *srv_rt_sync_status(struct srv *s);

#endif
