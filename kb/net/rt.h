/* Request Tracker's REST2 API over the one HTTP client (http.h): the
 * connection settings and one JSON call. What is asked of RT (tickets filed,
 * tickets read for the sync) lives in its own files beside this one. */
#ifndef KB_NET_RT_H
#define KB_NET_RT_H

#include <jansson.h>

#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_rt_conn {
    const char *url;     /* RT's base URL, e.g. "http://127.0.0.1:8081" */
    const char *token;   /* an RT auth token (never logged) */
    const char *ca_file; /* PEM CA file for https, or NULL */
    long timeout_ms;     /* each call; 0: KB_HTTP_TIMEOUT_MS */
};

/* method on "<url>/REST/2.0/<path>" (path without the leading slash; its
 * query string already escaped) with body as JSON (NULL for none). On a 2xx
 * answer returns 0 and, when out is not NULL, the answer's JSON (a new
 * reference; json null for an empty body). Otherwise: KB_EIO naming the call
 * and why (unreachable, timed out, HTTP status with RT's message, an answer
 * that is not JSON), KB_EINVAL for 401/403 (the token is wrong or lacks a
 * right), KB_ENOTFOUND for 404. *status, when not NULL, gets the HTTP
 * status (0 when none came). */
int kb_rt_call(const struct kb_rt_conn *c, const char *method, const char *path, json_t *body,
               json_t **out, long *status, struct kb_err *err);

/* s escaped for a URL query value (caller frees). */
char *kb_rt_escape(const char *s);

#ifdef __cplusplus
}
#endif

#endif
