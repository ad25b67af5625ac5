/* Dispatch of one request to its handler, with every check before it (see
 * dispatch.c). No libmicrohttpd here. */
#ifndef SRV_DISPATCH_H
#define SRV_DISPATCH_H

#include "srv.h"

/* What the adapter needs back besides the response. */
struct srv_dispatch_out {
    int cors;          /* answer with Access-Control-Allow-Origin: * */
    const char *route; /* the matched route's pattern (metrics), or NULL */
    int staff;         /* the caller was authenticated as agent or above */
};

/* Answers r into w (initialised by the caller, status 200 and empty).
 * r's method, path, body, client, args, headers, cookies and fd must be
 * filled; its route captures and identity are filled here. */
void srv_dispatch(struct srv *s, struct srv_req *r, struct srv_resp *w,
                  struct srv_dispatch_out *out);

/* For a route whose body may be large (an upload): whether the request
 * may send it, judged on its head alone (r's method, path, client, headers
 * and cookies), so that nobody who may not use the route makes the server
 * read and hold megabytes first. 0: go on; otherwise w holds the 401 or 403
 * that srv_dispatch would have answered after the body. A replica's
 * forwarded writes are judged by its primary, so it lets them through. */
int srv_dispatch_head(struct srv *s, const struct srv_req *r, struct srv_resp *w);

#endif
