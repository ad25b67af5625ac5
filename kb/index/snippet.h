/* Search-result snippets: the window of a document's text that holds the
 * most of the query's words, HTML-escaped, matches in <mark>. Pure text
 * work on kb_text_words; the caller (the index, which knows the stemmer and
 * the query's terms) says which words match. */
#ifndef KB_SNIPPET_H
#define KB_SNIPPET_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Whether the folded word (borrowed for the call) matches a query term:
 * the term's number, from 0 (one number per term, so that the window can
 * prefer distinct terms over one repeated), or -1 for no match. */
typedef int (*kb_snippet_match_fn)(void *ud, const char *folded, size_t flen);

/* A snippet of about width bytes (0 = 200) of text[0..len): the window with
 * the most distinct matching terms, then the most matches, among the first
 * KB_SNIPPET_SCAN bytes; without a match, the start of the text, or of
 * fallback when the text is empty. nterms is how many term numbers match can
 * return (0: nothing to look for). terms (may be NULL), terms[i] being the
 * text of term number i, lets the scan read only the words that start like
 * a term instead of breaking the whole text into words. Paragraph breaks
 * become spaces; cuts are marked with an ellipsis. Caller frees. */
char *kb_snippet_make(const char *text, size_t len, const char *fallback, size_t width,
                      size_t nterms, const char *const *terms, kb_snippet_match_fn match,
                      void *ud);

#define KB_SNIPPET_SCAN (24 * 1024)

#ifdef __cplusplus
}
#endif
#endif
