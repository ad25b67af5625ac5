/* Popular and promoted articles (see popular.h and kb/store/views.h): what
 * customers see is a list of public published articles, never a count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/store/capability.h"
#include "kb/store/store.h"
#include "kb/store/views.h"
#include "popular.h"
#include "scale/scaleout.h"

struct pop_item {
    int64_t number;
    char *title, *locale;
    int promoted;
};

/* The promoted articles of category (or the home page's), then the popular
 * ones not promoted, up to limit, each a public published article. */
static size_t popular_items(struct srv_ctx *c, const char *locale, const char *category,
                            size_t limit, struct pop_item *out)
{
    int64_t *pins = NULL, *pop = NULL;
    size_t npins = 0, npop = 0, n = 0;
    struct kb_err err;
    if (kb_pins_get(c->st, category ? category : "", 1, &pins, &npins, &err) != 0)
        kb_log(KB_LOG_WARN, "popular: %s", err.msg);
    if (kb_popular(c->st, locale, category, (int64_t)time(NULL), limit + npins, &pop, &npop,
                   &err) != 0)
        kb_log(KB_LOG_WARN, "popular: %s", err.msg);
    for (size_t i = 0; i < npins + npop && n < limit; i++) {
        int promoted = i < npins;
        int64_t num = promoted ? pins[i] : pop[i - npins];
        int dup = 0;
        for (size_t k = 0; k < n; k++)
            dup |= out[k].number == num;
        if (dup)
            continue;
        struct kb_doc d;
        kb_doc_init(&d);
        /* Checked again here: the lists are built from the store's rows, and
         * nothing but a published public article may reach a customer. */
        if (kb_store_get(c->st, KB_KIND_ARTICLE, num, &d, &err) == 0 &&
            d.audience == KB_AUD_PUBLIC && d.status == KB_STATUS_PUBLISHED &&
            (!promoted || !locale || !d.locale || !strcmp(d.locale, locale))) {
            out[n].number = num;
            out[n].title = kb_xstrdup(d.title ? d.title : "");
            out[n].locale = kb_xstrdup(d.locale ? d.locale : "en");
            out[n].promoted = promoted;
            n++;
        }
        kb_doc_release(&d);
    }
    free(pins);
    free(pop);
    return n;
}

static void items_free(struct pop_item *it, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(it[i].title);
        free(it[i].locale);
    }
}

void srv_popular_section(struct srv_ctx *c, struct kb_buf *b, const char *locale,
                         const char *category)
{
    struct pop_item it[POPULAR_COUNT];
    size_t n = popular_items(c, locale, category, POPULAR_COUNT, it);
    if (!n)
        return;
    kb_buf_adds(b, "<section aria-labelledby=\"popular-h\">\n"
                   "<h2 id=\"popular-h\">Popular articles</h2>\n<ul class=\"links\">\n");
    for (size_t i = 0; i < n; i++) {
        struct kb_buf path = KB_BUF_INIT;
        srv_article_path(&path, it[i].number, it[i].title);
        kb_buf_adds(b, "<li><a href=\"");
        tpl_esc(b, kb_buf_str(&path));
        kb_buf_addc(b, '"');
        if (strcmp(it[i].locale, "en") != 0) {
            kb_buf_adds(b, " lang=\"");
            tpl_esc(b, it[i].locale);
            kb_buf_addc(b, '"');
        }
        kb_buf_addc(b, '>');
        tpl_esc(b, *it[i].title ? it[i].title : "(untitled)");
        kb_buf_printf(b, "</a> <span class=\"meta\">KB-%lld</span></li>\n",
                      (long long)it[i].number);
        kb_buf_release(&path);
    }
    kb_buf_adds(b, "</ul>\n</section>\n");
    items_free(it, n);
}

void srv_popular_count_view(struct srv_ctx *c, const struct srv_req *r, const struct kb_doc *d)
{
    if (strcmp(r->method, "GET") != 0)
        return; /* a HEAD is no reader */
    if (srv_scale_readonly())
        return; /* a replica's store is a copy the primary writes: counted there only */
    int staff = r->who.role >= KB_ROLE_AGENT;
    char key[96], hash[33];
    const char *who = r->ident_hash;
    if (staff) {
        /* Staff count per person (their sessions change), apart. */
        snprintf(key, sizeof key, "user:%lld", (long long)r->who.user_id);
        kb_cap_hash(&c->srv->caps, key, hash);
        who = hash;
    } else if (r->visitor_issued) {
        /* A client keeping no cookie gets a new visitor id each time: count
         * it by its network, once a day, not once per request. */
        who = r->net_hash;
    }
    struct kb_err err;
    if (kb_views_count(c->st, d->number, who, staff, (int64_t)time(NULL), NULL, &err) != 0)
        kb_log(KB_LOG_WARN, "popular: view of KB-%lld: %s", (long long)d->number, err.msg);
}

/* ---- routes ---- */

static void h_popular(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *locale = srv_arg(r, "locale"), *category = srv_arg(r, "category");
    long limit;
    if (srv_arg_int(r, "limit", POPULAR_COUNT, 1, 20, &limit, w) != 0)
        return;
    if ((locale && strlen(locale) > 20) || (category && strlen(category) > KB_PIN_TOPIC_MAX)) {
        srv_error(w, 400, "bad_parameter", "locale (20 bytes) or category (%d bytes) too long",
                  KB_PIN_TOPIC_MAX);
        return;
    }
    struct pop_item it[20];
    size_t n = popular_items(c, locale && *locale ? locale : NULL,
                             category && *category ? category : NULL, (size_t)limit, it);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct kb_buf path = KB_BUF_INIT;
        srv_article_path(&path, it[i].number, it[i].title);
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s, s:b}", "number",
                                             (json_int_t)it[i].number, "title", it[i].title,
                                             "url", kb_buf_str(&path), "locale", it[i].locale,
                                             "promoted", it[i].promoted));
        kb_buf_release(&path);
    }
    items_free(it, n);
    srv_json(w, 200, json_pack("{s:o}", "articles", arr));
}

static void h_views(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    int kind = -1;
    int64_t number = 0, cust = 0, staff = 0;
    struct kb_err err;
    int rc = kb_store_find(c->st, r->param[0], &kind, &number, &err);
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL || (rc == 0 && kind != KB_KIND_ARTICLE)) {
        srv_error(w, 404, "not_found", "no article '%.40s'", r->param[0]);
        return;
    }
    if (rc == 0)
        rc = kb_views_total(c->st, number, KB_POPULAR_DAYS, (int64_t)time(NULL), &cust, &staff,
                            &err);
    if (rc != 0) {
        srv_kb_error(w, &err);
        return;
    }
    srv_json(w, 200, json_pack("{s:I, s:i, s:I, s:I}", "article", (json_int_t)number, "days",
                               KB_POPULAR_DAYS, "customer", (json_int_t)cust, "staff",
                               (json_int_t)staff));
}

static void pins_answer(struct srv_ctx *c, const char *topic, struct srv_resp *w)
{
    int64_t *nums = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_pins_get(c->st, topic ? topic : "", 0, &nums, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct kb_doc d;
        kb_doc_init(&d);
        if (kb_store_get(c->st, KB_KIND_ARTICLE, nums[i], &d, &err) == 0)
            json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:s}", "number",
                                                 (json_int_t)nums[i], "title",
                                                 d.title ? d.title : "", "audience",
                                                 kb_audience_name(d.audience), "status",
                                                 kb_status_name(d.status)));
        kb_doc_release(&d);
    }
    free(nums);
    srv_json(w, 200, json_pack("{s:s, s:o}", "topic", topic ? topic : "", "articles", arr));
}

static void h_pins_get(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *topic = srv_arg(r, "topic");
    if (topic && strlen(topic) > KB_PIN_TOPIC_MAX) {
        srv_error(w, 400, "bad_parameter", "topic is over %d bytes", KB_PIN_TOPIC_MAX);
        return;
    }
    pins_answer(c, topic, w);
}

/* "KB-1042", "1042" or 1042: the number, or 0. */
static int64_t pin_number(json_t *v)
{
    if (json_is_integer(v))
        return json_integer_value(v) > 0 ? json_integer_value(v) : 0;
    const char *s = json_string_value(v);
    if (!s)
        return 0;
    if ((s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b') && s[2] == '-')
        s += 3;
    int64_t n = 0;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9' && i < 15; i++)
        n = n * 10 + (s[i] - '0');
    return i > 0 && s[i] == '\0' ? n : 0;
}

static void h_pins_put(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const keys[] = {"topic", "articles", NULL};
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    json_t *jt = json_object_get(o, "topic");
    const char *topic = json_string_value(jt);
    json_t *arts = json_object_get(o, "articles");
    int64_t nums[KB_PINS_MAX];
    size_t n = 0;
    if (srv_check_keys(o, keys, w) != 0)
        goto out;
    if (!topic || strlen(topic) > KB_PIN_TOPIC_MAX) {
        srv_error(w, 400, "bad_field", "topic must be a category (at most %d bytes), or \"\" "
                                       "for the home page", KB_PIN_TOPIC_MAX);
        goto out;
    }
    if (!json_is_array(arts)) {
        srv_error(w, 400, "bad_request", "articles must be an array of article numbers "
                                         "(\"KB-1042\" or 1042)");
        goto out;
    }
    if (json_array_size(arts) > KB_PINS_MAX) {
        srv_error(w, 413, "too_large", "at most %d promoted articles per topic", KB_PINS_MAX);
        goto out;
    }
    size_t i;
    json_t *v;
    json_array_foreach(arts, i, v) {
        nums[n] = pin_number(v);
        if (!nums[n]) {
            char *text = json_dumps(v, JSON_ENCODE_ANY);
            srv_error(w, 400, "bad_request", "articles[%zu] is not an article number: %.60s", i,
                      text ? text : "?");
            free(text);
            goto out;
        }
        n++;
    }
    struct kb_err err;
    int rc = kb_pins_set(c->st, topic, nums, n, &err);
    if (rc == KB_ENOTFOUND || rc == KB_EINVAL)
        srv_error(w, rc == KB_ENOTFOUND ? 404 : 400, rc == KB_ENOTFOUND ? "not_found"
                                                                         : "bad_request",
                  "%s", err.msg);
    else if (rc != 0)
        srv_kb_error(w, &err);
    else
        pins_answer(c, topic, w);
out:
    json_decref(o);
}

const struct srv_route srv_routes_popular[] = {
    {"GET", "/api/v1/popular", h_popular, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS,
     "Popular articles (promoted first), public and published only; locale, category, limit"},
    {"GET", "/api/v1/admin/articles/{ref}/views", h_views, KB_ROLE_ADMIN, 0,
     "An article's views over the last 30 days: customers' and staff's"},
    {"GET", "/api/v1/admin/pins", h_pins_get, KB_ROLE_ADMIN, 0,
     "The promoted articles of a topic (topic=category; empty for the home page)"},
    {"PUT", "/api/v1/admin/pins", h_pins_put, KB_ROLE_ADMIN, 0,
     "Set a topic's promoted articles: {\"topic\": \"\", \"articles\": [\"KB-1042\"]}"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
