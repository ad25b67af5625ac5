/* Growing past one machine: read replicas and shards on Xapian's own
 * machinery. A primary may publish its index with xapian-replicate-server (a
 * child process); a replica keeps copies of the index (xapian-replicate
 * children) and of the store (snapshots fetched from the primary), serves
 * reads from them and forwards writes to the primary; a shard reader
 * searches xapian-tcpsrv shards through the remote backend. The server's
 * core (main.c, the dispatcher, the per-thread handles) and h_meta.c call
 * this module; the other files of server/scale/ implement it. */
#ifndef KB_SCALEOUT_H
#define KB_SCALEOUT_H

#include <stddef.h>
#include <stdint.h>

#include "server/srv.h"

#define SRV_MAX_SHARDS 64
/* Where a primary serves store snapshots to its replicas (admin role). */
#define SRV_SNAPSHOT_PATH "/api/v1/replica/store"
/* Where a primary serves its store's changesets after ?after=ID (admin role). */
#define SRV_CHANGES_PATH "/api/v1/replica/changes"
/* Where a replica sends the searches it answered (admin role). */
#define SRV_SEARCHES_PATH "/api/v1/replica/searches"

struct srv_scale_opts {
    const char *replica_of;      /* the primary's http(s)://HOST:PORT; NULL on a primary */
    const char *replica_ca;      /* --replica-ca: PEM CA file for an https primary, or NULL */
    const char *primary_token;   /* file holding an admin API token for the primary */
    const char *replicate_from;  /* HOST:PORT of the primary's xapian-replicate-server */
    const char *replication_on;  /* primary: HOST:PORT for xapian-replicate-server */
    long replica_window;         /* primary: seconds changesets are kept (0: the default) */
    char *shard_host[SRV_MAX_SHARDS];
    unsigned shard_port[SRV_MAX_SHARDS];
    size_t nshards;
};
extern struct srv_scale_opts srv_scale;

/* Parses one --shard HOST:PORT into srv_scale. Returns 0, or -1 after
 * printing what is wrong with v. */
int srv_scale_add_shard(const char *v);
/* Checks that the scale-out options fit together (and reads the token
 * file). Returns 0, or -1 after printing the problem. */
int srv_scale_check(void);
/* 1 on a replica or shard reader: no index writer, writes go to the primary. */
int srv_scale_readonly(void);
/* Prepares the process environment before any index is opened for writing
 * (a primary publishing its index needs Xapian changesets). */
void srv_scale_prepare(void);
/* Starts what the options ask for: checks the shards, fetches the first
 * store copy, starts the replication children and the replica's threads.
 * Returns 0, or fills err naming what was wrong. */
int srv_scale_start(struct srv *s, struct kb_err *err);
/* Stops the threads and the children (SIGTERM, then waits). */
void srv_scale_stop(void);

/* Opens a worker's read index: the shards when --shard was given, else the
 * local index directory. */
int srv_scale_open_index(struct srv *s, struct kb_index **out, struct kb_err *err);
/* On a replica, copies the current store copy's path into path and returns
 * its generation (which changes when a newer copy arrives); 0 elsewhere. */
uint64_t srv_scale_store(char *path, size_t n);

/* The snapshot route (primary): the whole store as one SQLite file. */
void srv_scale_h_snapshot(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);
/* The changes route (primary): the changesets after a replica's position,
 * 410 when they are no longer kept. */
void srv_scale_h_changes(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);
/* The searches route (primary): logs a replica's searches, answers their ids. */
void srv_scale_h_searches(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);
/* 1 when a replica or shard reader must send this request to the primary
 * rather than answer it (writes; not the read-only POSTs). */
int srv_scale_forwards(const struct srv_route *route, const char *method);
/* Sends r to the primary and copies its answer into w; analytics events are
 * kept on disk and answered 202 when the primary cannot take them. */
void srv_scale_forward(struct srv_ctx *c, const struct srv_req *r, const struct srv_route *route,
                       struct srv_resp *w);
/* On a replica, answers a GET of an article or article page that the store
 * copy does not have yet (published since the copy was taken) from the
 * primary, which applies the same role checks. Returns 1 when it replaced w. */
int srv_scale_fallback(const struct srv_req *r, const struct srv_route *route, struct srv_resp *w);
/* Adds the replica's facts ("replica": the primary, whether it answers,
 * the lag and the sequence numbers, events spooled) and a shard reader's
 * ("shards": how many) to the /healthz body j being built for staff (agent
 * or above); nothing on a primary. */
void srv_scale_health(json_t *j);
/* Appends a replica's gauges (lag, primary up, events spooled) to the
 * /metrics body b being built; nothing on a primary or shard reader. */
void srv_scale_metrics(struct kb_buf *b);

#endif
