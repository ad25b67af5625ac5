/* A customer's data on request, for admins: GET /api/v1/customers/{id}/export
 * (everything held about them as one JSON document) and DELETE
 * /api/v1/customers/{id} (erase it; the index follows through the outbox).
 * {id} is the `customer` value of their tickets: an id or an e-mail address.
 * And how long data is kept: GET and PUT /api/v1/admin/retention (tickets,
 * contact requests and the search log, in days; 0 keeps for good). */
#include "kb/base/log.h"
#include "kb/store/customer.h"
#include "kb/store/retention.h"
#include "srv.h"

static void h_export(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *x = NULL;
    struct kb_err err = {0, ""};
    if (kb_customer_export(c->st, r->param[0], &x, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    srv_header_add(w, "Cache-Control", "no-store");
    srv_json(w, 200, x);
}

static void h_erase(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    /* Destructive: a body it does not expect (only "{}") is refused. */
    static const char *const keys[] = {NULL};
    if (r->body_len) {
        json_t *o = srv_body_object(r, w);
        if (!o)
            return;
        int bad = srv_check_keys(o, keys, w);
        json_decref(o);
        if (bad)
            return;
    }
    struct kb_customer_erased o;
    struct kb_err err = {0, ""};
    if (kb_customer_erase(c->st, r->param[0], &o, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    kb_log(KB_LOG_INFO, "server: customer data erased by %s: %lld tickets, %lld evidence rows",
           r->who.username[0] ? r->who.username : "an admin token", (long long)o.tickets,
           (long long)o.evidence);
    srv_changed(c->srv);
    srv_json(w, 200, json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:I}", "erased",
                               1, "removed", "tickets", (json_int_t)o.tickets,
                               "contact_requests", (json_int_t)o.contact_requests,
                               "contact_deliveries", (json_int_t)o.contact_deliveries,
                               "events", (json_int_t)o.events,
                               "feedback", (json_int_t)o.feedback, "searches",
                               (json_int_t)o.searches, "learning_evidence",
                               (json_int_t)o.evidence, "articles_reindexed",
                               (json_int_t)o.articles));
}

static json_t *retention_json(struct kb_store *st)
{
    return json_pack("{s:i, s:i, s:i}", "tickets_days", kb_retention_days(st),
                     "contact_requests_days", kb_contact_retention_days(st), "searches_days",
                     kb_search_retention_days(st));
}

static void h_retention_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    srv_header_add(w, "Cache-Control", "no-store");
    srv_json(w, 200, retention_json(c->st));
}

/* Reads key as a whole number of days into *days (-1 when absent). */
static int get_days(json_t *o, const char *key, int *days, struct srv_resp *w)
{
    json_t *v = json_object_get(o, key);
    *days = -1;
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > KB_RETENTION_DAYS_MAX) {
        srv_error(w, 400, "bad_field", "'%s' must be a number of days from 0 (keep) to %d",
                  key, KB_RETENTION_DAYS_MAX);
        return -1;
    }
    *days = (int)json_integer_value(v);
    return 0;
}

static void h_retention_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"tickets_days", "contact_requests_days",
                                       "searches_days", NULL};
    int tickets = -1, contacts = -1, searches = -1;
    struct kb_err err = {0, ""};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    int bad = srv_check_keys(o, keys, w) || get_days(o, "tickets_days", &tickets, w) ||
              get_days(o, "contact_requests_days", &contacts, w) ||
              get_days(o, "searches_days", &searches, w);
    json_decref(o);
    if (bad)
        return;
    if (tickets < 0 && contacts < 0 && searches < 0) {
        srv_error(w, 400, "missing_field", "nothing to change: give 'tickets_days', "
                  "'contact_requests_days' and/or 'searches_days'");
        return;
    }
    if ((tickets >= 0 && kb_retention_set_days(c->st, tickets, &err) != 0) ||
        (contacts >= 0 && kb_contact_retention_set_days(c->st, contacts, &err) != 0) ||
        (searches >= 0 && kb_search_retention_set_days(c->st, searches, &err) != 0)) {
        srv_kb_error(w, &err);
        return;
    }
    kb_log(KB_LOG_INFO, "server: retention set by %s: tickets %d days, contact requests %d "
           "days, searches %d days", r->who.username[0] ? r->who.username : "an admin token",
           kb_retention_days(c->st), kb_contact_retention_days(c->st),
           kb_search_retention_days(c->st));
    srv_json(w, 200, retention_json(c->st));
}

const struct srv_route srv_routes_customers[] = {
    {"GET", "/api/v1/customers/{id}/export", h_export, KB_ROLE_ADMIN, 0,
     "everything held about a customer (tickets' customer value) as one JSON document"},
    {"DELETE", "/api/v1/customers/{id}", h_erase, KB_ROLE_ADMIN, 0,
     "erase a customer's tickets, contact requests and learning evidence"},
    {"GET", "/api/v1/admin/retention", h_retention_get, KB_ROLE_ADMIN, 0,
     "how many days tickets, contact requests and logged searches are kept (0 = for good)"},
    {"PUT", "/api/v1/admin/retention", h_retention_put, KB_ROLE_ADMIN, 0,
     "set them: {tickets_days, contact_requests_days, searches_days} (applied daily)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
