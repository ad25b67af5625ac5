/* Customers' searches of a window, for kb/emerging. */
#include "kb/store/topic_searches.h"

#include <sqlite3.h>
#include <stdlib.h>

#include "kb/base/buf.h"

static char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? kb_xstrdup((const char *)t) : NULL;
}

int kb_store_customer_searches(struct kb_store *st, int64_t from, int64_t to, size_t max,
                               struct kb_search_seen **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    const char *sql =
        "SELECT s.id, s.time, s.query, s.locale,"
        " EXISTS (SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'submitted')"
        " FROM searches s WHERE s.time BETWEEN ?1 AND ?2 AND s.role = 'customer'"
        " AND s.endpoint IN ('search', 'deflect') ORDER BY s.time DESC, s.id DESC LIMIT ?3";
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    struct kb_search_seen *rows = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        rows = kb_xrealloc(rows, (k + 1) * sizeof *rows);
        rows[k].id = sqlite3_column_int64(s, 0);
        rows[k].time = sqlite3_column_int64(s, 1);
        rows[k].query = col(s, 2);
        rows[k].locale = col(s, 3);
        rows[k].submitted = sqlite3_column_int(s, 4) != 0;
        k++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        kb_search_seen_free(rows, k);
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    }
    *out = rows;
    *n = k;
    return 0;
}

void kb_search_seen_free(struct kb_search_seen *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].query);
        free(rows[i].locale);
    }
    free(rows);
}
