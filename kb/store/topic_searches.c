/* Customers' searches and contact requests of a window, for kb/emerging. */
#include "kb/store/topic_searches.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/store/contact.h"

/* FNV-1a, 64 bits; never 0. */
static uint64_t hash64(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *s = a ? a : ""; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    h ^= 0xff;
    h *= 1099511628211ULL;
    for (const char *s = b ? b : ""; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h ? h : 1;
}

static char *col(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? kb_xstrdup((const char *)t) : NULL;
}

int kb_store_customer_searches(struct kb_store *st, int64_t from, int64_t to, size_t max,
                               struct kb_search_seen **out, size_t *n, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    const char *sql =
        "SELECT s.id, s.time, s.query, s.locale,"
        " EXISTS (SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'submitted')"
        " FROM searches s WHERE s.time BETWEEN ?1 AND ?2 AND s.role = 'customer'"
        " AND s.endpoint IN ('search', 'deflect') ORDER BY s.time DESC, s.id DESC LIMIT ?3";
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    struct kb_search_seen *rows = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        rows = kb_xrealloc(rows, (k + 1) * sizeof *rows);
        rows[k].id = sqlite3_column_int64(s, 0);
        rows[k].time = sqlite3_column_int64(s, 1);
        rows[k].query = col(s, 2);
        rows[k].locale = col(s, 3);
        rows[k].submitted = sqlite3_column_int(s, 4) != 0;
        k++;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        kb_search_seen_free(rows, k);
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    }
    *out = rows;
    *n = k;
    return 0;
}

void kb_search_seen_free(struct kb_search_seen *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].query);
        free(rows[i].locale);
    }
    free(rows);
}

/* The index of query q in v (added when new), through an open-addressing
 * table of *cap slots (a power of two, or 0) kept under half full. */
static size_t query_index(struct kb_search_view *v, size_t **table, size_t *cap, size_t *qcap,
                          const char *q, const char *locale)
{
    if (2 * (v->nqueries + 1) > *cap) {
        size_t ncap = *cap ? 2 * *cap : 1024;
        size_t *nt = kb_xcalloc(ncap, sizeof *nt); /* index + 1; 0 = empty */
        for (size_t i = 0; i < v->nqueries; i++) {
            size_t h = (size_t)hash64(v->queries[i], NULL) & (ncap - 1);
            while (nt[h])
                h = (h + 1) & (ncap - 1);
            nt[h] = i + 1;
        }
        free(*table);
        *table = nt;
        *cap = ncap;
    }
    size_t h = (size_t)hash64(q, NULL) & (*cap - 1);
    for (; (*table)[h]; h = (h + 1) & (*cap - 1))
        if (strcmp(v->queries[(*table)[h] - 1], q) == 0)
            return (*table)[h] - 1;
    if (v->nqueries == *qcap) {
        *qcap = *qcap ? 2 * *qcap : 256;
        v->queries = kb_xrealloc(v->queries, *qcap * sizeof *v->queries);
        v->locales = kb_xrealloc(v->locales, *qcap * sizeof *v->locales);
    }
    v->queries[v->nqueries] = kb_xstrdup(q);
    v->locales[v->nqueries] = locale ? kb_xstrdup(locale) : NULL;
    (*table)[h] = ++v->nqueries;
    return v->nqueries - 1;
}

int kb_store_search_view(struct kb_store *st, int64_t from, int64_t to, size_t max,
                         struct kb_search_view **out, struct kb_err *err)
{
    *out = NULL;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    /* Plain rows by the time index; grouped here (a GROUP BY over query and
     * visitor strings cost most of a cycle). */
    const char *sql =
        "SELECT s.query, s.locale, s.visitor, s.network, s.time, s.id,"
        " EXISTS (SELECT 1 FROM events e WHERE e.search_id = s.id AND e.type = 'submitted')"
        " FROM searches s WHERE s.time BETWEEN ?1 AND ?2 AND s.role = 'customer'"
        " AND s.endpoint IN ('search', 'deflect') LIMIT ?3";
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    struct kb_search_view *v = kb_xcalloc(1, sizeof *v);
    struct kb_search_unit *rows = NULL;
    size_t *table = NULL, tcap = 0, qcap = 0, ucap = 0, n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *q = (const char *)sqlite3_column_text(s, 0);
        if (!q)
            continue;
        if (n == ucap) {
            ucap = ucap ? 2 * ucap : 1024;
            rows = kb_xrealloc(rows, ucap * sizeof *rows);
        }
        struct kb_search_unit *u = &rows[n++];
        const char *vis = (const char *)sqlite3_column_text(s, 2);
        const char *net = (const char *)sqlite3_column_text(s, 3);
        u->query = query_index(v, &table, &tcap, &qcap, q,
                               (const char *)sqlite3_column_text(s, 1));
        u->network = hash64("n", net);
        u->visitor = vis ? hash64("v", vis) : hash64("?", net);
        u->time = sqlite3_column_int64(s, 4);
        u->hour = (to - u->time) / 3600;
        u->id = sqlite3_column_int64(s, 5);
        u->submitted = sqlite3_column_int(s, 6) != 0;
    }
    sqlite3_finalize(s);
    free(table);
    /* By query (a counting sort): query q's units are first[q] .. first[q + 1]. */
    v->first = kb_xcalloc(v->nqueries + 2, sizeof *v->first);
    for (size_t i = 0; i < n; i++)
        v->first[rows[i].query + 1]++;
    for (size_t q = 0; q < v->nqueries; q++)
        v->first[q + 1] += v->first[q];
    size_t *at = kb_xcalloc(v->nqueries + 1, sizeof *at);
    memcpy(at, v->first, v->nqueries * sizeof *at);
    v->units = kb_xcalloc(n + 1, sizeof *v->units);
    for (size_t i = 0; i < n; i++)
        v->units[at[rows[i].query]++] = rows[i];
    v->n = n;
    free(at);
    free(rows);
    if (rc == SQLITE_DONE) {
        s = NULL;
        rc = sqlite3_prepare_v2(db, "SELECT min(time) FROM searches", -1, &s, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW)
            v->oldest = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        rc = rc == SQLITE_ROW ? SQLITE_DONE : rc;
    }
    if (rc != SQLITE_DONE) {
        kb_search_view_free(v);
        return kb_err_set(err, KB_EIO, "cannot read the search log: %s", sqlite3_errmsg(db));
    }
    *out = v;
    return 0;
}

void kb_search_view_free(struct kb_search_view *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nqueries; i++) {
        free(v->queries[i]);
        free(v->locales[i]);
    }
    free(v->queries);
    free(v->locales);
    free(v->units);
    free(v->first);
    free(v);
}

int kb_store_contact_docs(struct kb_store *st, int64_t from, int64_t to, size_t max,
                          struct kb_doc **docs, size_t *n, struct kb_err *err)
{
    *docs = NULL;
    *n = 0;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    /* A request Request Tracker filed and the RT sync brought back as a
     * ticket ("rt-<number>") counts once, as that ticket. */
    const char *sql = "SELECT id, created, name, subject, description, locale"
                      " FROM contact_requests r WHERE created BETWEEN ?1 AND ?2"
                      " AND NOT EXISTS (SELECT 1 FROM contact_deliveries d JOIN tickets t"
                      " ON t.source_id = 'rt-' || d.ticket"
                      " WHERE d.request = r.id AND d.dest = 'rt' AND d.ticket IS NOT NULL)"
                      " ORDER BY created, id LIMIT ?3";
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        return kb_err_set(err, KB_EIO, "cannot read contact requests: %s", sqlite3_errmsg(db));
    /* The contact tables keep Unix milliseconds. */
    sqlite3_bind_int64(s, 1, from * 1000);
    sqlite3_bind_int64(s, 2, to * 1000 + 999);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    struct kb_doc *out = NULL;
    size_t k = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        out = kb_xrealloc(out, (k + 1) * sizeof *out);
        struct kb_doc *d = &out[k++];
        kb_doc_init(d);
        d->kind = KB_KIND_TICKET;
        d->audience = KB_AUD_INTERNAL;
        d->number = -sqlite3_column_int64(s, 0);
        d->created = sqlite3_column_int64(s, 1) / 1000;
        d->updated = d->created;
        d->customer = col(s, 2);
        d->title = col(s, 3);
        d->text = col(s, 4);
        d->description = col(s, 4);
        d->locale = col(s, 5);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        kb_store_contact_docs_free(out, k);
        return kb_err_set(err, KB_EIO, "cannot read contact requests: %s", sqlite3_errmsg(db));
    }
    *docs = out;
    *n = k;
    return 0;
}

void kb_store_contact_docs_free(struct kb_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_doc_release(&docs[i]);
    free(docs);
}
