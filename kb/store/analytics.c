/* The admins' reports over the search log, events and votes: totals, top
 * and failing queries, clicked and helpful articles, searches per day. The
 * search figures add the daily aggregates of pruned searches (search_days,
 * kb/store/log_retention.c) to the live rows. */
#include <stdlib.h>
#include <string.h>

#include "kb/store/events.h"
#include "kb/store/events_int.h"
#include "kb/base/role.h"

#define MAX_FILLED_DAYS 1000

/* ---- analytics ----------------------------------------------------------- */

void kb_range_init(struct kb_range *r, int64_t from, int64_t to)
{
    r->from = from;
    r->to = to;
    r->role = -1;
    r->endpoint = NULL;
}

/* The searches a range selects: ?1 from, ?2 to, ?3 role name or NULL,
 * ?4 endpoint or NULL (search + deflect) or 'all'. ?5 is the limit. */
#define S_WHERE " s.time >= ?1 AND s.time < ?2 AND (?3 IS NULL OR s.role = ?3) AND " \
    "(CASE WHEN ?4 IS NULL THEN s.endpoint <> 'suggest' WHEN ?4 = 'all' THEN 1 " \
    "ELSE s.endpoint = ?4 END) "
#define S_CLICKED "EXISTS (SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'click')"
/* The same over the daily aggregates of pruned searches (log_retention.c),
 * which keep whole days: a day counts when it begins in [from, to). */
#define A_WHERE " a.day >= ?1 AND a.day < ?2 AND (?3 IS NULL OR a.role = ?3) AND " \
    "(CASE WHEN ?4 IS NULL THEN a.endpoint <> 'suggest' WHEN ?4 = 'all' THEN 1 " \
    "ELSE a.endpoint = ?4 END) "

static int check_range(const struct kb_range *r, struct kb_err *err)
{
    if (r->role != -1 && (r->role < KB_ROLE_CUSTOMER || r->role > KB_ROLE_ADMIN))
        return kb_err_set(err, KB_EINVAL, "role: unknown role %d", r->role);
    if (r->endpoint && strcmp(r->endpoint, "all") != 0 &&
        !in_list(r->endpoint, kb_events_endpoints))
        return kb_err_set(err, KB_EINVAL,
                          "endpoint: unknown endpoint '%.40s' (search, suggest, deflect, all)",
                          r->endpoint);
    return 0;
}

/* Prepares sql and binds the range (?1..?4) and limit (?5) when present. */
static int prep_range(struct kb_store *st, const char *sql, const struct kb_range *r,
                      size_t limit, sqlite3_stmt **s, struct kb_err *err)
{
    int code = check_range(r, err);
    if (code || (code = prep(st, sql, s, err)) != 0)
        return code;
    int np = sqlite3_bind_parameter_count(*s);
    sqlite3_bind_int64(*s, 1, r->from);
    sqlite3_bind_int64(*s, 2, r->to);
    if (np >= 3)
        bind_text(*s, 3, r->role >= 0 ? kb_role_name(r->role) : NULL);
    if (np >= 4)
        bind_text(*s, 4, r->endpoint);
    if (np >= 5)
        sqlite3_bind_int64(*s, 5, limit > INT64_MAX ? INT64_MAX : (int64_t)limit);
    return 0;
}

int kb_events_totals(struct kb_store *st, const struct kb_range *r, struct kb_totals *out,
                     struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int code = prep_range(st, "SELECT sum(n), sum(nr), sum(c) FROM ("
                              "SELECT count(*) AS n, coalesce(sum(s.results = 0), 0) AS nr, "
                              "coalesce(sum(" S_CLICKED "), 0) AS c FROM searches s WHERE" S_WHERE
                              "UNION ALL SELECT coalesce(sum(a.searches), 0), "
                              "coalesce(sum((a.found = 0) * a.searches), 0), "
                              "coalesce(sum(a.clicked), 0) FROM search_days a WHERE" A_WHERE ")",
                          r, 0, &s, err);
    if (code)
        return code;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->searches = sqlite3_column_int64(s, 0);
        out->no_results = sqlite3_column_int64(s, 1);
        out->clicked = sqlite3_column_int64(s, 2);
    } else {
        code = sql_fail(st, err, rc, "cannot count searches");
    }
    sqlite3_finalize(s);
    if (code)
        return code;
    code = prep_range(st, "SELECT coalesce(sum(type = 'click'), 0), "
                          "coalesce(sum(type = 'view'), 0), coalesce(sum(type = 'solved'), 0), "
                          "coalesce(sum(type = 'submitted'), 0), "
                          "(SELECT coalesce(sum(helpful), 0) FROM feedback "
                          " WHERE time >= ?1 AND time < ?2), "
                          "(SELECT coalesce(sum(1 - helpful), 0) FROM feedback "
                          " WHERE time >= ?1 AND time < ?2) "
                          "FROM events WHERE time >= ?1 AND time < ?2",
                      r, 0, &s, err);
    if (code)
        return code;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->clicks = sqlite3_column_int64(s, 0);
        out->views = sqlite3_column_int64(s, 1);
        out->solved = sqlite3_column_int64(s, 2);
        out->submitted = sqlite3_column_int64(s, 3);
        out->helpful = sqlite3_column_int64(s, 4);
        out->unhelpful = sqlite3_column_int64(s, 5);
    } else {
        code = sql_fail(st, err, rc, "cannot count events");
    }
    sqlite3_finalize(s);
    return code;
}

static int query_stats(struct kb_store *st, const char *sql, const struct kb_range *r,
                       size_t limit, struct kb_query_stat **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (limit == 0)
        return check_range(r, err);
    sqlite3_stmt *s = NULL;
    int code = prep_range(st, sql, r, limit, &s, err), rc;
    if (code)
        return code;
    size_t cap = 0;
    struct kb_query_stat *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_query_stat *q = &v[(*n)++];
        q->query = col_text(s, 0);
        q->searches = sqlite3_column_int64(s, 1);
        q->no_results = sqlite3_column_int64(s, 2);
        q->clicked = sqlite3_column_int64(s, 3);
        q->last = sqlite3_column_int64(s, 4);
    }
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read the search log");
        kb_query_stats_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

int kb_events_top_queries(struct kb_store *st, const struct kb_range *r, size_t limit,
                          struct kb_query_stat **out, size_t *n, struct kb_err *err)
{
    return query_stats(st, "SELECT q, sum(n), sum(nr), sum(c), max(t) FROM ("
                           "SELECT s.query AS q, count(*) AS n, sum(s.results = 0) AS nr, "
                           "sum(" S_CLICKED ") AS c, max(s.time) AS t FROM searches s WHERE"
                           S_WHERE "GROUP BY s.query UNION ALL "
                           "SELECT a.query, sum(a.searches), sum((a.found = 0) * a.searches), "
                           "sum(a.clicked), max(a.last) FROM search_days a WHERE" A_WHERE
                           "GROUP BY a.query) GROUP BY q ORDER BY sum(n) DESC, q LIMIT ?5",
                       r, limit, out, n, err);
}

int kb_events_no_results(struct kb_store *st, const struct kb_range *r, size_t limit,
                         struct kb_query_stat **out, size_t *n, struct kb_err *err)
{
    return query_stats(st, "SELECT q, sum(n), sum(n), sum(c), max(t) FROM ("
                           "SELECT s.query AS q, count(*) AS n, sum(" S_CLICKED ") AS c, "
                           "max(s.time) AS t FROM searches s WHERE" S_WHERE "AND s.results = 0 "
                           "GROUP BY s.query UNION ALL "
                           "SELECT a.query, sum(a.searches), sum(a.clicked), max(a.last) "
                           "FROM search_days a WHERE" A_WHERE "AND a.found = 0 GROUP BY a.query) "
                           "GROUP BY q ORDER BY sum(n) DESC, max(t) DESC, q LIMIT ?5",
                       r, limit, out, n, err);
}

void kb_query_stats_free(struct kb_query_stat *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].query);
    free(v);
}

/* Rows of (number, title, clicks, helpful, unhelpful). */
static int article_stats(struct kb_store *st, const char *sql, const struct kb_range *r,
                         int64_t min_votes, size_t limit, struct kb_article_stat **out,
                         size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (limit == 0)
        return check_range(r, err);
    sqlite3_stmt *s = NULL;
    int code = prep_range(st, sql, r, limit, &s, err), rc;
    if (code)
        return code;
    if (sqlite3_bind_parameter_count(s) >= 6)
        sqlite3_bind_int64(s, 6, min_votes < 1 ? 1 : min_votes);
    size_t cap = 0;
    struct kb_article_stat *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_article_stat *a = &v[(*n)++];
        a->number = sqlite3_column_int64(s, 0);
        a->title = col_text(s, 1);
        a->clicks = sqlite3_column_int64(s, 2);
        a->helpful = sqlite3_column_int64(s, 3);
        a->unhelpful = sqlite3_column_int64(s, 4);
    }
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read article statistics");
        kb_article_stats_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

int kb_events_top_clicked(struct kb_store *st, const struct kb_range *r, size_t limit,
                          struct kb_article_stat **out, size_t *n, struct kb_err *err)
{
    return article_stats(st, "SELECT e.article, a.title, count(*), "
                             "(SELECT coalesce(sum(helpful), 0) FROM feedback f "
                             " WHERE f.article = e.article AND f.time >= ?1 AND f.time < ?2), "
                             "(SELECT coalesce(sum(1 - helpful), 0) FROM feedback f "
                             " WHERE f.article = e.article AND f.time >= ?1 AND f.time < ?2) "
                             "FROM events e LEFT JOIN articles a ON a.number = e.article "
                             "WHERE e.type = 'click' AND e.article IS NOT NULL "
                             "AND e.time >= ?1 AND e.time < ?2 "
                             "GROUP BY e.article ORDER BY count(*) DESC, e.article LIMIT ?5",
                         r, 0, limit, out, n, err);
}

int kb_events_helpful(struct kb_store *st, const struct kb_range *r, int least,
                      int64_t min_votes, size_t limit, struct kb_article_stat **out, size_t *n,
                      struct kb_err *err)
{
    static const char most_sql[] =
        "SELECT f.article, a.title, 0, sum(f.helpful), sum(1 - f.helpful) "
        "FROM feedback f LEFT JOIN articles a ON a.number = f.article "
        "WHERE f.time >= ?1 AND f.time < ?2 "
        "GROUP BY f.article HAVING count(*) >= ?6 "
        "ORDER BY (sum(f.helpful) + 1.0) / (count(*) + 2) DESC, count(*) DESC, f.article "
        "LIMIT ?5";
    static const char least_sql[] =
        "SELECT f.article, a.title, 0, sum(f.helpful), sum(1 - f.helpful) "
        "FROM feedback f LEFT JOIN articles a ON a.number = f.article "
        "WHERE f.time >= ?1 AND f.time < ?2 "
        "GROUP BY f.article HAVING count(*) >= ?6 "
        "ORDER BY (sum(f.helpful) + 1.0) / (count(*) + 2) ASC, count(*) DESC, f.article "
        "LIMIT ?5";
    return article_stats(st, least ? least_sql : most_sql, r, min_votes, limit, out, n, err);
}

void kb_article_stats_free(struct kb_article_stat *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].title);
    free(v);
}

static int64_t day_floor(int64_t t)
{
    int64_t d = t / DAY;
    if (t % DAY < 0)
        d--;
    return d * DAY;
}

int kb_events_per_day(struct kb_store *st, const struct kb_range *r, struct kb_day_stat **out,
                      size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int code = prep_range(st, "SELECT day, sum(n), sum(nr) FROM ("
                              "SELECT s.time - (s.time % 86400) AS day, count(*) AS n, "
                              "sum(s.results = 0) AS nr FROM searches s WHERE" S_WHERE
                              "GROUP BY day UNION ALL "
                              "SELECT a.day, sum(a.searches), sum((a.found = 0) * a.searches) "
                              "FROM search_days a WHERE" A_WHERE "GROUP BY a.day) "
                              "GROUP BY day ORDER BY day",
                          r, 0, &s, err), rc;
    if (code)
        return code;
    int64_t first = day_floor(r->from), end = r->to > r->from ? r->to : r->from;
    int fill = (end - first) / DAY <= MAX_FILLED_DAYS;
    size_t cap = 0;
    struct kb_day_stat *v = NULL;
    int64_t next = first;
#define PUSH(d, a, b) do { \
        if (*n == cap) { cap = cap ? cap * 2 : 64; v = kb_xrealloc(v, cap * sizeof *v); } \
        v[*n].day = (d); v[*n].searches = (a); v[*n].no_results = (b); (*n)++; \
    } while (0)
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t day = day_floor(sqlite3_column_int64(s, 0));
        for (; fill && next < day; next += DAY)
            PUSH(next, 0, 0);
        PUSH(day, sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2));
        next = day + DAY;
    }
    for (; fill && rc == SQLITE_DONE && next < end; next += DAY)
        PUSH(next, 0, 0);
#undef PUSH
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read the search log");
        free(v);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}
