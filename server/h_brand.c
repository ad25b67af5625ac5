/* Branding routes: the public brand for the widget, the admin's changes and
 * logo upload, the logo itself and the generated accent stylesheet
 * /static/brand.css (pages keep their strict CSP: no inline styles). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brand.h"
#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/store/site.h"

#define BRAND_KEY "brand"
#define LOGO_FILE "logo"
/* What an SVG served from here may do: draw, nothing else, even opened
 * directly as a document. */
#define LOGO_CSP "default-src 'none'; style-src 'unsafe-inline'; sandbox"

/* The stored brand object (an empty one when none); caller decrefs. */
static json_t *stored_brand(struct srv_ctx *c, struct kb_err *err)
{
    char *value = NULL;
    int rc = kb_site_get(c->st, BRAND_KEY, &value, NULL, err);
    if (rc == KB_ENOTFOUND)
        return json_object();
    if (rc != 0)
        return NULL;
    json_t *o = json_loads(value, 0, NULL);
    free(value);
    if (!json_is_object(o)) {
        json_decref(o);
        return json_object();
    }
    return o;
}

/* Stores o, reloads the snapshot and answers with the public brand. */
static void save_and_answer(struct srv_ctx *c, struct srv_resp *w, json_t *o)
{
    char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    struct kb_err err;
    int rc = kb_site_set(c->st, BRAND_KEY, text, &err);
    free(text);
    if (rc != 0) {
        srv_kb_error(w, &err);
        return;
    }
    srv_brand_refresh(c, 1);
    srv_json(w, 200, srv_brand_json(srv_brand_now()));
}

static void h_brand_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)c;
    (void)r;
    srv_json(w, 200, srv_brand_json(srv_brand_now()));
    srv_header_add(w, "Cache-Control", "public, max-age=60");
}

static void h_brand_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *changes = srv_body_object(r, w);
    if (!changes)
        return;
    struct kb_err err;
    json_t *o = stored_brand(c, &err);
    if (!o) {
        srv_kb_error(w, &err);
    } else if (kb_brand_merge(o, changes, &err) != 0) {
        srv_error(w, 400, "bad_brand", "%s", err.msg);
    } else {
        save_and_answer(c, w, o);
    }
    json_decref(o);
    json_decref(changes);
}

static void h_logo_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *type = NULL;
    struct kb_err err;
    int rc = kb_brand_logo_check(srv_header(r, "Content-Type"), r->body, r->body_len, &type,
                                  &err);
    if (rc == KB_EFORMAT) {
        srv_error(w, 415, "unsupported_media_type", "%s", err.msg);
        return;
    }
    if (rc == KB_ETOOBIG) {
        srv_error(w, 413, "too_large", "%s", err.msg);
        return;
    }
    if (rc != 0) {
        srv_error(w, 400, "bad_logo", "%s", err.msg);
        return;
    }
    json_t *o = stored_brand(c, &err);
    if (!o || kb_site_file_set(c->st, LOGO_FILE, type, r->body, r->body_len, &err) != 0) {
        json_decref(o);
        srv_kb_error(w, &err);
        return;
    }
    int64_t v = json_integer_value(json_object_get(o, "logo_version"));
    json_object_set_new(o, "logo_type", json_string(type));
    json_object_set_new(o, "logo_version", json_integer(v + 1));
    save_and_answer(c, w, o);
    json_decref(o);
}

static void h_logo_delete(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    struct kb_err err;
    json_t *o = stored_brand(c, &err);
    if (!o || kb_site_file_delete(c->st, LOGO_FILE, &err) != 0) {
        json_decref(o);
        srv_kb_error(w, &err);
        return;
    }
    json_object_del(o, "logo_type");
    save_and_answer(c, w, o);
    json_decref(o);
}

static int etag_matches(const struct srv_req *r, const char *etag)
{
    const char *inm = srv_header(r, "If-None-Match");
    return inm && (strcmp(inm, "*") == 0 || strstr(inm, etag) != NULL);
}

static void h_logo_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    char *type = NULL;
    void *data = NULL;
    size_t len = 0;
    int64_t updated = 0;
    struct kb_err err;
    int rc = kb_site_file_get(c->st, LOGO_FILE, &type, &data, &len, &updated, &err);
    if (rc == KB_ENOTFOUND) {
        tpl_not_found(w, r);
        return;
    }
    if (rc != 0) {
        srv_kb_error(w, &err);
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"logo-%lld-%zu\"", (long long)updated, len);
    srv_header_add(w, "Content-Security-Policy", LOGO_CSP);
    srv_header_add(w, "Cache-Control", "public, max-age=86400");
    srv_header_add(w, "ETag", etag);
    srv_header_add(w, "Access-Control-Allow-Origin", "*");
    /* Only the three checked types are ever stored. */
    w->type = !strcmp(type, "image/svg+xml") ? "image/svg+xml"
              : !strcmp(type, "image/jpeg") ? "image/jpeg" : "image/png";
    kb_buf_reset(&w->body);
    if (etag_matches(r, etag)) {
        w->status = 304;
    } else {
        w->status = 200;
        kb_buf_add(&w->body, data, len);
    }
    free(type);
    free(data);
}

static void h_brand_css(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)c;
    const struct srv_brand *b = srv_brand_now();
    char etag[64];
    snprintf(etag, sizeof etag, "\"brand-%s-%s\"", b->accent[0] ? b->accent + 1 : "none",
             b->accent_dark[0] ? b->accent_dark + 1 : "none");
    tpl_security_headers(w);
    srv_header_add(w, "Cache-Control", "public, no-cache");
    srv_header_add(w, "ETag", etag);
    w->type = "text/css; charset=utf-8";
    kb_buf_reset(&w->body);
    if (etag_matches(r, etag)) {
        w->status = 304;
        return;
    }
    w->status = 200;
    kb_buf_adds(&w->body, "/* The admin's accent colour (generated: /api/v1/admin/brand). */\n");
    if (b->accent[0])
        kb_buf_printf(&w->body, ":root {\n  --brand: %s;\n  --brand-dark: %s;\n}\n", b->accent,
                      b->accent_dark);
}

const struct srv_route srv_routes_brand[] = {
    {"GET", "/api/v1/brand", h_brand_get, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS,
     "The help center's brand (name, accent, logo, footer links, contact text)"},
    {"PUT", "/api/v1/admin/brand", h_brand_put, KB_ROLE_ADMIN, 0,
     "Change the brand: any of name, accent (#rrggbb), footer_links, contact_text"},
    {"PUT", "/api/v1/admin/brand/logo", h_logo_put, KB_ROLE_ADMIN, SRV_RAW_BODY,
     "Upload the logo (body: the image; Content-Type image/png, image/jpeg or image/svg+xml)"},
    {"DELETE", "/api/v1/admin/brand/logo", h_logo_delete, KB_ROLE_ADMIN, 0,
     "Remove the logo"},
    {"GET", "/brand/logo", h_logo_get, KB_ROLE_CUSTOMER, 0, "The uploaded logo"},
    {"GET", "/static/brand.css", h_brand_css, KB_ROLE_CUSTOMER, 0,
     "The accent colour as a stylesheet"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
