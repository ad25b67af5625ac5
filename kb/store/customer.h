/* A customer's data on request: everything the store holds about one
 * customer (by the `customer` value of their tickets: an id or an e-mail
 * address, compared case-insensitively) exported as one JSON document, and
 * erased: rows deleted, the learning evidence they gave removed and the
 * counts recomputed, the index told through the outbox. */
#ifndef KB_CUSTOMER_H
#define KB_CUSTOMER_H

#include <jansson.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_CUSTOMER_MAX 320 /* bytes of an id or e-mail address */

/* Everything held about customer who: "tickets" (every column), the
 * "contact_requests" naming them (when the store has that table) and their
 * "contact_deliveries" (destination, status, attempts, error, ticket), the
 * "events", "feedback" and "searches" of the visitors those requests name,
 * and "learning" (the words and phrases their tickets left as evidence, the
 * "asked as" lines they taught). *out is a new reference for the caller
 * (json_decref); an unknown customer gets empty lists. KB_EINVAL for an
 * empty or oversized who. */
int kb_customer_export(struct kb_store *st, const char *who, json_t **out, struct kb_err *err);

struct kb_customer_erased {
    int64_t tickets, contact_requests, events, feedback, searches;
    int64_t contact_deliveries; /* the delivery rows of those requests */
    int64_t evidence; /* learn_words rows (their words' support) removed */
    int64_t articles; /* articles queued for reindexing */
};

/* Erases customer who in one transaction: their tickets (queued for
 * removal from the index), contact requests with their delivery rows, the
 * events, feedback and searches of those requests' visitors, and their
 * learning evidence; the articles they taught are taught again from the
 * remaining tickets and queued for reindexing, so a word whose support
 * falls under k leaves the public index. out (optional) gets the counts. */
int kb_customer_erase(struct kb_store *st, const char *who, struct kb_customer_erased *out,
                      struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
