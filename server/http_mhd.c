/* The only file that sees libmicrohttpd: request bodies, routing, auth and
 * role checks, CSRF, rate limits, metrics, and turning a struct srv_resp
 * into an MHD response (after libmicrohttpd doc/examples/simplepost.c). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "http.h"
#include "http_accept.h"
#include "kb/base/log.h"
#include "kb/base/text.h"
#include "routes.h"
#include "scaleout.h"
#include "sync_thread.h"

struct rq {
    struct kb_buf body;
    int first_done;
    int too_big;
    size_t discarded;     /* body bytes read and dropped after too_big */
    double discard_since; /* when too_big was found */
    int counted;
    int nul;         /* the raw URI has %00, which MHD decodes into a string end */
    int bad_framing; /* several Content-Lengths, or one with Transfer-Encoding */
    size_t uri_len;  /* of the raw request target */
    int head_error;  /* 414 or 431: the request line or headers are over our limits */
};

static struct srv *g_srv;
static atomic_int in_flight;

/* ---- per-thread context ---- */

static _Thread_local struct srv_ctx *tl_ctx;
static _Thread_local uint64_t tl_store_gen; /* replica: the store copy tl_ctx->st reads */
static pthread_mutex_t ctx_mu = PTHREAD_MUTEX_INITIALIZER;
static struct srv_ctx *all_ctx[256];
static size_t n_ctx;

static struct srv_ctx *thread_ctx(struct srv_resp *w)
{
    /* A replica's store is a copy replaced by newer ones: move to the
     * newest at the start of a request, never during one. */
    char copy[4096];
    uint64_t gen = srv_scale_store(copy, sizeof copy);
    if (tl_ctx && tl_ctx->st && gen == tl_store_gen)
        return tl_ctx;
    if (tl_ctx && tl_ctx->st) {
        kb_store_close(tl_ctx->st);
        tl_ctx->st = NULL;
    }
    if (!tl_ctx) {
        tl_ctx = kb_xcalloc(1, sizeof *tl_ctx);
        tl_ctx->srv = g_srv;
        pthread_mutex_lock(&ctx_mu);
        if (n_ctx < sizeof all_ctx / sizeof *all_ctx)
            all_ctx[n_ctx++] = tl_ctx;
        pthread_mutex_unlock(&ctx_mu);
    }
    struct kb_err err;
    if (kb_store_open(gen ? copy : g_srv->store_path, &tl_ctx->st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "server: %s", err.msg);
        srv_error(w, 503, "unavailable", "the store cannot be opened");
        return NULL;
    }
    /* No search waits for a WAL checkpoint: the checkpointer thread of
     * sync_thread.c runs them (on the primary's store; a replica's copy
     * checkpoints for itself). */
    if (!gen)
        srv_sync_defer_checkpoints(g_srv, tl_ctx->st);
    tl_store_gen = gen;
    return tl_ctx;
}

void srv_http_free_contexts(void)
{
    pthread_mutex_lock(&ctx_mu);
    for (size_t i = 0; i < n_ctx; i++) {
        kb_index_close(all_ctx[i]->ix);
        kb_store_close(all_ctx[i]->st);
        free(all_ctx[i]);
    }
    n_ctx = 0;
    pthread_mutex_unlock(&ctx_mu);
}

struct kb_index *srv_index(struct srv_ctx *c, struct srv_resp *w)
{
    uint64_t gen = atomic_load(&c->srv->index_gen);
    struct kb_err err;
    if (!c->ix) {
        if (srv_scale_open_index(c->srv, &c->ix, &err) != 0) {
            kb_log(KB_LOG_WARN, "server: %s", err.msg);
            srv_error(w, 503, "unavailable", "the search index is not ready");
            return NULL;
        }
        c->ix_gen = gen;
    } else if (c->ix_gen != gen || time(NULL) - c->ix_checked >= 1) {
        /* Also once a second: another process may hold the write lock. */
        c->ix_checked = time(NULL);
        if (kb_index_reopen(c->ix, &err) != 0) {
            kb_log(KB_LOG_WARN, "server: reopen: %s", err.msg);
            kb_index_close(c->ix);
            c->ix = NULL;
            return srv_index(c, w);
        }
        c->ix_gen = gen;
    }
    return c->ix;
}

/* ---- request accessors ---- */

const char *srv_arg(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *srv_header(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *srv_cookie(const struct srv_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

struct target_ctx {
    struct kb_buf *out;
    int n;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    struct target_ctx *t = cls;
    kb_buf_addc(t->out, t->n++ ? '&' : '?');
    srv_url_encode(t->out, key, NULL);
    if (value) {
        kb_buf_addc(t->out, '=');
        srv_url_encode(t->out, value, NULL);
    }
    return MHD_YES;
}

void srv_req_target(const struct srv_req *r, struct kb_buf *out)
{
    srv_url_encode(out, r->path, "/");
    struct target_ctx t = {out, 0};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &t);
}

void srv_local_base(const struct srv_req *r, struct kb_buf *out)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "127.0.0.1";
    unsigned port = g_srv->opts.port;
    if (ci && getsockname(ci->connect_fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
            port = ntohs(a->sin6_port);
        }
    }
    kb_buf_printf(out, strchr(addr, ':') ? "http://[%s]:%u" : "http://%s:%u", addr, port);
}

/* ---- rate limiting: a fixed window per key ----
 * Searches: --rate-limit per client address per second. Events and votes:
 * --event-rate per visitor (the keyed hash of its identity) per minute. */

#define RL_SLOTS 4096
struct srv_ratelimit {
    pthread_mutex_t mu;
    struct {
        char key[64];
        time_t window;
        unsigned count;
    } slot[RL_SLOTS];
};

static struct srv_ratelimit the_rl = {PTHREAD_MUTEX_INITIALIZER, {{{0}, 0, 0}}};
static struct srv_ratelimit event_rl = {PTHREAD_MUTEX_INITIALIZER, {{{0}, 0, 0}}};

/* 1 when key may make one more request in the current window of seconds;
 * else 0 with *retry the seconds until the window ends. */
static int rate_ok(struct srv_ratelimit *rl, const char *key, unsigned limit, unsigned seconds,
                   unsigned *retry)
{
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    time_t now = time(NULL), window = now / (time_t)seconds;
    pthread_mutex_lock(&rl->mu);
    __typeof__(rl->slot[0]) *s = &rl->slot[h % RL_SLOTS];
    if (s->window != window || strcmp(s->key, key) != 0) {
        snprintf(s->key, sizeof s->key, "%s", key);
        s->window = window;
        s->count = 0;
    }
    int ok = ++s->count <= limit;
    pthread_mutex_unlock(&rl->mu);
    *retry = (unsigned)((window + 1) * (time_t)seconds - now);
    if (*retry < 1)
        *retry = 1;
    return ok;
}

/* ---- helpers ---- */

static void client_addr(struct MHD_Connection *conn, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, n, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
    if (g_srv->opts.trust_proxy) {
        const char *xff = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
        if (xff && *xff) {
            /* The rightmost entry was added by our proxy; the rest are the
             * client's own claims. */
            const char *last = strrchr(xff, ',');
            last = last ? last + 1 : xff;
            while (*last == ' ')
                last++;
            size_t len = strcspn(last, " ,");
            if (len > 0 && len < n) {
                memcpy(out, last, len);
                out[len] = '\0';
            }
        }
    }
}

struct utf8_check {
    int bad;
    char name[64];
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    struct utf8_check *u = cls;
    if ((key && !kb_utf8_valid(key, strlen(key))) || (value && !kb_utf8_valid(value, strlen(value)))) {
        u->bad = 1;
        snprintf(u->name, sizeof u->name, "%s", key && kb_utf8_valid(key, strlen(key)) ? key : "?");
        return MHD_NO;
    }
    return MHD_YES;
}

/* Same-origin check for cookie-authenticated state changes. */
static int origin_ok(const struct srv_req *r)
{
    const char *host = srv_header(r, "Host");
    const char *origin = srv_header(r, "Origin");
    const char *src = origin ? origin : srv_header(r, "Referer");
    if (!host || !src)
        return 0;
    const char *p = strstr(src, "://");
    if (!p)
        return 0;
    p += 3;
    size_t hl = strlen(host);
    return strncmp(p, host, hl) == 0 && (p[hl] == '\0' || p[hl] == '/');
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void free_buf(void *p)
{
    free(p);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct srv_resp *w, int cors,
                            const char *route)
{
    size_t len = w->body.len;
    char *body = kb_buf_detach(&w->body);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, body, free_buf);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", w->type ? w->type : "application/json");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (!w->type || strncmp(w->type, "application/json", 16) == 0)
        MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (cors) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", "*");
        MHD_add_response_header(resp, "Access-Control-Expose-Headers", SRV_VISITOR_HEADER);
    }
    /* Extra headers, one "Name: value" per line. */
    const char *h = kb_buf_str(&w->headers);
    while (*h) {
        const char *nl = strchr(h, '\n');
        size_t n = nl ? (size_t)(nl - h) : strlen(h);
        char line[4096];
        if (n < sizeof line) {
            memcpy(line, h, n);
            line[n] = '\0';
            char *colon = strchr(line, ':');
            if (colon) {
                *colon = '\0';
                const char *v = colon + 1;
                while (*v == ' ')
                    v++;
                MHD_add_response_header(resp, line, v);
            }
        }
        h += n + (nl ? 1 : 0);
    }
    (void)route;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)w->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Whether a customer without a visitor id gets one on this route: the help
 * center and the public API, not the staff and sign-in pages, /healthz, nor
 * answers caches may keep (Cache-Control: public). */
static int issues_visitor(const struct srv_route *route)
{
    static const char *const none[] = {"/static/*", "/favicon.ico", "/sitemap.xml",
                                       "/opensearch.xml", "/healthz", "/api/v1/openapi.json",
                                       "/api/v1/login", "/api/v1/logout", "/api/v1/me",
                                       "/login", "/agent", "/write", "/admin", NULL};
    if (route->min_role != KB_ROLE_CUSTOMER)
        return 0;
    for (size_t i = 0; none[i]; i++)
        if (strcmp(route->pattern, none[i]) == 0)
            return 0;
    return 1;
}

/* The per-visitor limit on events and votes; 0, or fills w with a 429. */
static int event_rate_check(const struct srv_req *r, struct srv_resp *w)
{
    unsigned retry;
    if (!g_srv->opts.event_rate ||
        rate_ok(&event_rl, r->ident_hash, g_srv->opts.event_rate, 60, &retry))
        return 0;
    char v[16];
    snprintf(v, sizeof v, "%u", retry);
    srv_header_add(w, "Retry-After", v);
    srv_error(w, 429, "rate_limited",
              "too many events from this visitor: at most %u a minute; try again in %u s",
              g_srv->opts.event_rate, retry);
    return -1;
}

/* *staff is set when the caller was authenticated as agent or above. */
static void dispatch(struct MHD_Connection *conn, const char *url, const char *method,
                     struct rq *rq, struct srv_resp *w, int *cors, const char **route_name,
                     int *staff)
{
    struct srv_match m;
    memset(&m, 0, sizeof m);
    char client[64];
    client_addr(conn, client, sizeof client);

    /* The path is decoded once by MHD; it must be valid UTF-8 and NUL-free. */
    if (!kb_utf8_valid(url, strlen(url))) {
        srv_error(w, 400, "bad_request", "the request path is not valid UTF-8");
        return;
    }
    struct utf8_check u = {0, ""};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &u);
    if (u.bad) {
        srv_error(w, 400, "bad_parameter", "parameter '%s' is not valid UTF-8", u.name);
        return;
    }

    if (strcmp(method, "OPTIONS") == 0) {
        srv_route_find("GET", url, &m);
        if (!m.path_known) {
            srv_error(w, 404, "not_found", "no such route: %s", url);
            return;
        }
        w->status = 204;
        srv_header_add(w, "Allow", m.allow);
        if (m.cors) {
            *cors = 1;
            srv_header_add(w, "Access-Control-Allow-Methods", m.allow);
            srv_header_add(w, "Access-Control-Allow-Headers", "Content-Type, " SRV_VISITOR_HEADER);
            srv_header_add(w, "Access-Control-Max-Age", "86400");
        }
        return;
    }

    /* What a primary serves its replicas (store copies, their search logs):
     * admins only, outside the public route table. */
    const struct srv_route *route = srv_scale_route(method, url);
    if (!route)
        route = srv_route_find(method, url, &m);
    if (!route) {
        if (m.path_known) {
            srv_header_add(w, "Allow", m.allow);
            srv_error(w, 405, "method_not_allowed", "%s is not allowed on %s; use %s", method, url,
                      m.allow);
        } else {
            srv_error(w, 404, "not_found", "no such route: %s", url);
        }
        return;
    }
    *route_name = route->pattern;
    *cors = (route->flags & SRV_PUBLIC_CORS) != 0;

    struct srv_ctx *c = thread_ctx(w);
    if (!c)
        return;
    struct srv_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.path = url;
    r.body = kb_buf_str(&rq->body);
    r.body_len = rq->body.len;
    r.client = client;
    r.conn = conn;
    r.nparams = m.nparams;
    for (int i = 0; i < m.nparams; i++)
        r.param[i] = m.params[i];

    if (r.body_len && !(route->flags & SRV_RAW_BODY) && !kb_utf8_valid(r.body, r.body_len)) {
        srv_error(w, 400, "bad_request", "the request body is not valid UTF-8");
        return;
    }
    /* Who this is: a visitor id is issued to anyone who presents no
     * credentials (a customer) and has none yet. */
    int credentials = srv_header(&r, "Authorization") || srv_cookie(&r, "kb_session");
    srv_visitor_resolve(g_srv, &r, !credentials && issues_visitor(route));
    if ((route->flags & SRV_EVENT) && event_rate_check(&r, w))
        return;
    /* A replica or shard reader sends writes to the primary, which checks
     * the credentials itself. */
    if (srv_scale_forwards(route, method)) {
        srv_scale_forward(c, &r, route, w);
        srv_visitor_headers(g_srv, &r, w);
        return;
    }
    int auth = srv_auth_resolve(c, &r, &r.who);
    /* A session or token newer than a replica's store copy (unknown there,
     * or not yet with its role): the primary knows it. */
    if (srv_scale.replica_of && credentials &&
        (auth != 0 || r.who.role < route->min_role)) {
        srv_scale_forward(c, &r, route, w);
        return;
    }
    if (auth != 0) {
        srv_error(w, 401, "unauthorized", "the session or token is invalid or has expired");
        return;
    }
    if (route->min_role > KB_ROLE_CUSTOMER && r.who.role < route->min_role) {
        if (r.who.user_id == 0)
            srv_error(w, 401, "unauthorized", "log in first");
        else
            srv_error(w, 403, "forbidden", "this needs the %s role", kb_role_name(route->min_role));
        return;
    }
    int changes = strcmp(method, "GET") && strcmp(method, "HEAD");
    if (changes && r.who.via_cookie && !(route->flags & SRV_NO_CSRF) && !origin_ok(&r)) {
        srv_error(w, 403, "forbidden", "cross-site request refused: Origin does not match Host");
        return;
    }
    *staff = r.who.role >= KB_ROLE_AGENT;
    unsigned retry;
    if ((route->flags & SRV_RATED) && g_srv->opts.rate_limit &&
        !rate_ok(&the_rl, client, g_srv->opts.rate_limit, 1, &retry)) {
        srv_header_add(w, "Retry-After", "1");
        srv_error(w, 429, "rate_limited", "too many requests from %s; slow down", client);
        return;
    }
    route->fn(c, &r, w);
    srv_scale_fallback(&r, route, w);
    srv_visitor_headers(g_srv, &r, w);
}

/* ---- slow clients ----------------------------------------------------------
 * MHD's connection timeout restarts with every byte received, so a request
 * trickled a byte a second would hold its connection for ever (and enough of
 * them every connection). Each connection must deliver a whole request within
 * --idle-timeout seconds of connecting or of its previous answer, plus a
 * second per KiB of body; a watchdog shuts down the socket of one that does
 * not, and MHD then closes it. MHD reports a connection closed before it
 * closes the descriptor, and both sides hold watch_mu, so the watchdog never
 * touches a descriptor that was reused. */

struct conn_watch {
    int fd;
    atomic_llong since;   /* monotonic second: connected, or the last answer done */
    atomic_size_t body;   /* body bytes of the current request so far */
    atomic_int answering; /* the request is complete: the handler and MHD own it */
    int shut;
    struct conn_watch *prev, *next;
};

static pthread_mutex_t watch_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn_watch *watch_head;
static pthread_t watch_thread;
static atomic_int watch_stop;
static int watch_running;

static long long mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec;
}

static struct conn_watch *conn_watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_watch *w = kb_xcalloc(1, sizeof *w);
        w->fd = ci ? ci->connect_fd : -1;
        atomic_store(&w->since, mono_s());
        pthread_mutex_lock(&watch_mu);
        w->next = watch_head;
        if (watch_head)
            watch_head->prev = w;
        watch_head = w;
        pthread_mutex_unlock(&watch_mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn_watch *w = *socket_context;
        pthread_mutex_lock(&watch_mu);
        if (w->prev)
            w->prev->next = w->next;
        else
            watch_head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&watch_mu);
        free(w);
        *socket_context = NULL;
    }
}

static void *watch_main(void *arg)
{
    (void)arg;
    long long limit = g_srv->opts.idle_timeout;
    while (!atomic_load(&watch_stop)) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
        long long now = mono_s();
        unsigned shut = 0;
        pthread_mutex_lock(&watch_mu);
        for (struct conn_watch *w = watch_head; w; w = w->next) {
            if (w->shut || w->fd < 0 || atomic_load(&w->answering))
                continue;
            long long allowed = limit + (long long)(atomic_load(&w->body) / 1024);
            if (now - atomic_load(&w->since) > allowed) {
                shutdown(w->fd, SHUT_RDWR);
                w->shut = 1;
                shut++;
            }
        }
        pthread_mutex_unlock(&watch_mu);
        if (shut)
            kb_log(KB_LOG_DEBUG, "http: closed %u connections too slow to send a request", shut);
    }
    return NULL;
}

/* Called with the raw URI before MHD decodes it: "/static/style.css%00.png"
 * would otherwise reach the handlers as "/static/style.css". The request
 * record is made here and reaches on_request as *req_cls. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)conn;
    struct rq *rq = kb_xcalloc(1, sizeof *rq);
    kb_buf_init(&rq->body);
    rq->uri_len = uri ? strlen(uri) : 0;
    for (const char *p = uri ? strchr(uri, '%') : NULL; p; p = strchr(p + 1, '%'))
        if (p[1] == '0' && p[2] == '0') {
            rq->nul = 1;
            break;
        }
    return rq;
}

/* Request-head limits, checked by us so that the answer is our JSON: MHD's
 * per-connection memory (CONN_MEMORY) is well above them, and only a head
 * over that gets MHD's own HTML 414 or 431. MHD clears the whole pool for
 * each request on a kept-alive connection, so it costs time per request:
 * 256 KiB takes about 10 us more than 64 KiB (measured: 88k -> 47k req/s
 * for a fixed body), 1 MiB about 120 us. */
#define CONN_MEMORY ((size_t)256 << 10)
#define MAX_URI 16384
#define MAX_HEADER_BYTES 65536
#define MAX_HEADERS 200
#define MAX_COOKIES 300

struct framing {
    int content_length, transfer_encoding;
    size_t header_bytes;
    int headers;
};

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    (void)value;
    struct framing *f = cls;
    f->headers++;
    f->header_bytes += (key ? strlen(key) : 0) + (value ? strlen(value) : 0) + 4;
    if (key && strcasecmp(key, "Content-Length") == 0)
        f->content_length++;
    else if (key && strcasecmp(key, "Transfer-Encoding") == 0)
        f->transfer_encoding++;
    return MHD_YES;
}

/* A body over --max-body is read and dropped, up to DISCARD_MAX bytes or
 * DISCARD_SECONDS, before the 413 is sent: answered at once, the connection
 * is closed with the body unread, the kernel resets it, and a client still
 * sending (curl, urllib3, browsers) reports "connection reset" instead of
 * the 413. Past either limit, or with Expect: 100-continue (the client waits
 * for us before sending), the 413 goes at once. */
#define DISCARD_MAX ((size_t)128 << 20)
#define DISCARD_SECONDS 10.0

static double now_s(void);

static int discard_more(struct rq *rq, size_t n)
{
    rq->discarded += n;
    return rq->discarded <= DISCARD_MAX && now_s() - rq->discard_since < DISCARD_SECONDS;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    (void)cls;
    (void)version;
    struct rq *rq = *req_cls;
    if (!rq) {
        rq = kb_xcalloc(1, sizeof *rq);
        kb_buf_init(&rq->body);
        *req_cls = rq;
    }
    if (!rq->first_done) {
        rq->first_done = 1;
        atomic_fetch_add(&in_flight, 1);
        rq->counted = 1;
        /* Two framings that disagree are how requests are smuggled past a
         * proxy: refuse them rather than pick one. */
        struct framing f = {0, 0, 0, 0};
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
        rq->bad_framing = f.content_length > 1 || (f.content_length && f.transfer_encoding);
        if (rq->uri_len > MAX_URI)
            rq->head_error = 414;
        else if (f.header_bytes > MAX_HEADER_BYTES || f.headers > MAX_HEADERS ||
                 MHD_get_connection_values(conn, MHD_COOKIE_KIND, NULL, NULL) > MAX_COOKIES)
            rq->head_error = 431;
        if (rq->head_error)
            rq->bad_framing = 0;
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > g_srv->opts.max_body) {
            rq->too_big = 1;
            rq->discard_since = now_s();
        }
        int refused = rq->nul || rq->bad_framing || rq->head_error;
        if (!rq->too_big && !refused)
            return MHD_YES;
        if (rq->too_big && !refused && declared <= DISCARD_MAX &&
            !MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect"))
            return MHD_YES; /* read and drop the body, then answer */
        /* Refused now: MHD answers, then closes. */
    }
    struct conn_watch *cw = conn_watch_of(conn);
    if (*upload_data_size) {
        if (cw)
            atomic_fetch_add(&cw->body, *upload_data_size);
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (!rq->too_big) {
            if (rq->body.len + n <= g_srv->opts.max_body) {
                kb_buf_add(&rq->body, upload_data, n);
                return MHD_YES;
            }
            rq->too_big = 1;
            rq->discard_since = now_s();
            kb_buf_release(&rq->body);
            kb_buf_init(&rq->body);
        }
        if (discard_more(rq, n))
            return MHD_YES;
        /* Too much or too long to drop: answer now; MHD then closes. */
    }
    if (cw)
        atomic_store(&cw->answering, 1);
    double t0 = now_s();
    struct srv_resp w;
    memset(&w, 0, sizeof w);
    w.status = 200;
    kb_buf_init(&w.body);
    kb_buf_init(&w.headers);
    int cors = 0, staff = 0;
    const char *route = NULL;
    if (rq->head_error == 414) {
        srv_error(&w, 414, "uri_too_long", "the request target is %zu bytes; the limit is %d",
                  rq->uri_len, MAX_URI);
    } else if (rq->head_error == 431) {
        srv_error(&w, 431, "headers_too_large", "the request headers are over the limits: "
                  "%d bytes, %d headers, %d cookies", MAX_HEADER_BYTES, MAX_HEADERS, MAX_COOKIES);
    } else if (rq->bad_framing) {
        srv_error(&w, 400, "bad_request",
                  "conflicting Content-Length and Transfer-Encoding headers");
    } else if (rq->nul) {
        srv_error(&w, 400, "bad_request", "the request URI contains an encoded NUL (%%00)");
    } else if (rq->too_big) {
        srv_error(&w, 413, "too_large", "request body is larger than %zu bytes",
                  g_srv->opts.max_body);
    } else {
        dispatch(conn, url, method, rq, &w, &cors, &route, &staff);
    }
    srv_scale_decorate(route, staff, &w);
    if (w.status >= 500)
        kb_log(KB_LOG_ERROR, "server: %s %s -> %d", method, url, w.status);
    srv_metrics_observe(g_srv, route, method, w.status, now_s() - t0);
    enum MHD_Result ret = send_resp(conn, &w, cors, route);
    kb_buf_release(&w.body);
    kb_buf_release(&w.headers);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    struct conn_watch *cw = conn_watch_of(conn);
    if (cw) {
        /* The next request on this connection starts its own clock. */
        atomic_store(&cw->body, 0);
        atomic_store(&cw->since, mono_s());
        atomic_store(&cw->answering, 0);
    }
    struct rq *rq = *req_cls;
    if (!rq)
        return;
    if (rq->counted)
        atomic_fetch_sub(&in_flight, 1);
    kb_buf_release(&rq->body);
    free(rq);
    *req_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    kb_log(KB_LOG_DEBUG, "http: %s", line);
}

struct srv_http {
    struct MHD_Daemon *d;
    struct srv_accept *acc; /* our listening socket (http_accept.c) */
    unsigned port;
};

/* A connection http_accept.c has read the first head of. */
static void hand_to_mhd(void *ctx, int fd, const struct sockaddr *addr, socklen_t len)
{
    struct MHD_Daemon *d = ctx;
    if (MHD_add_connection(d, fd, addr, len) != MHD_YES)
        kb_log(KB_LOG_DEBUG, "http: connection refused (limit or memory)");
}

static unsigned mhd_connections(void *ctx)
{
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(ctx, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return di ? di->num_connections : 0;
}

/* The connection limit: 10,000, or fewer when the open-file limit (raised
 * to its hard maximum first: `ulimit -n` is often 1024) would otherwise run
 * out before it, leaving no descriptor for SQLite and Xapian (503s) and
 * connections beyond it waiting in the backlog. */
static unsigned connection_limit(unsigned threads)
{
    unsigned limit = 10000;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return limit;
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit want = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        return limit;
    /* Each worker keeps a store (3 files) and two index readers (about 20),
     * the index thread the writable index; static files and temporary files
     * come and go. */
    rlim_t reserve = 64 + 40 * ((rlim_t)threads + 1);
    rlim_t avail = rl.rlim_cur > reserve + 16 * threads ? rl.rlim_cur - reserve : 16 * threads;
    if (avail < limit) {
        limit = (unsigned)avail;
        kb_log(KB_LOG_WARN, "http: open-file limit %llu allows only %u connections; raise "
               "`ulimit -n` for more", (unsigned long long)rl.rlim_cur, limit);
    }
    return limit;
}

struct srv_http *srv_http_start(struct srv *s, struct kb_err *err)
{
    g_srv = s;
    unsigned max_conns = connection_limit(s->opts.threads);
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    struct sockaddr *sa;
    /* No listening socket of MHD's: http_accept.c accepts and hands over. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
    socklen_t salen;
    memset(&a4, 0, sizeof a4);
    memset(&a6, 0, sizeof a6);
    if (inet_pton(AF_INET, s->opts.listen_host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)s->opts.port);
        sa = (struct sockaddr *)&a4;
        salen = sizeof a4;
    } else if (inet_pton(AF_INET6, s->opts.listen_host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)s->opts.port);
        sa = (struct sockaddr *)&a6;
        salen = sizeof a6;
        flags |= MHD_USE_IPv6;
    } else {
        kb_err_set(err, KB_EINVAL, "cannot listen on '%s': not an IPv4 or IPv6 address",
                   s->opts.listen_host);
        return NULL;
    }
    struct kb_err lerr;
    struct srv_accept *acc = srv_accept_listen(sa, salen, &lerr);
    if (!acc) {
        kb_err_set(err, KB_EIO, "cannot listen on %s:%u: %s", s->opts.listen_host, s->opts.port,
                   lerr.msg);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->opts.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s->opts.idle_timeout,
        MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)0,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_END);
    struct srv_accept_opts ao = {hand_to_mhd, mhd_connections, d, s->opts.idle_timeout,
                                 max_conns, MAX_COOKIES};
    if (!d || srv_accept_run(acc, &ao) != 0) {
        kb_err_set(err, KB_EIO, "cannot start the HTTP server on %s:%u", s->opts.listen_host,
                   s->opts.port);
        srv_accept_stop(acc);
        if (d)
            MHD_stop_daemon(d);
        return NULL;
    }
    atomic_store(&watch_stop, 0);
    watch_running = pthread_create(&watch_thread, NULL, watch_main, NULL) == 0;
    if (!watch_running)
        kb_log(KB_LOG_WARN, "http: cannot start the slow-client watchdog");
    struct srv_http *h = kb_xcalloc(1, sizeof *h);
    h->d = d;
    h->acc = acc;
    h->port = srv_accept_port(acc);
    return h;
}

unsigned srv_http_port(const struct srv_http *h)
{
    return h->port;
}

void srv_http_stop(struct srv_http *h, int grace_ms)
{
    if (!h)
        return;
    /* Stop accepting, let in-flight requests finish, then close. */
    srv_accept_stop(h->acc);
    h->acc = NULL;
    for (int waited = 0; atomic_load(&in_flight) > 0 && waited < grace_ms; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (watch_running) {
        atomic_store(&watch_stop, 1);
        pthread_join(watch_thread, NULL);
        watch_running = 0;
    }
    MHD_stop_daemon(h->d);
    free(h);
}
