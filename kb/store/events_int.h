/* Internals shared by kb/store/events.c (search log, events, votes),
 * kb/store/analytics.c (the reports over them) and kb/store/replica_log.c
 * (a replica's own search log): small SQLite helpers. */
#ifndef KB_EVENTS_INT_H
#define KB_EVENTS_INT_H

#include <sqlite3.h>
#include <string.h>

#include "kb/base/err.h"
#include "kb/store/events.h"
#include "kb/store/store.h"

#define DAY 86400

static inline int sql_code(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return KB_EBUSY;
    case SQLITE_CONSTRAINT: return KB_EINVAL;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return KB_ECORRUPT;
    case SQLITE_NOMEM:
    case SQLITE_MISUSE:
    case SQLITE_ERROR: return KB_EINTERNAL;
    default: return KB_EIO;
    }
}

static inline int sql_fail(struct kb_store *st, struct kb_err *err, int rc, const char *what)
{
    return kb_err_set(err, sql_code(rc), "%s: %s", what, sqlite3_errmsg(kb_store_db(st)));
}

static inline int prep(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err)
{
    int rc = sqlite3_prepare_v2(kb_store_db(st), sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(*s);
        *s = NULL;
        return sql_fail(st, err, rc, "cannot prepare an events statement");
    }
    return 0;
}

static inline void bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

static inline char *col_text(sqlite3_stmt *s, int i)
{
    return kb_xstrdup((const char *)sqlite3_column_text(s, i));
}

/* Runs a statement that returns no rows; finalizes it. */
static inline int run(struct kb_store *st, sqlite3_stmt *s, const char *what, struct kb_err *err)
{
    int rc = sqlite3_step(s);
    int code = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_fail(st, err, rc, what);
    sqlite3_finalize(s);
    return code;
}

static inline int in_list(const char *s, const char *const *list)
{
    for (size_t i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* The endpoints a logged search may come from. */
static const char *const kb_events_endpoints[] = {"search", "suggest", "deflect", NULL};

#endif
