/* The help center's brand: site name, accent colour (and its derived dark
 * shade), footer links, the contact page's text and the logo, set by an admin
 * (h_brand.c) and stored in the store (kb/store/site.h, key "brand"). Pages
 * read the current one with srv_brand_now(); the snapshot is reloaded from
 * the store when it changes (on this process at once, on a replica within a
 * second). */
#ifndef KB_SRV_BRAND_H
#define KB_SRV_BRAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/brand.h"
#include "srv.h"

#define BRAND_DEFAULT_NAME "Help Center"

struct srv_brand_link {
    char *label, *url;
};

/* One immutable snapshot. Strings are never NULL ("" when unset). */
struct srv_brand {
    char *name;
    char accent[8], accent_dark[8]; /* "#rrggbb", or "" for the built-in colours */
    struct srv_brand_link links[KB_BRAND_LINKS_MAX];
    size_t nlinks;
    char *contact_text;
    char logo_type[32];             /* "" when there is no logo */
    int64_t logo_version;
    int64_t updated;                /* the stored row's time, 0 = never set */
};

/* The brand pages use now: borrowed, valid until the process ends (an old
 * snapshot is kept, not freed, when a newer one replaces it). Never NULL. */
const struct srv_brand *srv_brand_now(void);
/* Reloads the snapshot from c's store when the stored brand changed; at most
 * once a second unless force. Errors are logged; the old snapshot stays. */
void srv_brand_refresh(struct srv_ctx *c, int force);
/* Frees every snapshot (at exit, after the last request). */
void srv_brand_shutdown(void);

/* The brand as the public API shows it ({name, accent, accent_dark, logo,
 * footer_links, contact_text}). Caller decrefs. */
json_t *srv_brand_json(const struct srv_brand *b);
#endif
