/* A replica's health: the primary's revision (probed on its /healthz with
 * the primary token), the index copy's, and the lag between them; the
 * fields they add to /healthz and /metrics. */
#include <stdio.h>
#include <string.h>

#include "kb/base/log.h"
#include "server/scale/scale_int.h"

/* The primary's counters are for staff: asked with the primary token. */
int scale_probe_primary(int64_t *indexed, int64_t *written, struct kb_err *err)
{
    struct kb_http_resp resp;
    kb_http_resp_init(&resp);
    int rc = scale_call("GET", "/healthz", NULL, 1, NULL, 0, PROBE_TIMEOUT_MS, 65536, &resp, err);
    int ok = rc == 0 && resp.status == 200;
    if (rc == 0 && !ok)
        kb_err_set(err, KB_EIO, "GET %s/healthz: HTTP %ld", scale.base_url, resp.status);
    if (ok) {
        json_t *j = json_loadb(resp.body.data, resp.body.len, 0, NULL);
        json_int_t a = 0, b = 0;
        ok = j && json_unpack(j, "{s:I, s:I}", "changes_indexed", &a, "changes_written", &b) == 0;
        *indexed = a;
        *written = b;
        json_t *logged = ok ? json_object_get(j, "changes_logged") : NULL;
        if (json_is_integer(logged))
            atomic_store(&scale.primary_changes, (int64_t)json_integer_value(logged));
        json_decref(j);
        if (!ok)
            kb_err_set(err, KB_EIO, "GET %s/healthz: not the health of a kb-server",
                       scale.base_url);
    }
    kb_http_resp_release(&resp);
    return ok;
}

static void *monitor_main(void *arg)
{
    struct srv *s = arg;
    struct kb_index *ix = NULL;
    int64_t seen_pub = -1, seen_int = -1;
    long long next_probe = 0;
#define PEND_MAX 64
    struct pending {
        int64_t seq;
        long long t;
    } pend[PEND_MAX];
    size_t npend = 0;
    int was_up = 1;
    while (!atomic_load(&scale.stop)) {
        /* The copy: a new revision makes every worker reopen at once, so
         * a publish is searchable here as soon as xapian-replicate has it. */
        struct kb_err err;
        if (!srv_scale.nshards) {
            if (!ix && kb_index_open(s->index_dir, KB_INDEX_READ, &ix, &err) != 0)
                ix = NULL;
            /* The two copies arrive separately: the revision both have. */
            int64_t pub = 0, internal = 0;
            if (ix && (kb_index_reopen(ix, &err) != 0 ||
                       kb_index_last_seq(ix, KB_DB_PUBLIC, &pub, &err) != 0 ||
                       kb_index_last_seq(ix, KB_DB_INTERNAL, &internal, &err) != 0)) {
                kb_index_close(ix);
                ix = NULL;
            }
            if (ix && (pub != seen_pub || internal != seen_int)) {
                seen_pub = pub;
                seen_int = internal;
                int64_t both = pub < internal ? pub : internal;
                atomic_store(&scale.local_seq, both);
                atomic_store(&s->indexed_seq, both);
                atomic_fetch_add(&s->index_gen, 1);
            }
        }
        long long now = scale_mono_ms();
        if (now >= next_probe) {
            next_probe = now + 250;
            int64_t indexed = 0, written = 0;
            int up = scale_probe_primary(&indexed, &written, &err);
            atomic_store(&scale.primary_up, up);
            if (up != was_up && up)
                kb_log(KB_LOG_INFO, "replica: primary %s is reachable again",
                       srv_scale.replica_of);
            else if (up != was_up)
                kb_log(KB_LOG_WARN, "replica: primary %s is unreachable (%s); serving the last "
                       "copy", srv_scale.replica_of, err.msg);
            was_up = up;
            if (up) {
                atomic_store(&scale.primary_indexed, indexed);
                atomic_store(&scale.primary_written, written);
                /* Each revision the copy lacks, with when it was first
                 * seen; when full, the newest entry stands for the rest. */
                if (!srv_scale.nshards && indexed > atomic_load(&scale.local_seq) &&
                    (npend == 0 || indexed > pend[npend - 1].seq)) {
                    if (npend == PEND_MAX)
                        pend[npend - 1].seq = indexed;
                    else
                        pend[npend++] = (struct pending){indexed, now};
                }
            }
        }
        /* Revisions that have arrived leave the queue; the lag is the age of
         * the oldest one still missing. */
        size_t done = 0;
        while (done < npend && pend[done].seq <= atomic_load(&scale.local_seq))
            done++;
        if (done) {
            memmove(pend, pend + done, (npend - done) * sizeof *pend);
            npend -= done;
        }
        atomic_store(&scale.oldest_missing, npend ? pend[0].t : 0);
        /* While the primary answers, the copy is current up to the oldest
         * revision still missing (or now). */
        if (atomic_load(&scale.primary_up))
            atomic_store(&scale.matched_at, npend ? pend[0].t : scale_mono_ms());
        scale_sleep_ms(50);
    }
    kb_index_close(ix);
    return NULL;
}

int scale_monitor_start(struct srv *s, struct kb_err *err)
{
    if (pthread_create(&scale.monitor, NULL, monitor_main, s) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the replica monitor");
    scale.threads |= SCALE_T_MONITOR;
    return 0;
}

/* Seconds the copy is behind: since the oldest primary revision it lacks
 * was first seen (0 when it has them all); with the primary unreachable, at
 * least the time since the primary last said it had nothing newer. */
static double lag_seconds(void)
{
    long long now = scale_mono_ms();
    long long miss = atomic_load(&scale.oldest_missing);
    long long since = miss ? miss : now;
    if (!atomic_load(&scale.primary_up) && atomic_load(&scale.matched_at) < since)
        since = atomic_load(&scale.matched_at);
    return (double)(now - since) / 1000.0;
}

/* The store copy's position (its last change id; -1 until known). */
static int64_t store_position(void)
{
    return atomic_load(&scale.store_pos);
}

void srv_scale_health(json_t *j)
{
    if (srv_scale.replica_of) {
        int64_t pos = store_position(), head = atomic_load(&scale.primary_changes);
        json_t *r = json_pack(
            "{s:s, s:b, s:f, s:I, s:I, s:I, s:i}", "primary", srv_scale.replica_of,
            "primary_reachable", atomic_load(&scale.primary_up), "lag_seconds", lag_seconds(),
            "index_seq", (json_int_t)atomic_load(&scale.local_seq), "primary_index_seq",
            (json_int_t)atomic_load(&scale.primary_indexed), "store_seq",
            (json_int_t)atomic_load(&scale.store_seq), "events_spooled",
            (int)atomic_load(&scale.spooled));
        /* The store copy: its change position, how many the primary has
         * that it lacks, and what it received since start. */
        json_object_set_new(r, "store_position", json_integer(pos));
        json_object_set_new(r, "store_changes_behind",
                            json_integer(pos >= 0 && head > pos ? head - pos : 0));
        json_object_set_new(r, "store_snapshots",
                            json_integer((json_int_t)atomic_load(&scale.store_snapshots)));
        json_object_set_new(r, "store_changesets",
                            json_integer((json_int_t)atomic_load(&scale.store_changesets)));
        json_object_set_new(r, "store_bytes",
                            json_integer((json_int_t)atomic_load(&scale.store_bytes)));
        json_object_set_new(j, "replica", r);
    }
    if (srv_scale.nshards)
        json_object_set_new(j, "shards", json_integer((json_int_t)srv_scale.nshards));
}

void srv_scale_metrics(struct kb_buf *b)
{
    if (!srv_scale.replica_of)
        return;
    kb_buf_printf(b,
                  "# HELP kb_replica_lag_seconds How far this replica's index copy is behind "
                  "the primary's.\n# TYPE kb_replica_lag_seconds gauge\n"
                  "kb_replica_lag_seconds %.3f\n"
                  "# HELP kb_replica_primary_up 1 when the primary answered the last probe.\n"
                  "# TYPE kb_replica_primary_up gauge\nkb_replica_primary_up %d\n"
                  "# HELP kb_replica_events_spooled Events waiting for the primary.\n"
                  "# TYPE kb_replica_events_spooled gauge\nkb_replica_events_spooled %u\n",
                  lag_seconds(), (int)atomic_load(&scale.primary_up),
                  (unsigned)atomic_load(&scale.spooled));
    int64_t pos = store_position(), head = atomic_load(&scale.primary_changes);
    kb_buf_printf(b,
                  "# HELP kb_replica_store_position The last store change this replica's copy "
                  "holds.\n# TYPE kb_replica_store_position gauge\n"
                  "kb_replica_store_position %lld\n"
                  "# HELP kb_replica_store_changes_behind Store changes the primary logged that "
                  "the copy lacks.\n# TYPE kb_replica_store_changes_behind gauge\n"
                  "kb_replica_store_changes_behind %lld\n"
                  "# HELP kb_replica_store_snapshots_total Whole-store snapshots received.\n"
                  "# TYPE kb_replica_store_snapshots_total counter\n"
                  "kb_replica_store_snapshots_total %llu\n"
                  "# HELP kb_replica_store_changesets_total Store changesets applied.\n"
                  "# TYPE kb_replica_store_changesets_total counter\n"
                  "kb_replica_store_changesets_total %llu\n"
                  "# HELP kb_replica_store_received_bytes_total Bytes of snapshots and "
                  "changesets received.\n# TYPE kb_replica_store_received_bytes_total counter\n"
                  "kb_replica_store_received_bytes_total %llu\n",
                  (long long)pos, (long long)(pos >= 0 && head > pos ? head - pos : 0),
                  (unsigned long long)atomic_load(&scale.store_snapshots),
                  (unsigned long long)atomic_load(&scale.store_changesets),
                  (unsigned long long)atomic_load(&scale.store_bytes));
}
