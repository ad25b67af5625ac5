/* The query pipeline every caller uses (kb-indexer query, kb-server, the
 * evaluation): the audience comes from the role alone, long input is reduced
 * to its most discriminating words, then the index ranks. */
#ifndef KB_SEARCH_H
#define KB_SEARCH_H

#include "kb/index/index.h"
#include "kb/base/role.h"

#ifdef __cplusplus
extern "C" {
#endif


#define KB_QUERY_MAX_BYTES 1000     /* customer query limit */
#define KB_LONG_INPUT_WORDS 40      /* input longer than this is reduced */
#define KB_LONG_INPUT_KEEP 12       /* words kept from long input: 24 cost twice as much
                                       and found the ticket's article less often */

/* The databases a role may search: customers only the public one. */
int kb_role_dbs(int role);

/* Searches as role: o->dbs is overwritten from the role, so no caller can
 * widen a customer's audience. Long input (a pasted e-mail) is reduced to
 * its KB_LONG_INPUT_KEEP rarest words first. *out as kb_index_search. */
int kb_search(struct kb_index *ix, int role, const struct kb_search_opts *o,
              struct kb_result **out, struct kb_err *err);

/* kb_search for a caller that searches one text more than once (agent
 * assist: articles, then tickets): long input is reduced on the first call
 * only. *reduced is NULL before the first call and keeps the reduced form
 * ("" for input short enough to search as it is) for the next ones, with
 * the same text, role and locale; the caller frees it. */
int kb_search_again(struct kb_index *ix, int role, const struct kb_search_opts *o,
                    char **reduced, struct kb_result **out, struct kb_err *err);

/* Typeahead titles for role. */
int kb_suggest(struct kb_index *ix, int role, const char *prefix, const char *locale,
               size_t limit, struct kb_result **out, struct kb_err *err);

/* Sets one ranking knob by name, as the command-line tools and the
 * evaluation spell it: "k1", "b", "title-weight", "phrase-weight",
 * "near-weight", "asked-weight", "prior-weight", "synonyms" (0|1),
 * "stopwords" (0|1), "prf" (DOCS:TERMS:WEIGHT, 0:0:0 = off), and the
 * names kb_rank_opts_names lists. A leading "--" is ignored. KB_EINVAL
 * names an unknown knob or a bad value. */
int kb_rank_opts_set(struct kb_rank_opts *r, const char *name, const char *value,
                     struct kb_err *err);
/* The knob names kb_rank_opts_set accepts, NULL-terminated. */
extern const char *const kb_rank_opts_names[];
/* Writes every knob as "name=value" pairs separated by spaces into buf
 * (NUL-terminated, truncated to size). */
void kb_rank_opts_format(const struct kb_rank_opts *r, char *buf, size_t size);


/* The reduced form of long input (caller frees), or NULL when text is short
 * enough to search as it is. */
char *kb_search_reduce(struct kb_index *ix, int dbs, const char *text, const char *locale);

#ifdef __cplusplus
}
#endif
#endif
