/* The contact destinations an admin configures (see contact.h): one row per
 * kind with its settings as a JSON object, secrets included (the admin API
 * never sends them back). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "kb/store/contact.h"
#include "kb/store/store_int.h"

int kb_contact_dest_kind_ok(const char *kind)
{
    return kind && (!strcmp(kind, "webhook") || !strcmp(kind, "email") || !strcmp(kind, "rt"));
}

int kb_contact_dest_set(struct kb_store *st, const char *kind, int enabled, const char *config,
                        struct kb_err *err)
{
    if (!kb_contact_dest_kind_ok(kind))
        return kb_err_set(err, KB_EINVAL, "unknown contact destination '%s'", kind ? kind : "");
    json_t *j = config ? json_loads(config, 0, NULL) : NULL;
    int ok = json_is_object(j);
    json_decref(j);
    if (!ok)
        return kb_err_set(err, KB_EINVAL, "contact destination '%s': settings must be a JSON "
                                          "object", kind);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO contact_destinations (kind, enabled, config, updated) "
                                "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (kind) DO UPDATE SET "
                                "enabled = excluded.enabled, config = excluded.config, "
                                "updated = excluded.updated", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        store_bind(s, 1, kind);
        sqlite3_bind_int(s, 2, enabled ? 1 : 0);
        store_bind(s, 3, config);
        sqlite3_bind_int64(s, 4, store_now());
        rc = sqlite3_step(s);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot store contact destination '%s'", kind);
    sqlite3_finalize(s);
    return store_wend(st, code, err);
}

int kb_contact_dest_get(struct kb_store *st, const char *kind, int *enabled, char **config,
                        struct kb_err *err)
{
    *config = NULL;
    *enabled = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT enabled, config FROM contact_destinations "
                                        "WHERE kind = ?1", -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read contact destination '%s'", kind);
    store_bind(s, 1, kind);
    rc = sqlite3_step(s);
    int code = 0;
    if (rc == SQLITE_ROW) {
        *enabled = sqlite3_column_int(s, 0);
        *config = store_col(s, 1);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "contact destination '%s' is not configured", kind);
    } else {
        code = store_fail(st, err, rc, "cannot read contact destination '%s'", kind);
    }
    sqlite3_finalize(s);
    return code;
}
