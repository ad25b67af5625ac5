/* The help center's server-rendered pages: the shared page frame (head,
 * header with the search box, footer), escaping and URL helpers, the security
 * headers every page carries, and short error pages. Used by h_pages.c and
 * h_static.c. */
#ifndef KB_HTML_TPL_H
#define KB_HTML_TPL_H

#include <stddef.h>

#include "locales.h"
#include "srv.h"

#define TPL_PRODUCT "Help Center" /* the default; pages show the admin's (tpl_product) */

/* What the frame needs to know about a page. Every string is borrowed and
 * may be NULL. */
struct tpl_page {
    const char *title;       /* page title; " - Help Center" is appended */
    const char *description; /* <meta name="description"> */
    const char *canonical;   /* URL for <link rel="canonical"> (tpl_canonical) */
    const char *query;       /* prefills the header search box */
    int home;                /* the home page carries its own big search box */
    int noindex;             /* <meta name="robots" content="noindex"> */
};

/* A page's language and its versions in other languages (borrowed). */
struct tpl_lang {
    const char *locale;         /* NULL = the default ("en") */
    const struct tpl_alt *alts; /* hreflang links and the switcher's targets */
    size_t nalts;
};

/* Appends s (NULL = nothing) HTML-escaped for text and attribute values. */
void tpl_esc(struct kb_buf *b, const char *s);
/* Appends s percent-encoded for a URL query component (space as %20). */
void tpl_url_arg(struct kb_buf *b, const char *s);
/* Appends a category's display name ("getting-started" -> "Getting started"),
 * escaped. */
void tpl_category_name(struct kb_buf *b, const char *category);
/* Appends a Unix time as "2024-03-01" (UTC). */
void tpl_date(struct kb_buf *b, long long t);

/* Appends the absolute base URL, without a trailing slash: --public-url when
 * set, else the address and port the connection reached. Never the Host
 * header. For formats that need absolute URLs (sitemap, OpenSearch). */
void tpl_base_url(const struct srv_ctx *c, const struct srv_req *r, struct kb_buf *b);
/* Appends the URL of path (which starts with "/") for <link rel=canonical>:
 * under --public-url when set, else path alone (relative). */
void tpl_canonical(const struct srv_ctx *c, const char *path, struct kb_buf *b);
/* Cache-Control for the sitemap and OpenSearch description (max-age 300 or
 * 3600 from seconds): public only with --public-url. A static string. */
const char *tpl_feed_cache(const struct srv_ctx *c, int seconds);

/* Appends the document head and the page header up to and including the
 * opening <main>. Every page loads /static/help.js (typeahead, click logging,
 * the feedback and contact forms); pages work without it. */
void tpl_begin(struct kb_buf *b, const struct srv_req *r, const struct tpl_page *p);
/* The same for a page in a language (lang NULL = the default's). */
void tpl_begin_in(struct kb_buf *b, const struct srv_req *r, const struct tpl_page *p,
                  const struct tpl_lang *lang);
/* Appends the search form (label, input, button); id_suffix keeps ids unique
 * when a page has two of them. */
void tpl_search_form(struct kb_buf *b, const char *query, const char *id_suffix, int big);
/* The same for the help center of locale (its /xx/search; NULL = default). */
void tpl_search_form_in(struct kb_buf *b, const char *query, const char *id_suffix, int big,
                        const char *locale);
/* Closes <main> and appends the footer (the brand's links) and the end of the
 * document. */
void tpl_end(struct kb_buf *b);
/* The same with the language switcher marking lang's locale and linking its
 * other versions (lang NULL: the switcher links each help center's home). */
void tpl_end_in(struct kb_buf *b, const struct tpl_lang *lang);
/* Appends the help center's name (the admin's brand, else "Help Center"),
 * escaped. */
void tpl_product(struct kb_buf *b);

/* Adds Content-Security-Policy, Referrer-Policy and X-Frame-Options to w
 * (the core adds X-Content-Type-Options: nosniff to every response). */
void tpl_security_headers(struct srv_resp *w);
/* Sends b as an HTML page with the security headers; takes b's contents.
 * Pages shown to signed-in staff are marked private and uncacheable. */
void tpl_send(struct srv_resp *w, const struct srv_req *r, int status, struct kb_buf *b);
/* Sends a short complete error page ("Page not found", ...). msg is plain
 * text and is escaped. */
void tpl_error(struct srv_resp *w, const struct srv_req *r, int status, const char *title,
               const char *msg);
/* The one 404 page: identical for a missing, internal, draft or archived
 * article, so none of them can be told apart. */
void tpl_not_found(struct srv_resp *w, const struct srv_req *r);
/* Sends a redirect (301, 302 or 303) to location (a path or absolute URL). */
void tpl_redirect(struct srv_resp *w, const struct srv_req *r, int status, const char *location);

#endif
