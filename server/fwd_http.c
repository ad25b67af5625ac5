/* A blocking HTTP/1.1 client, one request per connection ("Connection:
 * close"), enough for kb-server talking to kb-server: the answers it reads
 * carry Content-Length (MHD buffer responses) or end at close. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fwd_http.h"

int fwd_parse_url(const char *url, char *host, size_t hostlen, unsigned *port, struct kb_err *err)
{
    if (strncmp(url, "http://", 7) != 0)
        return kb_err_set(err, KB_EINVAL, "'%s' is not an http://HOST:PORT address", url);
    const char *h = url + 7, *end = h + strcspn(h, "/");
    if (*end == '/' && end[1] != '\0')
        return kb_err_set(err, KB_EINVAL, "'%s' has a path; give only http://HOST:PORT", url);
    const char *colon = NULL;
    for (const char *p = h; p < end; p++)
        if (*p == ':')
            colon = p;
    if (!colon || colon == h)
        return kb_err_set(err, KB_EINVAL, "'%s' needs a host and a port: http://HOST:PORT", url);
    size_t n = (size_t)(colon - h);
    if (h[0] == '[' && n > 2 && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    if (n >= hostlen)
        return kb_err_set(err, KB_EINVAL, "the host in '%s' is too long", url);
    char *pend;
    long p = strtol(colon + 1, &pend, 10);
    if (pend != end || p < 1 || p > 65535)
        return kb_err_set(err, KB_EINVAL, "the port in '%s' must be 1-65535", url);
    memcpy(host, h, n);
    host[n] = '\0';
    *port = (unsigned)p;
    return 0;
}

void fwd_resp_init(struct fwd_resp *r)
{
    r->status = 0;
    kb_buf_init(&r->headers);
    kb_buf_init(&r->body);
}

void fwd_resp_release(struct fwd_resp *r)
{
    kb_buf_release(&r->headers);
    kb_buf_release(&r->body);
}

/* Connects with a deadline: a primary that is down or firewalled must not
 * hold a replica's worker for the kernel's minutes-long connect timeout. */
static int connect_to(const char *host, unsigned port, int timeout_ms, struct kb_err *err)
{
    char ports[16];
    snprintf(ports, sizeof ports, "%u", port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int gai = getaddrinfo(host, ports, &hints, &res);
    if (gai != 0)
        return kb_err_set(err, KB_EIO, "cannot resolve '%s': %s", host, gai_strerror(gai));
    int fd = -1, last_errno = 0;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
            int ok = 0;
            if (errno == EINPROGRESS) {
                struct pollfd pf = {fd, POLLOUT, 0};
                if (poll(&pf, 1, timeout_ms) == 1) {
                    int so = 0;
                    socklen_t sl = sizeof so;
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
                    ok = so == 0;
                    last_errno = so;
                } else {
                    last_errno = ETIMEDOUT;
                }
            } else {
                last_errno = errno;
            }
            if (!ok) {
                close(fd);
                fd = -1;
            }
        }
    }
    freeaddrinfo(res);
    if (fd < 0)
        return kb_err_set(err, KB_EIO, "cannot connect to %s:%u: %s", host, port,
                          strerror(last_errno ? last_errno : ECONNREFUSED));
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Splits the raw answer into status, headers and body. */
static int parse_answer(struct kb_buf *raw, struct fwd_resp *out)
{
    const char *s = kb_buf_str(raw);
    const char *hend = strstr(s, "\r\n\r\n");
    if (!hend || strncmp(s, "HTTP/1.", 7) != 0)
        return -1;
    out->status = atoi(s + 9);
    if (out->status < 100 || out->status > 599)
        return -1;
    const char *line = strstr(s, "\r\n") + 2;
    long long clen = -1;
    while (line < hend + 2) {
        const char *eol = strstr(line, "\r\n");
        if (!eol || eol == line)
            break;
        kb_buf_add(&out->headers, line, (size_t)(eol - line));
        kb_buf_addc(&out->headers, '\n');
        if (strncasecmp(line, "Content-Length:", 15) == 0)
            clen = atoll(line + 15);
        line = eol + 2;
    }
    size_t have = raw->len - (size_t)(hend + 4 - s);
    if (clen >= 0 && (size_t)clen < have)
        have = (size_t)clen;
    if (clen >= 0 && (size_t)clen > have)
        return -1; /* cut short */
    kb_buf_add(&out->body, hend + 4, have);
    return 0;
}

int fwd_request(const char *host, unsigned port, const char *method, const char *path,
                const char *headers, const char *body, size_t body_len, int timeout_ms,
                size_t max_body, struct fwd_resp *out, struct kb_err *err)
{
    int fd = connect_to(host, port, timeout_ms, err);
    if (fd < 0)
        return fd;
    struct kb_buf req = KB_BUF_INIT, raw = KB_BUF_INIT;
    int rc = 0;
    kb_buf_printf(&req, "%s %s HTTP/1.1\r\n", method, path);
    if (!headers || !strcasestr(headers, "Host:"))
        kb_buf_printf(&req, "Host: %s:%u\r\n", host, port);
    if (headers)
        kb_buf_adds(&req, headers);
    kb_buf_printf(&req, "Content-Length: %zu\r\nConnection: close\r\n\r\n", body_len);
    if (send_all(fd, req.data, req.len) != 0 || (body_len && send_all(fd, body, body_len) != 0)) {
        rc = kb_err_set(err, KB_EIO, "cannot send to %s:%u: %s", host, port, strerror(errno));
        goto out;
    }
    char chunk[16384];
    for (;;) {
        ssize_t k = recv(fd, chunk, sizeof chunk, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            rc = kb_err_set(err, KB_EIO, "no answer from %s:%u: %s", host, port,
                            errno == EAGAIN ? "timed out" : strerror(errno));
            goto out;
        }
        if (k == 0)
            break;
        if (raw.len + (size_t)k > max_body + 65536) {
            rc = kb_err_set(err, KB_ETOOBIG, "the answer from %s:%u is over %zu bytes", host,
                            port, max_body);
            goto out;
        }
        kb_buf_add(&raw, chunk, (size_t)k);
    }
    if (parse_answer(&raw, out) != 0)
        rc = kb_err_set(err, KB_EIO, "%s:%u sent an answer that is not HTTP or was cut short", host,
                        port);
out:
    close(fd);
    kb_buf_release(&req);
    kb_buf_release(&raw);
    return rc;
}

const char *fwd_header(const struct fwd_resp *r, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    const char *p = kb_buf_str(&r->headers);
    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ')
                v++;
            size_t vl = (size_t)(p + len - v);
            if (vl >= n)
                vl = n - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
        p += len + (eol ? 1 : 0);
    }
    return NULL;
}
