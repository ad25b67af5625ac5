/* Resolved tickets for agent assist: previous cases by customer or unit, and
 * redaction of personal data before a ticket is shown beside another
 * customer's case. */
#ifndef KB_TICKETS_H
#define KB_TICKETS_H

#include <stddef.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tickets of a customer and/or unit (either may be NULL, not both), newest
 * first, at most limit. The customer is looked up as kb_customer_match
 * says; the unit is compared whole, in any case. *docs (n entries) is
 * freed with kb_docs_free. */
int kb_tickets_list(struct kb_store *st, const char *customer, const char *unit, size_t limit,
                    struct kb_doc **docs, size_t *n, struct kb_err *err);
void kb_docs_free(struct kb_doc *docs, size_t n);

/* Whether a ticket's customer value (a name, an e-mail address or an id)
 * is what an agent typed (query), ASCII letters in any case, leading and
 * trailing space ignored: the whole value; or, for a query of two
 * characters or more, the start of one of its words (words split at any
 * character other than a letter or digit), read on to the value's end, in
 * the name or an e-mail's local part (never its domain). "Yuki" finds
 * "Yuki Tanaka", "yuki@example.com" and "Bob Yukimura"; "yuki tan" finds
 * "Yuki Tanaka"; "y" finds only a customer called "y". */
int kb_customer_match(const char *query, const char *customer);

/* *n = the tickets of unit (compared whole, any case) created at or after
 * since (Unix seconds). */
int kb_tickets_unit_count(struct kb_store *st, const char *unit, int64_t since, int64_t *n,
                          struct kb_err *err);

/* The article a ticket's linked_article names ("KB-1042", a number, or an
 * article's source id such as "articles/reset-cloud-password", the
 * ticket's translation preferred): number 0 when it names none that
 * exists or one that is not published (a draft's or an archived article's
 * title is not for the agents who see the ticket). title and audience are the article's; release with
 * kb_linked_article_release. */
struct kb_linked_article {
    int64_t number;
    char *title;
    int audience; /* enum kb_audience */
};
int kb_tickets_linked_article(struct kb_store *st, const struct kb_doc *ticket,
                              struct kb_linked_article *out, struct kb_err *err);
void kb_linked_article_release(struct kb_linked_article *a);

/* A copy of text with e-mail addresses replaced by "[email]", phone numbers
 * by "[phone]", and each of the names (whole words, any case; also each
 * part of three letters or more) by "[name]". Caller frees. */
char *kb_redact(const char *text, const char *const *names, size_t nnames);
/* The same for a search snippet (HTML-escaped text with <mark> highlights):
 * a highlight inside an address, number or name goes with it, and the
 * tags of the result stay balanced. Caller frees. */
char *kb_redact_marked(const char *html, const char *const *names, size_t nnames);
/* The length of the e-mail address or phone number kb_redact would replace
 * at text + i (0 when none starts there). */
size_t kb_redact_span(const char *text, size_t i);

#ifdef __cplusplus
}
#endif
#endif
