/* The search log's retention (see retention.h): the setting in the store's
 * meta, and the pass that folds searches past it into the daily aggregates
 * (search_days) before deleting them. The analytics (analytics.c) read both. */
#include "kb/store/retention.h"

#include <stdio.h>
#include <stdlib.h>

#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BATCH 2000 /* searches per transaction: the write lock is held some 70 ms */
#define DAY 86400
/* Batches one kb_search_retention_daily call runs at most (about 0.7 s):
 * it runs on the server's index thread, which must keep publishes
 * searchable within a second; a backlog (the first pass over a log kept
 * for years) drains over the calls that follow, a minute apart. */
#define DAILY_BATCHES 10

/* - search_days: one row per UTC day (its first second), role, endpoint,
 *   query (the log's normalised form) and found (0: the searches found
 *   nothing), with how many searches, how many of them were clicked, and the
 *   last one's time: what the analytics show of the log, and nothing that
 *   links a search to a visitor. WITHOUT ROWID: the key is the table.
 * - searches_query indexed every query a second time for no reader; the
 *   analytics select by time.
 * - feedback_search: a deleted search sets the search_id of its votes NULL
 *   (the foreign key's action), which without it scans every vote. */
const char kb_search_days_schema_sql[] =
    "CREATE TABLE search_days ("
    " day INTEGER NOT NULL,"
    " role TEXT NOT NULL,"
    " endpoint TEXT NOT NULL,"
    " query TEXT NOT NULL,"
    " found INTEGER NOT NULL CHECK (found IN (0, 1)),"
    " searches INTEGER NOT NULL,"
    " clicked INTEGER NOT NULL,"
    " last INTEGER NOT NULL,"
    " PRIMARY KEY (day, role, endpoint, query, found)) WITHOUT ROWID;"
    "DROP INDEX searches_query;"
    "CREATE INDEX feedback_search ON feedback (search_id) WHERE search_id IS NOT NULL;";

/* The oldest BATCH searches logged before ?1. Both statements of a batch
 * run in one transaction, so they select the same rows. */
#define OLDEST "SELECT id FROM searches WHERE time < ?1 ORDER BY time, id LIMIT ?2"

static const char fold_sql[] =
    "INSERT INTO search_days (day, role, endpoint, query, found, searches, clicked, last)"
    " SELECT s.time - (s.time % 86400), s.role, s.endpoint, s.query, s.results <> 0, count(*),"
    " sum(EXISTS (SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'click')),"
    " max(s.time) FROM searches s WHERE s.id IN (" OLDEST ")"
    " GROUP BY 1, 2, 3, 4, 5"
    " ON CONFLICT (day, role, endpoint, query, found) DO UPDATE SET"
    " searches = searches + excluded.searches, clicked = clicked + excluded.clicked,"
    " last = max(last, excluded.last)";

static const char prune_sql[] = "DELETE FROM searches WHERE id IN (" OLDEST ")";

int kb_search_retention_days(struct kb_store *st)
{
    return store_retention_get(st, "search_retention_days", KB_SEARCH_RETENTION_DEFAULT);
}

int kb_search_retention_set_days(struct kb_store *st, int days, struct kb_err *err)
{
    return store_retention_set(st, "search_retention_days", "search log retention", days, err);
}

/* One batch: the oldest searches before the cutoff (*ctx) folded into the
 * aggregates, then deleted. */
static int fold_batch(struct kb_store *st, void *ctx, int64_t *n, struct kb_err *err)
{
    int64_t cutoff = *(const int64_t *)ctx;
    int code = store_retention_sql(st, fold_sql, cutoff, BATCH, NULL, "prune the search log",
                                   err);
    return code ? code
                : store_retention_sql(st, prune_sql, cutoff, BATCH, n, "prune the search log",
                                      err);
}

/* Up to max batches (0: all) of kb_search_retention_apply; *done is set
 * when no search past the retention is left. */
static int apply_batches(struct kb_store *st, int64_t now, int max, int64_t *pruned, int *done,
                         struct kb_err *err)
{
    *pruned = 0;
    *done = 1;
    int days = kb_search_retention_days(st);
    if (!days)
        return 0;
    int64_t today = now / DAY * DAY - (now % DAY < 0 ? DAY : 0);
    int64_t cutoff = today - (int64_t)days * DAY;
    return store_retention_batches(st, fold_batch, &cutoff, BATCH, max, pruned, done, err);
}

int kb_search_retention_apply(struct kb_store *st, int64_t now, int64_t *pruned,
                              struct kb_err *err)
{
    int64_t n = 0;
    int done;
    int code = apply_batches(st, now, 0, &n, &done, err);
    if (pruned)
        *pruned = code ? 0 : n;
    return code;
}

int kb_search_retention_daily(struct kb_store *st, int64_t now, int64_t *pruned,
                              struct kb_err *err)
{
    int64_t n = 0;
    if (pruned)
        *pruned = 0;
    if (!kb_search_retention_days(st) || !store_retention_due(st, "search_retention_run", now))
        return 0; /* keep: nothing to run, nothing written; or ran today */
    int done = 0;
    int code = apply_batches(st, now, DAILY_BATCHES, &n, &done, err);
    if (code)
        return code;
    if (pruned)
        *pruned = n;
    if (n)
        kb_log(KB_LOG_INFO, "store: search log retention (%d days) folded %lld searches into "
               "daily aggregates%s", kb_search_retention_days(st), (long long)n,
               done ? "" : "; more at the next call");
    if (!done)
        return 0; /* not recorded as run: the next call goes on */
    return store_retention_ran(st, "search_retention_run", now, err);
}
