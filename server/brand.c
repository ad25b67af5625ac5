/* The brand: its snapshot for the pages, its public JSON, the admin's
 * changes checked field by field, and the colour arithmetic (see brand.h). */
#include "brand.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/store/brand.h"
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
    if (kb_brand_parse_colour(jstr(o, "accent"), rgb) == 0) {
        snprintf(b->accent, sizeof b->accent, "%s", jstr(o, "accent"));
        kb_brand_dark(rgb, b->accent_dark);
    }
    json_t *links = json_object_get(o, "footer_links");
    size_t i;
    json_t *l;
    json_array_foreach(links, i, l) {
        if (b->nlinks >= KB_BRAND_LINKS_MAX)
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
