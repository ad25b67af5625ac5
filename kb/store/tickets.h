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
 * first, at most limit. *docs (n entries) is freed with kb_docs_free. */
int kb_tickets_list(struct kb_store *st, const char *customer, const char *unit, size_t limit,
                    struct kb_doc **docs, size_t *n, struct kb_err *err);
void kb_docs_free(struct kb_doc *docs, size_t n);

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
