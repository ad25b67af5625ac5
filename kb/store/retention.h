/* Ticket retention: how many days a resolved ticket is kept (store meta
 * "ticket_retention_days"; 0, the default, keeps them for good), and the
 * daily pass that erases older ones with their learning evidence. */
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

#ifdef __cplusplus
}
#endif
#endif
