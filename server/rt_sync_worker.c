/* The RT sync worker: one thread with its own store handle that runs the
 * sync (kb/sync/rt_sync.h) every --rt-sync-interval seconds while settings
 * and a token exist, and the runs an admin asks for, one at a time. A run
 * that stored or removed tickets wakes the index thread, which then wakes
 * the emerging-problems detection as after any import. An error is logged
 * once per run with RT's call or the ticket named; the cursor stays before
 * the ticket that failed, so the next run starts there. */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/log.h"
#include "rt_sync.h"

struct srv_rt_sync {
    pthread_t thread;
    pthread_mutex_t mu;  /* the wait and stop */
    pthread_cond_t cv;
    int stop;
    pthread_mutex_t run_mu; /* one run at a time; also guards the outcome below */
    struct kb_store *st;
    char *token;         /* from --rt-token-file, or NULL */
    time_t last_time;
    int last_code;
    struct kb_err last_err;
    struct kb_rt_sync_stats last;
};

static struct srv_rt_sync *worker; /* one per process; set before its thread starts */

int srv_rt_sync_settings(struct srv *s, struct kb_store *st, struct kb_rt_sync_cfg *cfg,
                         int *found, struct kb_err *err)
{
    (void)s;
    int code = kb_rt_sync_cfg_load(st, cfg, found, err);
    if (code == 0 && *found && worker && worker->token) {
        free(cfg->token);
        cfg->token = kb_xstrdup(worker->token);
    }
    return code;
}

int srv_rt_sync_now(struct srv *s, struct kb_store *st, struct kb_rt_sync_stats *stats,
                    struct kb_err *err)
{
    struct kb_rt_sync_cfg cfg;
    int found = 0;
    int code = srv_rt_sync_settings(s, st, &cfg, &found, err);
    if (code == 0 && !found)
        code = kb_err_set(err, KB_ENOTFOUND, "no Request Tracker settings: PUT "
                          "/api/v1/admin/rt-sync first");
    if (code == 0 && !cfg.token)
        code = kb_err_set(err, KB_EINVAL, "no RT auth token: give it in the settings or with "
                          "--rt-token-file");
    if (code) {
        kb_rt_sync_cfg_release(&cfg);
        return code;
    }
    struct kb_rt_sync_stats st_;
    memset(&st_, 0, sizeof st_);
    if (worker)
        pthread_mutex_lock(&worker->run_mu);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    code = kb_rt_sync_run(st, &cfg, &st_, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    if (worker) {
        worker->last_time = time(NULL);
        worker->last_code = code;
        worker->last_err = code ? *err : (struct kb_err){0, ""};
        worker->last = st_;
        pthread_mutex_unlock(&worker->run_mu);
    }
    kb_rt_sync_cfg_release(&cfg);
    if (st_.added + st_.updated + st_.removed)
        srv_changed(s);
    if (code)
        kb_log(KB_LOG_ERROR, "rt sync: %s (%zu stored, %zu removed before it; the next run "
               "starts there)", err->msg, st_.added + st_.updated, st_.removed);
    else if (st_.added + st_.updated + st_.removed)
        kb_log(KB_LOG_INFO, "rt sync: %zu listed, %zu added, %zu updated, %zu removed in %.0f ms",
               st_.seen, st_.added, st_.updated, st_.removed, ms);
    else
        kb_log(KB_LOG_DEBUG, "rt sync: nothing new (%zu listed) in %.0f ms", st_.seen, ms);
    if (stats)
        *stats = st_;
    return code;
}

json_t *srv_rt_sync_status(struct srv *s)
{
    (void)s;
    if (!worker)
        return json_null();
    pthread_mutex_lock(&worker->run_mu);
    json_t *j = json_null();
    if (worker->last_time) {
        const struct kb_rt_sync_stats *l = &worker->last;
        j = json_pack("{s:I, s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "time",
                      (json_int_t)worker->last_time, "ok", worker->last_code == 0, "error",
                      worker->last_code ? worker->last_err.msg : NULL, "listed",
                      (json_int_t)l->seen, "added", (json_int_t)l->added, "updated",
                      (json_int_t)l->updated, "unchanged", (json_int_t)l->unchanged,
                      "removed", (json_int_t)l->removed, "not_resolved",
                      (json_int_t)l->skipped, "already_synced", (json_int_t)l->duplicates,
                      "cursor", (json_int_t)l->cursor);
    }
    pthread_mutex_unlock(&worker->run_mu);
    return j;
}

static void *worker_main(void *arg)
{
    struct srv *s = arg;
    struct srv_rt_sync *w = worker;
    unsigned interval = s->opts.rt_sync_interval;
    for (;;) {
        struct kb_rt_sync_cfg cfg;
        int found = 0;
        struct kb_err err;
        if (srv_rt_sync_settings(s, w->st, &cfg, &found, &err) != 0)
            kb_log(KB_LOG_ERROR, "rt sync: %s", err.msg);
        int ready = found && cfg.token;
        kb_rt_sync_cfg_release(&cfg);
        if (ready)
            srv_rt_sync_now(s, w->st, NULL, &err);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += interval;
        pthread_mutex_lock(&w->mu);
        while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
            ;
        int stop = w->stop;
        pthread_mutex_unlock(&w->mu);
        if (stop)
            break;
    }
    return NULL;
}

int srv_rt_sync_start(struct srv *s)
{
    struct srv_rt_sync *w = kb_xcalloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cv, NULL);
    pthread_mutex_init(&w->run_mu, NULL);
    struct kb_err err;
    if (s->opts.rt_token_file) {
        struct kb_rt_sync_cfg t;
        kb_rt_sync_cfg_init(&t);
        if (kb_rt_sync_token_file(&t, s->opts.rt_token_file, &err) != 0) {
            kb_log(KB_LOG_ERROR, "rt sync: %s", err.msg);
            kb_rt_sync_cfg_release(&t);
            free(w);
            return EINVAL;
        }
        w->token = t.token;
        t.token = NULL;
        kb_rt_sync_cfg_release(&t);
    }
    worker = w;
    if (s->opts.rt_sync_interval == 0)
        return 0; /* runs on demand only */
    if (kb_store_open(s->store_path, &w->st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "rt sync: %s", err.msg);
        return EIO;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = pthread_create(&w->thread, NULL, worker_main, s);
    if (rc) {
        kb_store_close(w->st);
        w->st = NULL;
    }
    return rc;
}

void srv_rt_sync_stop(struct srv *s)
{
    (void)s;
    struct srv_rt_sync *w = worker;
    if (!w || !w->st)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = 1;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    kb_store_close(w->st);
    w->st = NULL;
}
