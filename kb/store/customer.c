/* A customer's data on request: export and erasure (see customer.h).
 *
 * What links a customer to rows: tickets by their `customer` value; contact
 * requests (a table of the escalation work, used only when the store has
 * it) by any of their email, customer or customer_id columns, with their
 * delivery rows (the contact outbox: where each went, the desk's ticket
 * number, the last error); a contact
 * request's visitor (when it has that column) links that visitor's events,
 * feedback and searches, and the evidence those taught. Web searches carry
 * no customer identity otherwise, so nothing else is linked. */
#include "kb/store/customer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/buf.h"
#include "kb/store/learn.h"
#include "kb/store/store_int.h"

#define CONTACTS "contact_requests"
#define DELIVERIES "contact_deliveries"

/* The tickets of ?1: by their customer value, or, for an e-mail address,
 * also those whose subject, description or text names it (help desks often
 * keep a name in `customer` and the address in the text). */
#define WHO_TICKETS                                                                  \
    "(lower(customer) = lower(?1) OR (instr(?1, '@') > 1 AND ("                     \
    "instr(lower(coalesce(subject, '')), lower(?1)) OR "                             \
    "instr(lower(coalesce(description, '')), lower(?1)) OR "                         \
    "instr(lower(coalesce(text, '')), lower(?1)))))"

/* One row as an object of its columns. */
static json_t *row_json(sqlite3_stmt *s)
{
    json_t *o = json_object();
    for (int i = 0; i < sqlite3_column_count(s); i++) {
        const char *name = sqlite3_column_name(s, i);
        switch (sqlite3_column_type(s, i)) {
        case SQLITE_INTEGER:
            json_object_set_new(o, name, json_integer(sqlite3_column_int64(s, i)));
            break;
        case SQLITE_FLOAT:
            json_object_set_new(o, name, json_real(sqlite3_column_double(s, i)));
            break;
        case SQLITE_NULL:
            json_object_set_new(o, name, json_null());
            break;
        case SQLITE_BLOB:
            json_object_set_new(o, name, json_integer(sqlite3_column_bytes(s, i)));
            break;
        default:
            json_object_set_new(o, name, json_stringn_nocheck(
                                             (const char *)sqlite3_column_text(s, i),
                                             (size_t)sqlite3_column_bytes(s, i)));
        }
    }
    return o;
}

/* Runs sql with ?1 = text, adding each row to arr (may be NULL). */
static int query(struct kb_store *st, const char *sql, const char *text, json_t *arr,
                 struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read a customer's data");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (arr)
            json_array_append_new(arr, row_json(s));
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot read a customer's data");
    return 0;
}

/* The first column of sql's rows, with ?1 = text (and ?2 = key); caller frees *ids. */
static int ids_of(struct kb_store *st, const char *sql, const char *text, const char *key,
                  int64_t **ids, size_t *n, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    *ids = NULL;
    *n = 0;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read a customer's data");
    sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
    if (key)
        sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *ids = kb_xrealloc(*ids, (*n + 1) * sizeof **ids);
        (*ids)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot read a customer's data");
    return 0;
}

/* The contact-request table's WHERE clause naming who (?1), and whether it
 * has a visitor column; "" when the store has no such table. */
static void contacts_where(struct kb_store *st, struct kb_buf *where, int *visitor)
{
    sqlite3_stmt *s = NULL;
    *visitor = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT name FROM pragma_table_info('" CONTACTS "')", -1, &s,
                           NULL) != SQLITE_OK)
        return;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *c = (const char *)sqlite3_column_text(s, 0);
        if (strcmp(c, "visitor") == 0)
            *visitor = 1;
        if (strcmp(c, "email") && strcmp(c, "customer") && strcmp(c, "customer_id"))
            continue;
        kb_buf_printf(where, "%slower(%s) = lower(?1)", where->len ? " OR " : "", c);
    }
    sqlite3_finalize(s);
}

/* The visitors of who's contact requests, as SQL rows "SELECT visitor ..."
 * usable in IN (...); NULL when there are none to link. */
static char *visitors_sql(struct kb_store *st)
{
    struct kb_buf where = KB_BUF_INIT;
    int visitor = 0;
    contacts_where(st, &where, &visitor);
    char *sql = NULL;
    if (where.len && visitor) {
        struct kb_buf b = KB_BUF_INIT;
        kb_buf_printf(&b, "SELECT visitor FROM " CONTACTS " WHERE visitor IS NOT NULL AND (%s)",
                      kb_buf_str(&where));
        sql = kb_buf_detach(&b);
    }
    kb_buf_release(&where);
    return sql;
}

static int check_who(const char *who, struct kb_err *err)
{
    if (!who || store_blank(who))
        return kb_err_set(err, KB_EINVAL, "missing customer id or e-mail address");
    if (strlen(who) > KB_CUSTOMER_MAX)
        return kb_err_set(err, KB_EINVAL, "customer: longer than %d bytes", KB_CUSTOMER_MAX);
    return 0;
}

/* The evidence their tickets left: phrases and the words counted for them. */
static int export_learning(struct kb_store *st, const char *who, json_t *learning,
                           struct kb_err *err)
{
    char vis[KB_LEARN_VISITOR_MAX];
    kb_learn_ticket_visitor(who, vis);
    json_t *words = json_array(), *phrases = json_array();
    json_object_set_new(learning, "words", words);
    json_object_set_new(learning, "phrases", phrases);
    int code = query(st, "SELECT article, word, time FROM learn_words WHERE visitor = ?1"
                         " ORDER BY article, word", vis, words, err);
    /* Tickets that name them but file them under another customer value. */
    if (code == 0)
        code = query(st, "SELECT article, word, time FROM learn_words WHERE visitor <> "
                         "'ticket-customer:' || lower(?1) AND visitor IN (SELECT "
                         "'ticket-customer:' || lower(customer) FROM tickets WHERE "
                         WHO_TICKETS ") ORDER BY article, word", who, words, err);
    sqlite3_stmt *s = NULL;
    int rc = code ? SQLITE_OK
                  : sqlite3_prepare_v2(st->db, "SELECT subject, customer, linked_article FROM "
                                               "tickets WHERE " WHO_TICKETS " AND "
                                               "linked_article IS NOT NULL ORDER BY id",
                                       -1, &s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read a customer's data");
    if (code)
        return code;
    sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char *phrase = kb_learn_ticket_phrase((const char *)sqlite3_column_text(s, 0),
                                              (const char *)sqlite3_column_text(s, 1));
        if (phrase)
            json_array_append_new(phrases, json_pack("{s:s, s:s?}", "phrase", phrase,
                                                     "linked_article",
                                                     (const char *)sqlite3_column_text(s, 2)));
        free(phrase);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "cannot read a customer's data");
}

int kb_customer_export(struct kb_store *st, const char *who, json_t **out, struct kb_err *err)
{
    *out = NULL;
    int code = check_who(who, err);
    if (code)
        return code;
    json_t *x = json_object(), *tickets = json_array(), *learning = json_object();
    json_object_set_new(x, "customer", json_string(who));
    json_object_set_new(x, "exported", json_integer((json_int_t)time(NULL)));
    json_object_set_new(x, "tickets", tickets);
    json_object_set_new(x, "learning", learning);
    code = query(st, "SELECT " TIC_COLS " FROM tickets WHERE " WHO_TICKETS
                     " ORDER BY id", who, tickets, err);
    if (code == 0)
        code = export_learning(st, who, learning, err);
    struct kb_buf where = KB_BUF_INIT, sql = KB_BUF_INIT;
    int has_visitor = 0;
    contacts_where(st, &where, &has_visitor);
    if (code == 0 && where.len) {
        json_t *c = json_array();
        json_object_set_new(x, "contact_requests", c);
        kb_buf_printf(&sql, "SELECT * FROM " CONTACTS " WHERE %s ORDER BY id",
                      kb_buf_str(&where));
        code = query(st, kb_buf_str(&sql), who, c, err);
        json_t *d = json_array();
        json_object_set_new(x, "contact_deliveries", d);
        kb_buf_release(&sql);
        kb_buf_printf(&sql, "SELECT * FROM " DELIVERIES " WHERE request IN (SELECT id FROM "
                      CONTACTS " WHERE %s) ORDER BY request, dest", kb_buf_str(&where));
        if (code == 0)
            code = query(st, kb_buf_str(&sql), who, d, err);
    }
    char *vis = visitors_sql(st);
    static const char *const linked[][2] = {
        {"events", "SELECT * FROM events WHERE visitor IN (%s) ORDER BY id"},
        {"feedback", "SELECT * FROM feedback WHERE visitor IN (%s) ORDER BY id"},
        {"searches", "SELECT * FROM searches WHERE id IN (SELECT search_id FROM events WHERE "
                     "visitor IN (%s) UNION SELECT search_id FROM feedback WHERE visitor IN "
                     "(%s)) OR visitor IN (%s) ORDER BY id"},
    };
    for (size_t i = 0; i < 3; i++) {
        json_t *a = json_array();
        json_object_set_new(x, linked[i][0], a);
        if (code || !vis)
            continue;
        kb_buf_release(&sql);
        kb_buf_printf(&sql, linked[i][1], vis, vis, vis);
        code = query(st, kb_buf_str(&sql), who, a, err);
    }
    free(vis);
    kb_buf_release(&where);
    kb_buf_release(&sql);
    if (code) {
        json_decref(x);
        return code;
    }
    *out = x;
    return 0;
}

/* Runs a DELETE with ?1 = who (and ?2 = key); adds the rows deleted to *n. */
static int delete_rows(struct kb_store *st, const char *sql, const char *who, const char *key,
                       int64_t *n, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, who, -1, SQLITE_STATIC);
        if (key)
            sqlite3_bind_text(s, 2, key, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return store_fail(st, err, rc, "cannot erase a customer's data");
    *n += sqlite3_changes(st->db);
    return 0;
}

/* Everything but the tickets: evidence under their ticket key (?2) or
 * their visitors (the articles it was for reindexed), their visitors'
 * events, feedback and searches, their contact requests. */
static int erase_rest(struct kb_store *st, const char *who, struct kb_customer_erased *o,
                      struct kb_err *err)
{
    char key[KB_LEARN_VISITOR_MAX];
    kb_learn_ticket_visitor(who, key);
    char *vis = visitors_sql(st);
    struct kb_buf sql = KB_BUF_INIT, where = KB_BUF_INIT, taught = KB_BUF_INIT;
    int64_t *arts = NULL;
    size_t narts = 0;
    kb_buf_printf(&taught, "visitor = ?2%s%s%s", vis ? " OR visitor IN (" : "", vis ? vis : "",
                  vis ? ")" : "");
    kb_buf_printf(&sql, "SELECT DISTINCT article FROM learn_words WHERE %s", kb_buf_str(&taught));
    int code = ids_of(st, kb_buf_str(&sql), who, key, &arts, &narts, err);
    if (code == 0) {
        kb_buf_release(&sql);
        kb_buf_printf(&sql, "DELETE FROM learn_words WHERE %s", kb_buf_str(&taught));
        code = delete_rows(st, kb_buf_str(&sql), who, key, &o->evidence, err);
    }
    for (size_t i = 0; code == 0 && i < narts; i++)
        code = kb_store_touch(st, KB_KIND_ARTICLE, arts[i], err);
    o->articles += (int64_t)narts;
    if (code == 0 && vis) {
        static const char *const del[] = {
            "DELETE FROM searches WHERE id IN (SELECT search_id FROM events WHERE visitor IN (%s)"
            " UNION SELECT search_id FROM feedback WHERE visitor IN (%s)) OR visitor IN (%s)",
            "DELETE FROM events WHERE visitor IN (%s)",
            "DELETE FROM feedback WHERE visitor IN (%s)",
        };
        int64_t *counts[] = {&o->searches, &o->events, &o->feedback};
        for (size_t i = 0; code == 0 && i < 3; i++) {
            kb_buf_release(&sql);
            kb_buf_printf(&sql, del[i], vis, vis, vis);
            code = delete_rows(st, kb_buf_str(&sql), who, NULL, counts[i], err);
        }
    }
    int has_visitor = 0;
    contacts_where(st, &where, &has_visitor);
    if (code == 0 && where.len) {
        /* Their delivery rows first (not left to a foreign key's cascade:
         * a connection may have foreign keys off), then the requests. */
        kb_buf_release(&sql);
        kb_buf_printf(&sql, "DELETE FROM " DELIVERIES " WHERE request IN (SELECT id FROM "
                      CONTACTS " WHERE %s)", kb_buf_str(&where));
        code = delete_rows(st, kb_buf_str(&sql), who, NULL, &o->contact_deliveries, err);
    }
    if (code == 0 && where.len) {
        kb_buf_release(&sql);
        kb_buf_printf(&sql, "DELETE FROM " CONTACTS " WHERE %s", kb_buf_str(&where));
        code = delete_rows(st, kb_buf_str(&sql), who, NULL, &o->contact_requests, err);
    }
    free(vis);
    free(arts);
    kb_buf_release(&sql);
    kb_buf_release(&where);
    kb_buf_release(&taught);
    return code;
}

int kb_customer_erase(struct kb_store *st, const char *who, struct kb_customer_erased *out,
                      struct kb_err *err)
{
    struct kb_customer_erased o;
    memset(&o, 0, sizeof o);
    if (out)
        *out = o;
    int code = check_who(who, err);
    if (code)
        return code;
    int64_t *ids = NULL;
    size_t n = 0;
    /* Deleted rows are overwritten, not left in free pages; the
     * connection's own setting comes back afterwards. */
    int secure = 0;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "PRAGMA secure_delete", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        secure = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_exec(st->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
    if ((code = kb_store_begin(st, err)) != 0)
        goto out;
    code = ids_of(st, "SELECT id FROM tickets WHERE " WHO_TICKETS " ORDER BY id", who,
                  NULL, &ids, &n, err);
    if (code == 0)
        code = store_erase_tickets(st, ids, n, &o.evidence, &o.articles, err);
    o.tickets = (int64_t)n;
    if (code == 0)
        code = erase_rest(st, who, &o, err);
    free(ids);
    if (code)
        kb_store_rollback(st);
    else if ((code = kb_store_commit(st, err)) == 0 && out)
        *out = o;
out:
    if (!secure)
        sqlite3_exec(st->db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
    return code;
}
