/* One detection cycle: topics of the recent window from the index, each
 * tested against its own baseline (rate_test.c), and for the emerging ones
 * what staff need to act: readable words, counts per hour, redacted
 * examples, products and units, the best article, and the customers who
 * searched for it and whether they still filed. */
#include "kb/emerging/emerging.h"
#include "kb/emerging/emerging_int.h"

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
#define CONTACTS_READ 50000  /* contact requests of the baseline and window read at most */

void kb_emerging_opts_default(struct kb_emerging_opts *o)
{
    memset(o, 0, sizeof *o);
    o->window_hours = 6;
    o->baseline_days = 28;
    o->alpha = 1e-5;
    o->min_count = 4;
    o->min_ratio = 4.0;
    o->max_examples = 5;
    o->per_network = 2;
    o->min_networks = 3;
}

/* ---- readable words: the surface form of each stem in the texts ---- */

static int on_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct emerging_surface *s = ud;
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

void emerging_surface_init(struct emerging_surface *s, char *const *terms, size_t nterms)
{
    s->locale = "en";
    s->terms = terms;
    s->nterms = nterms;
    s->best = kb_xcalloc(nterms + 1, sizeof(char *));
}

void emerging_surface_add(struct emerging_surface *s, const char *locale, const char *text)
{
    s->locale = locale ? locale : "en";
    if (text)
        kb_text_words(text, strlen(text), on_word, s);
}

void emerging_surface_done(struct emerging_surface *s, struct kb_emerging_problem *p)
{
    p->words = kb_xcalloc(s->nterms + 1, sizeof(char *));
    for (size_t i = 0; i < s->nterms; i++)
        p->words[p->nwords++] = s->best[i] ? s->best[i] : kb_xstrdup(s->terms[i]);
    free(s->best);
    s->best = NULL;
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
void emerging_best_article(struct kb_index *ix, char *const *terms, size_t nterms,
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
    size_t strong = nterms < 4 ? nterms : 4;
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
                                       (const char *const *)terms, strong) >= 2) {
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

/* A contact request of contacts by its number in a topic (-id), or NULL. */
static const struct kb_doc *contact_doc(const struct kb_doc *contacts, size_t ncontacts,
                                        int64_t number)
{
    for (size_t i = 0; i < ncontacts; i++)
        if (contacts[i].number == number)
            return &contacts[i];
    return NULL;
}

static void fill_problem(struct kb_store *st, struct kb_index *ix,
                         const struct kb_emerging_opts *o, const struct kb_topic *t,
                         const struct kb_search_seen *seen, size_t nseen, int64_t window_from,
                         const struct kb_doc *contacts, size_t ncontacts,
                         struct kb_emerging_problem *p)
{
    /* Tickets, newest first: examples, products, units, readable words.
     * Contact requests (negative numbers) are read from contacts. */
    struct emerging_surface sf;
    emerging_surface_init(&sf, t->terms, t->nterms);
    p->examples = kb_xcalloc(o->max_examples * 2 + 1, sizeof *p->examples);
    size_t read = 0;
    for (size_t k = t->n; k-- > 0 && read < MEMBERS_READ; read++) {
        struct kb_doc d;
        const struct kb_doc *dp = &d;
        if (t->numbers[k] < 0) {
            dp = contact_doc(contacts, ncontacts, t->numbers[k]);
            if (!dp)
                continue;
        } else if (kb_store_get(st, KB_KIND_TICKET, t->numbers[k], &d, NULL) != 0) {
            continue;
        }
        count_name(&p->products, &p->nproducts, dp->product);
        count_name(&p->units, &p->nunits, dp->unit);
        emerging_surface_add(&sf, dp->locale, dp->title);
        emerging_surface_add(&sf, dp->locale, dp->description ? dp->description : dp->text);
        if (p->nexamples < o->max_examples) {
            struct kb_emerging_example *e = &p->examples[p->nexamples++];
            e->kind = dp->number < 0 ? KB_EMERGING_CONTACT : KB_KIND_TICKET;
            e->id = dp->source_id ? kb_xstrdup(dp->source_id) : NULL;
            e->number = dp->number < 0 ? -dp->number : dp->number;
            e->time = dp->created;
            e->text = example_text(dp);
        }
        if (dp == &d)
            kb_doc_release(&d);
    }
    if (p->nproducts) /* qsort must not be given NULL, even for none */
        qsort(p->products, p->nproducts, sizeof *p->products, by_count);
    if (p->nunits)
        qsort(p->units, p->nunits, sizeof *p->units, by_count);
    emerging_surface_done(&sf, p);

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
            e->kind = KB_EMERGING_SEARCH;
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
    emerging_best_article(ix, t->terms, t->nterms, p);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char *emerging_key(char *const *terms, size_t nterms)
{
    size_t n = nterms < 4 ? nterms : 4;
    char *v[4];
    for (size_t i = 0; i < n; i++)
        v[i] = terms[i];
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

int emerging_flagged(const struct kb_emerging_opts *o, int64_t r, int64_t b, double w, double t,
                     double *p)
{
    *p = kb_emerging_pvalue(r, b, w, t);
    /* The rate ratio with half a count of prior in the baseline, so that a
     * topic never seen before is not an infinite ratio. */
    double expected_prior = t > 0 ? ((double)b + 0.5) * w / t : (double)r;
    return r >= o->min_count && *p < o->alpha && (double)r >= o->min_ratio * expected_prior;
}

int kb_emerging_key_shared(const char *a, const char *b)
{
    int n = 0;
    char *copy = kb_xstrdup(a), *save = NULL;
    for (char *wd = strtok_r(copy, "+", &save); wd; wd = strtok_r(NULL, "+", &save)) {
        size_t len = strlen(wd);
        for (const char *q = b; (q = strstr(q, wd)) != NULL; q += len)
            if ((q == b || q[-1] == '+') && (q[len] == '\0' || q[len] == '+')) {
                n++;
                break;
            }
    }
    free(copy);
    return n;
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
        if (o.per_network == 0)
            o.per_network = d.per_network;
        if (o.min_networks == 0)
            o.min_networks = d.min_networks;
    }
    int64_t now = o.now ? o.now : (int64_t)time(NULL);
    int64_t window_from = now - (int64_t)o.window_hours * 3600;
    int64_t baseline_from = window_from - (int64_t)o.baseline_days * 86400;
    int64_t oldest = kb_index_tickets_oldest(ix);
    if (oldest > baseline_from)
        baseline_from = oldest < window_from ? oldest : window_from;

    /* Contact-form requests are tickets too: grouped with the index's. */
    struct kb_doc *contacts = NULL;
    size_t ncontacts = 0;
    int rc = kb_store_contact_docs(st, baseline_from, now, CONTACTS_READ, &contacts, &ncontacts,
                                   err);
    if (rc)
        return rc;
    struct kb_topic_opts to;
    kb_topic_opts_default(&to);
    to.now = now;
    to.recent_from = window_from;
    to.baseline_from = baseline_from;
    to.extra = contacts;
    to.nextra = ncontacts;
    struct kb_topics *topics = NULL;
    rc = kb_index_topics(ix, &to, &topics, err);
    if (rc) {
        kb_store_contact_docs_free(contacts, ncontacts);
        return rc;
    }
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
        double p;
        if (!emerging_flagged(&o, count, b, w, t, &p))
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
        pr->source = KB_EMERGING_TICKETS;
        pr->key = emerging_key(tp->terms, tp->nterms);
        fill_problem(st, ix, &o, tp, seen, nseen, window_from, contacts, ncontacts, pr);
    }
    kb_search_seen_free(seen, nseen);
    kb_topics_free(topics);
    kb_store_contact_docs_free(contacts, ncontacts);
    if (!o.no_searches && (rc = emerging_search_problems(st, ix, &o, r, err)) != 0) {
        kb_emerging_report_free(r);
        return rc;
    }
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
