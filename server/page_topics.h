/* Topics on the help center's pages (page_topics.c): the home page's topic
 * cards, a category page's sections, an article's breadcrumb and its
 * "Articles in this section" sidebar. Counts and lists come from searches
 * run with the reader's role: a customer's hold public published articles
 * only. */
#ifndef KB_PAGE_TOPICS_H
#define KB_PAGE_TOPICS_H

#include "kb/base/buf.h"
#include "kb/base/doc.h"
#include "kb/store/topic_store.h"
#include "srv.h"

/* Home: one card per category (name, icon, description, articles in it and
 * its sections), by position; article categories no topic names follow,
 * humanised. Nothing when no topic has a public article. */
void page_topic_cards(struct srv_ctx *c, struct srv_resp *w, struct kb_buf *b);

/* The locale whose articles the calls below count and list, for the page
 * this thread builds (NULL: every locale); the page sets it and resets it. */
void page_topics_locale(const char *locale);

/* keep[i] = 1 for each topic of list with a public published article in it
 * or below it: what customers may see listed (the others are staff's or
 * empty). */
void page_topics_visible(struct srv_ctx *c, struct srv_resp *w, const struct kb_topic *list,
                         size_t n, char *keep);

/* The breadcrumb items (li) for an article or listing in topic slug: its
 * category, then its section. */
void page_topic_crumbs(struct kb_buf *b, const struct kb_topic *list, size_t n, const char *slug);

/* A category page's head: the topic's description and, for a category, its
 * sections, each with up to a few of its articles the reader may see. */
void page_topic_sections(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                         struct kb_buf *b, const struct kb_topic *list, size_t n,
                         const char *slug);

/* The article's sidebar: other articles of its section the reader may see. */
void page_topic_sidebar(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                        struct kb_buf *b, const struct kb_doc *d);

/* Whether article d is only the page of a topic (a Mallard guide page: its
 * page id names a guide topic): not an article to list as popular. */
int page_is_topic_page(struct srv_ctx *c, const struct kb_doc *d);

/* Whether article d is only the page of a topic; then fills to with the
 * topic's page. */
int page_topic_redirect(struct srv_ctx *c, const struct kb_doc *d, struct kb_buf *to);

#endif
