/* The brand's checks, for what the store keeps of it (site.h, key "brand"):
 * colours (#rrggbb, WCAG contrast, the derived dark shade) and the admin's
 * changes merged field by field (see server/brand.h for who uses them). */
#include "kb/store/brand.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kb/base/text.h"

/* ---- colours ---- */

int kb_brand_parse_colour(const char *s, unsigned rgb[3])
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

double kb_brand_contrast(const unsigned a[3], const unsigned b[3])
{
    double la = luminance(a), lb = luminance(b);
    return la > lb ? (la + 0.05) / (lb + 0.05) : (lb + 0.05) / (la + 0.05);
}

void kb_brand_dark(const unsigned accent[3], char out[8])
{
    static const unsigned white[3] = {255, 255, 255};
    unsigned d[3] = {accent[0], accent[1], accent[2]};
    /* At least a third darker, then on until white text reaches 7:1 (AAA). */
    for (int step = 0; step < 40; step++) {
        if (step >= 4 && kb_brand_contrast(d, white) >= 7.0)
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
    if (!u || !*u || strlen(u) > KB_BRAND_URL_MAX)
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
    if (!s || kb_brand_parse_colour(s, rgb) != 0)
        return kb_err_set(err, KB_EINVAL, "accent must be a colour written #rrggbb, e.g. "
                                          "#0f766e");
    double c = kb_brand_contrast(rgb, white);
    if (c < KB_BRAND_MIN_CONTRAST)
        return kb_err_set(err, KB_EINVAL,
                          "accent '%s' has a contrast of %.1f:1 with white text (buttons) and "
                          "a white page (links); at least %.1f:1 is needed: choose a darker "
                          "colour", s, floor(c * 10) / 10, KB_BRAND_MIN_CONTRAST);
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
    if (!json_is_array(v) || json_array_size(v) > KB_BRAND_LINKS_MAX)
        return kb_err_set(err, KB_EINVAL, "footer_links must be an array of at most %d "
                                          "{\"label\", \"url\"} objects", KB_BRAND_LINKS_MAX);
    json_t *out = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(v, i, l) {
        const char *label = json_string_value(json_object_get(l, "label"));
        const char *url = json_string_value(json_object_get(l, "url"));
        int bad = 0;
        if (!json_is_object(l) || json_object_size(l) != 2)
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu] must be {\"label\", \"url\"}", i);
        else if (!label || !*label || strlen(label) > KB_BRAND_LABEL_MAX || !text_ok(label) ||
                 !kb_utf8_valid(label, strlen(label)))
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu].label must be 1 to %d bytes of "
                                             "text", i, KB_BRAND_LABEL_MAX);
        else if (!url_ok(url))
            bad = kb_err_set(err, KB_EINVAL, "footer_links[%zu].url must start with https://, "
                                             "http:// or / (at most %d bytes, no spaces or "
                                             "quotes)", i, KB_BRAND_URL_MAX);
        if (bad) {
            json_decref(out);
            return bad;
        }
        json_array_append_new(out, json_pack("{s:s, s:s}", "label", label, "url", url));
    }
    json_object_set_new(stored, "footer_links", out);
    return 0;
}

int kb_brand_merge(json_t *stored, json_t *changes, struct kb_err *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(changes, key, v) {
        int rc;
        if (!strcmp(key, "name"))
            rc = set_text(stored, v, "name", 1, KB_BRAND_NAME_MAX, err);
        else if (!strcmp(key, "contact_text"))
            rc = set_text(stored, v, "contact_text", 0, KB_BRAND_CONTACT_MAX, err);
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
