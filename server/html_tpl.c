/* The page frame and helpers of the server-rendered help center. Everything
 * that comes from a request or the store is escaped with kb_buf_add_html. */
#include "html_tpl.h"

#include <ctype.h>
#include <string.h>
#include <time.h>

#include "brand.h"
#include "kb/search/search.h"

#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; " \
            "script-src 'self'; frame-ancestors 'none'"

void tpl_esc(struct kb_buf *b, const char *s)
{
    if (s)
        kb_buf_add_html(b, s, strlen(s));
}

void tpl_url_arg(struct kb_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            kb_buf_addc(b, (char)*p);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            kb_buf_add(b, e, 3);
        }
    }
}

void tpl_category_name(struct kb_buf *b, const char *category)
{
    if (!category || !*category) {
        kb_buf_adds(b, "General");
        return;
    }
    struct kb_buf t = KB_BUF_INIT;
    for (const char *p = category; *p; p++) {
        char ch = *p == '-' || *p == '_' ? ' ' : *p;
        if (p == category && ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 'a' + 'A');
        kb_buf_addc(&t, ch);
    }
    kb_buf_add_html(b, t.data, t.len);
    kb_buf_release(&t);
}

void tpl_date(struct kb_buf *b, long long t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];
    if (t <= 0 || !gmtime_r(&tt, &tm) || !strftime(s, sizeof s, "%Y-%m-%d", &tm))
        return;
    kb_buf_adds(b, s);
}

void tpl_base_url(const struct srv_ctx *c, const struct srv_req *r, struct kb_buf *b)
{
    const char *pub = c->srv->opts.public_url;
    if (pub && *pub) {
        size_t n = strlen(pub);
        while (n && pub[n - 1] == '/')
            n--;
        kb_buf_add(b, pub, n);
        return;
    }
    /* Never the Host header: a stranger's would end up in sitemaps and
     * OpenSearch descriptions that caches and search engines keep. */
    srv_local_base(r, b);
}

void tpl_canonical(const struct srv_ctx *c, const char *path, struct kb_buf *b)
{
    const char *pub = c->srv->opts.public_url;
    if (pub && *pub) {
        size_t n = strlen(pub);
        while (n && pub[n - 1] == '/')
            n--;
        kb_buf_add(b, pub, n);
    }
    kb_buf_adds(b, path);
}

const char *tpl_feed_cache(const struct srv_ctx *c, int seconds)
{
    /* A feed naming the listening address is right for whoever reached
     * that address, not for a shared cache in front of a public name. */
    const char *pub = c->srv->opts.public_url;
    if (pub && *pub)
        return seconds >= 3600 ? "public, max-age=3600" : "public, max-age=300";
    return seconds >= 3600 ? "private, max-age=3600" : "private, max-age=300";
}

void tpl_search_form(struct kb_buf *b, const char *query, const char *id_suffix, int big)
{
    tpl_search_form_in(b, query, id_suffix, big, NULL);
}

/* The page's locale when it is one of the help centers' (else NULL). */
static const char *page_locale(const char *locale)
{
    return locale && strcmp(locale, SRV_LOCALE_DEFAULT) != 0 && srv_locale_known(locale)
               ? locale : NULL;
}

void tpl_search_form_in(struct kb_buf *b, const char *query, const char *id_suffix, int big,
                        const char *locale)
{
    const char *sfx = id_suffix ? id_suffix : "";
    const char *loc = page_locale(locale);
    kb_buf_printf(b, "<form class=\"search%s\" role=\"search\" action=\"%s%s%s/search\" "
                     "method=\"get\"><label for=\"q%s\">Search the ", big ? " search-big" : "",
                  loc ? "/" : "", loc ? loc : "", "", sfx);
    tpl_esc(b, srv_brand_now()->name);
    kb_buf_printf(b,
                  "</label>"
                  "<span class=\"search-row\"><input type=\"search\" id=\"q%s\" name=\"q\" "
                  "maxlength=\"%d\" autocomplete=\"off\" placeholder=\"Describe your question\"",
                  sfx, KB_QUERY_MAX_BYTES);
    if (query && *query) {
        kb_buf_adds(b, " value=\"");
        tpl_esc(b, query);
        kb_buf_addc(b, '"');
    }
    kb_buf_adds(b, "><button type=\"submit\">Search</button></span></form>");
}

void tpl_begin(struct kb_buf *b, const struct srv_req *r, const struct tpl_page *p)
{
    tpl_begin_in(b, r, p, NULL);
}

void tpl_begin_in(struct kb_buf *b, const struct srv_req *r, const struct tpl_page *p,
                  const struct tpl_lang *lg)
{
    static const struct tpl_lang none = {NULL, NULL, 0};
    if (!lg)
        lg = &none;
    const struct srv_brand *br = srv_brand_now();
    const char *lang = lg->locale && *lg->locale ? lg->locale : SRV_LOCALE_DEFAULT;
    kb_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"");
    tpl_esc(b, lang);
    kb_buf_adds(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<title>");
    if (p->title && *p->title) {
        tpl_esc(b, p->title);
        kb_buf_adds(b, " - ");
    }
    tpl_esc(b, br->name);
    kb_buf_adds(b, "</title>\n");
    if (p->description && *p->description) {
        kb_buf_adds(b, "<meta name=\"description\" content=\"");
        tpl_esc(b, p->description);
        kb_buf_adds(b, "\">\n");
    }
    if (p->noindex)
        kb_buf_adds(b, "<meta name=\"robots\" content=\"noindex\">\n");
    if (p->canonical && *p->canonical) {
        kb_buf_adds(b, "<link rel=\"canonical\" href=\"");
        tpl_esc(b, p->canonical);
        kb_buf_adds(b, "\">\n");
    }
    for (size_t i = 0; i < lg->nalts; i++) {
        kb_buf_adds(b, "<link rel=\"alternate\" hreflang=\"");
        tpl_esc(b, lg->alts[i].locale);
        kb_buf_adds(b, "\" href=\"");
        tpl_esc(b, lg->alts[i].href);
        kb_buf_adds(b, "\">\n");
    }
    kb_buf_adds(b, "<script src=\"/static/help.js\" defer></script>\n");
    kb_buf_adds(b, "<link rel=\"stylesheet\" href=\"/static/style.css\">\n");
    /* The accent comes as a stylesheet of its own: no inline style. */
    if (br->accent[0])
        kb_buf_printf(b, "<link rel=\"stylesheet\" href=\"/static/brand.css?v=%s\">\n",
                      br->accent + 1);
    kb_buf_adds(b, "<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n"
                   "<link rel=\"search\" type=\"application/opensearchdescription+xml\" "
                   "title=\"");
    tpl_esc(b, br->name);
    kb_buf_adds(b, "\" href=\"/opensearch.xml\">\n"
                   "</head>\n<body>\n"
                   "<a class=\"skip\" href=\"#main\">Skip to content</a>\n"
                   "<header class=\"site\"><div class=\"wrap\">"
                   "<a class=\"brand\" href=\"");
    const char *loc = page_locale(lg->locale);
    if (loc)
        srv_locale_home(b, loc);
    else
        kb_buf_addc(b, '/');
    kb_buf_adds(b, "\">");
    if (br->logo_type[0])
        kb_buf_printf(b, "<img src=\"/brand/logo?v=%lld\" alt=\"\" height=\"28\">",
                      (long long)br->logo_version);
    else
        kb_buf_adds(b, "<img src=\"/static/favicon.svg\" alt=\"\" width=\"28\" height=\"28\">");
    kb_buf_addc(b, ' ');
    tpl_esc(b, br->name);
    kb_buf_adds(b, "</a>");
    if (!p->home)
        tpl_search_form_in(b, p->query, "-top", 0, lg->locale);
    if (r && r->who.role != KB_ROLE_CUSTOMER) {
        kb_buf_adds(b, "<p class=\"who\">Signed in as ");
        tpl_esc(b, r->who.username);
        kb_buf_adds(b, " (");
        tpl_esc(b, kb_role_name(r->who.role));
        kb_buf_adds(b, ")</p>");
    }
    kb_buf_adds(b, "</div></header>\n<main id=\"main\" class=\"wrap\">\n");
}

void tpl_end(struct kb_buf *b)
{
    tpl_end_in(b, NULL);
}

void tpl_end_in(struct kb_buf *b, const struct tpl_lang *lg)
{
    const struct srv_brand *br = srv_brand_now();
    kb_buf_adds(b, "</main>\n<footer class=\"site\"><div class=\"wrap\">"
                   "<nav aria-label=\"Footer\"><a href=\"/\">");
    tpl_esc(b, br->name);
    kb_buf_adds(b, " home</a> <a href=\"/contact\">Contact support</a>");
    for (size_t i = 0; i < br->nlinks; i++) {
        kb_buf_adds(b, " <a href=\"");
        tpl_esc(b, br->links[i].url);
        kb_buf_adds(b, "\">");
        tpl_esc(b, br->links[i].label);
        kb_buf_adds(b, "</a>");
    }
    kb_buf_adds(b, "</nav>");
    /* In the footer: a keyboard reaches the search box first, and dozens of
     * languages (a Mallard import has forty) fit there. */
    srv_locale_switcher(b, lg ? (lg->locale ? lg->locale : SRV_LOCALE_DEFAULT) : NULL,
                        lg ? lg->alts : NULL, lg ? lg->nalts : 0);
    kb_buf_adds(b, "<p>Can't find what you need? <a href=\"/contact\">We're here to help</a>.</p>"
                   "</div></footer>\n</body>\n</html>\n");
}

void tpl_product(struct kb_buf *b)
{
    tpl_esc(b, srv_brand_now()->name);
}

void tpl_security_headers(struct srv_resp *w)
{
    srv_header_add(w, "Content-Security-Policy", CSP);
    /* X-Content-Type-Options: nosniff is added to every response by the core. */
    srv_header_add(w, "X-Frame-Options", "DENY");
    srv_header_add(w, "Referrer-Policy", "same-origin");
}

void tpl_send(struct srv_resp *w, const struct srv_req *r, int status, struct kb_buf *b)
{
    tpl_security_headers(w);
    if (r && r->who.role != KB_ROLE_CUSTOMER)
        srv_header_add(w, "Cache-Control", "private, no-store");
    else
        srv_header_add(w, "Cache-Control", "no-cache");
    srv_html(w, status, b);
}

void tpl_error(struct srv_resp *w, const struct srv_req *r, int status, const char *title,
               const char *msg)
{
    struct kb_buf b = KB_BUF_INIT;
    struct tpl_page p = {title, NULL, NULL, NULL, 0, 1};
    tpl_begin(&b, r, &p);
    kb_buf_adds(&b, "<div class=\"notice\">\n<h1>");
    tpl_esc(&b, title);
    kb_buf_adds(&b, "</h1>\n<p>");
    tpl_esc(&b, msg);
    kb_buf_adds(&b, "</p>\n<p><a href=\"/\">Go to the ");
    tpl_product(&b);
    kb_buf_adds(&b, " home page</a> or <a href=\"/contact\">contact support</a>.</p>\n</div>\n");
    tpl_end(&b);
    tpl_send(w, r, status, &b);
}

void tpl_not_found(struct srv_resp *w, const struct srv_req *r)
{
    tpl_error(w, r, 404, "Page not found",
              "We couldn't find that page. It may have moved, or the link may be mistyped. "
              "Try searching for what you need.");
}

void tpl_redirect(struct srv_resp *w, const struct srv_req *r, int status, const char *location)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_adds(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>Moved</title></head><body><p><a href=\"");
    tpl_esc(&b, location);
    kb_buf_adds(&b, "\">Continue</a></p></body></html>\n");
    tpl_send(w, r, status, &b);
    srv_header_add(w, "Location", location);
}
