/* Health, Prometheus metrics, and the OpenAPI description built from the
 * route tables themselves (so it lists exactly what the server answers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "routes.h"
#include "kb/base/datadir.h"
#include "kb/store/changes.h"
#include "scale/scaleout.h"
#include "srv.h"

/* Anonymous callers learn only whether the service is up: the counters
 * move with internal drafts and ticket imports, so they are for staff (and
 * the replicas, which read them with their primary token). */
static void h_healthz(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_index *ix = srv_index(c, w);
    if (!ix) {
        if (r->who.role < KB_ROLE_AGENT)
            srv_json(w, 503, json_pack("{s:s}", "status", "unavailable"));
        return;
    }
    if (r->who.role < KB_ROLE_AGENT) {
        srv_json(w, 200, json_pack("{s:s}", "status", "ok"));
        return;
    }
    int64_t last = 0;
    kb_store_outbox_last(c->st, &last, NULL);
    int64_t applied = atomic_load(&c->srv->indexed_seq);
    int64_t logged = 0;
    kb_store_changes_last(c->st, &logged, NULL);
    json_t *j = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "status", "ok", "uptime_seconds",
                          (json_int_t)(time(NULL) - c->srv->started), "changes_written",
                          (json_int_t)last, "changes_indexed", (json_int_t)applied, "pending",
                          (json_int_t)(last > applied ? last - applied : 0), "changes_logged",
                          (json_int_t)logged);
    srv_scale_health(j); /* a replica's or shard reader's own fields */
    srv_json(w, 200, j);
}

static void h_metrics(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_buf b = KB_BUF_INIT;
    srv_metrics_render(c->srv, &b);
    struct kb_index *ix = srv_index(c, w);
    if (ix) {
        uint64_t pub = 0, internal = 0;
        kb_index_count(ix, KB_DB_PUBLIC, &pub, NULL);
        kb_index_count(ix, KB_DB_INTERNAL, &internal, NULL);
        kb_buf_printf(&b, "# HELP kb_index_documents Documents in the index by audience.\n"
                          "# TYPE kb_index_documents gauge\n"
                          "kb_index_documents{audience=\"public\"} %llu\n"
                          "kb_index_documents{audience=\"internal\"} %llu\n",
                      (unsigned long long)pub, (unsigned long long)internal);
    }
    kb_buf_printf(&b, "# HELP kb_index_bytes Size of the index on disk.\n# TYPE kb_index_bytes gauge\n"
                      "kb_index_bytes %lld\n", (long long)kb_tree_bytes(c->srv->index_dir));
    int64_t last = 0;
    kb_store_outbox_last(c->st, &last, NULL);
    int64_t applied = atomic_load(&c->srv->indexed_seq);
    kb_buf_printf(&b, "# HELP kb_index_pending_changes Store changes not yet in the index.\n"
                      "# TYPE kb_index_pending_changes gauge\nkb_index_pending_changes %lld\n",
                  (long long)(last > applied ? last - applied : 0));
    srv_scale_metrics(&b); /* a replica's gauges */
    srv_html(w, 200, &b);
    w->type = "text/plain; version=0.0.4; charset=utf-8";
}

struct api_doc {
    json_t *paths;
};

static void add_route(void *ud, const struct srv_route *r)
{
    struct api_doc *d = ud;
    if (r->flags & SRV_REPLICATION)
        return; /* between our own servers, not an API for clients */
    if (strncmp(r->pattern, "/api/", 5) != 0 && strcmp(r->pattern, "/healthz") != 0 &&
        strcmp(r->pattern, "/metrics") != 0)
        return;
    /* A trailing "*" (the rest of the path) is a path parameter to OpenAPI. */
    char path[256];
    snprintf(path, sizeof path, "%s", r->pattern);
    size_t plen = strlen(path);
    if (plen && path[plen - 1] == '*')
        snprintf(path + plen - 1, sizeof path - plen + 1, "{path}");
    json_t *item = json_object_get(d->paths, path);
    if (!item) {
        item = json_object();
        json_object_set_new(d->paths, path, item);
    }
    char method[16];
    size_t i = 0;
    for (; r->method[i] && i < sizeof method - 1; i++)
        method[i] = (char)(r->method[i] | 0x20);
    method[i] = '\0';
    json_t *op = json_object();
    if (r->summary)
        json_object_set_new(op, "summary", json_string(r->summary));
    json_t *params = json_array();
    for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close)
            break;
        json_array_append_new(params, json_pack("{s:s%, s:s, s:b, s:{s:s}}", "name", p + 1,
                                                (size_t)(close - p - 1), "in", "path", "required", 1,
                                                "schema", "type", "string"));
    }
    if (json_array_size(params))
        json_object_set_new(op, "parameters", params);
    else
        json_decref(params);
    if (r->min_role > KB_ROLE_CUSTOMER) {
        json_object_set_new(op, "security", json_pack("[{s:[]}, {s:[]}]", "session", "token"));
        json_object_set_new(op, "x-kb-role", json_string(kb_role_name(r->min_role)));
    }
    json_t *resp = json_pack("{s:{s:s}, s:{s:s}}", "200", "description", "success", "default",
                             "description", "error: {\"error\":{\"code\",\"message\"}}");
    if (r->min_role > KB_ROLE_CUSTOMER) {
        json_object_set_new(resp, "401", json_pack("{s:s}", "description", "not logged in"));
        json_object_set_new(resp, "403", json_pack("{s:s}", "description", "role too low"));
    }
    json_object_set_new(op, "responses", resp);
    json_object_set_new(item, method, op);
}

static void h_openapi(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)c;
    (void)r;
    struct api_doc d = {json_object()};
    srv_route_each(add_route, &d);
    json_t *doc = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s, s:s}, s:{s:s, s:s}}}}", "openapi", "3.0.3",
        "info", "title", "kb-server API", "version", "1", "description",
        "Knowledge-base search. Customers (no login) see public published articles only; "
        "agents, writers and admins log in (session cookie) or use a bearer token.",
        "paths", d.paths, "components", "securitySchemes", "session", "type", "apiKey", "in",
        "cookie", "name", "kb_session", "token", "type", "http", "scheme", "bearer");
    srv_json(w, 200, doc);
}

const struct srv_route srv_routes_meta[] = {
    {"GET", "/healthz", h_healthz, KB_ROLE_CUSTOMER, 0,
     "liveness ({\"status\":\"ok\"}, or 503); staff also get the index lag counters"},
    /* Staff only: the document counts are derived from internal content. */
    {"GET", "/metrics", h_metrics, KB_ROLE_AGENT, 0, "Prometheus metrics (staff token)"},
    {"GET", "/api/v1/openapi.json", h_openapi, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS,
     "this description"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
