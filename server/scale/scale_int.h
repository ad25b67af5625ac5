/* Internals of scale-out (server/scale/), shared by its files only: the
 * module's state, its timings, and what each file offers the others. The
 * public face is server/scale/scaleout.h. */
#ifndef KB_SCALE_INT_H
#define KB_SCALE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/net/http.h"
#include "server/scale/scaleout.h"

#define SNAPSHOT_MAX ((size_t)1 << 31) /* a store copy is held in memory once */
#define FORWARD_TIMEOUT_MS 30000       /* ticket imports may take a while */
#define PROBE_TIMEOUT_MS 2000
#define SCALE_RETRY_MAX_MS 30000       /* a replica retries its primary at least this often */
#define STORE_MIN_GAP_MS 5000 /* and copies no closer than this (or 10x a copy's time) */
#define SHIP_BATCH 500        /* searches shipped to the primary per request */
#define CHANGES_BATCH_BYTES ((size_t)8 << 20) /* changesets per answer, about */
#define CHANGES_POLL_MS 5000  /* a replica asks for changes at least this often */

/* The threads scale-out may run (bits of scale.threads), joined in this
 * order by srv_scale_stop. */
enum {
    SCALE_T_MONITOR = 1,    /* health.c: the index copy's revision, the primary's, the lag */
    SCALE_T_SNAPSHOT = 2,   /* snapshot.c: fetches store copies */
    SCALE_T_SUPERVISOR = 4, /* supervise.c: restarts xapian-replicate(-server) */
    SCALE_T_FORWARDER = 8,  /* forward.c: ships searches, sends spooled events */
    SCALE_T_LEXICON = 16,   /* shards.c: keeps a shard reader's synonyms current */
};

/* The scale-out state, one per process (defined in scale.c). It is a
 * module global rather than a member of struct srv because the entry
 * points main.c and the dispatcher call (srv_scale_readonly,
 * srv_scale_forwards, ...) take no struct srv, and the
 * fuzz harness links the handlers without scale-out ever starting (all
 * zero: a primary with nothing to do). Written by srv_scale_check and
 * srv_scale_start on the main thread before the HTTP threads start; after
 * that only the atomics and (under mu) store_path change. */
struct scale_state {
    struct srv *srv;            /* set by srv_scale_start; borrowed */
    char base_url[512];         /* the primary, from --replica-of, without a final "/" */
    char token[256];            /* the primary's admin API token (--primary-token) */
    char store_dir[3800];       /* DATA/store: the store copies kb-GEN.sqlite3 */
    char spool_dir[3800];       /* DATA/spool: events waiting for the primary */
    pthread_mutex_t mu;         /* guards store_path */
    char store_path[4096];      /* the current store copy */
    atomic_uint_fast64_t store_gen;
    atomic_int_fast64_t store_seq;      /* outbox seq the store copy holds */
    atomic_int_fast64_t store_pos;       /* the copy's last change id (changes.c); -1 unknown */
    atomic_int_fast64_t primary_changes; /* the primary's changeset log head (its /healthz) */
    atomic_uint_fast64_t store_snapshots, store_changesets, store_bytes; /* received */
    atomic_int store_dirty;             /* a write was forwarded: fetch soon */
    atomic_int primary_up;
    atomic_int_fast64_t primary_indexed, primary_written, local_seq;
    atomic_llong matched_at;            /* monotonic ms: the primary answered, nothing missing */
    atomic_llong oldest_missing;        /* monotonic ms the oldest revision not here was seen; 0 */
    atomic_uint spooled;                /* events in the spool (at least one: not drained yet) */
    atomic_int stop;                    /* the threads end */
    pthread_t monitor, snapshot, supervisor, forwarder, lexicon;
    char lexicon_dir[3800], lexicon_db[4000]; /* lexicon_db "" until it exists */
    uint64_t lexicon_sig;
    int threads;                        /* SCALE_T_* bits of the threads started */
};
extern struct scale_state scale;

/* ---- scale.c ---- */
/* Milliseconds on the monotonic clock. */
long long scale_mono_ms(void);
void scale_sleep_ms(long ms);

/* ---- options.c ---- */
/* Splits v = HOST:PORT (port 1-65535) into host and port. Returns 0, or -1
 * when v is not that or does not fit n and pn bytes. */
int scale_split_hostport(const char *v, char *host, size_t n, char *port, size_t pn);

/* ---- upstream.c: calls to the primary ---- */
/* Sends method target (a path and query) to the primary with the
 * "Name: value\r\n" lines of lines (may be NULL), the primary token when
 * with_token, and body, over kb_http_request (--replica-ca, timeout_ms for
 * the whole call, at most max_body bytes of answer into out, which the
 * caller inits and releases). Returns 0 when the primary answered (any
 * status), else fills err naming the URL and what failed (unreachable, a
 * certificate not trusted, too slow). */
int scale_call(const char *method, const char *target, const char *lines, int with_token,
               const char *body, size_t body_len, long timeout_ms, size_t max_body,
               struct kb_http_resp *out, struct kb_err *err);
/* The delay before the next try after failures calls to the primary failed
 * in a row: the shared backoff (kb_http_backoff_ms) from base_ms, at most
 * SCALE_RETRY_MAX_MS. */
long long scale_retry_ms(long long base_ms, int failures);

/* ---- supervise.c: xapian-replicate(-server) children ---- */
/* Registers a child to run argv (copied; at most 15 words) under the name
 * what. Returns its index for the calls below. */
size_t scale_child_add(const char *what, const char *const *argv);
/* Starts child i now. Returns 0, or -1 (errno set) when fork failed. */
int scale_child_spawn(size_t i);
/* 1 when child i has exited already (it is reaped and marked not running),
 * else 0. */
int scale_child_exited(size_t i);
/* Starts the thread that restarts children that exit and stops them all at
 * srv_scale_stop. Returns 0 or fills err. */
int scale_supervise_start(struct kb_err *err);
/* A replica's copies of the index: one xapian-replicate per database from
 * --replicate-from, then waits (up to 15 s) for a first copy unless an
 * earlier run left one (have_copy) and the primary is down (!up). */
int scale_replicate_start(struct srv *s, int up, int have_copy, struct kb_err *err);

/* ---- primary.c ---- */
/* A primary's xapian-replicate-server child (--replication-port). */
int scale_primary_start(struct srv *s, struct kb_err *err);

/* ---- snapshot.c: store copies ---- */
/* Fetches a store snapshot from the primary and makes it the current copy. */
int scale_store_fetch(struct kb_err *err);
/* Makes the newest copy an earlier run left current. Returns 0, or -1 when
 * there is none. */
int scale_store_find_local(void);
/* Starts the thread that keeps the store copy fresh: changesets, or a
 * snapshot when the primary no longer keeps those after the copy's position. */
int scale_snapshot_start(struct kb_err *err);

/* ---- changes.c: store copies kept by changesets ---- */
/* Applies the primary's changesets after the current copy's position until
 * none is left. KB_ENOTFOUND when the primary no longer keeps them (take a
 * snapshot); other errors fill err. Runs on the snapshot thread only. */
int scale_store_follow(struct kb_err *err);
/* The current copy's position into *pos. Returns 0, or -1 without a copy. */
int scale_store_position(int64_t *pos);
/* Closes the follower's handle on the copy (at the thread's end). */
void scale_store_follow_close(void);

/* ---- ship.c: the replica's search log ---- */
/* One store copy whose searches are being shipped (all zero: none). */
struct scale_ship_src {
    struct kb_store *st;
    uint64_t gen;
    int64_t shipped;   /* the last local id the primary has */
    long long retired; /* monotonic ms it stopped being current; 0 while current */
};
/* The first search id of the store copy of generation gen, less one. */
int64_t scale_local_base(uint64_t gen);
/* Ships the current copy's searches (cur), and those of the copy before it
 * (old) until every worker has moved on; switches them when a new copy
 * arrived. The caller closes cur->st and old->st at the end. */
void scale_ship_searches(struct scale_ship_src *cur, struct scale_ship_src *old);
/* The search_id in an event's JSON body made the primary's. Returns the new
 * body (caller frees) or NULL to send the body as it is; *unshipped is 1
 * when the search was this replica's but is not shipped yet. */
char *scale_translate_search_id(const char *body, size_t len, const char *ident,
                                int *unshipped);

/* ---- forward.c ---- */
/* Starts the thread that ships searches and sends spooled events. */
int scale_forwarder_start(struct kb_err *err);

/* ---- health.c ---- */
/* Asks the primary's /healthz for its counters. Returns 1 when it answered
 * (filling *indexed and *written), else 0 with err saying why. */
int scale_probe_primary(int64_t *indexed, int64_t *written, struct kb_err *err);
/* Starts the thread that follows the index copy and the primary. */
int scale_monitor_start(struct srv *s, struct kb_err *err);

/* ---- shards.c ---- */
/* A shard reader's start: what the shards hold, for /healthz. */
int scale_shards_start(struct srv *s, struct kb_err *err);
/* A shard reader's synonyms (DATA/lexicon) and the thread keeping them. */
int scale_lexicon_start(struct srv *s, struct kb_err *err);

#endif
