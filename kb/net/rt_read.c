/* Ticket reads over REST2 (see rt_read.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/buf.h"
#include "kb/base/doc.h"
#include "kb/net/rt_read.h"

#define SEARCH_FIELDS                                                                      \
    "fields=Subject,Status,Queue,Requestor,Created,LastUpdated,Resolved,CustomFields"     \
    "&fields%5BQueue%5D=Name&fields%5BRequestor%5D=EmailAddress,Name"
#define PAGES_MAX 1000 /* of one listing of messages or their parts: 100,000 entries */

void kb_rt_ticket_release(struct kb_rt_ticket *t)
{
    if (!t)
        return;
    free(t->subject);
    free(t->status);
    free(t->queue);
    free(t->requestor);
    json_decref(t->cf);
    memset(t, 0, sizeof *t);
}

void kb_rt_tickets_free(struct kb_rt_ticket *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_rt_ticket_release(&t[i]);
    free(t);
}

void kb_rt_messages_free(struct kb_rt_message *m, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(m[i].type);
        free(m[i].text);
    }
    free(m);
}

/* A number RT sent as a JSON integer or a string of digits; -1 otherwise. */
static int64_t int_of(const json_t *v)
{
    if (json_is_integer(v))
        return (int64_t)json_integer_value(v);
    const char *s = json_string_value(v);
    if (!s || !*s)
        return -1;
    char *end;
    long long n = strtoll(s, &end, 10);
    return *end || n < 0 ? -1 : (int64_t)n;
}

static char *str_of(const json_t *v)
{
    const char *s = json_string_value(v);
    return s && *s ? kb_xstrdup(s) : NULL;
}

/* kb_rt_call, with an error that did not come from RT's answer (RT
 * unreachable, timed out) saying that it was RT, and what was read. */
static int call(const struct kb_rt_conn *c, const char *path, const char *what, json_t **out,
                struct kb_err *err)
{
    int code = kb_rt_call(c, "GET", path, NULL, out, NULL, err);
    if (code && err && strncmp(err->msg, "Request Tracker", 15) != 0) {
        struct kb_err e = *err;
        kb_err_set(err, code, "Request Tracker (%s): %s", what, e.msg);
    }
    return code;
}

/* RT's times ("2024-03-01T10:20:30Z"); unset ones are empty or 1970. */
static int64_t time_of(const json_t *v)
{
    int64_t t = 0;
    const char *s = json_string_value(v);
    if (!s || !*s || kb_time_parse(s, &t) != 0 || t <= 0)
        return 0;
    return t;
}

/* The "items" array of a collection answer, or KB_EIO naming what. */
static int items_of(json_t *j, const char *what, json_t **items, int *pages, struct kb_err *err)
{
    *items = json_object_get(j, "items");
    if (!json_is_array(*items))
        return kb_err_set(err, KB_EIO, "Request Tracker %s: the answer has no 'items' list", what);
    if (pages) {
        int64_t p = int_of(json_object_get(j, "pages"));
        *pages = p < 0 ? 1 : (int)(p > PAGES_MAX ? PAGES_MAX : p);
    }
    return 0;
}

static int ticket_of(json_t *o, struct kb_rt_ticket *t, struct kb_err *err)
{
    memset(t, 0, sizeof *t);
    t->cf = json_object();
    t->id = int_of(json_object_get(o, "id"));
    if (!json_is_object(o) || t->id <= 0)
        return kb_err_set(err, KB_EIO, "Request Tracker search: a ticket without an 'id'");
    t->subject = str_of(json_object_get(o, "Subject"));
    t->status = str_of(json_object_get(o, "Status"));
    t->created = time_of(json_object_get(o, "Created"));
    t->updated = time_of(json_object_get(o, "LastUpdated"));
    t->resolved = time_of(json_object_get(o, "Resolved"));
    if (!t->status || !t->updated)
        return kb_err_set(err, KB_EIO, "Request Tracker search: ticket %lld without 'Status' or "
                          "'LastUpdated'", (long long)t->id);
    json_t *q = json_object_get(o, "Queue");
    t->queue = str_of(json_is_object(q) ? json_object_get(q, "Name") : q);
    json_t *req = json_array_get(json_object_get(o, "Requestor"), 0);
    if (req) {
        t->requestor = str_of(json_object_get(req, "EmailAddress"));
        if (!t->requestor)
            t->requestor = str_of(json_object_get(req, "Name"));
    }
    size_t i;
    json_t *cf;
    json_array_foreach(json_object_get(o, "CustomFields"), i, cf) {
        const char *name = json_string_value(json_object_get(cf, "name"));
        json_t *v = json_array_get(json_object_get(cf, "values"), 0);
        if (name && json_is_string(v) && *json_string_value(v))
            json_object_set(t->cf, name, v);
    }
    return 0;
}

int kb_rt_read_tickets(const struct kb_rt_conn *c, const char *query, int page, int per_page,
                       struct kb_rt_ticket **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (per_page < 1 || per_page > KB_RT_PER_PAGE_MAX)
        per_page = KB_RT_PER_PAGE_MAX;
    char *q = kb_rt_escape(query);
    struct kb_buf path = KB_BUF_INIT;
    kb_buf_printf(&path, "tickets?query=%s&page=%d&per_page=%d&orderby=LastUpdated&order=ASC"
                  "&orderby=id&order=ASC&%s", q, page < 1 ? 1 : page, per_page, SEARCH_FIELDS);
    free(q);
    json_t *j = NULL, *items;
    int code = call(c, kb_buf_str(&path), "ticket search", &j, err);
    kb_buf_release(&path);
    if (code == 0 && (code = items_of(j, "search", &items, NULL, err)) == 0) {
        size_t k = json_array_size(items);
        *out = kb_xcalloc(k ? k : 1, sizeof **out);
        for (size_t i = 0; i < k && code == 0; i++) {
            code = ticket_of(json_array_get(items, i), &(*out)[i], err);
            *n = i + 1;
        }
        if (code) {
            kb_rt_tickets_free(*out, *n);
            *out = NULL;
            *n = 0;
        }
    }
    json_decref(j);
    return code;
}

int kb_rt_read_ticket(const struct kb_rt_conn *c, int64_t id, struct kb_rt_ticket *out,
                      struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    char q[64];
    snprintf(q, sizeof q, "id = %lld", (long long)id);
    struct kb_rt_ticket *t = NULL;
    size_t n = 0;
    int code = kb_rt_read_tickets(c, q, 1, 1, &t, &n, err);
    if (code == 0 && n == 0)
        code = kb_err_set(err, KB_ENOTFOUND, "Request Tracker has no ticket %lld (or the token "
                          "may not see it)", (long long)id);
    if (code == 0) {
        *out = t[0];
        memset(&t[0], 0, sizeof t[0]);
    }
    kb_rt_tickets_free(t, n);
    return code;
}

/* Every item of a paged collection at path (with its own query string),
 * appended to all. */
static int read_all(const struct kb_rt_conn *c, const char *path, const char *what, json_t *all,
                    struct kb_err *err)
{
    int pages = 1, code = 0;
    for (int page = 1; page <= pages && code == 0; page++) {
        struct kb_buf url = KB_BUF_INIT;
        kb_buf_printf(&url, "%s&per_page=%d&page=%d", path, KB_RT_PER_PAGE_MAX, page);
        json_t *j = NULL, *items;
        code = call(c, kb_buf_str(&url), what, &j, err);
        kb_buf_release(&url);
        if (code == 0 && (code = items_of(j, what, &items, &pages, err)) == 0)
            json_array_extend(all, items);
        json_decref(j);
    }
    return code;
}

/* A REST2 JSON search ("[{field, operator, value}...]") as a query value. */
static char *json_query(json_t *q)
{
    char *s = json_dumps(q, JSON_COMPACT);
    char *e = kb_rt_escape(s);
    free(s);
    json_decref(q);
    return e;
}

static json_t *id_array(const int64_t *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(ids[i]));
    return a;
}

static int by_ticket_then_time(const void *a, const void *b)
{
    const struct kb_rt_message *x = a, *y = b;
    if (x->ticket != y->ticket)
        return x->ticket < y->ticket ? -1 : 1;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return x->txn < y->txn ? -1 : x->txn > y->txn;
}

int kb_rt_read_messages(const struct kb_rt_conn *c, const int64_t *ids, size_t nids,
                        struct kb_rt_message **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (nids == 0)
        return 0;
    json_t *txns = json_array(), *atts = json_array();
    struct kb_buf path = KB_BUF_INIT;
    /* The tickets' messages: one search for all of them, paged. */
    char *q = json_query(json_pack(
        "[{s:s, s:s}, {s:s, s:s, s:o}, {s:s, s:s, s:[s,s,s]}]", "field", "ObjectType", "value",
        "RT::Ticket", "field", "ObjectId", "operator", "IN", "value", id_array(ids, nids),
        "field", "Type", "operator", "IN", "value", "Create", "Correspond", "Comment"));
    kb_buf_printf(&path, "transactions?query=%s&fields=Type,Created,ObjectId&orderby=id", q);
    free(q);
    int code = read_all(c, kb_buf_str(&path), "messages of tickets", txns, err);
    size_t k = 0, i;
    json_t *t, *a;
    int64_t *tids = kb_xcalloc(json_array_size(txns) + 1, sizeof *tids);
    json_array_foreach(txns, i, t)
        if ((tids[k] = int_of(json_object_get(t, "id"))) > 0)
            k++;
    if (code == 0 && k > 0) {
        /* Their text parts: one search for all of them, paged. */
        q = json_query(json_pack("[{s:s, s:s, s:o}, {s:s, s:s, s:s}]", "field", "TransactionId",
                                 "operator", "IN", "value", id_array(tids, k), "field",
                                 "ContentType", "operator", "LIKE", "value", "text/"));
        kb_buf_reset(&path);
        kb_buf_printf(&path, "attachments?query=%s&fields=TransactionId,ContentType,Content"
                      "&orderby=id", q);
        free(q);
        code = read_all(c, kb_buf_str(&path), "text of messages", atts, err);
    }
    free(tids);
    kb_buf_release(&path);
    if (code)
        goto out;
    k = 0;
    *out = kb_xcalloc(json_array_size(txns) + 1, sizeof **out);
    json_array_foreach(txns, i, t) {
        const char *type = json_string_value(json_object_get(t, "Type"));
        int64_t txn = int_of(json_object_get(t, "id"));
        json_t *obj = json_object_get(t, "ObjectId");
        if (json_is_object(obj))
            obj = json_object_get(obj, "id");
        int64_t ticket = int_of(obj);
        if (!type || txn <= 0 || ticket <= 0)
            continue;
        struct kb_rt_message *m = &(*out)[k++];
        m->ticket = ticket;
        m->txn = txn;
        m->type = kb_xstrdup(type);
        m->created = time_of(json_object_get(t, "Created"));
        /* Its first text/plain part, else its first text/html part. */
        const char *plain = NULL, *html = NULL;
        size_t j;
        json_array_foreach(atts, j, a) {
            json_t *tid = json_object_get(a, "TransactionId");
            if (json_is_object(tid))
                tid = json_object_get(tid, "id");
            const char *ct = json_string_value(json_object_get(a, "ContentType"));
            const char *body = json_string_value(json_object_get(a, "Content"));
            if (int_of(tid) != txn || !ct || !body || !*body)
                continue;
            if (!plain && !strncasecmp(ct, "text/plain", 10))
                plain = body;
            else if (!html && !strncasecmp(ct, "text/html", 9))
                html = body;
        }
        m->html = !plain && html;
        m->text = kb_xstrdup(plain ? plain : html ? html : "");
    }
    *n = k;
    qsort(*out, k, sizeof **out, by_ticket_then_time);
out:
    json_decref(txns);
    json_decref(atts);
    return code;
}
