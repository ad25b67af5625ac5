/* The languages of the help center: the locales that have public published
 * articles (one help center each), and an article's translations (the
 * articles with its source id in other locales: Mallard's per-language pages
 * of one page id, Zendesk translations of one article). */
#ifndef KB_LOCALES_H
#define KB_LOCALES_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The locales of public published articles, sorted, into *locales (an array
 * of *n strings; free with kb_locales_free). */
int kb_locales_public(struct kb_store *st, char ***locales, size_t *n, struct kb_err *err);
void kb_locales_free(char **locales, size_t n);

struct kb_translation {
    int64_t number;
    char *locale, *title;
};
/* The other-locale versions of article number, sorted by locale, into *out
 * (free with kb_translations_free); public_only keeps public published ones. */
int kb_article_translations(struct kb_store *st, int64_t number, int public_only,
                            struct kb_translation **out, size_t *n, struct kb_err *err);
void kb_translations_free(struct kb_translation *t, size_t n);

#ifdef __cplusplus
}
#endif

#endif
