/* A customer's data on request, for admins: GET /api/v1/customers/{id}/export
 * (everything held about them as one JSON document) and DELETE
 * /api/v1/customers/{id} (erase it; the index follows through the outbox).
 * {id} is the `customer` value of their tickets: an id or an e-mail address. */
#include "kb/base/log.h"
#include "kb/store/customer.h"
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
    srv_json(w, 200, json_pack("{s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I}", "erased", 1,
                               "removed", "tickets", (json_int_t)o.tickets, "contact_requests",
                               (json_int_t)o.contact_requests, "events", (json_int_t)o.events,
                               "feedback", (json_int_t)o.feedback, "searches",
                               (json_int_t)o.searches, "learning_evidence",
                               (json_int_t)o.evidence, "articles_reindexed",
                               (json_int_t)o.articles));
}

const struct srv_route srv_routes_customers[] = {
    {"GET", "/api/v1/customers/{id}/export", h_export, KB_ROLE_ADMIN, 0,
     "everything held about a customer (tickets' customer value) as one JSON document"},
    {"DELETE", "/api/v1/customers/{id}", h_erase, KB_ROLE_ADMIN, 0,
     "erase a customer's tickets, contact requests and learning evidence"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
