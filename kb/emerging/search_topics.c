/* Customers' searches as topics of their own: a wave of customers
 * searching for a new symptom before (or instead of) filing tickets.
 *
 * The distinct queries of the search log are grouped by the index shim
 * (kb_index_text_topics: RSet -> ESet over their words, in a temporary
 * in-memory database), seeded from the queries of the recent window. A
 * topic counts people, not searches: a visitor counts once a window (the
 * recent one, and each window-long slot of the baseline alike, so the two
 * rates compare), one network at most o->per_network visitors a window (a
 * client that keeps no cookie is a new visitor at every search; a bot is
 * one network, or a few), and the recent visitors come from at least
 * o->min_networks networks (one person and one bot are not a wave). Then
 * the same exact Poisson test as tickets, against the topic's own
 * baseline; popular searches have a high one. */
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/emerging/emerging_int.h"
#include "kb/index/topics.h"
#include "kb/store/tickets.h"
#include "kb/store/topic_searches.h"

#define UNITS_READ 500000 /* (query, visitor, hour) rows read at most */
#define TEXT_TERMS 6       /* a short text's topic: fewer terms than a ticket's */
#define TEXT_SHARE 0.4

struct seen_unit {
    uint64_t visitor, network;
    int64_t slot;      /* window-long slots before now: 0 = the recent window */
    int64_t hour, time;
    size_t unit;       /* index into the view's units */
    int submitted;     /* one of the visitor's searches of the slot was followed by filing */
};

static int by_slot_visitor(const void *a, const void *b)
{
    const struct seen_unit *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->visitor != y->visitor)
        return x->visitor < y->visitor ? -1 : 1;
    return x->time < y->time ? -1 : x->time > y->time;
}

static int by_slot_network(const void *a, const void *b)
{
    const struct seen_unit *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->network != y->network)
        return x->network < y->network ? -1 : 1;
    return x->time < y->time ? -1 : x->time > y->time;
}

/* The counted units of a topic (member queries marked in in_topic): one a
 * visitor and slot, at most cap a network and slot (cap < 0: no cap).
 * Returns how many of *out (caller frees) there are. */
static size_t count_units(const struct kb_search_view *v, const unsigned char *in_topic,
                          int64_t window_hours, int64_t last_slot, int cap,
                          struct seen_unit **out)
{
    struct seen_unit *u = NULL;
    size_t n = 0, ucap = 0;
    for (size_t q = 0; q < v->nqueries; q++)
    for (size_t i = in_topic[q] ? v->first[q] : v->first[q + 1]; i < v->first[q + 1]; i++) {
        const struct kb_search_unit *x = &v->units[i];
        int64_t slot = x->hour / window_hours;
        if (slot > last_slot)
            continue;
        if (n == ucap) {
            ucap = ucap ? 2 * ucap : 64;
            u = kb_xrealloc(u, ucap * sizeof *u);
        }
        u[n++] = (struct seen_unit){x->visitor, x->network, slot, x->hour, x->time, i,
                                    x->submitted};
    }
    if (n > 1)
        qsort(u, n, sizeof *u, by_slot_visitor);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) /* a visitor's first search of the slot */
        if (k == 0 || u[k - 1].slot != u[i].slot || u[k - 1].visitor != u[i].visitor)
            u[k++] = u[i];
        else
            u[k - 1].submitted |= u[i].submitted;
    n = k;
    if (cap >= 0) {
        if (n > 1)
            qsort(u, n, sizeof *u, by_slot_network);
        k = 0;
        int seen = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == 0 || u[i - 1].slot != u[i].slot || u[i - 1].network != u[i].network)
                seen = 0;
            if (seen++ < cap)
                u[k++] = u[i];
        }
        n = k;
    }
    *out = u;
    return n;
}

/* 1 when topics a and b (items ascending) share an item below recent_n
 * (the recent queries come first among the items). */
static int share_recent(const struct kb_text_topic *a, const struct kb_text_topic *b,
                        size_t recent_n)
{
    size_t i = 0, k = 0;
    while (i < a->n && k < b->n && a->items[i] < recent_n && b->items[k] < recent_n) {
        if (a->items[i] == b->items[k])
            return 1;
        a->items[i] < b->items[k] ? i++ : k++;
    }
    return 0;
}

struct query_rank {
    size_t query;
    int64_t recent; /* recent units of the query */
};

static int by_recent(const void *a, const void *b)
{
    const struct query_rank *x = a, *y = b;
    if (x->recent != y->recent)
        return x->recent < y->recent ? 1 : -1;
    return x->query < y->query ? -1 : x->query > y->query;
}

static int by_time_desc(const void *a, const void *b)
{
    const struct seen_unit *x = a, *y = b;
    return x->time < y->time ? 1 : x->time > y->time ? -1 : 0;
}

/* Words, hourly counts, examples, deflection and article of a flagged
 * topic from its recent units (counted, any order). */
static void fill(struct kb_index *ix, const struct kb_emerging_opts *o,
                 const struct kb_search_view *v, const struct kb_text_topic *tt,
                 const unsigned char *in_topic, struct seen_unit *recent, size_t nrecent,
                 struct kb_emerging_problem *p)
{
    p->source = KB_EMERGING_SEARCHES;
    p->key = emerging_key(tt->terms, tt->nterms);
    struct emerging_surface sf;
    emerging_surface_init(&sf, tt->terms, tt->nterms);
    for (size_t q = 0; q < v->nqueries; q++)
        if (in_topic[q])
            emerging_surface_add(&sf, v->locales[q], v->queries[q]);
    emerging_surface_done(&sf, p);

    p->nhours = (size_t)o->window_hours;
    if (p->nhours > sizeof p->hourly / sizeof *p->hourly)
        p->nhours = sizeof p->hourly / sizeof *p->hourly;
    if (nrecent > 1)
        qsort(recent, nrecent, sizeof *recent, by_time_desc);
    p->examples = kb_xcalloc(o->max_examples + 1, sizeof *p->examples);
    p->since = nrecent ? recent[nrecent - 1].time : 0;
    for (size_t i = 0; i < nrecent; i++) {
        const struct kb_search_unit *u = &v->units[recent[i].unit];
        size_t h = (size_t)o->window_hours - 1 - (size_t)u->hour;
        if (h < p->nhours)
            p->hourly[h]++;
        p->searches++;
        p->searches_filed += recent[i].submitted;
        int dup = 0; /* each query shown once */
        for (size_t k = 0; k < p->nexamples && !dup; k++)
            dup = p->examples[k].number == (int64_t)u->query;
        if (dup || p->nexamples >= o->max_examples)
            continue;
        struct kb_emerging_example *e = &p->examples[p->nexamples++];
        e->kind = KB_EMERGING_SEARCH;
        e->number = (int64_t)u->query;
        e->time = u->time;
        e->text = kb_redact(v->queries[u->query], NULL, 0);
    }
    for (size_t k = 0; k < p->nexamples; k++) /* the search's id, not the query's index */
        for (size_t i = 0; i < nrecent; i++)
            if ((int64_t)v->units[recent[i].unit].query == p->examples[k].number &&
                v->units[recent[i].unit].time == p->examples[k].time) {
                p->examples[k].number = v->units[recent[i].unit].id;
                break;
            }
    emerging_best_article(ix, tt->terms, tt->nterms, p);
}

int emerging_search_problems(struct kb_store *st, struct kb_index *ix,
                             const struct kb_emerging_opts *o, struct kb_emerging_report *r,
                             struct kb_err *err)
{
    int64_t wh = o->window_hours, now = r->now;
    int64_t window_from = now - wh * 3600;
    int64_t baseline_from = window_from - (int64_t)o->baseline_days * 86400;
    struct kb_search_view *v = NULL;
    int rc = kb_store_search_view(st, baseline_from, now, UNITS_READ, &v, err);
    if (rc)
        return rc;
    /* The baseline: the whole window-long slots the log holds before the
     * window (it may be younger than baseline_days, or pruned by its
     * retention): slots 1 .. last_slot. */
    int64_t from = v->oldest > baseline_from ? v->oldest : baseline_from;
    int64_t last_slot = (now - from) / (wh * 3600) - 1;
    if (last_slot < 0)
        last_slot = 0;

    /* Distinct queries, those of the recent window first (most visitors
     * first): they seed the topics. */
    struct query_rank *rank = kb_xcalloc(v->nqueries + 1, sizeof *rank);
    for (size_t i = 0; i < v->nqueries; i++)
        rank[i].query = i;
    for (size_t i = 0; i < v->n; i++)
        if (v->units[i].hour < wh)
            rank[v->units[i].query].recent++;
    if (v->nqueries > 1)
        qsort(rank, v->nqueries, sizeof *rank, by_recent);
    size_t recent_n = 0;
    struct kb_text_item *items = kb_xcalloc(v->nqueries + 1, sizeof *items);
    size_t *item_query = kb_xcalloc(v->nqueries + 1, sizeof *item_query);
    for (size_t i = 0; i < v->nqueries; i++) {
        items[i].text = v->queries[rank[i].query];
        items[i].locale = v->locales[rank[i].query];
        items[i].recent = rank[i].recent > 0;
        item_query[i] = rank[i].query;
        recent_n += items[i].recent != 0;
    }
    free(rank);
    r->recent_searches = recent_n;
    struct kb_topic_opts to;
    kb_topic_opts_default(&to);
    to.terms = TEXT_TERMS;
    to.share = TEXT_SHARE;
    struct kb_text_topics *tt = NULL;
    rc = kb_index_text_topics(items, v->nqueries, &to, &tt, err);
    free(items);
    if (rc) {
        free(item_query);
        kb_search_view_free(v);
        return rc;
    }
    /* Topics that share a recent query, or two key words, are one wave
     * seeded twice (a paraphrase without the first seed's strongest word):
     * merged into the first, seeded by the query most visitors typed. */
    char **keys = kb_xcalloc(tt->n + 1, sizeof *keys);
    size_t *root = kb_xcalloc(tt->n + 1, sizeof *root);
    for (size_t i = 0; i < tt->n; i++) {
        keys[i] = emerging_key(tt->t[i].terms, tt->t[i].nterms);
        root[i] = i;
        for (size_t j = 0; j < i && root[i] == i; j++)
            if (root[j] == j && (kb_emerging_key_shared(keys[i], keys[j]) >= 2 ||
                                 share_recent(&tt->t[i], &tt->t[j], recent_n)))
                root[i] = j;
    }
    double w = (double)wh, t = (double)(last_slot * wh);
    unsigned char *in_topic = kb_xcalloc(v->nqueries + 1, 1);
    for (size_t i = 0; i < tt->n; i++) {
        if (root[i] != i)
            continue;
        r->search_topics++;
        r->topics++;
        const struct kb_text_topic *topic = &tt->t[i];
        memset(in_topic, 0, v->nqueries);
        for (size_t j = i; j < tt->n; j++)
            for (size_t k = 0; root[j] == i && k < tt->t[j].n; k++)
                in_topic[item_query[tt->t[j].items[k]]] = 1;
        struct seen_unit *u = NULL;
        size_t n = count_units(v, in_topic, wh, last_slot, o->per_network, &u);
        int64_t recent = 0, base = 0, networks = 0;
        for (size_t k = 0; k < n; k++) {
            u[k].slot == 0 ? recent++ : base++;
            /* sorted by slot then network when capped, by slot then visitor otherwise */
            if (u[k].slot == 0 && (k == 0 || u[k - 1].network != u[k].network))
                networks++;
        }
        if (o->per_network < 0)
            networks = recent; /* no cap: networks not counted either */
        double p;
        int keep = emerging_flagged(o, recent, base, w, t, &p) &&
                   (o->min_networks < 0 || networks >= o->min_networks);
        /* A ticket problem of the same words already shows its searches. */
        for (size_t k = 0; k < r->n && keep; k++)
            if (r->problems[k].source == KB_EMERGING_TICKETS &&
                kb_emerging_key_shared(keys[i], r->problems[k].key) >= 2)
                keep = 0;
        if (keep) {
            r->problems = kb_xrealloc(r->problems, (r->n + 1) * sizeof *r->problems);
            struct kb_emerging_problem *pr = &r->problems[r->n++];
            memset(pr, 0, sizeof *pr);
            pr->count = recent;
            pr->baseline_count = base;
            pr->baseline = t > 0 ? (double)base * w / t : 0.0;
            pr->baseline_days = t / 24.0;
            pr->p_value = p;
            size_t nrecent = 0; /* recent units first: the sort put slot 0 first */
            while (nrecent < n && u[nrecent].slot == 0)
                nrecent++;
            fill(ix, o, v, topic, in_topic, u, nrecent, pr);
        }
        free(u);
    }
    for (size_t i = 0; i < tt->n; i++)
        free(keys[i]);
    free(keys);
    free(root);
    free(in_topic);
    free(item_query);
    kb_text_topics_free(tt);
    kb_search_view_free(v);
    return 0;
}
