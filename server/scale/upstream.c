/* Every call a replica makes to its primary, over the one HTTP client
 * (kb/net/http.h): the URL from --replica-of, the CA file from
 * --replica-ca, the connect timeout and answer limits every call shares,
 * and the primary token when the call is staff's. Headers come as
 * "Name: value\r\n" lines, the form forwarded requests and spooled events
 * keep them in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/scale/scale_int.h"

#define MAX_LINES 32

int scale_call(const char *method, const char *target, const char *lines, int with_token,
               const char *body, size_t body_len, long timeout_ms, size_t max_body,
               struct kb_http_resp *out, struct kb_err *err)
{
    char url[4400];
    snprintf(url, sizeof url, "%s%s", scale.base_url, target);
    /* Split a copy of lines at CR LF; a line with no colon is dropped. */
    char *copy = kb_xstrdup(lines ? lines : "");
    const char *hv[MAX_LINES + 3];
    size_t n = 0;
    int has_type = 0;
    for (char *save = NULL, *l = strtok_r(copy, "\r\n", &save); l && n < MAX_LINES;
         l = strtok_r(NULL, "\r\n", &save)) {
        if (!strchr(l, ':'))
            continue;
        if (!strncasecmp(l, "Content-Type:", 13))
            has_type = 1;
        hv[n++] = l;
    }
    char auth[300];
    if (with_token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", scale.token);
        hv[n++] = auth;
    }
    /* libcurl would label a body without a type as a form; send what came. */
    if (!has_type && body)
        hv[n++] = "Content-Type:";
    hv[n] = NULL;
    struct kb_http_opts o = {.timeout_ms = timeout_ms,
                             .max_body = max_body,
                             .ca_file = srv_scale.replica_ca};
    int rc = kb_http_request(method, url, hv, body, body_len, &o, out, err);
    free(copy);
    /* The client says "the CA file"; here that is an option. */
    if (rc && err && strstr(err->msg, "certificate is not trusted")) {
        char m[sizeof err->msg];
        memcpy(m, err->msg, sizeof m);
        kb_err_set(err, rc, "%.480s (--replica-ca FILE)", m);
    }
    return rc;
}

long long scale_retry_ms(long long base_ms, int failures)
{
    long long d = kb_http_backoff_ms(base_ms, failures);
    return d < SCALE_RETRY_MAX_MS ? d : SCALE_RETRY_MAX_MS;
}
