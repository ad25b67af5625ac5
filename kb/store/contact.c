/* Contact requests and their delivery rows (see contact.h). Times of the
 * contact tables are Unix milliseconds: the worker's retries start at a
 * fraction of a second. */
#include "kb/store/contact.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/base/text.h"
#include "kb/store/store_int.h"

/* Version 9: the requests, their deliveries (the contact outbox: one row per
 * request and destination, removed with the request, e.g. by a customer's
 * erasure) and the destinations' settings. */
const char kb_contact_schema_sql[] =
    "CREATE TABLE contact_requests ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " key TEXT NOT NULL UNIQUE,"
    " created INTEGER NOT NULL,"
    " name TEXT NOT NULL,"
    " email TEXT NOT NULL,"
    " subject TEXT NOT NULL,"
    " description TEXT NOT NULL,"
    " trail TEXT NOT NULL DEFAULT '{}',"
    " locale TEXT,"
    " visitor TEXT,"
    " network TEXT);"
    "CREATE INDEX contact_requests_email ON contact_requests (email);"
    "CREATE TABLE contact_deliveries ("
    " request INTEGER NOT NULL REFERENCES contact_requests (id) ON DELETE CASCADE,"
    " dest TEXT NOT NULL CHECK (dest IN ('webhook', 'email', 'rt')),"
    " status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " next_at INTEGER NOT NULL,"
    " last_error TEXT,"
    " ticket TEXT,"
    " delivered INTEGER,"
    " PRIMARY KEY (request, dest)) WITHOUT ROWID;"
    "CREATE INDEX contact_deliveries_due ON contact_deliveries (next_at) "
    " WHERE status = 'pending';"
    "CREATE TABLE contact_destinations ("
    " kind TEXT PRIMARY KEY CHECK (kind IN ('webhook', 'email', 'rt')),"
    " enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),"
    " config TEXT NOT NULL DEFAULT '{}',"
    " updated INTEGER NOT NULL) WITHOUT ROWID;";

/* A request's status from its deliveries. */
#define REQ_STATUS                                                                        \
    "(SELECT CASE WHEN count(*) = 0 THEN 'stored'"                                        \
    " WHEN sum(d.status = 'failed') > 0 THEN 'failed'"                                    \
    " WHEN sum(d.status = 'pending') > 0 THEN 'pending' ELSE 'delivered' END"             \
    " FROM contact_deliveries d WHERE d.request = r.id)"

/* ---- checks ---------------------------------------------------------------- */

int kb_contact_header_unsafe(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 && *s != '\t')
            return 1;
        else if (*s == 0x7f)
            return 1;
    return 0;
}

int kb_contact_email_ok(const char *s)
{
    if (!s)
        return 0;
    size_t len = strlen(s);
    if (len < 3 || len > KB_CONTACT_EMAIL_MAX)
        return 0;
    const char *at = strrchr(s, '@');
    if (!at || at == s || at - s > 64 || strchr(s, '@') != at)
        return 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || strchr("\"<>()[]\\,;:", c))
            return 0;
    }
    const char *dom = at + 1, *dot = strrchr(dom, '.');
    if (!*dom || !dot || dot == dom || !dot[1] || dom[0] == '.' || dom[0] == '-' ||
        strstr(dom, ".."))
        return 0;
    return s[0] != '.' && at[-1] != '.';
}

static int field(const char *name, const char *v, size_t max, int header, struct kb_err *err)
{
    if (!v || store_blank(v))
        return kb_err_set(err, KB_EINVAL, "field '%s': please fill it in", name);
    size_t len = strlen(v);
    if (len > max)
        return kb_err_set(err, KB_EINVAL, "field '%s': too long (at most %zu bytes)", name, max);
    if (!kb_utf8_valid(v, len))
        return kb_err_set(err, KB_EINVAL, "field '%s': not valid UTF-8", name);
    if (header && kb_contact_header_unsafe(v))
        return kb_err_set(err, KB_EINVAL, "field '%s': line breaks and control characters "
                                          "are not allowed", name);
    return 0;
}

int kb_contact_check(const struct kb_contact_in *in, struct kb_err *err)
{
    int rc;
    if ((rc = field("name", in->name, KB_CONTACT_NAME_MAX, 1, err)) ||
        (rc = field("email", in->email, KB_CONTACT_EMAIL_MAX, 1, err)))
        return rc;
    if (!kb_contact_email_ok(in->email))
        return kb_err_set(err, KB_EINVAL, "field 'email': not a valid e-mail address");
    if ((rc = field("subject", in->subject, KB_CONTACT_SUBJECT_MAX, 1, err)) ||
        (rc = field("description", in->description, KB_CONTACT_TEXT_MAX, 0, err)))
        return rc;
    if (in->trail) {
        json_t *t = strlen(in->trail) <= KB_CONTACT_TRAIL_MAX
                        ? json_loads(in->trail, JSON_REJECT_DUPLICATES, NULL) : NULL;
        int ok = json_is_object(t);
        json_decref(t);
        if (!ok)
            return kb_err_set(err, KB_EINVAL, "field 'trail': not a JSON object");
    }
    if (in->key && *in->key) {
        size_t n = strlen(in->key);
        if (n != KB_CONTACT_KEY_LEN || strspn(in->key, "0123456789abcdef") != n)
            return kb_err_set(err, KB_EINVAL, "field 'key': not %d lowercase hex digits",
                              KB_CONTACT_KEY_LEN);
    }
    return 0;
}

/* ---- submit ------------------------------------------------------------------ */

static int prep(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "contact requests");
    return 0;
}

/* Steps s to its end; 0 or the error. Finalizes s. */
static int run(struct kb_store *st, sqlite3_stmt *s, struct kb_err *err)
{
    int rc = sqlite3_step(s);
    int code = (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0
                                                        : store_fail(st, err, rc, "contact requests");
    sqlite3_finalize(s);
    return code;
}

/* The request with key: *found, its id and whether the same sender made
 * it (the same visitor, or the same address: a client without cookies
 * gets a new visitor id with every request). */
static int by_key(struct kb_store *st, const char *key, const char *visitor, const char *email,
                  int *found, int64_t *id, int *same, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT id, visitor IS ?2 OR lower(email) = lower(?3) "
                        "FROM contact_requests WHERE key = ?1", &s, err);
    if (code)
        return code;
    store_bind(s, 1, key);
    store_bind(s, 2, visitor);
    store_bind(s, 3, email);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        *id = sqlite3_column_int64(s, 0);
        *same = sqlite3_column_int(s, 1);
    }
    code = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_fail(st, err, rc, "contact requests");
    sqlite3_finalize(s);
    return code;
}

static void new_key(char key[KB_CONTACT_KEY_LEN + 1])
{
    unsigned char raw[KB_CONTACT_KEY_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(key, KB_CONTACT_KEY_LEN + 1, raw, sizeof raw);
}

int kb_contact_submit(struct kb_store *st, const struct kb_contact_in *in, int64_t now_ms,
                      int64_t *id, char key[KB_CONTACT_KEY_LEN + 1], int *existing,
                      int *ndest, struct kb_err *err)
{
    int code = kb_contact_check(in, err);
    *existing = 0;
    if (ndest)
        *ndest = 0;
    if (code)
        return code;
    if (in->key && *in->key)
        snprintf(key, KB_CONTACT_KEY_LEN + 1, "%s", in->key);
    else
        new_key(key);
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    int found = 0, same = 0;
    if ((code = by_key(st, key, in->visitor, in->email, &found, id, &same, err)) != 0)
        goto out;
    if (found && same) {
        *existing = 1;
        goto out;
    }
    if (found)
        new_key(key);
    sqlite3_stmt *s = NULL;
    if ((code = prep(st, "INSERT INTO contact_requests (key, created, name, email, subject, "
                         "description, trail, locale, visitor, network) VALUES (?1, ?2, ?3, ?4, "
                         "?5, ?6, coalesce(?7, '{}'), ?8, ?9, ?10)", &s, err)) != 0)
        goto out;
    store_bind(s, 1, key);
    sqlite3_bind_int64(s, 2, now_ms);
    store_bind(s, 3, in->name);
    store_bind(s, 4, in->email);
    store_bind(s, 5, in->subject);
    store_bind(s, 6, in->description);
    store_bind(s, 7, in->trail);
    store_bind(s, 8, in->locale);
    store_bind(s, 9, in->visitor);
    store_bind(s, 10, in->network);
    if ((code = run(st, s, err)) != 0)
        goto out;
    *id = sqlite3_last_insert_rowid(st->db);
    if ((code = prep(st, "INSERT INTO contact_deliveries (request, dest, next_at) "
                         "SELECT ?1, kind, ?2 FROM contact_destinations WHERE enabled = 1",
                     &s, err)) != 0)
        goto out;
    sqlite3_bind_int64(s, 1, *id);
    sqlite3_bind_int64(s, 2, now_ms);
    if ((code = run(st, s, err)) != 0)
        goto out;
    if (ndest)
        *ndest = sqlite3_changes(st->db);
out:
    return store_wend(st, code, err);
}

/* ---- the worker's side ---------------------------------------------------------- */

int kb_contact_due(struct kb_store *st, int64_t now_ms, size_t max, struct kb_contact_job **jobs,
                   size_t *n, struct kb_err *err)
{
    *jobs = NULL;
    *n = 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT r.id, d.dest, d.attempts, r.created, r.key, r.name, r.email, "
                        "r.subject, r.description, r.trail, r.locale, coalesce(x.config, '{}'), "
                        "coalesce(x.enabled, 0), d.attempts > 0 OR d.last_error IS NOT NULL, "
                        "(SELECT count(*) FROM contact_requests e WHERE e.id < r.id AND "
                        "e.created > r.created - 86400000 AND lower(e.email) = lower(r.email)) "
                        "FROM contact_deliveries d "
                        "JOIN contact_requests r ON r.id = d.request "
                        "LEFT JOIN contact_destinations x ON x.kind = d.dest "
                        "WHERE d.status = 'pending' AND d.next_at <= ?1 "
                        "ORDER BY d.next_at, r.id LIMIT ?2", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, now_ms);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *jobs = kb_xrealloc(*jobs, (*n + 1) * sizeof **jobs);
        struct kb_contact_job *j = &(*jobs)[(*n)++];
        j->id = sqlite3_column_int64(s, 0);
        j->dest = store_col(s, 1);
        j->attempts = sqlite3_column_int(s, 2);
        j->created = sqlite3_column_int64(s, 3);
        j->key = store_col(s, 4);
        j->name = store_col(s, 5);
        j->email = store_col(s, 6);
        j->subject = store_col(s, 7);
        j->description = store_col(s, 8);
        j->trail = store_col(s, 9);
        j->locale = store_col(s, 10);
        j->config = store_col(s, 11);
        j->enabled = sqlite3_column_int(s, 12);
        j->tried = sqlite3_column_int(s, 13);
        j->earlier_today = sqlite3_column_int(s, 14);
    }
    code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "contact deliveries");
    sqlite3_finalize(s);
    return code;
}

void kb_contact_jobs_free(struct kb_contact_job *jobs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct kb_contact_job *j = &jobs[i];
        free(j->dest);
        free(j->key);
        free(j->name);
        free(j->email);
        free(j->subject);
        free(j->description);
        free(j->trail);
        free(j->locale);
        free(j->config);
    }
    free(jobs);
}

int kb_contact_next_due(struct kb_store *st, int *found, int64_t *when_ms, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT min(next_at) FROM contact_deliveries WHERE status = 'pending'",
                    &s, err);
    if (code)
        return code;
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL;
    if (*found)
        *when_ms = sqlite3_column_int64(s, 0);
    code = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_fail(st, err, rc, "contact deliveries");
    sqlite3_finalize(s);
    return code;
}

/* Runs one UPDATE of a delivery in its own durable transaction. */
static int update(struct kb_store *st, const char *sql, int64_t id, const char *dest,
                  const char *text, int64_t t, struct kb_err *err)
{
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    if ((code = prep(st, sql, &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, id);
        store_bind(s, 2, dest);
        store_bind(s, 3, text);
        sqlite3_bind_int64(s, 4, t);
        code = run(st, s, err);
    }
    return store_wend(st, code, err);
}

int kb_contact_delivered(struct kb_store *st, int64_t id, const char *dest, const char *ticket,
                         int64_t now_ms, struct kb_err *err)
{
    return update(st, "UPDATE contact_deliveries SET status = 'delivered', ticket = ?3, "
                      "delivered = ?4, attempts = attempts + 1, last_error = NULL "
                      "WHERE request = ?1 AND dest = ?2", id, dest, ticket, now_ms, err);
}

int kb_contact_attempt_failed(struct kb_store *st, int64_t id, const char *dest,
                              const char *error, int64_t next_ms, struct kb_err *err)
{
    return update(st, "UPDATE contact_deliveries SET attempts = attempts + 1, last_error = ?3, "
                      "status = CASE WHEN ?4 = 0 THEN 'failed' ELSE 'pending' END, "
                      "next_at = CASE WHEN ?4 = 0 THEN next_at ELSE ?4 END "
                      "WHERE request = ?1 AND dest = ?2", id, dest, error, next_ms, err);
}

int kb_contact_retry(struct kb_store *st, int64_t id, int64_t now_ms, int *n, struct kb_err *err)
{
    int found = 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT 1 FROM contact_requests WHERE id = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, id);
    found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    if (!found)
        return kb_err_set(err, KB_ENOTFOUND, "no contact request %lld", (long long)id);
    code = update(st, "UPDATE contact_deliveries SET status = 'pending', attempts = 0, "
                      "next_at = ?4 WHERE request = ?1 AND status = 'failed'", id, NULL, NULL,
                  now_ms, err);
    if (n)
        *n = code ? 0 : sqlite3_changes(st->db);
    return code;
}

int kb_contact_progress(struct kb_store *st, int64_t id, char **ticket, int *untried,
                        struct kb_err *err)
{
    *ticket = NULL;
    *untried = 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT (SELECT ticket FROM contact_deliveries WHERE request = ?1 "
                        "AND ticket IS NOT NULL ORDER BY dest LIMIT 1), "
                        "(SELECT count(*) FROM contact_deliveries WHERE request = ?1 "
                        "AND status = 'pending' AND attempts = 0)", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *ticket = store_col(s, 0);
        *untried = sqlite3_column_int(s, 1);
    }
    code = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_fail(st, err, rc, "contact requests");
    sqlite3_finalize(s);
    return code;
}

int kb_contact_opened(struct kb_store *st, const char *visitor, int64_t since, size_t max,
                      int64_t **numbers, size_t *n, struct kb_err *err)
{
    *numbers = NULL;
    *n = 0;
    if (!visitor || !*visitor)
        return 0;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT article FROM events WHERE visitor = ?1 AND time >= ?2 "
                        "AND type IN ('click', 'view', 'solved') AND article IS NOT NULL "
                        "GROUP BY article ORDER BY max(time) DESC, article LIMIT ?3", &s, err);
    if (code)
        return code;
    store_bind(s, 1, visitor);
    sqlite3_bind_int64(s, 2, since);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)max);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *numbers = kb_xrealloc(*numbers, (*n + 1) * sizeof **numbers);
        (*numbers)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "events");
    sqlite3_finalize(s);
    return code;
}

/* ---- the admin's list ------------------------------------------------------------ */

static json_t *text_or_null(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL)
        return json_null();
    return json_stringn_nocheck((const char *)sqlite3_column_text(s, i),
                                (size_t)sqlite3_column_bytes(s, i));
}

static int deliveries(struct kb_store *st, int64_t id, json_t *arr, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT dest, status, attempts, next_at, last_error, ticket, delivered "
                        "FROM contact_deliveries WHERE request = ?1 ORDER BY dest", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        json_array_append_new(arr, json_pack("{s:o, s:o, s:I, s:I, s:o, s:o, s:o}",
                                             "dest", text_or_null(s, 0), "status",
                                             text_or_null(s, 1), "attempts",
                                             (json_int_t)sqlite3_column_int64(s, 2), "next_at",
                                             (json_int_t)sqlite3_column_int64(s, 3),
                                             "last_error", text_or_null(s, 4), "ticket",
                                             text_or_null(s, 5), "delivered",
                                             sqlite3_column_type(s, 6) == SQLITE_NULL
                                                 ? json_null()
                                                 : json_integer(sqlite3_column_int64(s, 6))));
    code = rc == SQLITE_DONE ? 0 : store_fail(st, err, rc, "contact deliveries");
    sqlite3_finalize(s);
    return code;
}

int kb_contact_list(struct kb_store *st, const char *status, int64_t limit, json_t **out,
                    struct kb_err *err)
{
    *out = NULL;
    if (status && strcmp(status, "pending") && strcmp(status, "delivered") &&
        strcmp(status, "failed") && strcmp(status, "stored"))
        return kb_err_set(err, KB_EINVAL,
                          "status must be one of pending, delivered, failed, stored");
    if (limit <= 0 || limit > KB_CONTACT_LIST_MAX)
        limit = KB_CONTACT_LIST_MAX;
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT id, key, created, name, email, subject, st FROM (SELECT r.*, "
                        REQ_STATUS " AS st FROM contact_requests r) WHERE ?1 IS NULL OR st = ?1 "
                        "ORDER BY id DESC LIMIT ?2", &s, err);
    if (code)
        return code;
    store_bind(s, 1, status);
    sqlite3_bind_int64(s, 2, limit);
    json_t *arr = json_array();
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0);
        json_t *d = json_array();
        json_array_append_new(arr, json_pack("{s:I, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "id",
                                             (json_int_t)id, "key", text_or_null(s, 1),
                                             "created", (json_int_t)sqlite3_column_int64(s, 2),
                                             "name", text_or_null(s, 3), "email",
                                             text_or_null(s, 4), "subject", text_or_null(s, 5),
                                             "status", text_or_null(s, 6), "deliveries", d));
        if ((code = deliveries(st, id, d, err)) != 0)
            break;
    }
    if (!code && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "contact requests");
    sqlite3_finalize(s);
    if (code) {
        json_decref(arr);
        return code;
    }
    *out = arr;
    return 0;
}
