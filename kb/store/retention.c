/* Ticket retention (see retention.h): the setting in the store's meta and
 * the pass that erases older tickets through store_erase_tickets; and the
 * helpers every retention setting shares (store_int.h). */
#include "kb/store/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BATCH 200 /* tickets per transaction: the write lock is held briefly */
#define DAY 86400

int store_retention_get(struct kb_store *st, const char *key, int dflt)
{
    char *v = kb_store_meta_get(st, key);
    int d = v ? atoi(v) : dflt;
    free(v);
    return d >= 0 && d <= KB_RETENTION_DAYS_MAX ? d : dflt;
}

int store_retention_set(struct kb_store *st, const char *key, const char *what, int days,
                        struct kb_err *err)
{
    if (days < 0 || days > KB_RETENTION_DAYS_MAX)
        return kb_err_set(err, KB_EINVAL, "%s must be 0 (keep) to %d days, not %d", what,
                          KB_RETENTION_DAYS_MAX, days);
    char v[16];
    snprintf(v, sizeof v, "%d", days);
    return kb_store_meta_set(st, key, v, err);
}

int store_retention_due(struct kb_store *st, const char *run_key, int64_t now)
{
    char *v = kb_store_meta_get(st, run_key);
    long long last = v ? atoll(v) : 0;
    free(v);
    return !(now - last < DAY && now >= last);
}

int store_retention_ran(struct kb_store *st, const char *run_key, int64_t now,
                        struct kb_err *err)
{
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)now);
    return kb_store_meta_set(st, run_key, t, err);
}

int store_retention_batches(struct kb_store *st, store_batch_fn fn, void *ctx, int64_t size,
                            int max, int64_t *total, int *done, struct kb_err *err)
{
    *total = 0;
    if (done)
        *done = 0;
    for (int i = 0; max == 0 || i < max; i++) {
        int64_t n = 0;
        int code = kb_store_begin(st, err);
        if (code)
            return code;
        if ((code = fn(st, ctx, &n, err)) != 0) {
            kb_store_rollback(st);
            return code;
        }
        if ((code = kb_store_commit(st, err)) != 0)
            return code;
        *total += n;
        if (n < size) {
            if (done)
                *done = 1;
            break;
        }
    }
    return 0;
}

int store_retention_sql(struct kb_store *st, const char *sql, int64_t cutoff, int64_t size,
                        int64_t *changes, const char *what, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, cutoff);
        sqlite3_bind_int64(s, 2, size);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot %s", what);
    if (changes)
        *changes = sqlite3_changes64(st->db);
    return 0;
}

int kb_retention_days(struct kb_store *st)
{
    return store_retention_get(st, "ticket_retention_days", 0);
}

int kb_retention_set_days(struct kb_store *st, int days, struct kb_err *err)
{
    return store_retention_set(st, "ticket_retention_days", "ticket retention", days, err);
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

/* One batch: the oldest tickets past the cutoff (*ctx) erased. */
static int erase_batch(struct kb_store *st, void *ctx, int64_t *n, struct kb_err *err)
{
    int64_t ids[BATCH], evidence = 0, articles = 0;
    size_t k = 0;
    int code = older(st, *(const int64_t *)ctx, ids, &k, err);
    if (code == 0)
        code = store_erase_tickets(st, ids, k, &evidence, &articles, err);
    *n = (int64_t)k;
    return code;
}

int kb_retention_apply(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err)
{
    int64_t total = 0;
    int days = kb_retention_days(st), code = 0;
    if (days) {
        int64_t cutoff = now - (int64_t)days * DAY;
        code = store_retention_batches(st, erase_batch, &cutoff, BATCH, 0, &total, NULL, err);
    }
    if (erased)
        *erased = total;
    return code;
}

int kb_retention_daily(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err)
{
    if (erased)
        *erased = 0;
    if (!kb_retention_days(st) || !store_retention_due(st, "ticket_retention_run", now))
        return 0; /* keep: nothing to run, nothing written; or ran today */
    int code = kb_retention_apply(st, now, erased, err);
    if (code)
        return code;
    if (erased && *erased)
        kb_log(KB_LOG_INFO, "store: ticket retention (%d days) erased %lld tickets",
               kb_retention_days(st), (long long)*erased);
    return store_retention_ran(st, "ticket_retention_run", now, err);
}
