/* The help center's settings and uploaded files (see site.h). */
#include "kb/store/site.h"

#include <stdlib.h>
#include <string.h>

#include "kb/store/store_int.h"

/* Self-contained (its own tables only). */
const char kb_site_schema_sql[] =
    "CREATE TABLE site_settings ("
    " key TEXT PRIMARY KEY CHECK (key <> ''),"
    " value TEXT NOT NULL,"
    " updated INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE site_files ("
    " name TEXT PRIMARY KEY CHECK (name <> ''),"
    " type TEXT NOT NULL,"
    " data BLOB NOT NULL,"
    " updated INTEGER NOT NULL) WITHOUT ROWID;";

static int key_ok(const char *key, const char *what, struct kb_err *err)
{
    if (!key || !*key || strlen(key) > KB_SITE_KEY_MAX)
        return kb_err_set(err, KB_EINVAL, "site %s name must be 1 to %d bytes", what,
                          KB_SITE_KEY_MAX);
    return 0;
}

int kb_site_get(struct kb_store *st, const char *key, char **value, int64_t *updated,
                struct kb_err *err)
{
    *value = NULL;
    if (updated)
        *updated = 0;
    int code = key_ok(key, "setting", err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT value, updated FROM site_settings WHERE key = ?1",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read site setting '%s'", key);
    store_bind(s, 1, key);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *value = store_col(s, 0);
        if (updated)
            *updated = sqlite3_column_int64(s, 1);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "site setting '%s' is not set", key);
    } else {
        code = store_fail(st, err, rc, "cannot read site setting '%s'", key);
    }
    sqlite3_finalize(s);
    return code;
}

int kb_site_set(struct kb_store *st, const char *key, const char *value, struct kb_err *err)
{
    int code = key_ok(key, "setting", err);
    if (code)
        return code;
    if (!value)
        return kb_err_set(err, KB_EINVAL, "site setting '%s': no value", key);
    if (strlen(value) > KB_SITE_VALUE_MAX)
        return kb_err_set(err, KB_ETOOBIG, "site setting '%s' is over %d bytes", key,
                          KB_SITE_VALUE_MAX);
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO site_settings (key, value, updated) VALUES (?1, ?2, ?3)"
                                " ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
                                " updated = max(excluded.updated, site_settings.updated + 1)",
                                -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, key);
        store_bind(s, 2, value);
        sqlite3_bind_int64(s, 3, store_now());
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot store site setting '%s'", key);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}

int kb_site_file_get(struct kb_store *st, const char *name, char **type, void **data,
                     size_t *len, int64_t *updated, struct kb_err *err)
{
    *type = NULL;
    *data = NULL;
    *len = 0;
    if (updated)
        *updated = 0;
    int code = key_ok(name, "file", err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT type, data, updated FROM site_files "
                                        "WHERE name = ?1", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read site file '%s'", name);
    store_bind(s, 1, name);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *type = store_col(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 1);
        *data = kb_xmalloc(n ? n : 1);
        if (n)
            memcpy(*data, sqlite3_column_blob(s, 1), n);
        *len = n;
        if (updated)
            *updated = sqlite3_column_int64(s, 2);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "site file '%s' does not exist", name);
    } else {
        code = store_fail(st, err, rc, "cannot read site file '%s'", name);
    }
    sqlite3_finalize(s);
    return code;
}

int kb_site_file_set(struct kb_store *st, const char *name, const char *type, const void *data,
                     size_t len, struct kb_err *err)
{
    int code = key_ok(name, "file", err);
    if (code)
        return code;
    if (!type || !*type || (!data && len))
        return kb_err_set(err, KB_EINVAL, "site file '%s': no type or data", name);
    if (len > KB_SITE_FILE_MAX)
        return kb_err_set(err, KB_ETOOBIG, "site file '%s' is over %d bytes", name,
                          KB_SITE_FILE_MAX);
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO site_files (name, type, data, updated)"
                                " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO UPDATE SET"
                                " type = excluded.type, data = excluded.data,"
                                " updated = max(excluded.updated, site_files.updated + 1)",
                                -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, name);
        store_bind(s, 2, type);
        sqlite3_bind_blob(s, 3, len ? data : "", (int)len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, store_now());
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot store site file '%s'", name);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}

int kb_site_file_delete(struct kb_store *st, const char *name, struct kb_err *err)
{
    int code = key_ok(name, "file", err);
    if (code)
        return code;
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "DELETE FROM site_files WHERE name = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, name);
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot remove site file '%s'", name);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}
