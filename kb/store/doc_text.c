/* Document text for snippets (see doc_text.h). */
#include "kb/store/doc_text.h"

#include <stdlib.h>
#include <string.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/store_int.h"

char *kb_store_doc_text(struct kb_store *st, int kind, int64_t number, int64_t updated,
                        int public_only, size_t *len)
{
    *len = 0;
    if (!st || (kind == KB_KIND_TICKET && public_only))
        return NULL;
    int article = kind != KB_KIND_TICKET;
    sqlite3_stmt *s;
    struct kb_err err;
    if (store_prep(st, article ? Q_ART_TEXT : Q_TIC_TEXT, &s, &err) != 0)
        return NULL;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int64(s, 2, updated);
    if (article)
        sqlite3_bind_int(s, 3, public_only ? 1 : 0);
    char *out = NULL;
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) == SQLITE_TEXT) {
        const unsigned char *t = sqlite3_column_text(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        out = malloc(n + 1);
        if (out) {
            memcpy(out, t, n);
            out[n] = '\0';
            *len = n;
        }
    }
    store_done(s);
    return out;
}

char *kb_store_doc_summary(struct kb_store *st, int64_t number, int public_only, int shared)
{
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    /* shared: only when another article the reader may see has the same
     * title (the articles_title index) */
    if (!st || sqlite3_prepare_v2(st->db, "SELECT a.summary FROM articles a WHERE a.number = ?1"
                                          " AND a.status = 'published' AND (?2 = 0 OR"
                                          " a.audience = 'public') AND (?3 = 0 OR EXISTS (SELECT"
                                          " 1 FROM articles b WHERE b.title = a.title COLLATE"
                                          " NOCASE AND b.locale = a.locale AND b.number <>"
                                          " a.number AND b.status = 'published' AND (?2 = 0 OR"
                                          " b.audience = 'public')))", -1, &s, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int(s, 2, public_only ? 1 : 0);
    sqlite3_bind_int(s, 3, shared ? 1 : 0);
    if (sqlite3_step(s) == SQLITE_ROW)
        out = store_col(s, 0);
    sqlite3_finalize(s);
    if (out && !*out) {
        free(out);
        out = NULL;
    }
    return out;
}
