/* Forwarding writes from a replica or shard reader to the primary, the
 * fallback to the primary for pages the store copy lacks yet, and the
 * event spool: analytics events the primary cannot take now are kept on
 * disk, one file each, and sent again in order by the forwarder thread
 * (which ships the replica's searches first, ship.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "kb/base/log.h"
#include "server/scale/scale_int.h"

static int is_event_route(const struct srv_route *route)
{
    return strcmp(route->pattern, "/api/v1/events") == 0 ||
           strcmp(route->pattern, "/api/v1/articles/{ref}/feedback") == 0 ||
           strcmp(route->pattern, "/kb/{ref}/feedback") == 0;
}

int srv_scale_forwards(const struct srv_route *route, const char *method)
{
    if (!srv_scale_readonly() || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return 0;
    /* POSTs that only read: answered from the local copy. */
    static const char *const reads[] = {"/api/v1/deflect", "/api/v1/assist", "/api/v1/preview",
                                        "/api/v1/search", "/api/v1/suggest", NULL};
    for (size_t i = 0; reads[i]; i++)
        if (strcmp(route->pattern, reads[i]) == 0)
            return 0;
    return 1;
}

static void add_fwd_header(struct kb_buf *h, const struct srv_req *r, const char *name)
{
    const char *v = srv_header(r, name);
    if (v && !strpbrk(v, "\r\n"))
        kb_buf_printf(h, "%s: %s\r\n", name, v);
}

static void request_headers(const struct srv_req *r, struct kb_buf *h)
{
    static const char *const names[] = {"Host", "Authorization", "Cookie", "Content-Type",
                                        "Origin", "Referer", "User-Agent", "Accept",
                                        "Accept-Language", NULL};
    for (size_t i = 0; names[i]; i++)
        add_fwd_header(h, r, names[i]);
    /* The visitor this replica verified or just issued: the primary counts
     * the same visitor (it believes only ids its own secret signed). */
    if (r->visitor[0])
        kb_buf_printf(h, SRV_VISITOR_HEADER ": %s\r\n", r->visitor);
    /* The primary (with --trust-proxy) sees the customer, not the replica. */
    kb_buf_printf(h, "X-Forwarded-For: %s\r\n", r->client);
}

/* ---- the event spool ---- */

static unsigned spool_counter;

/* One file per event, written whole then renamed: a crash leaves either
 * the event or nothing, never half of one. */
static int spool_event(const struct srv_req *r, const char *target, const char *headers)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s%, s:s}", "method", r->method, "target", target,
                          "headers", headers, "body", r->body, r->body_len, "ident", r->ident);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text)
        return -1;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char name[4300], tmp[4400];
    snprintf(name, sizeof name, "%s/%020lld-%06u.json", scale.spool_dir,
             (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec,
             __atomic_fetch_add(&spool_counter, 1, __ATOMIC_RELAXED) % 1000000u);
    snprintf(tmp, sizeof tmp, "%s.part", name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t len = strlen(text);
    int ok = fd >= 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    free(text);
    if (!ok || rename(tmp, name) != 0) {
        kb_log(KB_LOG_ERROR, "replica: cannot spool an event in '%s': %s", scale.spool_dir,
               strerror(errno));
        unlink(tmp);
        return -1;
    }
    atomic_fetch_add(&scale.spooled, 1);
    return 0;
}

static int spool_filter(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* Sends spooled events in the order they came; stops at the first the
 * primary cannot take yet. Returns how many are left. */
static unsigned drain_spool(void)
{
    struct dirent **list = NULL;
    int n = scandir(scale.spool_dir, &list, spool_filter, alphasort);
    int i = 0;
    for (; i < n && !atomic_load(&scale.stop); i++) {
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", scale.spool_dir, list[i]->d_name);
        json_t *j = json_load_file(path, 0, NULL);
        const char *method = NULL, *target = NULL, *headers = NULL, *body = NULL, *ident = "";
        size_t body_len = 0;
        if (!j || json_unpack(j, "{s:s, s:s, s:s, s:s%, s?s}", "method", &method, "target",
                              &target, "headers", &headers, "body", &body, &body_len, "ident",
                              &ident) != 0) {
            kb_log(KB_LOG_ERROR, "replica: dropping unreadable spooled event '%s'", path);
            json_decref(j);
            unlink(path);
            continue;
        }
        int unshipped;
        char *tbody = scale_translate_search_id(body, body_len, ident, &unshipped);
        if (tbody) {
            body = tbody;
            body_len = strlen(tbody);
        }
        struct kb_http_resp resp;
        struct kb_err err;
        kb_http_resp_init(&resp);
        int rc = scale_call(method, target, headers, 0, body, body_len, PROBE_TIMEOUT_MS * 2,
                            1 << 20, &resp, &err);
        free(tbody);
        int status = (int)resp.status;
        kb_http_resp_release(&resp);
        json_decref(j);
        if (rc != 0 || status >= 500) {
            if (rc != 0)
                kb_log(KB_LOG_DEBUG, "replica: spooled event not sent yet: %s", err.msg);
            break; /* later: order is kept */
        }
        if (status >= 400)
            kb_log(KB_LOG_WARN, "replica: the primary refused spooled event %s %s (HTTP %d); "
                                "dropped", method, target, status);
        unlink(path);
    }
    for (int k = 0; k < n; k++)
        free(list[k]);
    free(list);
    unsigned left = n > i ? (unsigned)(n - i) : 0;
    atomic_store(&scale.spooled, left);
    return left;
}

static void *forwarder_main(void *arg)
{
    (void)arg;
    struct scale_ship_src cur = {0}, old = {0};
    /* The spool is sent again after failures with the shared backoff. */
    int failures = 0;
    long long next_drain = 0;
    while (!atomic_load(&scale.stop)) {
        scale_sleep_ms(500);
        if (!atomic_load(&scale.primary_up))
            continue;
        /* Searches first: a spooled click then finds its search's id. */
        scale_ship_searches(&cur, &old);
        unsigned before = atomic_load(&scale.spooled);
        if (!before || scale_mono_ms() < next_drain)
            continue;
        unsigned left = drain_spool();
        failures = left && left == before ? failures + 1 : 0;
        next_drain = failures ? scale_mono_ms() + scale_retry_ms(500, failures - 1) : 0;
    }
    kb_store_close(cur.st);
    kb_store_close(old.st);
    return NULL;
}

int scale_forwarder_start(struct kb_err *err)
{
    if (pthread_create(&scale.forwarder, NULL, forwarder_main, NULL) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the event forwarder");
    scale.threads |= SCALE_T_FORWARDER;
    return 0;
}

/* ---- forwarding ---- */

/* Copies the primary's answer into w: status, type, body, and the headers
 * the client needs (each Set-Cookie line as sent). */
static void copy_answer(const struct kb_http_resp *resp_in, struct srv_resp *w)
{
    static _Thread_local char type[128];
    if (!kb_http_header(resp_in, "Content-Type", type, sizeof type))
        snprintf(type, sizeof type, "application/json");
    w->type = type;
    w->status = (int)resp_in->status;
    kb_buf_add(&w->body, resp_in->body.data ? resp_in->body.data : "", resp_in->body.len);
    const char *p = kb_buf_str(&resp_in->headers);
    while (*p) {
        size_t len = strcspn(p, "\n");
        static const char *const keep[] = {"Set-Cookie:", "Location:", "Retry-After:",
                                           "Allow:", NULL};
        for (size_t k = 0; keep[k]; k++)
            if (strncasecmp(p, keep[k], strlen(keep[k])) == 0) {
                char line[4096];
                if (len < sizeof line) {
                    memcpy(line, p, len);
                    line[len] = '\0';
                    char *v = line + strlen(keep[k]);
                    while (*v == ' ')
                        v++;
                    line[strlen(keep[k]) - 1] = '\0';
                    srv_header_add(w, line, v);
                }
            }
        p += len + (p[len] ? 1 : 0);
    }
}

void srv_scale_forward(struct srv_ctx *c, const struct srv_req *r, const struct srv_route *route,
                       struct srv_resp *w)
{
    (void)c;
    if (!srv_scale.replica_of) {
        srv_error(w, 503, "read_only",
                  "this server searches shards read-only and has no --replica-of primary to "
                  "take writes; send them to the primary");
        return;
    }
    struct kb_buf target = KB_BUF_INIT, headers = KB_BUF_INIT;
    srv_req_target(r, &target);
    request_headers(r, &headers);
    int event = is_event_route(route);
    /* A search_id from this replica names a row of its own search log: the
     * primary's id for it once shipped. A click on a search not shipped yet
     * waits in the spool for its search (shipped first, within a second). */
    struct srv_req translated;
    int unshipped = 0;
    char *body_copy =
        event ? scale_translate_search_id(r->body, r->body_len, r->ident, &unshipped) : NULL;
    int must_wait = unshipped && strcmp(route->pattern, "/api/v1/events") == 0;
    if (body_copy && !must_wait) {
        translated = *r;
        translated.body = body_copy;
        translated.body_len = strlen(body_copy);
        r = &translated;
    }
    /* While events wait in the spool, new ones join the queue behind them
     * (the forwarder thread alone sends it, in order, never twice). */
    struct kb_http_resp resp;
    struct kb_err err;
    kb_http_resp_init(&resp);
    int rc = event && (atomic_load(&scale.spooled) || must_wait)
                 ? KB_EIO
                 : scale_call(r->method, kb_buf_str(&target), kb_buf_str(&headers), 0, r->body,
                              r->body_len, FORWARD_TIMEOUT_MS, 64u << 20, &resp, &err);
    if (event && (rc != 0 || resp.status >= 500)) {
        if (spool_event(r, kb_buf_str(&target), kb_buf_str(&headers)) != 0) {
            srv_error(w, 503, "unavailable", "the event could not be recorded; try again");
        } else if (strncmp(route->pattern, "/kb/", 4) == 0) {
            /* The page form: back to the article, thanked. */
            const char *ref = r->nparams ? r->param[0] : "";
            char loc[600];
            /* Only a plain reference goes into the header (it is the path's). */
            static const char plain[] = "0123456789abcdefghijklmnopqrstuvwxyz"
                                        "ABCDEFGHIJKLMNOPQRSTUVWXYZ-";
            if (*ref && strspn(ref, plain) == strlen(ref) && strlen(ref) < 200)
                snprintf(loc, sizeof loc, "/kb/%s?thanks=1#feedback", ref);
            else
                snprintf(loc, sizeof loc, "/");
            srv_header_add(w, "Location", loc);
            w->status = 303;
        } else {
            srv_json(w, 202, json_pack("{s:b, s:b}", "ok", 1, "queued", 1));
        }
    } else if (rc != 0) {
        kb_log(KB_LOG_WARN, "replica: %s %s not forwarded: %s", r->method, r->path, err.msg);
        srv_header_add(w, "Retry-After", "5");
        srv_error(w, 503, "primary_unavailable",
                  "this replica cannot reach the primary to make this change; try again shortly");
    } else {
        copy_answer(&resp, w);
        if (resp.status < 400)
            atomic_store(&scale.store_dirty, 1); /* a new session, user or token */
    }
    kb_http_resp_release(&resp);
    kb_buf_release(&target);
    kb_buf_release(&headers);
    free(body_copy);
}

int srv_scale_fallback(const struct srv_req *r, const struct srv_route *route, struct srv_resp *w)
{
    if (!srv_scale.replica_of || w->status != 404 || strcmp(r->method, "GET") != 0 ||
        !atomic_load(&scale.primary_up) ||
        (strcmp(route->pattern, "/kb/{ref}") != 0 &&
         strncmp(route->pattern, "/api/v1/articles/", 17) != 0))
        return 0;
    struct kb_buf target = KB_BUF_INIT, headers = KB_BUF_INIT;
    srv_req_target(r, &target);
    request_headers(r, &headers);
    struct kb_http_resp resp;
    struct kb_err err;
    kb_http_resp_init(&resp);
    int done = scale_call("GET", kb_buf_str(&target), kb_buf_str(&headers), 0, NULL, 0,
                          PROBE_TIMEOUT_MS, 64u << 20, &resp, &err) == 0 &&
               resp.status < 500;
    if (done) {
        kb_buf_reset(&w->body);
        srv_resp_clear_headers(w);
        copy_answer(&resp, w);
    }
    kb_http_resp_release(&resp);
    kb_buf_release(&target);
    kb_buf_release(&headers);
    return done;
}
