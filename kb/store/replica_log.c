/* A read replica's own search log (see kb/store/events.h): the numbering of
 * a store copy's searches above the replica's base, and the rows it ships
 * to the primary. The searches table is events.c's. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/role.h"
#include "kb/store/events.h"
#include "kb/store/events_int.h"

int kb_events_search_base(struct kb_store *st, int64_t base, struct kb_err *err)
{
    /* AUTOINCREMENT takes ids above sqlite_sequence's row for the table,
     * which exists only after the table's first insert. */
    static const char *const sql[] = {
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'searches'",
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'searches', ?1"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'searches')",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *s = NULL;
        int code = prep(st, sql[i], &s, err);
        if (code)
            return code;
        sqlite3_bind_int64(s, 1, base);
        if ((code = run(st, s, "cannot number the search log", err)) != 0)
            return code;
    }
    return 0;
}

/* The static name of a logged endpoint (the table's CHECK allows no other). */
static const char *endpoint_name(const char *e)
{
    for (size_t i = 0; e && kb_events_endpoints[i]; i++)
        if (strcmp(e, kb_events_endpoints[i]) == 0)
            return kb_events_endpoints[i];
    return NULL;
}

int kb_events_search_rows_after(struct kb_store *st, int64_t after, size_t max,
                                struct kb_search_row **rows, size_t *n, struct kb_err *err)
{
    *rows = NULL;
    *n = 0;
    if (max == 0)
        return 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT id, time, query, role, endpoint, results, locale FROM searches "
                        "WHERE id > ?1 ORDER BY id LIMIT ?2", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    struct kb_search_row *out = NULL;
    size_t k = 0, cap = 0;
    int rc = SQLITE_DONE;
    while (k < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? 2 * cap : 64;
            out = kb_xrealloc(out, cap * sizeof *out);
        }
        struct kb_search_row *r = &out[k++];
        memset(r, 0, sizeof *r);
        r->id = sqlite3_column_int64(s, 0);
        r->time = sqlite3_column_int64(s, 1);
        r->query = col_text(s, 2);
        r->role = kb_role_parse((const char *)sqlite3_column_text(s, 3));
        r->endpoint = endpoint_name((const char *)sqlite3_column_text(s, 4));
        int64_t nres = sqlite3_column_int64(s, 5);
        r->results = nres > 0 ? (uint64_t)nres : 0;
        r->locale = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : col_text(s, 6);
    }
    if (k < max && rc != SQLITE_DONE) {
        code = sql_fail(st, err, rc, "cannot read the search log");
        kb_search_rows_free(out, k);
        out = NULL;
        k = 0;
    }
    sqlite3_finalize(s);
    *rows = out;
    *n = k;
    return code;
}

void kb_search_rows_free(struct kb_search_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        kb_search_row_release(&rows[i]);
    free(rows);
}
