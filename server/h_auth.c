/* Login, logout, who am I, and the admin API for staff accounts and API
 * tokens (resolving a request's credentials is auth_resolve.c). The
 * store side is kb/store/auth.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/store/auth.h"
#include "kb/base/log.h"
#include "srv.h"

#define COOKIE "kb_session"
/* The device cookie (kb/store/auth_lockout.c): sent only to the login route. */
#define DEVICE_COOKIE "kb_device"
#define WRONG_LOGIN "wrong username or password"

/* ---- helpers ----------------------------------------------------------- */

static void set_cookie(struct srv_ctx *c, struct srv_resp *w, const char *value, long max_age)
{
    char v[256];
    snprintf(v, sizeof v, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", COOKIE,
             value, max_age, c->srv->opts.secure_cookies ? "; Secure" : "");
    srv_header_add(w, "Set-Cookie", v);
}

static void clear_cookie(struct srv_ctx *c, struct srv_resp *w)
{
    set_cookie(c, w, "", 0);
}

static void set_device_cookie(struct srv_ctx *c, struct srv_resp *w, const char *value)
{
    char v[KB_AUTH_DEVICE_LEN + 160];
    snprintf(v, sizeof v, "%s=%s; Path=/api/v1/login; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
             DEVICE_COOKIE, value, (long)KB_AUTH_DEVICE_AGE,
             c->srv->opts.secure_cookies ? "; Secure" : "");
    srv_header_add(w, "Set-Cookie", v);
}

/* "scheme://host[:port]" of origin equals that of base, or host equals the
 * request's Host. */
static int same_origin(const char *origin, const char *host, const char *base)
{
    const char *p = strstr(origin, "://");
    if (!p)
        return 0;
    p += 3;
    if (host && strcasecmp(p, host) == 0)
        return 1;
    if (base) {
        const char *b = strstr(base, "://");
        if (b) {
            b += 3;
            size_t n = strcspn(b, "/");
            size_t scheme = (size_t)(p - origin);
            if ((size_t)(b - base) == scheme && strncasecmp(origin, base, scheme) == 0 &&
                strlen(p) == n && strncasecmp(p, b, n) == 0)
                return 1;
        }
    }
    return 0;
}

/* Errors of the account and token calls: the message names the problem
 * (these are admin routes), except 5xx detail. */
static void auth_error(struct srv_resp *w, const struct kb_err *err)
{
    switch (err->code) {
    case KB_EINVAL:
        srv_error(w, 400, "bad_request", "%s", err->msg);
        break;
    case KB_ENOTFOUND:
        srv_error(w, 404, "not_found", "%s", err->msg);
        break;
    case KB_EEXIST:
        srv_error(w, 409, "conflict", "%s", err->msg);
        break;
    default:
        srv_kb_error(w, err);
    }
}

static json_t *user_json(const struct kb_auth_user *u)
{
    return json_pack("{s:s, s:s, s:I, s:I}", "username", u->username, "role",
                     kb_role_name(u->role), "created", (json_int_t)u->created, "last_login",
                     (json_int_t)u->last_login);
}

static json_t *token_json(const struct kb_auth_token *t)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I}", "id", (json_int_t)t->id, "name",
                          t->name, "role", kb_role_name(t->role), "prefix", t->prefix,
                          "created", (json_int_t)t->created, "last_used",
                          (json_int_t)t->last_used);
    json_object_set_new(j, "created_by", t->created_by[0] ? json_string(t->created_by)
                                                          : json_null());
    return j;
}

/* A role field: "agent", "writer" or "admin"; 400 otherwise. */
static int get_role(json_t *body, int required, int *role, struct srv_resp *w)
{
    const char *s = NULL;
    if (srv_get_str(body, "role", required, 16, &s, w) != 0)
        return -1;
    if (!s)
        return 0;
    int r = kb_auth_role_parse(s);
    if (r < 0) {
        srv_error(w, 400, "bad_field", "field 'role' must be agent, writer or admin");
        return -1;
    }
    *role = r;
    return 0;
}

/* ---- login, logout, me ------------------------------------------------- */

static void h_login(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    /* Exempt from the core's CSRF check (no session yet), but a browser
     * posting from another site still says so. */
    const char *origin = srv_header(r, "Origin");
    const char *site = srv_header(r, "Sec-Fetch-Site");
    if ((origin && !same_origin(origin, srv_header(r, "Host"), c->srv->opts.public_url)) ||
        (site && strcasecmp(site, "cross-site") == 0)) {
        srv_error(w, 403, "forbidden", "cross-site login refused: Origin does not match Host");
        return;
    }
    static const char *const keys[] = {"username", "password", NULL};
    const char *username = NULL, *password = NULL;
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    if (srv_check_keys(body, keys, w) != 0 ||
        srv_get_str(body, "username", 1, 256, &username, w) != 0 ||
        srv_get_str(body, "password", 1, KB_AUTH_PASSWORD_MAX, &password, w) != 0) {
        json_decref(body);
        return;
    }
    char session[KB_AUTH_SESSION_LEN + 1], device[KB_AUTH_DEVICE_LEN + 1];
    struct kb_auth_user u;
    int64_t retry = 0;
    struct kb_err err;
    /* A browser that signed in to this account before is judged by its own
     * failures only; anyone else waits as the throttles say (429, never a
     * sleep on this thread). */
    int code = kb_auth_login_device(c->st, username, password, r->client,
                                    srv_cookie(r, DEVICE_COOKIE), srv_cookie(r, COOKIE), session,
                                    device, &u, &retry, &err);
    json_decref(body);
    if (code == KB_EBUSY && retry > 0) {
        char v[32];
        snprintf(v, sizeof v, "%lld", (long long)retry);
        srv_header_add(w, "Retry-After", v);
        srv_error(w, 429, "too_many_attempts",
                  "too many failed logins; try again in %lld seconds", (long long)retry);
        return;
    }
    if (code == KB_ENOTFOUND) {
        srv_error(w, 401, "unauthorized", WRONG_LOGIN);
        return;
    }
    if (code) {
        srv_kb_error(w, &err);
        return;
    }
    set_cookie(c, w, session, KB_AUTH_SESSION_MAX);
    if (device[0])
        set_device_cookie(c, w, device);
    memset(session, 0, sizeof session);
    srv_json(w, 200, json_pack("{s:s, s:s}", "username", u.username, "role",
                               kb_role_name(u.role)));
}

static void h_logout(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_err err;
    const char *sid = srv_cookie(r, COOKIE);
    if (sid && *sid && kb_auth_logout(c->st, sid, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    clear_cookie(c, w);
    srv_json(w, 200, json_pack("{s:b}", "ok", 1));
}

static void h_me(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const struct srv_who *who = &r->who;
    if (who->via_token) {
        srv_json(w, 200, json_pack("{s:s, s:s, s:b}", "username", who->username, "role",
                                   kb_role_name(who->role), "token", 1));
        return;
    }
    if (who->user_id > 0) {
        srv_json(w, 200, json_pack("{s:s, s:s}", "username", who->username, "role",
                                   kb_role_name(who->role)));
        return;
    }
    const char *sid = srv_cookie(r, COOKIE);
    if (sid && *sid)
        clear_cookie(c, w); /* stale: ended, expired or unknown */
    srv_json(w, 200, json_pack("{s:s}", "role", "customer"));
}

/* ---- users (admin) ----------------------------------------------------- */

static void h_users_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_auth_user *u = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_auth_user_list(c->st, &u, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, user_json(&u[i]));
    free(u);
    srv_json(w, 200, json_pack("{s:o}", "users", a));
}

static void h_users_add(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"username", "password", "role", NULL};
    const char *username = NULL, *password = NULL;
    int role = -1;
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    if (srv_check_keys(body, keys, w) != 0 ||
        srv_get_str(body, "username", 1, KB_AUTH_USERNAME_MAX, &username, w) != 0 ||
        srv_get_str(body, "password", 1, KB_AUTH_PASSWORD_MAX, &password, w) != 0 ||
        get_role(body, 1, &role, w) != 0) {
        json_decref(body);
        return;
    }
    struct kb_err err;
    struct kb_auth_user u;
    if (kb_auth_user_add(c->st, username, password, role, NULL, &err) != 0 ||
        kb_auth_user_get(c->st, username, &u, &err) != 0) {
        auth_error(w, &err);
    } else {
        kb_log(KB_LOG_INFO, "auth: %s added user '%s' (%s)", r->who.username, u.username,
               kb_role_name(u.role));
        srv_json(w, 201, user_json(&u));
    }
    json_decref(body);
}

/* The {name} parameter as an existing user; 404 otherwise. */
static int path_user(struct srv_ctx *c, const struct srv_req *r, struct kb_auth_user *u,
                     struct srv_resp *w)
{
    struct kb_err err;
    const char *name = r->nparams > 0 ? r->param[0] : "";
    if (kb_auth_user_get(c->st, name, u, &err) != 0) {
        if (err.code == KB_ENOTFOUND)
            srv_error(w, 404, "not_found", "no user '%s'", name);
        else
            srv_kb_error(w, &err);
        return -1;
    }
    return 0;
}

/* The last admin is refused by the store as KB_EINVAL: a conflict here. */
static void last_admin_error(struct srv_resp *w, const struct kb_err *err)
{
    if (err->code == KB_EINVAL)
        srv_error(w, 409, "conflict", "%s", err->msg);
    else
        auth_error(w, err);
}

static void h_users_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"role", "password", NULL};
    const char *password = NULL;
    int role = -1;
    struct kb_auth_user u;
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    if (srv_check_keys(body, keys, w) != 0 || get_role(body, 0, &role, w) != 0 ||
        srv_get_str(body, "password", 0, KB_AUTH_PASSWORD_MAX, &password, w) != 0)
        goto out;
    if (role < 0 && !password) {
        srv_error(w, 400, "missing_field", "nothing to change: give 'role' and/or 'password'");
        goto out;
    }
    if (path_user(c, r, &u, w) != 0)
        goto out;
    struct kb_err err;
    if (password && kb_auth_check_password(password, &err) != 0) {
        auth_error(w, &err);
        goto out;
    }
    if (role >= 0 && role != u.role && kb_auth_user_set_role(c->st, u.username, role, &err) != 0) {
        last_admin_error(w, &err);
        goto out;
    }
    if (password) {
        /* Changing one's own password keeps this session, ends the others. */
        const char *keep = r->who.via_cookie && r->who.user_id == u.id ? srv_cookie(r, COOKIE)
                                                                        : NULL;
        if (kb_auth_user_set_password(c->st, u.username, password, keep, &err) != 0) {
            auth_error(w, &err);
            goto out;
        }
    }
    if (kb_auth_user_get(c->st, u.username, &u, &err) != 0) {
        auth_error(w, &err);
        goto out;
    }
    kb_log(KB_LOG_INFO, "auth: %s changed user '%s'%s%s", r->who.username, u.username,
           role >= 0 ? " role" : "", password ? " password" : "");
    srv_json(w, 200, user_json(&u));
out:
    json_decref(body);
}

static void h_users_delete(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_auth_user u;
    struct kb_err err;
    if (path_user(c, r, &u, w) != 0)
        return;
    if (kb_auth_user_delete(c->st, u.username, &err) != 0) {
        last_admin_error(w, &err);
        return;
    }
    kb_log(KB_LOG_INFO, "auth: %s deleted user '%s'", r->who.username, u.username);
    srv_json(w, 200, json_pack("{s:s}", "deleted", u.username));
}

/* ---- API tokens (admin) ------------------------------------------------ */

static void h_tokens_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_auth_token *t = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_auth_token_list(c->st, &t, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, token_json(&t[i]));
    free(t);
    srv_json(w, 200, json_pack("{s:o}", "tokens", a));
}

static void h_tokens_add(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"name", "role", NULL};
    const char *name = NULL;
    int role = -1;
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    if (srv_check_keys(body, keys, w) != 0 ||
        srv_get_str(body, "name", 1, KB_AUTH_TOKEN_NAME_MAX, &name, w) != 0 ||
        get_role(body, 1, &role, w) != 0) {
        json_decref(body);
        return;
    }
    char token[KB_AUTH_TOKEN_LEN + 1];
    int64_t id = 0;
    struct kb_err err;
    if (kb_auth_token_create(c->st, name, role, r->who.username, token, &id, &err) != 0) {
        auth_error(w, &err);
        json_decref(body);
        return;
    }
    kb_log(KB_LOG_INFO, "auth: %s created API token %lld '%s' (%s)", r->who.username,
           (long long)id, name, kb_role_name(role));
    srv_json(w, 201, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "name", name,
                               "role", kb_role_name(role), "token", token));
    memset(token, 0, sizeof token);
    json_decref(body);
}

static void h_tokens_delete(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *s = r->nparams > 0 ? r->param[0] : "";
    char *end;
    long long id = strtoll(s, &end, 10);
    if (!*s || *end || id <= 0) {
        srv_error(w, 404, "not_found", "no token '%s'", s);
        return;
    }
    struct kb_err err;
    if (kb_auth_token_revoke(c->st, id, &err) != 0) {
        auth_error(w, &err);
        return;
    }
    kb_log(KB_LOG_INFO, "auth: %s revoked API token %lld", r->who.username, id);
    srv_json(w, 200, json_pack("{s:I}", "revoked", (json_int_t)id));
}

const struct srv_route srv_routes_auth[] = {
    {"POST", "/api/v1/login", h_login, KB_ROLE_CUSTOMER, SRV_NO_CSRF,
     "log in with {username, password}: sets the kb_session cookie"},
    {"POST", "/api/v1/logout", h_logout, KB_ROLE_CUSTOMER, 0,
     "end the session and clear its cookie"},
    {"GET", "/api/v1/me", h_me, KB_ROLE_CUSTOMER, 0, "who is asking: {username, role}"},
    {"GET", "/api/v1/users", h_users_list, KB_ROLE_ADMIN, 0, "list staff accounts"},
    {"POST", "/api/v1/users", h_users_add, KB_ROLE_ADMIN, 0,
     "add a staff account {username, password, role}"},
    {"PUT", "/api/v1/users/{name}", h_users_put, KB_ROLE_ADMIN, 0,
     "change a staff account's role and/or password"},
    {"DELETE", "/api/v1/users/{name}", h_users_delete, KB_ROLE_ADMIN, 0,
     "delete a staff account and its sessions"},
    {"GET", "/api/v1/tokens", h_tokens_list, KB_ROLE_ADMIN, 0, "list API tokens (no secrets)"},
    {"POST", "/api/v1/tokens", h_tokens_add, KB_ROLE_ADMIN, 0,
     "create an API token {name, role}: the secret is shown once"},
    {"DELETE", "/api/v1/tokens/{id}", h_tokens_delete, KB_ROLE_ADMIN, 0,
     "revoke an API token"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
