/* Static files for the help center (h_static.c). Their routes sit in
 * srv_routes_pages (h_pages.c). */
#ifndef KB_PAGES_H
#define KB_PAGES_H

#include "srv.h"

#define PAGES_STATIC_MAX_BYTES (16 * 1024 * 1024) /* larger files are not served */

/* GET /static/ *: a file under --web-dir (default "web") with its content
 * type, Cache-Control, ETag and Last-Modified (304 when unchanged). Paths
 * that could leave the folder get the HTML 404 page. */
void srv_h_static(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);
/* GET /favicon.ico: web/favicon.svg, or 404. */
void srv_h_favicon(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w);

#endif
