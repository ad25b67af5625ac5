/* Emerging problems: recent tickets (indexed ones and contact-form
 * requests) grouped into topics by the index (kb/index/topics.h), and
 * customers' searches grouped into topics of their own; each topic's count
 * in the last hours tested against its own baseline over the previous
 * weeks, and what staff need to act. */
#ifndef KB_EMERGING_H
#define KB_EMERGING_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/index/index.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_emerging_opts {
    int64_t now;          /* 0 = time(NULL) */
    int window_hours;     /* the recent window (default 6) */
    int baseline_days;    /* the baseline before it (default 28) */
    double alpha;         /* the test's one-sided p-value threshold (default 1e-5) */
    int min_count;        /* fewest recent tickets of an emerging topic (default 4) */
    double min_ratio;     /* least rate ratio over the baseline (default 4) */
    size_t max_examples;  /* tickets and searches shown per problem (default 5 each) */
    int per_network;      /* a search topic counts at most this many visitors of one network
                             in one window (default 2): one client without cookies, or one
                             bot, is not a wave; 0 = the default, -1 = no cap */
    int min_networks;     /* and its recent visitors come from this many networks at least
                             (default 3; 0 = the default, -1 = any) */
    int no_searches;      /* 1: no topics of searches (tickets only) */
};
void kb_emerging_opts_default(struct kb_emerging_opts *o);

/* The one-sided p-value of seeing at least r events in the recent window
 * when b were seen in the baseline window, under equal rates: the exact
 * conditional test of two Poisson counts, P(X >= r), X ~ Binomial(r + b,
 * w / (w + t)), for window lengths w and t (any unit). 1 when r is 0. */
double kb_emerging_pvalue(int64_t r, int64_t b, double w, double t);

#define KB_EMERGING_SEARCH (-1)  /* an example's kind: a customer's search */
#define KB_EMERGING_CONTACT (-2) /* a contact-form request */

struct kb_emerging_example {
    int kind;            /* KB_KIND_TICKET, KB_EMERGING_SEARCH or KB_EMERGING_CONTACT */
    char *id;            /* a ticket's source id, or NULL */
    int64_t number;      /* a ticket's number, the search's id, the contact request's id */
    int64_t time;        /* created, or searched */
    char *text;          /* subject (and start of description), personal data redacted */
};

struct kb_emerging_count {
    char *name;
    int64_t count;
};

enum kb_emerging_source {
    KB_EMERGING_TICKETS = 0, /* tickets: indexed ones and contact-form requests */
    KB_EMERGING_SEARCHES = 1 /* customers' searches, counted per distinct visitor */
};

struct kb_emerging_problem {
    int source;              /* enum kb_emerging_source */
    char *key;               /* stable id: the top words sorted, joined by '+' */
    char **words;            /* readable words, most telling first */
    size_t nwords;
    int64_t count;           /* tickets (searches: distinct visitors) in the recent window */
    double baseline;         /* the same expected in a window as long, from the baseline */
    int64_t baseline_count;  /* the same in the baseline window (visitors once a window) */
    double baseline_days;    /* its length (shorter when history is) */
    double p_value;
    int64_t since;           /* created time of the first recent ticket */
    int64_t hourly[48];      /* tickets per hour of the window, oldest first */
    size_t nhours;
    struct kb_emerging_example *examples;
    size_t nexamples;
    struct kb_emerging_count *products, *units;
    size_t nproducts, nunits;
    int64_t article;         /* best matching published article's number, or 0 */
    char *article_title;
    int article_internal;
    int64_t searches;        /* customers' searches of the window that match */
    int64_t searches_filed;  /* of them, how many still filed a ticket ("submitted") */
};

struct kb_emerging_report {
    int64_t now, window_from, baseline_from;
    size_t topics;           /* topics tested (of tickets and of searches) */
    size_t recent;           /* recent tickets read (contact requests included) */
    size_t search_topics;    /* of the topics, those of searches */
    size_t recent_searches;  /* distinct recent queries read */
    struct kb_emerging_problem *problems; /* emerging ones, most significant first */
    size_t n;
};

/* Runs one detection cycle over st (tickets, searches) and ix (a reader or
 * the writer). *out is caller-freed with kb_emerging_report_free. */
int kb_emerging_detect(struct kb_store *st, struct kb_index *ix,
                       const struct kb_emerging_opts *o, struct kb_emerging_report **out,
                       struct kb_err *err);
void kb_emerging_report_free(struct kb_emerging_report *r);

/* How many '+'-separated words problem keys a and b share: two or more of
 * the four is the same problem (in one report, and for alerts). */
int kb_emerging_key_shared(const char *a, const char *b);

/* The report as the API's JSON text ({"problems": [...]}); caller frees. */
char *kb_emerging_json(const struct kb_emerging_report *r);

#ifdef __cplusplus
}
#endif
#endif
