/* The admins' analytics over the search log, events, votes and article
 * views (kb/store/analytics.c, analytics_use.c, content_gaps.c): every
 * route answers JSON, or one of its tables as CSV (?format=csv or Accept:
 * text/csv; kb/base/csv_out.c quotes and neutralises the cells). Admins
 * only: customers' searches and staff activity are in here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/csv_out.h"
#include "kb/base/doc.h"
#include "kb/store/analytics.h"
#include "kb/store/events.h"
#include "kb/store/tickets.h"
#include "search_log.h"
#include "srv.h"

#define DEFAULT_DAYS 30
#define LIMIT_MAX 1000

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

static void day_text(int64_t t, char *s, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(s, n, "%Y-%m-%d", &tm))
        snprintf(s, n, "%lld", (long long)t);
}

static json_t *json_day(int64_t t)
{
    char s[32];
    day_text(t, s, sizeof s);
    return json_string(s);
}

static double rate(int64_t part, int64_t whole)
{
    return whole > 0 ? (double)part / (double)whole : 0.0;
}

/* A KB_EINVAL from kb/events names the field; other errors map as usual. */
static void events_error(struct srv_resp *w, const struct kb_err *err)
{
    if (err->code == KB_EINVAL)
        srv_error(w, 400, "bad_parameter", "%s", err->msg);
    else
        srv_kb_error(w, err);
}

/* An article's number, ref, title and url (when it still exists). */
static json_t *article_json(int64_t number, const char *title)
{
    json_t *o = json_object();
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)number);
    json_object_set_new(o, "number", json_integer(number));
    json_object_set_new(o, "ref", json_string(ref));
    json_object_set_new(o, "title", title ? json_string(title) : json_null());
    if (title) {
        struct kb_buf url = KB_BUF_INIT;
        srv_article_path(&url, number, title);
        json_object_set_new(o, "url", json_string(kb_buf_str(&url)));
        kb_buf_release(&url);
    }
    return o;
}

/* ---- arguments ------------------------------------------------------------ */

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
        json_t *o = article_json(v[i].number, v[i].title);
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

/* What every analytics route takes: the range, a limit per list, and the
 * least-helpful rule (min_votes, below: a helpful share in percent).
 * min_votes is 0 when not given: most helpful then asks 1 vote, least
 * helpful KB_LEAST_MIN_VOTES. */
struct args {
    struct kb_range rg;
    long limit, min_votes, below;
};

static int analytics_args(const struct srv_req *r, struct args *a, struct srv_resp *w)
{
    return parse_range(r, &a->rg, w) ||
           srv_arg_int(r, "limit", 10, 1, LIMIT_MAX, &a->limit, w) ||
           srv_arg_int(r, "min_votes", 0, 1, 1000000, &a->min_votes, w) ||
           srv_arg_int(r, "below", KB_LEAST_BELOW_PCT, 1, 100, &a->below, w)
               ? -1
               : 0;
}

static long least_votes(const struct args *a)
{
    return a->min_votes ? a->min_votes : KB_LEAST_MIN_VOTES;
}

/* which: 0 most clicked, 1 most helpful (min_votes), 2 least helpful (the
 * rule: min_votes and below). */
static int add_articles(struct srv_ctx *c, const struct args *a, json_t *o, const char *key,
                        int which, struct srv_resp *w)
{
    struct kb_article_stat *v = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    size_t limit = (size_t)a->limit;
    int rc = which == 0   ? kb_events_top_clicked(c->st, &a->rg, limit, &v, &n, &err)
             : which == 1 ? kb_events_helpful(c->st, &a->rg, 0, a->min_votes ? a->min_votes : 1,
                                              limit, &v, &n, &err)
                          : kb_analytics_least_helpful(c->st, &a->rg, least_votes(a),
                                                       (int)a->below, limit, &v, &n, &err);
    if (rc) {
        events_error(w, &err);
        return -1;
    }
    json_object_set_new(o, key, articles_json(v, n));
    kb_article_stats_free(v, n);
    return 0;
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

/* ---- CSV -------------------------------------------------------------------- */

/* One table a route can export: name (the ?table= value), the member of
 * the JSON answer holding its rows (NULL: the answer's own figures as
 * metric,value rows) and the row members that become columns. */
struct table {
    const char *name, *key;
    const char *const *cols;
};

static const char *const query_cols[] = {"query", "searches", "no_results", "no_result_share",
                                         "clicked", "click_through", "last", NULL};
static const char *const clicked_cols[] = {"ref", "title", "clicks", "url", NULL};
static const char *const helpful_cols[] = {"ref", "title", "votes", "helpful", "unhelpful",
                                           "helpful_ratio", "url", NULL};
static const char *const day_cols[] = {"date", "searches", "no_results", NULL};
static const char *const view_cols[] = {"ref", "title", "customer_views", "staff_views", "url",
                                        NULL};
static const char *const agent_cols[] = {"ref", "title", "page_views", "opened", "copied",
                                         "solved", "url", NULL};
static const char *const gap_cols[] = {"words", "searches", "visitors", "no_results",
                                       "no_click", "last", "queries", "write_url", NULL};

/* 1 for CSV (?format=csv, or Accept: text/csv without a format), 0 for
 * JSON, -1 with a 400 in w. */
static int want_csv(const struct srv_req *r, struct srv_resp *w)
{
    const char *f = srv_arg(r, "format");
    if (!f || !*f) {
        const char *acc = srv_header(r, "Accept");
        return acc && strstr(acc, "text/csv") ? 1 : 0;
    }
    if (strcmp(f, "json") == 0)
        return 0;
    if (strcmp(f, "csv") == 0)
        return 1;
    srv_error(w, 400, "bad_parameter", "parameter 'format' must be json or csv");
    return -1;
}

static void csv_value(struct kb_buf *b, json_t *v, int first)
{
    if (json_is_string(v)) {
        kb_csv_field(b, json_string_value(v), first);
    } else if (json_is_integer(v)) {
        kb_csv_num(b, (double)json_integer_value(v), first);
    } else if (json_is_real(v)) {
        kb_csv_num(b, json_real_value(v), first);
    } else if (json_is_boolean(v)) {
        kb_csv_field(b, json_is_true(v) ? "true" : "false", first);
    } else if (json_is_array(v)) { /* a gap's searches: "printer offline (3); ..." */
        struct kb_buf s = KB_BUF_INIT;
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) {
            if (i)
                kb_buf_adds(&s, "; ");
            json_t *q = json_object_get(e, "query");
            kb_buf_printf(&s, "%s (%lld)", q ? json_string_value(q) : "",
                          (long long)json_integer_value(json_object_get(e, "searches")));
        }
        kb_csv_field(b, kb_buf_str(&s), first);
        kb_buf_release(&s);
    } else {
        kb_csv_field(b, NULL, first);
    }
}

/* The answer's figures as metric,value rows (objects one level down as
 * "object.member"). */
static void csv_figures(struct kb_buf *b, json_t *o, const char *prefix)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v) {
        char name[128];
        snprintf(name, sizeof name, "%s%s%s", prefix, *prefix ? "." : "", k);
        if (json_is_object(v) && !*prefix)
            csv_figures(b, v, k);
        else if (!json_is_array(v) && !json_is_object(v)) {
            kb_csv_field(b, name, 1);
            csv_value(b, v, 0);
            kb_csv_end_row(b);
        }
    }
}

/* Answers o as JSON, or one of tables (ended by {NULL}) as CSV; takes o. */
static void answer(const struct srv_req *r, struct srv_resp *w, json_t *o, const char *route,
                   const struct args *a, const struct table *tables)
{
    int csv = want_csv(r, w);
    if (csv <= 0) {
        if (csv == 0)
            srv_json(w, 200, o);
        else
            json_decref(o);
        return;
    }
    const char *want = srv_arg(r, "table");
    const struct table *t = tables;
    if (want && *want) {
        for (t = tables; t->name && strcmp(t->name, want) != 0; t++)
            ;
        if (!t->name) {
            struct kb_buf names = KB_BUF_INIT;
            for (t = tables; t->name; t++)
                kb_buf_printf(&names, "%s%s", t == tables ? "" : ", ", t->name);
            srv_error(w, 400, "bad_parameter", "parameter 'table' must be one of %s",
                      kb_buf_str(&names));
            kb_buf_release(&names);
            json_decref(o);
            return;
        }
    }
    w->status = 200;
    w->type = "text/csv; charset=utf-8";
    kb_buf_reset(&w->body);
    if (!t->key) {
        static const char *const h[] = {"metric", "value"};
        kb_csv_row(&w->body, h, 2);
        csv_figures(&w->body, o, "");
    } else {
        for (size_t i = 0; t->cols[i]; i++)
            kb_csv_field(&w->body, t->cols[i], i == 0);
        kb_csv_end_row(&w->body);
        size_t i;
        json_t *row;
        json_array_foreach(json_object_get(o, t->key), i, row) {
            for (size_t j = 0; t->cols[j]; j++)
                csv_value(&w->body, json_object_get(row, t->cols[j]), j == 0);
            kb_csv_end_row(&w->body);
        }
    }
    kb_buf_add(&w->body, "", 0);
    char from[32], to[32], cd[200];
    day_text(a->rg.from, from, sizeof from);
    day_text(a->rg.to, to, sizeof to);
    snprintf(cd, sizeof cd, "attachment; filename=\"kb-%s%s%s-%s-%s.csv\"", route,
             tables[1].name ? "-" : "", tables[1].name ? t->name : "", from, to);
    srv_header_add(w, "Content-Disposition", cd);
    json_decref(o);
}

/* ---- the routes -------------------------------------------------------------- */

static void h_summary(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {
        {"totals", NULL, NULL},
        {"top_queries", "top_queries", query_cols},
        {"no_result_queries", "no_result_queries", query_cols},
        {"top_clicked", "top_clicked", clicked_cols},
        {"most_helpful", "most_helpful", helpful_cols},
        {"least_helpful", "least_helpful", helpful_cols},
        {"per_day", "per_day", day_cols},
        {NULL, NULL, NULL},
    };
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    json_t *o = range_json(&a.rg);
    size_t n = (size_t)a.limit;
    json_object_set_new(o, "least_helpful_rule", json_pack("{s:I, s:I}", "min_votes",
                                                           (json_int_t)least_votes(&a), "below",
                                                           (json_int_t)a.below));
    if (add_totals(c, &a.rg, o, w) || add_top_queries(c, &a.rg, n, o, "top_queries", 0, w) ||
        add_top_queries(c, &a.rg, n, o, "no_result_queries", 1, w) ||
        add_articles(c, &a, o, "top_clicked", 0, w) ||
        add_articles(c, &a, o, "most_helpful", 1, w) ||
        add_articles(c, &a, o, "least_helpful", 2, w) || add_per_day(c, &a.rg, o, w)) {
        json_decref(o);
        return;
    }
    answer(r, w, o, "summary", &a, tables);
}

static void queries_route(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                          int no_results)
{
    static const struct table tables[] = {{"queries", "queries", query_cols}, {NULL, NULL, NULL}};
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    json_t *o = range_json(&a.rg);
    if (add_top_queries(c, &a.rg, (size_t)a.limit, o, "queries", no_results, w)) {
        json_decref(o);
        return;
    }
    answer(r, w, o, no_results ? "no-results" : "top-queries", &a, tables);
}

static void h_top_queries(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    queries_route(c, r, w, 0);
}

static void h_no_results(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    queries_route(c, r, w, 1);
}

static void h_clicks(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {
        {"articles", "articles", clicked_cols},
        {"queries", "queries", query_cols},
        {"totals", NULL, NULL},
        {NULL, NULL, NULL},
    };
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    json_t *o = range_json(&a.rg), *tot = json_object();
    if (add_totals(c, &a.rg, tot, w) ||
        add_top_queries(c, &a.rg, (size_t)a.limit, o, "queries", 0, w) ||
        add_articles(c, &a, o, "articles", 0, w)) {
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
    answer(r, w, o, "clicks", &a, tables);
}

static void h_deflection(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {{"totals", NULL, NULL}, {NULL, NULL, NULL}};
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    json_t *o = range_json(&a.rg), *tot = json_object();
    struct kb_range dr = a.rg;
    dr.endpoint = "deflect";
    struct kb_totals t;
    struct kb_err err = {0, ""};
    if (add_totals(c, &a.rg, tot, w)) {
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
    answer(r, w, o, "deflection", &a, tables);
}

static void h_helpful(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {
        {"least_helpful", "least_helpful", helpful_cols},
        {"most_helpful", "most_helpful", helpful_cols},
        {NULL, NULL, NULL},
    };
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    json_t *o = range_json(&a.rg);
    json_object_set_new(o, "min_votes", json_integer(a.min_votes ? a.min_votes : 1));
    json_object_set_new(o, "least_helpful_rule", json_pack("{s:I, s:I}", "min_votes",
                                                           (json_int_t)least_votes(&a), "below",
                                                           (json_int_t)a.below));
    if (add_articles(c, &a, o, "most_helpful", 1, w) ||
        add_articles(c, &a, o, "least_helpful", 2, w)) {
        json_decref(o);
        return;
    }
    answer(r, w, o, "helpful", &a, tables);
}

static void h_views(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {{"articles", "articles", view_cols}, {NULL, NULL, NULL}};
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    struct kb_view_stat *v = NULL;
    size_t n = 0;
    int64_t cust = 0, staff = 0;
    struct kb_err err = {0, ""};
    if (kb_analytics_views(c->st, &a.rg, (size_t)a.limit, &v, &n, &cust, &staff, &err) != 0) {
        events_error(w, &err);
        return;
    }
    json_t *o = range_json(&a.rg), *arr = json_array();
    json_object_set_new(o, "customer_views", json_integer(cust));
    json_object_set_new(o, "staff_views", json_integer(staff));
    for (size_t i = 0; i < n; i++) {
        json_t *e = article_json(v[i].number, v[i].title);
        json_object_set_new(e, "customer_views", json_integer(v[i].customer));
        json_object_set_new(e, "staff_views", json_integer(v[i].staff));
        json_array_append_new(arr, e);
    }
    kb_view_stats_free(v, n);
    json_object_set_new(o, "articles", arr);
    answer(r, w, o, "views", &a, tables);
}

static void h_agents(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {{"articles", "articles", agent_cols},
                                          {NULL, NULL, NULL}};
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    struct kb_agent_stat *v = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_analytics_agents(c->st, &a.rg, (size_t)a.limit, &v, &n, &err) != 0) {
        events_error(w, &err);
        return;
    }
    json_t *o = range_json(&a.rg), *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *e = article_json(v[i].number, v[i].title);
        json_object_set_new(e, "page_views", json_integer(v[i].page_views));
        json_object_set_new(e, "opened", json_integer(v[i].opened));
        json_object_set_new(e, "copied", json_integer(v[i].copied));
        json_object_set_new(e, "solved", json_integer(v[i].solved));
        json_array_append_new(arr, e);
    }
    kb_agent_stats_free(v, n);
    json_object_set_new(o, "articles", arr);
    answer(r, w, o, "agents", &a, tables);
}

/* The editor's prefilled draft for a gap (web/write.js reads new, title,
 * body): the most searched form as the title, the searches in the body,
 * e-mail addresses and phone numbers customers typed redacted (a draft a
 * writer may publish to every customer, kb_redact as emerging problems). */
static json_t *write_url(const struct kb_gap *g, const struct kb_range *rg)
{
    char from[32], to[32];
    day_text(rg->from, from, sizeof from);
    day_text(rg->to - 1, to, sizeof to);
    struct kb_buf note = KB_BUF_INIT, url = KB_BUF_INIT;
    kb_buf_printf(&note, "Customers searched for this %lld time%s (%lld visitor%s) from %s to %s:"
                         " %lld found nothing, %lld found articles but opened none.\n\n"
                         "Their searches:\n",
                  (long long)g->searches, g->searches == 1 ? "" : "s", (long long)g->visitors,
                  g->visitors == 1 ? "" : "s", from, to, (long long)g->no_results,
                  (long long)g->no_click);
    for (size_t i = 0; i < g->nqueries; i++) {
        char *q = kb_redact(g->queries[i], NULL, 0);
        kb_buf_printf(&note, "- %s (%lld)\n", q, (long long)g->counts[i]);
        free(q);
    }
    char *title = kb_redact(g->example, NULL, 0);
    kb_buf_adds(&url, "/write?new=1&title=");
    srv_url_encode(&url, title, NULL);
    free(title);
    kb_buf_adds(&url, "&body=");
    srv_url_encode(&url, kb_buf_str(&note), NULL);
    json_t *s = json_string(kb_buf_str(&url));
    kb_buf_release(&note);
    kb_buf_release(&url);
    return s;
}

static void h_gaps(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const struct table tables[] = {{"gaps", "gaps", gap_cols}, {NULL, NULL, NULL}};
    srv_search_log_flush(c); /* the searches it names or counts */
    struct args a;
    if (analytics_args(r, &a, w))
        return;
    struct kb_gap *g = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_analytics_gaps(c->st, &a.rg, (size_t)a.limit, &g, &n, &err) != 0) {
        events_error(w, &err);
        return;
    }
    json_t *o = range_json(&a.rg), *arr = json_array();
    json_object_set_new(o, "role", json_string("customer"));
    for (size_t i = 0; i < n; i++) {
        json_t *q = json_array();
        for (size_t j = 0; j < g[i].nqueries; j++)
            json_array_append_new(q, json_pack("{s:s, s:I}", "query", g[i].queries[j],
                                               "searches", (json_int_t)g[i].counts[j]));
        json_t *e = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}", "words", g[i].words,
                              "example", g[i].example, "searches", (json_int_t)g[i].searches,
                              "visitors", (json_int_t)g[i].visitors, "no_results",
                              (json_int_t)g[i].no_results, "no_click",
                              (json_int_t)g[i].no_click, "last", json_time(g[i].last),
                              "queries", q);
        json_object_set_new(e, "write_url", write_url(&g[i], &a.rg));
        json_array_append_new(arr, e);
    }
    kb_gaps_free(g, n);
    json_object_set_new(o, "gaps", arr);
    answer(r, w, o, "gaps", &a, tables);
}

#define CSV_NOTE " (?format=csv for a table as CSV)"

const struct srv_route srv_routes_analytics[] = {
    {"GET", "/api/v1/analytics/summary", h_summary, KB_ROLE_ADMIN, 0,
     "every search figure for [from, to) (default the last 30 days), limit per list; "
     "?table= totals, top_queries, no_result_queries, top_clicked, most_helpful, "
     "least_helpful, per_day" CSV_NOTE},
    {"GET", "/api/v1/analytics/top-queries", h_top_queries, KB_ROLE_ADMIN, 0,
     "most frequent queries with their no-result share and click-through" CSV_NOTE},
    {"GET", "/api/v1/analytics/no-results", h_no_results, KB_ROLE_ADMIN, 0,
     "queries that found nothing" CSV_NOTE},
    {"GET", "/api/v1/analytics/clicks", h_clicks, KB_ROLE_ADMIN, 0,
     "click-through rate overall and per query, most clicked articles" CSV_NOTE},
    {"GET", "/api/v1/analytics/deflection", h_deflection, KB_ROLE_ADMIN, 0,
     "solved versus submitted-anyway events" CSV_NOTE},
    {"GET", "/api/v1/analytics/helpful", h_helpful, KB_ROLE_ADMIN, 0,
     "most helpful articles (min_votes), least helpful: at least min_votes votes (default 5) "
     "and a helpful share below 'below' percent (default 50)" CSV_NOTE},
    {"GET", "/api/v1/analytics/views", h_views, KB_ROLE_ADMIN, 0,
     "most viewed articles: customers' views, staff views apart" CSV_NOTE},
    {"GET", "/api/v1/analytics/agents", h_agents, KB_ROLE_ADMIN, 0,
     "agents' use of articles: page views, opened, copied, marked as solving" CSV_NOTE},
    {"GET", "/api/v1/analytics/gaps", h_gaps, KB_ROLE_ADMIN, 0,
     "content gaps: customers' searches that found nothing or were not clicked, grouped by "
     "their words, each with a prefilled draft link" CSV_NOTE},
    {NULL, NULL, NULL, 0, 0, NULL},
};
