/* Learning "asked as" phrases, one kind per audience. Staff (agents,
 * writers, admins) and tickets teach an article's internal copy at once:
 * the article's asked_as text, indexed only in the internal database. The
 * public database learns only what customers typed: each customer phrase
 * is kept as evidence (article, phrase; article, word, keyed hash of the
 * visitor and of the network), and when the article is indexed its public
 * phrases are made from those phrases keeping only the words that
 *   - public content already uses (they reveal nothing new), or
 *   - look like no personal data (no e-mail address, phone number or
 *     serial-like token) and at least k distinct visitors from at least k
 *     distinct networks used for that article (k: kb_learn_k).
 * Tables: learn_phrases, learn_words (store migration 6). */
#ifndef KB_LEARN_H
#define KB_LEARN_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const char kb_learn_schema_sql[];
/* The migration's data step: every phrase learned before this version
 * becomes internal-only, and evidence from no known customer for the
 * public copy (so only words public content uses stay public); every
 * published public article is queued for reindexing. */
struct sqlite3;
int kb_learn_migrate(struct sqlite3 *db, struct kb_err *err);

#define KB_LEARN_K_DEFAULT 3
#define KB_LEARN_K_MAX 1000
/* The k of the rule (store meta "learn_k"; KB_LEARN_K_DEFAULT when unset). */
int kb_learn_k(struct kb_store *st);
/* Sets k (1..KB_LEARN_K_MAX); queues every public article with evidence
 * for reindexing, since its public phrases may change. */
int kb_learn_set_k(struct kb_store *st, int k, struct kb_err *err);

#define KB_LEARN_MIN_BYTES 2   /* a learned phrase is 2..200 bytes */
#define KB_LEARN_MAX_BYTES 200

/* Who taught. visitor and network are keyed hashes (kb_cap_hash) or any
 * stable opaque strings; NULL visitor = no known customer. */
struct kb_teacher {
    int role;            /* enum kb_role */
    const char *visitor;
    const char *network;
};

/* Teaches article number the phrase (already one line, 2..KB_LEARN_MAX
 * bytes) as t's audience allows: staff teach the internal copy only; a
 * customer teaches the internal copy and leaves evidence for the public
 * copy (an article that is not published and public learns nothing from a
 * customer). Queues a reindex when anything changed; *changed (may be
 * NULL) says so. Inside the caller's write transaction when there is one. */
int kb_learn_teach(struct kb_store *st, int64_t number, const char *phrase,
                   const struct kb_teacher *t, int *changed, struct kb_err *err);

/* A ticket's subject is its customer's words: evidence for the public copy
 * of article number (a public article: the caller checks), counted once per
 * distinct customer value (none: only words public content uses can
 * pass). Names of the customer are redacted first. Inside the caller's
 * transaction; queues nothing (the caller does). */
int kb_learn_ticket_subject(struct kb_store *st, int64_t number, const char *subject,
                            const char *customer, struct kb_err *err);

/* The phrase a ticket's subject leaves as evidence: its customer's names
 * redacted, one lowercase line; NULL when it is too short or too long to
 * learn. Caller frees. */
char *kb_learn_ticket_phrase(const char *subject, const char *customer);
#define KB_LEARN_VISITOR_MAX 160
/* The learn_words visitor of a ticket's customer ("ticket-customer:" and
 * the customer lowercased) into out; "" when there is no customer. */
void kb_learn_ticket_visitor(const char *customer, char out[KB_LEARN_VISITOR_MAX]);

/* Whether word (folded) is in the public vocabulary for locale. */
typedef int (*kb_learn_vocab_fn)(void *ud, const char *locale, const char *word);

/* The public phrases of article number (locale: its stemmer), one per
 * line, made from the evidence by the rule above; *out is NULL when there
 * are none. Caller frees. */
int kb_learn_public(struct kb_store *st, int64_t number, const char *locale,
                    kb_learn_vocab_fn vocab, void *ud, char **out, struct kb_err *err);

/* The numbers of the articles with customers' phrases, ascending; caller
 * frees *out. */
int kb_learn_articles(struct kb_store *st, int64_t **out, size_t *n, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
