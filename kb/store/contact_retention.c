/* Contact-request retention (see retention.h): the setting in the store's
 * meta ("contact_retention_days"; 0, the default, keeps them) and the daily
 * pass that erases requests older than it with their delivery rows. A
 * request with a delivery still pending is kept until it is delivered or
 * has failed: retention never drops a message the desk has not had. */
#include "kb/store/retention.h"

#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BATCH 200 /* requests per transaction: the write lock is held briefly */
#define DAY 86400

int kb_contact_retention_days(struct kb_store *st)
{
    return store_retention_get(st, "contact_retention_days", 0);
}

int kb_contact_retention_set_days(struct kb_store *st, int days, struct kb_err *err)
{
    return store_retention_set(st, "contact_retention_days", "contact request retention", days,
                               err);
}


/* The oldest BATCH requests created before ?1 with no delivery pending. */
#define EXPIRED                                                                         \
    "SELECT id FROM contact_requests r WHERE created < ?1 AND NOT EXISTS (SELECT 1 FROM " \
    "contact_deliveries d WHERE d.request = r.id AND d.status = 'pending') ORDER BY id "  \
    "LIMIT ?2"

/* One batch: the oldest expired requests (before *ctx, in ms), their
 * delivery rows first. */
static int erase_batch(struct kb_store *st, void *ctx, int64_t *n, struct kb_err *err)
{
    static const char what[] = "erase contact requests past retention";
    int64_t cutoff_ms = *(const int64_t *)ctx;
    int code = store_retention_sql(st, "DELETE FROM contact_deliveries WHERE request IN ("
                                   EXPIRED ")", cutoff_ms, BATCH, NULL, what, err);
    return code ? code
                : store_retention_sql(st, "DELETE FROM contact_requests WHERE id IN (" EXPIRED
                                      ")", cutoff_ms, BATCH, n, what, err);
}

int kb_contact_retention_apply(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err)
{
    int64_t total = 0;
    int days = kb_contact_retention_days(st), code = 0;
    if (days) {
        int64_t cutoff_ms = (now - (int64_t)days * DAY) * 1000;
        code = store_retention_batches(st, erase_batch, &cutoff_ms, BATCH, 0, &total, NULL, err);
    }
    if (erased)
        *erased = total;
    return code;
}

int kb_contact_retention_daily(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err)
{
    if (erased)
        *erased = 0;
    if (!kb_contact_retention_days(st) || !store_retention_due(st, "contact_retention_run", now))
        return 0; /* keep: nothing to run, nothing written; or ran today */
    int64_t n = 0;
    int code = kb_contact_retention_apply(st, now, &n, err);
    if (code)
        return code;
    if (erased)
        *erased = n;
    if (n)
        kb_log(KB_LOG_INFO, "store: contact request retention (%d days) erased %lld requests",
               kb_contact_retention_days(st), (long long)n);
    return store_retention_ran(st, "contact_retention_run", now, err);
}
