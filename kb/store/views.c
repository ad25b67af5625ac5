/* Article views, popular articles and promoted ones (see views.h). */
#include "kb/store/views.h"

#include <stdlib.h>
#include <string.h>

#include "kb/store/store_int.h"

#define DAY 86400

const char kb_views_schema_sql[] =
    "CREATE TABLE article_views ("
    " article INTEGER NOT NULL,"
    " day INTEGER NOT NULL," /* Unix day (UTC) */
    " customer INTEGER NOT NULL DEFAULT 0,"
    " staff INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (article, day)) WITHOUT ROWID;"
    "CREATE INDEX article_views_day ON article_views (day);"
    /* Today's viewers only (keyed hashes), to count each once. */
    "CREATE TABLE views_seen ("
    " day INTEGER NOT NULL,"
    " visitor TEXT NOT NULL,"
    " article INTEGER NOT NULL,"
    " PRIMARY KEY (day, visitor, article)) WITHOUT ROWID;"
    "CREATE TABLE article_pins ("
    " topic TEXT NOT NULL,"
    " position INTEGER NOT NULL,"
    " article INTEGER NOT NULL,"
    " PRIMARY KEY (topic, position)) WITHOUT ROWID;";

static int step_done(struct kb_store *st, sqlite3_stmt *s, struct kb_err *err, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, err, rc, "%s", what);
    return 0;
}

int kb_views_count(struct kb_store *st, int64_t article, const char *visitor, int staff,
                   int64_t t, int *counted, struct kb_err *err)
{
    if (counted)
        *counted = 0;
    if (article <= 0 || !visitor || !*visitor)
        return kb_err_set(err, KB_EINVAL, "a view needs an article and a visitor");
    int64_t day = t / DAY;
    sqlite3_stmt *s = NULL;
    /* A repeat view (most of them) is one read, no write. */
    int rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM views_seen WHERE day = ?1 AND "
                                        "visitor = ?2 AND article = ?3", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read article views");
    sqlite3_bind_int64(s, 1, day);
    store_bind(s, 2, visitor);
    sqlite3_bind_int64(s, 3, article);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot read article views");

    int code = store_wbegin(st, err);
    if (code)
        return code;
    static const char *const sql[] = {
        "DELETE FROM views_seen WHERE day < ?1",
        "INSERT OR IGNORE INTO views_seen (day, visitor, article) VALUES (?1, ?2, ?3)",
        "INSERT INTO article_views (article, day, customer, staff) VALUES (?3, ?1, ?4, ?5)"
        " ON CONFLICT (article, day) DO UPDATE SET customer = customer + excluded.customer,"
        " staff = staff + excluded.staff",
    };
    for (size_t i = 0; i < 3 && !code; i++) {
        if ((rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL)) != SQLITE_OK) {
            code = store_fail(st, err, rc, "cannot count a view of KB-%lld", (long long)article);
            break;
        }
        sqlite3_bind_int64(s, 1, day);
        if (i >= 1) {
            store_bind(s, 2, visitor);
            sqlite3_bind_int64(s, 3, article);
        }
        if (i == 2) {
            sqlite3_bind_int(s, 4, staff ? 0 : 1);
            sqlite3_bind_int(s, 5, staff ? 1 : 0);
        }
        code = step_done(st, s, err, "cannot count a view");
        sqlite3_finalize(s);
        s = NULL;
        if (i == 1 && !code && sqlite3_changes(st->db) == 0)
            break; /* counted already by a concurrent request */
        if (i == 2 && !code && counted)
            *counted = 1;
    }
    return store_wend(st, code, err);
}

int kb_views_total(struct kb_store *st, int64_t article, int days, int64_t t, int64_t *customer,
                   int64_t *staff, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT coalesce(sum(customer), 0), coalesce(sum(staff), 0)"
                                        " FROM article_views WHERE article = ?1 AND day > ?2",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read article views");
    sqlite3_bind_int64(s, 1, article);
    sqlite3_bind_int64(s, 2, t / DAY - days);
    rc = sqlite3_step(s);
    int code = 0;
    if (rc == SQLITE_ROW) {
        if (customer)
            *customer = sqlite3_column_int64(s, 0);
        if (staff)
            *staff = sqlite3_column_int64(s, 1);
    } else {
        code = store_fail(st, err, rc, "cannot read article views");
    }
    sqlite3_finalize(s);
    return code;
}

/* Collects the first column of every row into *out. */
static int collect(struct kb_store *st, sqlite3_stmt *s, int64_t **out, size_t *n,
                   struct kb_err *err, const char *what)
{
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            int64_t *p = realloc(*out, cap * sizeof **out);
            if (!p)
                abort();
            *out = p;
        }
        (*out)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    if (rc != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return store_fail(st, err, rc, "%s", what);
    }
    return 0;
}

int kb_popular(struct kb_store *st, const char *locale, const char *category, int64_t t,
               size_t limit, int64_t **numbers, size_t *n, struct kb_err *err)
{
    *numbers = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(
        st->db,
        "SELECT a.number FROM articles a JOIN ("
        " SELECT article, sum(w) AS score FROM ("
        "  SELECT article, customer AS w FROM article_views WHERE day > ?1"
        /* A visitor's last vote on an article counts, once. */
        "  UNION ALL SELECT article, CASE WHEN helpful = 1 THEN 3 ELSE -1 END FROM ("
        "   SELECT article, helpful, max(time) FROM feedback"
        "   WHERE time >= ?2 AND role = 'customer' GROUP BY article, coalesce(visitor, id))"
        /* Clicks and "solved": once per visitor, article and day. */
        "  UNION ALL SELECT article, 2 FROM (SELECT DISTINCT article, coalesce(visitor, id),"
        "   time / 86400 FROM events WHERE type IN ('click', 'solved')"
        "   AND time >= ?2 AND role = 'customer' AND article IS NOT NULL))"
        " GROUP BY article) u ON u.article = a.number"
        " WHERE a.status = 'published' AND a.audience = 'public' AND u.score > 0"
        " AND (?3 IS NULL OR a.locale = ?3) AND (?4 IS NULL OR a.category = ?4)"
        " ORDER BY u.score DESC, a.number LIMIT ?5",
        -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot list popular articles");
    sqlite3_bind_int64(s, 1, t / DAY - KB_POPULAR_DAYS);
    sqlite3_bind_int64(s, 2, t - (int64_t)KB_POPULAR_DAYS * DAY);
    store_bind(s, 3, locale);
    store_bind(s, 4, category);
    sqlite3_bind_int64(s, 5, (int64_t)limit);
    int code = collect(st, s, numbers, n, err, "cannot list popular articles");
    sqlite3_finalize(s);
    return code;
}

static int topic_ok(const char *topic, struct kb_err *err)
{
    if (!topic || strlen(topic) > KB_PIN_TOPIC_MAX)
        return kb_err_set(err, KB_EINVAL, "a pinned topic is at most %d bytes", KB_PIN_TOPIC_MAX);
    return 0;
}

int kb_pins_set(struct kb_store *st, const char *topic, const int64_t *numbers, size_t n,
                struct kb_err *err)
{
    int code = topic_ok(topic, err);
    if (code)
        return code;
    if (n > KB_PINS_MAX)
        return kb_err_set(err, KB_ETOOBIG, "at most %d promoted articles per topic", KB_PINS_MAX);
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "DELETE FROM article_pins WHERE topic = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, topic);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot change promoted articles");
    for (size_t i = 0; i < n && !code; i++) {
        for (size_t j = 0; j < i; j++)
            if (numbers[j] == numbers[i]) {
                code = kb_err_set(err, KB_EINVAL, "KB-%lld is promoted twice",
                                  (long long)numbers[i]);
                break;
            }
        if (code)
            break;
        rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO article_pins (topic, position, article)"
                                " SELECT ?1, ?2, number FROM articles WHERE number = ?3",
                                -1, &s, NULL);
        if (rc == SQLITE_OK) {
            store_bind(s, 1, topic);
            sqlite3_bind_int64(s, 2, (int64_t)i);
            sqlite3_bind_int64(s, 3, numbers[i]);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        s = NULL;
        if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot promote KB-%lld", (long long)numbers[i]);
        else if (sqlite3_changes(st->db) == 0)
            code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld to promote",
                              (long long)numbers[i]);
    }
    return store_wend(st, code, err);
}

int kb_pins_get(struct kb_store *st, const char *topic, int public_only, int64_t **numbers,
                size_t *n, struct kb_err *err)
{
    *numbers = NULL;
    *n = 0;
    int code = topic_ok(topic, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT p.article FROM article_pins p JOIN articles a"
                                " ON a.number = p.article WHERE p.topic = ?1 AND (?2 = 0 OR"
                                " (a.status = 'published' AND a.audience = 'public'))"
                                " ORDER BY p.position",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read promoted articles");
    store_bind(s, 1, topic);
    sqlite3_bind_int(s, 2, public_only ? 1 : 0);
    code = collect(st, s, numbers, n, err, "cannot read promoted articles");
    sqlite3_finalize(s);
    return code;
}
