/* The help center's locales and articles' translations (see locales.h). */
#include "kb/store/locales.h"

#include <stdlib.h>
#include <string.h>

#include "kb/store/store_int.h"

int kb_locales_public(struct kb_store *st, char ***locales, size_t *n, struct kb_err *err)
{
    *locales = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "SELECT DISTINCT locale FROM articles WHERE status = "
                                        "'published' AND audience = 'public' ORDER BY locale",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot list the locales");
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            char **p = realloc(*locales, cap * sizeof *p);
            if (!p)
                abort();
            *locales = p;
        }
        (*locales)[(*n)++] = store_col(s, 0);
    }
    int code = 0;
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot list the locales");
        kb_locales_free(*locales, *n);
        *locales = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    return code;
}

void kb_locales_free(char **locales, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(locales[i]);
    free(locales);
}

int kb_article_translations(struct kb_store *st, int64_t number, int public_only,
                            struct kb_translation **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "SELECT t.number, t.locale, t.title FROM articles a JOIN articles t"
                                " ON t.source_id = a.source_id AND t.locale <> a.locale"
                                " WHERE a.number = ?1 AND (?2 = 0 OR (t.status = 'published'"
                                " AND t.audience = 'public')) ORDER BY t.locale",
                                -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot list the translations of KB-%lld",
                          (long long)number);
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int(s, 2, public_only ? 1 : 0);
    size_t cap = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            struct kb_translation *p = realloc(*out, cap * sizeof *p);
            if (!p)
                abort();
            *out = p;
        }
        struct kb_translation *t = &(*out)[(*n)++];
        t->number = sqlite3_column_int64(s, 0);
        t->locale = store_col(s, 1);
        t->title = store_col(s, 2);
    }
    int code = 0;
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot list the translations of KB-%lld",
                          (long long)number);
        kb_translations_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    return code;
}

void kb_translations_free(struct kb_translation *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].locale);
        free(t[i].title);
    }
    free(t);
}
