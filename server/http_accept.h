/* The listening socket, in front of libmicrohttpd (http_accept.c): each new
 * connection's first request head is read ahead (MSG_PEEK, nothing taken)
 * and checked for what MHD 0.9.75 answers badly or not at all, a request
 * line it cannot parse and a Content-Length that is not a number, and for
 * a cookie flood; those get one well-formed JSON 4xx here. Good connections
 * are handed to MHD, which reads the same bytes. On a TLS listener the
 * bytes are a handshake, not a head: every connection goes to MHD as
 * accepted. */
#ifndef KB_HTTP_ACCEPT_H
#define KB_HTTP_ACCEPT_H

#include <sys/socket.h>

#include "kb/base/err.h"

struct srv_accept;

/* Gives a checked connection to the HTTP server (which owns fd from then
 * on, and closes it even when it refuses it). */
typedef void (*srv_accept_hand)(void *ctx, int fd, const struct sockaddr *addr, socklen_t len);

/* Binds and listens on sa (backlog 1024). NULL with KB_EIO when the address
 * is in use or not allowed. Freed by srv_accept_stop. */
struct srv_accept *srv_accept_listen(const struct sockaddr *sa, socklen_t len,
                                     struct kb_err *err);
/* The bound port (the real one when sa asked for port 0). */
unsigned srv_accept_port(const struct srv_accept *a);
/* How many connections the HTTP server holds now. */
typedef unsigned (*srv_accept_count)(void *ctx);

struct srv_accept_opts {
    srv_accept_hand hand;   /* takes a connection whose head is complete and sound */
    srv_accept_count count; /* its connections, for max_conns */
    void *ctx;              /* for both */
    unsigned idle_timeout;  /* seconds a new connection has to send its head */
    unsigned max_conns;     /* at most this many, ours and the server's: the rest wait
                             * in the backlog, leaving descriptors for the store */
    int max_cookies;        /* a head with more gets 431 */
    int tls;                /* the connections speak TLS: nothing to read ahead, each goes
                             * to the server at once (MHD decrypts and judges the head) */
};

/* Starts the accepting thread (o is copied). Returns 0, or -1 when the
 * thread cannot start. */
int srv_accept_run(struct srv_accept *a, const struct srv_accept_opts *o);
/* Stops accepting, closes the listening socket and every connection not
 * handed over yet, and frees a (NULL allowed). */
void srv_accept_stop(struct srv_accept *a);

#endif
