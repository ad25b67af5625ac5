/* The text of an indexed document, for its search snippet: the index keeps
 * no bodies (kb/index/index_doc.h), the store holds each one once. */
#ifndef KB_DOC_TEXT_H
#define KB_DOC_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The text of document kind/number as the store holds it, when it is still
 * the version the index has (its updated time is updated), published, and,
 * with public_only, a public article; else NULL (a store copy the change
 * has not reached, or one that changed since: the caller shows the
 * summary). Never a ticket with public_only. Caller frees; *len gets its
 * size. Errors count as "not here". */
char *kb_store_doc_text(struct kb_store *st, int kind, int64_t number, int64_t updated,
                        int public_only, size_t *len);

/* The subtitle (summary: Mallard <desc>, a meta description) of published
 * article number, public only with public_only; with shared, only when
 * another published article of its locale the reader may see has the same
 * title; NULL when it has none or may not be shown. Caller frees. Errors
 * count as "none". */
char *kb_store_doc_summary(struct kb_store *st, int64_t number, int public_only, int shared);

#ifdef __cplusplus
}
#endif
#endif
