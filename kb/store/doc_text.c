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
