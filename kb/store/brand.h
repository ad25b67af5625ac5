/* The brand's checks: colours (#rrggbb, WCAG contrast, the derived dark
 * shade), the admin's changes merged into the stored brand field by field,
 * and an uploaded logo's checks. What is stored is in site.h; the server
 * shows it (server/brand.h). */
#ifndef KB_BRAND_H
#define KB_BRAND_H

#include <jansson.h>
#include <stddef.h>

#include "kb/base/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_BRAND_NAME_MAX 80
#define KB_BRAND_LINKS_MAX 8
#define KB_BRAND_LABEL_MAX 60
#define KB_BRAND_URL_MAX 500
#define KB_BRAND_CONTACT_MAX 2000
/* Shown 28 px high in the header: 16 KiB is plenty, and keeps the home
 * page under 60 KB on first load (about 44 KB without it). */
#define KB_BRAND_LOGO_MAX (16 * 1024)
#define KB_BRAND_MIN_CONTRAST 4.5

/* Merges the admin's changes (an object of the fields above but logo and
 * accent_dark) into stored (the stored JSON object, modified in place).
 * Returns 0, or KB_EINVAL with err naming the field and the problem. */
int kb_brand_merge(json_t *stored, json_t *changes, struct kb_err *err);

/* Colour helpers, for the checks and the stylesheet: parses "#rrggbb"
 * (returns 0 on success), the WCAG contrast of two colours, and the dark
 * shade of accent (white text at least 7:1 on it) as "#rrggbb". */
int kb_brand_parse_colour(const char *s, unsigned rgb[3]);
double kb_brand_contrast(const unsigned a[3], const unsigned b[3]);
void kb_brand_dark(const unsigned accent[3], char out[8]);

/* Checks a logo upload: content type (PNG, JPEG or SVG), size, that the bytes
 * are what the type says, and that an SVG cannot run script. Returns 0 and
 * the type to store in *type (static), or a KB_E* code (KB_EFORMAT: wrong
 * type; KB_ETOOBIG; KB_EINVAL) with err naming the problem. */
int kb_brand_logo_check(const char *content_type, const void *data, size_t len,
                         const char **type, struct kb_err *err);

#ifdef __cplusplus
}
#endif

#endif
