/* The signed webhook that tells a help desk a problem is emerging: the JSON
 * POSTed over the one HTTP client (kb/net/http.h) with a timestamp and an
 * HMAC-SHA256 signature over "<timestamp>.<body>" (kb_http_sign), so a
 * receiver can check who sent it and refuse a replay of an old one. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emerging.h"
#include "kb/net/http.h"

int srv_alert_post(const char *url, const unsigned char *secret, size_t secret_len,
                   const char *body, long timeout_ms, struct kb_err *err)
{
    char key[513];
    if (secret_len >= sizeof key || memchr(secret, '\0', secret_len))
        return kb_err_set(err, KB_EINVAL, "webhook '%s': the secret must be text under %zu "
                          "bytes", url, sizeof key);
    memcpy(key, secret, secret_len);
    key[secret_len] = '\0';
    char ts[32], hex[65];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    kb_http_sign(key, ts, body, strlen(body), hex);
    explicit_bzero(key, sizeof key);
    char h_sig[128], h_ts[64];
    snprintf(h_sig, sizeof h_sig, "X-KB-Signature: sha256=%s", hex);
    snprintf(h_ts, sizeof h_ts, "X-KB-Timestamp: %s", ts);
    const char *headers[] = {"Content-Type: application/json", h_sig, h_ts,
                             "User-Agent: kb-server", NULL};
    struct kb_http_opts o = {.timeout_ms = timeout_ms, .max_body = 65536};
    struct kb_http_resp r;
    kb_http_resp_init(&r);
    int rc = kb_http_request("POST", url, headers, body, strlen(body), &o, &r, err);
    long status = r.status;
    kb_http_resp_release(&r);
    if (rc == KB_ETOOBIG)
        rc = 0; /* a long answer is still an answer: only its status counts */
    if (rc != 0)
        return rc;
    if (status < 200 || status > 299)
        return kb_err_set(err, KB_EIO, "webhook '%s': answered %ld", url, status);
    return 0;
}
