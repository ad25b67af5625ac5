/* The RT sync's settings and cursor (see rt_state.h). */
#include <string.h>

#include "kb/store/rt_state.h"
#include "kb/store/store_int.h"

const char kb_rt_state_schema_sql[] =
    "CREATE TABLE rt_sync ("
    " name TEXT PRIMARY KEY,"
    " value TEXT NOT NULL,"
    " updated INTEGER NOT NULL) WITHOUT ROWID;";

int kb_rt_state_get(struct kb_store *st, const char *name, char **value, struct kb_err *err)
{
    *value = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT value FROM rt_sync WHERE name = ?1", -1, &s,
                                NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read the rt sync's %s", name);
    store_bind(s, 1, name);
    rc = sqlite3_step(s);
    int code = 0;
    if (rc == SQLITE_ROW)
        *value = store_col(s, 0);
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the rt sync's %s", name);
    sqlite3_finalize(s);
    return code;
}

int kb_rt_state_set(struct kb_store *st, const char *name, const char *value,
                    struct kb_err *err)
{
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    const char *sql = value ? "INSERT INTO rt_sync (name, value, updated) VALUES (?1, ?2, ?3) "
                              "ON CONFLICT (name) DO UPDATE SET value = excluded.value, "
                              "updated = excluded.updated"
                            : "DELETE FROM rt_sync WHERE name = ?1";
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, name);
        if (value) {
            store_bind(s, 2, value);
            sqlite3_bind_int64(s, 3, store_now());
        }
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot store the rt sync's %s", name);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}
