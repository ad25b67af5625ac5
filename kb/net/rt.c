/* One REST2 call (see rt.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/net/http.h"
#include "kb/net/rt.h"

char *kb_rt_escape(const char *s)
{
    struct kb_buf b = KB_BUF_INIT;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (isalnum(*p) || strchr("-._~", *p))
            kb_buf_addc(&b, (char)*p);
        else
            kb_buf_printf(&b, "%%%02X", *p);
    }
    return kb_buf_detach(&b);
}

/* RT's own words from an error answer: {"message": "..."} when present. */
static void rt_message(const struct kb_buf *body, char *out, size_t n)
{
    out[0] = '\0';
    json_t *j = body->len ? json_loadb(body->data, body->len, 0, NULL) : NULL;
    const char *m = json_string_value(json_object_get(j, "message"));
    if (m)
        snprintf(out, n, ": %s", m);
    json_decref(j);
}

int kb_rt_call(const struct kb_rt_conn *c, const char *method, const char *path, json_t *body,
               json_t **out, long *status, struct kb_err *err)
{
    if (out)
        *out = NULL;
    if (status)
        *status = 0;
    if (!c->url || !*c->url || !c->token || !*c->token)
        return kb_err_set(err, KB_EINVAL, "Request Tracker: no url or token configured");
    size_t ul = strlen(c->url);
    while (ul && c->url[ul - 1] == '/')
        ul--;
    struct kb_buf url = KB_BUF_INIT;
    kb_buf_printf(&url, "%.*s/REST/2.0/%s", (int)ul, c->url, path);
    struct kb_buf auth = KB_BUF_INIT;
    kb_buf_printf(&auth, "Authorization: token %s", c->token);
    const char *headers[] = {kb_buf_str(&auth), "Content-Type: application/json",
                             "Accept: application/json", NULL};
    char *js = body ? json_dumps(body, JSON_COMPACT) : NULL;
    struct kb_http_opts o = {.timeout_ms = c->timeout_ms, .ca_file = c->ca_file};
    struct kb_http_resp r;
    kb_http_resp_init(&r);
    int code = kb_http_request(method, kb_buf_str(&url), headers, js, js ? strlen(js) : 0, &o,
                               &r, err);
    free(js);
    kb_buf_release(&auth);
    if (status)
        *status = r.status;
    if (!code) {
        char msg[300];
        rt_message(&r.body, msg, sizeof msg);
        if (r.status == 401 || r.status == 403)
            code = kb_err_set(err, KB_EINVAL, "Request Tracker %s %s: HTTP %ld (check the token "
                              "and its rights)%s", method, path, r.status, msg);
        else if (r.status == 404)
            code = kb_err_set(err, KB_ENOTFOUND, "Request Tracker %s %s: not found%s", method,
                              path, msg);
        else if (r.status < 200 || r.status > 299)
            code = kb_err_set(err, KB_EIO, "Request Tracker %s %s: HTTP %ld%s", method, path,
                              r.status, msg);
    }
    if (!code && out) {
        if (!r.body.len) {
            *out = json_null();
        } else {
            json_error_t je;
            *out = json_loadb(r.body.data, r.body.len, 0, &je);
            if (!*out)
                code = kb_err_set(err, KB_EIO, "Request Tracker %s %s: the answer is not JSON "
                                  "(%s)", method, path, je.text);
        }
    }
    kb_buf_release(&url);
    kb_http_resp_release(&r);
    return code;
}
