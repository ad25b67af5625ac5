/* The SQLite store: opening, transactions, cached statements, outbox,
 * synonyms and metadata. Documents are in store_doc.c, tables and
 * migrations in store_schema.c. */
#include "kb/store/store.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb/base/buf.h"
#include "kb/base/datadir.h"
#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define MAX_SYNONYM 200 /* bytes per term or synonym */

const char *const store_sql[Q_COUNT] = {
#define STMT_SQL(id, sql) sql,
    STORE_STMTS(STMT_SQL)
#undef STMT_SQL
};

/* ---- errors, statements, transactions ---------------------------------- */

int store_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK: return KB_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KB_EBUSY;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return KB_ECORRUPT;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE: return KB_EINVAL;
    case SQLITE_TOOBIG: return KB_ETOOBIG;
    case SQLITE_FULL: return KB_ENOSPC;
    case SQLITE_READONLY: return KB_EROFS;
    case SQLITE_NOMEM:
    case SQLITE_MISUSE:
    case SQLITE_ERROR: return KB_EINTERNAL;
    default: return KB_EIO;
    }
}

int store_fail(struct kb_store *st, struct kb_err *err, int rc, const char *fmt, ...)
{
    char what[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const char *msg = st && st->db && (sqlite3_extended_errcode(st->db) & 0xff) == (rc & 0xff)
                          ? sqlite3_errmsg(st->db)
                          : sqlite3_errstr(rc);
    int code = store_code(rc);
    if (code == KB_OK)
        code = KB_EINTERNAL;
    return kb_err_set(err, code, "%s: %s", what, msg);
}

int64_t store_now(void)
{
    return (int64_t)time(NULL);
}

/* The cached statement id, prepared on first use. */
int store_prep(struct kb_store *st, int id, sqlite3_stmt **out, struct kb_err *err)
{
    if (!st->stmts[id]) {
        int rc = sqlite3_prepare_v3(st->db, store_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmts[id], NULL);
        if (rc != SQLITE_OK) {
            st->stmts[id] = NULL;
            return store_fail(st, err, rc, "cannot prepare store statement %d", id);
        }
    }
    *out = st->stmts[id];
    return 0;
}

/* Resets a cached statement after use; bindings may point at caller memory. */
void store_done(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

void store_bind(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

char *store_col(sqlite3_stmt *s, int i)
{
    return kb_xstrdup((const char *)sqlite3_column_text(s, i));
}

/* Runs a cached statement that returns no rows. */
int store_run(struct kb_store *st, int id, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, id, &s, err);
    if (code)
        return code;
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        const char *what = id == Q_BEGIN ? "cannot start a write on"
                         : id == Q_COMMIT ? "cannot commit to"
                         : "cannot run a statement on";
        code = store_fail(st, err, rc, "%s store '%s'", what, st->path);
    }
    store_done(s);
    return code;
}

/* Runs a cached statement binding ?1 to n, returning no rows. */
int store_run_int(struct kb_store *st, int id, int64_t n, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, id, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, n);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = store_fail(st, err, rc, "cannot write to store '%s'", st->path);
    store_done(s);
    return code;
}

int store_txn_lost(struct kb_err *err)
{
    return kb_err_set(err, KB_EIO, "the store transaction was rolled back after an earlier "
                                   "error; roll back and start again");
}

/* ---- durability ---------------------------------------------------------
 * A connection rests at synchronous = NORMAL. In WAL mode that never
 * corrupts the database and survives a crash of the process; only a power
 * cut or an OS crash may lose the transactions committed since the WAL was
 * last synced (by a FULL commit or a checkpoint). That is what the
 * telemetry written outside store operations gets: the search log (one
 * insert per search, on the request path), events, feedback, metadata and
 * outbox trims; kb-server's sync thread checkpoints at least once a second,
 * which bounds what a power cut can take.
 * The store's own write operations (store_wbegin outside a transaction and
 * kb_store_begin: articles, tickets, users, sessions, tokens, synonyms, and
 * the "asked as" learning) switch to FULL for their transaction, so an
 * acknowledged write survives a power cut as before, and its fsync of the
 * WAL also makes every earlier commit durable. The switch costs two short
 * PRAGMAs per write operation, none per search. A PRAGMA takes effect
 * when it is prepared, so these cannot be cached statements; SQLite refuses
 * them inside a transaction, hence the autocommit checks. */

/* Sets the connection's synchronous level to FULL (full set) or NORMAL. */
static int set_sync_full(struct kb_store *st, int full, struct kb_err *err)
{
    if (st->sync_full == full || !sqlite3_get_autocommit(st->db))
        return 0;
    int rc = sqlite3_exec(st->db, full ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot set the durability of store '%s'", st->path);
    st->sync_full = full;
    return 0;
}

/* Back to NORMAL after a write operation; a failure only leaves FULL on. */
static void sync_rest(struct kb_store *st)
{
    struct kb_err err;
    if (set_sync_full(st, 0, &err) != 0)
        kb_log(KB_LOG_WARN, "store: %s", err.msg);
}

/* BEGIN IMMEDIATE at synchronous = FULL. */
static int begin_full(struct kb_store *st, struct kb_err *err)
{
    int code = set_sync_full(st, 1, err);
    if (code == 0 && (code = store_run(st, Q_BEGIN, err)) != 0)
        sync_rest(st);
    return code;
}

/* Starts one write operation: its own transaction, or a savepoint inside the
 * caller's so that a failed operation leaves the rest of a batch intact. */
int store_wbegin(struct kb_store *st, struct kb_err *err)
{
    if (st->txn_lost)
        return store_txn_lost(err);
    return st->in_txn ? store_run(st, Q_SAVEPOINT, err) : begin_full(st, err);
}

/* Ends a write operation: commits (code == 0) or undoes it. Returns code,
 * or the commit's error. */
int store_wend(struct kb_store *st, int code, struct kb_err *err)
{
    if (code == 0 && !st->in_txn)
        code = store_changes_flush_in_txn(st, err); /* in the same transaction */
    if (code == 0)
        code = store_run(st, st->in_txn ? Q_RELEASE : Q_COMMIT, err);
    if (code != 0 && st->in_txn) {
        if (sqlite3_get_autocommit(st->db)) {
            /* SQLite rolled back the whole transaction (I/O error, full disk). */
            st->txn_lost = 1;
            kb_log(KB_LOG_ERROR, "store: '%s': transaction rolled back after an error",
                   st->path);
        } else {
            store_run(st, Q_ROLLBACK_TO, NULL);
            store_run(st, Q_RELEASE, NULL);
        }
    } else if (code != 0 && !sqlite3_get_autocommit(st->db)) {
        store_run(st, Q_ROLLBACK, NULL);
    }
    if (!st->in_txn)
        sync_rest(st);
    return code;
}

int store_txn_begin(struct kb_store *st, int *own, struct kb_err *err)
{
    *own = !st->in_txn;
    return *own ? kb_store_begin(st, err) : store_wbegin(st, err);
}

int store_txn_end(struct kb_store *st, int own, int code, struct kb_err *err)
{
    if (!own)
        return store_wend(st, code, err);
    if (code == 0)
        return kb_store_commit(st, err);
    kb_store_rollback(st);
    return code;
}

int kb_store_begin(struct kb_store *st, struct kb_err *err)
{
    if (st->in_txn)
        return kb_err_set(err, KB_EINVAL, "a store transaction is already open "
                                          "(nesting is not supported)");
    int code = begin_full(st, err);
    if (code == 0) {
        st->in_txn = 1;
        st->txn_lost = 0;
    }
    return code;
}

int kb_store_commit(struct kb_store *st, struct kb_err *err)
{
    if (!st->in_txn)
        return kb_err_set(err, KB_EINVAL, "no store transaction to commit");
    int code;
    if (st->txn_lost) {
        code = store_txn_lost(err);
    } else {
        code = store_changes_flush_in_txn(st, err); /* in the same transaction */
        if (code == 0)
            code = store_run(st, Q_COMMIT, err);
        if (code && !sqlite3_get_autocommit(st->db))
            store_run(st, Q_ROLLBACK, NULL);
    }
    st->in_txn = st->txn_lost = 0;
    sync_rest(st);
    return code;
}

void kb_store_rollback(struct kb_store *st)
{
    if (!st->in_txn)
        return;
    if (!sqlite3_get_autocommit(st->db))
        store_run(st, Q_ROLLBACK, NULL);
    st->in_txn = st->txn_lost = 0;
    sync_rest(st);
}

/* ---- open and close ---------------------------------------------------- */

/* A clear error for a path whose directory is missing, before SQLite says
 * only "unable to open database file". */
static int check_dir(const char *path, struct kb_err *err)
{
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return 0;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return 0;
    char *dir = slash == path ? kb_xstrdup("/") : kb_xstrndup(path, (size_t)(slash - path));
    struct stat sb;
    int code = 0;
    if (stat(dir, &sb) != 0) {
        int e = errno;
        code = kb_err_set(err, KB_EIO, "cannot open store '%s': directory '%s' %s", path, dir,
                          e == ENOENT ? "does not exist" : strerror(e));
    } else if (!S_ISDIR(sb.st_mode))
        code = kb_err_set(err, KB_EIO, "cannot open store '%s': '%s' is not a directory",
                          path, dir);
    free(dir);
    return code;
}

/* After a failed open: a clearer error when the directory cannot be
 * written (read-only mount, permissions), which SQLite reports only as
 * "unable to open database file" or "attempt to write a readonly database". */
static int explain_readonly(const char *path, int code, struct kb_err *err)
{
    const char *slash = strrchr(path, '/');
    if (strcmp(path, ":memory:") == 0 || strncmp(path, "file:", 5) == 0)
        return code;
    char *dir = !slash ? kb_xstrdup(".") : slash == path ? kb_xstrdup("/")
                                          : kb_xstrndup(path, (size_t)(slash - path));
    if (access(dir, W_OK) != 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
        code = kb_err_set(err, KB_EROFS, "cannot open store '%s': directory '%s' is not "
                          "writable (%s): the store writes its journal beside the database",
                          path, dir, strerror(errno));
    free(dir);
    return code;
}

static int set_wal(struct kb_store *st, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(s, 0);
            if (!mode || strcmp(mode, "wal") != 0)
                kb_log(KB_LOG_WARN, "store: '%s' is not in WAL mode (journal_mode %s)",
                       st->path, mode ? mode : "unknown");
            rc = SQLITE_OK;
        }
    }
    int code = rc == SQLITE_OK ? 0 : store_fail(st, err, rc, "cannot open store '%s'", st->path);
    sqlite3_finalize(s);
    return code;
}

/* The busy handler of store_busy_wait: 50 µs steps for the first
 * millisecond (a colliding single-row commit is over by then), 250 µs up to
 * 10 ms, then 2 ms; gives up after busy_ms in all (clock time). */
static int busy_wait(void *ud, int tries)
{
    struct kb_store *st = ud;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long us = now.tv_sec * 1000000L + now.tv_nsec / 1000;
    if (tries == 0)
        st->busy_since_us = us;
    long waited = us - st->busy_since_us;
    if (waited >= (long)st->busy_ms * 1000)
        return 0;
    long step = waited < 1000 ? 50 : waited < 10000 ? 250 : 2000;
    struct timespec ts = {0, step * 1000};
    nanosleep(&ts, NULL);
    return 1;
}

void store_busy_wait(struct kb_store *st, int ms)
{
    st->busy_ms = ms;
    sqlite3_busy_handler(st->db, ms > 0 ? busy_wait : NULL, st);
}

int kb_store_open(const char *path, struct kb_store **out, struct kb_err *err)
{
    *out = NULL;
    if (!path || !*path)
        return kb_err_set(err, KB_EINVAL, "missing store path");
    int code = check_dir(path, err);
    if (code)
        return code;
    /* A new store is the owner's alone: SQLite gives its -wal and -shm the
     * database file's mode. If this fails, SQLite's own open reports why. */
    if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, KB_FILE_MODE);
        if (fd >= 0)
            close(fd);
    }

    struct kb_store *st = kb_xcalloc(1, sizeof *st);
    st->path = kb_xstrdup(path);
    st->stmts = kb_xcalloc(Q_COUNT, sizeof *st->stmts);
    int rc = sqlite3_open_v2(path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        code = store_fail(st, err, rc, "cannot open store '%s'", path);
        goto fail;
    }
    sqlite3_extended_result_codes(st->db, 1);
    store_busy_wait(st, STORE_BUSY_MS);
    /* journal_size_limit: after a checkpoint starts the WAL over, SQLite
     * cuts the file back to 16 MiB (a burst of imports or searches left it
     * at its largest, 97 MB seen, for good). */
    if ((rc = sqlite3_exec(st->db, "PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF; "
                                   "PRAGMA temp_store = MEMORY; PRAGMA journal_size_limit = 16777216",
                           NULL, NULL, NULL)) != SQLITE_OK) {
        code = store_fail(st, err, rc, "cannot open store '%s'", path);
        goto fail;
    }
    if ((code = set_wal(st, err)) != 0)
        goto fail;
    /* Migrations commit with FULL; then the connection rests at NORMAL and
     * write operations switch to FULL (see "durability" above). */
    st->sync_full = -1; /* SQLite's compiled-in default, whatever it is */
    if ((code = set_sync_full(st, 1, err)) != 0 || (code = store_migrate(st, err)) != 0 ||
        (code = set_sync_full(st, 0, err)) != 0 || (code = store_changes_open(st, err)) != 0)
        goto fail;
    *out = st;
    return 0;
fail:
    kb_store_close(st);
    return explain_readonly(path, code, err);
}

void kb_store_close(struct kb_store *st)
{
    if (!st)
        return;
    if (st->db && st->in_txn) {
        kb_log(KB_LOG_WARN, "store: '%s' closed with an open transaction: rolled back",
               st->path);
        kb_store_rollback(st);
    }
    store_changes_close(st);
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    if (st->db && sqlite3_close(st->db) != SQLITE_OK)
        kb_log(KB_LOG_ERROR, "store: cannot close '%s': %s", st->path, sqlite3_errmsg(st->db));
    free(st->stmts);
    free(st->path);
    free(st);
}

/* ---- checkpoints ---------------------------------------------------------- */

/* After each commit on st: pages is the length of the WAL. Like SQLite's
 * autocheckpoint (a passive checkpoint from KB_STORE_WAL_PAGES on), except
 * that with a checkpointer the commit only wakes it, up to
 * KB_STORE_WAL_MAX_PAGES. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages)
{
    struct kb_store *st = arg;
    if (pages < KB_STORE_WAL_PAGES)
        return SQLITE_OK;
    if (pages < KB_STORE_WAL_MAX_PAGES && st->ckpt_wake && st->ckpt_wake(st->ckpt_ud))
        return SQLITE_OK;
    /* Errors are ignored, as SQLite's own autocheckpoint does: the commit
     * has succeeded, and the next one tries again. */
    sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

void kb_store_defer_checkpoints(struct kb_store *st, int (*wake)(void *ud), void *ud)
{
    st->ckpt_wake = wake;
    st->ckpt_ud = ud;
    if (wake)
        sqlite3_wal_hook(st->db, wal_hook, st); /* replaces the autocheckpoint */
    else
        sqlite3_wal_autocheckpoint(st->db, KB_STORE_WAL_PAGES);
}

int kb_store_checkpoint(struct kb_store *st, int *wal_pages, int *copied, struct kb_err *err)
{
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc == SQLITE_OK && log >= KB_STORE_WAL_PAGES && done == log) {
        /* All of a long WAL is copied, but only a writer whose transaction
         * begins after that starts it again from its beginning; under a
         * stream of commits each one begins while the previous one's pages
         * are still being copied, and the WAL would grow for ever. A
         * RESTART checkpoint holds off writers until the WAL is all copied
         * and no reader uses it, so the next writer restarts it. Without a
         * busy handler it never waits: it gives up (SQLITE_BUSY) when a
         * writer or a reader of the WAL is active, and otherwise holds the
         * write lock only to copy what was committed since the line above
         * (usually nothing, at most a few pages and their two syncs). */
        int l2 = 0, d2 = 0;
        store_busy_wait(st, 0);
        if (sqlite3_wal_checkpoint_v2(st->db, "main", SQLITE_CHECKPOINT_RESTART, &l2, &d2) ==
            SQLITE_OK) {
            log = l2;
            done = d2;
        }
        store_busy_wait(st, STORE_BUSY_MS);
    }
    if (wal_pages)
        *wal_pages = log > 0 ? log : 0;
    if (copied)
        *copied = done > 0 ? done : 0;
    if ((rc & 0xff) == SQLITE_BUSY)
        return kb_err_set(err, KB_EBUSY, "cannot checkpoint store '%s': another checkpoint "
                                         "is running", st->path);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot checkpoint store '%s'", st->path);
    return 0;
}

int kb_store_snapshot(struct kb_store *st, const char *path, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "VACUUM INTO ?1", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    int code = rc == SQLITE_DONE || rc == SQLITE_OK
                   ? 0
                   : store_fail(st, err, rc, "cannot snapshot store '%s' into '%s'", st->path,
                                path);
    sqlite3_finalize(s);
    return code;
}

int kb_store_schema_version(struct kb_store *st)
{
    return st->version;
}

struct sqlite3 *kb_store_db(struct kb_store *st)
{
    return st->db;
}

int store_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return 0;
    return 1;
}

int store_query_id(struct kb_store *st, int id, const char *a, const char *b, int64_t n,
                    int *found, int64_t *out, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, id, &s, err);
    if (code)
        return code;
    if (a) {
        store_bind(s, 1, a);
        if (sqlite3_bind_parameter_count(s) >= 2)
            store_bind(s, 2, b);
    } else {
        sqlite3_bind_int64(s, 1, n);
    }
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot look up '%.200s' in the store", a ? a : "number");
    store_done(s);
    return code;
}

char *store_one_line(const char *phrase, size_t max)
{
    struct kb_buf b = KB_BUF_INIT;
    int space = 0;
    for (const char *p = phrase; *p; p++) {
        if (isspace((unsigned char)*p)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            kb_buf_addc(&b, ' ');
        space = 0;
        kb_buf_addc(&b, *p);
    }
    char *s = kb_buf_detach(&b);
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
        s[n] = '\0';
    }
    return s;
}

/* ---- outbox ---------------------------------------------------------------- */

int kb_store_outbox_after(struct kb_store *st, int64_t after, size_t max,
                          struct kb_outbox_row **rows, size_t *n, struct kb_err *err)
{
    *rows = NULL;
    *n = 0;
    if (max == 0)
        return 0;
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_OUTBOX_AFTER, &s, err), rc;
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int64(s, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max);
    size_t cap = 0;
    struct kb_outbox_row *r = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            r = kb_xrealloc(r, cap * sizeof *r);
        }
        const char *kind = (const char *)sqlite3_column_text(s, 1);
        r[*n].seq = sqlite3_column_int64(s, 0);
        r[*n].kind = kind && strcmp(kind, "ticket") == 0 ? KB_KIND_TICKET : KB_KIND_ARTICLE;
        r[*n].number = sqlite3_column_int64(s, 2);
        (*n)++;
    }
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read the outbox of '%s'", st->path);
        free(r);
        r = NULL;
        *n = 0;
    }
    store_done(s);
    *rows = r;
    return code;
}

int kb_store_outbox_last(struct kb_store *st, int64_t *seq, struct kb_err *err)
{
    int found = 0;
    *seq = 0;
    int code = store_query_id(st, Q_OUTBOX_LAST, NULL, NULL, 0, &found, seq, err);
    return code;
}

int kb_store_outbox_trim(struct kb_store *st, int64_t upto, struct kb_err *err)
{
    if (st->txn_lost)
        return store_txn_lost(err);
    return store_run_int(st, Q_OUTBOX_TRIM, upto, err);
}

/* ---- synonyms -------------------------------------------------------------- */

/* Trimmed, inner whitespace runs as one space, ASCII lowercased. */
static int synonym_norm(const char *in, const char *what, char **out, struct kb_err *err)
{
    *out = NULL;
    if (!in || store_blank(in))
        return kb_err_set(err, KB_EINVAL, "empty %s", what);
    char *s = store_one_line(in, (size_t)-1);
    if (strlen(s) > MAX_SYNONYM) {
        free(s);
        return kb_err_set(err, KB_EINVAL, "%s too long (over %d bytes)", what, MAX_SYNONYM);
    }
    for (char *p = s; *p; p++)
        if ((unsigned char)*p < 0x80)
            *p = (char)tolower((unsigned char)*p);
    *out = s;
    return 0;
}

static int synonym_change(struct kb_store *st, int id, const char *term, const char *synonym,
                          struct kb_err *err)
{
    char *t = NULL, *y = NULL;
    sqlite3_stmt *s = NULL;
    int code, rc;
    if (st->txn_lost)
        return store_txn_lost(err);
    if ((code = synonym_norm(term, "synonym term", &t, err)) != 0 ||
        (code = synonym_norm(synonym, "synonym", &y, err)) != 0)
        goto out;
    if (id == Q_SYN_ADD && strcmp(t, y) == 0) {
        code = kb_err_set(err, KB_EINVAL, "'%s' cannot be a synonym of itself", t);
        goto out;
    }
    if ((code = store_prep(st, id, &s, err)) != 0)
        goto out;
    store_bind(s, 1, t);
    store_bind(s, 2, y);
    if (id == Q_SYN_ADD)
        sqlite3_bind_int64(s, 3, store_now());
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot %s synonym '%s' = '%s'",
                          id == Q_SYN_ADD ? "add" : "remove", t, y);
    else if (id == Q_SYN_REMOVE && sqlite3_changes(st->db) == 0)
        code = kb_err_set(err, KB_ENOTFOUND, "no synonym '%s' = '%s'", t, y);
    store_done(s);
    if (code == 0 && !st->in_txn)
        store_changes_after_write(st);
out:
    free(t);
    free(y);
    return code;
}

int kb_store_synonym_add(struct kb_store *st, const char *term, const char *synonym,
                         struct kb_err *err)
{
    return synonym_change(st, Q_SYN_ADD, term, synonym, err);
}

int kb_store_synonym_remove(struct kb_store *st, const char *term, const char *synonym,
                            struct kb_err *err)
{
    return synonym_change(st, Q_SYN_REMOVE, term, synonym, err);
}

int kb_store_synonyms(struct kb_store *st, struct kb_synonym **out, size_t *n,
                      struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_SYN_ALL, &s, err), rc;
    if (code)
        return code;
    size_t cap = 0;
    struct kb_synonym *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        v[*n].term = store_col(s, 0);
        v[*n].synonym = store_col(s, 1);
        (*n)++;
    }
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read synonyms from '%s'", st->path);
        kb_synonyms_free(v, *n);
        v = NULL;
        *n = 0;
    }
    store_done(s);
    *out = v;
    return code;
}

void kb_synonyms_free(struct kb_synonym *s, size_t n)
{
    for (size_t i = 0; s && i < n; i++) {
        free(s[i].term);
        free(s[i].synonym);
    }
    free(s);
}

/* ---- metadata, stats --------------------------------------------------------- */

char *kb_store_meta_get(struct kb_store *st, const char *key)
{
    sqlite3_stmt *s = NULL;
    struct kb_err err;
    char *v = NULL;
    if (!key)
        return NULL;
    if (store_prep(st, Q_META_GET, &s, &err) != 0) {
        kb_log(KB_LOG_ERROR, "store: %s", err.msg);
        return NULL;
    }
    store_bind(s, 1, key);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        v = store_col(s, 0);
    else if (rc != SQLITE_DONE)
        kb_log(KB_LOG_ERROR, "store: cannot read meta '%s' from '%s': %s", key, st->path,
               sqlite3_errmsg(st->db));
    store_done(s);
    return v;
}

int kb_store_meta_set(struct kb_store *st, const char *key, const char *value,
                      struct kb_err *err)
{
    if (!key || !*key)
        return kb_err_set(err, KB_EINVAL, "missing meta key");
    if (st->txn_lost)
        return store_txn_lost(err);
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, value ? Q_META_SET : Q_META_DELETE, &s, err);
    if (code)
        return code;
    store_bind(s, 1, key);
    if (value)
        store_bind(s, 2, value);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot set meta '%.200s'", key);
    store_done(s);
    if (code == 0 && !st->in_txn)
        store_changes_after_write(st);
    return code;
}

int kb_store_stats(struct kb_store *st, struct kb_store_stats *out, struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_STATS, &s, err);
    if (code)
        return code;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->articles_public = sqlite3_column_int64(s, 0);
        out->articles_internal = sqlite3_column_int64(s, 1);
        out->drafts = sqlite3_column_int64(s, 2);
        out->archived = sqlite3_column_int64(s, 3);
        out->tickets = sqlite3_column_int64(s, 4);
        out->outbox_pending = sqlite3_column_int64(s, 5);
        out->last_seq = sqlite3_column_int64(s, 6);
    } else {
        code = store_fail(st, err, rc, "cannot read the statistics of '%s'", st->path);
    }
    store_done(s);
    return code;
}
