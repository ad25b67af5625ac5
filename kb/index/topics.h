/* Topics of similar recent tickets, from the Xapian shim (topics.cc): recent
 * tickets grouped by the terms Xapian's relevance feedback (RSet -> ESet)
 * finds they share, and how often each group's terms met before. Plain C
 * for kb/emerging; tickets are found by their created time (a value slot). */
#ifndef KB_INDEX_TOPICS_H
#define KB_INDEX_TOPICS_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/index/index.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_topic_opts {
    int64_t recent_from, now; /* the recent window: created in [recent_from, now] */
    int64_t baseline_from;    /* the baseline: created in [baseline_from, recent_from) */
    size_t terms;             /* terms that describe a topic (default 10, at most 12) */
    double share;             /* a ticket belongs when the terms it holds carry this share
                                 of the topic's ESet weight (default 0.35) */
    size_t min_size;          /* the smallest group kept (default 3) */
    size_t max_recent;        /* recent tickets read at most (default 5000) */
    /* Tickets that are not in the index (contact-form requests), grouped
     * with the indexed ones as if they were: borrowed; each one's number
     * is what its topic's numbers[] carries (make them negative to tell
     * them apart), its created time places it in a window. */
    const struct kb_doc *extra;
    size_t nextra;
};

struct kb_topic {
    char **terms;      /* index terms (stems), most telling first */
    size_t nterms;
    int64_t *numbers;  /* the recent tickets in the group, oldest first */
    int64_t *created;  /* their created times */
    size_t n;
    uint64_t baseline; /* tickets of the baseline window holding its share of the terms */
};

struct kb_topics {
    struct kb_topic *t;
    size_t n;
    size_t recent;     /* recent tickets read */
};

/* Fills opts with the defaults above (windows left 0). */
void kb_topic_opts_default(struct kb_topic_opts *o);
/* Groups the recent tickets of the internal database into topics, biggest
 * first. *out is caller-freed with kb_topics_free. */
int kb_index_topics(struct kb_index *ix, const struct kb_topic_opts *o, struct kb_topics **out,
                    struct kb_err *err);
void kb_topics_free(struct kb_topics *t);
/* ---- topics of short texts (customers' searches) ---- */

struct kb_text_item {
    const char *text;   /* as typed (normalised here) */
    const char *locale; /* NULL = English */
    int recent;         /* in the recent window: only these seed topics */
};

struct kb_text_topic {
    char **terms;       /* index terms (stems), most telling first */
    size_t nterms;
    size_t *items;      /* indexes of every item (recent or not) in the topic, ascending */
    size_t n;
};

struct kb_text_topics {
    struct kb_text_topic *t;
    size_t n;
};

/* Groups short texts the way kb_index_topics groups tickets, in a
 * temporary in-memory database of the n items: each recent item not yet in
 * a topic seeds one (in the order given: put the most telling first) by an
 * RSet -> ESet of its terms, refined over the recent items it finds; every
 * item, recent or not, holding the share of the topic's weight belongs
 * (o: terms, share; the windows are the caller's). *out is caller-freed
 * with kb_text_topics_free. */
int kb_index_text_topics(const struct kb_text_item *items, size_t n,
                         const struct kb_topic_opts *o, struct kb_text_topics **out,
                         struct kb_err *err);
void kb_text_topics_free(struct kb_text_topics *t);

/* How many of the n terms the text holds, as indexing would make its words
 * (normalised, stemmed for locale; NULL = English). 0 on any error. */
size_t kb_index_terms_in_text(const char *text, const char *locale, const char *const *terms,
                              size_t n);
/* The earliest created time among the indexed tickets, or 0 when none. */
int64_t kb_index_tickets_oldest(struct kb_index *ix);

#ifdef __cplusplus
}
#endif
#endif
