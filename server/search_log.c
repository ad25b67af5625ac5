/* The batched search log (see search_log.h). Rows wait in a growable array
 * under a mutex; whoever writes them (the writer thread, or a request that
 * is about to read the log) takes the whole array and inserts it. */
#include "search_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/store/events.h"
#include "kb/base/log.h"

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int running, stop;
    int64_t next_id, block_end; /* ids reserved in the store, not yet given */
    struct kb_search_row *rows;
    size_t n, cap;
    struct srv *srv;
    pthread_mutex_t write_mu; /* one batch at a time: ids stay in order */
} L = {.mu = PTHREAD_MUTEX_INITIALIZER,
       .cv = PTHREAD_COND_INITIALIZER,
       .write_mu = PTHREAD_MUTEX_INITIALIZER};
static atomic_size_t waiting; /* L.n, readable without the lock */

/* Inserts rows into st and frees them. */
static void write_rows(struct kb_store *st, struct kb_search_row *rows, size_t n)
{
    struct kb_err err;
    size_t skipped = 0;
    if (kb_events_search_insert(st, rows, n, &skipped, &err) != 0)
        kb_log(KB_LOG_WARN, "search log: %zu searches not logged: %s", n, err.msg);
    else if (skipped)
        kb_log(KB_LOG_WARN, "search log: %zu searches not logged: their ids were taken", skipped);
    for (size_t i = 0; i < n; i++)
        kb_search_row_release(&rows[i]);
    free(rows);
}

/* Takes what is waiting and writes it to st. */
static void drain(struct kb_store *st)
{
    pthread_mutex_lock(&L.write_mu);
    pthread_mutex_lock(&L.mu);
    struct kb_search_row *rows = L.rows;
    size_t n = L.n;
    L.rows = NULL;
    L.n = L.cap = 0;
    atomic_store(&waiting, 0);
    pthread_mutex_unlock(&L.mu);
    if (n)
        write_rows(st, rows, n);
    else
        free(rows);
    pthread_mutex_unlock(&L.write_mu);
}

static void *writer_main(void *arg)
{
    struct kb_store *st = arg;
    pthread_mutex_lock(&L.mu);
    while (!L.stop) {
        if (L.n < SRV_SEARCH_LOG_BATCH) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_nsec += SRV_SEARCH_LOG_MS * 1000000L;
            if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&L.cv, &L.mu, &until);
        }
        pthread_mutex_unlock(&L.mu);
        drain(st);
        pthread_mutex_lock(&L.mu);
    }
    pthread_mutex_unlock(&L.mu);
    drain(st);
    kb_store_close(st);
    return NULL;
}

int srv_search_log_start(struct srv *s, struct kb_err *err)
{
    struct kb_store *st = NULL;
    int rc = kb_store_open(s->store_path, &st, err);
    if (rc == 0)
        rc = kb_events_search_reserve(st, SRV_SEARCH_LOG_IDS, &L.next_id, err);
    L.block_end = L.next_id + SRV_SEARCH_LOG_IDS - 1;
    if (rc == 0) {
        L.srv = s;
        L.stop = 0;
        if (pthread_create(&L.thread, NULL, writer_main, st) != 0)
            rc = kb_err_set(err, KB_EIO, "cannot start the search log's writer");
    }
    if (rc) {
        kb_store_close(st);
        return rc;
    }
    pthread_mutex_lock(&L.mu);
    L.running = 1;
    pthread_mutex_unlock(&L.mu);
    return 0;
}

void srv_search_log_stop(void)
{
    pthread_mutex_lock(&L.mu);
    int was = L.running;
    L.running = 0;
    L.stop = 1;
    pthread_cond_signal(&L.cv);
    pthread_mutex_unlock(&L.mu);
    if (was)
        pthread_join(L.thread, NULL);
}

int64_t srv_search_log(struct srv_ctx *c, int64_t t, const char *query, int role,
                       const char *endpoint, uint64_t nresults, const char *locale,
                       struct kb_err *err)
{
    return srv_search_log_by(c, NULL, t, query, role, endpoint, nresults, locale, err);
}

int64_t srv_search_log_by(struct srv_ctx *c, const struct srv_req *r, int64_t t,
                          const char *query, int role, const char *endpoint, uint64_t nresults,
                          const char *locale, struct kb_err *err)
{
    struct kb_err local;
    if (!err)
        err = &local;
    if (!t)
        t = (int64_t)time(NULL);
    struct kb_search_row row;
    if (kb_search_row_make(t, query, role, endpoint, nresults, locale, &row, err) != 0) {
        kb_log(KB_LOG_WARN, "server: cannot log a search: %s", err->msg);
        return 0;
    }
    if (!*row.query) {
        kb_search_row_release(&row);
        return 0;
    }
    if (r)
        kb_search_row_who(&row, r->ident_hash, r->net_hash);
    pthread_mutex_lock(&L.mu);
    if (L.running && L.next_id > L.block_end) {
        /* A new block of ids, outside the lock (a write transaction). If
         * another request got one meanwhile, this one is left unused. */
        pthread_mutex_unlock(&L.mu);
        int64_t first = 0;
        int rc = c->st ? kb_events_search_reserve(c->st, SRV_SEARCH_LOG_IDS, &first, err) : -1;
        pthread_mutex_lock(&L.mu);
        if (rc == 0 && L.next_id > L.block_end) {
            L.next_id = first;
            L.block_end = first + SRV_SEARCH_LOG_IDS - 1;
        } else if (rc != 0 && L.next_id > L.block_end) {
            pthread_mutex_unlock(&L.mu);
            kb_log(KB_LOG_WARN, "server: cannot log a search: %s",
                   c->st ? err->msg : "no store");
            kb_search_row_release(&row);
            return 0;
        }
    }
    /* Only a server that owns its store batches (see search_log.h). */
    if (!L.running || c->st == NULL || c->srv != L.srv) {
        pthread_mutex_unlock(&L.mu);
        int64_t id = 0;
        if (!c->st || kb_events_search_put(c->st, &row, &id, err) != 0)
            kb_log(KB_LOG_WARN, "server: cannot log a search: %s", c->st ? err->msg : "no store");
        kb_search_row_release(&row);
        return id;
    }
    if (L.n == L.cap) {
        L.cap = L.cap ? 2 * L.cap : 64;
        L.rows = realloc(L.rows, L.cap * sizeof *L.rows);
        if (!L.rows)
            abort();
    }
    row.id = L.next_id++;
    L.rows[L.n++] = row;
    atomic_store(&waiting, L.n);
    size_t n = L.n;
    if (n == SRV_SEARCH_LOG_BATCH)
        pthread_cond_signal(&L.cv);
    pthread_mutex_unlock(&L.mu);
    if (n >= SRV_SEARCH_LOG_BEHIND)
        drain(c->st);
    return row.id;
}

void srv_search_log_flush(struct srv_ctx *c)
{
    /* Also when nothing is waiting: drain takes write_mu, so a batch the
     * writer thread has taken but not yet committed is in the store before
     * the caller reads it (an event found no search of its own otherwise). */
    if (c->st && c->srv == L.srv)
        drain(c->st);
}
