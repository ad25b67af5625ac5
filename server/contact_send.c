/* One delivery of a contact request over libcurl (see contact.h):
 * - webhook: the request as JSON, POSTed with X-KB-Timestamp and
 *   X-KB-Signature "sha256=" HMAC-SHA256 over "<timestamp>.<body>" (the
 *   scheme of the emerging-problem alerts), and Idempotency-Key carrying
 *   the request's key; an answer {"ticket": ...} or {"id": ...} names the
 *   desk's ticket;
 * - email: to the desk's support address over SMTP (STARTTLS as set, auth
 *   when a user name is set), Reply-To the customer, Message-ID derived from
 *   the key, the text quoted-printable so no line is too long. Nothing that
 *   reaches a header may hold CR, LF or another control character: the
 *   store refused those already; this checks again. */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "kb/base/buf.h"
#include "kb/net/http.h"

#define RESPONSE_MAX 65536

char *srv_contact_payload(const struct kb_contact_job *j)
{
    json_t *trail = json_loads(j->trail ? j->trail : "{}", 0, NULL);
    if (!trail)
        trail = json_object();
    json_t *o = json_pack("{s:s, s:I, s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "event",
                          "contact_request", "id", (json_int_t)j->id, "key", j->key, "created",
                          (json_int_t)(j->created / 1000), "name", j->name, "email", j->email,
                          "subject", j->subject, "description", j->description, "trail", trail);
    if (j->locale)
        json_object_set_new(o, "locale", json_string(j->locale));
    char *out = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return out;
}

static const char *cfg_str(json_t *cfg, const char *key)
{
    return json_string_value(json_object_get(cfg, key));
}

/* ---- webhook -------------------------------------------------------------------- */

/* The ticket an answer names: "ticket" or "id", a string or an integer. */
static char *answer_ticket(const struct kb_buf *b)
{
    json_t *j = b->len ? json_loadb(b->data, b->len, 0, NULL) : NULL;
    char *out = NULL;
    const char *names[] = {"ticket", "id"};
    for (size_t i = 0; i < 2 && json_is_object(j) && !out; i++) {
        json_t *v = json_object_get(j, names[i]);
        char num[32];
        if (json_is_integer(v)) {
            snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
            out = kb_xstrdup(num);
        } else if (json_is_string(v) && json_string_length(v) > 0 &&
                   json_string_length(v) <= 64 && !kb_contact_header_unsafe(json_string_value(v))) {
            out = kb_xstrdup(json_string_value(v));
        }
    }
    json_decref(j);
    return out;
}

/* Over the one HTTP client (kb/net/http.h): its timeouts and TLS, and its
 * signature scheme (kb_http_sign), shared with the emerging-problem alerts. */
static int send_webhook(const struct kb_contact_job *j, json_t *cfg, char **ticket,
                        struct kb_err *err)
{
    const char *url = cfg_str(cfg, "url"), *secret = cfg_str(cfg, "secret");
    if (!url || !secret)
        return kb_err_set(err, KB_EINVAL, "webhook: no url or secret configured");
    char *body = srv_contact_payload(j);
    char ts[32], hex[65];
    snprintf(ts, sizeof ts, "%lld", (long long)time(NULL));
    kb_http_sign(secret, ts, body, strlen(body), hex);
    char h_sig[128], h_ts[64], h_key[96];
    snprintf(h_sig, sizeof h_sig, "X-KB-Signature: sha256=%s", hex);
    snprintf(h_ts, sizeof h_ts, "X-KB-Timestamp: %s", ts);
    snprintf(h_key, sizeof h_key, "Idempotency-Key: %s", j->key);
    const char *headers[] = {"Content-Type: application/json", h_sig, h_ts, h_key,
                             "User-Agent: kb-server", NULL};
    struct kb_http_opts o = {.timeout_ms = SRV_CONTACT_TIMEOUT_MS,
                             .max_body = RESPONSE_MAX,
                             .ca_file = cfg_str(cfg, "ca_file")};
    struct kb_http_resp r;
    kb_http_resp_init(&r);
    int code = kb_http_request("POST", url, headers, body, strlen(body), &o, &r, err);
    free(body);
    int whole = code == 0;
    if (code == KB_ETOOBIG && r.status >= 200 && r.status <= 299)
        code = 0; /* delivered; an answer too long to name a ticket names none */
    if (code == 0 && (r.status < 200 || r.status > 299))
        code = kb_err_set(err, KB_EIO, "webhook '%s': answered %ld", url, r.status);
    else if (code == 0 && whole)
        *ticket = answer_ticket(&r.body);
    kb_http_resp_release(&r);
    return code;
}

/* ---- e-mail ------------------------------------------------------------------------ */

/* s as one header value: itself when plain printable ASCII, else RFC 2047
 * encoded words (base64, cut at UTF-8 boundaries). */
static void header_text(struct kb_buf *b, const char *s)
{
    int plain = 1;
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p >= 0x7f || (unsigned char)*p < 0x20)
            plain = 0;
    if (plain) {
        kb_buf_adds(b, s);
        return;
    }
    size_t len = strlen(s), at = 0;
    while (at < len) {
        size_t n = len - at > 42 ? 42 : len - at;
        while (at + n < len && n > 1 && ((unsigned char)s[at + n] & 0xC0) == 0x80)
            n--;
        char out[80];
        sodium_bin2base64(out, sizeof out, (const unsigned char *)s + at, n,
                          sodium_base64_VARIANT_ORIGINAL);
        kb_buf_printf(b, "%s=?UTF-8?B?%s?=", at ? "\r\n " : "", out);
        at += n;
    }
}

/* A display name and address: "Name" <addr>, the name quoted or encoded. */
static void mailbox(struct kb_buf *b, const char *name, const char *addr)
{
    int plain = 1;
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p >= 0x7f || *p == '"' || *p == '\\')
            plain = 0;
    if (plain) {
        kb_buf_printf(b, "\"%s\"", name);
    } else {
        header_text(b, name);
    }
    kb_buf_printf(b, " <%s>", addr);
}

/* Appends s quoted-printable, lines ending CRLF. */
static void quoted_printable(struct kb_buf *b, const char *s)
{
    int col = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\r')
            continue;
        if (*p == '\n') {
            kb_buf_adds(b, "\r\n");
            col = 0;
            continue;
        }
        int enc = *p == '=' || *p > 126 || (*p < 32 && *p != '\t') ||
                  ((*p == ' ' || *p == '\t') && (p[1] == '\n' || p[1] == '\r' || !p[1]));
        int w = enc ? 3 : 1;
        if (col + w > 75) {
            kb_buf_adds(b, "=\r\n");
            col = 0;
        }
        if (enc)
            kb_buf_printf(b, "=%02X", *p);
        else
            kb_buf_addc(b, (char)*p);
        col += w;
    }
    kb_buf_adds(b, "\r\n");
}

struct upload {
    const char *data;
    size_t len, at;
};

static size_t reader(char *p, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t room = size * n, left = u->len - u->at;
    size_t k = left < room ? left : room;
    memcpy(p, u->data + u->at, k);
    u->at += k;
    return k;
}

static void message(struct kb_buf *m, const struct kb_contact_job *j, const char *from,
                    const char *to)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    kb_buf_printf(m, "Date: %s\r\nFrom: <%s>\r\nTo: <%s>\r\nReply-To: ", date, from, to);
    mailbox(m, j->name, j->email);
    kb_buf_printf(m, "\r\nSubject: ");
    char tag[48];
    snprintf(tag, sizeof tag, "[CR-%lld] ", (long long)j->id);
    struct kb_buf subj = KB_BUF_INIT;
    kb_buf_adds(&subj, tag);
    kb_buf_adds(&subj, j->subject);
    header_text(m, kb_buf_str(&subj));
    kb_buf_release(&subj);
    const char *dom = strrchr(from, '@');
    kb_buf_printf(m, "\r\nMessage-ID: <%s@%s>\r\nX-KB-Idempotency-Key: %s\r\n"
                     "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                  j->key, dom ? dom + 1 : "kb-contact", j->key);
    struct kb_buf text = KB_BUF_INIT;
    kb_buf_printf(&text, "Contact request CR-%lld from %s <%s>\n\nSubject: %s\n\n%s\n\n",
                  (long long)j->id, j->name, j->email, j->subject, j->description);
    json_t *trail = json_loads(j->trail ? j->trail : "{}", 0, NULL);
    const char *parts[] = {"shown", "opened"};
    for (size_t i = 0; i < 2; i++) {
        json_t *a = json_object_get(trail, parts[i]), *v;
        size_t k;
        kb_buf_printf(&text, "Articles %s before writing: %s\n", parts[i],
                      json_array_size(a) ? "" : "none");
        json_array_foreach(a, k, v)
            kb_buf_printf(&text, "  KB-%lld %s\n",
                          (long long)json_integer_value(json_object_get(v, "number")),
                          json_string_value(json_object_get(v, "title"))
                              ? json_string_value(json_object_get(v, "title")) : "");
    }
    json_decref(trail);
    kb_buf_printf(&text, "\nIdempotency key: %s\n", j->key);
    quoted_printable(m, kb_buf_str(&text));
    kb_buf_release(&text);
}

static int send_email(const struct kb_contact_job *j, json_t *cfg, struct kb_err *err)
{
    const char *url = cfg_str(cfg, "url"), *from = cfg_str(cfg, "from"), *to = cfg_str(cfg, "to");
    if (!url || !from || !to)
        return kb_err_set(err, KB_EINVAL, "email: url, from and to must be configured");
    const char *hdr[] = {j->name, j->email, j->subject, j->key, from, to};
    for (size_t i = 0; i < sizeof hdr / sizeof hdr[0]; i++)
        if (!hdr[i] || kb_contact_header_unsafe(hdr[i]))
            return kb_err_set(err, KB_EINVAL, "email: a header value holds a line break");
    struct kb_buf m = KB_BUF_INIT;
    message(&m, j, from, to);
    int code = srv_contact_smtp(cfg, m.data, m.len, err);
    kb_buf_release(&m);
    return code;
}

int srv_contact_smtp(json_t *cfg, const char *msg, size_t len, struct kb_err *err)
{
    const char *url = cfg_str(cfg, "url"), *from = cfg_str(cfg, "from"), *to = cfg_str(cfg, "to");
    const char *tls = cfg_str(cfg, "tls") ? cfg_str(cfg, "tls") : "required";
    if (!url || !from || !to)
        return kb_err_set(err, KB_EINVAL, "email: url, from and to must be configured");
    if (kb_contact_header_unsafe(from) || kb_contact_header_unsafe(to))
        return kb_err_set(err, KB_EINVAL, "email: a header value holds a line break");
    CURL *c = curl_easy_init();
    if (!c)
        return kb_err_set(err, KB_EIO, "email: cannot start libcurl");
    char envfrom[300], rcpt[300];
    snprintf(envfrom, sizeof envfrom, "<%s>", from);
    snprintf(rcpt, sizeof rcpt, "<%s>", to);
    struct curl_slist *rcpts = curl_slist_append(NULL, rcpt);
    struct upload u = {msg, len, 0};
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, envfrom);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpts);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, reader);
    curl_easy_setopt(c, CURLOPT_READDATA, &u);
    curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)SRV_CONTACT_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USE_SSL, !strcmp(tls, "none")  ? (long)CURLUSESSL_NONE
                                         : !strcmp(tls, "try") ? (long)CURLUSESSL_TRY
                                                               : (long)CURLUSESSL_ALL);
    if (cfg_str(cfg, "username") && *cfg_str(cfg, "username")) {
        curl_easy_setopt(c, CURLOPT_USERNAME, cfg_str(cfg, "username"));
        curl_easy_setopt(c, CURLOPT_PASSWORD,
                         cfg_str(cfg, "password") ? cfg_str(cfg, "password") : "");
    }
    if (cfg_str(cfg, "ca_file"))
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg_str(cfg, "ca_file"));
    CURLcode rc = curl_easy_perform(c);
    curl_slist_free_all(rcpts);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK)
        return kb_err_set(err, KB_EIO, "email via '%s': %s", url, curl_easy_strerror(rc));
    return 0;
}

void srv_mail_header_text(struct kb_buf *b, const char *s)
{
    header_text(b, s);
}

void srv_mail_quoted_printable(struct kb_buf *b, const char *s)
{
    quoted_printable(b, s);
}

int srv_contact_send(const struct kb_contact_job *job, json_t *cfg, char **ticket,
                     struct kb_err *err)
{
    *ticket = NULL;
    if (!strcmp(job->dest, "webhook"))
        return send_webhook(job, cfg, ticket, err);
    if (!strcmp(job->dest, "email"))
        return send_email(job, cfg, err);
    if (!strcmp(job->dest, "rt"))
        return srv_contact_rt_send(job, cfg, ticket, err);
    return kb_err_set(err, KB_EINVAL, "destination '%s' is not supported yet", job->dest);
}
