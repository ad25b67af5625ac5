/* Analytics an admin can act on (see analytics.h): the least helpful
 * articles by a rule, article views, agents' use of articles. Content
 * gaps are kb/store/content_gaps.c. */
#include <stdlib.h>
#include <string.h>

#include "kb/store/analytics.h"
#include "kb/store/events_int.h"

/* The UTC day numbers whose days begin in [from, to): [*first, *end). */
static void day_span(const struct kb_range *r, int64_t *first, int64_t *end)
{
    *first = r->from <= 0 ? 0 : (r->from + DAY - 1) / DAY;
    *end = r->to <= 0 ? 0 : (r->to + DAY - 1) / DAY;
}

static int64_t clamp_limit(size_t limit)
{
    return limit > INT64_MAX ? INT64_MAX : (int64_t)limit;
}

int kb_analytics_least_helpful(struct kb_store *st, const struct kb_range *r, int64_t min_votes,
                               int below_pct, size_t limit, struct kb_article_stat **out,
                               size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (min_votes < 1)
        return kb_err_set(err, KB_EINVAL, "min_votes: must be at least 1");
    if (below_pct < 1 || below_pct > 100)
        return kb_err_set(err, KB_EINVAL, "below: must be a percentage from 1 to 100");
    sqlite3_stmt *s = NULL;
    /* share < below% as integers: helpful * 100 < below * votes. */
    int code = prep(st, "SELECT f.article, a.title, sum(f.helpful), sum(1 - f.helpful) "
                        "FROM feedback f LEFT JOIN articles a ON a.number = f.article "
                        "WHERE f.time >= ?1 AND f.time < ?2 GROUP BY f.article "
                        "HAVING count(*) >= ?3 AND sum(f.helpful) * 100 < ?4 * count(*) "
                        "ORDER BY sum(f.helpful) * 1.0 / count(*), count(*) DESC, f.article "
                        "LIMIT ?5",
                    &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, r->from);
    sqlite3_bind_int64(s, 2, r->to);
    sqlite3_bind_int64(s, 3, min_votes);
    sqlite3_bind_int(s, 4, below_pct);
    sqlite3_bind_int64(s, 5, clamp_limit(limit));
    size_t cap = 0;
    struct kb_article_stat *v = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_article_stat *a = &v[(*n)++];
        a->number = sqlite3_column_int64(s, 0);
        a->title = col_text(s, 1);
        a->clicks = 0;
        a->helpful = sqlite3_column_int64(s, 2);
        a->unhelpful = sqlite3_column_int64(s, 3);
    }
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read votes");
        kb_article_stats_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

int kb_analytics_views(struct kb_store *st, const struct kb_range *r, size_t limit,
                       struct kb_view_stat **out, size_t *n, int64_t *customer,
                       int64_t *staff, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    int64_t first, end;
    day_span(r, &first, &end);
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT coalesce(sum(customer), 0), coalesce(sum(staff), 0) "
                        "FROM article_views WHERE day >= ?1 AND day < ?2", &s, err), rc;
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, first);
    sqlite3_bind_int64(s, 2, end);
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (customer)
            *customer = sqlite3_column_int64(s, 0);
        if (staff)
            *staff = sqlite3_column_int64(s, 1);
    } else {
        code = sql_fail(st, err, rc, "cannot count article views");
    }
    sqlite3_finalize(s);
    if (code || (code = prep(st, "SELECT v.article, a.title, v.c, v.s FROM ("
                                 "SELECT article, sum(customer) AS c, sum(staff) AS s "
                                 "FROM article_views WHERE day >= ?1 AND day < ?2 "
                                 "GROUP BY article) v LEFT JOIN articles a ON a.number = v.article "
                                 "ORDER BY v.c DESC, v.s DESC, v.article LIMIT ?3",
                             &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, first);
    sqlite3_bind_int64(s, 2, end);
    sqlite3_bind_int64(s, 3, clamp_limit(limit));
    size_t cap = 0;
    struct kb_view_stat *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_view_stat *a = &v[(*n)++];
        a->number = sqlite3_column_int64(s, 0);
        a->title = col_text(s, 1);
        a->customer = sqlite3_column_int64(s, 2);
        a->staff = sqlite3_column_int64(s, 3);
    }
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read article views");
        kb_view_stats_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

void kb_view_stats_free(struct kb_view_stat *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].title);
    free(v);
}

int kb_analytics_agents(struct kb_store *st, const struct kb_range *r, size_t limit,
                        struct kb_agent_stat **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    int64_t first, end;
    day_span(r, &first, &end);
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT u.article, a.title, u.pv, u.op, u.cp, u.so FROM ("
                        "SELECT article, sum(pv) AS pv, sum(op) AS op, sum(cp) AS cp, "
                        "sum(so) AS so FROM ("
                        "SELECT article, staff AS pv, 0 AS op, 0 AS cp, 0 AS so "
                        "FROM article_views WHERE day >= ?3 AND day < ?4 AND staff > 0 "
                        "UNION ALL SELECT article, 0, type IN ('view', 'click'), "
                        "type = 'copy', type = 'solved' FROM events "
                        "WHERE time >= ?1 AND time < ?2 "
                        "AND type IN ('view', 'click', 'copy', 'solved') "
                        "AND role IN ('agent', 'writer', 'admin') AND article IS NOT NULL) "
                        "GROUP BY article) u LEFT JOIN articles a ON a.number = u.article "
                        "ORDER BY u.pv + u.op + u.cp + u.so DESC, u.cp DESC, u.article "
                        "LIMIT ?5",
                    &s, err), rc;
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, r->from);
    sqlite3_bind_int64(s, 2, r->to);
    sqlite3_bind_int64(s, 3, first);
    sqlite3_bind_int64(s, 4, end);
    sqlite3_bind_int64(s, 5, clamp_limit(limit));
    size_t cap = 0;
    struct kb_agent_stat *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_agent_stat *a = &v[(*n)++];
        a->number = sqlite3_column_int64(s, 0);
        a->title = col_text(s, 1);
        a->page_views = sqlite3_column_int64(s, 2);
        a->opened = sqlite3_column_int64(s, 3);
        a->copied = sqlite3_column_int64(s, 4);
        a->solved = sqlite3_column_int64(s, 5);
    }
    if (rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read agents' use");
        kb_agent_stats_free(v, *n);
        v = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    *out = v;
    return code;
}

void kb_agent_stats_free(struct kb_agent_stat *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].title);
    free(v);
}
