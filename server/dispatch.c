/* Dispatch: one request, as data (struct srv_req), through every check
 * before its handler: path and arguments valid UTF-8, CORS preflight,
 * route (404, 405), visitor id, per-visitor event limit, forwarding to a
 * primary, credentials (401), role (403), same-origin check for cookie
 * sessions (CSRF), per-address search limit, then the handler. Sees no
 * libmicrohttpd: the adapter (http_mhd.c) calls it, and so do the unit
 * tests and the fuzz harness. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/base/text.h"
#include "kb/store/changes.h"
#include "brand.h"
#include "locales.h"
#include "html_tpl.h"
#include "ratelimit.h"
#include "routes.h"
#include "scale/scaleout.h"

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

/* Whether a customer without a visitor id gets one on this route: the help
 * center and the public API, not the staff and sign-in pages, /healthz, nor
 * answers caches may keep (Cache-Control: public). */
static int issues_visitor(const struct srv_route *route)
{
    static const char *const none[] = {"/static/*", "/favicon.ico", "/sitemap.xml",
                                       "/opensearch.xml", "/healthz", "/api/v1/openapi.json",
                                       "/api/v1/login", "/api/v1/logout", "/api/v1/me",
                                       "/login", "/agent", "/write", "/admin", "/static/brand.css",
                                       "/brand/logo", "/api/v1/brand", NULL};
    if (route->min_role != KB_ROLE_CUSTOMER)
        return 0;
    for (size_t i = 0; none[i]; i++)
        if (strcmp(route->pattern, none[i]) == 0)
            return 0;
    return 1;
}

/* The per-visitor limit on events and votes; 0, or fills w with a 429. */
static int event_rate_check(struct srv *s, const struct srv_req *r, struct srv_resp *w)
{
    unsigned retry;
    if (!s->opts.event_rate || !s->event_ratelimit ||
        srv_rate_ok(s->event_ratelimit, r->ident_hash, s->opts.event_rate, 60, &retry))
        return 0;
    char v[16];
    snprintf(v, sizeof v, "%u", retry);
    srv_header_add(w, "Retry-After", v);
    srv_error(w, 429, "rate_limited",
              "too many events from this visitor: at most %u a minute; try again in %u s",
              s->opts.event_rate, retry);
    return -1;
}

/* Whether every query argument is valid UTF-8; else *bad names one. */
static int args_utf8(const struct srv_req *r, const char **bad)
{
    for (size_t i = 0; i < r->nargs; i++) {
        const char *k = r->args[i].name, *v = r->args[i].value;
        int kok = !k || kb_utf8_valid(k, strlen(k));
        if (!kok || (v && !kb_utf8_valid(v, strlen(v)))) {
            *bad = kok && k ? k : "?";
            return 0;
        }
    }
    return 1;
}

/* An unknown path a browser asked for (GET or HEAD outside /api/, Accept
 * naming text/html) gets the HTML 404 page; API clients keep the JSON. */
static int wants_page(const char *method, const char *url, const struct srv_req *r)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return 0;
    if (!strncmp(url, "/api/", 5) || !strcmp(url, "/api"))
        return 0;
    const char *accept = srv_header(r, "Accept");
    return accept && strstr(accept, "text/html") != NULL;
}

/* 0 when who may use route; otherwise the 401 or 403 into w. */
static int refuse_role(const struct srv_route *route, const struct srv_who *who,
                       struct srv_resp *w)
{
    if (route->min_role <= KB_ROLE_CUSTOMER || who->role >= route->min_role)
        return 0;
    if (who->user_id == 0)
        srv_error(w, 401, "unauthorized", "log in first");
    else
        srv_error(w, 403, "forbidden", "this needs the %s role", kb_role_name(route->min_role));
    return -1;
}

int srv_dispatch_head(struct srv *s, const struct srv_req *r, struct srv_resp *w)
{
    struct srv_match m;
    memset(&m, 0, sizeof m);
    const struct srv_route *route = srv_route_find(r->method, r->path, &m);
    if (!route || srv_scale.replica_of || srv_scale_forwards(route, r->method))
        return 0;
    struct srv_ctx *c = srv_thread_ctx(s, w);
    if (!c)
        return -1;
    struct srv_who who;
    if (srv_auth_resolve(c, r, &who) != 0) {
        srv_error(w, 401, "unauthorized", "the session or token is invalid or has expired");
        return -1;
    }
    return refuse_role(route, &who, w);
}

void srv_dispatch(struct srv *s, struct srv_req *r_in, struct srv_resp *w,
                  struct srv_dispatch_out *out)
{
    const char *url = r_in->path, *method = r_in->method;
    out->cors = 0;
    out->route = NULL;
    out->staff = 0;
    struct srv_match m;
    memset(&m, 0, sizeof m);

    /* The path is decoded once by the adapter; it must be valid UTF-8. */
    if (!kb_utf8_valid(url, strlen(url))) {
        srv_error(w, 400, "bad_request", "the request path is not valid UTF-8");
        return;
    }
    const char *bad = NULL;
    if (!args_utf8(r_in, &bad)) {
        char name[64];
        snprintf(name, sizeof name, "%s", bad);
        srv_error(w, 400, "bad_parameter", "parameter '%s' is not valid UTF-8", name);
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
            out->cors = 1;
            srv_header_add(w, "Access-Control-Allow-Methods", m.allow);
            srv_header_add(w, "Access-Control-Allow-Headers", "Content-Type, " SRV_VISITOR_HEADER);
            srv_header_add(w, "Access-Control-Max-Age", "86400");
        }
        return;
    }

    const struct srv_route *route = srv_route_find(method, url, &m);
    /* What a primary serves its replicas is not there on a replica. */
    if (route && (route->flags & SRV_REPLICATION) && srv_scale_readonly()) {
        route = NULL;
        m.path_known = 0;
    }
    if (!route) {
        if (m.path_known) {
            srv_header_add(w, "Allow", m.allow);
            srv_error(w, 405, "method_not_allowed", "%s is not allowed on %s; use %s", method, url,
                      m.allow);
        } else if (wants_page(method, url, r_in)) {
            tpl_not_found(w, r_in);
        } else {
            srv_error(w, 404, "not_found", "no such route: %s", url);
        }
        return;
    }
    out->route = route->pattern;
    out->cors = (route->flags & SRV_PUBLIC_CORS) != 0;

    struct srv_ctx *c = srv_thread_ctx(s, w);
    if (!c)
        return;
    srv_brand_refresh(c, 0);
    srv_locales_refresh(c, 0);
    struct srv_req r = *r_in;
    r.nparams = m.nparams;
    for (int i = 0; i < m.nparams; i++)
        r.param[i] = m.params[i];
    const char *client = r.client ? r.client : "unknown";

    if (r.body_len && !(route->flags & SRV_RAW_BODY) && !kb_utf8_valid(r.body, r.body_len)) {
        srv_error(w, 400, "bad_request", "the request body is not valid UTF-8");
        return;
    }
    /* Who this is: a visitor id is issued to anyone who presents no
     * credentials (a customer) and has none yet. */
    int credentials = srv_header(&r, "Authorization") || srv_cookie(&r, "kb_session");
    srv_visitor_resolve(s, &r, !credentials && issues_visitor(route));
    if ((route->flags & SRV_EVENT) && event_rate_check(s, &r, w))
        return;
    /* A replica or shard reader sends writes to the primary, which checks
     * the credentials itself. */
    if (srv_scale_forwards(route, method)) {
        srv_scale_forward(c, &r, route, w);
        srv_visitor_headers(s, &r, w);
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
    if (refuse_role(route, &r.who, w) != 0)
        return;
    int changes = strcmp(method, "GET") && strcmp(method, "HEAD");
    if (changes && r.who.via_cookie && !(route->flags & SRV_NO_CSRF) && !origin_ok(&r)) {
        srv_error(w, 403, "forbidden", "cross-site request refused: Origin does not match Host");
        return;
    }
    out->staff = r.who.role >= KB_ROLE_AGENT;
    unsigned retry;
    if ((route->flags & SRV_RATED) && s->opts.rate_limit && s->ratelimit &&
        !srv_rate_ok(s->ratelimit, client, s->opts.rate_limit, 1, &retry)) {
        srv_header_add(w, "Retry-After", "1");
        srv_error(w, 429, "rate_limited", "too many requests from %s; slow down", client);
        return;
    }
    route->fn(c, &r, w);
    /* What the handler wrote outside a store write operation (a session's
     * last use): into the replicas' changeset log now. Nothing to do (one
     * check) on most requests. */
    struct kb_err ferr;
    if (c->st && kb_store_changes_flush(c->st, &ferr) != 0)
        kb_log(KB_LOG_WARN, "store: %s", ferr.msg);
    srv_scale_fallback(&r, route, w);
    srv_visitor_headers(s, &r, w);
}
