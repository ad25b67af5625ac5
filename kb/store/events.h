/* What happened after a search: the search log, events (clicks, views,
 * "this solved it", "submitted a ticket anyway"), article feedback, the
 * analytics over them, and the "asked as" learning rule: a successful search
 * teaches the article the words it was found with. Tables live in the store
 * (migration "search log, events, feedback"). */
#ifndef KB_EVENTS_H
#define KB_EVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The store migration step that creates the tables (kb/store/store_schema.c). */
extern const char kb_events_schema_sql[];
/* A later step: events by article (kb_events_usage), articles by title (the
 * learning rule's same-question lookup). */
extern const char kb_events_usage_schema_sql[];
/* Version 5: article_usage, counters of votes and uses kept by triggers. */
extern const char kb_events_counters_schema_sql[];
/* A later step: who made each search (the keyed hashes of struct kb_event's
 * visitor and network), so emerging problems count customers, not
 * searches. */
extern const char kb_events_who_schema_sql[];

#define KB_EVENTS_QUERY_MAX 1000   /* bytes of a logged or posted query */
#define KB_EVENTS_VISITOR_MAX 100  /* bytes of a visitor or session id */
#define KB_FEEDBACK_COMMENT_MAX 2000
#define KB_LEARN_MIN 2             /* a learned "asked as" phrase is 2..200 bytes */
#define KB_LEARN_MAX 200
#define KB_LEARN_SAME_MAX 50       /* articles with the same title that learn it too */

/* The form queries are grouped by: valid UTF-8, lowercase (ASCII, Latin-1,
 * Latin Extended-A, Greek, Cyrillic), trimmed, white space runs as one
 * space, at most KB_EVENTS_QUERY_MAX bytes. Caller frees. */
char *kb_events_norm_query(const char *q);

/* Logs one search now: query as typed (normalised here), role (enum
 * kb_role), endpoint "search" | "suggest" | "deflect", the number of
 * results and the locale (NULL allowed). *search_id (may be NULL) gets the
 * row id, or 0 when nothing was logged because the query is blank.
 * KB_EINVAL for an unknown endpoint or role. */
int kb_events_search(struct kb_store *st, const char *query, int role, const char *endpoint,
                     uint64_t nresults, const char *locale, int64_t *search_id,
                     struct kb_err *err);
/* The same at time t (Unix seconds), for imports and tests. */
int kb_events_search_at(struct kb_store *st, int64_t t, const char *query, int role,
                        const char *endpoint, uint64_t nresults, const char *locale,
                        int64_t *search_id, struct kb_err *err);

/* The search log written in batches (kb-server logs every search; one
 * transaction per row cost three times a cached search). The caller numbers
 * the rows from blocks of ids reserved with kb_events_search_reserve. */
struct kb_search_row {
    int64_t id, time;
    char *query;          /* normalised; "" = nothing to log */
    int role;
    const char *endpoint; /* static */
    uint64_t results;
    char *locale;         /* or NULL */
    char *visitor;        /* the keyed hash of who searched (as struct kb_event's), or NULL */
    char *network;        /* the keyed hash of their network, or NULL */
};
/* Checks and normalises one search as kb_events_search_at does, into *row
 * (release with kb_search_row_release; id left 0). KB_EINVAL for an unknown
 * endpoint or role. */
int kb_search_row_make(int64_t t, const char *query, int role, const char *endpoint,
                       uint64_t nresults, const char *locale, struct kb_search_row *row,
                       struct kb_err *err);
void kb_search_row_release(struct kb_search_row *row);
/* Sets row's visitor and network (copies; NULL or "" = unknown), bounded
 * to KB_EVENTS_VISITOR_MAX bytes. */
void kb_search_row_who(struct kb_search_row *row, const char *visitor, const char *network);
/* Logs one made row now, under a new id (its id is ignored when 0):
 * *search_id (may be NULL) gets it, or 0 for a blank query. */
int kb_events_search_put(struct kb_store *st, const struct kb_search_row *row, int64_t *search_id,
                         struct kb_err *err);
/* Inserts rows (with their ids) in one transaction, or inside the caller's.
 * A row whose id is taken already is skipped and counted in *skipped (may
 * be NULL). */
int kb_events_search_insert(struct kb_store *st, const struct kb_search_row *rows, size_t n,
                            size_t *skipped, struct kb_err *err);
/* Reserves n ids for rows to come: *first .. *first + n - 1, above every id
 * the log holds or gave before, and never given again (not to another
 * process logging into the same store either, nor to a row inserted the
 * usual way). Its own write transaction. */
int kb_events_search_reserve(struct kb_store *st, int64_t n, int64_t *first, struct kb_err *err);

/* ---- a replica's own search log (kb/store/replica_log.c) ----
 * A read replica logs the searches it answers in its store copy, numbered
 * above a base of its own, and ships them to the primary. */
/* Makes the next search logged in st get an id above base (moves the
 * search log's AUTOINCREMENT counter to base, up or down). Returns 0, or an
 * error with SQLite's message. */
int kb_events_search_base(struct kb_store *st, int64_t base, struct kb_err *err);
/* The logged searches with an id above after, in id order, at most max of
 * them: *rows (caller frees with kb_search_rows_free) gets *n rows with
 * their ids, or NULL and 0 when there are none. */
int kb_events_search_rows_after(struct kb_store *st, int64_t after, size_t max,
                                struct kb_search_row **rows, size_t *n, struct kb_err *err);
/* Releases each of n rows and frees the array (NULL allowed). */
void kb_search_rows_free(struct kb_search_row *rows, size_t n);

/* The event types kb_events_add takes, as a message lists them. */
#define KB_EVENT_TYPES "click, solved, submitted, view, copy"
/* 1 when type is one of KB_EVENT_TYPES. */
int kb_event_type_known(const char *type);

/* An event as posted. Strings are borrowed; 0 / NULL means absent. */
struct kb_event {
    const char *type;    /* "click" | "solved" | "submitted" | "view" | "copy" (an agent
                            copied the article's number: kb/store/analytics.h) */
    int64_t search_id;   /* a row of the search log */
    int64_t article;     /* article number */
    const char *query;   /* the words searched, when the client knows them */
    const char *visitor; /* who posted: the server's keyed hash of the visitor id (or of
                            the address when there is none); NULL = unknown */
    int role;            /* enum kb_role of the poster: customers teach public articles only */
    int64_t time;        /* Unix seconds; 0 = now */
    int bound;           /* search_id is a capability issued to this role and visitor:
                            only then does its logged query teach */
    const char *network; /* keyed hash of the poster's network (IPv4 /24, IPv6 /64) */
};

/* Records ev. KB_EINVAL names the bad field ("type", "search_id": no such
 * search, "query" too long, ...). Then applies the learning rule: a
 * "solved" event with an article and a query (its own, or its search's)
 * adds the query to the article's "asked as" field when the article exists
 * and is published (and public, for a customer) and the query is 2..200
 * bytes; articles with the same title and locale (other answers to the same
 * question) learn it too, at most KB_LEARN_SAME_MAX of them. *learned (may be NULL) is 1 when it did (the store queues a
 * reindex unless the phrase was already there); a failure
 * to learn is logged, not returned: the event is recorded either way.
 * *event_id (may be NULL) gets the row id. The ranking evaluation feeds
 * successful searches through here too, e.g.
 *     struct kb_event ev = {"solved", 0, number, query, NULL, KB_ROLE_CUSTOMER, 0};
 * so live traffic and the evaluation learn by the same rule. */
int kb_events_add(struct kb_store *st, const struct kb_event *ev, int64_t *event_id,
                  int *learned, struct kb_err *err);

/* A "was this helpful?" vote. Strings borrowed; 0 / NULL means absent. */
struct kb_feedback {
    int64_t article;     /* article number, required */
    int helpful;         /* 0 or 1 */
    const char *comment; /* at most KB_FEEDBACK_COMMENT_MAX bytes */
    int64_t search_id;   /* the search the reader came from */
    const char *query;
    int role;            /* enum kb_role of the voter */
    int64_t time;        /* 0 = now */
    const char *visitor; /* as in struct kb_event */
    int bound;
    const char *network;
};

/* Records a vote. The caller has checked that the voter may see the
 * article. A helpful vote with a query (its own or its search's) teaches
 * the article as kb_events_add does; *learned and *feedback_id as there. */
int kb_feedback_add(struct kb_store *st, const struct kb_feedback *fb, int64_t *feedback_id,
                    int *learned, struct kb_err *err);

/* How readers rated and used an article, all time: what the ranking's
 * prior is made of (sync copies it into the document it indexes). Votes
 * queue a reindex of the article; clicks and "solved" events do when
 * their sum reaches a power of two (the prior grows with its logarithm). */
struct kb_usage {
    int64_t helpful, unhelpful; /* votes */
    int64_t clicks, solved;     /* events */
};
int kb_events_usage(struct kb_store *st, int64_t article, struct kb_usage *out,
                    struct kb_err *err);

/* ---- analytics over [from, to) ---- */

/* Which searches count. role: enum kb_role, or -1 for any. endpoint: one
 * endpoint name, "all", or NULL for "search" and "deflect" (typeahead
 * prefixes from "suggest" would swamp the rest). Events and votes are
 * filtered by time only. */
struct kb_range {
    int64_t from, to;
    int role;
    const char *endpoint;
};
void kb_range_init(struct kb_range *r, int64_t from, int64_t to);

struct kb_totals {
    int64_t searches, no_results;
    int64_t clicked;          /* searches with at least one click event */
    int64_t clicks, views;    /* events */
    int64_t solved, submitted;
    int64_t helpful, unhelpful;
};
int kb_events_totals(struct kb_store *st, const struct kb_range *r, struct kb_totals *out,
                     struct kb_err *err);

struct kb_query_stat {
    char *query;          /* normalised */
    int64_t searches;
    int64_t no_results;   /* of those, how many found nothing */
    int64_t clicked;      /* of those, how many were followed by a click */
    int64_t last;         /* time of the latest */
};
/* Most frequent queries, most first (ties by text). */
int kb_events_top_queries(struct kb_store *st, const struct kb_range *r, size_t limit,
                          struct kb_query_stat **out, size_t *n, struct kb_err *err);
/* Queries that found nothing (content gaps), most frequent first. */
int kb_events_no_results(struct kb_store *st, const struct kb_range *r, size_t limit,
                         struct kb_query_stat **out, size_t *n, struct kb_err *err);
void kb_query_stats_free(struct kb_query_stat *v, size_t n);

struct kb_article_stat {
    int64_t number;
    char *title;          /* NULL when the article is gone */
    int64_t clicks;
    int64_t helpful, unhelpful;
};
/* Articles by click events, most first. */
int kb_events_top_clicked(struct kb_store *st, const struct kb_range *r, size_t limit,
                          struct kb_article_stat **out, size_t *n, struct kb_err *err);
/* Articles with at least min_votes votes, most helpful first (least
 * helpful first when least is set), ordered by the smoothed ratio
 * (helpful + 1) / (votes + 2) so that one vote does not beat a hundred. */
int kb_events_helpful(struct kb_store *st, const struct kb_range *r, int least,
                      int64_t min_votes, size_t limit, struct kb_article_stat **out, size_t *n,
                      struct kb_err *err);
void kb_article_stats_free(struct kb_article_stat *v, size_t n);

struct kb_day_stat {
    int64_t day;          /* Unix seconds of 00:00 UTC */
    int64_t searches, no_results;
};
/* Searches per UTC day from the day of from to the day before to, days
 * without searches included (only days with searches past 1000 days). */
int kb_events_per_day(struct kb_store *st, const struct kb_range *r, struct kb_day_stat **out,
                      size_t *n, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
