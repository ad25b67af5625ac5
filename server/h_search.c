/* Search for everyone, typeahead, deflection while a customer writes a
 * ticket, and agent assist. The audience always comes from r->who.role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kb/sync/hit_text.h"
#include "kb/store/events.h"
#include "kb/store/review.h"
#include "kb/base/log.h"
#include "kb/store/doc_text.h"
#include "kb/store/tickets.h"
#include "search_log.h"
#include "srv.h"

#define SUGGEST_MAX 8

static int64_t log_search(struct srv_ctx *c, const struct srv_req *r, const char *q, int role,
                          const char *endpoint, uint64_t n, const char *locale)
{
    return srv_search_log_by(c, r, 0, q, role, endpoint, n, locale, NULL);
}

static int check_query(const char *q, struct srv_resp *w)
{
    if (q && strlen(q) > KB_QUERY_MAX_BYTES) {
        srv_error(w, 400, "query_too_long", "query is %zu bytes; the limit is %d", strlen(q),
                  KB_QUERY_MAX_BYTES);
        return -1;
    }
    return 0;
}

static json_t *facets_json(const struct kb_result *res)
{
    json_t *a = json_array();
    for (size_t i = 0; i < res->nfacets; i++)
        json_array_append_new(a, json_pack("{s:s, s:I}", "category", res->facets[i].value, "count",
                                           (json_int_t)res->facets[i].count));
    return a;
}

/* A ticket hit as an agent sees it: personal data redacted as in assist,
 * with no customer in focus, so the ticket's own customer's name too. */
static void redact_ticket_hit(struct srv_ctx *c, const struct kb_hit *h, json_t *o)
{
    struct kb_doc t;
    const char *names[1] = {NULL};
    int have = kb_store_get(c->st, KB_KIND_TICKET, h->number, &t, NULL) == 0;
    if (have && t.customer && *t.customer)
        names[0] = t.customer;
    size_t nn = names[0] ? 1 : 0;
    char *title = kb_redact(h->title ? h->title : "", names, nn);
    json_object_set_new(o, "title", json_string(title));
    free(title);
    if (h->snippet) {
        char *snippet = kb_redact_marked(h->snippet, names, nn);
        json_object_set_new(o, "snippet", json_string(snippet));
        free(snippet);
    }
    if (h->summary) {
        char *summary = kb_redact(h->summary, names, nn);
        json_object_set_new(o, "summary", json_string(summary));
        free(summary);
    }
    if (have)
        kb_doc_release(&t);
}

/* staff: an agent or more asks, who is told which articles have a change
 * waiting for review (customers see the published text and are never told). */
static json_t *hit_json(struct srv_ctx *c, const struct kb_hit *h, int staff)
{
    json_t *o = srv_hit_json(h);
    if (h->kind == KB_KIND_TICKET)
        redact_ticket_hit(c, h, o);
    if (staff && h->kind == KB_KIND_ARTICLE) {
        int pending = 0;
        kb_review_pending(c->st, h->number, &pending, NULL);
        json_object_set_new(o, "in_review", json_boolean(pending));
    }
    return o;
}

static json_t *hits_json(struct srv_ctx *c, const struct kb_result *res, int staff)
{
    json_t *a = json_array();
    for (size_t i = 0; i < res->nhits; i++)
        json_array_append_new(a, hit_json(c, &res->hits[i], staff));
    return a;
}

static void h_search(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *q = srv_arg(r, "q");
    const char *category = srv_arg(r, "category"), *tag = srv_arg(r, "tag");
    const char *kind = srv_arg(r, "kind"), *audience = srv_arg(r, "audience");
    const char *product = srv_arg(r, "product");
    long page, per_page;
    if (check_query(q, w) || srv_arg_int(r, "page", 1, 1, 1000, &page, w) ||
        srv_arg_int(r, "per_page", 10, 1, 50, &per_page, w))
        return;
    if ((!q || !*q) && (!category || !*category) && (!tag || !*tag) && (!product || !*product)) {
        srv_error(w, 400, "missing_parameter", "parameter 'q' is required");
        return;
    }
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q ? q : "";
    o.locale = srv_arg(r, "locale");
    if (o.locale && !*o.locale)
        o.locale = NULL;
    o.category = category && *category ? category : NULL;
    o.tag = tag && *tag ? tag : NULL;
    if (kind && *kind) {
        if (strcmp(kind, "article") == 0)
            o.kind = KB_KIND_ARTICLE;
        else if (strcmp(kind, "ticket") == 0)
            o.kind = KB_KIND_TICKET;
        else {
            srv_error(w, 400, "bad_parameter", "parameter 'kind' is article or ticket");
            return;
        }
    }
    /* A filter narrows what the role may read (kb_search reads only the
     * public database for a customer): audience=internal finds a customer
     * nothing, never more. */
    if (audience && *audience && kb_audience_parse(audience) < 0) {
        srv_error(w, 400, "bad_parameter", "parameter 'audience' is public or internal");
        return;
    }
    o.audience = audience && *audience ? audience : NULL;
    if (product && strlen(product) > 200) {
        srv_error(w, 400, "bad_parameter", "parameter 'product' is at most 200 bytes");
        return;
    }
    o.product = product && *product ? product : NULL;
    o.offset = (size_t)((page - 1) * per_page);
    o.limit = (size_t)per_page;
    o.facets = 1;
    kb_hit_text_from_store(&o, c->st);
    struct kb_index *ix = srv_index(c, w);
    if (!ix)
        return;
    struct kb_result *res = NULL;
    struct kb_err err;
    if (kb_search(ix, r->who.role, &o, &res, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    int64_t sid = log_search(c, r, o.query, r->who.role, "search", res->total, o.locale);
    /* total_exact: total is a count (small match sets), not Xapian's
     * estimate. facets_estimated: the counts were scaled up from the first
     * matches (counting every match cost ten times the search itself). */
    json_t *out = json_pack("{s:o, s:I, s:b, s:i, s:i, s:b, s:o, s:o, s:b, s:o}", "hits",
                            hits_json(c, res, r->who.role >= KB_ROLE_AGENT), "total",
                            (json_int_t)res->total, "total_exact",
                            res->total_exact, "page", (int)page,
                            "per_page", (int)per_page, "more", res->more, "corrected",
                            res->corrected ? json_string(res->corrected) : json_null(), "facets",
                            facets_json(res), "facets_estimated", res->facets_estimated,
                            "search_id", srv_sid_json(c, r, sid));
    kb_result_free(res);
    srv_json(w, 200, out);
}

/* The customer's language for typeahead: the locale argument, else the
 * first language of Accept-Language (a tag of letters, digits and
 * hyphens), else "en" (the project's default locale). Titles of other
 * languages are suggested only when this one has none (kb_index_suggest). */
static const char *suggest_locale(const struct srv_req *r, char *buf, size_t size)
{
    const char *l = srv_arg(r, "locale");
    if (l && *l)
        return l;
    const char *h = srv_header(r, "Accept-Language");
    size_t n = 0;
    while (h && *h == ' ')
        h++;
    while (h && n + 1 < size && ((h[n] >= 'a' && h[n] <= 'z') || (h[n] >= 'A' && h[n] <= 'Z') ||
                                 (h[n] >= '0' && h[n] <= '9') || (h[n] == '-' && n > 0)))
        n++;
    if (n >= 2 && (!h[n] || h[n] == ',' || h[n] == ';' || h[n] == ' ')) {
        memcpy(buf, h, n);
        buf[n] = '\0';
        return buf;
    }
    return "en";
}

static void h_suggest(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *q = srv_arg(r, "q");
    long limit;
    if (check_query(q, w) || srv_arg_int(r, "limit", SUGGEST_MAX, 1, 20, &limit, w))
        return;
    if (!q) {
        srv_error(w, 400, "missing_parameter", "parameter 'q' is required");
        return;
    }
    char lang[36];
    const char *locale = suggest_locale(r, lang, sizeof lang);
    struct kb_index *ix = srv_index(c, w);
    if (!ix)
        return;
    struct kb_result *res = NULL;
    struct kb_err err;
    if (kb_suggest(ix, r->who.role, q, locale, (size_t)limit, &res, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < res->nhits; i++) {
        json_t *h = hit_json(c, &res->hits[i], r->who.role >= KB_ROLE_AGENT);
        json_object_del(h, "snippet");
        json_object_del(h, "score");
        /* a title other articles share ("Wireless network troubleshooter"
         * four times: the typeahead shows the best one) gets its subtitle */
        char *sub = res->hits[i].kind == KB_KIND_ARTICLE
                        ? kb_store_doc_summary(c->st, res->hits[i].number,
                                               r->who.role < KB_ROLE_AGENT, 1)
                        : NULL;
        if (sub)
            json_object_set_new(h, "subtitle", json_string(sub));
        free(sub);
        json_array_append_new(a, h);
    }
    kb_result_free(res);
    srv_json(w, 200, json_pack("{s:o}", "suggestions", a));
}

/* subject + "\n" + description of a JSON body, validated. */
/* The case's words; "" when may_be_empty and none were given (the agent
 * console asks for a caller's previous cases before any words). */
static char *case_text(json_t *body, const char *const *allowed, struct srv_resp *w,
                       const char **locale, int may_be_empty)
{
    const char *subject = NULL, *description = NULL;
    if (srv_check_keys(body, allowed, w) || srv_get_str(body, "subject", 0, 1000, &subject, w) ||
        srv_get_str(body, "description", 0, 200000, &description, w) ||
        srv_get_str(body, "locale", 0, 35, locale, w))
        return NULL;
    if ((!subject || !*subject) && (!description || !*description)) {
        if (may_be_empty)
            return strdup("");
        srv_error(w, 400, "missing_field", "give a 'subject' or a 'description'");
        return NULL;
    }
    struct kb_buf b = KB_BUF_INIT;
    if (subject)
        kb_buf_adds(&b, subject);
    if (description) {
        kb_buf_addc(&b, '\n');
        kb_buf_adds(&b, description);
    }
    return kb_buf_detach(&b);
}

static void h_deflect(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const allowed[] = {"subject", "description", "locale", NULL};
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    const char *locale = NULL;
    char *text = case_text(body, allowed, w, &locale, 0);
    if (!text) {
        json_decref(body);
        return;
    }
    struct kb_index *ix = srv_index(c, w);
    struct kb_result *res = NULL;
    struct kb_err err;
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = text;
    o.locale = locale && *locale ? locale : NULL;
    o.kind = KB_KIND_ARTICLE;
    o.limit = 5;
    o.spelling = 0;
    kb_hit_text_from_store(&o, c->st);
    /* Deflection is for customers: public articles only, whoever asks. */
    if (ix && kb_search(ix, KB_ROLE_CUSTOMER, &o, &res, &err) != 0) {
        srv_kb_error(w, &err);
    } else if (ix) {
        int64_t sid = log_search(c, r, text, KB_ROLE_CUSTOMER, "deflect", res->total, o.locale);
        srv_json(w, 200, json_pack("{s:o, s:o}", "articles", hits_json(c, res, 0), "search_id",
                                   srv_sid_json(c, r, sid)));
    }
    kb_result_free(res);
    free(text);
    json_decref(body);
}

/* ---- agent assist ---- */

/* The article that solved ticket t, as a link: {number, ref, title, url,
 * audience}, or null. */
static json_t *solved_with(struct srv_ctx *c, const struct kb_doc *t)
{
    struct kb_linked_article a;
    if (kb_tickets_linked_article(c->st, t, &a, NULL) != 0 || a.number <= 0) {
        kb_linked_article_release(&a);
        return json_null();
    }
    char ref[32];
    snprintf(ref, sizeof ref, "KB-%lld", (long long)a.number);
    struct kb_buf url = KB_BUF_INIT;
    srv_article_path(&url, a.number, a.title);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "number", (json_int_t)a.number, "ref", ref,
                          "title", a.title, "url", kb_buf_str(&url), "audience",
                          kb_audience_name(a.audience));
    kb_buf_release(&url);
    kb_linked_article_release(&a);
    return o;
}

/* for_customer: the customer the agent typed; a ticket of another
 * customer has that customer's personal data redacted. */
static json_t *ticket_json(struct srv_ctx *c, const struct kb_doc *t, const char *for_customer,
                           double score)
{
    /* Other customers' personal data never reaches this agent's screen. */
    const char *names[2] = {NULL, NULL};
    size_t nn = 0;
    int other = !for_customer || !t->customer || strcasecmp(for_customer, t->customer) != 0;
    if (other && t->customer)
        names[nn++] = t->customer;
    char *subject = kb_redact(t->title, names, nn);
    char *resolution = kb_redact(t->resolution, names, nn);
    char *description = kb_redact(t->description, names, nn);
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s?, s:I, s:I}", "id",
                          t->source_id, "number", (json_int_t)t->number, "subject", subject,
                          "resolution", resolution, "description", description, "category",
                          t->category, "team", t->team, "product", t->product, "linked_article",
                          t->linked_article, "created", (json_int_t)t->created, "resolved",
                          (json_int_t)t->resolved);
    if (!other) {
        json_object_set_new(o, "customer", json_string(t->customer));
        json_object_set_new(o, "unit", t->unit ? json_string(t->unit) : json_null());
    }
    if (score > 0)
        json_object_set_new(o, "score", json_real(score));
    json_object_set_new(o, "solved_with", solved_with(c, t));
    free(subject);
    free(resolution);
    free(description);
    return o;
}

struct vote {
    char name[128];
    double w;
};

static void add_vote(struct vote *v, size_t *n, size_t max, const char *name, double w)
{
    if (!name || !*name)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(v[i].name, name) == 0) {
            v[i].w += w;
            return;
        }
    if (*n < max) {
        snprintf(v[*n].name, sizeof v[*n].name, "%s", name);
        v[(*n)++].w = w;
    }
}

static json_t *best_vote(const struct vote *v, size_t n)
{
    double total = 0, best = 0;
    size_t bi = 0;
    for (size_t i = 0; i < n; i++) {
        total += v[i].w;
        if (v[i].w > best) {
            best = v[i].w;
            bi = i;
        }
    }
    if (!n || total <= 0)
        return json_null();
    return json_pack("{s:s, s:f}", "name", v[bi].name, "confidence", best / total);
}

/* Previous cases. A customer lookup may find someone else ("Yuki" finds
 * "Yuki Tanaka" and "Bob Yukimura"): each ticket it found names its
 * customer, but only the customer the agent gave whole sees their own
 * personal data unredacted. */
static json_t *previous(struct srv_ctx *c, const char *customer, const char *unit,
                        const char *for_customer)
{
    json_t *a = json_array();
    struct kb_doc *docs = NULL;
    size_t n = 0;
    if (kb_tickets_list(c->st, customer, unit, 20, &docs, &n, NULL) == 0)
        for (size_t i = 0; i < n; i++) {
            json_t *o = ticket_json(c, &docs[i], for_customer, 0);
            if (customer && docs[i].customer && !json_object_get(o, "customer"))
                json_object_set_new(o, "customer", json_string(docs[i].customer));
            json_array_append_new(a, o);
        }
    kb_docs_free(docs, n);
    return a;
}

/* The repeat-unit flag: how many tickets unit had in the window the
 * server was given (--repeat-unit-days), and whether that is
 * --repeat-unit-tickets or more. */
static json_t *repeat_unit(struct srv_ctx *c, const char *unit)
{
    const struct srv_opts *o = &c->srv->opts;
    int64_t n = 0;
    int64_t since = (int64_t)time(NULL) - (int64_t)o->repeat_unit_days * 86400;
    if (kb_tickets_unit_count(c->st, unit, since, &n, NULL) != 0)
        return json_null();
    return json_pack("{s:s, s:I, s:i, s:i, s:b}", "unit", unit, "tickets", (json_int_t)n, "days",
                     (int)o->repeat_unit_days, "threshold", (int)o->repeat_unit_tickets, "repeat",
                     n >= (int64_t)o->repeat_unit_tickets);
}

static void h_assist(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    static const char *const allowed[] = {"subject", "description", "locale", "customer", "unit",
                                          "product", NULL};
    json_t *body = srv_body_object(r, w);
    if (!body)
        return;
    const char *locale = NULL, *customer = NULL, *unit = NULL, *product = NULL;
    char *text = case_text(body, allowed, w, &locale, 1);
    if (!text || srv_get_str(body, "customer", 0, 200, &customer, w) ||
        srv_get_str(body, "unit", 0, 200, &unit, w) ||
        srv_get_str(body, "product", 0, 200, &product, w)) {
        free(text);
        json_decref(body);
        return;
    }
    if (!*text && (!customer || !*customer) && (!unit || !*unit)) {
        srv_error(w, 400, "missing_field", "give a 'subject' or a 'description' (or a 'customer' "
                                           "or 'unit' for previous cases only)");
        free(text);
        json_decref(body);
        return;
    }
    struct kb_index *ix = srv_index(c, w);
    if (!ix) {
        free(text);
        json_decref(body);
        return;
    }
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = text;
    o.locale = locale && *locale ? locale : NULL;
    o.spelling = 0;
    o.kind = KB_KIND_ARTICLE;
    o.limit = 6;
    kb_hit_text_from_store(&o, c->st);
    struct kb_result *arts = NULL, *tix = NULL;
    struct kb_err err;
    json_t *out = NULL;
    char *reduced = NULL; /* a pasted e-mail is reduced once for both searches */
    /* No words yet (only who calls): previous cases only, nothing searched. */
    if (*text && kb_search_again(ix, r->who.role, &o, &reduced, &arts, &err) != 0)
        goto fail;
    o.kind = KB_KIND_TICKET;
    o.limit = 8;
    o.snippets = 0;
    if (*text && kb_search_again(ix, r->who.role, &o, &reduced, &tix, &err) != 0)
        goto fail;
    json_t *similar = json_array();
    struct vote cats[16], teams[16];
    size_t ncats = 0, nteams = 0;
    for (size_t i = 0; tix && i < tix->nhits; i++) {
        struct kb_doc t;
        if (kb_store_get(c->st, KB_KIND_TICKET, tix->hits[i].number, &t, NULL) != 0)
            continue;
        json_array_append_new(similar, ticket_json(c, &t, customer, tix->hits[i].score));
        add_vote(cats, &ncats, 16, t.category, tix->hits[i].score);
        add_vote(teams, &nteams, 16, t.team, tix->hits[i].score);
        kb_doc_release(&t);
    }
    out = json_pack("{s:o, s:o, s:{s:o, s:o}}", "articles", arts ? hits_json(c, arts, 1) : json_array(), "similar_tickets",
                    similar, "suggested", "category", best_vote(cats, ncats), "team",
                    best_vote(teams, nteams));
    json_object_set_new(out, "customer_tickets",
                        customer && *customer ? previous(c, customer, NULL, customer)
                                              : json_array());
    json_object_set_new(out, "unit_tickets",
                        unit && *unit ? previous(c, NULL, unit, customer) : json_array());
    json_object_set_new(out, "repeat_unit", unit && *unit ? repeat_unit(c, unit) : json_null());
    srv_json(w, 200, out);
    goto done;
fail:
    srv_kb_error(w, &err);
done:
    kb_result_free(arts);
    kb_result_free(tix);
    free(reduced);
    free(text);
    json_decref(body);
}

const struct srv_route srv_routes_search[] = {
    {"GET", "/api/v1/search", h_search, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS | SRV_RATED,
     "ranked hits, filtered by locale, category, tag, kind, audience and product; customers "
     "see public published articles only"},
    {"GET", "/api/v1/suggest", h_suggest, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS | SRV_RATED,
     "typeahead titles from the caller's audience"},
    {"POST", "/api/v1/deflect", h_deflect, KB_ROLE_CUSTOMER, SRV_PUBLIC_CORS | SRV_RATED,
     "public articles that may answer a ticket being written"},
    {"POST", "/api/v1/assist", h_assist, KB_ROLE_AGENT, SRV_RATED,
     "articles, similar resolved tickets with their solving articles, previous cases (a "
     "customer by part of a name or e-mail), the repeat-unit flag and a suggested category "
     "and team; with only a customer or unit, previous cases alone"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
