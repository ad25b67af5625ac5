/* The contact delivery worker: one thread with its own store handle that
 * takes the due deliveries (kb/store/contact.c), sends each once
 * (contact_send.c) and records the outcome in its own transaction. A
 * failed attempt is tried again after --contact-retry-ms doubled each time
 * (at most an hour), up to --contact-attempts tries, then marked failed
 * for an admin to retry. Deliveries are at-least-once: a crash after the
 * destination answered and before the row is marked sends that one again,
 * with the same idempotency key (Request Tracker searches for it first:
 * contact_rt.c). Rows left pending by a killed server are picked up after
 * a restart at the time they were due, but not before SRV_CONTACT_TIMEOUT_MS
 * after the start: an attempt the killed server had in flight has settled
 * by then (its destination answered, or it would have timed out), so Request
 * Tracker's search for the key sees the ticket that attempt filed. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "kb/base/log.h"

#define BATCH 16
#define IDLE_MS 60000 /* looks again at least this often (a row written by another process) */

struct srv_contact {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wake;         /* under mu */
    atomic_int stop;  /* set under mu */
    struct kb_store *st;
    int64_t since;    /* when this worker started (ms) */
    int held_logged;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void deliver(struct srv *s, struct srv_contact *k, const struct kb_contact_job *j)
{
    struct kb_err err = {0, ""}, serr;
    char *ticket = NULL;
    int code;
    json_t *cfg = json_loads(j->config ? j->config : "{}", 0, NULL);
    if (!j->enabled)
        code = kb_err_set(&err, KB_EINVAL, "destination '%s' is not enabled", j->dest);
    else
        code = srv_contact_send(j, cfg, &ticket, &err);
    json_decref(cfg);
    int64_t t = now_ms();
    if (code == 0) {
        if (kb_contact_delivered(k->st, j->id, j->dest, ticket, t, &serr) != 0)
            kb_log(KB_LOG_ERROR, "contact: CR-%lld delivered to %s but not recorded: %s",
                   (long long)j->id, j->dest, serr.msg);
        else
            kb_log(KB_LOG_INFO, "contact: CR-%lld delivered to %s%s%s", (long long)j->id,
                   j->dest, ticket ? " as ticket " : "", ticket ? ticket : "");
        free(ticket);
        return;
    }
    int tries = j->attempts + 1;
    unsigned max = s->opts.contact_attempts;
    int64_t next = (max && (unsigned)tries >= max) || !j->enabled
                       ? 0 : t + srv_contact_backoff(s->opts.contact_retry_ms, j->attempts);
    kb_log(KB_LOG_WARN, "contact: CR-%lld to %s, attempt %d: %s%s", (long long)j->id, j->dest,
           tries, err.msg, next ? "" : " (gave up)");
    if (kb_contact_attempt_failed(k->st, j->id, j->dest, err.msg, next, &serr) != 0)
        kb_log(KB_LOG_ERROR, "contact: cannot record a failed attempt: %s", serr.msg);
}

/* 1 when j is a request from before this worker started whose earlier
 * attempt may still be settling. */
static int held(struct srv_contact *k, const struct kb_contact_job *j, int64_t now)
{
    return j->created < k->since && now < k->since + SRV_CONTACT_TIMEOUT_MS;
}

/* Delivers what is due; returns the time of the next due row, or now +
 * IDLE_MS when none. */
static int64_t round_of(struct srv *s, struct srv_contact *k)
{
    int any_held = 0;
    for (;;) {
        struct kb_contact_job *jobs = NULL;
        size_t n = 0;
        struct kb_err err;
        if (kb_contact_due(k->st, now_ms(), BATCH, &jobs, &n, &err) != 0) {
            kb_log(KB_LOG_ERROR, "contact: %s", err.msg);
            return now_ms() + 1000;
        }
        int64_t t = now_ms();
        int held_now = 0;
        for (size_t i = 0; i < n && !k->stop; i++) {
            if (held(k, &jobs[i], t))
                held_now = 1;
            else
                deliver(s, k, &jobs[i]);
        }
        kb_contact_jobs_free(jobs, n);
        any_held |= held_now;
        if (n < BATCH || k->stop || held_now)
            break;
    }
    if (any_held && !k->held_logged) {
        k->held_logged = 1;
        kb_log(KB_LOG_INFO, "contact: deliveries from before the restart wait until %d ms "
               "after it, for an attempt in flight then to settle", SRV_CONTACT_TIMEOUT_MS);
    }
    int found = 0;
    int64_t when = 0;
    struct kb_err err;
    if (kb_contact_next_due(k->st, &found, &when, &err) != 0) {
        kb_log(KB_LOG_ERROR, "contact: %s", err.msg);
        return now_ms() + 1000;
    }
    int64_t t = now_ms(), next = t + IDLE_MS;
    /* A due row still there while some are held is a held one (or one the
     * held ones kept out of this round): wait for them all to settle. */
    if (found && when < next && !(any_held && when <= t))
        next = when;
    if (any_held && k->since + SRV_CONTACT_TIMEOUT_MS < next)
        next = k->since + SRV_CONTACT_TIMEOUT_MS;
    return next;
}

static void *contact_main(void *arg)
{
    struct srv *s = arg;
    struct srv_contact *k = atomic_load(&s->contact);
    for (;;) {
        int64_t next = round_of(s, k);
        pthread_mutex_lock(&k->mu);
        while (!k->wake && !k->stop && now_ms() < next) {
            int64_t at = next;
            struct timespec until = {(time_t)(at / 1000), (long)(at % 1000) * 1000000};
            if (pthread_cond_timedwait(&k->cv, &k->mu, &until) == ETIMEDOUT)
                break;
        }
        k->wake = 0;
        int stop = k->stop;
        pthread_mutex_unlock(&k->mu);
        if (stop)
            break;
    }
    return NULL;
}

int srv_contact_start(struct srv *s)
{
    struct srv_contact *k = kb_xcalloc(1, sizeof *k);
    struct kb_err err;
    if (kb_store_open(s->store_path, &k->st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "contact: %s", err.msg);
        free(k);
        return EIO;
    }
    /* Before the thread that uses libcurl: curl_easy_init would do it
     * lazily, which is not thread-safe. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    k->since = now_ms();
    srv_contact_rt_since(k->since);
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    atomic_store(&s->contact, k);
    int rc = pthread_create(&k->thread, NULL, contact_main, s);
    if (rc) {
        atomic_store(&s->contact, NULL);
        kb_store_close(k->st);
        free(k);
    }
    return rc;
}

void srv_contact_stop(struct srv *s)
{
    struct srv_contact *k = atomic_load(&s->contact);
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    atomic_store(&s->contact, NULL);
    kb_store_close(k->st);
    free(k);
}

void srv_contact_wake(struct srv *s)
{
    struct srv_contact *k = atomic_load(&s->contact);
    if (!k)
        return;
    pthread_mutex_lock(&k->mu);
    k->wake = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
}
