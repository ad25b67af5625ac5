/* The query pipeline every caller uses (kb-indexer query, kb-server, the
 * evaluation): the audience comes from the role alone, long input is reduced
 * to its most discriminating words, then the index ranks. */
#ifndef KB_SEARCH_H
#define KB_SEARCH_H

#include "index.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kb_role { KB_ROLE_CUSTOMER = 0, KB_ROLE_AGENT, KB_ROLE_WRITER, KB_ROLE_ADMIN };

#define KB_QUERY_MAX_BYTES 1000     /* customer query limit */
#define KB_LONG_INPUT_WORDS 40      /* input longer than this is reduced */
#define KB_LONG_INPUT_KEEP 24       /* words kept from long input */

/* The databases a role may search: customers only the public one. */
int kb_role_dbs(int role);
/* "customer" | "agent" | "writer" | "admin"; -1 when unknown. */
int kb_role_parse(const char *s);
const char *kb_role_name(int role);

/* Searches as role: o->dbs is overwritten from the role, so no caller can
 * widen a customer's audience. Long input (a pasted e-mail) is reduced to
 * its KB_LONG_INPUT_KEEP rarest words first. *out as kb_index_search. */
int kb_search(struct kb_index *ix, int role, const struct kb_search_opts *o,
              struct kb_result **out, struct kb_err *err);

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
