/* The store step that lets the events table hold "copy" events (an agent
 * copied an article's KB number, kb/store/analytics.h). SQLite cannot
 * change a CHECK constraint in place: the table is made again under the
 * wider CHECK (SQLite's "other kinds of table schema changes": new table,
 * copy, drop, rename), its indexes and triggers recreated from their own
 * SQL as the store holds them, so indexes other steps added survive. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/store/analytics.h"

#define OLD_CHECK "'submitted', 'view'))"
#define NEW_CHECK "'submitted', 'view', 'copy'))"

static int db_fail(sqlite3 *db, struct kb_err *err, const char *what)
{
    return kb_err_set(err, KB_EIO, "%s: %s", what, sqlite3_errmsg(db));
}

int kb_events_copy_migrate(struct sqlite3 *db, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    char *table = NULL, **extra = NULL;
    size_t nextra = 0;
    int code = 0;
    if (sqlite3_prepare_v2(db, "SELECT type, sql FROM sqlite_master WHERE tbl_name = 'events'"
                               " AND sql IS NOT NULL ORDER BY type = 'trigger', name",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read the events table's schema");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        const char *sql = (const char *)sqlite3_column_text(s, 1);
        if (strcmp(type, "table") == 0) {
            free(table);
            table = kb_xstrdup(sql);
        } else {
            extra = kb_xrealloc(extra, (nextra + 1) * sizeof *extra);
            extra[nextra++] = kb_xstrdup(sql);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        code = db_fail(db, err, "cannot read the events table's schema");
        goto out;
    }
    if (table && strstr(table, NEW_CHECK))
        goto out; /* a store taken back to an older version (tests): holds copies already */
    const char *check = table ? strstr(table, OLD_CHECK) : NULL;
    const char *paren = table ? strchr(table, '(') : NULL;
    if (!check || !paren || paren > check) {
        code = kb_err_set(err, KB_ECORRUPT, "the events table is not as expected");
        goto out;
    }
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_adds(&b, "CREATE TABLE events_copy_new ");
    kb_buf_add(&b, paren, (size_t)(check - paren));
    kb_buf_adds(&b, NEW_CHECK);
    kb_buf_adds(&b, check + strlen(OLD_CHECK));
    kb_buf_adds(&b, "; INSERT INTO events_copy_new SELECT * FROM events; DROP TABLE events;"
                    " ALTER TABLE events_copy_new RENAME TO events;");
    for (size_t i = 0; i < nextra; i++) {
        kb_buf_adds(&b, extra[i]);
        kb_buf_addc(&b, ';');
    }
    if (sqlite3_exec(db, kb_buf_str(&b), NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(db, err, "cannot let events hold copies");
    kb_buf_release(&b);
out:
    for (size_t i = 0; i < nextra; i++)
        free(extra[i]);
    free(extra);
    free(table);
    return code;
}
