/* Word-level query help before ranking: spelling correction, typo
 * variants, joined words, and the query plan the index ranks (see
 * query_words.c). The index is only asked small questions. */
#ifndef KB_QUERY_WORDS_H
#define KB_QUERY_WORDS_H

#include <stddef.h>

#include "kb/index/index.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What the query's word-level helpers below ask the index
 * (kb_query_plan_make answers from kb_index_has_term, kb_index_stem and
 * kb_index_spelling, memoised per search). Returned strings belong to the
 * caller. */
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
 * to correct. See query_words.c for why only such queries. */
char *kb_query_correct(const char *norm, const struct kb_query_lookup *l);
/* Typo tolerance: stems of the likely spellings of the query's unknown words
 * of five or more letters. *out (caller frees with kb_query_words_free)
 * gets them; returns how many. */
size_t kb_query_typos(const char *norm, const struct kb_query_lookup *l, char ***out);
/* Stems of words the query types apart but the index knows as one word
 * ("git hub", "e mail"); as kb_query_typos. */
size_t kb_query_joins(const char *norm, const struct kb_query_lookup *l, char ***out);
void kb_query_words_free(char **v, size_t n);

/* Prepares query for the databases dbs of ix: normalised, joined words
 * (when joins), typo variants and a spelling correction (when spelling).
 * Release with kb_query_plan_release. */
void kb_query_plan_make(struct kb_index *ix, int dbs, const char *query, const char *locale,
                        int joins, int spelling, struct kb_query_plan *out);
void kb_query_plan_release(struct kb_query_plan *p);

#ifdef __cplusplus
}
#endif
#endif
