/* Contact requests in the server: the form (h_contact.c), the admin API
 * (h_contact_admin.c), the delivery worker (contact_worker.c) and the
 * destinations it delivers to over libcurl (contact_send.c; Request
 * Tracker: contact_rt.c). The store part is kb/store/contact.h. */
#ifndef SRV_CONTACT_H
#define SRV_CONTACT_H

#include <jansson.h>

#include "kb/base/buf.h"
#include "kb/store/contact.h"
#include "srv.h"

/* One delivery attempt; retries wait kb_http_backoff_ms (kb/net/http.h), the
 * policy every outgoing call shares. */
#define SRV_CONTACT_TIMEOUT_MS 10000

/* Starts the delivery worker (its own store handle); it picks up every
 * pending delivery left by an earlier run. Returns 0 or an errno. */
int srv_contact_start(struct srv *s);
/* Stops and joins it (NULL-safe when it never started). */
void srv_contact_stop(struct srv *s);
/* Tells the worker a new request is waiting. */
void srv_contact_wake(struct srv *s);

/* The JSON a webhook receives for job (new string, caller frees). */
char *srv_contact_payload(const struct kb_contact_job *job);
/* Delivers job once to its destination, configured by cfg (the stored
 * settings). 0 and *ticket (caller frees; NULL when the destination gave
 * none), or an error naming what failed. */
int srv_contact_send(const struct kb_contact_job *job, json_t *cfg, char **ticket,
                     struct kb_err *err);

/* Sends msg (a whole RFC 5322 message, CRLF lines) over SMTP with the
 * "email" destination's settings cfg: from its "from" to its "to" (the
 * desk's support address). 0, or an error naming what failed. */
int srv_contact_smtp(json_t *cfg, const char *msg, size_t len, struct kb_err *err);
/* Appends s as one mail header value (RFC 2047 words when not plain ASCII),
 * and s quoted-printable with CRLF lines, as contact e-mails write them. */
void srv_mail_header_text(struct kb_buf *b, const char *s);
void srv_mail_quoted_printable(struct kb_buf *b, const char *s);
/* The Request Tracker destination (contact_rt.c): files job as one ticket
 * (cfg: url, token, queue, optional ca_file and key_field), searching RT
 * for the job's key first when an earlier attempt may have reached it.
 * 0 with *ticket the ticket's number (caller frees), or an error naming
 * what failed. */
int srv_contact_rt_send(const struct kb_contact_job *job, json_t *cfg, char **ticket,
                        struct kb_err *err);
/* Tells contact_rt.c when the delivery worker started (Unix ms): rows
 * created before then may have been in flight in a killed server. */
void srv_contact_rt_since(int64_t started_ms);

/* Checks an admin's settings for kind (webhook | email | rt) and merges
 * them over old (the stored ones, may be NULL): a secret or password left
 * out keeps the stored one. 0 with *merged (new reference), or KB_EINVAL
 * naming the field. */
int srv_contact_config_merge(const char *kind, json_t *in, json_t *old, json_t **merged,
                             struct kb_err *err);
/* The settings as the admin API shows them: secrets replaced by
 * "secret_set" / "password_set" booleans. New reference. */
json_t *srv_contact_config_public(json_t *cfg);

#endif
