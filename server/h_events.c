/* What happened after a search: events and "was this helpful?" votes from
 * anyone (the widget posts them from other origins), and the admins'
 * synonym table; the analytics over them are server/h_analytics.c. The
 * learning rule ("asked as") lives in kb/store/events.c; this file only
 * wakes the sync thread after it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/store/events.h"
#include "kb/base/log.h"
#include "search_log.h"
#include "srv.h"

#define SYNONYM_MAX 200

/* ---- helpers ------------------------------------------------------------- */

/* "1042", "KB-1042" or "kb-1042" -> 1042; 0 when it is not one. */
static int64_t parse_ref(const char *s)
{
    if (strncasecmp(s, "KB-", 3) == 0)
        s += 3;
    if (!*s || strlen(s) > 15)
        return 0;
    int64_t n = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        n = n * 10 + (*s - '0');
    }
    return n;
}

/* The optional "article" field: a number or "KB-1042". */
static int get_article(json_t *o, int64_t *out, struct srv_resp *w)
{
    json_t *v = json_object_get(o, "article");
    if (!v || json_is_null(v))
        return 0;
    int64_t n = 0;
    if (json_is_integer(v))
        n = json_integer_value(v);
    else if (json_is_string(v))
        n = parse_ref(json_string_value(v));
    if (n <= 0) {
        srv_error(w, 400, "bad_field",
                  "field 'article' must be an article number such as 1042 or \"KB-1042\"");
        return -1;
    }
    *out = n;
    return 0;
}

/* A KB_EINVAL from kb/events names the field; other errors map as usual. */
static void events_error(struct srv_resp *w, const struct kb_err *err)
{
    if (err->code == KB_EINVAL)
        srv_error(w, 400, "bad_field", "%s", err->msg);
    else
        srv_kb_error(w, err);
}

/* ---- POST /api/v1/events --------------------------------------------------- */

/* The body's "visitor" is accepted for older clients but ignored: who
 * posted is what the server verified (visitor.c), never what a body says. */
static void h_event(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    static const char *const keys[] = {"type", "search_id", "article", "query", "visitor", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_event ev;
    memset(&ev, 0, sizeof ev);
    ev.role = r->who.role;
    ev.visitor = r->ident_hash;
    ev.network = r->net_hash;
    const char *claimed = NULL;
    if (srv_check_keys(o, keys, w) || srv_get_str(o, "type", 1, 20, &ev.type, w) ||
        srv_sid_get(c, r, o, &ev.search_id, &ev.bound, w) ||
        get_article(o, &ev.article, w) ||
        srv_get_str(o, "query", 0, KB_EVENTS_QUERY_MAX, &ev.query, w) ||
        srv_get_str(o, "visitor", 0, KB_EVENTS_VISITOR_MAX, &claimed, w))
        goto out;
    if (!kb_event_type_known(ev.type)) {
        srv_error(w, 400, "bad_field", "field 'type' must be one of " KB_EVENT_TYPES);
        goto out;
    }
    /* "copy": an agent copied the article's KB number (agents' use in the
     * analytics; a customer's copy is kept but never counts there). */
    if ((!strcmp(ev.type, "click") || !strcmp(ev.type, "view") || !strcmp(ev.type, "copy")) &&
        !ev.article) {
        srv_error(w, 400, "missing_field", "missing field 'article' (a %s is of an article)",
                  ev.type);
        goto out;
    }
    struct kb_err err = {0, ""};
    int learned = 0;
    if (kb_events_add(c->st, &ev, NULL, &learned, &err) != 0) {
        events_error(w, &err);
        goto out;
    }
    if (learned)
        srv_changed(c->srv);
    srv_json(w, 202, json_pack("{s:b}", "ok", 1));
out:
    json_decref(o);
}

/* ---- POST /api/v1/articles/{id}/feedback ------------------------------------ */

/* Whether role may see (and so vote on) the article: the same rule as
 * reading it. */
static int may_see(int role, const struct kb_doc *d)
{
    if (role >= KB_ROLE_WRITER)
        return 1;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return role >= KB_ROLE_AGENT || d->audience == KB_AUD_PUBLIC;
}

static void h_feedback(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    srv_search_log_flush(c); /* the searches it names or counts */
    static const char *const keys[] = {"helpful", "comment", "search_id", "query", NULL};
    struct kb_err err = {0, ""};
    struct kb_doc d;
    kb_doc_init(&d);
    int kind = -1, rc;
    int64_t number = 0;
    json_t *o = NULL;
    /* One answer for "no such article", "not an article" and "not yours to
     * see", so that a customer cannot tell internal articles and drafts
     * from numbers that were never used. */
    const char *ref = r->nparams > 0 ? r->param[0] : "";
    rc = kb_store_find(c->st, ref, &kind, &number, &err);
    if (rc == 0 && kind != KB_KIND_ARTICLE)
        rc = KB_ENOTFOUND;
    if (rc == 0)
        rc = kb_store_get(c->st, KB_KIND_ARTICLE, number, &d, &err);
    if (rc == 0 && !may_see(r->who.role, &d))
        rc = KB_ENOTFOUND;
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL) {
        srv_error(w, 404, "not_found", "not found");
        goto out;
    }
    if (rc) {
        srv_kb_error(w, &err);
        goto out;
    }
    if (!(o = srv_body_object(r, w)))
        goto out;
    struct kb_feedback fb;
    memset(&fb, 0, sizeof fb);
    fb.article = number;
    fb.role = r->who.role;
    fb.visitor = r->ident_hash;
    fb.network = r->net_hash;
    if (srv_check_keys(o, keys, w) || srv_get_bool(o, "helpful", 1, &fb.helpful, w) ||
        srv_get_str(o, "comment", 0, KB_FEEDBACK_COMMENT_MAX, &fb.comment, w) ||
        srv_sid_get(c, r, o, &fb.search_id, &fb.bound, w) ||
        srv_get_str(o, "query", 0, KB_EVENTS_QUERY_MAX, &fb.query, w))
        goto out;
    int learned = 0;
    if (kb_feedback_add(c->st, &fb, NULL, &learned, &err) != 0) {
        if (err.code == KB_ENOTFOUND) /* removed meanwhile */
            srv_error(w, 404, "not_found", "not found");
        else
            events_error(w, &err);
        goto out;
    }
    if (learned)
        srv_changed(c->srv);
    srv_json(w, 200, json_pack("{s:b}", "ok", 1));
out:
    json_decref(o);
    kb_doc_release(&d);
}

/* ---- synonyms ---------------------------------------------------------------- */

static void h_synonyms(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_synonym *s = NULL;
    size_t n = 0;
    struct kb_err err = {0, ""};
    if (kb_store_synonyms(c->st, &s, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:s}", "term", s[i].term, "synonym",
                                           s[i].synonym));
    kb_synonyms_free(s, n);
    srv_json(w, 200, json_pack("{s:o, s:I}", "synonyms", a, "count", (json_int_t)n));
}

static void h_synonym_add(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"term", "synonym", NULL};
    json_t *o = srv_body_object(r, w);
    const char *term = NULL, *syn = NULL;
    struct kb_err err = {0, ""};
    if (!o)
        return;
    if (srv_check_keys(o, keys, w) || srv_get_str(o, "term", 1, SYNONYM_MAX, &term, w) ||
        srv_get_str(o, "synonym", 1, SYNONYM_MAX, &syn, w))
        goto out;
    if (kb_store_synonym_add(c->st, term, syn, &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    srv_changed(c->srv);
    srv_json(w, 201, json_pack("{s:b, s:s, s:s}", "ok", 1, "term", term, "synonym", syn));
out:
    json_decref(o);
}

static void h_synonym_remove(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *term = srv_arg(r, "term"), *syn = srv_arg(r, "synonym");
    struct kb_err err = {0, ""};
    if (!term || !*term || !syn || !*syn) {
        srv_error(w, 400, "missing_parameter", "parameters 'term' and 'synonym' are required");
        return;
    }
    int rc = kb_store_synonym_remove(c->st, term, syn, &err);
    if (rc == KB_ENOTFOUND) {
        srv_error(w, 404, "not_found", "%s", err.msg);
        return;
    }
    if (rc) {
        srv_kb_error(w, &err);
        return;
    }
    srv_changed(c->srv);
    srv_json(w, 200, json_pack("{s:b}", "ok", 1));
}

const struct srv_route srv_routes_events[] = {
    {"POST", "/api/v1/events", h_event, KB_ROLE_CUSTOMER,
     SRV_PUBLIC_CORS | SRV_RATED | SRV_EVENT,
     "record a click, view, copy, solved or submitted event {type, search_id?, article?, query?} "
     "(search_id: the string a search returned; a body's visitor is ignored: the visitor is "
     "the kb_visitor cookie or X-KB-Visitor header the server issued)"},
    {"POST", "/api/v1/articles/{ref}/feedback", h_feedback, KB_ROLE_CUSTOMER,
     SRV_PUBLIC_CORS | SRV_RATED | SRV_EVENT,
     "was this article helpful? {helpful, comment?, search_id?, query?}"},
    {"GET", "/api/v1/synonyms", h_synonyms, KB_ROLE_ADMIN, 0, "the synonym table"},
    {"POST", "/api/v1/synonyms", h_synonym_add, KB_ROLE_ADMIN, 0,
     "add a synonym {term, synonym}"},
    {"DELETE", "/api/v1/synonyms", h_synonym_remove, KB_ROLE_ADMIN, 0,
     "remove a synonym (?term=&synonym=)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
