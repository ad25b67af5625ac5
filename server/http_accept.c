/* The listening socket in front of libmicrohttpd. MHD 0.9.75 answers a few
 * malformed requests itself, before any callback of ours runs, and badly:
 * a Content-Length that is not a number (400) or too large for 64 bits
 * (413) gets its header block written twice, the second copy inside the
 * body; a request line without spaces gets no answer at all; a cookie
 * flood past its per-connection memory gets the doubled 431. No option
 * changes that, so one thread accepts every connection, reads its first
 * request head ahead with MSG_PEEK (taking nothing), answers those cases
 * with one well-formed JSON error, and hands every other connection to MHD
 * (MHD_add_connection via the hand callback), which then reads the same
 * bytes as if it had accepted the connection itself. Later requests on a
 * kept-alive connection are not read ahead: a client that sends a good
 * first request and a malformed second one gets MHD's answer. On a TLS
 * listener (--tls-cert) the first bytes are a TLS handshake that only MHD
 * can decrypt, so connections are handed over as accepted and MHD answers
 * those malformed heads itself. */
#include "http_accept.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "kb/base/log.h"
#include "srv.h"

#define PEEK_MAX 65536      /* a head not complete within this goes to MHD unchecked */
#define PENDING_MAX 4096    /* more connections waiting for their head go straight to MHD */
#define LINGER_MS 2000      /* after an answer here, how long to drain what the client sends */
#define LISTEN_BACKLOG 1024
#define TICK_MS 250

enum { WAITING_HEAD, CLOSING };

struct pending {
    int fd;
    int state;
    long long deadline; /* monotonic ms */
    struct sockaddr_storage addr;
    socklen_t len;
    struct pending *prev, *next;
};

struct srv_accept {
    int lfd, ep, stop_fd;
    unsigned port;
    pthread_t thread;
    int running;
    struct srv_accept_opts o;
    long long idle_ms;
    long long paused_until; /* at the connection limit or out of descriptors: resume then */
    int out_of_fds;
    struct pending *list;
    size_t n;
    char buf[PEEK_MAX];
};

static char listen_tag, stop_tag; /* epoll data for the two sockets that are not connections */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct srv_accept *srv_accept_listen(const struct sockaddr *sa, socklen_t len, struct kb_err *err)
{
    int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int on = 1;
    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
        (sa->sa_family == AF_INET6 &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on) != 0) ||
        bind(fd, sa, len) != 0 || listen(fd, LISTEN_BACKLOG) != 0 ||
        getsockname(fd, (struct sockaddr *)&bound, &bl) != 0) {
        kb_err_set(err, KB_EIO, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    struct srv_accept *a = kb_xcalloc(1, sizeof *a);
    a->lfd = fd;
    a->ep = a->stop_fd = -1;
    a->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                 : ((struct sockaddr_in *)&bound)->sin_port);
    return a;
}

unsigned srv_accept_port(const struct srv_accept *a)
{
    return a->port;
}

/* ---- the connections waiting for their head -------------------------------- */

static void unlink_pending(struct srv_accept *a, struct pending *p)
{
    epoll_ctl(a->ep, EPOLL_CTL_DEL, p->fd, NULL);
    if (p->prev)
        p->prev->next = p->next;
    else
        a->list = p->next;
    if (p->next)
        p->next->prev = p->prev;
    a->n--;
}

static void drop(struct srv_accept *a, struct pending *p)
{
    unlink_pending(a, p);
    if (a->paused_until > 0 && !a->out_of_fds)
        a->paused_until = 1; /* a place is free: accept again at once */
    close(p->fd);
    free(p);
}

static void hand_over(struct srv_accept *a, struct pending *p)
{
    unlink_pending(a, p);
    if (a->paused_until > 0 && !a->out_of_fds)
        a->paused_until = 1;
    a->o.hand(a->o.ctx, p->fd, (const struct sockaddr *)&p->addr, p->len);
    free(p);
}

/* ---- judging a head ------------------------------------------------------------ */

enum verdict { WAIT, SOUND, BAD };

struct judgement {
    size_t head_len; /* bytes up to and including the blank line */
    int status;
    const char *code, *message;
};

static int token_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("\"(),/:;<=>?@[\\]{}", c);
}

static enum verdict bad(struct judgement *j, int status, const char *code, const char *message)
{
    j->status = status;
    j->code = code;
    j->message = message;
    return BAD;
}

/* The request line: METHOD SP target SP HTTP/x.y, no control characters. */
static int line_sound(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && token_char((unsigned char)s[i]))
        i++;
    if (i == 0 || i == n || s[i] != ' ')
        return 0;
    size_t t = ++i;
    while (i < n && s[i] != ' ')
        i++;
    if (i == t || i == n || n - i - 1 < 5 || strncmp(s + i + 1, "HTTP/", 5) != 0)
        return 0;
    for (size_t k = 0; k < n; k++)
        if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
            return 0;
    return 1;
}

/* A Content-Length value: 0 sound, 400 not a number, 413 over 64 bits. */
static int length_status(const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (!n)
        return 400;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 400;
    while (n > 1 && *v == '0') {
        v++;
        n--;
    }
    return n > 19 || (n == 19 && strncmp(v, "9223372036854775807", 19) > 0) ? 413 : 0;
}

static size_t cookies_in(const char *v, size_t n)
{
    size_t count = 0, i = 0;
    while (i < n) {
        while (i < n && (v[i] == ' ' || v[i] == ';'))
            i++;
        if (i < n)
            count++;
        while (i < n && v[i] != ';')
            i++;
    }
    return count;
}

static enum verdict judge(const char *buf, size_t n, int max_cookies, struct judgement *j)
{
    size_t i = 0, cookies = 0;
    while (i < n && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    const char *nl = memchr(buf + i, '\n', n - i);
    if (!nl)
        return WAIT;
    size_t e = (size_t)(nl - buf), le = e;
    if (le > i && buf[le - 1] == '\r')
        le--;
    if (!line_sound(buf + i, le - i))
        return bad(j, 400, "bad_request",
                   "the request line must be a method, a target and the protocol version");
    for (i = e + 1; i < n;) {
        nl = memchr(buf + i, '\n', n - i);
        if (!nl) {
            /* A Cookie line longer than we read ahead may already show a flood. */
            if (n - i > 7 && strncasecmp(buf + i, "Cookie:", 7) == 0 &&
                cookies + cookies_in(buf + i + 7, n - i - 7) > (size_t)max_cookies)
                return bad(j, 431, "headers_too_large", "the request has too many cookies");
            return WAIT;
        }
        e = (size_t)(nl - buf);
        le = e > i && buf[e - 1] == '\r' ? e - 1 : e;
        if (le == i) {
            j->head_len = e + 1;
            return SOUND;
        }
        const char *colon = memchr(buf + i, ':', le - i);
        if (colon) {
            size_t name = (size_t)(colon - (buf + i)), vn = le - (size_t)(colon + 1 - buf);
            if (name == 14 && strncasecmp(buf + i, "Content-Length", 14) == 0) {
                int st = length_status(colon + 1, vn);
                if (st == 400)
                    return bad(j, 400, "bad_request", "the Content-Length header is not a number");
                if (st == 413)
                    return bad(j, 413, "too_large", "the Content-Length header is over 2^63");
            } else if (name == 6 && strncasecmp(buf + i, "Cookie", 6) == 0) {
                cookies += cookies_in(colon + 1, vn);
                if (cookies > (size_t)max_cookies)
                    return bad(j, 431, "headers_too_large", "the request has too many cookies");
            }
        }
        i = e + 1;
    }
    return WAIT;
}

static const char *reason(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    default: return "Error";
    }
}

/* Answers a bad head: takes the head off the socket (so that closing it
 * does not reset the connection under the answer), sends one JSON error,
 * ends the write side and drains what the client still sends for a while. */
static void answer(struct srv_accept *a, struct pending *p, size_t head_len,
                   const struct judgement *j)
{
    char head[256];
    struct srv_resp w;
    srv_resp_init(&w);
    srv_error(&w, j->status, j->code, "%s", j->message);
    int hn = snprintf(head, sizeof head,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                      "X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n",
                      j->status, reason(j->status), w.body.len);
    if (head_len && recv(p->fd, a->buf, head_len < PEEK_MAX ? head_len : PEEK_MAX, 0) < 0)
        kb_log(KB_LOG_DEBUG, "http: reading a refused head: %s", strerror(errno));
    if (send(p->fd, head, (size_t)hn, MSG_NOSIGNAL | MSG_MORE) == hn)
        send(p->fd, kb_buf_str(&w.body), w.body.len, MSG_NOSIGNAL);
    shutdown(p->fd, SHUT_WR);
    srv_resp_release(&w);
    kb_log(KB_LOG_DEBUG, "http: refused a request before the server: %d %s", j->status,
           j->message);
    p->state = CLOSING;
    p->deadline = now_ms() + LINGER_MS;
}

static void on_readable(struct srv_accept *a, struct pending *p)
{
    if (p->state == CLOSING) {
        for (;;) {
            ssize_t got = recv(p->fd, a->buf, sizeof a->buf, 0);
            if (got > 0)
                continue;
            if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return;
            drop(a, p);
            return;
        }
    }
    ssize_t got = recv(p->fd, a->buf, sizeof a->buf, MSG_PEEK);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;
    if (got <= 0) {
        drop(a, p); /* closed before sending a request */
        return;
    }
    struct judgement j = {0, 0, NULL, NULL};
    switch (judge(a->buf, (size_t)got, a->o.max_cookies, &j)) {
    case WAIT:
        if ((size_t)got == sizeof a->buf)
            hand_over(a, p); /* too long to read ahead: MHD and the handler judge it */
        return;
    case SOUND:
        hand_over(a, p);
        return;
    case BAD:
        answer(a, p, j.head_len ? j.head_len : (size_t)got, &j);
        return;
    }
}

/* ---- the thread ---------------------------------------------------------------- */

static void pause_accepting(struct srv_accept *a, int ms, int out_of_fds)
{
    a->paused_until = now_ms() + ms;
    a->out_of_fds = out_of_fds;
    epoll_ctl(a->ep, EPOLL_CTL_DEL, a->lfd, NULL);
}

static void accept_all(struct srv_accept *a)
{
    unsigned held = a->o.count(a->o.ctx);
    for (;; held++) {
        if (held + a->n >= a->o.max_conns) {
            pause_accepting(a, 10, 0); /* the rest wait in the backlog */
            return;
        }
        struct pending *p = kb_xcalloc(1, sizeof *p);
        p->len = sizeof p->addr;
        p->fd = accept4(a->lfd, (struct sockaddr *)&p->addr, &p->len,
                        SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (p->fd < 0) {
            int e = errno;
            free(p);
            if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
                kb_log(KB_LOG_WARN, "http: cannot accept a connection: %s", strerror(e));
                pause_accepting(a, 100, 1);
            }
            return;
        }
        if (a->o.tls || a->n >= PENDING_MAX) {
            a->o.hand(a->o.ctx, p->fd, (const struct sockaddr *)&p->addr, p->len);
            free(p);
            continue;
        }
        p->state = WAITING_HEAD;
        p->deadline = now_ms() + a->idle_ms;
        p->next = a->list;
        if (a->list)
            a->list->prev = p;
        a->list = p;
        a->n++;
        /* Edge-triggered: reading ahead leaves the bytes there, so only new
         * bytes (or the end) wake us again. Data already there is reported. */
        struct epoll_event ev = {EPOLLIN | EPOLLRDHUP | EPOLLET, {.ptr = p}};
        if (epoll_ctl(a->ep, EPOLL_CTL_ADD, p->fd, &ev) != 0) {
            a->list = p->next;
            if (a->list)
                a->list->prev = NULL;
            a->n--;
            a->o.hand(a->o.ctx, p->fd, (const struct sockaddr *)&p->addr, p->len);
            free(p);
        }
    }
}

static void *accept_main(void *arg)
{
    struct srv_accept *a = arg;
    struct epoll_event evs[64];
    for (;;) {
        long long wait = TICK_MS;
        if (a->paused_until) {
            wait = a->paused_until - now_ms();
            wait = wait < 1 ? 1 : wait > TICK_MS ? TICK_MS : wait;
        }
        int n = epoll_wait(a->ep, evs, 64, (int)wait);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.ptr == &stop_tag)
                return NULL;
            if (evs[i].data.ptr == &listen_tag)
                accept_all(a);
            else
                on_readable(a, evs[i].data.ptr);
        }
        long long now = now_ms();
        if (a->paused_until && now >= a->paused_until) {
            /* Level-triggered: connections waiting in the backlog wake us. */
            a->paused_until = 0;
            a->out_of_fds = 0;
            struct epoll_event ev = {EPOLLIN, {.ptr = &listen_tag}};
            epoll_ctl(a->ep, EPOLL_CTL_ADD, a->lfd, &ev);
        }
        /* Too slow to send a head (as MHD's own idle timeout would), or
         * done draining after an answer. */
        for (struct pending *p = a->list, *next; p; p = next) {
            next = p->next;
            if (now < p->deadline)
                continue;
            /* Take what it sent, so that closing ends the connection (FIN)
             * instead of resetting it. */
            while (p->state == WAITING_HEAD && recv(p->fd, a->buf, sizeof a->buf, 0) > 0)
                ;
            drop(a, p);
        }
    }
}

int srv_accept_run(struct srv_accept *a, const struct srv_accept_opts *o)
{
    a->o = *o;
    a->idle_ms = (long long)o->idle_timeout * 1000;
    a->ep = epoll_create1(EPOLL_CLOEXEC);
    a->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event le = {EPOLLIN, {.ptr = &listen_tag}};
    struct epoll_event se = {EPOLLIN, {.ptr = &stop_tag}};
    if (a->ep < 0 || a->stop_fd < 0 || epoll_ctl(a->ep, EPOLL_CTL_ADD, a->lfd, &le) != 0 ||
        epoll_ctl(a->ep, EPOLL_CTL_ADD, a->stop_fd, &se) != 0 ||
        pthread_create(&a->thread, NULL, accept_main, a) != 0)
        return -1;
    a->running = 1;
    return 0;
}

void srv_accept_stop(struct srv_accept *a)
{
    if (!a)
        return;
    if (a->running) {
        uint64_t one = 1;
        if (write(a->stop_fd, &one, sizeof one) != sizeof one)
            kb_log(KB_LOG_WARN, "http: cannot stop the accepting thread: %s", strerror(errno));
        pthread_join(a->thread, NULL);
    }
    while (a->list)
        drop(a, a->list);
    close(a->lfd);
    if (a->ep >= 0)
        close(a->ep);
    if (a->stop_fd >= 0)
        close(a->stop_fd);
    free(a);
}
