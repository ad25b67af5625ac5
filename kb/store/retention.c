/* Ticket retention (see retention.h): the setting in the store's meta and
 * the pass that erases older tickets through store_erase_tickets. */
#include "kb/store/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BATCH 200 /* tickets per transaction: the write lock is held briefly */
#define DAY 86400

int kb_retention_days(struct kb_store *st)
{
    char *v = kb_store_meta_get(st, "ticket_retention_days");
    int d = v ? atoi(v) : 0;
    free(v);
    return d > 0 && d <= KB_RETENTION_DAYS_MAX ? d : 0;
}

int kb_retention_set_days(struct kb_store *st, int days, struct kb_err *err)
{
    if (days < 0 || days > KB_RETENTION_DAYS_MAX)
        return kb_err_set(err, KB_EINVAL, "ticket retention must be 0 (keep) to %d days, not %d",
                          KB_RETENTION_DAYS_MAX, days);
    char v[16];
    snprintf(v, sizeof v, "%d", days);
    return kb_store_meta_set(st, "ticket_retention_days", v, err);
}

/* Up to BATCH ids of tickets older than cutoff. */
static int older(struct kb_store *st, int64_t cutoff, int64_t *ids, size_t *n,
                 struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    *n = 0;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT id FROM tickets WHERE coalesce(nullif(resolved, 0), "
                                "nullif(updated, 0), nullif(created, 0)) < ?1 ORDER BY id "
                                "LIMIT ?2", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, cutoff);
        sqlite3_bind_int(s, 2, BATCH);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            ids[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot find tickets past retention");
}

int kb_retention_apply(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err)
{
    if (erased)
        *erased = 0;
    int days = kb_retention_days(st);
    if (!days)
        return 0;
    int64_t cutoff = now - (int64_t)days * DAY, ids[BATCH], evidence = 0, articles = 0;
    size_t n;
    int code;
    do {
        if ((code = kb_store_begin(st, err)) != 0)
            return code;
        if ((code = older(st, cutoff, ids, &n, err)) == 0)
            code = store_erase_tickets(st, ids, n, &evidence, &articles, err);
        if (code) {
            kb_store_rollback(st);
            return code;
        }
        if ((code = kb_store_commit(st, err)) != 0)
            return code;
        if (erased)
            *erased += (int64_t)n;
    } while (n == BATCH);
    return 0;
}

int kb_retention_daily(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err)
{
    if (erased)
        *erased = 0;
    if (!kb_retention_days(st))
        return 0; /* keep: nothing to run, nothing written */
    char *v = kb_store_meta_get(st, "ticket_retention_run");
    long long last = v ? atoll(v) : 0;
    free(v);
    if (now - last < DAY && now >= last)
        return 0;
    int code = kb_retention_apply(st, now, erased, err);
    if (code)
        return code;
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)now);
    if (erased && *erased)
        kb_log(KB_LOG_INFO, "store: ticket retention (%d days) erased %lld tickets",
               kb_retention_days(st), (long long)*erased);
    return kb_store_meta_set(st, "ticket_retention_run", t, err);
}
