/* Static files of the web UI from --web-dir, with no way out of the folder:
 * the core decodes the path once, so anything still looking encoded, any
 * dot segment, backslash or control character is refused, and the resolved
 * path (symlinks followed) must stay under the folder's own resolved path. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "pages.h"

#define STATIC_PREFIX "/static/"
#define STATIC_PATH_MAX 1024

static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"ico", "image/x-icon"},
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"json", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"map", "application/json"},
    {"woff2", "font/woff2"},
    {"woff", "font/woff"},
    {"txt", "text/plain; charset=utf-8"},
    {"xml", "application/xml"},
};

static const char *content_type(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    return "application/octet-stream";
}

/* 1 when rel (the part after /static/) is a plain relative path: non-empty
 * segments of printable characters, none starting with '.', no backslash,
 * no '%' (a second encoding layer), not absolute. */
static int rel_ok(const char *rel)
{
    size_t n = strlen(rel);
    if (n == 0 || n > STATIC_PATH_MAX || rel[0] == '/')
        return 0;
    for (const unsigned char *p = (const unsigned char *)rel; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\' || *p == '%')
            return 0;
    for (const char *seg = rel; *seg;) {
        size_t len = strcspn(seg, "/");
        if (len == 0 || seg[0] == '.')
            return 0;
        seg += len;
        if (*seg == '/') {
            seg++;
            if (!*seg)
                return 0; /* a trailing slash names a folder */
        }
    }
    return 1;
}

static void http_date(char *out, size_t n, time_t t)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* 1 when the client's copy (If-None-Match / If-Modified-Since) is current. */
static int not_modified(const struct srv_req *r, const char *etag, time_t mtime)
{
    const char *inm = srv_header(r, "If-None-Match");
    if (inm) {
        if (strcmp(inm, "*") == 0)
            return 1;
        return strstr(inm, etag) != NULL; /* also matches the weak W/"..." form */
    }
    const char *ims = srv_header(r, "If-Modified-Since");
    if (ims) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(ims, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        if (end && *end == '\0')
            return mtime <= timegm(&tm);
    }
    return 0;
}

/* Serves rel from the web folder; every refusal is the same 404 page. */
static void serve(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                  const char *rel)
{
    const char *dir = c->srv->opts.web_dir && *c->srv->opts.web_dir ? c->srv->opts.web_dir
                                                                    : "web";
    char root[PATH_MAX], want[PATH_MAX * 2], real[PATH_MAX];
    int fd = -1;
    char *data = NULL;
    if (!rel_ok(rel))
        goto not_found;
    if (!realpath(dir, root)) {
        kb_log(KB_LOG_WARN, "static: cannot resolve web folder '%s': %s", dir, strerror(errno));
        goto not_found;
    }
    snprintf(want, sizeof want, "%s/%s", root, rel);
    if (!realpath(want, real))
        goto not_found;
    size_t rl = strlen(root);
    /* Symlinks are followed, but the target must still be inside root. */
    if (strncmp(real, root, rl) != 0 || (real[rl] != '/' && !(rl == 1 && root[0] == '/')))
        goto not_found;
    fd = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        goto not_found;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        goto not_found;
    if (sb.st_size > PAGES_STATIC_MAX_BYTES) {
        kb_log(KB_LOG_WARN, "static: '%s' is larger than %d bytes; not served", rel,
               PAGES_STATIC_MAX_BYTES);
        goto not_found;
    }

    char etag[96], lastmod[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx-%lx\"", (unsigned long long)sb.st_size,
             (unsigned long long)sb.st_mtim.tv_sec, (unsigned long)sb.st_mtim.tv_nsec);
    http_date(lastmod, sizeof lastmod, sb.st_mtim.tv_sec);
    tpl_security_headers(w);
    srv_header_add(w, "Cache-Control", "public, max-age=3600");
    /* Everything here is public; other sites load widget.js, possibly with
     * crossorigin="anonymous" and integrity="...". */
    srv_header_add(w, "Access-Control-Allow-Origin", "*");
    srv_header_add(w, "ETag", etag);
    srv_header_add(w, "Last-Modified", lastmod);
    w->type = content_type(real);
    kb_buf_reset(&w->body);
    if (not_modified(r, etag, sb.st_mtim.tv_sec)) {
        w->status = 304;
        close(fd);
        return;
    }

    size_t size = (size_t)sb.st_size, got = 0;
    data = kb_xmalloc(size + 1);
    while (got < size) {
        ssize_t k = read(fd, data + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    close(fd);
    fd = -1;
    data[got] = '\0';
    kb_buf_release(&w->body);
    w->body.data = data;
    w->body.len = got;
    w->body.cap = size + 1;
    w->status = 200;
    return;

not_found:
    if (fd >= 0)
        close(fd);
    free(data);
    tpl_not_found(w, r);
}

void srv_h_static(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *rel = strncmp(r->path, STATIC_PREFIX, strlen(STATIC_PREFIX)) == 0
                          ? r->path + strlen(STATIC_PREFIX)
                          : "";
    serve(c, r, w, rel);
}

void srv_h_favicon(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    serve(c, r, w, "favicon.svg");
}
