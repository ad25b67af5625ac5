/* The checks of an uploaded logo (see brand.h): PNG, JPEG or SVG only, of a
 * bounded size, bytes matching the type, and no SVG that could run script.
 * SVG logos are also served sandboxed (server/h_brand.c): this refusal is the first
 * of two walls, so a browser opening the file directly still runs nothing. */
#include "kb/store/brand.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/text.h"

static const char *const svg_banned[] = {
    "<script", "javascript:", "vbscript:", "<foreignobject", "<iframe", "<embed", "<object",
    "<!entity", "<!doctype", "<?xml-stylesheet", "data:text/html", "<handler", "<listener",
    "<set ", "<animate", NULL,
};

/* The first " on...=" event handler attribute in s (lowercase), copied into
 * out; 0 when there is none. */
static int event_attr(const char *s, char *out, size_t n)
{
    for (const char *p = s; *p; p++) {
        if (!(isspace((unsigned char)*p) || *p == '/' || *p == '"' || *p == '\''))
            continue;
        if (p[1] != 'o' || p[2] != 'n' || !isalpha((unsigned char)p[3]))
            continue;
        const char *e = p + 3;
        while (isalpha((unsigned char)*e) || *e == '-' || *e == ':')
            e++;
        const char *q = e;
        while (isspace((unsigned char)*q))
            q++;
        if (*q != '=')
            continue;
        size_t len = (size_t)(e - (p + 1));
        if (len >= n - 1)
            len = n - 2;
        memcpy(out, p + 1, len);
        out[len] = '=';
        out[len + 1] = '\0';
        return 1;
    }
    return 0;
}

static int svg_check(const char *data, size_t len, struct kb_err *err)
{
    if (memchr(data, '\0', len) || !kb_utf8_valid(data, len))
        return kb_err_set(err, KB_EINVAL, "the SVG logo is not UTF-8 text");
    char *low = malloc(len + 1);
    if (!low)
        abort();
    for (size_t i = 0; i < len; i++)
        low[i] = (char)tolower((unsigned char)data[i]);
    low[len] = '\0';
    int code = 0;
    char attr[40];
    if (!strstr(low, "<svg")) {
        code = kb_err_set(err, KB_EINVAL, "the logo is not an SVG image (no <svg> element)");
    } else if (event_attr(low, attr, sizeof attr)) {
        code = kb_err_set(err, KB_EINVAL, "the SVG logo contains an event handler ('%s'), "
                                          "which can run script: remove it", attr);
    } else {
        for (size_t i = 0; svg_banned[i]; i++)
            if (strstr(low, svg_banned[i])) {
                code = kb_err_set(err, KB_EINVAL,
                                  "the SVG logo contains '%s', which can run script or load "
                                  "other content: SVG logos must be plain drawings",
                                  svg_banned[i]);
                break;
            }
    }
    free(low);
    return code;
}

int kb_brand_logo_check(const char *content_type, const void *data, size_t len,
                        const char **type, struct kb_err *err)
{
    *type = NULL;
    char ct[64];
    size_t n = 0;
    for (const char *p = content_type ? content_type : ""; *p && *p != ';' && n < sizeof ct - 1;
         p++)
        if (!isspace((unsigned char)*p))
            ct[n++] = (char)tolower((unsigned char)*p);
    ct[n] = '\0';
    const unsigned char *b = data;
    if (!strcmp(ct, "image/png"))
        *type = "image/png";
    else if (!strcmp(ct, "image/jpeg") || !strcmp(ct, "image/jpg"))
        *type = "image/jpeg";
    else if (!strcmp(ct, "image/svg+xml"))
        *type = "image/svg+xml";
    else
        return kb_err_set(err, KB_EFORMAT, "the logo must be PNG, JPEG or SVG (Content-Type "
                                           "image/png, image/jpeg or image/svg+xml), not '%s'",
                          n ? ct : "(none)");
    if (len == 0)
        return kb_err_set(err, KB_EINVAL, "the logo is empty");
    if (len > KB_BRAND_LOGO_MAX)
        return kb_err_set(err, KB_ETOOBIG, "the logo is %zu bytes; at most %d bytes are "
                                           "accepted", len, KB_BRAND_LOGO_MAX);
    if (!strcmp(*type, "image/png") &&
        (len < 8 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) != 0))
        return kb_err_set(err, KB_EINVAL, "the logo is not a PNG image (it does not start "
                                          "with PNG's signature)");
    if (!strcmp(*type, "image/jpeg") && (len < 3 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF))
        return kb_err_set(err, KB_EINVAL, "the logo is not a JPEG image (it does not start "
                                          "with JPEG's marker)");
    if (!strcmp(*type, "image/svg+xml"))
        return svg_check(data, len, err);
    return 0;
}
