/* Tickets filed in Request Tracker (see rt_ticket.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/net/rt_ticket.h"

int kb_rt_name_check(const char *what, const char *name, struct kb_err *err)
{
    if (!name || !*name)
        return kb_err_set(err, KB_EINVAL, "%s: empty", what);
    if (strlen(name) > KB_RT_NAME_MAX)
        return kb_err_set(err, KB_EINVAL, "%s: longer than %d bytes", what, KB_RT_NAME_MAX);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr("'\"\\{}", *p))
            return kb_err_set(err, KB_EINVAL, "%s: quotes, backslashes, braces and control "
                              "characters are not allowed in '%s'", what, name);
    return 0;
}

char *kb_rt_cf_query(const char *field, const char *value)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "'CF.{%s}' = '", field);
    for (const char *p = value; *p; p++) {
        if (*p == '\'' || *p == '\\')
            kb_buf_addc(&b, '\\');
        kb_buf_addc(&b, *p);
    }
    kb_buf_addc(&b, '\'');
    return kb_buf_detach(&b);
}

/* A record's number from RT's JSON: "id" as a string or an integer. */
static int64_t json_id(json_t *o)
{
    json_t *v = json_object_get(o, "id");
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    const char *s = json_string_value(v);
    char *end;
    long long n = s ? strtoll(s, &end, 10) : 0;
    return s && *s && !*end && n > 0 ? (int64_t)n : 0;
}

int kb_rt_ticket_create(const struct kb_rt_conn *c, const struct kb_rt_ticket_in *in,
                        int64_t *id, struct kb_err *err)
{
    *id = 0;
    json_t *body = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "Queue", in->queue, "Subject",
                             in->subject, "Content", in->content, "ContentType", "text/plain",
                             "CustomFields", in->key_field, in->key);
    if (body && !in->quiet && json_object_set_new(body, "Requestor",
                                                  json_string(in->requestor)) != 0) {
        json_decref(body);
        body = NULL;
    }
    if (!body)
        return kb_err_set(err, KB_EINVAL, "Request Tracker: a ticket field is not valid UTF-8");
    json_t *out = NULL;
    int code = kb_rt_call(c, "POST", "ticket", body, &out, NULL, err);
    json_decref(body);
    if (!code && (*id = json_id(out)) <= 0)
        code = kb_err_set(err, KB_EIO, "Request Tracker POST ticket: the answer names no ticket");
    json_decref(out);
    return code;
}

int kb_rt_ticket_set_requestor(const struct kb_rt_conn *c, int64_t id, const char *requestor,
                               struct kb_err *err)
{
    json_t *body = json_pack("{s:[s]}", "Requestor", requestor);
    if (!body)
        return kb_err_set(err, KB_EINVAL, "Request Tracker: the requestor is not valid UTF-8");
    char path[64];
    snprintf(path, sizeof path, "ticket/%lld", (long long)id);
    int code = kb_rt_call(c, "PUT", path, body, NULL, NULL, err);
    json_decref(body);
    return code;
}

int kb_rt_ticket_find(const struct kb_rt_conn *c, const char *field, const char *value,
                      int64_t *id, struct kb_err *err)
{
    *id = 0;
    char *q = kb_rt_cf_query(field, value);
    char *esc = kb_rt_escape(q);
    struct kb_buf path = KB_BUF_INIT;
    kb_buf_printf(&path, "tickets?query=%s&orderby=id&order=ASC&per_page=1", esc);
    json_t *out = NULL;
    int code = kb_rt_call(c, "GET", kb_buf_str(&path), NULL, &out, NULL, err);
    if (!code) {
        json_t *items = json_object_get(out, "items");
        if (!json_is_array(items))
            code = kb_err_set(err, KB_EIO, "Request Tracker search %s: the answer has no items",
                              q);
        else if (json_array_size(items))
            *id = json_id(json_array_get(items, 0));
    }
    json_decref(out);
    kb_buf_release(&path);
    free(esc);
    free(q);
    return code;
}

int kb_rt_ticket_comment(const struct kb_rt_conn *c, int64_t id, const char *text,
                         struct kb_err *err)
{
    json_t *body = json_pack("{s:s, s:s}", "Content", text, "ContentType", "text/plain");
    if (!body)
        return kb_err_set(err, KB_EINVAL, "Request Tracker: the comment is not valid UTF-8");
    char path[64];
    snprintf(path, sizeof path, "ticket/%lld/comment", (long long)id);
    int code = kb_rt_call(c, "POST", path, body, NULL, NULL, err);
    json_decref(body);
    return code;
}

/* The "id" of a user reference such as "Creator": {"id": "root", ...}. */
static const char *user_ref(json_t *o, const char *name)
{
    return json_string_value(json_object_get(json_object_get(o, name), "id"));
}

int kb_rt_ticket_commented(const struct kb_rt_conn *c, int64_t id, int *yes, struct kb_err *err)
{
    *yes = 0;
    char path[96];
    snprintf(path, sizeof path, "ticket/%lld", (long long)id);
    json_t *t = NULL, *h = NULL;
    int code = kb_rt_call(c, "GET", path, NULL, &t, NULL, err);
    if (code)
        return code;
    snprintf(path, sizeof path, "ticket/%lld/history?fields=Type,Creator&per_page=100",
             (long long)id);
    code = kb_rt_call(c, "GET", path, NULL, &h, NULL, err);
    const char *creator = user_ref(t, "Creator");
    size_t i;
    json_t *tx;
    json_array_foreach(json_object_get(h, "items"), i, tx) {
        const char *type = json_string_value(json_object_get(tx, "Type"));
        const char *by = user_ref(tx, "Creator");
        if (type && !strcmp(type, "Comment") && by && creator && !strcmp(by, creator))
            *yes = 1;
    }
    json_decref(h);
    json_decref(t);
    return code;
}
