/* Images of imported documents (see ingest.h, kb_ingest_media_each): which
 * sources are safe to name, their content types, and reading the files an
 * imported document's HTML refers to. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "kb/base/buf.h"
#include "kb/ingest/ingest.h"

static const struct { const char *ext, *type; } types[] = {
    {".gif", "image/gif"}, {".jpeg", "image/jpeg"}, {".jpg", "image/jpeg"},
    {".png", "image/png"}, {".svg", "image/svg+xml"}, {".webp", "image/webp"},
};

const char *kb_media_type(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcasecmp(dot, types[i].ext) == 0)
            return types[i].type;
    return NULL;
}

int kb_media_src_ok(const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n == 0 || n > 300 || src[0] == '/' || strspn(src, "abcdefghijklmnopqrstuvwxyz"
                                                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789-_./") != n)
        return 0;
    for (const char *p = src; *p; p++) /* no ".." segment, no empty one */
        if ((p == src || p[-1] == '/') && (p[0] == '/' || (p[0] == '.' && p[1] == '.')))
            return 0;
    return 1;
}

/* Whether data looks like the type its name says (magic bytes; SVG: XML). */
static int content_ok(const char *type, const unsigned char *d, size_t n)
{
    if (strcmp(type, "image/png") == 0)
        return n > 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0;
    if (strcmp(type, "image/jpeg") == 0)
        return n > 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
    if (strcmp(type, "image/gif") == 0)
        return n > 6 && (memcmp(d, "GIF87a", 6) == 0 || memcmp(d, "GIF89a", 6) == 0);
    if (strcmp(type, "image/webp") == 0)
        return n > 12 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBP", 4) == 0;
    size_t i = 0;
    while (i < n && (d[i] == ' ' || d[i] == '\n' || d[i] == '\r' || d[i] == '\t'))
        i++;
    return n - i > 5 && (memcmp(d + i, "<?xml", 5) == 0 || memcmp(d + i, "<svg", 4) == 0 ||
                         memcmp(d + i, "<!--", 4) == 0);
}

static char *read_small(const char *path, size_t max, size_t *len, const char **why)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "no such file";
        return NULL;
    }
    if ((size_t)st.st_size > max) {
        *why = "larger than the media limit";
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = "cannot be read";
        return NULL;
    }
    char *data = kb_xmalloc((size_t)st.st_size + 1);
    *len = fread(data, 1, (size_t)st.st_size, f);
    fclose(f);
    return data;
}

int kb_ingest_media_each(const struct kb_doc *d,
                         int (*fn)(void *ud, const char *key, const char *type,
                                   const char *data, size_t len),
                         void (*bad)(void *ud, const char *where, const char *why), void *ud)
{
    if (!d->html || !d->source_path || !d->source_id || !strstr(d->html, "/kb/media/"))
        return 0;
    const char *slash = strrchr(d->source_id, '/');
    size_t prefix = slash ? (size_t)(slash - d->source_id + 1) : 0;
    const char *dslash = strrchr(d->source_path, '/');
    int dirlen = dslash ? (int)(dslash - d->source_path) : 1;
    const char *dir = dslash ? d->source_path : ".";
    int rc = 0;
    for (const char *p = d->html; rc == 0 && (p = strstr(p, "<img src=\"/kb/media/")); ) {
        p += strlen("<img src=\"/kb/media/");
        size_t n = strcspn(p, "\"");
        char *key = kb_xstrndup(p, n);
        p += n;
        const char *type = kb_media_type(key);
        if (n <= prefix || strncmp(key, d->source_id, prefix) != 0 || !type ||
            !kb_media_src_ok(key + prefix)) {
            free(key);
            continue;
        }
        struct kb_buf path = KB_BUF_INIT;
        kb_buf_printf(&path, "%.*s/%s", dirlen, dir, key + prefix);
        const char *why = NULL;
        size_t len = 0;
        char *data = read_small(kb_buf_str(&path), KB_MEDIA_MAX, &len, &why);
        if (data && !content_ok(type, (const unsigned char *)data, len))
            why = "is not the image its name says";
        if (data && !why)
            rc = fn(ud, key, type, data, len);
        else if (bad)
            bad(ud, kb_buf_str(&path), why ? why : "cannot be read");
        free(data);
        free(key);
        kb_buf_release(&path);
    }
    return rc;
}

int kb_media_check_upload(const char *content_type, const void *data, size_t len,
                          const char **type, struct kb_err *err)
{
    static const struct { const char *ct, *type, *name; } ok[] = {
        {"image/png", "image/png", "PNG"}, {"image/jpeg", "image/jpeg", "JPEG"},
        {"image/jpg", "image/jpeg", "JPEG"}, {"image/gif", "image/gif", "GIF"},
        {"image/webp", "image/webp", "WebP"},
    };
    char ct[64];
    size_t n = 0;
    *type = NULL;
    for (const char *p = content_type ? content_type : ""; *p && *p != ';' && n < sizeof ct - 1;
         p++)
        if (!isspace((unsigned char)*p))
            ct[n++] = (char)tolower((unsigned char)*p);
    ct[n] = '\0';
    const char *name = NULL;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strcmp(ct, ok[i].ct) == 0) {
            *type = ok[i].type;
            name = ok[i].name;
        }
    if (!*type)
        return kb_err_set(err, KB_EFORMAT, "an image must be PNG, JPEG, GIF or WebP (Content-Type "
                          "image/png, image/jpeg, image/gif or image/webp), not '%s'%s",
                          n ? ct : "(none)", strcmp(ct, "image/svg+xml") == 0 ?
                          ": SVG images can run script and are not accepted" : "");
    if (len == 0)
        return kb_err_set(err, KB_EINVAL, "the image is empty");
    if (len > KB_MEDIA_MAX)
        return kb_err_set(err, KB_ETOOBIG, "the image is %zu bytes; at most %u bytes (2 MiB) "
                          "are accepted", len, KB_MEDIA_MAX);
    if (!content_ok(*type, data, len)) {
        const char *t = *type;
        *type = NULL;
        return kb_err_set(err, KB_EINVAL, "the file is not a %s image (its bytes do not start "
                          "as %s's do), though Content-Type says %s", name, name, t);
    }
    return 0;
}
