/* The emerging-problems thread: runs a detection cycle (kb/emerging) after
 * every change the index thread applies (at most one a second) and at
 * least every --emerging-interval seconds, keeps the last report for the
 * API, and sends each new problem once to --alert-webhook and once by
 * e-mail to the contact "email" destination's support address
 * (alert_email.c). What each channel alerted is kept in the store's meta
 * table, so a restart does not alert again. */
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emerging.h"
#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/emerging/emerging.h"

#define ALERTED_KEY "emerging_alerted"
#define ALERT_MEMORY (7 * 86400) /* a problem seen again within a week is the same one */
#define ALERT_TIMEOUT_MS 5000

struct srv_emerging {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wake, stop;          /* under mu */
    char *last;              /* under mu: the last report */
    unsigned char secret[512];
    size_t secret_len;
    struct kb_store *st;     /* the thread's own handles */
    struct kb_index *ix;
};

/* ---- alerts: once per problem ------------------------------------------ */

/* 1 when a problem with key was alerted within ALERT_MEMORY (the same
 * problem: at least two of its four key words). */
static int alerted(const char *list, const char *key, int64_t now)
{
    for (const char *line = list; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char *l = kb_xstrndup(line, n);
        char *tab = strchr(l, '\t');
        if (tab) {
            *tab = '\0';
            int64_t t = strtoll(l, NULL, 10);
            if (now - t < ALERT_MEMORY && kb_emerging_key_shared(key, tab + 1) >= 2) {
                free(l);
                return 1;
            }
        }
        free(l);
        line = end ? end + 1 : line + n;
    }
    return 0;
}

/* Keeps the lines of list younger than ALERT_MEMORY, plus key now. */
static char *remember(const char *list, const char *key, int64_t now)
{
    struct kb_buf b = KB_BUF_INIT;
    for (const char *line = list; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (now - strtoll(line, NULL, 10) < ALERT_MEMORY) {
            kb_buf_add(&b, line, n);
            kb_buf_addc(&b, '\n');
        }
        line = end ? end + 1 : line + n;
    }
    char head[32];
    snprintf(head, sizeof head, "%lld\t", (long long)now);
    kb_buf_adds(&b, head);
    kb_buf_adds(&b, key);
    kb_buf_addc(&b, '\n');
    char *out = kb_xstrdup(kb_buf_str(&b));
    kb_buf_release(&b);
    return out;
}

/* One channel: its own record of what it alerted (the store's meta
 * table), so a problem goes once through each, and a channel that failed
 * tries again at the next cycle without the other sending twice. */
struct channel {
    const char *meta_key;
    /* 0 and *sent, or an error (not recorded: tried again next cycle). */
    int (*send)(struct srv *s, struct srv_emerging *e, json_t *p, const char *panel, int *sent,
                struct kb_err *err);
};

static int send_webhook(struct srv *s, struct srv_emerging *e, json_t *p, const char *panel,
                        int *sent, struct kb_err *err)
{
    *sent = 0;
    if (!s->opts.alert_webhook)
        return 0;
    json_t *msg = json_pack("{s:s, s:s, s:O}", "event", "emerging_problem", "panel", panel,
                            "problem", p);
    char *body = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    int rc = srv_alert_post(s->opts.alert_webhook, e->secret, e->secret_len, body,
                            ALERT_TIMEOUT_MS, err);
    free(body);
    *sent = rc == 0;
    return rc;
}

static int send_email(struct srv *s, struct srv_emerging *e, json_t *p, const char *panel,
                      int *sent, struct kb_err *err)
{
    (void)s;
    return srv_alert_email(e->st, p, panel, sent, err);
}

static const struct channel channels[] = {
    {ALERTED_KEY, send_webhook},
    {ALERTED_KEY "_email", send_email},
};

static void send_alerts(struct srv *s, struct srv_emerging *e, const char *report)
{
    json_t *j = json_loads(report, 0, NULL);
    json_t *problems = json_object_get(j, "problems");
    char panel[600];
    snprintf(panel, sizeof panel, "%s/agent#emerging", s->base_url);
    for (size_t c = 0; c < sizeof channels / sizeof channels[0]; c++) {
        size_t i;
        json_t *p;
        json_array_foreach(problems, i, p) {
            const char *key = json_string_value(json_object_get(p, "key"));
            if (!key)
                continue;
            int64_t now = (int64_t)time(NULL);
            char *list = kb_store_meta_get(e->st, channels[c].meta_key);
            int sent = 0;
            struct kb_err err;
            if (alerted(list, key, now)) {
                free(list);
                continue;
            }
            if (channels[c].send(s, e, p, panel, &sent, &err) != 0) {
                kb_log(KB_LOG_WARN, "emerging: %s", err.msg); /* the next cycle tries again */
            } else if (sent) {
                char *next = remember(list, key, now);
                if (kb_store_meta_set(e->st, channels[c].meta_key, next, &err) != 0)
                    kb_log(KB_LOG_ERROR, "emerging: cannot record the alert: %s", err.msg);
                free(next);
                kb_log(KB_LOG_INFO, "emerging: alerted '%s' (%s)", key,
                       c == 0 ? "webhook" : "e-mail");
            }
            free(list);
        }
    }
    json_decref(j);
}

/* ---- the cycle ------------------------------------------------------------ */

static void cycle(struct srv *s, struct srv_emerging *e)
{
    struct kb_err err;
    if (!e->ix) {
        if (kb_index_open(s->index_dir, KB_INDEX_READ, &e->ix, &err) != 0) {
            e->ix = NULL;
            return; /* no index yet */
        }
    } else if (kb_index_reopen(e->ix, &err) != 0) {
        kb_log(KB_LOG_WARN, "emerging: %s", err.msg);
        return;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct kb_emerging_opts o;
    kb_emerging_opts_default(&o);
    if (s->opts.emerging_networks == 0) {
        o.per_network = -1; /* customers behind one network: visitors alone */
        o.min_networks = -1;
    } else if (s->opts.emerging_networks > 0) {
        o.min_networks = s->opts.emerging_networks;
    }
    struct kb_emerging_report *r = NULL;
    if (kb_emerging_detect(e->st, e->ix, &o, &r, &err) != 0) {
        kb_log(KB_LOG_ERROR, "emerging: %s", err.msg);
        return;
    }
    char *json = kb_emerging_json(r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    kb_log(KB_LOG_DEBUG, "emerging: %zu problems among %zu topics of %zu recent tickets in %.1f ms",
           r->n, r->topics, r->recent,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    kb_emerging_report_free(r);
    if (!json)
        return;
    pthread_mutex_lock(&e->mu);
    free(e->last);
    e->last = kb_xstrdup(json);
    pthread_mutex_unlock(&e->mu);
    send_alerts(s, e, json);
    free(json);
}

static void *emerging_main(void *arg)
{
    struct srv *s = arg;
    struct srv_emerging *e = atomic_load(&s->emerging);
    struct kb_err err;
    if (kb_store_open(s->store_path, &e->st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "emerging: %s", err.msg);
        return NULL;
    }
    unsigned interval = s->opts.emerging_interval ? s->opts.emerging_interval : 300;
    for (;;) {
        cycle(s, e);
        /* At most one cycle a second, whatever wakes it. */
        struct timespec gap = {1, 0};
        pthread_mutex_lock(&e->mu);
        if (!e->stop) {
            pthread_mutex_unlock(&e->mu);
            nanosleep(&gap, NULL);
            pthread_mutex_lock(&e->mu);
        }
        if (!e->wake && !e->stop) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += (time_t)interval - 1;
            while (!e->wake && !e->stop &&
                   pthread_cond_timedwait(&e->cv, &e->mu, &until) != ETIMEDOUT) {
            }
        }
        e->wake = 0;
        int stop = e->stop;
        pthread_mutex_unlock(&e->mu);
        if (stop)
            break;
    }
    kb_index_close(e->ix);
    kb_store_close(e->st);
    return NULL;
}

/* ---- start, stop, wake, read ---------------------------------------------- */

static int read_secret(const char *path, struct srv_emerging *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kb-server: cannot read --alert-secret-file '%s': %s\n", path,
                strerror(errno));
        return EINVAL;
    }
    size_t n = fread(e->secret, 1, sizeof e->secret, f);
    fclose(f);
    while (n > 0 && (e->secret[n - 1] == '\n' || e->secret[n - 1] == '\r'))
        n--;
    if (n < 16) {
        fprintf(stderr, "kb-server: --alert-secret-file '%s': the secret needs 16 bytes or "
                        "more\n", path);
        return EINVAL;
    }
    if (memchr(e->secret, '\0', n)) {
        fprintf(stderr, "kb-server: --alert-secret-file '%s': the secret is text; it holds a "
                        "NUL byte\n", path);
        return EINVAL;
    }
    e->secret_len = n;
    return 0;
}

int srv_emerging_start(struct srv *s)
{
    struct srv_emerging *e = kb_xcalloc(1, sizeof *e);
    if (s->opts.alert_webhook) {
        int rc = s->opts.alert_secret_file ? read_secret(s->opts.alert_secret_file, e) : EINVAL;
        if (!s->opts.alert_secret_file)
            fprintf(stderr, "kb-server: --alert-webhook needs --alert-secret-file\n");
        if (rc) {
            free(e);
            return rc;
        }
    }
    /* Once, before the thread that posts and mails: curl_easy_init would
     * do it lazily, which is not thread-safe. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cv, NULL);
    atomic_store(&s->emerging, e);
    int rc = pthread_create(&e->thread, NULL, emerging_main, s);
    if (rc) {
        atomic_store(&s->emerging, NULL);
        free(e);
    }
    return rc;
}

void srv_emerging_stop(struct srv *s)
{
    struct srv_emerging *e = atomic_load(&s->emerging);
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->stop = 1;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->thread, NULL);
    atomic_store(&s->emerging, NULL);
    free(e->last);
    memset(e->secret, 0, sizeof e->secret);
    free(e);
}

void srv_emerging_wake(struct srv *s)
{
    struct srv_emerging *e = atomic_load(&s->emerging);
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    e->wake = 1;
    pthread_cond_signal(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

char *srv_emerging_last(struct srv *s)
{
    struct srv_emerging *e = atomic_load(&s->emerging);
    if (!e)
        return NULL;
    pthread_mutex_lock(&e->mu);
    char *out = e->last ? kb_xstrdup(e->last) : NULL;
    pthread_mutex_unlock(&e->mu);
    return out;
}
