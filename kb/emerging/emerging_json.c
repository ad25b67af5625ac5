/* The emerging-problems report as the API's JSON (jansson), shared by
 * kb-server's GET /api/v1/emerging and kb-indexer emerging. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "kb/base/doc.h"
#include "kb/emerging/emerging.h"

static json_t *counts(const struct kb_emerging_count *c, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:s, s:I}", "name", c[i].name, "count",
                                           (json_int_t)c[i].count));
    return a;
}

static json_t *problem(const struct kb_emerging_problem *p)
{
    json_t *words = json_array();
    for (size_t i = 0; i < p->nwords; i++)
        json_array_append_new(words, json_string(p->words[i]));
    json_t *hourly = json_array();
    for (size_t i = 0; i < p->nhours; i++)
        json_array_append_new(hourly, json_integer(p->hourly[i]));
    json_t *ex = json_array();
    for (size_t i = 0; i < p->nexamples; i++) {
        const struct kb_emerging_example *e = &p->examples[i];
        if (e->kind == KB_KIND_TICKET) {
            json_array_append_new(ex, json_pack("{s:s, s:s?, s:I, s:I, s:s}", "kind", "ticket",
                                                "id", e->id, "number", (json_int_t)e->number,
                                                "time", (json_int_t)e->time, "text", e->text));
        } else if (e->kind == KB_EMERGING_CONTACT) {
            char ref[32];
            snprintf(ref, sizeof ref, "CR-%lld", (long long)e->number);
            json_array_append_new(ex, json_pack("{s:s, s:s, s:I, s:I, s:s}", "kind", "contact",
                                                "ref", ref, "number", (json_int_t)e->number,
                                                "time", (json_int_t)e->time, "text", e->text));
        } else
            json_array_append_new(ex, json_pack("{s:s, s:I, s:s}", "kind", "search", "time",
                                                (json_int_t)e->time, "text", e->text));
    }
    json_t *article = json_null();
    if (p->article) {
        char url[64];
        snprintf(url, sizeof url, "/api/v1/articles/KB-%lld", (long long)p->article);
        article = json_pack("{s:I, s:s, s:s?, s:b, s:s}", "number", (json_int_t)p->article,
                            "ref", url + 17, "title", p->article_title, "internal",
                            p->article_internal, "url", url);
    }
    json_t *share = p->searches ? json_real((double)p->searches_filed / (double)p->searches)
                                : json_null();
    return json_pack("{s:s, s:s, s:o, s:I, s:f, s:I, s:f, s:f, s:I, s:o, s:o, s:o, s:o, s:o,"
                     " s:{s:I, s:I, s:o}}",
                     "source", p->source == KB_EMERGING_SEARCHES ? "searches" : "tickets",
                     "key", p->key, "words", words, "count", (json_int_t)p->count, "baseline",
                     p->baseline, "baseline_count", (json_int_t)p->baseline_count,
                     "baseline_days", p->baseline_days, "p_value", p->p_value, "since",
                     (json_int_t)p->since, "hourly", hourly, "examples", ex, "products",
                     counts(p->products, p->nproducts), "units", counts(p->units, p->nunits),
                     "article", article, "deflection", "searches", (json_int_t)p->searches,
                     "filed", (json_int_t)p->searches_filed, "filed_share", share);
}

char *kb_emerging_json(const struct kb_emerging_report *r)
{
    json_t *ps = json_array();
    for (size_t i = 0; i < r->n; i++)
        json_array_append_new(ps, problem(&r->problems[i]));
    json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "problems", ps, "now",
                          (json_int_t)r->now, "window_from", (json_int_t)r->window_from,
                          "baseline_from", (json_int_t)r->baseline_from, "topics",
                          (json_int_t)r->topics, "recent_tickets", (json_int_t)r->recent,
                          "search_topics", (json_int_t)r->search_topics, "recent_queries",
                          (json_int_t)r->recent_searches);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}
