/* What the emerging-problems detector (kb/emerging) reads from the store
 * besides the indexed tickets: customers' searches of a time window (what
 * they typed, and whether they still filed a ticket afterwards: a
 * "submitted" event naming the search), the same counted by who searched,
 * and the contact-form requests of a window as tickets. Read only. */
#ifndef KB_TOPIC_SEARCHES_H
#define KB_TOPIC_SEARCHES_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
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

/* One customer's search. Visitors and networks are 64-bit hashes of the
 * keyed hashes the log keeps (never 0); a search with no visitor (logged
 * before the log kept it, or shipped by a replica) counts as one visitor
 * per network. */
struct kb_search_unit {
    size_t query;              /* index into the view's queries */
    uint64_t visitor, network;
    int64_t hour;              /* whole hours before the view's end: 0 = the last */
    int64_t time, id;
    int submitted;             /* a "submitted" event names it */
};

struct kb_search_view {
    char **queries, **locales; /* distinct queries as logged (normalised), and a locale or NULL */
    size_t nqueries;
    struct kb_search_unit *units; /* by query: query q's are units[first[q] .. first[q + 1]) */
    size_t n;
    size_t *first;             /* nqueries + 1 entries */
    int64_t oldest;            /* the first customer search the log holds (0 when none) */
};

/* Customers' searches ("search" and "deflect") logged in [from, to], at
 * most max, by query. *out is caller-freed (kb_search_view_free). */
int kb_store_search_view(struct kb_store *st, int64_t from, int64_t to, size_t max,
                         struct kb_search_view **out, struct kb_err *err);
void kb_search_view_free(struct kb_search_view *v);

/* Contact-form requests created in [from, to] (Unix seconds), oldest
 * first, at most max, as tickets: kind ticket, number -id, title the
 * subject, text and description the description, customer the name (so
 * redaction knows it), created, locale. A request filed in Request Tracker
 * whose ticket the RT sync brought back ("rt-<number>") is left out: it
 * counts once, as that ticket. *docs (release each, free the
 * array: kb_store_contact_docs_free) gets *n. Personal data: staff only. */
int kb_store_contact_docs(struct kb_store *st, int64_t from, int64_t to, size_t max,
                          struct kb_doc **docs, size_t *n, struct kb_err *err);
void kb_store_contact_docs_free(struct kb_doc *docs, size_t n);

#ifdef __cplusplus
}
#endif
#endif
