/* The signed webhook that tells a help desk a problem is emerging: libcurl
 * POSTs the JSON with a timestamp and an HMAC-SHA256 signature over
 * "<timestamp>.<body>" (libsodium), so a receiver can check who sent it and
 * refuse a replay of an old one. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "emerging.h"

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

int srv_alert_post(const char *url, const unsigned char *secret, size_t secret_len,
                   const char *body, long timeout_ms, struct kb_err *err)
{
    char ts[32];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
    crypto_auth_hmacsha256_final(&st, mac);
    char hex[2 * sizeof mac + 1];
    sodium_bin2hex(hex, sizeof hex, mac, sizeof mac);
    char h_sig[128], h_ts[64];
    snprintf(h_sig, sizeof h_sig, "X-KB-Signature: sha256=%s", hex);
    snprintf(h_ts, sizeof h_ts, "X-KB-Timestamp: %s", ts);

    CURL *c = curl_easy_init();
    if (!c)
        return kb_err_set(err, KB_EIO, "webhook: cannot start libcurl");
    struct curl_slist *hdrs = NULL;
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    hdrs = curl_slist_append(hdrs, h_sig);
    hdrs = curl_slist_append(hdrs, h_ts);
    hdrs = curl_slist_append(hdrs, "User-Agent: kb-server");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return kb_err_set(err, KB_EIO, "webhook '%s': %s", url, curl_easy_strerror(rc));
    if (status < 200 || status > 299)
        return kb_err_set(err, KB_EIO, "webhook '%s': answered %ld", url, status);
    return 0;
}
