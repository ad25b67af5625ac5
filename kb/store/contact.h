/* Contact requests: a customer's message to the support desk, committed
 * together with one delivery row per destination enabled at that moment
 * (the contact outbox), before the customer gets an answer; the server's
 * worker then delivers each row with retries and records the outcome. Each
 * request has an idempotency key that every delivery carries. The
 * destinations an admin configures (webhook, e-mail, later Request Tracker)
 * are kept in the store too (contact_dest.c). */
#ifndef KB_CONTACT_H
#define KB_CONTACT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The migration step that creates the three tables (store_schema.c). */
extern const char kb_contact_schema_sql[];

#define KB_CONTACT_NAME_MAX 200
#define KB_CONTACT_EMAIL_MAX 254
#define KB_CONTACT_SUBJECT_MAX 200
#define KB_CONTACT_TEXT_MAX 10000
#define KB_CONTACT_TRAIL_MAX 20000 /* bytes of the deflection trail's JSON */
#define KB_CONTACT_KEY_LEN 32      /* lowercase hex */
#define KB_CONTACT_LIST_MAX 500

/* A request as submitted. Strings are borrowed; key NULL or "" makes a new
 * one; trail is a JSON object (NULL = "{}"); visitor and network are the
 * server's keyed hashes (as in struct kb_event), NULL allowed. */
struct kb_contact_in {
    const char *key, *name, *email, *subject, *description, *trail, *locale;
    const char *visitor, *network;
};

/* 1 when s is a plausible single e-mail address (local@domain.tld, no
 * spaces, quotes, angle brackets or control characters, at most
 * KB_CONTACT_EMAIL_MAX bytes). */
int kb_contact_email_ok(const char *s);
/* 1 when s contains a CR, LF or NUL-free control that must not reach a mail
 * header (CR, LF, and other C0 controls but TAB). NULL = 0. */
int kb_contact_header_unsafe(const char *s);

/* Checks in: each field present (not blank), within its limit, valid
 * UTF-8, no CR/LF in name, email and subject, a valid e-mail, trail a JSON
 * object. 0, or KB_EINVAL with a message that starts "field 'NAME': ". */
int kb_contact_check(const struct kb_contact_in *in, struct kb_err *err);

/* Checks in (as kb_contact_check) and commits the request and one pending
 * delivery row per enabled destination in one durable transaction. *id and
 * key (KB_CONTACT_KEY_LEN + 1 bytes) get its number and idempotency key.
 * When in->key names a request already stored from the same visitor or
 * e-mail address, that one is returned with *existing = 1 and nothing is
 * written (a form sent twice); a key of someone else's request is not
 * reused: a new key is made.
 * *ndest (optional) gets the number of delivery rows written. */
int kb_contact_submit(struct kb_store *st, const struct kb_contact_in *in, int64_t now_ms,
                      int64_t *id, char key[KB_CONTACT_KEY_LEN + 1], int *existing,
                      int *ndest, struct kb_err *err);

/* A delivery due now, with what it delivers. All strings owned. */
struct kb_contact_job {
    int64_t id;       /* the request */
    char *dest;       /* "webhook" | "email" | "rt" */
    int attempts;     /* before this one */
    int tried;        /* 1 when an attempt was made before: attempts > 0, or a last
                       * error kept (an admin's retry starts attempts from 0) */
    int64_t created;  /* ms */
    char *key, *name, *email, *subject, *description, *trail, *locale;
    char *config;     /* the destination's settings (JSON) now; "{}" when removed */
    int enabled;      /* the destination is still enabled */
    int earlier_today; /* requests from the same address (case-insensitive) in the
                        * 24 hours before this one: a desk mails an unverified
                        * address at most once a day */
};
/* Up to max pending deliveries with next_at <= now_ms, oldest first;
 * caller frees with kb_contact_jobs_free. */
int kb_contact_due(struct kb_store *st, int64_t now_ms, size_t max, struct kb_contact_job **jobs,
                   size_t *n, struct kb_err *err);
void kb_contact_jobs_free(struct kb_contact_job *jobs, size_t n);
/* The earliest next_at of a pending delivery: *found 0 when none. */
int kb_contact_next_due(struct kb_store *st, int *found, int64_t *when_ms, struct kb_err *err);

/* Records a delivery made (ticket: the number the destination gave, or
 * NULL). */
int kb_contact_delivered(struct kb_store *st, int64_t id, const char *dest, const char *ticket,
                         int64_t now_ms, struct kb_err *err);
/* Records a failed attempt: attempts + 1, error kept, and the next try at
 * next_ms; next_ms 0 gives up (status failed). */
int kb_contact_attempt_failed(struct kb_store *st, int64_t id, const char *dest,
                              const char *error, int64_t next_ms, struct kb_err *err);
/* Makes request id's failed deliveries pending again, due now, their
 * attempts from 0. *n (optional) gets how many; KB_ENOTFOUND when there is
 * no such request. */
int kb_contact_retry(struct kb_store *st, int64_t id, int64_t now_ms, int *n,
                     struct kb_err *err);

/* A request's progress for its submitter's answer: *ticket (caller frees;
 * NULL when none) the first ticket number a destination gave, *untried the
 * number of deliveries not yet attempted. */
int kb_contact_progress(struct kb_store *st, int64_t id, char **ticket, int *untried,
                        struct kb_err *err);

/* The newest requests (at most limit, up to KB_CONTACT_LIST_MAX) whose
 * status is status ("pending", "delivered", "failed", "stored": no
 * destination; NULL = all), as a new JSON array of objects (id, key,
 * created, name, email, subject, status, deliveries: [{dest, status,
 * attempts, next_at, last_error, ticket, delivered}]). Staff only: the
 * caller checks the role. */
int kb_contact_list(struct kb_store *st, const char *status, int64_t limit, json_t **out,
                    struct kb_err *err);

/* The deflection trail's "opened" part: the articles visitor (the keyed
 * hash events carry) clicked or viewed since since (Unix seconds), newest
 * first, each once, at most max; *numbers is caller-freed. */
int kb_contact_opened(struct kb_store *st, const char *visitor, int64_t since, size_t max,
                      int64_t **numbers, size_t *n, struct kb_err *err);

/* ---- destinations (contact_dest.c) ---- */

/* 1 for "webhook", "email", "rt". */
int kb_contact_dest_kind_ok(const char *kind);
/* Stores a destination's settings (config: a JSON object, its secrets
 * included) and whether it is enabled. KB_EINVAL for an unknown kind or a
 * config that is not a JSON object. */
int kb_contact_dest_set(struct kb_store *st, const char *kind, int enabled, const char *config,
                        struct kb_err *err);
/* A destination's settings: *config (caller frees) and *enabled;
 * KB_ENOTFOUND when never set. */
int kb_contact_dest_get(struct kb_store *st, const char *kind, int *enabled, char **config,
                        struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
