/* Analytics an admin can act on, over [from, to) (struct kb_range of
 * kb/store/events.h): the least helpful articles by a rule (enough votes,
 * a helpful share below a bar), article views (customers' and staff's,
 * kb/store/views.c's counters), agents' use of articles (opened, copied,
 * marked as solving) and content gaps (customers' searches that found
 * nothing or were not followed by a click, grouped by their words). */
#ifndef KB_ANALYTICS_H
#define KB_ANALYTICS_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/events.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The migration step that lets events hold "copy" (an agent copied an
 * article's KB number): the events table rebuilt with the wider CHECK, its
 * indexes and triggers (whatever they are by then) made again. */
struct sqlite3;
int kb_events_copy_migrate(struct sqlite3 *db, struct kb_err *err);

#define KB_LEAST_MIN_VOTES 5  /* defaults of the least-helpful rule */
#define KB_LEAST_BELOW_PCT 50

/* Articles with at least min_votes (>= 1) votes in the range whose helpful
 * share is below below_pct percent (1..100): lowest share first, then most
 * votes, then number. An article voted 100% helpful is never one. KB_EINVAL
 * names "min_votes" or "below". Free with kb_article_stats_free. */
int kb_analytics_least_helpful(struct kb_store *st, const struct kb_range *r, int64_t min_votes,
                               int below_pct, size_t limit, struct kb_article_stat **out,
                               size_t *n, struct kb_err *err);

struct kb_view_stat {
    int64_t number;
    char *title;              /* NULL when the article is gone */
    int64_t customer, staff;  /* views: once per visitor, article and day */
};
/* Articles by customers' views over the UTC days that begin in [from, to),
 * most first (then staff views, number); *customer and *staff (may be
 * NULL) get the totals over all articles. Free with kb_view_stats_free. */
int kb_analytics_views(struct kb_store *st, const struct kb_range *r, size_t limit,
                       struct kb_view_stat **out, size_t *n, int64_t *customer,
                       int64_t *staff, struct kb_err *err);
void kb_view_stats_free(struct kb_view_stat *v, size_t n);

struct kb_agent_stat {
    int64_t number;
    char *title;
    int64_t page_views; /* staff views of the article page (views.c's counter) */
    int64_t opened;     /* "view" and "click" events by agents, writers, admins */
    int64_t copied;     /* "copy" events by them */
    int64_t solved;     /* "solved" events by them */
};
/* Articles by staff use (all four summed), most first; customers' events
 * never count. Free with kb_agent_stats_free. */
int kb_analytics_agents(struct kb_store *st, const struct kb_range *r, size_t limit,
                        struct kb_agent_stat **out, size_t *n, struct kb_err *err);
void kb_agent_stats_free(struct kb_agent_stat *v, size_t n);

#define KB_GAP_QUERIES 5 /* the searches a gap lists */

struct kb_gap {
    char *words;        /* the group's key: kb_analytics_gap_words */
    char *example;      /* its most searched form */
    int64_t searches;   /* customers' searches in the group */
    int64_t no_results; /* of them, found nothing */
    int64_t no_click;   /* of them, found something, not clicked */
    int64_t visitors;   /* distinct visitors (searches of known visitors) */
    int64_t last;       /* time of the latest */
    char **queries;     /* the most searched forms, most first */
    int64_t *counts;    /* their searches */
    size_t nqueries;    /* <= KB_GAP_QUERIES */
};
/* Customers' searches (search and deflect) that found nothing, or found
 * something no click followed, grouped by their words: most searches
 * first, then visitors, then words. Staff searches never count. Free with
 * kb_gaps_free. */
int kb_analytics_gaps(struct kb_store *st, const struct kb_range *r, size_t limit,
                      struct kb_gap **out, size_t *n, struct kb_err *err);
void kb_gaps_free(struct kb_gap *v, size_t n);
/* A normalised query's group key: its words (cut at punctuation and
 * spaces) without the stop words of locale's language (English when it has
 * no list), each once, sorted; the query itself when nothing is left.
 * Caller frees. */
char *kb_analytics_gap_words(const char *query, const char *locale);

#ifdef __cplusplus
}
#endif
#endif
