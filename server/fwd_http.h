/* A small blocking HTTP/1.1 client for one request per connection: how a
 * replica talks to its primary (forwarded writes, store snapshots, health).
 * Plain HTTP on a private network; put TLS in front if the link is not. */
#ifndef KB_FWD_HTTP_H
#define KB_FWD_HTTP_H

#include <stddef.h>

#include "kb/base/buf.h"
#include "kb/base/err.h"

/* "http://HOST:PORT" (an optional trailing "/") into host and port. Returns
 * 0, or fills err naming the problem with url. */
int fwd_parse_url(const char *url, char *host, size_t hostlen, unsigned *port, struct kb_err *err);

struct fwd_resp {
    int status;
    struct kb_buf headers; /* "Name: value\n" lines as received */
    struct kb_buf body;
};
void fwd_resp_init(struct fwd_resp *r);
void fwd_resp_release(struct fwd_resp *r);

/* Sends method path to host:port with the extra "Name: value\r\n" lines in
 * headers (may be NULL; Host is added unless given) and body, and reads the
 * whole answer into out (which the caller inits and releases). timeout_ms
 * bounds connecting and each read or write. Returns 0 when an HTTP answer
 * came back (of any status), KB_EIO with a message naming host:port when the
 * primary could not be reached or answered garbage, KB_ETOOBIG past
 * max_body bytes of answer. */
int fwd_request(const char *host, unsigned port, const char *method, const char *path,
                const char *headers, const char *body, size_t body_len, int timeout_ms,
                size_t max_body, struct fwd_resp *out, struct kb_err *err);

/* The value of header name in r (case-insensitive), copied into out; NULL
 * when absent. */
const char *fwd_header(const struct fwd_resp *r, const char *name, char *out, size_t n);

#endif
