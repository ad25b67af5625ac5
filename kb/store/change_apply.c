/* The replica's side of change-based replicas (see changes.h): frames of
 * changesets applied to a store copy in order, each in one transaction
 * that records its id as the copy's position (replica_changes' row in
 * sqlite_sequence); and a snapshot file made ready to be a copy. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/store/changes.h"
#include "kb/store/store_int.h"

#define FRAME_HEAD 20

static uint64_t be(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* The copy follows the primary: a row changed or removed there since the
 * copy was taken (or by a changeset the copy already had a later value
 * from) takes the primary's value; one already gone stays gone. Foreign
 * keys the primary kept are kept (its cascades are in the changeset too). */
static int on_conflict(void *ud, int kind, sqlite3_changeset_iter *it)
{
    (void)ud;
    (void)it;
    switch (kind) {
    case SQLITE_CHANGESET_DATA:
    case SQLITE_CHANGESET_CONFLICT:
        return SQLITE_CHANGESET_REPLACE;
    default: /* NOTFOUND, CONSTRAINT (after the retry), FOREIGN_KEY */
        return SQLITE_CHANGESET_OMIT;
    }
}

static int set_position(struct kb_store *st, int64_t id, struct kb_err *err)
{
    static const char *const sql[] = {
        "UPDATE sqlite_sequence SET seq = ?1 WHERE name = 'replica_changes'",
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'replica_changes', ?1"
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'replica_changes')",
    };
    for (size_t i = 0; i < 2; i++) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, id);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE)
            return store_fail(st, err, rc, "cannot record the position of store '%s'",
                              st->path);
    }
    return 0;
}

int kb_store_changes_apply(struct kb_store *st, const void *frames, size_t len,
                           size_t *applied, int64_t *seq, struct kb_err *err)
{
    const unsigned char *p = frames, *end = p + len;
    size_t k = 0;
    int64_t pos = 0;
    int code = kb_store_changes_position(st, &pos, err);
    while (code == 0 && p < end) {
        if ((size_t)(end - p) < FRAME_HEAD || (size_t)(end - p - FRAME_HEAD) < be(p + 16, 4)) {
            code = kb_err_set(err, KB_EINVAL, "a changeset frame is cut short");
            break;
        }
        int64_t id = (int64_t)be(p, 8), fseq = (int64_t)be(p + 8, 8);
        int n = (int)be(p + 16, 4);
        void *cs = (void *)(p + FRAME_HEAD);
        p += FRAME_HEAD + (size_t)n;
        if (id != pos + 1) {
            code = kb_err_set(err, KB_EINVAL, "changeset %lld does not follow the copy's "
                              "position %lld", (long long)id, (long long)pos);
            break;
        }
        if ((code = store_wbegin(st, err)) != 0)
            break;
        int rc = sqlite3changeset_apply(st->db, n, cs, NULL, on_conflict, NULL);
        if (rc != SQLITE_OK)
            code = store_fail(st, err, rc, "cannot apply changeset %lld to store '%s'",
                              (long long)id, st->path);
        if (code == 0)
            code = set_position(st, id, err);
        if ((code = store_wend(st, code, err)) != 0)
            break;
        pos = id;
        k++;
        if (seq)
            *seq = fseq;
    }
    if (applied)
        *applied = k;
    return code;
}

int kb_store_changes_scrub_copy(const char *path, struct kb_err *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    /* The log's head stays in sqlite_sequence: the copy's position. Contact
     * requests (customers' messages) and the destinations' secrets stay on
     * the primary, which alone delivers them (replicas forward the form). */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, "PRAGMA journal_mode = MEMORY; PRAGMA secure_delete = ON;"
                              "UPDATE users SET password_hash = '!';"
                              "DELETE FROM contact_deliveries; DELETE FROM contact_requests;"
                              "DELETE FROM contact_destinations; DELETE FROM rt_sync;"
                              "DELETE FROM replica_changes; VACUUM", NULL, NULL, NULL);
    int code = 0;
    if (rc != SQLITE_OK)
        code = kb_err_set(err, store_code(rc) ? store_code(rc) : KB_EINTERNAL,
                          "cannot prepare the store copy '%s': %s", path,
                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    if (db && sqlite3_close(db) != SQLITE_OK && !code)
        code = kb_err_set(err, KB_EIO, "cannot close '%s'", path);
    return code;
}
