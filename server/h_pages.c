/* The help center as server-rendered HTML that works without JavaScript:
 * home, search results, articles (with a table of contents, related articles
 * and "Was this helpful?"), sitemap.xml and opensearch.xml.
 * The audience comes from r->who alone: customers see published public
 * articles only, and anything else they ask for is the same 404 page. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "brand.h"
#include "html_tpl.h"
#include "kb/sync/hit_text.h"
#include "kb/store/articles.h"
#include "kb/store/events.h"
#include "kb/base/log.h"
#include "kb/base/text.h"
#include "pages.h"
#include "page_body.h"
#include "popular.h"
#include "page_topics.h"
#include "search_log.h"


#define PAGE_SIZE 10
#define PAGE_MAX 100
#define CATEGORY_MAX_BYTES 200
#define RELATED_COUNT 5
#define FEEDBACK_COMMENT_MAX KB_FEEDBACK_COMMENT_MAX
#define SITEMAP_MAX_URLS 50000 /* the sitemap protocol's limit per file */

/* ---- small helpers ---- */

/* The article number at the start of "1042-some-slug" or "1042"; 0 when the
 * reference has any other shape. */
static int64_t ref_number(const char *ref)
{
    int64_t n = 0;
    size_t i = 0;
    for (; ref[i] >= '0' && ref[i] <= '9'; i++) {
        if (i >= 15)
            return 0;
        n = n * 10 + (ref[i] - '0');
    }
    if (i == 0 || (ref[i] != '\0' && ref[i] != '-'))
        return 0;
    return n;
}

/* Whether role may read d: customers only published public articles, agents
 * every published article, writers and admins drafts and archived ones too. */
int srv_page_can_read(int role, const struct kb_doc *d)
{
    if (d->kind != KB_KIND_ARTICLE)
        return 0;
    if (role >= KB_ROLE_WRITER)
        return 1;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return d->audience == KB_AUD_PUBLIC || role >= KB_ROLE_AGENT;
}

/* Loads article number for r's role into d. Returns 1 when it may be shown;
 * otherwise fills w with the 404 page (or a 500 page on a store error). */
static int load_article(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                        int64_t number, struct kb_doc *d)
{
    struct kb_err err;
    kb_doc_init(d);
    if (number <= 0) {
        tpl_not_found(w, r);
        return 0;
    }
    int rc = kb_store_get(c->st, KB_KIND_ARTICLE, number, d, &err);
    if (rc == KB_ENOTFOUND || (rc == 0 && !srv_page_can_read(r->who.role, d))) {
        kb_doc_release(d);
        tpl_not_found(w, r);
        return 0;
    }
    if (rc != 0) {
        kb_log(KB_LOG_ERROR, "pages: cannot load KB-%lld: %s", (long long)number, err.msg);
        kb_doc_release(d);
        tpl_error(w, r, 500, "Something went wrong",
                  "We couldn't load this article. Please try again in a moment.");
        return 0;
    }
    return 1;
}

/* Appends ' lang="xx"' for a locale other than English (checked characters). */
static void lang_attr(struct kb_buf *b, const char *locale)
{
    if (!locale || !*locale || strcmp(locale, "en") == 0 || strlen(locale) > 20)
        return;
    for (const char *p = locale; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
            return;
    kb_buf_adds(b, " lang=\"");
    tpl_esc(b, locale);
    kb_buf_addc(b, '"');
}

/* Appends <a href="/kb/...">title</a>. */
static void article_link(struct kb_buf *b, int64_t number, const char *title, const char *locale)
{
    kb_buf_adds(b, "<a href=\"");
    struct kb_buf path = KB_BUF_INIT;
    srv_article_path(&path, number, title);
    tpl_esc(b, kb_buf_str(&path));
    kb_buf_release(&path);
    kb_buf_addc(b, '"');
    lang_attr(b, locale);
    kb_buf_addc(b, '>');
    tpl_esc(b, title && *title ? title : "(untitled)");
    kb_buf_adds(b, "</a>");
}

/* The locale of the help center the page being built belongs to (a /xx/
 * page), or NULL for the default's: set by the handler for the links its
 * helpers write (search_path), per thread like the request. */
static _Thread_local const char *page_locale;

/* Appends the search page's path and "?": /search? or /fr/search?. */
static void search_path(struct kb_buf *b)
{
    if (page_locale)
        kb_buf_printf(b, "/%s", page_locale);
    kb_buf_adds(b, "/search?");
}

/* The help center a /xx/ route names (r->param[0]): 1 and *loc (NULL for
 * the default locale) when it has one; else the 404 page and 0. */
static int route_locale(const struct srv_req *r, struct srv_resp *w, const char **loc)
{
    *loc = NULL;
    if (r->nparams < 1)
        return 1;
    if (!srv_locale_known(r->param[0])) {
        tpl_not_found(w, r);
        return 0;
    }
    if (strcmp(r->param[0], SRV_LOCALE_DEFAULT) != 0)
        *loc = r->param[0];
    return 1;
}

static void category_href(struct kb_buf *b, const char *query, const char *category)
{
    search_path(b);
    if (query && *query) {
        kb_buf_adds(b, "q=");
        tpl_url_arg(b, query);
        kb_buf_adds(b, "&amp;");
    }
    kb_buf_adds(b, "category=");
    tpl_url_arg(b, category);
}

/* ---- GET / ---- */

static void home_page(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                      const char *loc)
{
    page_locale = loc;
    page_topics_locale(loc ? loc : SRV_LOCALE_DEFAULT);
    struct kb_buf b = KB_BUF_INIT, path = KB_BUF_INIT;
    struct kb_buf canon = KB_BUF_INIT, desc = KB_BUF_INIT;
    if (loc)
        srv_locale_home(&path, loc);
    else
        kb_buf_adds(&path, "/");
    tpl_canonical(c, kb_buf_str(&path), &canon);
    kb_buf_printf(&desc, "Answers to your questions: search the %s or browse articles by topic.",
                  srv_brand_now()->name);
    struct tpl_page p = {NULL, kb_buf_str(&desc), kb_buf_str(&canon), NULL, 1, 0};
    struct tpl_lang lang = {loc, NULL, 0};
    tpl_begin_in(&b, r, &p, &lang);
    kb_buf_adds(&b, "<section class=\"hero\">\n<h1>How can we help?</h1>\n");
    tpl_search_form_in(&b, NULL, "", 1, loc);
    kb_buf_adds(&b, "</section>\n");
    page_topic_cards(c, w, &b);
    srv_popular_section(c, &b, loc ? loc : SRV_LOCALE_DEFAULT, NULL);
    kb_buf_adds(&b, "<section class=\"cta\" aria-labelledby=\"cta-h\">\n"
                    "<h2 id=\"cta-h\">Still need help?</h2>\n"
                    "<p>Our support team is happy to help. "
                    "<a href=\"/contact\">Contact support</a></p>\n</section>\n");
    tpl_end_in(&b, &lang);
    kb_buf_release(&canon);
    kb_buf_release(&desc);
    kb_buf_release(&path);
    page_locale = NULL;
    page_topics_locale(NULL);
    tpl_send(w, r, 200, &b);
}

/* GET /: the help center of the first language of Accept-Language that has
 * one (a redirect to /xx/), else the default's. /en/ never redirects: the
 * switcher links there. */
static void h_home(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    char lang[SRV_LOCALE_MAX + 1];
    srv_locale_negotiate(srv_header(r, "Accept-Language"), lang, sizeof lang);
    if (strcmp(lang, SRV_LOCALE_DEFAULT) != 0) {
        struct kb_buf to = KB_BUF_INIT;
        srv_locale_home(&to, lang);
        tpl_redirect(w, r, 302, kb_buf_str(&to));
        kb_buf_release(&to);
    } else {
        home_page(c, r, w, NULL);
    }
    srv_header_add(w, "Vary", "Accept-Language");
}

/* GET /{locale}/ */
static void h_home_in(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *loc;
    if (route_locale(r, w, &loc))
        home_page(c, r, w, loc);
}

/* ---- GET /search ---- */

static void search_facets(struct kb_buf *b, const struct kb_result *res, const char *q,
                          const char *category, const struct kb_topic *topics, size_t ntopics)
{
    if (!res || res->nfacets == 0)
        return;
    kb_buf_adds(b, "<nav class=\"facets\" aria-labelledby=\"facets-h\">\n"
                   "<h2 id=\"facets-h\">Filter by topic</h2>\n<ul>\n<li>");
    int any = !category || !*category;
    kb_buf_adds(b, any ? "<a aria-current=\"page\" href=\"" : "<a href=\"");
    if (q && *q) {
        search_path(b);
        kb_buf_adds(b, "q=");
        tpl_url_arg(b, q);
    } else if (page_locale) {
        srv_locale_home(b, page_locale);
    } else {
        kb_buf_adds(b, "/");
    }
    kb_buf_adds(b, "\">All topics</a></li>\n");
    for (size_t i = 0; i < res->nfacets && i < 30; i++) {
        const struct kb_facet *f = &res->facets[i];
        if (!f->value || !*f->value)
            continue;
        int current = !any && strcasecmp(f->value, category) == 0;
        kb_buf_adds(b, "<li><a ");
        if (current)
            kb_buf_adds(b, "aria-current=\"page\" ");
        kb_buf_adds(b, "href=\"");
        category_href(b, q, f->value);
        kb_buf_adds(b, "\">");
        srv_topic_name(b, topics, ntopics, f->value);
        /* Counts scaled up from the best matches are shown as such. */
        kb_buf_printf(b, " <span class=\"count\">(%s%llu)</span></a></li>\n",
                      res->facets_estimated ? "about " : "", (unsigned long long)f->count);
    }
    kb_buf_adds(b, "</ul>\n</nav>\n");
}

/* Whether another hit of res has the same title as hit i (then its subtitle
 * tells them apart). */
static int title_repeats(const struct kb_result *res, size_t i)
{
    for (size_t k = 0; k < res->nhits; k++)
        if (k != i && res->hits[i].title && res->hits[k].title &&
            strcasecmp(res->hits[i].title, res->hits[k].title) == 0)
            return 1;
    return 0;
}

static void search_hit(struct kb_buf *b, const struct kb_hit *h, int subtitle,
                       const struct kb_topic *topics, size_t ntopics)
{
    kb_buf_printf(b, "<li class=\"result\" data-article=\"%lld\">\n<h2>", (long long)h->number);
    article_link(b, h->number, h->title, h->locale);
    kb_buf_adds(b, "</h2>\n");
    if (subtitle && h->summary && *h->summary) {
        kb_buf_adds(b, "<p class=\"subtitle\">");
        tpl_esc(b, h->summary);
        kb_buf_adds(b, "</p>\n");
    }
    if (h->audience == KB_AUD_INTERNAL)
        kb_buf_adds(b, "<p class=\"badges\"><span class=\"badge badge-internal\">Internal"
                       "</span></p>\n");
    if (h->snippet && *h->snippet) {
        /* The index escapes snippets and marks matches with <mark>: as is. */
        kb_buf_adds(b, "<p class=\"snippet\">");
        kb_buf_adds(b, h->snippet);
        kb_buf_adds(b, "</p>\n");
    } else if (h->summary && *h->summary) {
        kb_buf_adds(b, "<p class=\"snippet\">");
        tpl_esc(b, h->summary);
        kb_buf_adds(b, "</p>\n");
    }
    kb_buf_printf(b, "<p class=\"meta\"><span class=\"kbnum\">KB-%lld</span>",
                  (long long)h->number);
    if (h->category && *h->category) {
        kb_buf_adds(b, " · ");
        srv_topic_name(b, topics, ntopics, h->category);
    }
    if (h->updated > 0) {
        kb_buf_adds(b, " · Updated ");
        tpl_date(b, h->updated);
    }
    kb_buf_adds(b, "</p>\n</li>\n");
}

static void search_pager(struct kb_buf *b, const char *q, const char *category, long page,
                         int more)
{
    if (page <= 1 && !more)
        return;
    kb_buf_adds(b, "<nav class=\"pager\" aria-label=\"Pages of results\">\n");
    for (int dir = -1; dir <= 1; dir += 2) {
        long to = page + dir;
        if ((dir < 0 && page <= 1) || (dir > 0 && (!more || page >= PAGE_MAX))) {
            if (dir < 0)
                kb_buf_printf(b, "<span class=\"page-now\">Page %ld</span>\n", page);
            continue;
        }
        kb_buf_printf(b, "<a rel=\"%s\" href=\"", dir < 0 ? "prev" : "next");
        search_path(b);
        kb_buf_adds(b, "q=");
        tpl_url_arg(b, q);
        if (category && *category) {
            kb_buf_adds(b, "&amp;category=");
            tpl_url_arg(b, category);
        }
        if (to > 1)
            kb_buf_printf(b, "&amp;page=%ld", to);
        kb_buf_adds(b, dir < 0 ? "\">&larr; Previous</a>\n" : "\">Next &rarr;</a>\n");
        if (dir < 0)
            kb_buf_printf(b, "<span class=\"page-now\">Page %ld</span>\n", page);
    }
    kb_buf_adds(b, "</nav>\n");
}

static void no_results(struct kb_buf *b, const char *q, long page)
{
    kb_buf_adds(b, "<div class=\"notice no-results\">\n");
    if (page > 1) {
        kb_buf_adds(b, "<h2>No more results</h2>\n<p><a href=\"");
        search_path(b);
        kb_buf_adds(b, "q=");
        tpl_url_arg(b, q);
        kb_buf_adds(b, "\">Back to the first page of results</a></p>\n");
    } else {
        kb_buf_adds(b, "<h2>We couldn't find anything");
        if (q && *q) {
            kb_buf_adds(b, " for &ldquo;");
            tpl_esc(b, q);
            kb_buf_adds(b, "&rdquo;");
        }
        kb_buf_adds(b, "</h2>\n<p>Try fewer or different words, check the spelling, "
                       "or <a href=\"/\">browse the topics</a>.</p>\n");
    }
    kb_buf_adds(b, "<p>Still stuck? <a href=\"/contact");
    if (q && *q) {
        kb_buf_adds(b, "?subject=");
        tpl_url_arg(b, q);
    }
    kb_buf_adds(b, "\">Contact support</a> and we'll help you.</p>\n</div>\n");
}

static long page_arg(const struct srv_req *r)
{
    const char *v = srv_arg(r, "page");
    if (!v || !*v)
        return 1;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1)
        return 1;
    return n > PAGE_MAX ? PAGE_MAX : n;
}

static void search_page(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *q = srv_arg(r, "q");
    const struct tpl_lang lang = {page_locale, NULL, 0};
    const char *category = srv_arg(r, "category");
    long page = page_arg(r);
    if (!q)
        q = "";
    if (category && !*category)
        category = NULL;
    if (strlen(q) > KB_QUERY_MAX_BYTES) {
        tpl_error(w, r, 400, "Search too long",
                  "Please shorten your search to 1,000 characters or fewer.");
        return;
    }
    if (category && strlen(category) > CATEGORY_MAX_BYTES) {
        tpl_error(w, r, 400, "Unknown topic", "That topic name is too long.");
        return;
    }
    int has_words = q[strspn(q, " \t\r\n")] != '\0';

    struct kb_buf b = KB_BUF_INIT, title = KB_BUF_INIT;
    size_t ntopics = 0;
    const struct kb_topic *topics = srv_topics(c, &ntopics);
    const struct kb_topic *topic = category ? kb_topic_find(topics, ntopics, category) : NULL;
    /* A customer learns a topic's name and description only when it holds a
     * public published article, as GET /api/v1/topics decides; otherwise
     * the page is the plain listing of the slug they asked for. */
    if (topic && r->who.role < KB_ROLE_AGENT) {
        char *keep = kb_xmalloc(ntopics + 1);
        page_topics_visible(c, w, topics, ntopics, keep);
        if (!keep[topic - topics])
            topic = NULL;
        free(keep);
    }
    if (has_words) {
        kb_buf_adds(&title, "Results for \u201c");
        kb_buf_adds(&title, q);
        kb_buf_adds(&title, "\u201d");
    } else if (topic) {
        kb_buf_adds(&title, topic->name);
    } else if (category) {
        struct kb_buf name = KB_BUF_INIT;
        tpl_category_name(&name, category); /* escaped: the title is escaped again */
        kb_buf_adds(&title, kb_buf_str(&name));
        kb_buf_release(&name);
    } else {
        kb_buf_adds(&title, "Search");
    }
    struct tpl_page p = {kb_buf_str(&title), NULL, NULL, q, 0, 1};

    if (!has_words && !category) {
        tpl_begin_in(&b, r, &p, &lang);
        kb_buf_adds(&b, "<h1>Search the ");
        tpl_product(&b);
        kb_buf_adds(&b, "</h1>\n<p>Type a question or a few words in the search box, or "
                        "<a href=\"/\">browse the topics</a>.</p>\n");
        tpl_end_in(&b, &lang);
        kb_buf_release(&title);
        tpl_send(w, r, 200, &b);
        return;
    }

    struct kb_index *ix = srv_index(c, w);
    if (!ix) {
        kb_buf_release(&title);
        tpl_error(w, r, 503, "Search is unavailable",
                  "Search is starting up or being updated. Please try again in a minute.");
        return;
    }
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.locale = page_locale ? page_locale : SRV_LOCALE_DEFAULT; /* the page's language first */
    o.category = category;
    o.kind = KB_KIND_ARTICLE;
    o.offset = (size_t)(page - 1) * PAGE_SIZE;
    o.limit = PAGE_SIZE;
    o.snippets = 1;
    o.facets = 1;
    o.spelling = has_words;
    kb_hit_text_from_store(&o, c->st);
    struct kb_result *res = NULL, *all = NULL;
    struct kb_err err;
    if (kb_search(ix, r->who.role, &o, &res, &err) != 0) {
        kb_buf_release(&title);
        if (err.code == KB_EQUERY) {
            tpl_error(w, r, 400, "We couldn't understand that search",
                      "Try rewording it with plain words.");
        } else {
            kb_log(KB_LOG_ERROR, "pages: search: %s", err.msg);
            tpl_error(w, r, 500, "Something went wrong",
                      "Search failed. Please try again in a moment.");
        }
        return;
    }
    /* Nothing in the page's language: every language's articles. */
    int other_langs = 0;
    if (res->total == 0 && has_words) {
        struct kb_result *any = NULL;
        o.locale = NULL;
        if (kb_search(ix, r->who.role, &o, &any, &err) == 0 && any->total > 0) {
            kb_result_free(res);
            res = any;
            other_langs = 1;
        } else {
            kb_result_free(any);
        }
    }
    char sid[KB_SID_LEN + 1] = "";
    if (has_words && page == 1) {
        /* For the analytics: what people search for and what finds nothing.
         * The id goes into the page so that help.js can tie clicks to it. */
        srv_sid_text(c, r, srv_search_log_by(c, r, 0, q, r->who.role, "search", res->total,
                                             NULL, NULL), sid);
    }
    /* The topic filters list every topic of the query, not just the one chosen. */
    if (category) {
        struct kb_search_opts fo = o;
        fo.query = res->corrected ? res->corrected : q;
        fo.category = NULL;
        fo.offset = 0;
        fo.limit = 1;
        fo.snippets = 0;
        fo.spelling = 0;
        if (kb_search(ix, r->who.role, &fo, &all, &err) != 0)
            all = NULL;
    }

    tpl_begin_in(&b, r, &p, &lang);
    kb_buf_adds(&b, "<div class=\"search-page\">\n<div class=\"search-main\">\n");
    if (!has_words && category) {
        kb_buf_adds(&b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/\">");
        tpl_product(&b);
        kb_buf_adds(&b, "</a></li>");
        if (topic && topic->parent)
            page_topic_crumbs(&b, topics, ntopics, topic->parent);
        kb_buf_adds(&b, "</ol></nav>\n");
    }
    kb_buf_adds(&b, "<h1>");
    if (has_words) {
        kb_buf_adds(&b, "Results for &ldquo;");
        tpl_esc(&b, q);
        kb_buf_adds(&b, "&rdquo;");
    } else if (topic) {
        srv_topic_name(&b, topics, ntopics, category);
    } else {
        tpl_category_name(&b, category);
    }
    kb_buf_adds(&b, "</h1>\n");
    size_t before_sections = b.len;
    if (!has_words && page == 1 && topic)
        page_topic_sections(c, r, w, &b, topics, ntopics, category);
    int has_sections = b.len > before_sections;
    if (res->corrected && *res->corrected) {
        kb_buf_adds(&b, "<p class=\"did-you-mean\">Did you mean <a href=\"");
        search_path(&b);
        kb_buf_adds(&b, "q=");
        tpl_url_arg(&b, res->corrected);
        if (category) {
            kb_buf_adds(&b, "&amp;category=");
            tpl_url_arg(&b, category);
        }
        kb_buf_adds(&b, "\">");
        tpl_esc(&b, res->corrected);
        kb_buf_adds(&b, "</a>?</p>\n");
    }
    if (other_langs) {
        kb_buf_adds(&b, "<p class=\"notice other-langs\">Nothing in ");
        tpl_esc(&b, srv_locale_name(page_locale ? page_locale : SRV_LOCALE_DEFAULT));
        kb_buf_adds(&b, " matched: these are results in other languages.</p>\n");
    }
    if (res->nhits == 0 && has_sections) {
        /* a category whose articles are all in its sections */
    } else if (res->nhits == 0) {
        no_results(&b, q, page);
    } else {
        kb_buf_printf(&b, "<p class=\"count\" role=\"status\">%s%llu result%s</p>\n",
                      res->total_exact ? "" : "About ", (unsigned long long)res->total,
                      res->total == 1 ? "" : "s");
        kb_buf_printf(&b, "<ol class=\"results\" start=\"%zu\"", o.offset + 1);
        if (sid[0]) {
            kb_buf_adds(&b, " data-search-id=\"");
            tpl_esc(&b, sid);
            kb_buf_addc(&b, '"');
        }
        if (has_words) {
            kb_buf_adds(&b, " data-query=\"");
            tpl_esc(&b, q);
            kb_buf_addc(&b, '"');
        }
        kb_buf_adds(&b, ">\n");
        for (size_t i = 0; i < res->nhits; i++)
            if (res->hits[i].kind == KB_KIND_ARTICLE)
                search_hit(&b, &res->hits[i], title_repeats(res, i), topics, ntopics);
        kb_buf_adds(&b, "</ol>\n");
        search_pager(&b, has_words ? q : "", category, page, res->more);
    }
    kb_buf_adds(&b, "</div>\n");
    search_facets(&b, all ? all : res, has_words ? q : "", category, topics, ntopics);
    kb_buf_adds(&b, "</div>\n");
    tpl_end_in(&b, &lang);
    kb_result_free(res);
    kb_result_free(all);
    kb_buf_release(&title);
    tpl_send(w, r, 200, &b);
}

/* GET /search, GET /{locale}/search */
static void h_search(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *loc;
    if (!route_locale(r, w, &loc))
        return;
    page_locale = loc;
    page_topics_locale(loc ? loc : SRV_LOCALE_DEFAULT);
    search_page(c, r, w);
    page_topics_locale(NULL);
    page_locale = NULL;
}

/* ---- GET /kb/{number}-{slug} ---- */

static void related(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                    const struct kb_doc *d, struct kb_buf *b)
{
    if (!d->title || !*d->title)
        return;
    struct kb_index *ix = srv_index(c, w); /* a 503 it may set is replaced by the page */
    if (!ix)
        return;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = d->title;
    o.locale = d->locale;
    o.kind = KB_KIND_ARTICLE;
    o.limit = RELATED_COUNT + 1;
    o.snippets = 0;
    o.spelling = 0;
    struct kb_result *res = NULL;
    struct kb_err err;
    if (kb_search(ix, r->who.role, &o, &res, &err) != 0) {
        kb_log(KB_LOG_WARN, "pages: related for KB-%lld: %s", (long long)d->number, err.msg);
        return;
    }
    size_t shown = 0;
    for (size_t i = 0; i < res->nhits && shown < RELATED_COUNT; i++) {
        const struct kb_hit *h = &res->hits[i];
        if (h->number == d->number || h->kind != KB_KIND_ARTICLE)
            continue;
        if (shown++ == 0)
            kb_buf_adds(b, "<aside class=\"related\" aria-labelledby=\"related-h\">\n"
                           "<h2 id=\"related-h\">Related articles</h2>\n<ul class=\"links\">\n");
        kb_buf_adds(b, "<li>");
        article_link(b, h->number, h->title, h->locale);
        if (h->audience == KB_AUD_INTERNAL)
            kb_buf_adds(b, " <span class=\"badge badge-internal\">Internal</span>");
        if (h->summary && *h->summary && h->title &&
            ((d->title && strcasecmp(h->title, d->title) == 0) || title_repeats(res, i))) {
            kb_buf_adds(b, "<br><span class=\"subtitle\">");
            tpl_esc(b, h->summary);
            kb_buf_adds(b, "</span>");
        }
        kb_buf_adds(b, "</li>\n");
    }
    if (shown)
        kb_buf_adds(b, "</ul>\n</aside>\n");
    kb_result_free(res);
}

static void feedback_form(struct kb_buf *b, int64_t number, int thanks)
{
    kb_buf_adds(b, "<section class=\"feedback\" id=\"feedback\" aria-labelledby=\"feedback-h\">\n");
    if (thanks) {
        kb_buf_adds(b, "<h2 id=\"feedback-h\">Thanks for your feedback!</h2>\n"
                       "<p role=\"status\">It helps us improve this article. Still need help? "
                       "<a href=\"/contact\">Contact support</a>.</p>\n</section>\n");
        return;
    }
    kb_buf_printf(b,
                  "<h2 id=\"feedback-h\">Was this helpful?</h2>\n"
                  "<form class=\"feedback-form\" method=\"post\" action=\"/kb/%lld/feedback\" "
                  "data-article=\"%lld\">\n"
                  "<p class=\"buttons\"><button type=\"submit\" name=\"helpful\" value=\"yes\">"
                  "Yes</button> <button type=\"submit\" name=\"helpful\" value=\"no\">No</button>"
                  "</p>\n<p class=\"fb-more\"><label for=\"fb-comment\">Tell us more "
                  "(optional)</label>\n"
                  "<textarea id=\"fb-comment\" name=\"comment\" rows=\"3\" maxlength=\"%d\">"
                  "</textarea></p>\n</form>\n</section>\n",
                  (long long)number, (long long)number, FEEDBACK_COMMENT_MAX);
}

/* The description: the summary, else the start of the text (about 160 bytes,
 * cut at a space). Caller frees. */
static char *description(const struct kb_doc *d)
{
    if (d->summary && *d->summary)
        return kb_xstrdup(d->summary);
    if (!d->text)
        return NULL;
    size_t n = strlen(d->text);
    if (n > 160) {
        n = 160;
        while (n > 100 && d->text[n] != ' ')
            n--;
        while (n > 0 && ((unsigned char)d->text[n] & 0xC0) == 0x80)
            n--; /* never cut inside a UTF-8 sequence */
    }
    char *s = kb_xstrndup(d->text, n);
    for (char *p = s; *p; p++)
        if (*p == '\n')
            *p = ' ';
    return s;
}

static void h_article(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int64_t number = ref_number(r->nparams > 0 ? r->param[0] : "");
    struct kb_doc d;
    if (!load_article(c, r, w, number, &d))
        return;
    struct kb_buf path = KB_BUF_INIT;
    if (page_topic_redirect(c, &d, &path)) {
        /* a guide page is its topic's page: search finds it, the topic shows it */
        tpl_redirect(w, r, 302, kb_buf_str(&path));
        kb_buf_release(&path);
        kb_doc_release(&d);
        return;
    }
    srv_article_path(&path, d.number, d.title);
    if (strcmp(r->path, kb_buf_str(&path)) != 0) {
        tpl_redirect(w, r, 301, kb_buf_str(&path));
        kb_buf_release(&path);
        kb_doc_release(&d);
        return;
    }
    srv_popular_count_view(c, r, &d);
    const char *thanks = srv_arg(r, "thanks");
    int is_public = d.audience == KB_AUD_PUBLIC && d.status == KB_STATUS_PUBLISHED;
    struct kb_buf canon = KB_BUF_INIT, b = KB_BUF_INIT;
    tpl_canonical(c, kb_buf_str(&path), &canon);
    char *desc = description(&d);
    struct tpl_page p = {d.title, desc, kb_buf_str(&canon), NULL, 0, !is_public};
    struct srv_alts alts;
    srv_locale_alts_load(c, d.number, d.locale, r->who.role < KB_ROLE_AGENT, &alts);
    const char *art_locale = alts.locale;
    struct tpl_lang lang = {art_locale, alts.alt, alts.n};
    page_locale = strcmp(art_locale, SRV_LOCALE_DEFAULT) != 0 && srv_locale_known(art_locale)
                      ? art_locale : NULL;
    page_topics_locale(art_locale);
    tpl_begin_in(&b, r, &p, &lang);

    size_t ntopics = 0;
    const struct kb_topic *topics = srv_topics(c, &ntopics);
    kb_buf_adds(&b, "<nav class=\"crumbs\" aria-label=\"Breadcrumb\"><ol><li><a href=\"/\">");
    tpl_product(&b);
    kb_buf_adds(&b, "</a></li>");
    page_topic_crumbs(&b, topics, ntopics, d.category);
    kb_buf_adds(&b, "</ol></nav>\n<article class=\"article\"");
    lang_attr(&b, d.locale);
    kb_buf_adds(&b, ">\n<header>\n<h1>");
    tpl_esc(&b, d.title && *d.title ? d.title : "(untitled)");
    kb_buf_printf(&b, "</h1>\n<p class=\"meta\"><span class=\"kbnum\" title=\"Quote this "
                      "number when you contact support\">KB-%lld</span>",
                  (long long)d.number);
    if (d.category && *d.category) {
        kb_buf_adds(&b, " · <span class=\"category\">");
        srv_topic_name(&b, topics, ntopics, d.category);
        kb_buf_adds(&b, "</span>");
    }
    if (d.updated > 0) {
        kb_buf_adds(&b, " · Updated <time datetime=\"");
        tpl_date(&b, d.updated);
        kb_buf_adds(&b, "\">");
        tpl_date(&b, d.updated);
        kb_buf_adds(&b, "</time>");
    }
    kb_buf_adds(&b, "</p>\n");
    if (d.audience == KB_AUD_INTERNAL || d.status != KB_STATUS_PUBLISHED) {
        kb_buf_adds(&b, "<p class=\"badges\">");
        if (d.audience == KB_AUD_INTERNAL)
            kb_buf_adds(&b, "<span class=\"badge badge-internal\">Internal</span> ");
        if (d.status != KB_STATUS_PUBLISHED) {
            kb_buf_adds(&b, "<span class=\"badge badge-status\">");
            tpl_esc(&b, kb_status_name(d.status));
            kb_buf_adds(&b, "</span>");
        }
        kb_buf_adds(&b, "</p>\n");
    }
    kb_buf_adds(&b, "</header>\n");
    page_article_body(&b, &d);
    kb_buf_adds(&b, "</article>\n");
    feedback_form(&b, d.number, thanks && strcmp(thanks, "1") == 0);
    page_topic_sidebar(c, r, w, &b, &d);
    related(c, r, w, &d, &b);
    tpl_end_in(&b, &lang);
    tpl_send(w, r, 200, &b);
    page_locale = NULL;
    page_topics_locale(NULL);
    srv_locale_alts_release(&alts);
    free(desc);
    kb_buf_release(&canon);
    kb_buf_release(&path);
    kb_doc_release(&d);
}

/* ---- POST /kb/{number}/feedback ---- */

static void h_feedback(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int64_t number = ref_number(r->nparams > 0 ? r->param[0] : "");
    struct kb_doc d;
    if (!load_article(c, r, w, number, &d))
        return;
    struct kb_buf helpful = KB_BUF_INIT, comment = KB_BUF_INIT, to = KB_BUF_INIT;
    struct kb_buf sid = KB_BUF_INIT;
    int hv = srv_form_get(r, "helpful", &helpful);
    int cv = srv_form_get(r, "comment", &comment);
    int sv = srv_form_get(r, "search_id", &sid);
    int yes = hv == 1 && strcmp(kb_buf_str(&helpful), "yes") == 0;
    int no = hv == 1 && strcmp(kb_buf_str(&helpful), "no") == 0;
    if (!yes && !no) {
        tpl_error(w, r, 400, "Please choose Yes or No",
                  "Tell us whether the article helped by choosing Yes or No.");
        goto out;
    }
    if (cv < 0 || comment.len > FEEDBACK_COMMENT_MAX ||
        !kb_utf8_valid(kb_buf_str(&comment), comment.len)) {
        tpl_error(w, r, 400, "Comment not accepted",
                  "Please keep your comment to 2,000 characters of plain text.");
        goto out;
    }
    struct kb_feedback fb;
    memset(&fb, 0, sizeof fb);
    fb.article = d.number;
    fb.helpful = yes;
    fb.comment = comment.len ? kb_buf_str(&comment) : NULL;
    fb.role = r->who.role;
    fb.visitor = r->ident_hash;
    fb.network = r->net_hash;
    if (sv == 1 && sid.len <= KB_SID_LEN)
        srv_sid_decode(c, r, kb_buf_str(&sid), &fb.search_id, &fb.bound);
    struct kb_err err;
    int learned = 0;
    if (kb_feedback_add(c->st, &fb, NULL, &learned, &err) != 0) {
        if (err.code == KB_ENOTFOUND) { /* not for this reader: as if it never was */
            tpl_not_found(w, r);
            goto out;
        }
        kb_log(KB_LOG_ERROR, "pages: feedback on KB-%lld: %s", (long long)d.number, err.msg);
        tpl_error(w, r, err.code == KB_EINVAL ? 400 : 500, "Sorry, we couldn't save that",
                  "Your feedback was not saved. Please try again in a moment.");
        goto out;
    }
    if (learned)
        srv_changed(c->srv);
    srv_article_path(&to, d.number, d.title);
    kb_buf_adds(&to, "?thanks=1#feedback");
    tpl_redirect(w, r, 303, kb_buf_str(&to));
out:
    kb_buf_release(&helpful);
    kb_buf_release(&comment);
    kb_buf_release(&sid);
    kb_buf_release(&to);
    kb_doc_release(&d);
}

/* ---- GET /sitemap.xml, GET /opensearch.xml ---- */

static void h_sitemap(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_buf b = KB_BUF_INIT, base = KB_BUF_INIT, path = KB_BUF_INIT;
    tpl_base_url(c, r, &base);
    kb_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<url><loc>");
    tpl_esc(&b, kb_buf_str(&base));
    kb_buf_adds(&b, "/</loc></url>\n");
    struct kb_article_filter f = {KB_STATUS_PUBLISHED, KB_AUD_PUBLIC, NULL, NULL, NULL, 0,
                                  KB_ARTICLE_LIST_MAX};
    for (;;) {
        struct kb_doc *docs = NULL;
        size_t n = 0;
        int64_t total = 0;
        struct kb_err err;
        if (kb_article_list(c->st, &f, &docs, &n, &total, &err) != 0) {
            kb_buf_release(&b);
            kb_buf_release(&base);
            kb_buf_release(&path);
            srv_kb_error(w, &err);
            return;
        }
        for (size_t i = 0; i < n; i++) {
            kb_buf_reset(&path);
            srv_article_path(&path, docs[i].number, docs[i].title);
            kb_buf_adds(&b, "<url><loc>");
            tpl_esc(&b, kb_buf_str(&base));
            tpl_esc(&b, kb_buf_str(&path));
            kb_buf_adds(&b, "</loc>");
            if (docs[i].updated > 0) {
                kb_buf_adds(&b, "<lastmod>");
                tpl_date(&b, docs[i].updated);
                kb_buf_adds(&b, "</lastmod>");
            }
            kb_buf_adds(&b, "</url>\n");
        }
        kb_article_list_free(docs, n);
        f.offset += (int64_t)n;
        if (n < (size_t)f.limit || f.offset >= total || f.offset >= SITEMAP_MAX_URLS)
            break;
    }
    kb_buf_adds(&b, "</urlset>\n");
    srv_html(w, 200, &b);
    w->type = "application/xml; charset=utf-8";
    tpl_security_headers(w);
    srv_header_add(w, "Cache-Control", tpl_feed_cache(c, 300));
    kb_buf_release(&base);
    kb_buf_release(&path);
}

static void h_opensearch(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_buf b = KB_BUF_INIT, base = KB_BUF_INIT;
    tpl_base_url(c, r, &base);
    kb_buf_adds(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n"
                    "<ShortName>");
    tpl_product(&b);
    kb_buf_adds(&b, "</ShortName>\n<Description>Search the ");
    tpl_product(&b);
    kb_buf_adds(&b, " articles</Description>\n"
                    "<InputEncoding>UTF-8</InputEncoding>\n"
                    "<Image width=\"16\" height=\"16\" type=\"image/svg+xml\">");
    tpl_esc(&b, kb_buf_str(&base));
    kb_buf_adds(&b, "/static/favicon.svg</Image>\n<Url type=\"text/html\" method=\"get\" "
                    "template=\"");
    tpl_esc(&b, kb_buf_str(&base));
    kb_buf_adds(&b, "/search?q={searchTerms}\"/>\n"
                    "<Url type=\"application/opensearchdescription+xml\" rel=\"self\" "
                    "template=\"");
    tpl_esc(&b, kb_buf_str(&base));
    kb_buf_adds(&b, "/opensearch.xml\"/>\n</OpenSearchDescription>\n");
    srv_html(w, 200, &b);
    w->type = "application/opensearchdescription+xml";
    tpl_security_headers(w);
    srv_header_add(w, "Cache-Control", tpl_feed_cache(c, 3600));
    kb_buf_release(&base);
}

const struct srv_route srv_routes_pages[] = {
    {"GET", "/", h_home, KB_ROLE_CUSTOMER, 0, "Help center home page (HTML)"},
    {"GET", "/search", h_search, KB_ROLE_CUSTOMER, SRV_RATED, "Search results page (HTML)"},
    {"GET", "/{locale}/", h_home_in, KB_ROLE_CUSTOMER, 0,
     "The help center of one language (HTML); / picks one from Accept-Language"},
    {"GET", "/{locale}/search", h_search, KB_ROLE_CUSTOMER, SRV_RATED,
     "Search results page of one language's help center (HTML)"},
    {"GET", "/kb/{ref}", h_article, KB_ROLE_CUSTOMER, 0,
     "Article page (HTML); /kb/{number} redirects to the canonical URL"},
    {"POST", "/kb/{ref}/feedback", h_feedback, KB_ROLE_CUSTOMER,
     SRV_RAW_BODY | SRV_RATED | SRV_EVENT,
     "\"Was this helpful?\" form (form-encoded helpful=yes|no, comment)"},
    {"GET", "/sitemap.xml", h_sitemap, KB_ROLE_CUSTOMER, 0, "Sitemap of public articles"},
    {"GET", "/opensearch.xml", h_opensearch, KB_ROLE_CUSTOMER, 0, "OpenSearch description"},
    {"GET", "/static/*", srv_h_static, KB_ROLE_CUSTOMER, 0, "Static files of the web UI"},
    {"GET", "/favicon.ico", srv_h_favicon, KB_ROLE_CUSTOMER, 0, "The site icon (SVG)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
