/* What happened after a search: events and "was this helpful?" votes from
 * anyone (the widget posts them from other origins), the admins' analytics
 * over them, and the admins' synonym table. The learning rule ("asked as")
 * lives in kb/store/events.c; this file only wakes the sync thread after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kb/store/events.h"
#include "kb/base/log.h"
#include "search_log.h"
#include "srv.h"

#define DEFAULT_DAYS 30
#define LIMIT_MAX 1000
#define SYNONYM_MAX 200

/* ---- helpers ------------------------------------------------------------- */

static json_t *json_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[40];
    if (!gmtime_r(&tt, &tm) || !strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(s);
}

static json_t *json_day(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[16];
    if (!gmtime_r(&tt, &tm) || !strftime(s, sizeof s, "%Y-%m-%d", &tm))
        return json_null();
    return json_string(s);
}

static double rate(int64_t part, int64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

/* "1042", "KB-1042" or "kb-1042" -> 1042; 0 when it is not one. */
static int64_t parse_ref(const char *s)
{
    if (strncasecmp(s, "KB-", 3) == 0)
        s += 3;
    if (!*s || strlen(s) > 15)
        return 0;
    int64_t n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        n = n * 10 + (*s - '0');
    }
    return n;
}

/* The optional "article" field: a number or "KB-1042". */
static int get_article(json_t *o, int64_t *out, struct srv_resp *w)
{
    json_t *v = json_object_get(o, "article");
    if (!v || json_is_null(v))
        return 0;
    int64_t n = 0;
    if (json_is_integer(v))
        n = json_integer_value(v);
    else if (json_is_string(v))
        n = parse_ref(json_string_value(v));
    if (n <= 0) {
        srv_error(w, 400, "bad_field",
                  "field 'article' must be an article number such as 1042 or \"KB-1042\"");
        return -1;
    }
    *out = n;
    return 0;
}

/* A KB_EINVAL from kb/events names the field; other errors map as usual. */
static void events_error(struct srv_resp *w, const struct kb_err *err)
{
    if (err->code == KB_EINVAL)
        srv_error(w, 400, "bad_field", "%s", err->msg);
    else
        srv_kb_error(w, err);
}

/* ---- POST /api/v1/events --------------------------------------------------- */

/* The body's "visitor" is accepted for older clients but ignored: who
 * posted is what the server verified (visitor.c), never what a body says. */
static void h_event(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    static const char *const keys[] = {"type", "search_id", "article", "query", "visitor", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_event ev;
    memset(&ev, 0, sizeof ev);
    ev.role = r->who.role;
    ev.visitor = r->ident_hash;
    ev.network = r->net_hash;
    const char *claimed = NULL;
    if (srv_check_keys(o, keys, w) || srv_get_str(o, "type", 1, 20, &ev.type, w) ||
        srv_sid_get(c, r, o, &ev.search_id, &ev.bound, w) ||
        get_article(o, &ev.article, w) ||
        srv_get_str(o, "query", 0, KB_EVENTS_QUERY_MAX, &ev.query, w) ||
        srv_get_str(o, "visitor", 0, KB_EVENTS_VISITOR_MAX, &claimed, w))
        goto out;
    if (strcmp(ev.type, "click") && strcmp(ev.type, "solved") && strcmp(ev.type, "submitted") &&
        strcmp(ev.type, "view")) {
        srv_error(w, 400, "bad_field",
                  "field 'type' must be one of click, solved, submitted, view");
        goto out;
    }
    if ((!strcmp(ev.type, "click") || !strcmp(ev.type, "view")) && !ev.article) {
        srv_error(w, 400, "missing_field", "missing field 'article' (a %s is of an article)",
                  ev.type);
        goto out;
    }
    struct kb_err err = {0, ""};
    int learned = 0;
    if (kb_events_add(c->st, &ev, NULL, &learned, &err) != 0) {
        events_error(w, &err);
        goto out;
    }
    if (learned)
        srv_changed(c->srv);
    srv_json(w, 202, json_pack("{s:b}", "ok", 1));
out:
    json_decref(o);
}

/* ---- POST /api/v1/articles/{id}/feedback ------------------------------------ */

/* Whether role may see (and so vote on) the article: the same rule as
 * reading it. */
static int may_see(int role, const struct kb_doc *d)
{
    if (role >= KB_ROLE_WRITER)
        return 1;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return role >= KB_ROLE_AGENT || d->audience == KB_AUD_PUBLIC;
}

static void h_feedback(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    static const char *const keys[] = {"helpful", "comment", "search_id", "query", NULL};
    struct kb_err err = {0, ""};
    struct kb_doc d;
    kb_doc_init(&d);
    int kind = -1, rc;
    int64_t number = 0;
    json_t *o = NULL;
    /* One answer for "no such article", "not an article" and "not yours to
     * see", so that a customer cannot tell internal articles and drafts
     * from numbers that were never used. */
    const char *ref = r->nparams > 0 ? r->param[0] : "";
    rc = kb_store_find(c->st, ref, &kind, &number, &err);
    if (rc == 0 && kind != KB_KIND_ARTICLE)
        rc = KB_ENOTFOUND;
    if (rc == 0)
        rc = kb_store_get(c->st, KB_KIND_ARTICLE, number, &d, &err);
    if (rc == 0 && !may_see(r->who.role, &d))
        rc = KB_ENOTFOUND;
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL) {
        srv_error(w, 404, "not_found", "not found");
        goto out;
    }
    if (rc) {
        srv_kb_error(w, &err);
        goto out;
    }
    if (!(o = srv_body_object(r, w)))
        goto out;
    struct kb_feedback fb;
    memset(&fb, 0, sizeof fb);
    fb.article = number;
    fb.role = r->who.role;
    fb.visitor = r->ident_hash;
    fb.network = r->net_hash;
    if (srv_check_keys(o, keys, w) || srv_get_bool(o, "helpful", 1, &fb.helpful, w) ||
        srv_get_str(o, "comment", 0, KB_FEEDBACK_COMMENT_MAX, &fb.comment, w) ||
        srv_sid_get(c, r, o, &fb.search_id, &fb.bound, w) ||
        srv_get_str(o, "query", 0, KB_EVENTS_QUERY_MAX, &fb.query, w))
        goto out;
    int learned = 0;
    if (kb_feedback_add(c->st, &fb, NULL, &learned, &err) != 0) {
        if (err.code == KB_ENOTFOUND) /* removed meanwhile */
            srv_error(w, 404, "not_found", "not found");
        else
            events_error(w, &err);
        goto out;
    }
    if (learned)
        srv_changed(c->srv);
    srv_json(w, 200, json_pack("{s:b}", "ok", 1));
out:
    json_decref(o);
    kb_doc_release(&d);
}

/* ---- analytics --------------------------------------------------------------- */

/* Parses from, to (ISO date or time, or Unix seconds; default the last 30
 * days), role (a role name, default any) and endpoint (search, suggest,
 * deflect, all; default search and deflect). */
static int parse_range(const struct srv_req *r, struct kb_range *out, struct srv_resp *w)
{
    const char *from = srv_arg(r, "from"), *to = srv_arg(r, "to");
    const char *role = srv_arg(r, "role"), *endpoint = srv_arg(r, "endpoint");
    /* The default end includes the current second ([from, to) is half open). */
    int64_t f = 0, t = (int64_t)time(NULL) + 1;
    if (to && *to && kb_time_parse(to, &t) != 0) {
        srv_error(w, 400, "bad_parameter",
                  "parameter 'to' must be a date (2024-03-01), a time (2024-03-01T10:00:00Z) "
                  "or Unix seconds");
        return -1;
    }
    f = t - (int64_t)DEFAULT_DAYS * 86400;
    if (from && *from && kb_time_parse(from, &f) != 0) {
        srv_error(w, 400, "bad_parameter",
                  "parameter 'from' must be a date (2024-03-01), a time (2024-03-01T10:00:00Z) "
                  "or Unix seconds");
        return -1;
    }
    if (f >= t) {
        srv_error(w, 400, "bad_parameter", "parameter 'from' must be before 'to'");
        return -1;
    }
    kb_range_init(out, f, t);
    if (role && *role && strcmp(role, "any") != 0) {
        out->role = kb_role_parse(role);
        if (out->role < 0) {
            srv_error(w, 400, "bad_parameter",
                      "parameter 'role' must be customer, agent, writer, admin or any");
            return -1;
        }
    }
    if (endpoint && *endpoint) {
        if (strcmp(endpoint, "search") && strcmp(endpoint, "suggest") &&
            strcmp(endpoint, "deflect") && strcmp(endpoint, "all")) {
            srv_error(w, 400, "bad_parameter",
                      "parameter 'endpoint' must be search, suggest, deflect or all");
            return -1;
        }
        out->endpoint = endpoint;
    }
    return 0;
}

static json_t *range_json(const struct kb_range *rg)
{
    json_t *o = json_object();
    json_object_set_new(o, "from", json_time(rg->from));
    json_object_set_new(o, "to", json_time(rg->to));
    json_object_set_new(o, "from_ts", json_integer(rg->from));
    json_object_set_new(o, "to_ts", json_integer(rg->to));
    json_object_set_new(o, "role", json_string(rg->role >= 0 ? kb_role_name(rg->role) : "any"));
    json_object_set_new(o, "endpoint", json_string(rg->endpoint ? rg->endpoint
                                                                : "search+deflect"));
    return o;
}

static json_t *queries_json(const struct kb_query_stat *q, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "query", json_string(q[i].query ? q[i].query : ""));
        json_object_set_new(o, "searches", json_integer(q[i].searches));
        json_object_set_new(o, "no_results", json_integer(q[i].no_results));
        json_object_set_new(o, "no_result_share",
                            json_real(rate(q[i].no_results, q[i].searches)));
        json_object_set_new(o, "clicked", json_integer(q[i].clicked));
        json_object_set_new(o, "click_through", json_real(rate(q[i].clicked, q[i].searches)));
        json_object_set_new(o, "last", json_time(q[i].last));
        json_array_append_new(a, o);
    }
    return a;
}

static json_t *articles_json(const struct kb_article_stat *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object();
        char ref[32];
        snprintf(ref, sizeof ref, "KB-%lld", (long long)v[i].number);
        json_object_set_new(o, "number", json_integer(v[i].number));
        json_object_set_new(o, "ref", json_string(ref));
        json_object_set_new(o, "title", v[i].title ? json_string(v[i].title) : json_null());
        if (v[i].title) {
            struct kb_buf url = KB_BUF_INIT;
            srv_article_path(&url, v[i].number, v[i].title);
            json_object_set_new(o, "url", json_string(kb_buf_str(&url)));
            kb_buf_release(&url);
        }
        int64_t votes = v[i].helpful + v[i].unhelpful;
        json_object_set_new(o, "clicks", json_integer(v[i].clicks));
        json_object_set_new(o, "helpful", json_integer(v[i].helpful));
        json_object_set_new(o, "unhelpful", json_integer(v[i].unhelpful));
        json_object_set_new(o, "votes", json_integer(votes));
        json_object_set_new(o, "helpful_ratio", json_real(rate(v[i].helpful, votes)));
        json_array_append_new(a, o);
    }
    return a;
}

/* Each adds its part to o; returns 0 or fills w and returns -1. */
static int add_top_queries(struct srv_ctx *c, const struct kb_range *rg, size_t limit,
                           json_t *o, const char *key, int no_results, struct srv_resp *w)
{
    struct kb_query_stat *q = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    int rc = no_results ? kb_events_no_results(c->st, rg, limit, &q, &n, &err)
                        : kb_events_top_queries(c->st, rg, limit, &q, &n, &err);
    if (rc) {
        events_error(w, &err);
        return -1;
    }
    json_object_set_new(o, key, queries_json(q, n));
    kb_query_stats_free(q, n);
    return 0;
}

static int add_articles(struct srv_ctx *c, const struct kb_range *rg, size_t limit,
                        int64_t min_votes, json_t *o, const char *key, int which,
                        struct srv_resp *w)
{
    struct kb_article_stat *v = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    int rc = which == 0 ? kb_events_top_clicked(c->st, rg, limit, &v, &n, &err)
                        : kb_events_helpful(c->st, rg, which == 2, min_votes, limit, &v, &n,
                                            &err);
    if (rc) {
        events_error(w, &err);
        return -1;
    }
    json_object_set_new(o, key, articles_json(v, n));
    kb_article_stats_free(v, n);
    return 0;
}

static int add_per_day(struct srv_ctx *c, const struct kb_range *rg, json_t *o,
                       struct srv_resp *w)
{
    struct kb_day_stat *d = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_events_per_day(c->st, rg, &d, &n, &err) != 0) {
        events_error(w, &err);
        return -1;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:o, s:I, s:I}", "date", json_day(d[i].day),
                                           "searches", (json_int_t)d[i].searches, "no_results",
                                           (json_int_t)d[i].no_results));
    free(d);
    json_object_set_new(o, "per_day", a);
    return 0;
}

static int add_totals(struct srv_ctx *c, const struct kb_range *rg, json_t *o,
                      struct srv_resp *w)
{
    struct kb_totals t;
    struct kb_err err = {0, ""};
    if (kb_events_totals(c->st, rg, &t, &err) != 0) {
        events_error(w, &err);
        return -1;
    }
    json_object_set_new(o, "searches", json_integer(t.searches));
    json_object_set_new(o, "no_results", json_integer(t.no_results));
    json_object_set_new(o, "no_result_rate", json_real(rate(t.no_results, t.searches)));
    json_object_set_new(o, "click_through",
                        json_pack("{s:I, s:I, s:I, s:f}", "searches", (json_int_t)t.searches,
                                  "clicked", (json_int_t)t.clicked, "clicks",
                                  (json_int_t)t.clicks, "rate", rate(t.clicked, t.searches)));
    json_object_set_new(o, "deflection",
                        json_pack("{s:I, s:I, s:f}", "solved", (json_int_t)t.solved,
                                  "submitted", (json_int_t)t.submitted, "rate",
                                  rate(t.solved, t.solved + t.submitted)));
    json_object_set_new(o, "feedback",
                        json_pack("{s:I, s:I, s:f}", "helpful", (json_int_t)t.helpful,
                                  "unhelpful", (json_int_t)t.unhelpful, "helpful_rate",
                                  rate(t.helpful, t.helpful + t.unhelpful)));
    json_object_set_new(o, "views", json_integer(t.views));
    return 0;
}

static int analytics_args(const struct srv_req *r, struct kb_range *rg, long *limit,
                          struct srv_resp *w)
{
    return parse_range(r, rg, w) || srv_arg_int(r, "limit", 10, 1, LIMIT_MAX, limit, w) ? -1 : 0;
}

static void h_summary(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit;
    if (analytics_args(r, &rg, &limit, w))
        return;
    json_t *o = range_json(&rg);
    size_t n = (size_t)limit;
    if (add_totals(c, &rg, o, w) || add_top_queries(c, &rg, n, o, "top_queries", 0, w) ||
        add_top_queries(c, &rg, n, o, "no_result_queries", 1, w) ||
        add_articles(c, &rg, n, 1, o, "top_clicked", 0, w) ||
        add_articles(c, &rg, n, 1, o, "most_helpful", 1, w) ||
        add_articles(c, &rg, n, 1, o, "least_helpful", 2, w) || add_per_day(c, &rg, o, w)) {
        json_decref(o);
        return;
    }
    srv_json(w, 200, o);
}

static void h_top_queries(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit;
    if (analytics_args(r, &rg, &limit, w))
        return;
    json_t *o = range_json(&rg);
    if (add_top_queries(c, &rg, (size_t)limit, o, "queries", 0, w)) {
        json_decref(o);
        return;
    }
    srv_json(w, 200, o);
}

static void h_no_results(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit;
    if (analytics_args(r, &rg, &limit, w))
        return;
    json_t *o = range_json(&rg);
    if (add_top_queries(c, &rg, (size_t)limit, o, "queries", 1, w)) {
        json_decref(o);
        return;
    }
    srv_json(w, 200, o);
}

static void h_clicks(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit;
    if (analytics_args(r, &rg, &limit, w))
        return;
    json_t *o = range_json(&rg), *tot = json_object();
    if (add_totals(c, &rg, tot, w) || add_top_queries(c, &rg, (size_t)limit, o, "queries", 0, w) ||
        add_articles(c, &rg, (size_t)limit, 1, o, "articles", 0, w)) {
        json_decref(tot);
        json_decref(o);
        return;
    }
    json_t *ct = json_object_get(tot, "click_through");
    const char *key;
    json_t *v;
    json_object_foreach(ct, key, v)
        json_object_set(o, key, v);
    json_decref(tot);
    srv_json(w, 200, o);
}

static void h_deflection(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit;
    if (analytics_args(r, &rg, &limit, w))
        return;
    json_t *o = range_json(&rg), *tot = json_object();
    struct kb_range dr = rg;
    dr.endpoint = "deflect";
    struct kb_totals t;
    struct kb_err err = {0, ""};
    if (add_totals(c, &rg, tot, w)) {
        json_decref(tot);
        json_decref(o);
        return;
    }
    if (kb_events_totals(c->st, &dr, &t, &err) != 0) {
        events_error(w, &err);
        json_decref(tot);
        json_decref(o);
        return;
    }
    json_t *dj = json_object_get(tot, "deflection");
    const char *key;
    json_t *v;
    json_object_foreach(dj, key, v)
        json_object_set(o, key, v);
    json_object_set_new(o, "deflect_searches", json_integer(t.searches));
    json_decref(tot);
    srv_json(w, 200, o);
}

static void h_helpful(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    struct kb_range rg;
    long limit, min_votes;
    if (analytics_args(r, &rg, &limit, w) ||
        srv_arg_int(r, "min_votes", 1, 1, 1000000, &min_votes, w))
        return;
    json_t *o = range_json(&rg);
    json_object_set_new(o, "min_votes", json_integer(min_votes));
    if (add_articles(c, &rg, (size_t)limit, min_votes, o, "most_helpful", 1, w) ||
        add_articles(c, &rg, (size_t)limit, min_votes, o, "least_helpful", 2, w)) {
        json_decref(o);
        return;
    }
    srv_json(w, 200, o);
}

/* ---- synonyms ---------------------------------------------------------------- */

static void h_synonyms(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_synonym *s = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_store_synonyms(c->st, &s, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "term", s[i].term, "synonym",
                                           s[i].synonym));
    kb_synonyms_free(s, n);
    srv_json(w, 200, json_pack("{s:o, s:I}", "synonyms", a, "count", (json_int_t)n));
}

static void h_synonym_add(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"term", "synonym", NULL};
    json_t *o = srv_body_object(r, w);
    const char *term = NULL, *syn = NULL;
    struct kb_err err = {0, ""};
    if (!o)
        return;
    if (srv_check_keys(o, keys, w) || srv_get_str(o, "term", 1, SYNONYM_MAX, &term, w) ||
        srv_get_str(o, "synonym", 1, SYNONYM_MAX, &syn, w))
        goto out;
    if (kb_store_synonym_add(c->st, term, syn, &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    srv_changed(c->srv);
    srv_json(w, 201, json_pack("{s:b, s:s, s:s}", "ok", 1, "term", term, "synonym", syn));
out:
    json_decref(o);
}

static void h_synonym_remove(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *term = srv_arg(r, "term"), *syn = srv_arg(r, "synonym");
    struct kb_err err = {0, ""};
    if (!term || !*term || !syn || !*syn) {
        srv_error(w, 400, "missing_parameter", "parameters 'term' and 'synonym' are required");
        return;
    }
    int rc = kb_store_synonym_remove(c->st, term, syn, &err);
    if (rc == KB_ENOTFOUND) {
        srv_error(w, 404, "not_found", "%s", err.msg);
        return;
    }
    if (rc) {
        srv_kb_error(w, &err);
        return;
    }
    srv_changed(c->srv);
    srv_json(w, 200, json_pack("{s:b}", "ok", 1));
}

const struct srv_route srv_routes_events[] = {
    {"POST", "/api/v1/events", h_event, KB_ROLE_CUSTOMER,
     SRV_PUBLIC_CORS | SRV_RATED | SRV_EVENT,
     "record a click, view, solved or submitted event {type, search_id?, article?, query?} "
     "(search_id: the string a search returned; a body's visitor is ignored: the visitor is "
     "the kb_visitor cookie or X-KB-Visitor header the server issued)"},
    {"POST", "/api/v1/articles/{ref}/feedback", h_feedback, KB_ROLE_CUSTOMER,
     SRV_PUBLIC_CORS | SRV_RATED | SRV_EVENT,
     "was this article helpful? {helpful, comment?, search_id?, query?}"},
    {"GET", "/api/v1/analytics/summary", h_summary, KB_ROLE_ADMIN, 0,
     "every search figure for [from, to) (default the last 30 days), limit per list"},
    {"GET", "/api/v1/analytics/top-queries", h_top_queries, KB_ROLE_ADMIN, 0,
     "most frequent queries with their no-result share and click-through"},
    {"GET", "/api/v1/analytics/no-results", h_no_results, KB_ROLE_ADMIN, 0,
     "queries that found nothing (content gaps)"},
    {"GET", "/api/v1/analytics/clicks", h_clicks, KB_ROLE_ADMIN, 0,
     "click-through rate overall and per query, most clicked articles"},
    {"GET", "/api/v1/analytics/deflection", h_deflection, KB_ROLE_ADMIN, 0,
     "solved versus submitted-anyway events"},
    {"GET", "/api/v1/analytics/helpful", h_helpful, KB_ROLE_ADMIN, 0,
     "most and least helpful articles by votes (min_votes)"},
    {"GET", "/api/v1/synonyms", h_synonyms, KB_ROLE_ADMIN, 0, "the synonym table"},
    {"POST", "/api/v1/synonyms", h_synonym_add, KB_ROLE_ADMIN, 0,
     "add a synonym {term, synonym}"},
    {"DELETE", "/api/v1/synonyms", h_synonym_remove, KB_ROLE_ADMIN, 0,
     "remove a synonym (?term=&synonym=)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
