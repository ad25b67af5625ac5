/* A request as data: its headers, cookies and query arguments as arrays
 * the HTTP adapter (http_mhd.c) fills once, read here without
 * libmicrohttpd, so dispatch and handlers run (and are tested) without a
 * daemon. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
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
