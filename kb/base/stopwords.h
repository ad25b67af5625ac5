/* Stop words the query drops (kb_rank_opts.stopwords): data, a leaf. The
 * lists come from Debian's liblingua-stopwords-perl, turned into C at build
 * time (scripts/gen-stopwords.pl); English keeps a few of its
 * words and adds a few of its own. */
#ifndef KB_STOPWORDS_H
#define KB_STOPWORDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One language's list: folded (kb_text_fold) and sorted by strcmp. */
struct kb_stopword_list {
    const char *lang; /* ISO 639-1: "de", "no" (Norwegian Bokmål) */
    const char *const *words;
    size_t count;
};

/* Every list there is, generated ($(BUILD)/gen/stopwords_data.c). */
extern const struct kb_stopword_list kb_stopword_lists[];
extern const size_t kb_stopword_nlists;

/* Words of Debian's English list that English queries keep: what a
 * help-desk question is about ("not", "up", "out", "after"; see
 * stopwords.c for the measurement), folded. */
extern const char *const kb_stopwords_en_kept[];
extern const size_t kb_stopwords_en_kept_count;

/* Help-desk filler words English queries drop beyond Debian's list
 * ("please", "want", "anyone"; measured, see stopwords.c), folded. */
extern const char *const kb_stopwords_en_extra[];
extern const size_t kb_stopwords_en_extra_count;

/* The list of lang (ISO 639-1, lower case), or NULL when the language has
 * none. Static data. */
const struct kb_stopword_list *kb_stopwords_of(const char *lang);

#ifdef __cplusplus
}
#endif
#endif
