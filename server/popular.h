/* Popular and promoted articles for the help center (h_popular.c): the
 * home page's section, the count of an article page's view, and the routes
 * (public list, admins' views and pins). */
#ifndef KB_POPULAR_H
#define KB_POPULAR_H

#include "kb/base/doc.h"
#include "srv.h"

#define POPULAR_COUNT 8

/* Appends the "Popular articles" section for locale and category (NULL =
 * any): the topic's promoted articles, then the most used of the last 30
 * days; public published articles only, whoever asks. Nothing when empty. */
void srv_popular_section(struct srv_ctx *c, struct kb_buf *b, const char *locale,
                         const char *category);
/* Counts r's view of d (shown to r): once per visitor and day, staff apart.
 * Errors are logged; the page is shown anyway. */
void srv_popular_count_view(struct srv_ctx *c, const struct srv_req *r, const struct kb_doc *d);

#endif
