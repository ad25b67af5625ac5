/* Filing tickets in Request Tracker over REST2 (rt.h): a new ticket with a
 * requestor and one custom field that holds the caller's idempotency key,
 * the ticket found again by that key, and a comment added to it. The
 * contact destination (server/contact_rt.c) files each request once with
 * these. */
#ifndef KB_NET_RT_TICKET_H
#define KB_NET_RT_TICKET_H

#include <stdint.h>

#include "kb/base/err.h"
#include "kb/net/rt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The custom field a desk creates with deploy/rt/kb-initialdata. */
#define KB_RT_KEY_FIELD "KB Request Key"
#define KB_RT_NAME_MAX 200 /* bytes of a queue or custom field name */

/* A ticket to file; strings borrowed. */
struct kb_rt_ticket_in {
    const char *queue;     /* the queue's name or number */
    const char *requestor; /* an e-mail address */
    const char *subject;
    const char *content;   /* the first message, plain text */
    const char *key_field; /* a ticket custom field's name */
    const char *key;       /* its value: the idempotency key */
    int quiet;             /* file without a requestor, then add it
                            * (kb_rt_ticket_set_requestor): RT's "On Create"
                            * autoreply then mails nobody */
};

/* 0 when name can be a queue or custom field name in a TicketSQL query
 * (non-empty, at most KB_RT_NAME_MAX bytes, no quote, backslash, brace or
 * control character); else KB_EINVAL naming what (a message that starts
 * with what, e.g. "key_field"). */
int kb_rt_name_check(const char *what, const char *name, struct kb_err *err);

/* The TicketSQL that finds tickets whose custom field field holds value
 * (any status); caller frees. field must pass kb_rt_name_check; value is
 * quoted here. */
char *kb_rt_cf_query(const char *field, const char *value);

/* Files in: POST ticket. 0 with *id the new ticket's number; errors as
 * kb_rt_call's (RT's own message when it refused, e.g. an unknown queue),
 * or KB_EIO when RT's answer names no ticket. */
int kb_rt_ticket_create(const struct kb_rt_conn *c, const struct kb_rt_ticket_in *in,
                        int64_t *id, struct kb_err *err);

/* Makes requestor ticket id's requestor (PUT ticket/id): adding one after
 * the create is not a transaction RT's default scrips mail. */
int kb_rt_ticket_set_requestor(const struct kb_rt_conn *c, int64_t id, const char *requestor,
                               struct kb_err *err);

/* The lowest-numbered ticket whose custom field field holds value: 0 with
 * *id (0 when there is none). */
int kb_rt_ticket_find(const struct kb_rt_conn *c, const char *field, const char *value,
                      int64_t *id, struct kb_err *err);

/* Adds text as a comment (plain text, not mailed to the requestor) to
 * ticket id. */
int kb_rt_ticket_comment(const struct kb_rt_conn *c, int64_t id, const char *text,
                         struct kb_err *err);

/* *yes 1 when ticket id has a comment made by the user who created the
 * ticket (for a ticket we filed: our own comment, e.g. one whose answer was
 * lost). */
int kb_rt_ticket_commented(const struct kb_rt_conn *c, int64_t id, int *yes,
                           struct kb_err *err);

#ifdef __cplusplus
}
#endif

#endif
