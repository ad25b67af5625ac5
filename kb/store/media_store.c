/* Imported images in the store: see media_store.h. */
#include "kb/store/media_store.h"

#include <stdlib.h>
#include <string.h>

#include "kb/store/store_int.h"

const char kb_media_schema_sql[] =
    "CREATE TABLE media ("
    " key TEXT PRIMARY KEY CHECK (key <> ''),"
    " type TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " public INTEGER NOT NULL DEFAULT 0,"
    " updated INTEGER NOT NULL);";

int kb_media_put(struct kb_store *st, const char *key, const char *type, const char *data,
                 size_t len, int public, struct kb_err *err)
{
    if (!key || !*key || !type || !data || !len || len > (size_t)1 << 30)
        return kb_err_set(err, KB_EINVAL, "media '%.200s': empty key, type or data",
                          key ? key : "");
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO media (key, type, data, public, updated) VALUES "
                                "(?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET type ="
                                " excluded.type, data = excluded.data, public = max(public,"
                                " excluded.public), updated = excluded.updated WHERE data IS NOT"
                                " excluded.data OR public < excluded.public", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, key);
        store_bind(s, 2, type);
        sqlite3_bind_blob(s, 3, data, (int)len, SQLITE_STATIC);
        sqlite3_bind_int(s, 4, public ? 1 : 0);
        sqlite3_bind_int64(s, 5, store_now());
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot store media '%.200s'", key);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}

int kb_media_get(struct kb_store *st, const char *key, int public_only, char **type,
                 char **data, size_t *len, struct kb_err *err)
{
    *type = *data = NULL;
    *len = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT type, data FROM media WHERE key = ?1 AND "
                                        "(?2 = 0 OR EXISTS (SELECT 1 FROM media_refs r "
                                        "WHERE r.key = media.key))", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read media '%.200s'", key);
    store_bind(s, 1, key);
    sqlite3_bind_int(s, 2, public_only ? 1 : 0);
    int code = 0;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        *type = store_col(s, 0);
        *data = kb_xmalloc(n + 1);
        if (n)
            memcpy(*data, sqlite3_column_blob(s, 1), n);
        *len = n;
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "no media '%.200s'", key);
    } else {
        code = store_fail(st, err, rc, "cannot read media '%.200s'", key);
    }
    sqlite3_finalize(s);
    return code;
}
