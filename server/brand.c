/* The brand: its snapshot for the pages, its public JSON, the admin's
 * changes checked field by field, and the colour arithmetic (see brand.h). */
#include "brand.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/base/text.h"
#include "kb/store/site.h"
#include "snapshot.h"

#define BRAND_KEY "brand"

static struct srv_brand builtin = {.name = BRAND_DEFAULT_NAME, .contact_text = ""};
static void brand_free(void *p);
static struct srv_snapshot current = SRV_SNAPSHOT_INIT(brand_free);
static atomic_llong last_check;

const struct srv_brand *srv_brand_now(void)
{
    struct srv_brand *b = srv_snapshot_get(&current);
    return b ? b : &builtin;
}

static void brand_free(void *p)
{
    struct srv_brand *b = p;
    if (!b || b == &builtin)
        return;
    free(b->name);
    free(b->contact_text);
    for (size_t i = 0; i < b->nlinks; i++) {
        free(b->links[i].label);
        free(b->links[i].url);
    }
    free(b);
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* A snapshot from the stored JSON (checked when it was stored). */
static struct srv_brand *brand_from_json(json_t *o, int64_t updated)
{
    struct srv_brand *b = kb_xcalloc(1, sizeof *b);
    b->name = kb_xstrdup(*jstr(o, "name") ? jstr(o, "name") : BRAND_DEFAULT_NAME);
    b->contact_text = kb_xstrdup(jstr(o, "contact_text"));
    unsigned rgb[3];
    if (srv_brand_parse_colour(jstr(o, "accent"), rgb) == 0) {
        snprintf(b->accent, sizeof b->accent, "%s", jstr(o, "accent"));
        srv_brand_dark(rgb, b->accent_dark);
    }
    json_t *links = json_object_get(o, "footer_links");
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
        if (b->nlinks >= BRAND_LINKS_MAX)
            break;
        b->links[b->nlinks].label = kb_xstrdup(jstr(l, "label"));
        b->links[b->nlinks].url = kb_xstrdup(jstr(l, "url"));
        b->nlinks++;
    }
    snprintf(b->logo_type, sizeof b->logo_type, "%s", jstr(o, "logo_type"));
    b->logo_version = json_integer_value(json_object_get(o, "logo_version"));
    b->updated = updated;
    return b;
}

void srv_brand_refresh(struct srv_ctx *c, int force)
{
    long long now = (long long)time(NULL);
    long long last = atomic_load(&last_check);
    if (!force && last == now)
        return;
    if (!force && !atomic_compare_exchange_strong(&last_check, &last, now))
        return; /* another thread checks this second */
    if (force)
        atomic_store(&last_check, now);
    char *value = NULL;
    int64_t updated = 0;
    struct kb_err err;
    int rc = kb_site_get(c->st, BRAND_KEY, &value, &updated, &err);
    if (rc != 0 && rc != KB_ENOTFOUND) {
        kb_log(KB_LOG_WARN, "brand: %s", err.msg);
        return;
    }
    const struct srv_brand *cur = srv_brand_now();
    if (rc == KB_ENOTFOUND || updated == cur->updated) {
        free(value);
        return;
    }
    json_t *o = json_loads(value, 0, NULL);
    free(value);
    if (!json_is_object(o)) {
        kb_log(KB_LOG_WARN, "brand: the stored brand is not a JSON object; kept the old one");
        json_decref(o);
        return;
    }
    srv_snapshot_set(&current, brand_from_json(o, updated));
    json_decref(o);
}

void srv_brand_shutdown(void)
{
    srv_snapshot_free_all(&current);
}

json_t *srv_brand_json(const struct srv_brand *b)
{
    json_t *links = json_array();
    for (size_t i = 0; i < b->nlinks; i++)
        json_array_append_new(links, json_pack("{s:s, s:s}", "label", b->links[i].label, "url",
                                               b->links[i].url));
    json_t *logo = json_null();
    if (b->logo_type[0]) {
        char path[64];
        snprintf(path, sizeof path, "/brand/logo?v=%lld", (long long)b->logo_version);
        logo = json_string(path);
    }
    return json_pack("{s:s, s:s, s:s, s:o, s:o, s:s}", "name", b->name, "accent",
                     b->accent[0] ? b->accent : "#1d4ed8", "accent_dark",
                     b->accent_dark[0] ? b->accent_dark : "#1e3a8a", "logo", logo,
                     "footer_links", links, "contact_text", b->contact_text);
}

/* ---- colours ---- */

int srv_brand_parse_colour(const char *s, unsigned rgb[3])
{
    if (!s || strlen(s) != 7 || s[0] != '#')
        return -1;
    for (int i = 0; i < 3; i++) {
        unsigned v = 0;
        for (int k = 1; k <= 2; k++) {
            char ch = s[i * 2 + k];
            v <<= 4;
            if (ch >= '0' && ch <= '9')
                v |= (unsigned)(ch - '0');
            else if (ch >= 'a' && ch <= 'f')
                v |= (unsigned)(ch - 'a' + 10);
            else if (ch >= 'A' && ch <= 'F')
                v |= (unsigned)(ch - 'A' + 10);
            else
                return -1;
        }
        rgb[i] = v;
    }
    return 0;
}

static double luminance(const unsigned c[3])
{
    double l[3];
    for (int i = 0; i < 3; i++) {
        double v = c[i] / 255.0;
        l[i] = v <= 0.04045 ? v / 12.92 : pow((v + 0.055) / 1.055, 2.4);
    }
    return 0.2126 * l[0] + 0.7152 * l[1] + 0.0722 * l[2];
}

double srv_brand_contrast(const unsigned a[3], const unsigned b[3])
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

void srv_brand_dark(const unsigned accent[3], char out[8])
{
    static const unsigned white[3] = {255, 255, 255};
    unsigned d[3] = {accent[0], accent[1], accent[2]};
    /* At least a third darker, then on until white text reaches 7:1 (AAA). */
    for (int step = 0; step < 40; step++) {
        if (step >= 4 && srv_brand_contrast(d, white) >= 7.0)
            break;
        for (int i = 0; i < 3; i++)
            d[i] = d[i] * 9 / 10;
    }
    snprintf(out, 8, "#%02x%02x%02x", d[0], d[1], d[2]);
}

/* ---- the admin's changes ---- */

static int text_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int url_ok(const char *u)
{
    if (!u || !*u || strlen(u) > BRAND_URL_MAX)
        return 0;
    if (strncmp(u, "https://", 8) && strncmp(u, "http://", 7) &&
        !(u[0] == '/' && u[1] != '/' && u[1] != '\\'))
        return 0;
    for (const unsigned char *p = (const unsigned char *)u; *p; p++)
        if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return 0;
    return 1;
}

static int set_text(json_t *stored, json_t *v, const char *key, size_t min, size_t max,
                    struct kb_err *err)
{
    if (json_is_null(v)) {
        json_object_del(stored, key);
        return 0;
    }
    const char *s = json_string_value(v);
    if (!s)
        return kb_err_set(err, KB_EINVAL, "%s must be a string", key);
    size_t n = strlen(s);
    if (n < min || n > max || !kb_utf8_valid(s, n))
        return kb_err_set(err, KB_EINVAL, "%s must be %zu to %zu bytes of text", key, min, max);
    if (strcmp(key, "contact_text") && !text_ok(s))
        return kb_err_set(err, KB_EINVAL, "%s must be one line of text", key);
    json_object_set_new(stored, key, json_string(s));
    return 0;
}

static int set_accent(json_t *stored, json_t *v, struct kb_err *err)
{
    static const unsigned white[3] = {255, 255, 255};
    const char *s = json_string_value(v);
    if (json_is_null(v) || (s && !*s)) {
        json_object_del(stored, "accent");
        return 0;
    }
    unsigned rgb[3];
    if (!s || srv_brand_parse_colour(s, rgb) != 0)
        return kb_err_set(err, KB_EINVAL, "accent must be a colour written #rrggbb, e.g. "
                                          "#0f766e");
    double c = srv_brand_contrast(rgb, white);
    if (c < BRAND_MIN_CONTRAST)
        return kb_err_set(err, KB_EINVAL,
                          "accent '%s' has a contrast of %.1f:1 with white text (buttons) and "
                          "a white page (links); at least %.1f:1 is needed: choose a darker "
                          "colour", s, floor(c * 10) / 10, BRAND_MIN_CONTRAST);
    char low[8];
    snprintf(low, sizeof low, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    json_object_set_new(stored, "accent", json_string(low));
    return 0;
}

static int set_links(json_t *stored, json_t *v, struct kb_err *err)
{
    if (json_is_null(v)) {
        json_object_del(stored, "footer_links");
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) > BRAND_LINKS_MAX)
        return kb_err_set(err, KB_EINVAL, "footer_links must be an array of at most %d "
                                          "{\"label\", \"url\"} objects", BRAND_LINKS_MAX);
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(v, i, l) {
        const char *label = json_string_value(json_object_get(l, "label"));
        const char *url = json_string_value(json_object_get(l, "url"));
        int bad = 0;
        if (!json_is_object(l) || json_object_size(l) != 2)
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu] must be {\"label\", \"url\"}", i);
        else if (!label || !*label || strlen(label) > BRAND_LABEL_MAX || !text_ok(label) ||
                 !kb_utf8_valid(label, strlen(label)))
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu].label must be 1 to %d bytes of "
                                             "text", i, BRAND_LABEL_MAX);
        else if (!url_ok(url))
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu].url must start with https://, "
                                             "http:// or / (at most %d bytes, no spaces or "
                                             "quotes)", i, BRAND_URL_MAX);
        if (bad) {
            json_decref(out);
            return bad;
        }
        json_array_append_new(out, json_pack("{s:s, s:s}", "label", label, "url", url));
    }
    json_object_set_new(stored, "footer_links", out);
    return 0;
}

int srv_brand_merge(json_t *stored, json_t *changes, struct kb_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(changes, key, v) {
        int rc;
        if (!strcmp(key, "name"))
            rc = set_text(stored, v, "name", 1, BRAND_NAME_MAX, err);
        else if (!strcmp(key, "contact_text"))
            rc = set_text(stored, v, "contact_text", 0, BRAND_CONTACT_MAX, err);
        else if (!strcmp(key, "accent"))
            rc = set_accent(stored, v, err);
        else if (!strcmp(key, "footer_links"))
            rc = set_links(stored, v, err);
        else
            rc = kb_err_set(err, KB_EINVAL, "unknown field '%.40s': the brand has name, accent, "
                                            "footer_links and contact_text (the logo is "
                                            "uploaded on its own)", key);
        if (rc)
            return rc;
    }
    return 0;
}
