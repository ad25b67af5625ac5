/* Stop words the query drops (kb_rank_opts.stopwords): data, a leaf. */
#ifndef KB_STOPWORDS_H
#define KB_STOPWORDS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* English function words and contractions the query drops (see
 * kb_rank_opts.stopwords), folded. */
extern const char *const kb_stopwords_en[];
extern const size_t kb_stopwords_en_count;

#ifdef __cplusplus
}
#endif
#endif
