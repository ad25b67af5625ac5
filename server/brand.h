/* The help center's brand: site name, accent colour (and its derived dark
 * shade), footer links, the contact page's text and the logo, set by an admin
 * (h_brand.c) and stored in the store (kb/store/site.h, key "brand"). Pages
 * read the current one with srv_brand_now(); the snapshot is reloaded from
 * the store when it changes (on this process at once, on a replica within a
 * second). */
#ifndef KB_BRAND_H
#define KB_BRAND_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "srv.h"

#define BRAND_DEFAULT_NAME "Help Center"
#define BRAND_NAME_MAX 80
#define BRAND_LINKS_MAX 8
#define BRAND_LABEL_MAX 60
#define BRAND_URL_MAX 500
#define BRAND_CONTACT_MAX 2000
/* Shown 28 px high in the header: 16 KiB is plenty, and keeps the home
 * page under 60 KB on first load (about 44 KB without it). */
#define BRAND_LOGO_MAX (16 * 1024)
#define BRAND_MIN_CONTRAST 4.5

struct srv_brand_link {
    char *label, *url;
};

/* One immutable snapshot. Strings are never NULL ("" when unset). */
struct srv_brand {
    char *name;
    char accent[8], accent_dark[8]; /* "#rrggbb", or "" for the built-in colours */
    struct srv_brand_link links[BRAND_LINKS_MAX];
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
/* Merges the admin's changes (an object of the fields above but logo and
 * accent_dark) into stored (the stored JSON object, modified in place).
 * Returns 0, or KB_EINVAL with err naming the field and the problem. */
int srv_brand_merge(json_t *stored, json_t *changes, struct kb_err *err);

/* Colour helpers, for the checks and the stylesheet: parses "#rrggbb"
 * (returns 0 on success), the WCAG contrast of two colours, and the dark
 * shade of accent (white text at least 7:1 on it) as "#rrggbb". */
int srv_brand_parse_colour(const char *s, unsigned rgb[3]);
double srv_brand_contrast(const unsigned a[3], const unsigned b[3]);
void srv_brand_dark(const unsigned accent[3], char out[8]);

/* Checks a logo upload: content type (PNG, JPEG or SVG), size, that the bytes
 * are what the type says, and that an SVG cannot run script. Returns 0 and
 * the type to store in *type (static), or a KB_E* code (KB_EFORMAT: wrong
 * type; KB_ETOOBIG; KB_EINVAL) with err naming the problem. */
int srv_brand_logo_check(const char *content_type, const void *data, size_t len,
                         const char **type, struct kb_err *err);

#endif
