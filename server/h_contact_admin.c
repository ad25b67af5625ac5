/* The admin API of contact requests: the destinations (webhook, e-mail,
 * Request Tracker; secrets and tokens are written, never read back) and the requests with their
 * deliveries (pending, delivered, failed, with the last error), with a
 * retry of the failed ones. Admin role only: customers never see anyone's
 * requests. */
#include <stdlib.h>
#include <string.h>

#include "contact.h"
#include "kb/base/log.h"

static const char *const KINDS[] = {"webhook", "email", "rt", NULL};

static const char *who(const struct srv_req *r)
{
    return r->who.username[0] ? r->who.username : "an admin token";
}

/* GET /api/v1/admin/contact/destinations */
static void h_dests(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    json_t *arr = json_array();
    for (size_t i = 0; KINDS[i]; i++) {
        int enabled = 0;
        char *config = NULL;
        struct kb_err err;
        int rc = kb_contact_dest_get(c->st, KINDS[i], &enabled, &config, &err);
        if (rc != 0 && rc != KB_ENOTFOUND) {
            json_decref(arr);
            srv_kb_error(w, &err);
            return;
        }
        json_t *cfg = config ? json_loads(config, 0, NULL) : NULL;
        json_t *o = srv_contact_config_public(cfg);
        json_object_set_new(o, "kind", json_string(KINDS[i]));
        json_object_set_new(o, "enabled", json_boolean(enabled));
        json_object_set_new(o, "configured", json_boolean(rc == 0));
        json_array_append_new(arr, o);
        json_decref(cfg);
        free(config);
    }
    srv_header_add(w, "Cache-Control", "no-store");
    srv_json(w, 200, json_pack("{s:o}", "destinations", arr));
}

/* PUT /api/v1/admin/contact/destinations/{name}: {"enabled": bool, ...settings} */
static void h_dest_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *kind = r->nparams ? r->param[0] : "";
    if (strcmp(kind, "webhook") && strcmp(kind, "email") && strcmp(kind, "rt")) {
        srv_error(w, 404, "not_found", "no contact destination '%s' (webhook, email or rt)",
                  kind);
        return;
    }
    static const char *const keys[] = {"enabled", "url", "secret", "from", "to", "tls",
                                       "username", "password", "ca_file", "token", "queue",
                                       "key_field", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    int enabled = 0;
    json_t *merged = NULL, *old = NULL;
    char *old_text = NULL, *text = NULL;
    if (srv_check_keys(o, keys, w) || srv_get_bool(o, "enabled", 1, &enabled, w))
        goto out;
    struct kb_err err = {0, ""};
    int was = 0;
    if (kb_contact_dest_get(c->st, kind, &was, &old_text, &err) == 0)
        old = json_loads(old_text, 0, NULL);
    if (srv_contact_config_merge(kind, o, old, &merged, &err) != 0) {
        srv_error(w, 400, "bad_field", "%s", err.msg);
        goto out;
    }
    text = json_dumps(merged, JSON_COMPACT);
    if (kb_contact_dest_set(c->st, kind, enabled, text, &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    kb_log(KB_LOG_INFO, "contact: destination %s %s by %s", kind,
           enabled ? "enabled" : "disabled", who(r));
    json_t *pub = srv_contact_config_public(merged);
    json_object_set_new(pub, "kind", json_string(kind));
    json_object_set_new(pub, "enabled", json_boolean(enabled));
    json_object_set_new(pub, "configured", json_true());
    srv_json(w, 200, pub);
out:
    free(text);
    free(old_text);
    json_decref(old);
    json_decref(merged);
    json_decref(o);
}

/* GET /api/v1/admin/contact/requests?status=pending|delivered|failed|stored&limit=N */
static void h_requests(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    long limit = 0;
    if (srv_arg_int(r, "limit", 100, 1, KB_CONTACT_LIST_MAX, &limit, w))
        return;
    const char *status = srv_arg(r, "status");
    if (status && !*status)
        status = NULL;
    json_t *arr = NULL;
    struct kb_err err = {0, ""};
    if (kb_contact_list(c->st, status, limit, &arr, &err) != 0) {
        if (err.code == KB_EINVAL)
            srv_error(w, 400, "bad_argument", "%s", err.msg);
        else
            srv_kb_error(w, &err);
        return;
    }
    srv_header_add(w, "Cache-Control", "no-store");
    srv_json(w, 200, json_pack("{s:o}", "requests", arr));
}

/* POST /api/v1/admin/contact/requests/{id}/retry */
static void h_retry(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *ref = r->nparams ? r->param[0] : "";
    if (!strncmp(ref, "CR-", 3))
        ref += 3;
    char *end;
    long long id = strtoll(ref, &end, 10);
    if (!*ref || *end || id <= 0) {
        srv_error(w, 404, "not_found", "no contact request '%s'", r->nparams ? r->param[0] : "");
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int n = 0;
    struct kb_err err = {0, ""};
    if (kb_contact_retry(c->st, id, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, &n,
                         &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    kb_log(KB_LOG_INFO, "contact: CR-%lld: %d failed deliveries retried by %s", id, n, who(r));
    if (n)
        srv_contact_wake(c->srv);
    srv_json(w, 200, json_pack("{s:I, s:i}", "id", (json_int_t)id, "retried", n));
}

const struct srv_route srv_routes_contact_admin[] = {
    {"GET", "/api/v1/admin/contact/destinations", h_dests, KB_ROLE_ADMIN, 0,
     "contact destinations (webhook, email, rt) with their settings; secrets and tokens never "
     "shown"},
    {"PUT", "/api/v1/admin/contact/destinations/{name}", h_dest_put, KB_ROLE_ADMIN, 0,
     "configure a contact destination: webhook {enabled, url, secret}, email {enabled, url, "
     "from, to, tls, username, password} or rt {enabled, url, token, queue, key_field, "
     "ca_file}"},
    {"GET", "/api/v1/admin/contact/requests", h_requests, KB_ROLE_ADMIN, 0,
     "contact requests with their deliveries (status=pending|delivered|failed|stored)"},
    {"POST", "/api/v1/admin/contact/requests/{id}/retry", h_retry, KB_ROLE_ADMIN, 0,
     "deliver a contact request's failed deliveries again"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
