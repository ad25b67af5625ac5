/* Retention. Tickets: how many days a resolved ticket is kept (store meta
 * "ticket_retention_days"; 0, the default, keeps them for good), and the
 * daily pass that erases older ones with their learning evidence. The
 * search log: how many days a logged search is kept (store meta
 * "search_retention_days", default 90), and the daily pass that folds older
 * searches into daily aggregates, which the analytics read with the live
 * rows, before deleting them (retention.c, log_retention.c). Contact
 * requests: how many days one is kept (store meta
 * "contact_retention_days"; 0, the default, keeps them), and the daily pass
 * that erases older ones with their delivery rows (contact_retention.c). */
#ifndef KB_RETENTION_H
#define KB_RETENTION_H

#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_RETENTION_DAYS_MAX 36500

/* The retention in days (0 = keep). */
int kb_retention_days(struct kb_store *st);
/* Sets it (0..KB_RETENTION_DAYS_MAX); KB_EINVAL otherwise. */
int kb_retention_set_days(struct kb_store *st, int days, struct kb_err *err);
/* Erases every ticket resolved (or, without a resolution time, last
 * updated or created) more than the retention before now, as
 * kb_customer_erase erases a customer's tickets, in transactions of a few
 * hundred; tickets with no time at all are kept. *erased (optional) gets
 * how many. Nothing when the retention is 0. */
int kb_retention_apply(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err);
/* Runs kb_retention_apply when a retention is set and the last run (store
 * meta "ticket_retention_run") was a day or more before now; for the
 * server's periodic thread. Writes nothing while tickets are kept. */
int kb_retention_daily(struct kb_store *st, int64_t now, int64_t *erased, struct kb_err *err);

/* ---- the search log ---- */

#define KB_SEARCH_RETENTION_DEFAULT 90 /* days, when the store sets none */

/* Version 8 of the store (kb/store/store_schema.c): the daily aggregates
 * table; the search log's index by query (no reader used it; it held a
 * second copy of every query) dropped; votes indexed by search so that a
 * pruned search's votes are found without a scan. */
extern const char kb_search_days_schema_sql[];

/* How many days a logged search is kept: the store's setting, or
 * KB_SEARCH_RETENTION_DEFAULT when none is set; 0 keeps them for good. */
int kb_search_retention_days(struct kb_store *st);
/* Sets it (0..KB_RETENTION_DAYS_MAX); KB_EINVAL otherwise. */
int kb_search_retention_set_days(struct kb_store *st, int days, struct kb_err *err);
/* Folds every search logged before the UTC day that began the retention
 * before now into the daily aggregates (per day, role, endpoint, query and
 * whether it found anything: searches, searches clicked, the last time) and
 * deletes it, in transactions of 2,000; events and votes that named
 * it keep their rows with search_id NULL. *pruned (optional) gets how many.
 * Nothing when the retention is 0. */
int kb_search_retention_apply(struct kb_store *st, int64_t now, int64_t *pruned,
                              struct kb_err *err);
/* Runs kb_search_retention_apply when the last run (store meta
 * "search_retention_run") was a day or more before now; for the server's
 * periodic thread. At most 20,000 searches a call: a run that leaves some
 * is not recorded, so the next call goes on. Writes nothing while searches
 * are kept for good. */
int kb_search_retention_daily(struct kb_store *st, int64_t now, int64_t *pruned,
                              struct kb_err *err);

/* ---- contact requests (contact_retention.c) ---- */

/* How many days a contact request is kept after it was made (store meta
 * "contact_retention_days"; 0, the default, keeps them for good). */
int kb_contact_retention_days(struct kb_store *st);
/* Sets it (0..KB_RETENTION_DAYS_MAX); KB_EINVAL otherwise. */
int kb_contact_retention_set_days(struct kb_store *st, int days, struct kb_err *err);
/* Erases every contact request made more than the retention before now
 * (seconds) with its delivery rows, in transactions of a few hundred; a
 * request with a delivery still pending is kept. *erased (optional) gets
 * how many requests. Nothing when the retention is 0. */
int kb_contact_retention_apply(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err);
/* Runs kb_contact_retention_apply when a retention is set and the last run
 * (store meta "contact_retention_run") was a day or more before now; for
 * the server's periodic thread. Writes nothing while requests are kept. */
int kb_contact_retention_daily(struct kb_store *st, int64_t now, int64_t *erased,
                               struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
