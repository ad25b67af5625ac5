/* Response and request-body helpers shared by every handler. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/base/text.h"
#include "srv.h"

static int append_json(const char *buffer, size_t size, void *data)
{
    kb_buf_add(data, buffer, size);
    return 0;
}

void srv_json(struct srv_resp *w, int status, json_t *j)
{
    w->status = status;
    w->type = "application/json";
    kb_buf_reset(&w->body);
    /* Written straight into the body the adapter hands to MHD: one copy. */
    if (j)
        json_dump_callback(j, append_json, &w->body, JSON_COMPACT | JSON_REAL_PRECISION(10));
    kb_buf_add(&w->body, "", 0); /* NUL-terminated even when empty */
    json_decref(j);
}

void srv_error(struct srv_resp *w, int status, const char *code, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* Messages may quote user input: keep them valid UTF-8 for JSON. */
    char *fixed = kb_utf8_fix(msg, strlen(msg));
    srv_json(w, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", fixed));
    free(fixed);
}

void srv_kb_error(struct srv_resp *w, const struct kb_err *err)
{
    switch (err->code) {
    case KB_EINVAL:
    case KB_EFORMAT:
        srv_error(w, 400, "bad_request", "%s", err->msg);
        return;
    case KB_EQUERY:
        srv_error(w, 400, "bad_query", "%s", err->msg);
        return;
    case KB_ENOTFOUND:
        srv_error(w, 404, "not_found", "not found");
        return;
    case KB_EEXIST:
        srv_error(w, 409, "conflict", "%s", err->msg);
        return;
    case KB_ETOOBIG:
        srv_error(w, 413, "too_large", "%s", err->msg);
        return;
    case KB_EBUSY:
        kb_log(KB_LOG_WARN, "server: busy: %s", err->msg);
        srv_error(w, 503, "busy", "the service is busy; try again shortly");
        return;
    case KB_ENOSPC:
        kb_log(KB_LOG_ERROR, "server: disk full: %s", err->msg);
        srv_error(w, 507, "insufficient_storage",
                  "the server is out of disk space: nothing was saved; try again later");
        return;
    case KB_EROFS:
        kb_log(KB_LOG_ERROR, "server: read-only: %s", err->msg);
        srv_error(w, 503, "read_only", "the knowledge base is read-only here: nothing was saved");
        return;
    default:
        kb_log(KB_LOG_ERROR, "server: %s: %s", kb_code_name(err->code), err->msg);
        srv_error(w, 500, "internal", "internal error");
    }
}

void srv_header_add(struct srv_resp *w, const char *name, const char *value)
{
    /* Header injection: values never carry line breaks. */
    if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n"))
        return;
    if (w->nhdr >= SRV_RESP_HEADERS_MAX) {
        kb_log(KB_LOG_WARN, "server: header '%s' dropped: too many headers", name);
        return;
    }
    w->hdr[w->nhdr].name = kb_xstrdup(name);
    w->hdr[w->nhdr++].value = kb_xstrdup(value);
}

void srv_resp_init(struct srv_resp *w)
{
    memset(w, 0, sizeof *w);
    w->status = 200;
    kb_buf_init(&w->body);
}

void srv_resp_clear_headers(struct srv_resp *w)
{
    for (size_t i = 0; i < w->nhdr; i++) {
        free(w->hdr[i].name);
        free(w->hdr[i].value);
    }
    w->nhdr = 0;
}

void srv_resp_release(struct srv_resp *w)
{
    kb_buf_release(&w->body);
    srv_resp_clear_headers(w);
}

void srv_html(struct srv_resp *w, int status, struct kb_buf *html)
{
    w->status = status;
    w->type = "text/html; charset=utf-8";
    kb_buf_release(&w->body);
    w->body = *html;
    kb_buf_init(html);
}

json_t *srv_body_object(const struct srv_req *r, struct srv_resp *w)
{
    if (r->body_len == 0) {
        srv_error(w, 400, "bad_request", "request body is empty: expected a JSON object");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        srv_error(w, 400, "bad_json", "request body is not valid JSON: %s at line %d column %d",
                  je.text, je.line, je.column);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        srv_error(w, 400, "bad_json", "request body must be a JSON object");
        return NULL;
    }
    return j;
}

int srv_check_keys(json_t *obj, const char *const *allowed, struct srv_resp *w)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0)
                ok = 1;
        if (!ok) {
            srv_error(w, 400, "unknown_field", "unknown field '%s'", key);
            return -1;
        }
    }
    return 0;
}

int srv_get_str(json_t *obj, const char *key, int required, size_t max_len, const char **out,
                struct srv_resp *w)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            srv_error(w, 400, "missing_field", "missing field '%s'", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_string(v)) {
        srv_error(w, 400, "bad_field", "field '%s' must be a string", key);
        return -1;
    }
    size_t n = json_string_length(v);
    if (max_len && n > max_len) {
        srv_error(w, 400, "bad_field", "field '%s' is %zu bytes; the limit is %zu", key, n, max_len);
        return -1;
    }
    if (memchr(json_string_value(v), 0, n)) {
        srv_error(w, 400, "bad_field", "field '%s' contains a NUL character", key);
        return -1;
    }
    if (required && n == 0) {
        srv_error(w, 400, "bad_field", "field '%s' must not be empty", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int srv_get_bool(json_t *obj, const char *key, int required, int *out, struct srv_resp *w)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            srv_error(w, 400, "missing_field", "missing field '%s'", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_boolean(v)) {
        srv_error(w, 400, "bad_field", "field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int srv_get_int(json_t *obj, const char *key, int required, int64_t min, int64_t max,
                int64_t *out, struct srv_resp *w)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v)) {
        if (required) {
            srv_error(w, 400, "missing_field", "missing field '%s'", key);
            return -1;
        }
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        srv_error(w, 400, "bad_field", "field '%s' must be a whole number from %lld to %lld", key,
                  (long long)min, (long long)max);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

int srv_arg_int(const struct srv_req *r, const char *name, long def, long min, long max,
                long *out, struct srv_resp *w)
{
    const char *v = srv_arg(r, name);
    if (!v || !*v) {
        *out = def;
        return 0;
    }
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < min || n > max || !isdigit((unsigned char)v[v[0] == '-'])) {
        srv_error(w, 400, "bad_parameter", "parameter '%s' must be a whole number from %ld to %ld",
                  name, min, max);
        return -1;
    }
    *out = n;
    return 0;
}

void srv_article_path(struct kb_buf *b, int64_t number, const char *title)
{
    kb_buf_printf(b, "/kb/%lld", (long long)number);
    if (!title)
        return;
    struct kb_buf folded = KB_BUF_INIT;
    kb_text_normalize(title, strlen(title), &folded);
    int dash = 1;
    size_t at = b->len, n = 0;
    kb_buf_addc(b, '-');
    for (size_t i = 0; i < folded.len && n < 60; i++) {
        unsigned char ch = (unsigned char)folded.data[i];
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            kb_buf_addc(b, (char)ch);
            dash = 0;
            n++;
        } else if (!dash) {
            kb_buf_addc(b, '-');
            dash = 1;
        }
    }
    while (b->len > at + 1 && b->data[b->len - 1] == '-')
        b->data[--b->len] = '\0';
    if (b->len == at + 1) /* nothing ASCII in the title: no slug */
        b->data[--b->len] = '\0';
    kb_buf_release(&folded);
}

json_t *srv_hit_json(const struct kb_hit *h)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(h->source_id ? h->source_id : ""));
    json_object_set_new(o, "number", json_integer(h->number));
    json_object_set_new(o, "title", json_string(h->title ? h->title : ""));
    json_object_set_new(o, "kind", json_string(kb_kind_name(h->kind)));
    json_object_set_new(o, "audience", json_string(kb_audience_name(h->audience)));
    if (h->kind == KB_KIND_ARTICLE) {
        char ref[32];
        snprintf(ref, sizeof ref, "KB-%lld", (long long)h->number);
        json_object_set_new(o, "ref", json_string(ref));
        struct kb_buf url = KB_BUF_INIT;
        srv_article_path(&url, h->number, h->title);
        json_object_set_new(o, "url", json_string(kb_buf_str(&url)));
        kb_buf_release(&url);
    }
    json_object_set_new(o, "snippet", h->snippet ? json_string(h->snippet) : json_null());
    json_object_set_new(o, "summary", h->summary ? json_string(h->summary) : json_null());
    json_object_set_new(o, "category", h->category ? json_string(h->category) : json_null());
    json_object_set_new(o, "locale", json_string(h->locale ? h->locale : "en"));
    json_object_set_new(o, "score", json_real(h->score));
    return o;
}

/* Percent-encodes s into b, keeping unreserved characters and those in keep
 * (a request target rebuilt for forwarding to the primary). */
void srv_url_encode(struct kb_buf *b, const char *s, const char *keep)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p) || (keep && strchr(keep, *p)))
            kb_buf_addc(b, (char)*p);
        else
            kb_buf_printf(b, "%%%02X", *p);
    }
}

uint64_t srv_synonyms_signature(struct kb_store *st)
{
    struct kb_synonym *s = NULL;
    size_t n = 0;
    uint64_t h = 1469598103934665603ull;
    if (kb_store_synonyms(st, &s, &n, NULL) != 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = s[i].term; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ 0x1f) * 1099511628211ull;
        for (const char *p = s[i].synonym; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ull;
        h = (h ^ 0x1e) * 1099511628211ull;
    }
    kb_synonyms_free(s, n);
    return h ^ n;
}

json_t *srv_json_time(int64_t t)
{
    if (t <= 0)
        return json_null();
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    if (!gmtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
        return json_null();
    return json_string(buf);
}

json_t *srv_json_str(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}
