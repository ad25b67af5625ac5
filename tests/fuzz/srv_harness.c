/* See srv_harness.h. Replaces server/http_mhd.c, server/sync_thread.c and
 * server/ctx.c in the fuzz build only: requests go through the server's own
 * dispatch (server/dispatch.c), as data. */
#include "srv_harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fuzz_common.h"
#include "kb/store/auth.h"
#include "kb/ingest/ingest.h"
#include "kb/base/log.h"
#include "kb/sync/sync.h"
#include "kb/base/text.h"
#include "kb/store/capability.h"
#include "server/dispatch.h"
#include "server/ratelimit.h"

static struct srv the_srv;
static struct srv_ctx the_ctx;
static struct kb_store *sync_st;
static struct kb_index *sync_ix;
static struct fuzz_kb kb;
/* An API token per staff role: a request "as" a role carries it. */
static char role_token[4][KB_AUTH_TOKEN_LEN + 1];

/* ---- what http_mhd.c and sync_thread.c provide ---- */

struct srv_ctx *srv_thread_ctx(struct srv *s, struct srv_resp *w)
{
    (void)s;
    (void)w;
    return &the_ctx;
}

void srv_ctx_free_all(struct srv *s)
{
    (void)s;
}

struct kb_index *srv_index(struct srv_ctx *c, struct srv_resp *w)
{
    struct kb_err err;
    uint64_t gen = atomic_load(&c->srv->index_gen);
    if (!c->ix) {
        if (kb_index_open(c->srv->index_dir, KB_INDEX_READ, &c->ix, &err) != 0) {
            srv_error(w, 503, "unavailable", "the search index is not ready");
            return NULL;
        }
        c->ix_gen = gen;
    } else if (c->ix_gen != gen) {
        if (kb_index_reopen(c->ix, &err) != 0)
            fuzz_fail("index reopen: %s", err.msg);
        c->ix_gen = gen;
    }
    return c->ix;
}

/* The sync thread's pass, run at once. */
void srv_changed(struct srv *s)
{
    struct kb_err err;
    size_t applied = 0;
    if (kb_sync_apply(sync_st, sync_ix, 0, &applied, &err) != 0)
        fuzz_fail("sync: %s", err.msg);
    if (kb_sync_synonyms(sync_st, sync_ix, &err) != 0 || kb_index_commit(sync_ix, -1, &err) != 0)
        fuzz_fail("sync synonyms: %s", err.msg);
    int64_t seq = 0;
    if (kb_index_last_seq(sync_ix, KB_DB_PUBLIC, &seq, NULL) == 0)
        atomic_store(&s->indexed_seq, seq);
    atomic_fetch_add(&s->index_gen, 1);
}

int srv_wait_indexed(struct srv_ctx *c, int ms)
{
    (void)ms;
    srv_changed(c->srv);
    return 1;
}

/* ---- set-up ---- */

void fuzz_srv_init(void)
{
    static int done;
    struct kb_err err;
    if (done++)
        return;
    fuzz_kb_build(&kb);
    kb_log_level = KB_LOG_ERROR + 1; /* quiet: fuzzing makes thousands of 4xx */
    struct srv_opts *o = &the_srv.opts;
    o->data = kb.data;
    o->listen_host = "127.0.0.1";
    o->threads = 1;
    o->max_body = SRV_MAX_BODY_DEFAULT;
    o->idle_timeout = 30;
    static char web[4096];
    snprintf(web, sizeof web, "%s/web", kb.root);
    o->web_dir = web;
    snprintf(the_srv.store_path, sizeof the_srv.store_path, "%s", kb.store_path);
    snprintf(the_srv.index_dir, sizeof the_srv.index_dir, "%s", kb.index_dir);
    the_srv.started = time(NULL);
    pthread_mutex_init(&the_srv.sync_mu, NULL);
    pthread_cond_init(&the_srv.sync_cv, NULL);
    if (kb_store_open(the_srv.store_path, &sync_st, &err) != 0 ||
        kb_index_open(the_srv.index_dir, KB_INDEX_WRITE, &sync_ix, &err) != 0)
        fuzz_fail("harness: %s", err.msg);
    the_ctx.srv = &the_srv;
    if (kb_store_open(the_srv.store_path, &the_ctx.st, &err) != 0 ||
        kb_cap_keys_load(the_ctx.st, &the_srv.caps, &err) != 0)
        fuzz_fail("harness: %s", err.msg);
    the_srv.metrics = srv_metrics_new();
    the_srv.ratelimit = srv_ratelimit_new();
    the_srv.event_ratelimit = srv_ratelimit_new();
    pthread_mutex_init(&the_srv.ctx_mu, NULL);
    for (int role = KB_ROLE_AGENT; role <= KB_ROLE_ADMIN; role++) {
        int64_t id;
        char name[32];
        snprintf(name, sizeof name, "fuzz-%s", kb_role_name(role));
        if (kb_auth_token_create(the_ctx.st, name, role, "fuzz", role_token[role], &id, &err))
            fuzz_fail("harness: %s", err.msg);
    }
    srv_changed(&the_srv);
}

/* ---- request parsing ---- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

size_t fuzz_srv_unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%' && hexval((unsigned char)r[1]) >= 0 && hexval((unsigned char)r[2]) >= 0) {
            *w++ = (char)(hexval((unsigned char)r[1]) * 16 + hexval((unsigned char)r[2]));
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

void fuzz_srv_parse_query(struct fuzz_conn *conn, char *buf, const char *qs, size_t len)
{
    memcpy(buf, qs, len);
    buf[len] = '\0';
    char *save = NULL;
    for (char *part = strtok_r(buf, "&", &save); part; part = strtok_r(NULL, "&", &save)) {
        if (conn->nargs == FUZZ_MAX_KV)
            break;
        char *eq = strchr(part, '=');
        if (eq)
            *eq = '\0';
        for (char *p = part; *p; p++)
            if (*p == '+')
                *p = ' ';
        fuzz_srv_unescape(part);
        if (eq) {
            for (char *p = eq + 1; *p; p++)
                if (*p == '+')
                    *p = ' ';
            fuzz_srv_unescape(eq + 1);
        }
        /* MHD keeps a key without '=' with a NULL value: lookups find NULL. */
        conn->args[conn->nargs].name = part;
        conn->args[conn->nargs++].value = eq ? eq + 1 : NULL;
    }
}

void fuzz_srv_parse_cookies(struct fuzz_conn *conn, char *buf, const char *value)
{
    strcpy(buf, value);
    char *save = NULL;
    for (char *part = strtok_r(buf, ";", &save); part; part = strtok_r(NULL, ";", &save)) {
        if (conn->ncookies == FUZZ_MAX_KV)
            break;
        while (*part == ' ' || *part == '\t')
            part++;
        char *eq = strchr(part, '=');
        if (!eq)
            continue;
        *eq = '\0';
        char *v = eq + 1;
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
            v[n - 1] = '\0';
            v++;
        }
        conn->cookies[conn->ncookies].name = part;
        conn->cookies[conn->ncookies++].value = v;
    }
}

/* ---- one request ---- */

static void check_response(const char *method, const char *path, const struct srv_resp *w)
{
    if (w->status < 100 || w->status > 599)
        fuzz_fail("%s %s: status %d", method, path, w->status);
    if (w->status == 500)
        fuzz_fail("%s %s: 500 for client input: %.300s", method, path, kb_buf_str(&w->body));
    const char *body = kb_buf_str(&w->body);
    if (!kb_utf8_valid(body, w->body.len) && (!w->type || !strstr(w->type, "image/")))
        fuzz_fail("%s %s: response body is not valid utf-8", method, path);
    if (!w->type || strncmp(w->type, "application/json", 16) == 0) {
        if (w->status != 204 && strcmp(method, "HEAD") != 0) {
            json_error_t je;
            json_t *j = json_loadb(body, w->body.len, 0, &je);
            if (!j)
                fuzz_fail("%s %s: %d with a body that is not JSON (%s): %.300s", method, path,
                          w->status, je.text, body);
            if (w->status >= 400 && !json_is_object(json_object_get(j, "error")))
                fuzz_fail("%s %s: %d without an error object: %.300s", method, path, w->status,
                          body);
            json_decref(j);
        }
    }
    for (size_t i = 0; i < w->nhdr; i++)
        if (strpbrk(w->hdr[i].name, "\r\n") || strpbrk(w->hdr[i].value, "\r\n"))
            fuzz_fail("%s %s: CR or LF in a response header", method, path);
}

/* conn's values as the request's (without the credentials a request "as"
 * a role replaces). */
static size_t copy_kv(const struct fuzz_kv *in, int n, struct srv_kv *out, int drop_auth)
{
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (drop_auth && (strcasecmp(in[i].name, "Authorization") == 0 ||
                          strcmp(in[i].name, "kb_session") == 0))
            continue;
        out[k++] = (struct srv_kv){in[i].name, in[i].value};
    }
    return k;
}

int fuzz_srv_request(const char *method, const char *path, struct fuzz_conn *conn,
                     const char *body, size_t body_len, int role)
{
    struct srv_resp w;
    srv_resp_init(&w);
    char *b = kb_xmalloc(body_len + 1);
    memcpy(b, body, body_len);
    b[body_len] = '\0';
    struct srv_kv args[FUZZ_MAX_KV], headers[FUZZ_MAX_KV + 1], cookies[FUZZ_MAX_KV];
    int as_role = role >= KB_ROLE_CUSTOMER && role <= KB_ROLE_ADMIN;
    struct srv_req r;
    memset(&r, 0, sizeof r);
    r.method = method;
    r.path = path;
    r.body = b;
    r.body_len = body_len;
    r.client = "127.0.0.1";
    r.fd = -1;
    r.args = args;
    r.nargs = copy_kv(conn->args, conn->nargs, args, 0);
    r.headers = headers;
    r.nheaders = copy_kv(conn->headers, conn->nheaders, headers, as_role);
    r.cookies = cookies;
    r.ncookies = copy_kv(conn->cookies, conn->ncookies, cookies, as_role);
    char authz[KB_AUTH_TOKEN_LEN + 16];
    if (as_role && role > KB_ROLE_CUSTOMER) {
        snprintf(authz, sizeof authz, "Bearer %s", role_token[role]);
        headers[r.nheaders++] = (struct srv_kv){"Authorization", authz};
    }
    struct srv_dispatch_out out = {0, NULL, 0};
    if (body_len > the_srv.opts.max_body) /* the HTTP adapter's check */
        srv_error(&w, 413, "too_large", "request body is too large");
    else
        srv_dispatch(&the_srv, &r, &w, &out);
    w.route = out.route;
    check_response(method, path, &w);
    if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "fuzz: %s %s -> %d %.160s\n", method, path, w.status,
                w.type && strncmp(w.type, "text/html", 9) == 0 ? "(html)" : kb_buf_str(&w.body));
    srv_metrics_observe(&the_srv, w.route, method, w.status, 0.001);
    int status = w.status;
    srv_resp_release(&w);
    free(b);
    return status;
}

/* ---- requests as text ---- */

int fuzz_srv_run_text(const uint8_t *data, size_t size, int with_headers)
{
    char *buf = kb_xmalloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *end = buf + size;
    char *nl = memchr(buf, '\n', size);
    char *line_end = nl ? nl : end;
    *line_end = '\0';
    char *body = nl ? nl + 1 : end;
    int status = 0;
    if (strlen(buf) != (size_t)(line_end - buf))
        goto out; /* a NUL in the request line: MHD refuses it */

    /* "METHOD TARGET [ROLE]" */
    char *save = NULL;
    char *method = strtok_r(buf, " ", &save);
    char *target = method ? strtok_r(NULL, " ", &save) : NULL;
    char *role_s = target ? strtok_r(NULL, " ", &save) : NULL;
    if (!method || !target)
        goto out;
    int role = -1;
    if (role_s) {
        role = kb_role_parse(role_s);
        if (role < 0)
            goto out;
    }
    if (strstr(target, "%00")) {
        status = 400; /* http_mhd.c refuses an encoded NUL before decoding */
        goto out;
    }
    struct fuzz_conn conn;
    memset(&conn, 0, sizeof conn);
    char *q = strchr(target, '?');
    char *qbuf = kb_xmalloc(q ? strlen(q) + 1 : 1);
    if (q) {
        *q = '\0';
        fuzz_srv_parse_query(&conn, qbuf, q + 1, strlen(q + 1));
    }
    fuzz_srv_unescape(target);

    /* "Name: value" lines up to an empty line. */
    char *owned[FUZZ_MAX_KV + 1];
    int nowned = 0;
    char *cookie_buf = NULL;
    while (with_headers && body < end) {
        char *e = memchr(body, '\n', (size_t)(end - body));
        char *le = e ? e : end;
        char *line = body;
        body = e ? e + 1 : end;
        if (le > line && le[-1] == '\r')
            le--;
        *le = '\0';
        if (!*line)
            break;
        char *colon = strchr(line, ':');
        if (!colon || conn.nheaders == FUZZ_MAX_KV)
            continue;
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vn;
        char *value = fuzz_kb_subst(&kb, v, strlen(v), &vn);
        owned[nowned++] = value;
        conn.headers[conn.nheaders].name = line;
        conn.headers[conn.nheaders++].value = value;
        if (strcasecmp(line, "Cookie") == 0 && !cookie_buf) {
            cookie_buf = kb_xmalloc(vn + 1);
            fuzz_srv_parse_cookies(&conn, cookie_buf, value);
        }
    }
    status = fuzz_srv_request(method, target, &conn, body, (size_t)(end - body), role);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    free(cookie_buf);
    free(qbuf);
out:
    free(buf);
    return status;
}
