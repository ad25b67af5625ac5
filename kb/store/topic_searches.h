/* Customers' searches of a time window for the emerging-problems detector
 * (kb/emerging): what they typed, and whether they still filed a ticket
 * afterwards (a "submitted" event naming the search). */
#ifndef KB_TOPIC_SEARCHES_H
#define KB_TOPIC_SEARCHES_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_search_seen {
    int64_t id, time;
    char *query;      /* normalised as logged */
    char *locale;     /* or NULL */
    int submitted;    /* a "submitted" event names this search */
};

/* Customers' searches ("search" and "deflect", not typeahead) logged in
 * [from, to], newest first, at most max: *out (caller frees with
 * kb_search_seen_free) gets *n rows, or NULL and 0. */
int kb_store_customer_searches(struct kb_store *st, int64_t from, int64_t to, size_t max,
                               struct kb_search_seen **out, size_t *n, struct kb_err *err);
void kb_search_seen_free(struct kb_search_seen *rows, size_t n);

#ifdef __cplusplus
}
#endif
#endif
