/* The one HTTP client of the project (libcurl): every outgoing call — a
 * replica to its primary, contact deliveries, alerts, Request Tracker —
 * goes through kb_http_request, so all share one timeout, TLS and retry
 * policy. http:// and https:// only; a CA file may be named for a private
 * certificate authority. Thread-safe: call kb_http_global_init once at
 * start-up, before any thread uses it. */
#ifndef KB_NET_HTTP_H
#define KB_NET_HTTP_H

#include <stddef.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default bounds: a call that takes longer fails with KB_EIO naming it. */
#define KB_HTTP_CONNECT_MS 5000
#define KB_HTTP_TIMEOUT_MS 15000
#define KB_HTTP_MAX_BODY (64u << 20)
/* Retries of an idempotent call: delays base * 2^attempt up to this cap. */
#define KB_HTTP_BACKOFF_MAX_MS (60LL * 60 * 1000) /* an hour; a caller may cap lower */

struct kb_http_opts {
    long connect_ms;     /* 0: KB_HTTP_CONNECT_MS */
    long timeout_ms;     /* the whole call; 0: KB_HTTP_TIMEOUT_MS */
    size_t max_body;     /* answer bytes kept; 0: KB_HTTP_MAX_BODY; more is KB_ETOOBIG */
    const char *ca_file; /* PEM file of trusted CAs for https, or NULL: the system's */
    const char *user;    /* basic auth (SMTP-free callers), or NULL */
    const char *password;
};

struct kb_http_resp {
    long status;           /* the HTTP status; 0 when no answer came */
    struct kb_buf headers; /* "name: value\n" lines of the final answer, names as sent */
    struct kb_buf body;
};

void kb_http_global_init(void);
void kb_http_resp_init(struct kb_http_resp *r);
void kb_http_resp_release(struct kb_http_resp *r);

/* Sends method to url with headers (a NULL-terminated list of "Name: value"
 * strings, or NULL) and body (body_len bytes; NULL for none), and reads the
 * whole answer into out (which the caller inits and releases). Returns 0 when
 * an HTTP answer came back, whatever its status; KB_EIO with a message naming
 * the URL (without any credentials in it) when the server could not be
 * reached, timed out, failed TLS or answered garbage; KB_ETOOBIG past
 * max_body; KB_EINVAL for a URL that is not http(s). */
int kb_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, size_t body_len, const struct kb_http_opts *opts,
                    struct kb_http_resp *out, struct kb_err *err);

/* The value of header name in r (case-insensitive), copied into out (n
 * bytes); NULL when absent. */
const char *kb_http_header(const struct kb_http_resp *r, const char *name, char *out, size_t n);

/* "http://HOST:PORT" or "https://HOST:PORT" with an optional trailing "/" and
 * nothing after: 0, or KB_EINVAL naming what is wrong. */
int kb_http_check_base_url(const char *url, struct kb_err *err);

/* The delay before retry number attempts (0-based) of a call: base_ms doubled
 * per attempt, capped at KB_HTTP_BACKOFF_MAX_MS. */
long long kb_http_backoff_ms(long long base_ms, int attempts);

/* An HMAC-SHA256 signature of "<ts>.<body>" with secret as lowercase hex into
 * hex (65 bytes): the signing scheme of our webhooks. */
void kb_http_sign(const char *secret, const char *ts, const char *body, size_t body_len,
                  char hex[65]);

#ifdef __cplusplus
}
#endif

#endif
