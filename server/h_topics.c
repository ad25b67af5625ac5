/* Topics (issue 19 part 1): the categories and sections API (read by
 * anyone, written by admins), topic names for the pages, and /kb/page/...,
 * where imported cross-references (Mallard xref) land: the topic or the
 * article whose source id they name. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/store/topic_store.h"
#include "page_topics.h"
#include "pages.h"

#define TOPICS_FRESH_MS 1000

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Each thread keeps its copy for up to a second (one read per page was a
 * third of a search page's time), or until the topics API changes one. */
const struct kb_topic *srv_topics(struct srv_ctx *c, size_t *n)
{
    int64_t now = now_ms();
    uint64_t gen = atomic_load(&c->srv->topics_gen);
    if (c->topics_ms && now - c->topics_ms < TOPICS_FRESH_MS && c->topics_gen == gen) {
        *n = c->ntopics;
        return c->topics;
    }
    struct kb_topic *list = NULL;
    size_t count = 0;
    struct kb_err err;
    if (kb_topic_list(c->st, "en", &list, &count, &err) != 0) {
        kb_log(KB_LOG_ERROR, "topics: %s", err.msg); /* the last copy serves */
    } else {
        kb_topic_list_free(c->topics, c->ntopics);
        c->topics = list;
        c->ntopics = count;
        c->topics_ms = now;
        c->topics_gen = gen;
    }
    *n = c->ntopics;
    return c->topics;
}

void srv_topic_name(struct kb_buf *b, const struct kb_topic *list, size_t n, const char *slug)
{
    const struct kb_topic *t = kb_topic_find(list, n, slug);
    if (t)
        tpl_esc(b, t->name);
    else
        tpl_category_name(b, slug);
}

static json_t *topic_json(const struct kb_topic *t)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "slug", t->slug, "name", t->name, "locale",
                          t->locale, "position", (json_int_t)t->position);
    json_object_set_new(o, "parent", t->parent ? json_string(t->parent) : json_null());
    json_object_set_new(o, "description",
                        t->description ? json_string(t->description) : json_null());
    json_object_set_new(o, "icon", t->icon ? json_string(t->icon) : json_null());
    json_object_set_new(o, "edited", json_boolean(t->edited));
    json_object_set_new(o, "guide", json_boolean(t->guide)); /* its page is a guide page */
    return o;
}

/* GET /api/v1/topics[?locale=xx]: the topics, categories and sections, by
 * position: staff get every one; customers those holding a public published
 * article (in them or their sections), so a section of internal articles
 * does not show even its name. */
static void h_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *locale = srv_arg(r, "locale");
    if (locale && (!*locale || strlen(locale) > 20)) {
        srv_error(w, 400, "bad_argument", "locale must be 1 to 20 characters");
        return;
    }
    struct kb_topic *list = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_topic_list(c->st, locale, &list, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    char *keep = kb_xmalloc(n + 1);
    memset(keep, 1, n + 1);
    if (r->who.role < KB_ROLE_AGENT)
        page_topics_visible(c, w, list, n, keep);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (keep[i])
            json_array_append_new(arr, topic_json(&list[i]));
    free(keep);
    kb_topic_list_free(list, n);
    srv_json(w, 200, json_pack("{s:o}", "topics", arr));
}

/* PUT /api/v1/topics/{slug}: {"name", "description", "icon", "position",
 * "parent", "locale"} (admins). */
static void h_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"name", "description", "icon", "position", "parent",
                                       "locale", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    const char *name = NULL, *desc = NULL, *icon = NULL, *parent = NULL, *locale = NULL;
    int64_t pos = 0;
    if (srv_check_keys(o, keys, w) ||
        srv_get_str(o, "name", 1, KB_TOPIC_NAME_MAX, &name, w) ||
        srv_get_str(o, "description", 0, KB_TOPIC_DESC_MAX, &desc, w) ||
        srv_get_str(o, "icon", 0, KB_TOPIC_ICON_MAX, &icon, w) ||
        srv_get_str(o, "parent", 0, KB_TOPIC_SLUG_MAX, &parent, w) ||
        srv_get_str(o, "locale", 0, 20, &locale, w) ||
        srv_get_int(o, "position", 0, -1000000, 1000000, &pos, w))
        goto out;
    char slug[KB_TOPIC_SLUG_MAX + 2];
    snprintf(slug, sizeof slug, "%s", r->nparams ? r->param[0] : "");
    struct kb_topic t = {slug, (char *)locale, (char *)parent, (char *)name, (char *)desc,
                         (char *)icon, pos, 1, 0};
    struct kb_err err;
    if (kb_topic_put(c->st, &t, &err) != 0) {
        if (err.code == KB_EINVAL)
            srv_error(w, 400, "bad_field", "%s", err.msg);
        else
            srv_kb_error(w, &err);
        goto out;
    }
    atomic_fetch_add(&c->srv->topics_gen, 1);
    kb_log(KB_LOG_INFO, "topics: '%s' set", slug);
    struct kb_topic *list = NULL;
    size_t n = 0;
    if (kb_topic_list(c->st, locale, &list, &n, &err) != 0) {
        srv_kb_error(w, &err);
        goto out;
    }
    const struct kb_topic *got = kb_topic_find(list, n, slug);
    srv_json(w, 200, got ? topic_json(got) : json_object());
    kb_topic_list_free(list, n);
out:
    json_decref(o);
}

/* DELETE /api/v1/topics/{slug}[?locale=xx] (admins): its sections become
 * categories; articles keep their slug (shown humanised). */
static void h_delete(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    struct kb_err err;
    const char *slug = r->nparams ? r->param[0] : "";
    if (kb_topic_remove(c->st, slug, srv_arg(r, "locale"), &err) != 0) {
        if (err.code == KB_ENOTFOUND)
            srv_error(w, 404, "not_found", "%s", err.msg);
        else
            srv_kb_error(w, &err);
        return;
    }
    atomic_fetch_add(&c->srv->topics_gen, 1);
    srv_json(w, 200, json_pack("{s:s, s:b}", "slug", slug, "deleted", 1));
}

/* GET /kb/page/<source id>: an imported cross-reference. A topic's page
 * goes to the topic (its category page), an article the reader may see to
 * its canonical URL; anything else is the 404 page. */
static void h_page_ref(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *ref = r->nparams ? r->param[0] : "";
    const char *slash = strrchr(ref, '/');
    const char *last = slash ? slash + 1 : ref;
    size_t n = 0;
    const struct kb_topic *list = srv_topics(c, &n);
    const struct kb_topic *t = *last ? kb_topic_find(list, n, last) : NULL;
    struct kb_buf to = KB_BUF_INIT;
    if (t) {
        kb_buf_adds(&to, "/search?category=");
        tpl_url_arg(&to, t->slug);
    }
    int kind = 0;
    int64_t number = 0;
    struct kb_err err;
    struct kb_doc d;
    kb_doc_init(&d);
    if (!to.len && *ref && kb_store_find(c->st, ref, &kind, &number, &err) == 0 &&
        kind == KB_KIND_ARTICLE && kb_store_get(c->st, kind, number, &d, &err) == 0 &&
        srv_page_can_read(r->who.role, &d))
        srv_article_path(&to, d.number, d.title);
    kb_doc_release(&d);
    if (to.len)
        tpl_redirect(w, r, 302, kb_buf_str(&to));
    else
        tpl_not_found(w, r);
    kb_buf_release(&to);
}

const struct srv_route srv_routes_topics[] = {
    {"GET", "/api/v1/topics", h_list, KB_ROLE_CUSTOMER, 0,
     "Topics: categories and sections with name, description, icon, position"},
    {"PUT", "/api/v1/topics/{slug}", h_put, KB_ROLE_ADMIN, 0,
     "Create or replace a topic (admin)"},
    {"DELETE", "/api/v1/topics/{slug}", h_delete, KB_ROLE_ADMIN, 0, "Remove a topic (admin)"},
    {"GET", "/kb/page/*", h_page_ref, KB_ROLE_CUSTOMER, 0,
     "An imported cross-reference: redirects to the topic or article it names"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
