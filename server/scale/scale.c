/* Read replicas and shards (see scaleout.h): the module's state,
 * and its start and stop.
 *
 * A replica's index is a copy kept by xapian-replicate (one child per
 * database, run here so that one unit starts everything and the copies stop
 * with the server: supervise.c); its store is a SQLite snapshot fetched from
 * the primary (snapshot.c) whenever the primary's outbox moves, after each
 * write forwarded, and every 30 s. The store copy is what article pages,
 * GET /api/v1/articles and sign-ins read; the handlers check roles exactly
 * as on the primary, and a customer's search opens only the public index
 * copy, so a replica shows customers what the primary would. Writes are
 * forwarded; analytics events are spooled on disk when the primary cannot
 * take them and sent again in order (forward.c); the searches a replica
 * answers are shipped to the primary's log (ship.c). health.c follows the
 * primary and the copy's lag; shards.c reads xapian-tcpsrv shards; a
 * primary publishes its index with xapian-replicate-server (primary.c). */
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/store/capability.h"
#include "server/scale/scale_int.h"

struct scale_state scale = {.mu = PTHREAD_MUTEX_INITIALIZER, .store_pos = -1};

long long scale_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void scale_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A replica: its first store copy (or an earlier run's), the index copies,
 * the keys of its ids, then the threads that keep it current. */
static int start_replica(struct srv *s, struct kb_err *err)
{
    snprintf(scale.store_dir, sizeof scale.store_dir, "%s/store", s->opts.data);
    snprintf(scale.spool_dir, sizeof scale.spool_dir, "%s/spool", s->opts.data);
    mkdir(s->index_dir, 0755);
    mkdir(scale.store_dir, 0755);
    mkdir(scale.spool_dir, 0700);
    int have_copy = scale_store_find_local() == 0;
    int64_t indexed = 0, written = 0;
    struct kb_err perr;
    int up = scale_probe_primary(&indexed, &written, &perr);
    atomic_store(&scale.primary_up, up);
    if (!up && !have_copy)
        return kb_err_set(err, KB_EIO, "cannot reach the primary %s: %s (a new replica copies "
                          "its store and index from it)", srv_scale.replica_of, perr.msg);
    if (up) {
        atomic_store(&scale.primary_indexed, indexed);
        atomic_store(&scale.primary_written, written);
        struct kb_err ferr;
        /* An earlier run's copy catches up by changesets when the primary
         * still keeps them; otherwise (or new) a snapshot. */
        if (have_copy && scale_store_follow(&ferr) == 0)
            kb_log(KB_LOG_INFO, "replica: the copy from an earlier run caught up by changesets");
        else if (scale_store_fetch(&ferr) != 0) {
            if (!have_copy)
                return kb_err_set(err, ferr.code, "%s", ferr.msg);
            kb_log(KB_LOG_WARN, "replica: %s; serving the copy from an earlier run", ferr.msg);
        }
    } else {
        kb_log(KB_LOG_WARN, "replica: the primary %s is unreachable (%s); serving the copy "
               "from an earlier run", srv_scale.replica_of, perr.msg);
    }
    int rc;
    if (srv_scale.replicate_from && (rc = scale_replicate_start(s, up, have_copy, err)) != 0)
        return rc;
    /* The keys of search ids and visitor ids: the primary's secret, in its
     * store copy. */
    struct kb_store *st = NULL;
    rc = kb_store_open(scale.store_path, &st, err);
    if (rc == 0)
        rc = kb_cap_keys_load(st, &s->caps, err);
    kb_store_close(st);
    if (rc != 0)
        return rc;
    if ((rc = scale_monitor_start(s, err)) != 0 || (rc = scale_snapshot_start(err)) != 0)
        return rc;
    atomic_store(&scale.spooled, 1); /* events left by an earlier run: the first drain counts */
    if ((rc = scale_forwarder_start(err)) != 0)
        return rc;
    kb_log(KB_LOG_INFO, "replica: of %s, store copy %s", srv_scale.replica_of, scale.store_path);
    return 0;
}

int srv_scale_start(struct srv *s, struct kb_err *err)
{
    scale.srv = s;
    atomic_store(&scale.matched_at, scale_mono_ms());
    if (srv_scale.replication_on)
        return scale_primary_start(s, err);
    int rc;
    if (srv_scale.nshards && (rc = scale_shards_start(s, err)) != 0)
        return rc;
    if (srv_scale.replica_of && (rc = start_replica(s, err)) != 0)
        return rc;
    return scale_lexicon_start(s, err);
}

void srv_scale_stop(void)
{
    atomic_store(&scale.stop, 1);
    if (scale.threads & SCALE_T_MONITOR)
        pthread_join(scale.monitor, NULL);
    if (scale.threads & SCALE_T_SNAPSHOT)
        pthread_join(scale.snapshot, NULL);
    if (scale.threads & SCALE_T_SUPERVISOR)
        pthread_join(scale.supervisor, NULL);
    if (scale.threads & SCALE_T_FORWARDER)
        pthread_join(scale.forwarder, NULL);
    if (scale.threads & SCALE_T_LEXICON)
        pthread_join(scale.lexicon, NULL);
    scale.threads = 0;
}
