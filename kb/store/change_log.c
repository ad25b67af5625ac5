/* The primary's side of change-based replicas (see changes.h): a session
 * (SQLite's session extension) on every store handle records what its
 * transactions change; before a write operation commits, the changes become
 * one changeset in replica_changes, in the same transaction, so the log is
 * in commit order and numbered with the outbox seq it reached. A
 * changeset is the rows as they are when it is taken (the session keeps
 * only the original values): changes rolled back leave nothing. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/store/changes.h"
#include "kb/store/store_int.h"

#define PRUNE_EVERY_S 10 /* the log is pruned at most this often per handle */

/* Version 9: the changeset log. ids are consecutive (AUTOINCREMENT; a
 * rolled-back insert takes its number back), so a replica can tell a gap. */
const char kb_changes_schema_sql[] =
    "CREATE TABLE replica_changes ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " seq INTEGER NOT NULL," /* the outbox seq once this transaction committed */
    " created INTEGER NOT NULL,"
    " data BLOB NOT NULL);"
    "CREATE INDEX replica_changes_created ON replica_changes (created);";

static atomic_int record_on = 1;
static _Atomic int64_t window_s = KB_CHANGES_WINDOW_S;

struct store_changes {
    sqlite3_session *sess;
    int hash_col;       /* users.password_hash's column; -1 until known */
    int64_t last_prune; /* store_now() of the last prune */
    int64_t logged;     /* bytes logged since then */
};

void kb_store_changes_configure(int record, int64_t window)
{
    atomic_store(&record_on, record ? 1 : 0);
    if (window > 0)
        atomic_store(&window_s, window);
}

/* Tables a replica does not need: the telemetry its primary alone keeps
 * (a replica logs and ships its own searches, forwards events), the outbox
 * (a replica's index comes from xapian-replicate) and the log itself. */
static int table_filter(void *ud, const char *table)
{
    (void)ud;
    static const char *const skip[] = {
        "replica_changes", "outbox", "searches", "events", "feedback", "article_usage",
        "search_days", "login_failures",
        /* customers' messages and the destinations' secrets: the primary
         * alone delivers them (replicas forward the form) */
        "contact_requests", "contact_deliveries", "contact_destinations",
        /* the RT sync's token and cursor: the primary alone syncs */
        "rt_sync", NULL,
    };
    for (size_t i = 0; skip[i]; i++)
        if (strcmp(table, skip[i]) == 0)
            return 0;
    return strncmp(table, "sqlite_", 7) != 0;
}

static int session_new(struct kb_store *st, struct kb_err *err)
{
    sqlite3_session *s = NULL;
    int rc = sqlite3session_create(st->db, "main", &s);
    if (rc == SQLITE_OK) {
        sqlite3session_table_filter(s, table_filter, NULL);
        rc = sqlite3session_attach(s, NULL);
    }
    if (rc != SQLITE_OK) {
        if (s)
            sqlite3session_delete(s);
        return kb_err_set(err, store_code(rc) ? store_code(rc) : KB_EINTERNAL,
                          "cannot record the changes of store '%s': %s", st->path,
                          sqlite3_errstr(rc));
    }
    st->changes->sess = s;
    return 0;
}

int store_changes_open(struct kb_store *st, struct kb_err *err)
{
    if (!atomic_load(&record_on))
        return 0;
    st->changes = kb_xcalloc(1, sizeof *st->changes);
    st->changes->hash_col = -1;
    st->changes->last_prune = store_now();
    return session_new(st, err);
}

void store_changes_close(struct kb_store *st)
{
    if (!st->changes)
        return;
    if (st->changes->sess)
        sqlite3session_delete(st->changes->sess);
    free(st->changes);
    st->changes = NULL;
}

/* ---- the changeset rewritten without password hashes ----------------------
 * The format is SQLite's (sqlite3session.c, "Changeset format"): per table
 * 'T', varint column count, one PK flag byte per column, the name and a
 * NUL; per change the op, the indirect flag and the old and/or new record,
 * each value a type byte (0 undefined, 1 integer, 2 real, 3 text, 4 blob,
 * 5 null) and its bytes (8 big-endian for numbers, varint length + data). */

static void put_varint(struct kb_buf *b, uint64_t v)
{
    unsigned char tmp[10];
    int n = 0;
    do {
        tmp[n++] = (unsigned char)(v & 0x7f);
        v >>= 7;
    } while (v && n < 8);
    for (int i = n - 1; i >= 0; i--)
        kb_buf_addc(b, (char)(tmp[i] | (i ? 0x80 : 0)));
}

static void put_be64(struct kb_buf *b, uint64_t v)
{
    unsigned char o[8];
    for (int i = 0; i < 8; i++)
        o[i] = (unsigned char)(v >> (56 - 8 * i));
    kb_buf_add(b, o, 8);
}

/* One value; v NULL is "undefined" (a column an UPDATE did not change). */
static void put_value(struct kb_buf *b, sqlite3_value *v)
{
    int t = v ? sqlite3_value_type(v) : 0;
    switch (t) {
    case 0:
        kb_buf_addc(b, 0);
        break;
    case SQLITE_INTEGER:
        kb_buf_addc(b, 1);
        put_be64(b, (uint64_t)sqlite3_value_int64(v));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        uint64_t u;
        memcpy(&u, &d, 8);
        kb_buf_addc(b, 2);
        put_be64(b, u);
        break;
    }
    case SQLITE_TEXT:
    case SQLITE_BLOB: {
        const void *p = t == SQLITE_TEXT ? (const void *)sqlite3_value_text(v)
                                         : sqlite3_value_blob(v);
        int n = sqlite3_value_bytes(v);
        kb_buf_addc(b, t == SQLITE_TEXT ? 3 : 4);
        put_varint(b, (uint64_t)n);
        if (n > 0)
            kb_buf_add(b, p, (size_t)n);
        break;
    }
    default:
        kb_buf_addc(b, 5);
    }
}

static void put_text(struct kb_buf *b, const char *s)
{
    kb_buf_addc(b, 3);
    put_varint(b, strlen(s));
    kb_buf_add(b, s, strlen(s));
}

/* The column of users.password_hash (-2: none). */
static int hash_column(struct kb_store *st)
{
    if (st->changes->hash_col != -1)
        return st->changes->hash_col;
    sqlite3_stmt *s = NULL;
    int col = -2;
    if (sqlite3_prepare_v2(st->db, "SELECT cid FROM pragma_table_info('users') "
                           "WHERE name = 'password_hash'", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        col = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return st->changes->hash_col = col;
}

/* The changeset cs with every users.password_hash made '!' (inserts and
 * deletes) or left out (updates: an update of the hash alone is dropped).
 * Returns 0 with *out filled (caller releases), or a KB_E* code. */
static int scrub(struct kb_store *st, const void *cs, int n, struct kb_buf *out,
                 struct kb_err *err)
{
    int hcol = hash_column(st);
    sqlite3_changeset_iter *it = NULL;
    int rc = sqlite3changeset_start(&it, n, (void *)cs);
    char table[128] = "";
    while (rc == SQLITE_OK && sqlite3changeset_next(it) == SQLITE_ROW) {
        const char *tab;
        int ncol, op, indirect, npk;
        unsigned char *pk;
        if ((rc = sqlite3changeset_op(it, &tab, &ncol, &op, &indirect)) != SQLITE_OK ||
            (rc = sqlite3changeset_pk(it, &pk, &npk)) != SQLITE_OK)
            break;
        int users = strcmp(tab, "users") == 0 && hcol >= 0 && hcol < ncol;
        sqlite3_value *o[64], *nw[64];
        if (ncol > 64) {
            rc = SQLITE_TOOBIG;
            break;
        }
        int changed = op != SQLITE_UPDATE;
        for (int i = 0; i < ncol; i++) {
            o[i] = nw[i] = NULL;
            if (op != SQLITE_INSERT)
                sqlite3changeset_old(it, i, &o[i]);
            if (op != SQLITE_DELETE)
                sqlite3changeset_new(it, i, &nw[i]);
            if (op == SQLITE_UPDATE && nw[i] && !(users && i == hcol))
                changed = 1;
        }
        if (!changed)
            continue;
        if (strcmp(tab, table) != 0) {
            snprintf(table, sizeof table, "%s", tab);
            kb_buf_addc(out, 'T');
            put_varint(out, (uint64_t)ncol);
            kb_buf_add(out, pk, (size_t)ncol);
            kb_buf_add(out, tab, strlen(tab) + 1);
        }
        kb_buf_addc(out, (char)op);
        kb_buf_addc(out, (char)(indirect ? 1 : 0));
        for (int pass = 0; pass < 2; pass++) {
            if ((pass == 0 && op == SQLITE_INSERT) || (pass == 1 && op == SQLITE_DELETE))
                continue;
            sqlite3_value **v = pass == 0 ? o : nw;
            for (int i = 0; i < ncol; i++) {
                if (users && i == hcol && op == SQLITE_UPDATE)
                    kb_buf_addc(out, 0);
                else if (users && i == hcol)
                    put_text(out, "!");
                else
                    put_value(out, v[i]);
            }
        }
    }
    int frc = it ? sqlite3changeset_finalize(it) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = frc;
    if (rc != SQLITE_OK)
        return kb_err_set(err, KB_EINTERNAL, "cannot read a changeset of store '%s': %s",
                          st->path, sqlite3_errstr(rc));
    return 0;
}

/* ---- recording ---------------------------------------------------------- */

/* Drops changesets older than the window, at most every PRUNE_EVERY_S, and
 * the oldest beyond KB_CHANGES_MAX_BYTES, at once when a quarter of that was
 * logged since the last prune (a bulk import). */
static int prune(struct kb_store *st, struct kb_err *err)
{
    int64_t now = store_now();
    int64_t every = atomic_load(&window_s) < PRUNE_EVERY_S ? atomic_load(&window_s) : PRUNE_EVERY_S;
    if (now - st->changes->last_prune < every &&
        st->changes->logged < KB_CHANGES_MAX_BYTES / 4)
        return 0;
    st->changes->last_prune = now;
    st->changes->logged = 0;
    static const char *const sql[] = {
        "DELETE FROM replica_changes WHERE created < ?1",
        "DELETE FROM replica_changes WHERE id <= (SELECT id FROM (SELECT id, SUM(length(data))"
        " OVER (ORDER BY id DESC) AS newer FROM replica_changes) WHERE newer > ?1"
        " ORDER BY id DESC LIMIT 1)",
    };
    for (size_t i = 0; i < sizeof sql / sizeof *sql; i++) {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(st->db, sql[i], -1, &s, NULL);
        if (rc == SQLITE_OK) {
            if (i == 0)
                sqlite3_bind_int64(s, 1, now - atomic_load(&window_s));
            else
                sqlite3_bind_int64(s, 1, KB_CHANGES_MAX_BYTES);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE && rc != SQLITE_OK)
            return store_fail(st, err, rc, "cannot prune the changeset log of store '%s'",
                              st->path);
    }
    return 0;
}

int store_changes_flush_in_txn(struct kb_store *st, struct kb_err *err)
{
    struct store_changes *c = st->changes;
    if (!c || !c->sess || sqlite3session_isempty(c->sess))
        return 0;
    /* Callers read the rowid of their own last insert after this. */
    sqlite3_int64 rowid = sqlite3_last_insert_rowid(st->db);
    int n = 0;
    void *cs = NULL;
    int rc = sqlite3session_changeset(c->sess, &n, &cs);
    /* A new session for the next transaction: this one's changes are in cs. */
    sqlite3session_delete(c->sess);
    c->sess = NULL;
    int code = session_new(st, err);
    if (rc != SQLITE_OK) {
        sqlite3_free(cs);
        return store_fail(st, err, rc, "cannot take the changes of store '%s'", st->path);
    }
    struct kb_buf b = KB_BUF_INIT;
    if (code == 0 && n > 0)
        code = scrub(st, cs, n, &b, err);
    sqlite3_free(cs);
    if (code == 0 && b.len > 0) {
        int found = 0;
        int64_t seq = 0;
        sqlite3_stmt *s = NULL;
        code = store_query_id(st, Q_OUTBOX_LAST, NULL, NULL, 0, &found, &seq, err);
        if (code == 0 && (rc = sqlite3_prepare_v2(st->db, "INSERT INTO replica_changes "
                                                  "(seq, created, data) VALUES (?1, ?2, ?3)",
                                                  -1, &s, NULL)) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, seq);
            sqlite3_bind_int64(s, 2, store_now());
            sqlite3_bind_blob(s, 3, b.data, (int)b.len, SQLITE_STATIC);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (code == 0 && rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot log the changes of store '%s'", st->path);
        st->changes->logged += (int64_t)b.len;
        if (code == 0)
            code = prune(st, err);
    }
    kb_buf_release(&b);
    sqlite3_set_last_insert_rowid(st->db, rowid);
    return code;
}

int kb_store_changes_flush(struct kb_store *st, struct kb_err *err)
{
    if (!st->changes || !st->changes->sess || sqlite3session_isempty(st->changes->sess))
        return 0;
    if (st->in_txn)
        return store_changes_flush_in_txn(st, err);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    return store_wend(st, 0, err); /* flushes before it commits */
}

void store_changes_after_write(struct kb_store *st)
{
    struct kb_err err;
    if (!st->in_txn && kb_store_changes_flush(st, &err) != 0)
        kb_log(KB_LOG_WARN, "store: %s", err.msg);
}

/* ---- the log, read for a replica ---------------------------------------- */

static int query_int(struct kb_store *st, const char *sql, int64_t *out, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    *out = 0;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_type(s, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read the changeset log of store '%s'", st->path);
    return 0;
}

#define HEAD_SQL "SELECT max(coalesce((SELECT max(id) FROM replica_changes), 0), " \
    "coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'replica_changes'), 0))"

int kb_store_changes_last(struct kb_store *st, int64_t *last, struct kb_err *err)
{
    return query_int(st, HEAD_SQL, last, err);
}

int kb_store_changes_position(struct kb_store *st, int64_t *pos, struct kb_err *err)
{
    return query_int(st, HEAD_SQL, pos, err);
}

static void put_frame_head(struct kb_buf *b, int64_t id, int64_t seq, uint32_t len)
{
    put_be64(b, (uint64_t)id);
    put_be64(b, (uint64_t)seq);
    unsigned char l[4] = {(unsigned char)(len >> 24), (unsigned char)(len >> 16),
                          (unsigned char)(len >> 8), (unsigned char)len};
    kb_buf_add(b, l, 4);
}

int kb_store_changes_after(struct kb_store *st, int64_t after, size_t max_bytes,
                           struct kb_buf *out, int64_t *last, struct kb_err *err)
{
    int own = sqlite3_get_autocommit(st->db);
    if (own && sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        return store_fail(st, err, sqlite3_errcode(st->db), "cannot read store '%s'", st->path);
    int64_t head = 0, first = 0;
    int code = query_int(st, HEAD_SQL, &head, err);
    if (code == 0)
        code = query_int(st, "SELECT min(id) FROM replica_changes", &first, err);
    *last = head;
    if (code == 0 && (after > head || (after < head && (first < 0 || first > after + 1))))
        code = kb_err_set(err, KB_ENOTFOUND, "the changes after %lld are no longer kept "
                          "(the log holds %lld to %lld)", (long long)after,
                          (long long)(first < 0 ? head + 1 : first), (long long)head);
    sqlite3_stmt *s = NULL;
    int rc = SQLITE_DONE;
    if (code == 0 && after < head &&
        (rc = sqlite3_prepare_v2(st->db, "SELECT id, seq, data FROM replica_changes "
                                 "WHERE id > ?1 ORDER BY id", -1, &s, NULL)) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, after);
        size_t start = out->len;
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            int n = sqlite3_column_bytes(s, 2);
            put_frame_head(out, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
                           (uint32_t)n);
            kb_buf_add(out, sqlite3_column_blob(s, 2), (size_t)n);
            if (out->len - start >= max_bytes) {
                rc = SQLITE_DONE;
                break;
            }
        }
    }
    if (code == 0 && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the changeset log of store '%s'", st->path);
    sqlite3_finalize(s);
    if (own)
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL); /* read only */
    return code;
}
