/* Reading tickets from Request Tracker's REST2 API (over rt.h): a page of a
 * TicketSQL search with the fields the sync and the agent console need, and
 * a ticket's messages (its create, reply and comment transactions with their
 * text). Nothing here decides what a ticket means to the knowledge base:
 * that is kb/sync/rt_sync.c. */
#ifndef KB_NET_RT_READ_H
#define KB_NET_RT_READ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/net/rt.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_RT_PER_PAGE_MAX 100 /* REST2 answers at most this many per page */

/* A ticket as a search lists it. Strings are owned (NULL when RT gave none). */
struct kb_rt_ticket {
    int64_t id;
    int64_t created, updated, resolved; /* Unix seconds (UTC); 0 when not set */
    char *subject, *status, *queue;
    char *requestor; /* the first requestor's e-mail address (else its name) */
    json_t *cf;      /* custom field name -> its first value (a string); never NULL */
};

/* One message of a ticket: a Create, Correspond or Comment transaction. */
struct kb_rt_message {
    int64_t ticket;
    int64_t txn;
    char *type;   /* "Create" | "Correspond" | "Comment" */
    char *text;   /* its text/plain part, else its text/html part; "" when none */
    int html;     /* text is HTML */
    int64_t created;
};

void kb_rt_ticket_release(struct kb_rt_ticket *t);
void kb_rt_tickets_free(struct kb_rt_ticket *t, size_t n);
void kb_rt_messages_free(struct kb_rt_message *m, size_t n);

/* Page page (1-based) of the tickets TicketSQL query finds, per_page of
 * them (at most KB_RT_PER_PAGE_MAX), ordered by LastUpdated then id, into
 * *out (n entries; free with kb_rt_tickets_free). Errors: those of
 * kb_rt_call (unreachable, timed out, 401, 5xx, not JSON), and KB_EIO
 * naming the field when the answer is JSON of another shape. */
int kb_rt_read_tickets(const struct kb_rt_conn *c, const char *query, int page, int per_page,
                       struct kb_rt_ticket **out, size_t *n, struct kb_err *err);

/* Ticket id into out (release with kb_rt_ticket_release): KB_ENOTFOUND
 * when RT has no such ticket (or the token may not see it). */
int kb_rt_read_ticket(const struct kb_rt_conn *c, int64_t id, struct kb_rt_ticket *out,
                      struct kb_err *err);

/* The messages of the tickets ids (nids of them), by ticket and then
 * oldest first, into *out (n entries; free with kb_rt_messages_free). Two
 * paged searches for all of them, whatever their number: the transactions
 * (types, times) and their text parts. */
int kb_rt_read_messages(const struct kb_rt_conn *c, const int64_t *ids, size_t nids,
                        struct kb_rt_message **out, size_t *n, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
