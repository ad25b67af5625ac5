/* Erasing tickets with what they taught: see store_erase_tickets in
 * store_int.h. Used by a customer's erasure and by ticket retention. */
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/store/learn.h"
#include "kb/store/store_int.h"

struct taught {
    int64_t article;
    char *subject, *customer;
};

/* The ticket's subject, customer and the article it links to (0: none). */
static int read_ticket(struct kb_store *st, int64_t id, struct taught *t, int *exists,
                       struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    char *ref = NULL, *locale = NULL;
    memset(t, 0, sizeof *t);
    *exists = 0;
    int code = store_prep(st, Q_TIC_GET, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *exists = 1;
        locale = store_col(s, 3);
        t->subject = store_col(s, 5);
        t->customer = store_col(s, 10);
        ref = store_col(s, 16);
    } else if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read ticket %lld", (long long)id);
    }
    store_done(s);
    int found = 0;
    if (code == 0 && ref && !store_blank(ref)) {
        char *trimmed = store_one_line(ref, 1000);
        code = store_resolve_article(st, trimmed, locale, &found, &t->article, err);
        free(trimmed);
        if (!found)
            t->article = 0;
    }
    free(ref);
    free(locale);
    return code;
}

static int exec_bound(struct kb_store *st, const char *sql, int64_t article, const char *text,
                      int64_t *changes, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, article);
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot erase learning evidence of KB-%lld",
                          (long long)article);
    if (changes)
        *changes += sqlite3_changes(st->db);
    return 0;
}

/* Removes what one erased ticket taught its article. */
static int unteach(struct kb_store *st, const struct taught *t, int64_t *evidence,
                   struct kb_err *err)
{
    int code = 0;
    if (t->subject && !store_blank(t->subject))
        code = store_asked_as_drop(st, t->article, t->subject, err);
    char *phrase = kb_learn_ticket_phrase(t->subject, t->customer);
    if (code == 0 && phrase)
        code = exec_bound(st, "DELETE FROM learn_phrases WHERE article = ?1 AND phrase = ?2",
                          t->article, phrase, NULL, err);
    free(phrase);
    char vis[KB_LEARN_VISITOR_MAX];
    kb_learn_ticket_visitor(t->customer, vis);
    if (code == 0 && *vis)
        code = exec_bound(st, "DELETE FROM learn_words WHERE article = ?1 AND visitor = ?2",
                          t->article, vis, evidence, err);
    return code;
}

static int has(const int64_t *a, size_t n, int64_t v)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] == v)
            return 1;
    return 0;
}

int store_erase_tickets(struct kb_store *st, const int64_t *ids, size_t n, int64_t *evidence,
                        int64_t *articles, struct kb_err *err)
{
    struct taught *t = kb_xcalloc(n ? n : 1, sizeof *t);
    int64_t *arts = kb_xcalloc(n ? n : 1, sizeof *arts);
    size_t narts = 0;
    int code = 0;
    for (size_t i = 0; code == 0 && i < n; i++) {
        int exists = 0;
        if ((code = read_ticket(st, ids[i], &t[i], &exists, err)) == 0 && exists)
            code = kb_store_remove(st, KB_KIND_TICKET, ids[i], err);
    }
    for (size_t i = 0; code == 0 && i < n; i++) {
        if (!t[i].article)
            continue;
        code = unteach(st, &t[i], evidence, err);
        if (!has(arts, narts, t[i].article))
            arts[narts++] = t[i].article;
    }
    /* Another ticket may have said the same: teach it again from those left. */
    for (size_t i = 0; code == 0 && i < narts; i++)
        if ((code = store_relink_tickets(st, arts[i], err)) == 0)
            code = kb_store_touch(st, KB_KIND_ARTICLE, arts[i], err);
    if (code == 0 && articles)
        *articles += (int64_t)narts;
    for (size_t i = 0; i < n; i++) {
        free(t[i].subject);
        free(t[i].customer);
    }
    free(t);
    free(arts);
    return code;
}
