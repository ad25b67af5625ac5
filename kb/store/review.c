/* Review before customers see a change, owners and verify-by dates (see
 * review.h). Pending revisions live in their own table, which nothing a
 * customer reaches reads (pages, search, suggest and the index read the
 * articles table and the outbox only); approving applies one through
 * kb_article_update. */
#include "kb/store/review.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/store/articles.h"
#include "kb/store/site.h"
#include "kb/store/store_int.h"

#define MODE_KEY "review_mode"
#define SLUG_MAX 100

/* Self-contained (its own tables only). One pending revision per article;
 * editors is a JSON array of who edited it; the review log keeps decisions
 * (approved, rejected with a note) for the writers' record. */
const char kb_review_schema_sql[] =
    "CREATE TABLE article_pending ("
    " number INTEGER PRIMARY KEY REFERENCES articles (number) ON DELETE CASCADE,"
    " base_rev INTEGER NOT NULL,"
    " title TEXT NOT NULL,"
    " summary TEXT,"
    " text TEXT,"
    " html TEXT,"
    " source TEXT,"
    " format TEXT NOT NULL,"
    " category TEXT,"
    " product TEXT,"
    " tags TEXT NOT NULL DEFAULT '[]',"
    " locale TEXT NOT NULL,"
    " audience TEXT NOT NULL,"
    " author TEXT,"
    " editors TEXT NOT NULL DEFAULT '[]',"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL);"
    "CREATE TABLE article_owners ("
    " number INTEGER PRIMARY KEY REFERENCES articles (number) ON DELETE CASCADE,"
    " owner TEXT,"
    " verify_by TEXT);"
    "CREATE INDEX article_owners_verify ON article_owners (verify_by)"
    " WHERE verify_by IS NOT NULL;"
    "CREATE TABLE review_topics ("
    " slug TEXT PRIMARY KEY CHECK (slug <> '')) WITHOUT ROWID;"
    "CREATE TABLE review_log ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " number INTEGER NOT NULL,"
    " action TEXT NOT NULL CHECK (action IN ('approved', 'rejected')),"
    " actor TEXT,"
    " author TEXT,"
    " note TEXT,"
    " created INTEGER NOT NULL);"
    "CREATE INDEX review_log_number ON review_log (number, id);";

/* ---- small helpers ---------------------------------------------------------- */

static int prepare(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        *s = NULL;
        return store_fail(st, err, rc, "cannot read the review tables");
    }
    return 0;
}

/* Runs a statement that returns no rows. */
static int step_done(struct kb_store *st, sqlite3_stmt *s, const char *what, struct kb_err *err)
{
    int rc = sqlite3_step(s), code = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = store_fail(st, err, rc, "cannot %s", what);
    sqlite3_finalize(s);
    return code;
}

void kb_review_strings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static const char *const mode_names[] = {"off", "all", "topics"};

int kb_review_mode_parse(const char *s)
{
    for (int i = 0; s && i < 3; i++)
        if (strcmp(s, mode_names[i]) == 0)
            return i;
    return -1;
}

const char *kb_review_mode_name(int mode)
{
    return mode >= 0 && mode < 3 ? mode_names[mode] : "off";
}

void kb_review_today(char out[11])
{
    time_t t = (time_t)store_now();
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int kb_review_date_ok(const char *s)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1970 || m < 1 || m > 12 || d < 1)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* ---- the setting ---------------------------------------------------------------- */

int kb_review_settings(struct kb_store *st, int *mode, char ***topics, size_t *n,
                       struct kb_err *err)
{
    char *v = NULL;
    *mode = KB_REVIEW_OFF;
    if (topics)
        *topics = NULL;
    if (n)
        *n = 0;
    int code = kb_site_get(st, MODE_KEY, &v, NULL, err);
    if (code == KB_ENOTFOUND)
        code = 0;
    else if (code)
        return code;
    int m = kb_review_mode_parse(v);
    *mode = m < 0 ? KB_REVIEW_OFF : m;
    free(v);
    if (!topics)
        return 0;
    sqlite3_stmt *s;
    if ((code = prepare(st, "SELECT slug FROM review_topics ORDER BY slug", &s, err)) != 0)
        return code;
    size_t cap = 0, k = 0;
    char **out = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 8;
            out = kb_xrealloc(out, cap * sizeof *out);
        }
        out[k++] = store_col(s, 0);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the review topics");
    sqlite3_finalize(s);
    if (code) {
        kb_review_strings_free(out, k);
        return code;
    }
    *topics = out;
    if (n)
        *n = k;
    return 0;
}

static int set_locked(struct kb_store *st, int mode, const char *const *topics, size_t n,
                      struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = kb_site_set(st, MODE_KEY, kb_review_mode_name(mode), err);
    if (code || (code = prepare(st, "DELETE FROM review_topics", &s, err)) != 0 ||
        (code = step_done(st, s, "clear the review topics", err)) != 0)
        return code;
    for (size_t i = 0; i < n; i++) {
        if ((code = prepare(st, "INSERT OR IGNORE INTO review_topics (slug) VALUES (?1)", &s,
                            err)) != 0)
            return code;
        store_bind(s, 1, topics[i]);
        if ((code = step_done(st, s, "store a review topic", err)) != 0)
            return code;
    }
    return 0;
}

int kb_review_set(struct kb_store *st, int mode, const char *const *topics, size_t n,
                  struct kb_err *err)
{
    if (mode < KB_REVIEW_OFF || mode > KB_REVIEW_TOPICS)
        return kb_err_set(err, KB_EINVAL, "review mode must be off, all or topics");
    if (n > KB_REVIEW_TOPICS_MAX)
        return kb_err_set(err, KB_EINVAL, "more than %d review topics", KB_REVIEW_TOPICS_MAX);
    for (size_t i = 0; i < n; i++)
        if (!topics[i] || !*topics[i] || strlen(topics[i]) > SLUG_MAX)
            return kb_err_set(err, KB_EINVAL, "review topic %zu must be a topic slug of 1 to "
                              "%d bytes", i + 1, SLUG_MAX);
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, set_locked(st, mode, topics, n, err), err);
}

int kb_review_covers(struct kb_store *st, const struct kb_doc *d, int *covered,
                     struct kb_err *err)
{
    int mode = KB_REVIEW_OFF, code;
    *covered = 0;
    if (d->status != KB_STATUS_PUBLISHED || d->audience != KB_AUD_PUBLIC)
        return 0;
    if ((code = kb_review_settings(st, &mode, NULL, NULL, err)) != 0)
        return code;
    if (mode == KB_REVIEW_ALL)
        *covered = 1;
    if (mode != KB_REVIEW_TOPICS || !d->category || !*d->category)
        return 0;
    sqlite3_stmt *s;
    if ((code = prepare(st, "SELECT 1 FROM review_topics WHERE slug = ?1 OR slug IN "
                            "(SELECT parent FROM topics WHERE slug = ?1 AND parent IS NOT NULL)"
                            " LIMIT 1", &s, err)) != 0)
        return code;
    store_bind(s, 1, d->category);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *covered = 1;
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the review topics");
    sqlite3_finalize(s);
    return code;
}

/* ---- pending revisions ---------------------------------------------------------- */

void kb_pending_release(struct kb_pending *p)
{
    free(p->author);
    kb_review_strings_free(p->editors, p->nedit);
    kb_doc_release(&p->doc);
    memset(p, 0, sizeof *p);
}

void kb_pendings_free(struct kb_pending *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_pending_release(&p[i]);
    free(p);
}

static char *tags_json(const struct kb_doc *d)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->ntags; i++)
        json_array_append_new(a, json_string(d->tags[i]));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s ? s : kb_xstrdup("[]");
}

static void tags_load(struct kb_doc *d, const char *text)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    if (json_is_array(a))
        json_array_foreach(a, i, v)
            if (json_is_string(v))
                kb_doc_add_tag(d, json_string_value(v));
    json_decref(a);
}

static void editors_load(struct kb_pending *p, const char *text)
{
    json_t *a = text ? json_loads(text, 0, NULL) : NULL;
    size_t i;
    json_t *v;
    if (json_is_array(a)) {
        p->editors = kb_xcalloc(json_array_size(a) + 1, sizeof *p->editors);
        json_array_foreach(a, i, v)
            if (json_is_string(v))
                p->editors[p->nedit++] = kb_xstrdup(json_string_value(v));
    }
    json_decref(a);
}

static const char *fmt_name(int f)
{
    return f == KB_FMT_HTML ? "html" : f == KB_FMT_MARKDOWN ? "markdown" : "text";
}

static int fmt_parse(const char *s)
{
    if (s && strcmp(s, "html") == 0)
        return KB_FMT_HTML;
    if (s && strcmp(s, "markdown") == 0)
        return KB_FMT_MARKDOWN;
    return KB_FMT_TEXT;
}

#define PENDING_COLS "number, base_rev, title, summary, text, html, source, format, category, " \
    "product, tags, locale, audience, author, editors, created, updated"
/* What reads select: PENDING_COLS and whether the article is not live (a
 * publish request). */
#define PENDING_SELECT PENDING_COLS ", coalesce((SELECT a.status <> 'published' FROM articles a " \
    "WHERE a.number = article_pending.number), 0)"

static void pending_row(sqlite3_stmt *s, struct kb_pending *p)
{
    memset(p, 0, sizeof *p);
    kb_doc_init(&p->doc);
    struct kb_doc *d = &p->doc;
    d->kind = KB_KIND_ARTICLE;
    p->number = d->number = sqlite3_column_int64(s, 0);
    p->base_rev = sqlite3_column_int64(s, 1);
    d->title = store_col(s, 2);
    d->summary = store_col(s, 3);
    d->text = store_col(s, 4);
    d->html = store_col(s, 5);
    d->source = store_col(s, 6);
    d->format = fmt_parse((const char *)sqlite3_column_text(s, 7));
    d->category = store_col(s, 8);
    d->product = store_col(s, 9);
    tags_load(d, (const char *)sqlite3_column_text(s, 10));
    d->locale = store_col(s, 11);
    int aud = kb_audience_parse((const char *)sqlite3_column_text(s, 12));
    d->audience = aud < 0 ? KB_AUD_INTERNAL : aud;
    d->status = KB_STATUS_PUBLISHED;
    p->author = store_col(s, 13);
    editors_load(p, (const char *)sqlite3_column_text(s, 14));
    p->created = sqlite3_column_int64(s, 15);
    p->updated = d->updated = sqlite3_column_int64(s, 16);
    p->publish = sqlite3_column_int(s, 17) != 0;
}

int kb_review_get(struct kb_store *st, int64_t number, struct kb_pending *out,
                  struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_doc_init(&out->doc);
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT " PENDING_SELECT " FROM article_pending WHERE number = ?1", &s,
                       err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        pending_row(s, out);
    else if (rc == SQLITE_DONE)
        code = kb_err_set(err, KB_ENOTFOUND, "KB-%lld has no change in review",
                          (long long)number);
    else
        code = store_fail(st, err, rc, "cannot read the change in review of KB-%lld",
                          (long long)number);
    sqlite3_finalize(s);
    return code;
}

int kb_review_pending(struct kb_store *st, int64_t number, int *pending, struct kb_err *err)
{
    /* A cached statement: staff's search asks once per article hit. */
    sqlite3_stmt *s;
    *pending = 0;
    int code = store_prep(st, Q_REVIEW_PENDING, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    *pending = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the review tables");
    store_done(s);
    return code;
}

/* editors (a JSON array or NULL) with name added once, as JSON. */
static char *editors_add(const char *editors, const char *name)
{
    json_t *a = editors ? json_loads(editors, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        a = json_array();
    }
    int found = 0;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
        found |= json_is_string(v) && strcmp(json_string_value(v), name) == 0;
    if (!found)
        json_array_append_new(a, json_string(name));
    char *s = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return s ? s : kb_xstrdup("[]");
}

static int submit_locked(struct kb_store *st, int64_t number, const struct kb_doc *d,
                         const char *author, char *const *more, size_t nmore, int *replaced,
                         struct kb_err *err)
{
    int64_t rev = 0;
    int code = kb_article_current_rev(st, number, &rev, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    char *editors = NULL;
    int had = 0;
    if ((code = prepare(st, "SELECT editors, base_rev FROM article_pending WHERE number = ?1",
                        &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    if (sqlite3_step(s) == SQLITE_ROW) {
        had = 1;
        editors = store_col(s, 0);
        rev = sqlite3_column_int64(s, 1); /* the change was written against that one */
    }
    sqlite3_finalize(s);
    for (size_t i = 0; i < nmore; i++) {
        char *e = editors_add(editors, more[i]);
        free(editors);
        editors = e;
    }
    if (author && *author) {
        char *e = editors_add(editors, author);
        free(editors);
        editors = e;
    }
    char *tags = tags_json(d);
    int64_t now = store_now();
    code = prepare(st, "INSERT INTO article_pending (" PENDING_COLS ") VALUES (?1, ?2, ?3, ?4, "
                       "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, coalesce(?15, '[]'), ?16, "
                       "?16) ON CONFLICT (number) DO UPDATE SET title = excluded.title, "
                       "summary = excluded.summary, text = excluded.text, html = excluded.html, "
                       "source = excluded.source, format = excluded.format, "
                       "category = excluded.category, product = excluded.product, "
                       "tags = excluded.tags, locale = excluded.locale, "
                       "audience = excluded.audience, author = excluded.author, "
                       "editors = excluded.editors, updated = excluded.updated", &s, err);
    if (code == 0) {
        sqlite3_bind_int64(s, 1, number);
        sqlite3_bind_int64(s, 2, rev);
        store_bind(s, 3, d->title ? d->title : "");
        store_bind(s, 4, d->summary);
        store_bind(s, 5, d->text);
        store_bind(s, 6, d->html);
        store_bind(s, 7, d->source);
        store_bind(s, 8, fmt_name(d->format));
        store_bind(s, 9, d->category);
        store_bind(s, 10, d->product);
        store_bind(s, 11, tags);
        store_bind(s, 12, d->locale && *d->locale ? d->locale : "en");
        store_bind(s, 13, kb_audience_name(d->audience));
        store_bind(s, 14, author && *author ? author : NULL);
        store_bind(s, 15, editors);
        sqlite3_bind_int64(s, 16, now);
        code = step_done(st, s, "store the change for review", err);
    }
    free(tags);
    free(editors);
    if (code == 0 && replaced)
        *replaced = had;
    return code;
}

int kb_review_submit(struct kb_store *st, int64_t number, const struct kb_doc *d,
                     const char *author, int *replaced, struct kb_err *err)
{
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, submit_locked(st, number, d, author, NULL, 0, replaced, err), err);
}

/* Who wrote article number's content since it was last live or approved:
 * the authors of its revisions after the last one written while it was
 * published and not before the last approval. */
static int draft_authors(struct kb_store *st, int64_t number, char ***out, size_t *n,
                         struct kb_err *err)
{
    sqlite3_stmt *s;
    *out = NULL;
    *n = 0;
    int code = prepare(st, "SELECT DISTINCT author FROM article_revisions WHERE number = ?1 "
                           "AND author IS NOT NULL AND author <> '' AND rev > coalesce((SELECT "
                           "max(rev) FROM article_revisions WHERE number = ?1 AND status = "
                           "'published'), 0) AND created >= coalesce((SELECT max(created) FROM "
                           "review_log WHERE number = ?1 AND action = 'approved'), 0) "
                           "ORDER BY author", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            *out = kb_xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = store_col(s, 0);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read the revisions of KB-%lld",
                          (long long)number);
    sqlite3_finalize(s);
    return code;
}

static int request_locked(struct kb_store *st, int64_t number, const char *requester,
                          int *replaced, struct kb_err *err)
{
    struct kb_doc d;
    char **authors = NULL;
    size_t n = 0;
    int code = kb_store_get(st, KB_KIND_ARTICLE, number, &d, err);
    if (code)
        return code;
    if (d.status == KB_STATUS_PUBLISHED)
        code = kb_err_set(err, KB_EINVAL, "KB-%lld is published already", (long long)number);
    if (code == 0)
        code = draft_authors(st, number, &authors, &n, err);
    if (code == 0)
        code = submit_locked(st, number, &d, requester, authors, n, replaced, err);
    kb_review_strings_free(authors, n);
    kb_doc_release(&d);
    return code;
}

int kb_review_request_publish(struct kb_store *st, int64_t number, const char *requester,
                              int *replaced, struct kb_err *err)
{
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, request_locked(st, number, requester, replaced, err), err);
}

static int log_decision(struct kb_store *st, int64_t number, const char *action,
                        const char *actor, const char *author, const char *note,
                        struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "INSERT INTO review_log (number, action, actor, author, note, "
                           "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    store_bind(s, 2, action);
    store_bind(s, 3, actor);
    store_bind(s, 4, author);
    store_bind(s, 5, note && *note ? note : NULL);
    sqlite3_bind_int64(s, 6, store_now());
    return step_done(st, s, "record the review decision", err);
}

static int drop_pending(struct kb_store *st, int64_t number, struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "DELETE FROM article_pending WHERE number = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    return step_done(st, s, "drop the change in review", err);
}

static int approve_locked(struct kb_store *st, int64_t number, const char *approver, int *own,
                          int *changed, struct kb_err *err)
{
    struct kb_pending p;
    int code = kb_review_get(st, number, &p, err);
    if (code)
        return code;
    int mine = !approver || !*approver;
    for (size_t i = 0; !mine && i < p.nedit; i++)
        mine = strcmp(p.editors[i], approver) == 0;
    if (p.author && approver && strcmp(p.author, approver) == 0)
        mine = 1;
    if (mine) {
        if (own)
            *own = 1;
        code = kb_err_set(err, KB_EINVAL, approver && *approver
                          ? "you cannot approve a change you made: another writer must"
                          : "approving needs a signed-in writer who did not make the change");
    }
    if (code == 0)
        code = kb_article_update(st, number, &p.doc, p.author, changed, err);
    if (code == 0 && p.publish) { /* a publish request: it goes live now */
        code = kb_store_set_status(st, number, KB_STATUS_PUBLISHED, err);
        if (code == 0 && changed)
            *changed = 1;
    }
    if (code == 0)
        code = drop_pending(st, number, err);
    if (code == 0)
        code = log_decision(st, number, "approved", approver, p.author, NULL, err);
    kb_pending_release(&p);
    return code;
}

int kb_review_approve(struct kb_store *st, int64_t number, const char *approver, int *own,
                      int *changed, struct kb_err *err)
{
    int tx = 0, code;
    if (own)
        *own = 0;
    if (changed)
        *changed = 0;
    if ((code = store_txn_begin(st, &tx, err)) != 0)
        return code;
    return store_txn_end(st, tx, approve_locked(st, number, approver, own, changed, err), err);
}

static int reject_locked(struct kb_store *st, int64_t number, const char *by, const char *note,
                         struct kb_err *err)
{
    struct kb_pending p;
    int code = kb_review_get(st, number, &p, err);
    if (code == 0)
        code = drop_pending(st, number, err);
    if (code == 0)
        code = log_decision(st, number, "rejected", by, p.author, note, err);
    kb_pending_release(&p);
    return code;
}

int kb_review_reject(struct kb_store *st, int64_t number, const char *by, const char *note,
                     struct kb_err *err)
{
    if (note && strlen(note) > KB_REVIEW_NOTE_MAX)
        return kb_err_set(err, KB_EINVAL, "note is longer than %d bytes", KB_REVIEW_NOTE_MAX);
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, reject_locked(st, number, by, note, err), err);
}

int kb_review_last(struct kb_store *st, int64_t number, char **action, char **actor,
                   char **note, int64_t *at, struct kb_err *err)
{
    *action = *actor = *note = NULL;
    *at = 0;
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT action, actor, note, created FROM review_log "
                           "WHERE number = ?1 ORDER BY id DESC LIMIT 1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *action = store_col(s, 0);
        *actor = store_col(s, 1);
        *note = store_col(s, 2);
        *at = sqlite3_column_int64(s, 3);
    } else if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read the review log");
    }
    sqlite3_finalize(s);
    return code;
}

int kb_review_list(struct kb_store *st, int64_t offset, int64_t limit, struct kb_pending **out,
                   size_t *n, int64_t *total, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    if (limit < 1 || limit > KB_REVIEW_LIST_MAX)
        return kb_err_set(err, KB_EINVAL, "list limit %lld is not in 1..%d", (long long)limit,
                          KB_REVIEW_LIST_MAX);
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT count(*) FROM article_pending", &s, err), rc;
    if (code)
        return code;
    if ((rc = sqlite3_step(s)) == SQLITE_ROW && total)
        *total = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    if ((code = prepare(st, "SELECT " PENDING_SELECT " FROM article_pending "
                            "ORDER BY updated, number LIMIT ?1 OFFSET ?2", &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, limit);
    sqlite3_bind_int64(s, 2, offset > 0 ? offset : 0);
    size_t cap = 0;
    struct kb_pending *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        pending_row(s, &v[(*n)++]);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot list the changes in review");
    sqlite3_finalize(s);
    if (code) {
        kb_pendings_free(v, *n);
        *n = 0;
        return code;
    }
    *out = v;
    return 0;
}

/* ---- owners and verify-by dates ------------------------------------------------- */

int kb_article_owner_get(struct kb_store *st, int64_t number, char **owner,
                         char verify_by[11], struct kb_err *err)
{
    *owner = NULL;
    verify_by[0] = '\0';
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT owner, verify_by FROM article_owners WHERE number = ?1", &s,
                       err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *owner = store_col(s, 0);
        const char *v = (const char *)sqlite3_column_text(s, 1);
        if (v)
            snprintf(verify_by, 11, "%s", v);
    } else if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read the owner of KB-%lld", (long long)number);
    }
    sqlite3_finalize(s);
    return code;
}

static int owner_locked(struct kb_store *st, int64_t number, int set_owner, const char *owner,
                        int set_verify, const char *verify_by, struct kb_err *err)
{
    int64_t rev;
    int code = kb_article_current_rev(st, number, &rev, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    if ((code = prepare(st, "INSERT INTO article_owners (number, owner, verify_by) VALUES "
                            "(?1, CASE WHEN ?2 THEN ?3 END, CASE WHEN ?4 THEN ?5 END) "
                            "ON CONFLICT (number) DO UPDATE SET "
                            "owner = CASE WHEN ?2 THEN ?3 ELSE owner END, "
                            "verify_by = CASE WHEN ?4 THEN ?5 ELSE verify_by END", &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int(s, 2, set_owner != 0);
    store_bind(s, 3, owner && *owner ? owner : NULL);
    sqlite3_bind_int(s, 4, set_verify != 0);
    store_bind(s, 5, verify_by && *verify_by ? verify_by : NULL);
    return step_done(st, s, "store the article's owner", err);
}

int kb_article_owner_set(struct kb_store *st, int64_t number, int set_owner, const char *owner,
                         int set_verify, const char *verify_by, struct kb_err *err)
{
    if (set_verify && verify_by && *verify_by && !kb_review_date_ok(verify_by))
        return kb_err_set(err, KB_EINVAL, "verify_by must be a date written YYYY-MM-DD");
    if (set_owner && owner && strlen(owner) > 64)
        return kb_err_set(err, KB_EINVAL, "owner must be a staff username");
    if (!set_owner && !set_verify)
        return 0;
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, owner_locked(st, number, set_owner, owner, set_verify, verify_by,
                                         err), err);
}
