/* Starting and stopping the HTTP listener (http_mhd.c). */
#ifndef KB_HTTP_H
#define KB_HTTP_H

#include "srv.h"

struct srv_http;

/* Listens on s->opts.listen_host:port with a pool of s->opts.threads. */
struct srv_http *srv_http_start(struct srv *s, struct kb_err *err);
/* The bound port (useful with port 0). */
unsigned srv_http_port(const struct srv_http *h);
/* Stops accepting, waits up to grace_ms for in-flight requests, closes. */
void srv_http_stop(struct srv_http *h, int grace_ms);

#endif
