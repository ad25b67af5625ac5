/* The real HTTP path: kb-server's libmicrohttpd daemon (http_mhd.c), its
 * index thread and every handler, started once in-process on a loopback
 * port over a scratch knowledge base. Each input is sent as raw bytes on a
 * new connection ("@TOKEN@" and "@SESSION@" become a real admin token and
 * session id), the write side is shut, and the reply read to the end.
 * Slower than the in-process targets (a few hundred inputs a second) but it
 * covers what they stand in for: MHD's parsing, dispatch(), the UTF-8 and
 * size checks, CSRF, the rate limiter and the response headers. Every 64
 * inputs the server must still answer GET /healthz. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fuzz_common.h"
#include "kb/base/log.h"
#include "server/http.h"
#include "server/srv.h"
#include "server/sync_thread.h"

static struct srv the_srv;
static struct fuzz_kb kb;
static unsigned port;
static struct srv_http *http; /* runs until the process exits */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct kb_err err;
    signal(SIGPIPE, SIG_IGN);
    fuzz_kb_build(&kb);
    kb_log_level = KB_LOG_ERROR + 1;
    struct srv_opts *o = &the_srv.opts;
    o->data = kb.data;
    o->listen_host = "127.0.0.1";
    o->port = 0;
    o->threads = 2;
    o->max_body = 64 * 1024;
    o->rate_limit = 0;
    o->idle_timeout = 1;
    static char web[4096];
    snprintf(web, sizeof web, "%s/web", kb.root);
    o->web_dir = web;
    snprintf(the_srv.store_path, sizeof the_srv.store_path, "%s", kb.store_path);
    snprintf(the_srv.index_dir, sizeof the_srv.index_dir, "%s", kb.index_dir);
    the_srv.started = time(NULL);
    pthread_mutex_init(&the_srv.sync_mu, NULL);
    pthread_cond_init(&the_srv.sync_cv, NULL);
    if (srv_sync_start(&the_srv) != 0)
        fuzz_fail("cannot start the index thread");
    http = srv_http_start(&the_srv, &err);
    if (!http)
        fuzz_fail("cannot start the server: %s", err.msg);
    port = srv_http_port(http);
    return 0;
}

/* 1 when out (n bytes) holds a whole first response: headers and, after
 * them, Content-Length bytes (none for HEAD, 1xx, 204 and 304). A reply to
 * a keep-alive request does not end with the connection, so waiting for
 * EOF would cost the idle timeout. */
static int reply_complete(const char *req, size_t rlen, const char *out, size_t n)
{
    const char *end = memmem(out, n, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - out) + 4;
    int status = n > 12 ? atoi(out + 9) : 0;
    if ((rlen >= 5 && memcmp(req, "HEAD ", 5) == 0) || status / 100 == 1 || status == 204 ||
        status == 304)
        return 1;
    const char *cl = memmem(out, head, "\r\nContent-Length:", 17);
    if (!cl)
        return 0; /* chunked or until close */
    return n - head >= (size_t)strtoul(cl + 17, NULL, 10);
}

/* 1 when the server can answer req: its header block ends and as many body
 * bytes follow as a Content-Length asks for. For anything else MHD waits
 * for more until the idle timeout, even after the client's FIN, so the
 * client does not wait for a reply. */
static int request_complete(const char *req, size_t len)
{
    const char *end = memmem(req, len, "\r\n\r\n", 4);
    size_t head = end ? (size_t)(end - req) + 4 : 0;
    if (!end) {
        end = memmem(req, len, "\n\n", 2);
        head = end ? (size_t)(end - req) + 2 : 0;
    }
    if (!end)
        return 0;
    const char *cl = memmem(req, head, "Content-Length:", 15);
    return !cl || len - head >= (size_t)strtoul(cl + 15, NULL, 10);
}

/* Sends req, shuts the write side, reads the reply into out (up to cap - 1
 * bytes, NUL-terminated) for up to wait_s seconds. Returns the bytes read,
 * -1 on a socket error, or -2 when the reply did not end in time. */
static ssize_t exchange(const char *req, size_t len, char *out, size_t cap, int wait_s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        fuzz_fail("socket: %s", strerror(errno));
    struct timeval tv = {wait_s, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        /* libFuzzer's SIGALRM may interrupt it; the connection goes on. */
        int e = errno, soerr = 0;
        socklen_t sl = sizeof soerr;
        struct pollfd p = {fd, POLLOUT, 0};
        if (e == EINTR) {
            while (poll(&p, 1, wait_s * 1000) < 0 && errno == EINTR)
                ;
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0)
                e = 0;
            else
                e = soerr ? soerr : ETIMEDOUT;
        }
        if (e)
            fuzz_fail("the server refuses connections: %s", strerror(e));
    }
    size_t sent = 0;
    while (sent < len) {
        ssize_t w = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            break; /* the server may close early on a bad request */
        sent += (size_t)w;
    }
    shutdown(fd, SHUT_WR);
    size_t got = 0;
    ssize_t ret = 0;
    while (got < cap - 1 && request_complete(req, len)) {
        ssize_t r = recv(fd, out + got, cap - 1 - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            ret = errno == EAGAIN || errno == EWOULDBLOCK ? -2 : -1;
            break;
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (reply_complete(req, len, out, got))
            break;
    }
    out[got] = '\0';
    close(fd);
    return ret ? ret : (ssize_t)got;
}

static void check_alive(void)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    static char reply[65536];
    ssize_t n = exchange(req, sizeof req - 1, reply, sizeof reply, 20);
    if (n <= 0 || strncmp(reply, "HTTP/1.1 200", 12) != 0)
        fuzz_fail("the server stopped answering /healthz (%zd): %.200s", n, n > 0 ? reply : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char reply[256 * 1024];
    static unsigned long runs;
    if (size > 96 * 1024)
        return 0;
    size_t len;
    char *req = fuzz_kb_subst(&kb, (const char *)data, size, &len);
    ssize_t n = exchange(req, len, reply, sizeof reply, 5);
    free(req);
    if (n > 0 && strncmp(reply, "HTTP/1.", 7) != 0)
        fuzz_fail("a reply that is not HTTP: %.100s", reply);
    if (n > 0 && strstr(reply, "HTTP/1.1 500 ") == reply)
        fuzz_fail("500 for client input: %.300s", reply);
    if (++runs % 64 == 0)
        check_alive();
    return 0;
}
