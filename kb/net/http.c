/* The one HTTP client (see http.h): libcurl easy handles, one per call. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kb/net/http.h"

void kb_http_global_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

void kb_http_resp_init(struct kb_http_resp *r)
{
    r->status = 0;
    kb_buf_init(&r->headers);
    kb_buf_init(&r->body);
}

void kb_http_resp_release(struct kb_http_resp *r)
{
    kb_buf_release(&r->headers);
    kb_buf_release(&r->body);
    r->status = 0;
}

struct sink {
    struct kb_buf *b;
    size_t max;
    int over;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    if (s->b->len + size * n > s->max) {
        s->over = 1;
        return 0;
    }
    kb_buf_add(s->b, p, size * n);
    return size * n;
}

/* Keeps only the final answer's header lines: a new status line (after a
 * 100 Continue or a redirect) starts again. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct kb_buf *h = ud;
    size_t len = size * n;
    if (len >= 5 && !memcmp(p, "HTTP/", 5)) {
        kb_buf_reset(h);
        return len;
    }
    while (len && (p[len - 1] == '\r' || p[len - 1] == '\n'))
        len--;
    if (len && h->len < 65536) {
        kb_buf_add(h, p, len);
        kb_buf_addc(h, '\n');
    }
    return size * n;
}

/* The URL as it may appear in a message: scheme, host and path, never a
 * user:password@ part. */
static void url_for_message(const char *url, char *out, size_t n)
{
    const char *scheme_end = strstr(url, "://");
    const char *at = scheme_end ? strchr(scheme_end + 3, '@') : NULL;
    const char *slash = scheme_end ? strchr(scheme_end + 3, '/') : NULL;
    if (at && (!slash || at < slash))
        snprintf(out, n, "%.*s%s", (int)(scheme_end + 3 - url), url, at + 1);
    else
        snprintf(out, n, "%s", url);
    char *q = strchr(out, '?');
    if (q)
        *q = '\0';
}

/* A failed call's message: what went wrong, in words an operator can act
 * on for the TLS cases (a certificate not trusted, a CA file unreadable). */
static int call_failed(CURLcode rc, const char *detail, const char *method, const char *shown,
                       const struct kb_http_opts *opts, struct kb_err *err)
{
    const char *ca = opts->ca_file && *opts->ca_file ? opts->ca_file : NULL;
    const char *why = *detail ? detail : curl_easy_strerror(rc);
    if (rc == CURLE_PEER_FAILED_VERIFICATION)
        return kb_err_set(err, KB_EIO, "%s %s: the server's TLS certificate is not trusted "
                          "(%s); %s", method, shown, why,
                          ca ? "is it signed by a CA in the CA file?"
                             : "give the CA that signed it as the CA file");
    if (rc == CURLE_SSL_CACERT_BADFILE)
        return kb_err_set(err, KB_EIO, "%s %s: cannot use the CA file '%s' (%s)", method, shown,
                          ca ? ca : "", why);
    return kb_err_set(err, KB_EIO, "%s %s: %s", method, shown, why);
}

int kb_http_request(const char *method, const char *url, const char *const *headers,
                    const char *body, size_t body_len, const struct kb_http_opts *opts,
                    struct kb_http_resp *out, struct kb_err *err)
{
    static const struct kb_http_opts none = {0};
    if (!opts)
        opts = &none;
    if (!url || (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)))
        return kb_err_set(err, KB_EINVAL, "'%s' is not an http:// or https:// URL",
                          url ? url : "");
    char shown[512];
    url_for_message(url, shown, sizeof shown);
    CURL *c = curl_easy_init();
    if (!c)
        return kb_err_set(err, KB_EIO, "%s: cannot start libcurl", shown);
    struct curl_slist *hl = NULL;
    int has_ua = 0;
    for (size_t i = 0; headers && headers[i]; i++) {
        hl = curl_slist_append(hl, headers[i]);
        if (!strncasecmp(headers[i], "User-Agent:", 11))
            has_ua = 1;
    }
    if (!has_ua)
        hl = curl_slist_append(hl, "User-Agent: kb");
    /* libcurl sends "Expect: 100-continue" for large bodies; a peer that
     * does not answer it costs a second. */
    hl = curl_slist_append(hl, "Expect:");
    struct sink sink = {&out->body, opts->max_body ? opts->max_body : KB_HTTP_MAX_BODY, 0};
    kb_buf_reset(&out->body);
    kb_buf_reset(&out->headers);
    out->status = 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     opts->connect_ms > 0 ? opts->connect_ms : (long)KB_HTTP_CONNECT_MS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                     opts->timeout_ms > 0 ? opts->timeout_ms : (long)KB_HTTP_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    if (opts->ca_file && *opts->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, opts->ca_file);
    if (opts->user) {
        curl_easy_setopt(c, CURLOPT_USERNAME, opts->user);
        curl_easy_setopt(c, CURLOPT_PASSWORD, opts->password ? opts->password : "");
    }
    if (!strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else if (!strcmp(method, "HEAD")) {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else {
        if (strcmp(method, "POST"))
            curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? body_len : 0));
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (sink.over)
        return kb_err_set(err, KB_ETOOBIG, "%s %s: the answer is over %zu bytes", method, shown,
                          sink.max);
    return rc == CURLE_OK ? 0 : call_failed(rc, detail, method, shown, opts, err);
}

const char *kb_http_header(const struct kb_http_resp *r, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = kb_buf_str(&r->headers);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && !strncasecmp(p, name, nl)) {
            const char *v = p + nl + 1;
            while (v < p + len && (*v == ' ' || *v == '\t'))
                v++;
            size_t vl = (size_t)(p + len - v);
            if (n) {
                if (vl >= n)
                    vl = n - 1;
                memcpy(out, v, vl);
                out[vl] = '\0';
            }
            return out;
        }
        p += len + (eol ? 1 : 0);
    }
    return NULL;
}

int kb_http_check_base_url(const char *url, struct kb_err *err)
{
    const char *host;
    if (url && !strncasecmp(url, "http://", 7))
        host = url + 7;
    else if (url && !strncasecmp(url, "https://", 8))
        host = url + 8;
    else
        return kb_err_set(err, KB_EINVAL, "'%s' is not an http:// or https:// URL",
                          url ? url : "");
    const char *end = host + strcspn(host, "/");
    if (end == host)
        return kb_err_set(err, KB_EINVAL, "'%s' names no host", url);
    if (*end == '/' && end[1])
        return kb_err_set(err, KB_EINVAL, "'%s': give only scheme, host and port, no path",
                          url);
    for (const char *p = host; p < end; p++)
        if (*p == '@' || *p == '?' || *p == '#' || (unsigned char)*p <= ' ')
            return kb_err_set(err, KB_EINVAL, "'%s': the host part holds '%c'", url, *p);
    /* A port, when given, is a number from 1 to 65535 (after "]" for IPv6). */
    const char *close = memchr(host, ']', (size_t)(end - host));
    const char *colon = NULL;
    for (const char *p = close ? close : host; p < end; p++)
        if (*p == ':')
            colon = p;
    if (colon) {
        long port = 0;
        const char *p = colon + 1;
        for (; p < end && *p >= '0' && *p <= '9' && port <= 65535; p++)
            port = port * 10 + (*p - '0');
        if (p != end || port < 1 || port > 65535)
            return kb_err_set(err, KB_EINVAL, "'%s': the port must be a number from 1 to 65535",
                              url);
    }
    return 0;
}

long long kb_http_backoff_ms(long long base_ms, int attempts)
{
    long long d = base_ms > 0 ? base_ms : 1;
    for (int i = 0; i < attempts && d < KB_HTTP_BACKOFF_MAX_MS; i++)
        d *= 2;
    return d < KB_HTTP_BACKOFF_MAX_MS ? d : KB_HTTP_BACKOFF_MAX_MS;
}

void kb_http_sign(const char *secret, const char *ts, const char *body, size_t body_len,
                  char hex[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, strlen(ts));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)".", 1);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, body_len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, 65, mac, sizeof mac);
}
