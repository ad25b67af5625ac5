/* A request as data: its headers, cookies and query arguments as arrays
 * the HTTP adapter (http_mhd.c) fills once, read here without
 * libmicrohttpd, so dispatch and handlers run (and are tested) without a
 * daemon. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "srv.h"

static const char *kv_find(const struct srv_kv *kv, size_t n, const char *name, int nocase)
{
    for (size_t i = 0; name && i < n; i++)
        if (kv[i].name &&
            (nocase ? strcasecmp(kv[i].name, name) : strcmp(kv[i].name, name)) == 0)
            return kv[i].value ? kv[i].value : "";
    return NULL;
}

const char *srv_arg(const struct srv_req *r, const char *name)
{
    return kv_find(r->args, r->nargs, name, 0);
}

const char *srv_header(const struct srv_req *r, const char *name)
{
    return kv_find(r->headers, r->nheaders, name, 1);
}

const char *srv_cookie(const struct srv_req *r, const char *name)
{
    return kv_find(r->cookies, r->ncookies, name, 0);
}

void srv_req_target(const struct srv_req *r, struct kb_buf *out)
{
    srv_url_encode(out, r->path, "/");
    for (size_t i = 0; i < r->nargs; i++) {
        kb_buf_addc(out, i ? '&' : '?');
        srv_url_encode(out, r->args[i].name, NULL);
        if (r->args[i].value) {
            kb_buf_addc(out, '=');
            srv_url_encode(out, r->args[i].value, NULL);
        }
    }
}

void srv_local_base(const struct srv_req *r, struct kb_buf *out)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char addr[INET6_ADDRSTRLEN] = "127.0.0.1";
    unsigned port = 0;
    if (r->fd >= 0 && getsockname(r->fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
            port = ntohs(a->sin_port);
        } else if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
            port = ntohs(a->sin6_port);
        }
    }
    if (port)
        kb_buf_printf(out, strchr(addr, ':') ? "http://[%s]:%u" : "http://%s:%u", addr, port);
    else
        kb_buf_printf(out, "http://%s", addr);
}

/* Appends the value of field name of a form-encoded body to out (decoded);
 * returns 1 when present, -1 when it decodes to something with a NUL. */
int srv_form_get(const struct srv_req *r, const char *name, struct kb_buf *out)
{
    size_t nlen = strlen(name);
    const char *p = r->body, *end = r->body + r->body_len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        const char *eq = memchr(p, '=', (size_t)(stop - p));
        if (eq && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
            kb_buf_reset(out);
            kb_buf_add(out, "", 0);
            for (const char *s = eq + 1; s < stop; s++) {
                if (*s == '+') {
                    kb_buf_addc(out, ' ');
                } else if (*s == '%' && stop - s > 2 && isxdigit((unsigned char)s[1]) &&
                           isxdigit((unsigned char)s[2])) {
                    char hex[3] = {s[1], s[2], 0};
                    kb_buf_addc(out, (char)strtol(hex, NULL, 16));
                    s += 2;
                } else {
                    kb_buf_addc(out, *s);
                }
            }
            return memchr(out->data, 0, out->len) ? -1 : 1;
        }
        p = stop + 1;
    }
    return 0;
}
