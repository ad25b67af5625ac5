/* The only file that sees libmicrohttpd: the daemon, reading request heads
 * and bodies (with our limits on both, and slow clients cut off), making
 * each request a struct srv_req for dispatch.c, and turning the struct
 * srv_resp into an MHD response (after libmicrohttpd
 * doc/examples/simplepost.c). */
#include <arpa/inet.h>
#include <errno.h>
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
#include "dispatch.h"
#include "routes.h"
#include "scale/scaleout.h"

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
    size_t max_body; /* --max-body, or SRV_UPLOAD_MAX for an upload route if larger */
    int upload;      /* an SRV_UPLOAD route */
    int head_read;   /* args, headers and cookies below are collected */
    int head_refused;           /* srv_dispatch_head refused: answer head_resp */
    struct srv_resp head_resp;
    /* The head as data for struct srv_req (values borrowed from MHD). */
    struct kv_list {
        struct srv_kv *v;
        size_t n, cap;
    } args, headers, cookies;
};

struct conn_watch;

/* The HTTP side of the server: MHD's daemon, our listening socket, and the
 * slow-client watchdog. MHD's callbacks get it as their closure. */
struct srv_http {
    struct srv *s;
    struct MHD_Daemon *d;
    struct srv_accept *acc; /* our listening socket (http_accept.c) */
    unsigned port;
    atomic_int in_flight;
    pthread_mutex_t watch_mu;
    struct conn_watch *watch_head;
    pthread_t watch_thread;
    atomic_int watch_stop;
    int watch_running;
    char *tls_cert, *tls_key; /* PEM text of --tls-cert and --tls-key, or NULL */
};

static enum MHD_Result add_kv(void *cls, enum MHD_ValueKind kind, const char *key,
                              const char *value)
{
    (void)kind;
    struct kv_list *l = cls;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = kb_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = (struct srv_kv){key, value};
    return MHD_YES;
}

/* ---- helpers ---- */

static void read_head(struct MHD_Connection *conn, struct rq *rq)
{
    if (rq->head_read)
        return;
    rq->head_read = 1;
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, add_kv, &rq->args);
    MHD_get_connection_values(conn, MHD_HEADER_KIND, add_kv, &rq->headers);
    MHD_get_connection_values(conn, MHD_COOKIE_KIND, add_kv, &rq->cookies);
}

static void client_addr(const struct srv *s, struct MHD_Connection *conn, char *out, size_t n)
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
    if (s->opts.trust_proxy) {
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

/* r as the request's head: method, path, client (into client[n]), args,
 * headers and cookies; no body yet. */
static void head_req(const struct srv *s, struct MHD_Connection *conn, struct rq *rq,
                     const char *method, const char *url, char *client, size_t n,
                     struct srv_req *r)
{
    client_addr(s, conn, client, n);
    read_head(conn, rq);
    memset(r, 0, sizeof *r);
    r->method = method;
    r->path = url;
    r->client = client;
    r->args = rq->args.v;
    r->nargs = rq->args.n;
    r->headers = rq->headers.v;
    r->nheaders = rq->headers.n;
    r->cookies = rq->cookies.v;
    r->ncookies = rq->cookies.n;
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
    for (size_t i = 0; i < w->nhdr; i++)
        MHD_add_response_header(resp, w->hdr[i].name, w->hdr[i].value);
    (void)route;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)w->status, resp);
    MHD_destroy_response(resp);
    return ret;
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
    struct srv_http *h = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_watch *w = kb_xcalloc(1, sizeof *w);
        w->fd = ci ? ci->connect_fd : -1;
        atomic_store(&w->since, mono_s());
        pthread_mutex_lock(&h->watch_mu);
        w->next = h->watch_head;
        if (h->watch_head)
            h->watch_head->prev = w;
        h->watch_head = w;
        pthread_mutex_unlock(&h->watch_mu);
        *socket_context = w;
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED && *socket_context) {
        struct conn_watch *w = *socket_context;
        pthread_mutex_lock(&h->watch_mu);
        if (w->prev)
            w->prev->next = w->next;
        else
            h->watch_head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&h->watch_mu);
        free(w);
        *socket_context = NULL;
    }
}

static void *watch_main(void *arg)
{
    struct srv_http *h = arg;
    long long limit = h->s->opts.idle_timeout;
    while (!atomic_load(&h->watch_stop)) {
        struct timespec ts = {0, 250 * 1000 * 1000};
        nanosleep(&ts, NULL);
        long long now = mono_s();
        unsigned shut = 0;
        pthread_mutex_lock(&h->watch_mu);
        for (struct conn_watch *w = h->watch_head; w; w = w->next) {
            if (w->shut || w->fd < 0 || atomic_load(&w->answering))
                continue;
            long long allowed = limit + (long long)(atomic_load(&w->body) / 1024);
            if (now - atomic_load(&w->since) > allowed) {
                shutdown(w->fd, SHUT_RDWR);
                w->shut = 1;
                shut++;
            }
        }
        pthread_mutex_unlock(&h->watch_mu);
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
    (void)version;
    struct srv_http *h = cls;
    struct srv *s = h->s;
    struct rq *rq = *req_cls;
    if (!rq) {
        rq = kb_xcalloc(1, sizeof *rq);
        kb_buf_init(&rq->body);
        *req_cls = rq;
    }
    if (!rq->first_done) {
        rq->first_done = 1;
        atomic_fetch_add(&h->in_flight, 1);
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
        rq->max_body = s->opts.max_body;
        rq->upload = (srv_route_flags(method, url) & SRV_UPLOAD) != 0;
        if (rq->upload && rq->max_body < SRV_UPLOAD_MAX)
            rq->max_body = SRV_UPLOAD_MAX;
        /* An upload's sender is checked before its megabytes are read. */
        if (rq->upload && !rq->head_error && !rq->bad_framing && !rq->nul) {
            char client[64];
            struct srv_req r;
            head_req(s, conn, rq, method, url, client, sizeof client, &r);
            srv_resp_init(&rq->head_resp);
            rq->head_refused = srv_dispatch_head(s, &r, &rq->head_resp) != 0;
            if (!rq->head_refused)
                srv_resp_release(&rq->head_resp);
        }
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        unsigned long long declared = cl ? strtoull(cl, NULL, 10) : 0;
        if (declared > rq->max_body) {
            rq->too_big = 1;
            rq->discard_since = now_s();
        }
        int refused = rq->nul || rq->bad_framing || rq->head_error || rq->head_refused;
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
            if (rq->body.len + n <= rq->max_body) {
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
    srv_resp_init(&w);
    struct srv_dispatch_out d = {0, NULL, 0};
    if (rq->head_refused) {
        srv_resp_release(&w);
        w = rq->head_resp;
        rq->head_refused = 0;
    } else if (rq->head_error == 414) {
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
        if (rq->upload)
            srv_error(&w, 413, "too_large", "the image is larger than %zu bytes (%zu MiB), the "
                      "upload limit", rq->max_body, rq->max_body >> 20);
        else
            srv_error(&w, 413, "too_large", "request body is larger than %zu bytes",
                      rq->max_body);
    } else {
        char client[64];
        struct srv_req r;
        head_req(s, conn, rq, method, url, client, sizeof client, &r);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        r.body = kb_buf_str(&rq->body);
        r.body_len = rq->body.len;
        r.fd = ci ? ci->connect_fd : -1;
        srv_dispatch(s, &r, &w, &d);
    }
    const char *route = d.route;
    if (w.status >= 500)
        kb_log(KB_LOG_ERROR, "server: %s %s -> %d", method, url, w.status);
    srv_metrics_observe(s, route, method, w.status, now_s() - t0);
    enum MHD_Result ret = send_resp(conn, &w, d.cors, route);
    srv_resp_release(&w);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct srv_http *h = cls;
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
        atomic_fetch_sub(&h->in_flight, 1);
    kb_buf_release(&rq->body);
    if (rq->head_refused)
        srv_resp_release(&rq->head_resp);
    free(rq->args.v);
    free(rq->headers.v);
    free(rq->cookies.v);
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

#define PEM_MAX (1 << 20)

/* The whole of a PEM file named by option opt, NUL-terminated (caller
 * frees), or NULL with err naming the file. */
static char *read_pem(const char *opt, const char *path, struct kb_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        kb_err_set(err, KB_EINVAL, "cannot read %s file '%s': %s", opt, path, strerror(errno));
        return NULL;
    }
    char *text = kb_xmalloc(PEM_MAX + 1);
    size_t n = fread(text, 1, PEM_MAX + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > PEM_MAX || !strstr((text[n] = '\0', text), "-----BEGIN ")) {
        kb_err_set(err, KB_EINVAL, "%s file '%s' is not %s", opt, path,
                   bad ? "readable" : n > PEM_MAX ? "a PEM file under 1 MiB" : "PEM text");
        free(text);
        return NULL;
    }
    return text;
}

/* HTTPS: the certificate and key as MHD options (GnuTLS in Debian's build).
 * Returns 0 (items filled, or just the end without TLS) or fills err. */
static int tls_options(struct srv_http *h, struct MHD_OptionItem items[3], unsigned *flags,
                       struct kb_err *err)
{
    const struct srv_opts *o = &h->s->opts;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    if (!o->tls_cert)
        return 0;
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
        return kb_err_set(err, KB_EINVAL, "--tls-cert: this libmicrohttpd was built without TLS");
    if (!(h->tls_cert = read_pem("--tls-cert", o->tls_cert, err)) ||
        !(h->tls_key = read_pem("--tls-key", o->tls_key, err)))
        return err ? err->code : KB_EINVAL;
    items[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert};
    items[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key};
    items[2] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    *flags |= MHD_USE_TLS;
    return 0;
}

static void http_free(struct srv_http *h)
{
    if (h->tls_key)
        explicit_bzero(h->tls_key, strlen(h->tls_key));
    free(h->tls_key);
    free(h->tls_cert);
    free(h);
}

struct srv_http *srv_http_start(struct srv *s, struct kb_err *err)
{
    struct srv_http *h = kb_xcalloc(1, sizeof *h);
    h->s = s;
    pthread_mutex_init(&h->watch_mu, NULL);
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
        free(h);
        return NULL;
    }
    struct MHD_OptionItem tls[3];
    if (tls_options(h, tls, &flags, err) != 0) {
        http_free(h);
        return NULL;
    }
    struct kb_err lerr;
    struct srv_accept *acc = srv_accept_listen(sa, salen, &lerr);
    if (!acc) {
        kb_err_set(err, KB_EIO, "cannot listen on %s:%u: %s", s->opts.listen_host, s->opts.port,
                   lerr.msg);
        http_free(h);
        return NULL;
    }
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, h,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)s->opts.threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)s->opts.idle_timeout,
        MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)0,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_ARRAY, tls,
        MHD_OPTION_END);
    struct srv_accept_opts ao = {hand_to_mhd, mhd_connections, d, s->opts.idle_timeout,
                                 max_conns, MAX_COOKIES, h->tls_cert != NULL};
    if (!d || srv_accept_run(acc, &ao) != 0) {
        if (!d && h->tls_cert)
            kb_err_set(err, KB_EINVAL, "cannot serve HTTPS with --tls-cert '%s' and --tls-key "
                       "'%s': is the key the certificate's, both PEM, the key unencrypted?",
                       s->opts.tls_cert, s->opts.tls_key);
        else
            kb_err_set(err, KB_EIO, "cannot start the HTTP server on %s:%u",
                       s->opts.listen_host, s->opts.port);
        srv_accept_stop(acc);
        if (d)
            MHD_stop_daemon(d);
        http_free(h);
        return NULL;
    }
    atomic_store(&h->watch_stop, 0);
    h->watch_running = pthread_create(&h->watch_thread, NULL, watch_main, h) == 0;
    if (!h->watch_running)
        kb_log(KB_LOG_WARN, "http: cannot start the slow-client watchdog");
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
    for (int waited = 0; atomic_load(&h->in_flight) > 0 && waited < grace_ms; waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (h->watch_running) {
        atomic_store(&h->watch_stop, 1);
        pthread_join(h->watch_thread, NULL);
        h->watch_running = 0;
    }
    MHD_stop_daemon(h->d);
    pthread_mutex_destroy(&h->watch_mu);
    http_free(h);
}
