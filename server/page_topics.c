/* Topics on the help center's pages: see page_topics.h. */
#include <stdlib.h>
#include <string.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "page_topics.h"
#include "pages.h"

#define SECTION_ARTICLES 5
#define SIDEBAR_ARTICLES 8

static void category_link(struct kb_buf *b, const char *slug)
{
    kb_buf_adds(b, "/search?category=");
    tpl_url_arg(b, slug);
}

/* Articles of one category slug the role may see (no words: browse). */
/* The language of the page being built (page_topics_locale): its cards,
 * sections and sidebars count and list that help center's articles. */
static _Thread_local const char *topics_locale;

void page_topics_locale(const char *locale)
{
    topics_locale = locale;
}

static struct kb_result *browse(struct srv_ctx *c, struct srv_resp *w, int role,
                                const char *category, size_t limit, int facets)
{
    struct kb_index *ix = srv_index(c, w); /* a 503 it may set is replaced by the page */
    if (!ix)
        return NULL;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = "";
    o.kind = KB_KIND_ARTICLE;
    o.category = category;
    o.locale = topics_locale;
    o.limit = limit;
    o.snippets = 0;
    o.spelling = 0;
    o.facets = facets;
    struct kb_result *res = NULL;
    struct kb_err err;
    if (kb_search(ix, role, &o, &res, &err) != 0) {
        kb_log(KB_LOG_WARN, "pages: topics: %s", err.msg);
        return NULL;
    }
    return res;
}

/* The category a slug counts under: its topic's top ancestor (imports may
 * nest deeper than two levels), or itself. */
static const char *top_of(const struct kb_topic *list, size_t n, const char *slug)
{
    const struct kb_topic *t = kb_topic_find(list, n, slug);
    for (int depth = 0; t && t->parent && depth < 8; depth++) {
        const struct kb_topic *up = kb_topic_find(list, n, t->parent);
        if (!up)
            return t->parent;
        t = up;
    }
    return t ? t->slug : slug;
}

void page_topics_visible(struct srv_ctx *c, struct srv_resp *w, const struct kb_topic *list,
                         size_t n, char *keep)
{
    memset(keep, 0, n);
    struct kb_result *res = browse(c, w, KB_ROLE_CUSTOMER, NULL, 1, 1);
    for (size_t i = 0; res && i < res->nfacets; i++) {
        const struct kb_facet *f = &res->facets[i];
        const struct kb_topic *t = f->value && f->count ? kb_topic_find(list, n, f->value)
                                                        : NULL;
        for (int depth = 0; t && depth < 8; depth++) {
            keep[t - list] = 1;
            t = t->parent ? kb_topic_find(list, n, t->parent) : NULL;
        }
    }
    kb_result_free(res);
}

static void card(struct kb_buf *b, const char *slug, const struct kb_topic *t, uint64_t count,
                 int estimated)
{
    kb_buf_adds(b, "<li><a href=\"");
    category_link(b, slug);
    kb_buf_adds(b, "\">");
    if (t && t->icon) {
        kb_buf_adds(b, "<span class=\"card-icon\" aria-hidden=\"true\">");
        tpl_esc(b, t->icon);
        kb_buf_adds(b, "</span> ");
    }
    kb_buf_adds(b, "<span class=\"card-title\">");
    if (t)
        tpl_esc(b, t->name);
    else
        tpl_category_name(b, slug);
    kb_buf_adds(b, "</span>");
    if (t && t->description) {
        kb_buf_adds(b, " <span class=\"card-desc\">");
        tpl_esc(b, t->description);
        kb_buf_adds(b, "</span>");
    }
    kb_buf_printf(b, " <span class=\"count\">%s%llu article%s</span></a></li>\n",
                  estimated ? "about " : "", (unsigned long long)count, count == 1 ? "" : "s");
}

void page_topic_cards(struct srv_ctx *c, struct srv_resp *w, struct kb_buf *b)
{
    struct kb_result *res = browse(c, w, KB_ROLE_CUSTOMER, NULL, 1, 1);
    if (!res)
        return;
    size_t n = 0;
    const struct kb_topic *list = srv_topics(c, &n);
    uint64_t *counts = kb_xmalloc((n + 1) * sizeof *counts);
    memset(counts, 0, (n + 1) * sizeof *counts);
    for (size_t i = 0; i < res->nfacets; i++) {
        const struct kb_facet *f = &res->facets[i];
        const struct kb_topic *t = f->value ? kb_topic_find(list, n, top_of(list, n, f->value))
                                            : NULL;
        if (t)
            counts[t - list] += f->count;
    }
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (list[i].parent || !counts[i])
            continue;
        if (shown++ == 0)
            kb_buf_adds(b, "<section aria-labelledby=\"topics-h\">\n"
                           "<h2 id=\"topics-h\">Browse by topic</h2>\n<ul class=\"cards\">\n");
        card(b, list[i].slug, &list[i], counts[i], res->facets_estimated);
    }
    for (size_t i = 0; i < res->nfacets; i++) {
        const struct kb_facet *f = &res->facets[i];
        if (!f->value || !*f->value || kb_topic_find(list, n, top_of(list, n, f->value)))
            continue;
        if (shown++ == 0)
            kb_buf_adds(b, "<section aria-labelledby=\"topics-h\">\n"
                           "<h2 id=\"topics-h\">Browse by topic</h2>\n<ul class=\"cards\">\n");
        card(b, f->value, NULL, f->count, res->facets_estimated);
    }
    if (shown)
        kb_buf_adds(b, "</ul>\n</section>\n");
    free(counts);
    kb_result_free(res);
}

static void crumb(struct kb_buf *b, const struct kb_topic *list, size_t n, const char *slug)
{
    kb_buf_adds(b, "<li><a href=\"");
    category_link(b, slug);
    kb_buf_adds(b, "\">");
    srv_topic_name(b, list, n, slug);
    kb_buf_adds(b, "</a></li>");
}

void page_topic_crumbs(struct kb_buf *b, const struct kb_topic *list, size_t n, const char *slug)
{
    if (!slug || !*slug)
        return;
    const struct kb_topic *t = kb_topic_find(list, n, slug);
    if (t && t->parent)
        crumb(b, list, n, t->parent);
    crumb(b, list, n, slug);
}

static void article_item(struct kb_buf *b, const struct kb_hit *h)
{
    struct kb_buf path = KB_BUF_INIT;
    srv_article_path(&path, h->number, h->title);
    kb_buf_adds(b, "<li><a href=\"");
    tpl_esc(b, kb_buf_str(&path));
    kb_buf_adds(b, "\">");
    tpl_esc(b, h->title && *h->title ? h->title : "(untitled)");
    kb_buf_adds(b, "</a>");
    if (h->audience == KB_AUD_INTERNAL)
        kb_buf_adds(b, " <span class=\"badge badge-internal\">Internal</span>");
    kb_buf_adds(b, "</li>\n");
    kb_buf_release(&path);
}

void page_topic_sections(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                         struct kb_buf *b, const struct kb_topic *list, size_t n,
                         const char *slug)
{
    const struct kb_topic *t = kb_topic_find(list, n, slug);
    if (!t)
        return;
    if (t->description) {
        kb_buf_adds(b, "<p class=\"topic-desc\">");
        tpl_esc(b, t->description);
        kb_buf_adds(b, "</p>\n");
    }
    if (t->parent)
        return;
    size_t shown = 0;
    for (size_t i = 0; i < n; i++) {
        if (!list[i].parent || strcmp(list[i].parent, slug) != 0)
            continue;
        struct kb_result *res = browse(c, w, r->who.role, list[i].slug, SECTION_ARTICLES, 0);
        if (!res)
            continue;
        if (res->nhits) {
            if (shown++ == 0)
                kb_buf_adds(b, "<div class=\"sections\">\n");
            kb_buf_adds(b, "<section class=\"topic-section\">\n<h2><a href=\"");
            category_link(b, list[i].slug);
            kb_buf_adds(b, "\">");
            tpl_esc(b, list[i].name);
            kb_buf_adds(b, "</a></h2>\n<ul class=\"links\">\n");
            for (size_t k = 0; k < res->nhits; k++)
                article_item(b, &res->hits[k]);
            kb_buf_adds(b, "</ul>\n</section>\n");
        }
        kb_result_free(res);
    }
    if (shown)
        kb_buf_adds(b, "</div>\n");
}

void page_topic_sidebar(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w,
                        struct kb_buf *b, const struct kb_doc *d)
{
    if (!d->category || !*d->category)
        return;
    struct kb_result *res = browse(c, w, r->who.role, d->category, SIDEBAR_ARTICLES + 1, 0);
    if (!res)
        return;
    size_t shown = 0;
    for (size_t i = 0; i < res->nhits && shown < SIDEBAR_ARTICLES; i++) {
        if (res->hits[i].number == d->number)
            continue;
        if (shown++ == 0)
            kb_buf_adds(b, "<aside class=\"in-section\" aria-labelledby=\"section-h\">\n"
                           "<h2 id=\"section-h\">Articles in this section</h2>\n"
                           "<ul class=\"links\">\n");
        article_item(b, &res->hits[i]);
    }
    if (shown)
        kb_buf_adds(b, "</ul>\n</aside>\n");
    kb_result_free(res);
}

/* The guide topic whose page d is, or NULL. */
static const struct kb_topic *guide_of(struct srv_ctx *c, const struct kb_doc *d)
{
    if (!d->source_id)
        return NULL;
    const char *slash = strrchr(d->source_id, '/');
    size_t n = 0;
    const struct kb_topic *list = srv_topics(c, &n);
    const struct kb_topic *t = kb_topic_find(list, n, slash ? slash + 1 : d->source_id);
    return t && t->guide ? t : NULL;
}

int page_is_topic_page(struct srv_ctx *c, const struct kb_doc *d)
{
    return guide_of(c, d) != NULL;
}

int page_topic_redirect(struct srv_ctx *c, const struct kb_doc *d, struct kb_buf *to)
{
    const struct kb_topic *t = guide_of(c, d);
    if (t && strcmp(t->slug, "index") == 0) {
        kb_buf_adds(to, "/"); /* a Mallard document's root guide: the help center itself */
    } else if (t) {
        kb_buf_adds(to, "/search?category=");
        tpl_url_arg(to, t->slug);
    }
    return t != NULL;
}
