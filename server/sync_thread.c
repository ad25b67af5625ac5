/* The server's index writer: holds the Xapian write lock, applies the store's
 * outbox as soon as a handler says something changed (and polls every
 * second for changes made by kb-indexer), reloads synonyms when they change,
 * and bumps index_gen so each thread's reader reopens. Beside it, the
 * checkpointer thread copies the store's WAL into the database for the
 * request threads, so that no search waits for a checkpoint. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/store/retention.h"
#include "kb/sync/sync.h"
#include "srv.h"
#include "emerging.h"
#include "sync_thread.h"

struct sync_state {
    struct kb_store *st;
    struct kb_index *ix;
    uint64_t synonyms_sig;
};

static void open_writer(struct srv *s, struct sync_state *ss)
{
    struct kb_err err;
    if (ss->ix)
        return;
    int rc = kb_index_open(s->index_dir, KB_INDEX_WRITE, &ss->ix, &err);
    if (rc) {
        static time_t last_warned;
        if (time(NULL) - last_warned > 30) {
            kb_log(KB_LOG_WARN, "sync: cannot open the index for writing (%s); retrying", err.msg);
            last_warned = time(NULL);
        }
        ss->ix = NULL;
    }
}

/* One pass: outbox and synonyms. Returns 1 when the index changed. */
static int sync_once(struct srv *s, struct sync_state *ss)
{
    struct kb_err err;
    open_writer(s, ss);
    if (!ss->ix)
        return 0;
    int changed = 0;
    size_t applied = 0;
    if (kb_sync_apply(ss->st, ss->ix, 0, &applied, &err) != 0) {
        kb_log(KB_LOG_ERROR, "sync: %s", err.msg);
        /* Reopen on the next pass: the writer may be in a bad state. */
        kb_index_close(ss->ix);
        ss->ix = NULL;
        return 0;
    }
    if (applied)
        changed = 1;
    uint64_t sig = srv_synonyms_signature(ss->st);
    if (sig != ss->synonyms_sig) {
        if (kb_sync_synonyms(ss->st, ss->ix, &err) == 0 && kb_index_commit(ss->ix, -1, &err) == 0) {
            ss->synonyms_sig = sig;
            changed = 1;
        } else {
            kb_log(KB_LOG_ERROR, "sync: synonyms: %s", err.msg);
        }
    }
    int64_t seq = 0;
    if (kb_index_last_seq(ss->ix, KB_DB_PUBLIC, &seq, NULL) == 0)
        atomic_store(&s->indexed_seq, seq);
    return changed;
}

static void *sync_main(void *arg)
{
    struct srv *s = arg;
    struct sync_state ss = {NULL, NULL, 0};
    struct kb_err err;
    if (kb_store_open(s->store_path, &ss.st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "sync: %s", err.msg);
        return NULL;
    }
    time_t retention_checked = 0;
    for (;;) {
        /* Ticket retention, once a day (the store remembers the last run);
         * what it erases reaches the index on the next pass. */
        if (time(NULL) - retention_checked >= 60) {
            int64_t erased = 0;
            retention_checked = time(NULL);
            if (kb_retention_daily(ss.st, (int64_t)retention_checked, &erased, &err) != 0)
                kb_log(KB_LOG_ERROR, "sync: ticket retention: %s", err.msg);
            if (kb_contact_retention_daily(ss.st, (int64_t)retention_checked, &erased,
                                           &err) != 0)
                kb_log(KB_LOG_ERROR, "sync: contact request retention: %s", err.msg);
            /* The search log's, likewise: older searches become daily
             * aggregates (kb/store/log_retention.c). */
            if (kb_search_retention_daily(ss.st, (int64_t)retention_checked, &erased, &err) != 0)
                kb_log(KB_LOG_ERROR, "sync: search log retention: %s", err.msg);
        }
        if (sync_once(s, &ss)) {
            atomic_fetch_add(&s->index_gen, 1);
            srv_emerging_wake(s); /* a burst is judged within seconds of its import */
            /* Gather the writes of the next 200 ms into one commit: a reader
             * can read its revision until the writer commits twice more, so
             * under a stream of writes back-to-back commits make searches
             * fail (or read reused blocks) and retry; and each commit costs
             * an fsync. Publishes stay searchable well within a second. */
            struct timespec pace = {0, 200 * 1000 * 1000};
            if (!atomic_load(&s->stopping))
                nanosleep(&pace, NULL);
        }
        pthread_mutex_lock(&s->sync_mu);
        if (!s->sync_wake && !atomic_load(&s->stopping)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&s->sync_cv, &s->sync_mu, &until);
        }
        s->sync_wake = 0;
        pthread_mutex_unlock(&s->sync_mu);
        if (atomic_load(&s->stopping)) {
            if (sync_once(s, &ss))
                atomic_fetch_add(&s->index_gen, 1);
            break;
        }
    }
    kb_index_close(ss.ix);
    kb_store_close(ss.st);
    return NULL;
}

void srv_changed(struct srv *s)
{
    pthread_mutex_lock(&s->sync_mu);
    s->sync_wake = 1;
    pthread_cond_signal(&s->sync_cv);
    pthread_mutex_unlock(&s->sync_mu);
}

int srv_wait_indexed(struct srv_ctx *c, int ms)
{
    /* Everything written before this call has a seq <= the store's last. */
    struct srv *s = c->srv;
    int64_t last = 0;
    if (kb_store_outbox_last(c->st, &last, NULL) != 0)
        return 0;
    srv_changed(s);
    for (int waited = 0; waited <= ms; waited += 5) {
        if (atomic_load(&s->indexed_seq) >= last)
            return 1;
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* ---- checkpoints ----------------------------------------------------------
 * Request threads' store handles (srv_sync_defer_checkpoints) never
 * checkpoint: a commit that leaves a long WAL wakes this thread instead. It
 * checkpoints then, and at least once a second besides, which also bounds
 * what a power cut can take from the search log (see "durability" in
 * kb/store/store.c). Its own thread rather than the sync thread's loop, because a
 * sync pass can index for minutes (kb-indexer's imports). Passive
 * checkpoints never block readers or writers. One server per process, so
 * this state need not live in struct srv. */
static struct {
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;            /* under mu */
    atomic_int wanted;   /* a commit left a long WAL */
    atomic_int running;  /* the thread has its store open */
} ckpt = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* The wake of kb_store_defer_checkpoints, on a request thread after its
 * commit: 0 while the checkpointer does not run (a replica, a store it
 * could not open), so that the commit checkpoints itself. */
static int wal_wake(void *ud)
{
    (void)ud;
    if (!atomic_load(&ckpt.running))
        return 0;
    if (!atomic_exchange(&ckpt.wanted, 1)) {
        pthread_mutex_lock(&ckpt.mu);
        pthread_cond_signal(&ckpt.cv);
        pthread_mutex_unlock(&ckpt.mu);
    }
    return 1;
}

void srv_sync_defer_checkpoints(struct srv *s, struct kb_store *st)
{
    kb_store_defer_checkpoints(st, wal_wake, s);
}

static void *ckpt_main(void *arg)
{
    struct srv *s = arg;
    struct kb_store *st = NULL;
    struct kb_err err;
    time_t warned = 0;
    if (kb_store_open(s->store_path, &st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "checkpoint: %s; request threads checkpoint for themselves",
               err.msg);
        return NULL;
    }
    atomic_store(&ckpt.running, 1);
    pthread_mutex_lock(&ckpt.mu);
    while (!ckpt.stop) {
        if (!atomic_exchange(&ckpt.wanted, 0)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&ckpt.cv, &ckpt.mu, &until);
            atomic_store(&ckpt.wanted, 0);
            if (ckpt.stop)
                break;
        }
        pthread_mutex_unlock(&ckpt.mu);
        int pages = 0, copied = 0;
        int rc = kb_store_checkpoint(st, &pages, &copied, &err);
        if (rc && rc != KB_EBUSY && time(NULL) - warned > 30) { /* busy: another one runs */
            kb_log(KB_LOG_WARN, "checkpoint: %s", err.msg);
            warned = time(NULL);
        } else if (rc == 0 && pages >= KB_STORE_WAL_PAGES) {
            kb_log(KB_LOG_DEBUG, "checkpoint: %d of %d WAL pages copied", copied, pages);
        }
        pthread_mutex_lock(&ckpt.mu);
    }
    pthread_mutex_unlock(&ckpt.mu);
    atomic_store(&ckpt.running, 0);
    kb_store_close(st);
    return NULL;
}

/* ---- starting and stopping --------------------------------------------- */

int srv_sync_start(struct srv *s)
{
    int rc = pthread_create(&s->sync_thread, NULL, sync_main, s);
    if (rc)
        return rc;
    ckpt.stop = 0;
    ckpt.started = pthread_create(&ckpt.thread, NULL, ckpt_main, s) == 0;
    if (!ckpt.started)
        kb_log(KB_LOG_WARN, "sync: cannot start the checkpoint thread; request threads "
                            "checkpoint for themselves");
    return 0;
}

void srv_sync_stop(struct srv *s)
{
    atomic_store(&s->stopping, 1);
    srv_changed(s);
    pthread_join(s->sync_thread, NULL);
    if (ckpt.started) {
        pthread_mutex_lock(&ckpt.mu);
        ckpt.stop = 1;
        pthread_cond_signal(&ckpt.cv);
        pthread_mutex_unlock(&ckpt.mu);
        pthread_join(ckpt.thread, NULL);
        ckpt.started = 0;
    }
}
