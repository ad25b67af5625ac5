/* Emerging problems in the server: the detection thread (emerging_thread.c)
 * that runs a cycle after every ingest and at least every few minutes, keeps
 * the last report for GET /api/v1/emerging, and alerts once per problem
 * through the signed webhook (alert_webhook.c) and by e-mail
 * (alert_email.c). */
#ifndef KB_SRV_EMERGING_H
#define KB_SRV_EMERGING_H

#include <jansson.h>
#include <stddef.h>

#include "kb/base/err.h"
#include "srv.h"

/* Starts the detection thread (after the index thread); returns 0 or an
 * errno value. Reads --alert-secret-file first: KB_EIO-like failures are
 * reported on stderr and returned as EINVAL. */
int srv_emerging_start(struct srv *s);
/* Stops the thread and frees its state (NULL-safe when never started). */
void srv_emerging_stop(struct srv *s);
/* Tells the thread the index changed: it runs a cycle now (at most one a
 * second). Safe from any thread; a no-op when the thread does not run. */
void srv_emerging_wake(struct srv *s);
/* The last cycle's report as JSON text, or NULL when no cycle finished
 * yet (or the thread does not run). Caller frees. */
char *srv_emerging_last(struct srv *s);

/* Posts body to url with the headers X-KB-Timestamp (Unix seconds) and
 * X-KB-Signature: "sha256=" + hex HMAC-SHA256 over "<timestamp>.<body>"
 * with secret. Returns 0 for a 2xx answer within timeout_ms, else KB_EIO
 * with the reason in err. */
int srv_alert_post(const char *url, const unsigned char *secret, size_t secret_len,
                   const char *body, long timeout_ms, struct kb_err *err);

/* E-mails problem p (an object of the report's "problems") with a link to
 * panel, when the contact "email" destination is enabled: *sent 1 when it
 * went (0 and nothing done when there is no such destination). 0, or an
 * error naming what failed. */
int srv_alert_email(struct kb_store *st, json_t *p, const char *panel, int *sent,
                    struct kb_err *err);

#endif
