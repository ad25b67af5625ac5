/* Internals shared by kb/emerging's files (emerging.c: tickets and the
 * cycle; search_topics.c: customers' searches): included by nothing else. */
#ifndef KB_EMERGING_INT_H
#define KB_EMERGING_INT_H

#include "kb/emerging/emerging.h"

/* Readable words: for each term (stem) of a topic, the shortest word of
 * the topic's texts that stems to it. */
struct emerging_surface {
    const char *locale;
    char *const *terms;
    size_t nterms;
    char **best;
};
void emerging_surface_init(struct emerging_surface *s, char *const *terms, size_t nterms);
/* Adds text's words (stemmed for locale, NULL = English). */
void emerging_surface_add(struct emerging_surface *s, const char *locale, const char *text);
/* Fills p->words (a word for every term: the surface form, else the term)
 * and releases s. */
void emerging_surface_done(struct emerging_surface *s, struct kb_emerging_problem *p);

/* The top four terms sorted and joined by '+' (caller frees): the same
 * problem seen in a later cycle has the same key while its words stay. */
char *emerging_key(char *const *terms, size_t nterms);
/* Sets p's best published article for the topic's terms, or none. */
void emerging_best_article(struct kb_index *ix, char *const *terms, size_t nterms,
                           struct kb_emerging_problem *p);
/* 1 when r recent over b in the baseline (window lengths w and t hours)
 * passes o's test; *p gets the p-value. */
int emerging_flagged(const struct kb_emerging_opts *o, int64_t r, int64_t b, double w, double t,
                     double *p);

/* Appends the emerging topics of customers' searches in [baseline_from,
 * now] to r (those not already a ticket problem of r: two key words
 * shared). */
int emerging_search_problems(struct kb_store *st, struct kb_index *ix,
                             const struct kb_emerging_opts *o, struct kb_emerging_report *r,
                             struct kb_err *err);

#endif
