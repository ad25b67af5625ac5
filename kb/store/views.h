/* Article views and what the help center calls popular: a view is counted
 * once per visitor, article and day (UTC), customers and staff apart, into
 * per-day counters; who viewed is kept only for the current day (to count
 * each visitor once) and dropped after. Popular articles weigh the last 30
 * days' customer views, helpful votes and clicks; admins pin promoted
 * articles per topic. Lists for customers hold public published articles
 * only. */
#ifndef KB_VIEWS_H
#define KB_VIEWS_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The migration step that creates article_views, views_seen and article_pins
 * (store_schema.c): self-contained, renumber freely at a merge. */
extern const char kb_views_schema_sql[];

#define KB_POPULAR_DAYS 30
#define KB_PINS_MAX 20
#define KB_PIN_TOPIC_MAX 200

/* Counts a view of article by visitor (a keyed hash: never the id itself)
 * at time t (Unix seconds): staff views (staff != 0) apart from customers'.
 * *counted (may be NULL) is 1 when this was the visitor's first view of the
 * article that day. Rows naming visitors of earlier days are dropped. */
int kb_views_count(struct kb_store *st, int64_t article, const char *visitor, int staff,
                   int64_t t, int *counted, struct kb_err *err);
/* Views of article over the days days before t (today included): customers'
 * and staff's (either pointer may be NULL). */
int kb_views_total(struct kb_store *st, int64_t article, int days, int64_t t, int64_t *customer,
                   int64_t *staff, struct kb_err *err);

/* Up to limit popular public published articles at time t, best first, into
 * *numbers (caller frees, NULL when none): score = customer views + 3 x
 * helpful votes - unhelpful votes (a visitor's last vote) + 2 x customers'
 * clicks and "solved" (once per visitor, article and day) over
 * KB_POPULAR_DAYS days; only articles scoring above 0. locale and category
 * (NULL = any) narrow the list. */
int kb_popular(struct kb_store *st, const char *locale, const char *category, int64_t t,
               size_t limit, int64_t **numbers, size_t *n, struct kb_err *err);

/* Replaces the promoted articles of topic ("" = the home page; else a
 * category) with numbers in that order (n <= KB_PINS_MAX). Each must be an
 * existing article: KB_ENOTFOUND names the first that is not. */
int kb_pins_set(struct kb_store *st, const char *topic, const int64_t *numbers, size_t n,
                struct kb_err *err);
/* The promoted articles of topic in order into *numbers (caller frees);
 * public_only keeps public published ones (for customers). */
int kb_pins_get(struct kb_store *st, const char *topic, int public_only, int64_t **numbers,
                size_t *n, struct kb_err *err);

#ifdef __cplusplus
}
#endif

#endif
