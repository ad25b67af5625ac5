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
#define KB_LONG_INPUT_KEEP 12       /* words kept from long input: 24 cost twice as much
                                       and found the ticket's article less often */

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

/* English function words and contractions the query drops (see
 * kb_rank_opts.stopwords), folded. */
extern const char *const kb_stopwords_en[];
extern const size_t kb_stopwords_en_count;

/* A copy of normalised query text (caller frees) with words joined by
 * "-", ".", "/", ":", "\\" or "@" typed apart, outside quotes and numbers:
 * Xapian's parser makes such pairs costly phrases. */
char *kb_search_unphrase(const char *norm);

/* What the query's word-level helpers below ask the index (the shim fills
 * it in; answers may be memoised per search). Returned strings belong to
 * the caller. */
struct kb_query_lookup {
    void *ud;
    const char *locale; /* stop words and stemmer */
    int (*has)(void *ud, const char *term);  /* 1 if the index holds term */
    char *(*stem)(void *ud, const char *word);
    char *(*spell)(void *ud, const char *word, unsigned max_edits); /* NULL: none */
};

/* Spelling correction for a query that finds little: when at least half of
 * its words (stop words aside) are unknown to the index, as typed and as
 * stemmed, each unknown word is replaced by the spelling table's suggestion.
 * Returns the corrected query (caller frees), or NULL when there is nothing
 * to correct. See search.c for why only such queries. */
char *kb_query_correct(const char *norm, const struct kb_query_lookup *l);
/* Typo tolerance: stems of the likely spellings of the query's unknown words
 * of five or more letters. *out (caller frees with kb_query_words_free)
 * gets them; returns how many. */
size_t kb_query_typos(const char *norm, const struct kb_query_lookup *l, char ***out);
/* Stems of words the query types apart but the index knows as one word
 * ("git hub", "e mail"); as kb_query_typos. */
size_t kb_query_joins(const char *norm, const struct kb_query_lookup *l, char ***out);
void kb_query_words_free(char **v, size_t n);

/* The reduced form of long input (caller frees), or NULL when text is short
 * enough to search as it is. */
char *kb_search_reduce(struct kb_index *ix, int dbs, const char *text, const char *locale);

#ifdef __cplusplus
}
#endif
#endif
