/* One detection cycle: topics of the recent window from the index, each
 * tested against its own baseline (rate_test.c), and for the emerging ones
 * what staff need to act: readable words, counts per hour, redacted
 * examples, products and units, the best article, and the customers who
 * searched for it and whether they still filed. */
#include "kb/emerging/emerging.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/buf.h"
#include "kb/base/text.h"
#include "kb/index/topics.h"
#include "kb/search/search.h"
#include "kb/store/tickets.h"
#include "kb/store/topic_searches.h"

#define MEMBERS_READ 200     /* tickets of a problem read for products and units */
#define SEARCHES_READ 20000  /* customers' searches of the window read at most */
#define EXAMPLE_CHARS 240

void kb_emerging_opts_default(struct kb_emerging_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_hours = 6;
    o->baseline_days = 28;
    o->alpha = 1e-5;
    o->min_count = 4;
    o->min_ratio = 4.0;
    o->max_examples = 5;
}

/* ---- readable words: the surface form of each stem in the tickets ---- */

struct surface {
    const char *locale;
    char **terms;
    size_t nterms;
    char **best; /* per term: the shortest word of the tickets that stems to it */
};

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct surface *s = ud;
    if (flen < 2 || flen > 40)
        return 0;
    char *w = kb_xstrndup(folded, flen);
    char *stem = kb_index_stem(s->locale, w);
    for (size_t i = 0; stem && i < s->nterms; i++)
        if (strcmp(stem, s->terms[i]) == 0 && (!s->best[i] || strlen(s->best[i]) > flen)) {
            free(s->best[i]);
            s->best[i] = w;
            w = NULL;
            break;
        }
    free(stem);
    free(w);
    return 0;
}

static void surface_words(struct surface *s, const char *text)
{
    if (text)
        kb_text_words(text, strlen(text), on_word, s);
}

/* ---- counting names (products, units) ---- */

static void count_name(struct kb_emerging_count **list, size_t *n, const char *name)
{
    if (!name || !*name)
        return;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i].name, name) == 0) {
            (*list)[i].count++;
            return;
        }
    *list = kb_xrealloc(*list, (*n + 1) * sizeof **list);
    (*list)[*n].name = kb_xstrdup(name);
    (*list)[*n].count = 1;
    (*n)++;
}

static int by_count(const void *a, const void *b)
{
    const struct kb_emerging_count *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

/* ---- one problem ---- */

static char *example_text(const struct kb_doc *d)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_adds(&b, d->title ? d->title : "");
    const char *body = d->description ? d->description : d->text;
    if (body && *body) {
        kb_buf_adds(&b, ": ");
        size_t n = strlen(body);
        if (n > EXAMPLE_CHARS) {
            n = EXAMPLE_CHARS;
            while (n > 0 && ((unsigned char)body[n] & 0xC0) == 0x80)
                n--; /* a UTF-8 boundary */
        }
        kb_buf_add(&b, body, n);
        if (n < strlen(body))
            kb_buf_adds(&b, "...");
    }
    const char *names[1] = {d->customer};
    char *out = kb_redact(kb_buf_str(&b), names, d->customer && *d->customer ? 1 : 0);
    kb_buf_release(&b);
    return out;
}

/* The best published article for the problem, as an agent would search
 * its words; kept only when its title, summary or snippet holds two of
 * the topic's four strongest terms (else "no article answers this"). */
static void best_article(struct kb_index *ix, const struct kb_topic *t,
                         struct kb_emerging_problem *p)
{
    struct kb_buf q = KB_BUF_INIT;
    for (size_t i = 0; i < p->nwords; i++) {
        if (i)
            kb_buf_addc(&q, ' ');
        kb_buf_adds(&q, p->words[i]);
    }
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = kb_buf_str(&q);
    o.kind = KB_KIND_ARTICLE;
    o.limit = 3;
    o.snippets = 1;
    struct kb_result *res = NULL;
    size_t strong = t->nterms < 4 ? t->nterms : 4;
    if (kb_search(ix, KB_ROLE_AGENT, &o, &res, NULL) == 0) {
        for (size_t i = 0; i < res->nhits && !p->article; i++) {
            const struct kb_hit *h = &res->hits[i];
            struct kb_buf text = KB_BUF_INIT;
            kb_buf_adds(&text, h->title ? h->title : "");
            kb_buf_addc(&text, '\n');
            kb_buf_adds(&text, h->summary ? h->summary : "");
            kb_buf_addc(&text, '\n');
            kb_buf_adds(&text, h->snippet ? h->snippet : "");
            if (kb_index_terms_in_text(kb_buf_str(&text), h->locale,
                                       (const char *const *)t->terms, strong) >= 2) {
                p->article = h->number;
                p->article_title = kb_xstrdup(h->title);
                p->article_internal = h->audience == KB_AUD_INTERNAL;
            }
            kb_buf_release(&text);
        }
    }
    kb_result_free(res);
    kb_buf_release(&q);
}

static void fill_problem(struct kb_store *st, struct kb_index *ix,
                         const struct kb_emerging_opts *o, const struct kb_topic *t,
                         const struct kb_search_seen *seen, size_t nseen, int64_t window_from,
                         struct kb_emerging_problem *p)
{
    /* Tickets, newest first: examples, products, units, readable words. */
    struct surface sf = {"en", t->terms, t->nterms, kb_xcalloc(t->nterms + 1, sizeof(char *))};
    p->examples = kb_xcalloc(o->max_examples * 2 + 1, sizeof *p->examples);
    size_t read = 0;
    for (size_t k = t->n; k-- > 0 && read < MEMBERS_READ; read++) {
        struct kb_doc d;
        if (kb_store_get(st, KB_KIND_TICKET, t->numbers[k], &d, NULL) != 0)
            continue;
        count_name(&p->products, &p->nproducts, d.product);
        count_name(&p->units, &p->nunits, d.unit);
        sf.locale = d.locale ? d.locale : "en";
        surface_words(&sf, d.title);
        surface_words(&sf, d.description ? d.description : d.text);
        if (p->nexamples < o->max_examples) {
            struct kb_emerging_example *e = &p->examples[p->nexamples++];
            e->kind = KB_KIND_TICKET;
            e->id = kb_xstrdup(d.source_id);
            e->number = d.number;
            e->time = d.created;
            e->text = example_text(&d);
        }
        kb_doc_release(&d);
    }
    if (p->nproducts) /* qsort must not be given NULL, even for none */
        qsort(p->products, p->nproducts, sizeof *p->products, by_count);
    if (p->nunits)
        qsort(p->units, p->nunits, sizeof *p->units, by_count);
    p->words = kb_xcalloc(t->nterms + 1, sizeof(char *));
    for (size_t i = 0; i < t->nterms; i++)
        p->words[p->nwords++] = sf.best[i] ? sf.best[i] : kb_xstrdup(t->terms[i]);
    free(sf.best);

    /* Customers' searches of the window that hold enough of the terms. */
    size_t need = t->nterms < 2 ? t->nterms : 2;
    size_t shown = 0;
    for (size_t i = 0; i < nseen; i++) {
        if (kb_index_terms_in_text(seen[i].query, seen[i].locale, (const char *const *)t->terms,
                                   t->nterms) < need)
            continue;
        p->searches++;
        p->searches_filed += seen[i].submitted;
        if (shown < o->max_examples) {
            struct kb_emerging_example *e = &p->examples[p->nexamples++];
            e->kind = -1;
            e->number = seen[i].id;
            e->time = seen[i].time;
            e->text = kb_redact(seen[i].query, NULL, 0);
            shown++;
        }
    }

    /* Counts per hour of the window, and the stable key. */
    p->nhours = (size_t)o->window_hours;
    if (p->nhours > sizeof p->hourly / sizeof *p->hourly)
        p->nhours = sizeof p->hourly / sizeof *p->hourly;
    for (size_t i = 0; i < t->n; i++) {
        int64_t h = (t->created[i] - window_from) / 3600;
        if (h >= 0 && (size_t)h < p->nhours)
            p->hourly[h]++;
    }
    p->since = t->n ? t->created[0] : 0;
    best_article(ix, t, p);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The top four terms, sorted and joined: the same problem seen again in a
 * later cycle has the same key while its strongest words stay. */
static char *problem_key(const struct kb_topic *t)
{
    size_t n = t->nterms < 4 ? t->nterms : 4;
    char *v[4];
    for (size_t i = 0; i < n; i++)
        v[i] = t->terms[i];
    qsort(v, n, sizeof *v, cmp_str);
    struct kb_buf b = KB_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i)
            kb_buf_addc(&b, '+');
        kb_buf_adds(&b, v[i]);
    }
    char *out = kb_xstrdup(kb_buf_str(&b));
    kb_buf_release(&b);
    return out;
}

static int by_p(const void *a, const void *b)
{
    const struct kb_emerging_problem *x = a, *y = b;
    if (x->p_value != y->p_value)
        return x->p_value < y->p_value ? -1 : 1;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : 0;
}

int kb_emerging_detect(struct kb_store *st, struct kb_index *ix,
                       const struct kb_emerging_opts *opts, struct kb_emerging_report **out,
                       struct kb_err *err)
{
    *out = NULL;
    struct kb_emerging_opts o;
    kb_emerging_opts_default(&o);
    if (opts) {
        o = *opts;
        struct kb_emerging_opts d;
        kb_emerging_opts_default(&d);
        if (o.window_hours <= 0)
            o.window_hours = d.window_hours;
        if (o.baseline_days <= 0)
            o.baseline_days = d.baseline_days;
        if (o.alpha <= 0)
            o.alpha = d.alpha;
        if (o.min_count <= 0)
            o.min_count = d.min_count;
        if (o.min_ratio <= 0)
            o.min_ratio = d.min_ratio;
        if (o.max_examples == 0)
            o.max_examples = d.max_examples;
    }
    int64_t now = o.now ? o.now : (int64_t)time(NULL);
    int64_t window_from = now - (int64_t)o.window_hours * 3600;
    int64_t baseline_from = window_from - (int64_t)o.baseline_days * 86400;
    int64_t oldest = kb_index_tickets_oldest(ix);
    if (oldest > baseline_from)
        baseline_from = oldest < window_from ? oldest : window_from;

    struct kb_topic_opts to;
    kb_topic_opts_default(&to);
    to.now = now;
    to.recent_from = window_from;
    to.baseline_from = baseline_from;
    struct kb_topics *topics = NULL;
    int rc = kb_index_topics(ix, &to, &topics, err);
    if (rc)
        return rc;
    struct kb_emerging_report *r = kb_xcalloc(1, sizeof *r);
    r->now = now;
    r->window_from = window_from;
    r->baseline_from = baseline_from;
    r->topics = topics->n;
    r->recent = topics->recent;
    r->problems = kb_xcalloc(topics->n + 1, sizeof *r->problems);

    double w = (double)o.window_hours, t = (double)(window_from - baseline_from) / 3600.0;
    struct kb_search_seen *seen = NULL;
    size_t nseen = 0;
    int searches_read = 0;
    for (size_t i = 0; i < topics->n; i++) {
        const struct kb_topic *tp = &topics->t[i];
        int64_t count = (int64_t)tp->n, b = (int64_t)tp->baseline;
        double p = kb_emerging_pvalue(count, b, w, t);
        /* The rate ratio with half a ticket of prior in the baseline, so
         * that a topic never seen before is not an infinite ratio. */
        double expected_prior = t > 0 ? ((double)b + 0.5) * w / t : (double)count;
        if (count < o.min_count || p >= o.alpha || (double)count < o.min_ratio * expected_prior)
            continue;
        if (!searches_read) {
            /* Read once, only when something emerges. */
            if (kb_store_customer_searches(st, window_from, now, SEARCHES_READ, &seen, &nseen,
                                           NULL) != 0)
                nseen = 0;
            searches_read = 1;
        }
        struct kb_emerging_problem *pr = &r->problems[r->n++];
        pr->count = count;
        pr->baseline_count = b;
        pr->baseline = t > 0 ? (double)b * w / t : 0.0;
        pr->baseline_days = t / 24.0;
        pr->p_value = p;
        pr->key = problem_key(tp);
        fill_problem(st, ix, &o, tp, seen, nseen, window_from, pr);
    }
    kb_search_seen_free(seen, nseen);
    kb_topics_free(topics);
    if (r->n)
        qsort(r->problems, r->n, sizeof *r->problems, by_p);
    *out = r;
    return 0;
}

void kb_emerging_report_free(struct kb_emerging_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        struct kb_emerging_problem *p = &r->problems[i];
        free(p->key);
        for (size_t k = 0; k < p->nwords; k++)
            free(p->words[k]);
        free(p->words);
        for (size_t k = 0; k < p->nexamples; k++) {
            free(p->examples[k].id);
            free(p->examples[k].text);
        }
        free(p->examples);
        for (size_t k = 0; k < p->nproducts; k++)
            free(p->products[k].name);
        free(p->products);
        for (size_t k = 0; k < p->nunits; k++)
            free(p->units[k].name);
        free(p->units);
        free(p->article_title);
    }
    free(r->problems);
    free(r);
}
