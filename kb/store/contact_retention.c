/* Contact-request retention (see retention.h): the setting in the store's
 * meta ("contact_retention_days"; 0, the default, keeps them) and the daily
 * pass that erases requests older than it with their delivery rows. A
 * request with a delivery still pending is kept until it is delivered or
 * has failed: retention never drops a message the desk has not had. */
#include "kb/store/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BATCH 200 /* requests per transaction: the write lock is held briefly */
#define DAY 86400

int kb_contact_retention_days(struct kb_store *st)
{
    char *v = kb_store_meta_get(st, "contact_retention_days");
    int d = v ? atoi(v) : 0;
    free(v);
    return d > 0 && d <= KB_RETENTION_DAYS_MAX ? d : 0;
}

int kb_contact_retention_set_days(struct kb_store *st, int days, struct kb_err *err)
{
    if (days < 0 || days > KB_RETENTION_DAYS_MAX)
        return kb_err_set(err, KB_EINVAL, "contact request retention must be 0 (keep) to %d "
                          "days, not %d", KB_RETENTION_DAYS_MAX, days);
    char v[16];
    snprintf(v, sizeof v, "%d", days);
    return kb_store_meta_set(st, "contact_retention_days", v, err);
}

/* Runs sql with ?1 = cutoff_ms and ?2 = BATCH; *n gets the rows changed. */
static int run(struct kb_store *st, const char *sql, int64_t cutoff_ms, int64_t *n,
               struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, cutoff_ms);
        sqlite3_bind_int(s, 2, BATCH);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot erase contact requests past retention");
    *n = sqlite3_changes(st->db);
    return 0;
}

/* The oldest BATCH requests created before ?1 with no delivery pending. */
#define EXPIRED                                                                         \
    "SELECT id FROM contact_requests r WHERE created < ?1 AND NOT EXISTS (SELECT 1 FROM " \
    "contact_deliveries d WHERE d.request = r.id AND d.status = 'pending') ORDER BY id "  \
    "LIMIT ?2"

int kb_contact_retention_apply(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err)
{
    if (erased)
        *erased = 0;
    int days = kb_contact_retention_days(st);
    if (!days)
        return 0;
    int64_t cutoff_ms = (now - (int64_t)days * DAY) * 1000, n = 0, deliveries = 0;
    int code;
    do {
        if ((code = kb_store_begin(st, err)) != 0)
            return code;
        code = run(st, "DELETE FROM contact_deliveries WHERE request IN (" EXPIRED ")",
                   cutoff_ms, &deliveries, err);
        if (code == 0)
            code = run(st, "DELETE FROM contact_requests WHERE id IN (" EXPIRED ")", cutoff_ms,
                       &n, err);
        if (code) {
            kb_store_rollback(st);
            return code;
        }
        if ((code = kb_store_commit(st, err)) != 0)
            return code;
        if (erased)
            *erased += n;
    } while (n == BATCH);
    return 0;
}

int kb_contact_retention_daily(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err)
{
    if (erased)
        *erased = 0;
    if (!kb_contact_retention_days(st))
        return 0; /* keep: nothing to run, nothing written */
    char *v = kb_store_meta_get(st, "contact_retention_run");
    long long last = v ? atoll(v) : 0;
    free(v);
    if (now - last < DAY && now >= last)
        return 0;
    int64_t n = 0;
    int code = kb_contact_retention_apply(st, now, &n, err);
    if (code)
        return code;
    if (erased)
        *erased = n;
    if (n)
        kb_log(KB_LOG_INFO, "store: contact request retention (%d days) erased %lld requests",
               kb_contact_retention_days(st), (long long)n);
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)now);
    return kb_store_meta_set(st, "contact_retention_run", t, err);
}
