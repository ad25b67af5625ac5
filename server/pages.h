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

/* Whether role may read d (h_pages.c): customers only published public
 * articles, agents every published article, writers and admins all. */
int srv_page_can_read(int role, const struct kb_doc *d);

/* The topics of the English help center (h_topics.c), for names, cards and
 * breadcrumbs: the thread's copy (at most a second old, or until the topics
 * API changes one), borrowed until the next call on c; on a store error the
 * last copy (logged), possibly empty. */
struct kb_topic;
const struct kb_topic *srv_topics(struct srv_ctx *c, size_t *n);
/* Appends the HTML-escaped name of topic slug: its stored name, else the
 * slug humanised ("net-wireless" -> "Net wireless"). */
void srv_topic_name(struct kb_buf *b, const struct kb_topic *list, size_t n, const char *slug);

#endif
