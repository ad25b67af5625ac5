/* Tests for server/dispatch.c without a daemon: requests as data, through
 * every check before a handler (404, 405, preflight, UTF-8, credentials,
 * roles, the same-origin rule, the per-visitor event limit, visitor ids),
 * answered by the real handlers over a real store and index. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/index/index.h"
#include "kb/store/auth.h"
#include "kb/store/capability.h"
#include "server/dispatch.h"
#include "server/ratelimit.h"

static struct srv S;

/* A header of w's answer, or NULL. */
static const char *resp_header(const struct srv_resp *w, const char *name)
{
    static char value[512];
    for (size_t i = 0; i < w->nhdr; i++)
        if (strcasecmp(w->hdr[i].name, name) == 0) {
            snprintf(value, sizeof value, "%s", w->hdr[i].value);
            return value;
        }
    return NULL;
}

struct call {
    const char *method, *path, *body;
    struct srv_kv headers[4];
    size_t nheaders;
    struct srv_kv args[2];
    size_t nargs;
    struct srv_kv cookies[2];
    size_t ncookies;
    const char *client;
};

/* Dispatches c; w is released by the caller. */
static void run(const struct call *c, struct srv_resp *w, struct srv_dispatch_out *out)
{
    struct srv_req r;
    memset(&r, 0, sizeof r);
    r.method = c->method;
    r.path = c->path;
    r.body = c->body ? c->body : "";
    r.body_len = strlen(r.body);
    r.client = c->client ? c->client : "192.0.2.10";
    r.headers = c->headers;
    r.nheaders = c->nheaders;
    r.args = c->args;
    r.nargs = c->nargs;
    r.cookies = c->cookies;
    r.ncookies = c->ncookies;
    r.fd = -1;
    srv_resp_init(w);
    srv_dispatch(&S, &r, w, out);
}

static int status_of(const struct call *c, const char *want_code)
{
    struct srv_resp w;
    struct srv_dispatch_out out;
    run(c, &w, &out);
    int st = w.status;
    if (want_code) {
        CHECK_CONTAINS(kb_buf_str(&w.body), want_code);
        CHECK(strncmp(kb_buf_str(&w.body), "{\"error\":", 9) == 0);
    }
    srv_resp_release(&w);
    return st;
}

static void test_routing(void)
{
    struct call c = {"GET", "/api/v1/no-such-thing", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0, NULL};
    CHECK_INT(status_of(&c, "not_found"), 404);
    c.method = "DELETE";
    c.path = "/api/v1/search";
    struct srv_resp w;
    struct srv_dispatch_out out;
    run(&c, &w, &out);
    CHECK_INT(w.status, 405);
    CHECK_STR(resp_header(&w, "Allow"), "GET");
    srv_resp_release(&w);
    /* The widget's preflight: allowed methods and our visitor header. */
    c.method = "OPTIONS";
    run(&c, &w, &out);
    CHECK_INT(w.status, 204);
    CHECK_INT(out.cors, 1);
    CHECK_CONTAINS(resp_header(&w, "Access-Control-Allow-Headers"), "X-KB-Visitor");
    srv_resp_release(&w);
    /* The one route table holds what a primary serves its replicas (admins
     * only), and the OpenAPI description leaves it out. */
    struct call snap = {"GET", "/api/v1/replica/store", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0, NULL};
    CHECK_INT(status_of(&snap, "unauthorized"), 401);
    struct call api = {"GET", "/api/v1/openapi.json", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0, NULL};
    run(&api, &w, &out);
    CHECK_INT(w.status, 200);
    CHECK_CONTAINS(kb_buf_str(&w.body), "/api/v1/search");
    CHECK(strstr(kb_buf_str(&w.body), "/api/v1/replica/") == NULL);
    srv_resp_release(&w);
    /* Bytes that are not UTF-8, in the path or an argument. */
    struct call bad = {"GET", "/api/v1/search\xff", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0, NULL};
    CHECK_INT(status_of(&bad, "bad_request"), 400);
    struct call badarg = {"GET", "/api/v1/search", NULL, {{0}}, 0, {{"q", "caf\xc3"}}, 1, {{0}}, 0,
                          NULL};
    CHECK_INT(status_of(&badarg, "bad_parameter"), 400);
}

static void test_roles(const char *agent_token, const char *session)
{
    /* Anonymous at an admin route: log in first. */
    struct call c = {"GET", "/api/v1/users", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0, NULL};
    CHECK_INT(status_of(&c, "unauthorized"), 401);
    /* A token that does not exist: 401, never a customer's answer. */
    c.headers[0] = (struct srv_kv){"Authorization", "Bearer kbt_not_a_real_token"};
    c.nheaders = 1;
    CHECK_INT(status_of(&c, "unauthorized"), 401);
    /* An agent at an admin route: forbidden, naming the role. */
    char bearer[128];
    snprintf(bearer, sizeof bearer, "Bearer %s", agent_token);
    c.headers[0].value = bearer;
    CHECK_INT(status_of(&c, "admin"), 403);
    /* An admin's session cookie changing state from another site: refused. */
    struct call post = {"POST", "/api/v1/synonyms", "{\"term\":\"wlan\",\"synonym\":\"wifi\"}",
                        {{"Host", "help.example.com"}, {"Origin", "https://evil.example"}}, 2,
                        {{0}}, 0, {{"kb_session", session}}, 1, NULL};
    CHECK_INT(status_of(&post, "cross-site"), 403);
    /* The same from the help center's own origin passes the check. */
    post.headers[1].value = "https://help.example.com";
    CHECK(status_of(&post, NULL) < 400);
}

static void test_visitors_and_events(void)
{
    /* A customer's search gets a visitor id; an error answer never does. */
    struct call c = {"GET", "/api/v1/search", NULL, {{0}}, 0, {{"q", "router"}}, 1, {{0}}, 0, NULL};
    struct srv_resp w;
    struct srv_dispatch_out out;
    run(&c, &w, &out);
    CHECK_INT(w.status, 200);
    const char *v = resp_header(&w, "X-KB-Visitor");
    char visitor[KB_VISITOR_LEN + 1] = "";
    if (v)
        snprintf(visitor, sizeof visitor, "%s", v);
    CHECK(kb_visitor_valid(&S.caps, visitor));
    CHECK_CONTAINS(kb_buf_str(&w.body), "\"search_id\":\"");
    srv_resp_release(&w);
    struct call missing = {"GET", "/api/v1/articles/KB-999999", NULL, {{0}}, 0, {{0}}, 0, {{0}}, 0,
                           NULL};
    run(&missing, &w, &out);
    CHECK_INT(w.status, 404);
    CHECK(resp_header(&w, "X-KB-Visitor") == NULL);
    CHECK(resp_header(&w, "Set-Cookie") == NULL);
    srv_resp_release(&w);

    /* Events: the third from one visitor within the minute is refused. */
    S.opts.event_rate = 2;
    struct call ev = {"POST", "/api/v1/events", "{\"type\":\"submitted\"}",
                      {{"X-KB-Visitor", visitor}}, 1, {{0}}, 0, {{0}}, 0, NULL};
    CHECK_INT(status_of(&ev, NULL), 202);
    CHECK_INT(status_of(&ev, NULL), 202);
    run(&ev, &w, &out);
    CHECK_INT(w.status, 429);
    CHECK(resp_header(&w, "Retry-After") != NULL);
    srv_resp_release(&w);
    /* Another visitor is not held back by the first. */
    ev.nheaders = 0;
    ev.client = "198.51.100.7";
    CHECK_INT(status_of(&ev, NULL), 202);
    S.opts.event_rate = 0;
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    char dir[] = "/tmp/kb-test-dispatch-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(S.store_path, sizeof S.store_path, "%s/kb.sqlite3", dir);
    snprintf(S.index_dir, sizeof S.index_dir, "%s/index", dir);
    S.opts.max_body = SRV_MAX_BODY_DEFAULT;
    S.metrics = srv_metrics_new();
    S.ratelimit = srv_ratelimit_new();
    S.event_ratelimit = srv_ratelimit_new();
    pthread_mutex_init(&S.ctx_mu, NULL);
    pthread_mutex_init(&S.sync_mu, NULL);
    pthread_cond_init(&S.sync_cv, NULL);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    struct kb_err err;
    char token[KB_AUTH_TOKEN_LEN + 1], session[KB_AUTH_SESSION_LEN + 1];
    int64_t id;
    struct kb_auth_user u;
    CHECK_INT(kb_store_open(S.store_path, &st, &err), 0);
    CHECK_INT(kb_cap_keys_load(st, &S.caps, &err), 0);
    CHECK_INT(kb_auth_token_create(st, "console", KB_ROLE_AGENT, "test", token, &id, &err), 0);
    CHECK_INT(kb_auth_user_add(st, "root", "correct horse battery", KB_ROLE_ADMIN, &id, &err), 0);
    int64_t retry = 0;
    CHECK_INT(kb_auth_login(st, "root", "correct horse battery", "192.0.2.1", NULL, session, &u,
                            &retry, &err),
              0);
    CHECK_INT(kb_index_open(S.index_dir, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(kb_index_commit(ix, 0, &err), 0);
    kb_index_close(ix);
    kb_store_close(st);

    test_routing();
    test_roles(token, session);
    test_visitors_and_events();

    srv_ctx_free_all(&S);
    srv_ratelimit_free(S.ratelimit);
    srv_ratelimit_free(S.event_ratelimit);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_dispatch");
}
