/* Request Tracker over the API: the sync's settings (admin only; the token
 * is written, never read back), a sync run now (admin), and one RT ticket's
 * subject and messages for the agent console (/agent?rt=123, staff only),
 * which then runs assist on them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/store/rt_state.h"
#include "rt_sync.h"

static const char *who(const struct srv_req *r)
{
    return r->who.username[0] ? r->who.username : "an admin token";
}

/* The settings a run or an RT read uses into cfg (release it either way):
 * 0, or -1 with w filled (409 when there are none or no token). */
static int ready_settings(struct srv_ctx *c, struct kb_rt_sync_cfg *cfg, struct srv_resp *w)
{
    int found = 0;
    struct kb_err err;
    if (srv_rt_sync_settings(c->srv, c->st, cfg, &found, &err) != 0) {
        srv_kb_error(w, &err);
        return -1;
    }
    if (!found || !cfg->token) {
        srv_error(w, 409, "not_configured", "Request Tracker is not configured: an admin sets "
                  "it with PUT /api/v1/admin/rt-sync (the token there or with --rt-token-file)");
        return -1;
    }
    return 0;
}

/* The settings as the admin sees them: no token, whether one is set. */
static json_t *settings_json(struct srv_ctx *c, struct srv_resp *w)
{
    struct kb_rt_sync_cfg cfg;
    int found = 0;
    struct kb_err err;
    if (srv_rt_sync_settings(c->srv, c->st, &cfg, &found, &err) != 0) {
        kb_rt_sync_cfg_release(&cfg);
        srv_kb_error(w, &err);
        return NULL;
    }
    char *cursor = NULL;
    if (kb_rt_state_get(c->st, KB_RT_STATE_CURSOR, &cursor, &err) != 0) {
        kb_rt_sync_cfg_release(&cfg);
        srv_kb_error(w, &err);
        return NULL;
    }
    json_t *cur = cursor ? json_loads(cursor, 0, NULL) : NULL;
    json_t *o = json_pack("{s:b, s:o, s:b, s:O?, s:o}", "configured", found, "settings",
                          found ? kb_rt_sync_cfg_json(&cfg, 0) : json_null(), "token_set",
                          found && cfg.token != NULL, "cursor",
                          json_object_get(cur, "time"), "last_run", srv_rt_sync_status(c->srv));
    json_decref(cur);
    free(cursor);
    kb_rt_sync_cfg_release(&cfg);
    return o;
}

/* GET /api/v1/admin/rt-sync */
static void h_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    json_t *o = settings_json(c, w);
    if (!o)
        return;
    srv_header_add(w, "Cache-Control", "no-store");
    srv_json(w, 200, o);
}

/* PUT /api/v1/admin/rt-sync: the settings; a token left out keeps the
 * stored one. */
static void h_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    struct kb_rt_sync_cfg cfg, old;
    struct kb_err err = {0, ""};
    int found = 0;
    kb_rt_sync_cfg_init(&old);
    if (kb_rt_sync_cfg_parse(o, &cfg, &err) != 0) {
        srv_error(w, 400, "bad_field", "%s", err.msg);
        goto out;
    }
    if (!json_object_get(o, "token") && kb_rt_sync_cfg_load(c->st, &old, &found, &err) == 0 &&
        found && old.token)
        cfg.token = kb_xstrdup(old.token);
    if (kb_rt_sync_cfg_save(c->st, &cfg, &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    kb_log(KB_LOG_INFO, "rt sync: settings for %s set by %s", cfg.url, who(r));
    json_t *shown = settings_json(c, w);
    if (shown)
        srv_json(w, 200, shown);
out:
    kb_rt_sync_cfg_release(&cfg);
    kb_rt_sync_cfg_release(&old);
    json_decref(o);
}

/* POST /api/v1/admin/rt-sync/run: one run now; its counts, or RT's error. */
static void h_run(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_rt_sync_stats s;
    memset(&s, 0, sizeof s);
    struct kb_rt_sync_cfg cfg;
    struct kb_err err;
    int ready = ready_settings(c, &cfg, w);
    kb_rt_sync_cfg_release(&cfg);
    if (ready != 0)
        return;
    int code = srv_rt_sync_now(c->srv, c->st, &s, &err);
    json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "listed",
                          (json_int_t)s.seen, "added", (json_int_t)s.added, "updated",
                          (json_int_t)s.updated, "unchanged", (json_int_t)s.unchanged, "removed",
                          (json_int_t)s.removed, "not_resolved", (json_int_t)s.skipped,
                          "already_synced", (json_int_t)s.duplicates, "cursor",
                          (json_int_t)s.cursor);
    if (code) {
        /* RT's answer named for the admin (never the token); what came
         * before the failure is kept. */
        json_object_set_new(o, "error", json_pack("{s:s, s:s}", "code", "rt_sync_failed",
                                                  "message", err.msg));
        srv_json(w, 502, o);
        return;
    }
    kb_log(KB_LOG_INFO, "rt sync: a run asked for by %s", who(r));
    srv_json(w, 200, o);
}

/* GET /api/v1/rt/tickets/{id}: subject, text and fields of an RT ticket. */
static void h_ticket(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *p = r->nparams ? r->param[0] : "";
    char *end;
    long long id = strtoll(p, &end, 10);
    if (!*p || *end || id <= 0 || strlen(p) > 12) {
        srv_error(w, 400, "bad_parameter", "'%.40s' is not an RT ticket number", p);
        return;
    }
    struct kb_rt_sync_cfg cfg;
    struct kb_err err;
    if (ready_settings(c, &cfg, w) != 0) {
        kb_rt_sync_cfg_release(&cfg);
        return;
    }
    struct kb_rt_ticket t;
    char *text = NULL;
    int code = kb_rt_sync_case(&cfg, id, &t, &text, &err);
    if (code == KB_ENOTFOUND) {
        srv_error(w, 404, "not_found", "%s", err.msg);
    } else if (code) {
        kb_log(KB_LOG_WARN, "rt: ticket %lld for %s: %s", id, r->who.username, err.msg);
        srv_error(w, 502, "rt_unavailable", "%s", err.msg);
    } else {
        const char *cat = json_string_value(json_object_get(t.cf, cfg.cf_category));
        const char *prod = json_string_value(json_object_get(t.cf, cfg.cf_product));
        const char *unit = json_string_value(json_object_get(t.cf, cfg.cf_unit));
        struct kb_buf link = KB_BUF_INIT;
        size_t ul = strlen(cfg.url);
        while (ul && cfg.url[ul - 1] == '/')
            ul--;
        kb_buf_printf(&link, "%.*s/Ticket/Display.html?id=%lld", (int)ul, cfg.url, id);
        srv_header_add(w, "Cache-Control", "private, no-store");
        srv_json(w, 200, json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s}",
                                   "id", (json_int_t)id, "subject", t.subject ? t.subject : "",
                                   "text", text, "status", t.status, "queue", t.queue,
                                   "customer", t.requestor, "category", cat, "product", prod,
                                   "unit", unit, "rt_url", kb_buf_str(&link)));
        kb_buf_release(&link);
        kb_rt_ticket_release(&t);
    }
    free(text);
    kb_rt_sync_cfg_release(&cfg);
}

const struct srv_route srv_routes_rt[] = {
    {"GET", "/api/v1/admin/rt-sync", h_get, KB_ROLE_ADMIN, 0,
     "the Request Tracker sync's settings (never the token), cursor and last run"},
    {"PUT", "/api/v1/admin/rt-sync", h_put, KB_ROLE_ADMIN, 0,
     "set the Request Tracker sync's settings (a token left out is kept)"},
    {"POST", "/api/v1/admin/rt-sync/run", h_run, KB_ROLE_ADMIN, 0,
     "one Request Tracker sync run now: its counts, or RT's error"},
    {"GET", "/api/v1/rt/tickets/{id}", h_ticket, KB_ROLE_AGENT, 0,
     "an RT ticket's subject, messages and fields, for assist in the agent console"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
