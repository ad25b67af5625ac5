/* Articles as writers edit them: rendering, drafts, updates, lists,
 * revisions, revert and a line diff, on top of the store's put and status
 * calls (which write the revisions and outbox rows). */
#include "kb/store/articles.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/buf.h"
#include "kb/ingest/ingest.h"
#include "kb/store/store_int.h"

#define MAX_SID_TRIES 100 /* "KB-1042", "KB-1042-2", ... */
#define DIFF_DEFAULT_CELLS ((size_t)2 * 1000 * 1000) /* 8 MB of table */

/* ---- rendering ------------------------------------------------------------- */

/* Plain text as HTML: paragraphs at blank lines, lines kept with <br>. */
static char *text_html(const char *s, size_t len)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    size_t i = 0;
    while (i < len) {
        while (i < len && (s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i >= len)
            break;
        kb_buf_adds(&b, "<p>");
        for (;;) {
            const char *nl = memchr(s + i, '\n', len - i);
            size_t end = nl ? (size_t)(nl - s) : len, e = end;
            if (e > i && s[e - 1] == '\r')
                e--;
            kb_buf_add_html(&b, s + i, e - i);
            i = end < len ? end + 1 : len;
            if (i >= len || s[i] == '\n' || (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n'))
                break;
            kb_buf_adds(&b, "<br>");
        }
        kb_buf_adds(&b, "</p>\n");
    }
    return kb_buf_detach(&b);
}

void kb_article_render(int format, const char *body, size_t len, char **source, char **html,
                       char **text)
{
    kb_article_render_report(format, body, len, source, html, text, NULL);
}

void kb_article_render_report(int format, const char *body, size_t len, char **source,
                              char **html, char **text, struct kb_san_report *rep)
{
    char *h, *src;
    if (!body) {
        body = "";
        len = 0;
    }
    if (format == KB_FMT_MARKDOWN) {
        h = kb_markdown_html_report(body, len, rep);
        src = kb_xstrndup(body, len);
    } else if (format == KB_FMT_HTML) {
        h = kb_html_sanitize_report(body, len, rep);
        src = kb_xstrdup(h);
    } else {
        char *raw = text_html(body, len);
        h = kb_html_sanitize_report(raw, strlen(raw), rep); /* the same markup as every other path */
        free(raw);
        src = kb_xstrndup(body, len);
    }
    if (text) {
        char *t = kb_html_text(h, strlen(h));
        *text = t ? t : kb_xstrdup("");
    }
    if (source)
        *source = src;
    else
        free(src);
    if (html)
        *html = h;
    else
        free(h);
}

/* ---- small helpers ------------------------------------------------------------ */

static int format_parse(const char *s)
{
    if (s && strcmp(s, "html") == 0)
        return KB_FMT_HTML;
    if (s && strcmp(s, "markdown") == 0)
        return KB_FMT_MARKDOWN;
    return KB_FMT_TEXT;
}

static void tags_load(struct kb_doc *d, const char *text)
{
    if (!text || !*text)
        return;
    json_t *a = json_loads(text, 0, NULL);
    if (json_is_array(a)) {
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v)
            if (json_is_string(v))
                kb_doc_add_tag(d, json_string_value(v));
    }
    json_decref(a);
}

static int col_status(sqlite3_stmt *s, int i)
{
    int v = kb_status_parse((const char *)sqlite3_column_text(s, i));
    return v < 0 ? KB_STATUS_DRAFT : v;
}

static int col_audience(sqlite3_stmt *s, int i)
{
    int v = kb_audience_parse((const char *)sqlite3_column_text(s, i));
    return v < 0 ? KB_AUD_INTERNAL : v; /* never widen visibility on bad data */
}

static int prepare(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        *s = NULL;
        return store_fail(st, err, rc, "cannot read articles");
    }
    return 0;
}

/* ---- create ------------------------------------------------------------------ */

/* Whether any article (in any locale) other than number uses source id sid. */
static int sid_taken(struct kb_store *st, const char *sid, int64_t number, int *taken,
                     struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT 1 FROM articles WHERE source_id = ?1 AND number <> ?2 "
                           "LIMIT 1", &s, err);
    if (code)
        return code;
    store_bind(s, 1, sid);
    sqlite3_bind_int64(s, 2, number);
    int rc = sqlite3_step(s);
    *taken = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot look up source id '%.200s'", sid);
    sqlite3_finalize(s);
    return code;
}

/* The source id for article number: "KB-<number>", suffixed if taken. */
static int pick_sid(struct kb_store *st, int64_t number, char *out, size_t size,
                    struct kb_err *err)
{
    for (int i = 1; i <= MAX_SID_TRIES; i++) {
        int taken = 0, code;
        if (i == 1)
            snprintf(out, size, "KB-%lld", (long long)number);
        else
            snprintf(out, size, "KB-%lld-%d", (long long)number, i);
        if ((code = sid_taken(st, out, number, &taken, err)) != 0)
            return code;
        if (!taken)
            return 0;
    }
    return kb_err_set(err, KB_EEXIST, "no free source id for KB-%lld", (long long)number);
}

/* The number the next insert gets (AUTOINCREMENT: one past the sequence). */
static int next_number(struct kb_store *st, int64_t *out, struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = "
                           "'articles'), (SELECT max(number) FROM articles), ?1) + 1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, KB_ARTICLE_FIRST_NUMBER - 1);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else
        code = store_fail(st, err, rc, "cannot number a new article");
    sqlite3_finalize(s);
    return code;
}

static int set_sid(struct kb_store *st, int64_t number, const char *sid, struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "UPDATE articles SET source_id = ?2 WHERE number = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    store_bind(s, 2, sid);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot name article KB-%lld", (long long)number);
    sqlite3_finalize(s);
    return code;
}

static int create_locked(struct kb_store *st, const struct kb_doc *d, const char *author,
                         int64_t *number, struct kb_err *err)
{
    int64_t pred = 0, num = 0;
    int res = 0, code;
    char sid[64];
    if ((code = next_number(st, &pred, err)) != 0 ||
        (code = pick_sid(st, pred, sid, sizeof sid, err)) != 0)
        return code;
    struct kb_doc n = *d; /* shallow: only pointers we own are replaced */
    n.kind = KB_KIND_ARTICLE;
    n.number = 0;
    n.source_id = sid;
    n.source_path = NULL;
    n.status = KB_STATUS_DRAFT;
    n.asked_as = NULL;
    n.created = n.updated = 0;
    if ((code = kb_store_put(st, &n, author, &res, &num, err)) != 0)
        return code;
    if (res != KB_PUT_ADDED)
        return kb_err_set(err, KB_EINTERNAL, "new article's source id '%s' is already in use",
                          sid);
    if (num != pred) { /* the sequence moved under us: name it after its number */
        if ((code = pick_sid(st, num, sid, sizeof sid, err)) != 0 ||
            (code = set_sid(st, num, sid, err)) != 0)
            return code;
    }
    *number = num;
    return 0;
}

int kb_article_create(struct kb_store *st, const struct kb_doc *d, const char *author,
                      int64_t *number, struct kb_err *err)
{
    int own = 0, code;
    int64_t num = 0;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    code = store_txn_end(st, own, create_locked(st, d, author, &num, err), err);
    if (code == 0 && number)
        *number = num;
    return code;
}

/* ---- update and revert --------------------------------------------------------- */

struct cur_row {
    char *source_id, *source_path, *locale;
    int status;
    int64_t created;
};

static void cur_release(struct cur_row *c)
{
    free(c->source_id);
    free(c->source_path);
    free(c->locale);
}

static int cur_load(struct kb_store *st, int64_t number, struct cur_row *c, struct kb_err *err)
{
    sqlite3_stmt *s;
    memset(c, 0, sizeof *c);
    int code = prepare(st, "SELECT source_id, source_path, locale, status, created "
                           "FROM articles WHERE number = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        c->source_id = store_col(s, 0);
        c->source_path = store_col(s, 1);
        c->locale = store_col(s, 2);
        c->status = col_status(s, 3);
        c->created = sqlite3_column_int64(s, 4);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld", (long long)number);
    } else {
        code = store_fail(st, err, rc, "cannot read article KB-%lld", (long long)number);
    }
    sqlite3_finalize(s);
    return code;
}

/* Moves article number to locale (the put that follows finds it there). */
static int move_locale(struct kb_store *st, int64_t number, const char *sid, const char *locale,
                       struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT number FROM articles WHERE source_id = ?1 AND locale = ?2 "
                           "AND number <> ?3", &s, err);
    if (code)
        return code;
    store_bind(s, 1, sid);
    store_bind(s, 2, locale);
    sqlite3_bind_int64(s, 3, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        code = kb_err_set(err, KB_EEXIST, "article KB-%lld already has source id '%.200s' "
                          "in locale '%.40s'", (long long)sqlite3_column_int64(s, 0), sid,
                          locale);
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot look up source id '%.200s'", sid);
    sqlite3_finalize(s);
    if (code)
        return code;
    if ((code = prepare(st, "UPDATE articles SET locale = ?2, content_hash = NULL "
                            "WHERE number = ?1", &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    store_bind(s, 2, locale);
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot change the locale of KB-%lld",
                          (long long)number);
    sqlite3_finalize(s);
    return code;
}

static int update_locked(struct kb_store *st, int64_t number, const struct kb_doc *d,
                         const char *author, int *changed, struct kb_err *err)
{
    struct cur_row cur;
    int code = cur_load(st, number, &cur, err), res = 0;
    int64_t num = 0;
    if (code)
        return code;
    struct kb_doc n = *d; /* shallow: only pointers we own are replaced */
    n.kind = KB_KIND_ARTICLE;
    n.number = 0;
    n.source_id = cur.source_id;
    n.source_path = cur.source_path;
    n.status = cur.status;
    n.created = cur.created;
    n.updated = 0;
    n.asked_as = NULL;
    if (!n.locale || !*n.locale)
        n.locale = "en";
    if (strcmp(n.locale, cur.locale ? cur.locale : "en") != 0)
        code = move_locale(st, number, cur.source_id, n.locale, err);
    if (code == 0)
        code = kb_store_put(st, &n, author, &res, &num, err);
    if (code == 0 && num != number)
        code = kb_err_set(err, KB_EINTERNAL, "update of KB-%lld wrote KB-%lld",
                          (long long)number, (long long)num);
    if (code == 0 && changed)
        *changed = res != KB_PUT_UNCHANGED;
    cur_release(&cur);
    return code;
}

int kb_article_update(struct kb_store *st, int64_t number, const struct kb_doc *d,
                      const char *author, int *changed, struct kb_err *err)
{
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    return store_txn_end(st, own, update_locked(st, number, d, author, changed, err), err);
}

int kb_article_revert(struct kb_store *st, int64_t number, int64_t rev, const char *author,
                      int *changed, struct kb_err *err)
{
    struct kb_revision r;
    int own = 0, code;
    if ((code = store_txn_begin(st, &own, err)) != 0)
        return code;
    code = kb_article_revision(st, number, rev, &r, err);
    if (code == 0)
        code = update_locked(st, number, &r.doc, author, changed, err);
    kb_revision_release(&r);
    return store_txn_end(st, own, code, err);
}

int kb_article_current_rev(struct kb_store *st, int64_t number, int64_t *rev,
                           struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT current_rev FROM articles WHERE number = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *rev = sqlite3_column_int64(s, 0);
    else if (rc == SQLITE_DONE)
        code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld", (long long)number);
    else
        code = store_fail(st, err, rc, "cannot read article KB-%lld", (long long)number);
    sqlite3_finalize(s);
    return code;
}

/* ---- revisions --------------------------------------------------------------- */

void kb_revision_release(struct kb_revision *r)
{
    free(r->author);
    kb_doc_release(&r->doc);
    memset(r, 0, sizeof *r);
}

void kb_revisions_free(struct kb_revision *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_revision_release(&r[i]);
    free(r);
}

/* A revision row r joined to its article a when it is the current one,
 * whose bodies only the articles row holds (store_int.h, REV_SUPERSEDE);
 * REV_BODIES are its text, html and source, from whichever holds them. */
#define REV_FROM "FROM article_revisions r LEFT JOIN articles a " \
    "ON a.number = r.number AND a.current_rev = r.rev"
#define REV_BODIES "CASE WHEN a.number IS NULL THEN r.text ELSE a.text END, " \
    "CASE WHEN a.number IS NULL THEN r.html ELSE a.html END, " \
    "CASE WHEN a.number IS NULL THEN " STORE_SOURCE("r.") " ELSE " STORE_SOURCE("a.") " END"

static int article_exists(struct kb_store *st, int64_t number, struct kb_err *err)
{
    int64_t rev;
    return kb_article_current_rev(st, number, &rev, err);
}

int kb_article_revision(struct kb_store *st, int64_t number, int64_t rev,
                        struct kb_revision *out, struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    kb_doc_init(&out->doc);
    sqlite3_stmt *s;
    int code = prepare(st, "SELECT r.number, r.rev, r.title, r.summary, " REV_BODIES ", "
                           "r.format, r.category, r.product, r.tags, r.locale, r.audience, "
                           "r.status, r.author, r.created " REV_FROM
                           " WHERE r.number = ?1 AND r.rev = ?2", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int64(s, 2, rev);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        struct kb_doc *d = &out->doc;
        d->kind = KB_KIND_ARTICLE;
        d->number = sqlite3_column_int64(s, 0);
        out->rev = sqlite3_column_int64(s, 1);
        d->title = store_col(s, 2);
        d->summary = store_col(s, 3);
        d->text = store_col(s, 4);
        d->html = store_col(s, 5);
        d->source = store_col(s, 6);
        out->source_len = d->source ? strlen(d->source) : 0;
        d->format = format_parse((const char *)sqlite3_column_text(s, 7));
        d->category = store_col(s, 8);
        d->product = store_col(s, 9);
        tags_load(d, (const char *)sqlite3_column_text(s, 10));
        d->locale = store_col(s, 11);
        d->audience = col_audience(s, 12);
        d->status = col_status(s, 13);
        out->author = store_col(s, 14);
        out->created = sqlite3_column_int64(s, 15);
        d->updated = out->created;
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "no revision %lld of KB-%lld", (long long)rev,
                          (long long)number);
    } else {
        code = store_fail(st, err, rc, "cannot read revision %lld of KB-%lld", (long long)rev,
                          (long long)number);
    }
    sqlite3_finalize(s);
    return code;
}

int kb_article_revisions(struct kb_store *st, int64_t number, int64_t offset, int64_t limit,
                         struct kb_revision **out, size_t *n, int64_t *total,
                         struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    int code = article_exists(st, number, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    if ((code = prepare(st, "SELECT count(*) FROM article_revisions WHERE number = ?1", &s,
                        err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && total)
        *total = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_ROW)
        code = store_fail(st, err, rc, "cannot count revisions of KB-%lld", (long long)number);
    sqlite3_finalize(s);
    if (code)
        return code;
    if ((code = prepare(st, "SELECT r.rev, r.title, r.format, r.locale, r.audience, r.status, "
                            "r.author, r.created, coalesce(length(CAST(CASE WHEN a.number IS "
                            "NULL THEN " STORE_SOURCE("r.") " ELSE " STORE_SOURCE("a.") " END "
                            "AS BLOB)), 0) " REV_FROM " WHERE r.number = ?1 "
                            "ORDER BY r.rev DESC LIMIT ?2 OFFSET ?3", &s, err)) != 0)
        return code;
    sqlite3_bind_int64(s, 1, number);
    sqlite3_bind_int64(s, 2, limit > 0 ? limit : 100);
    sqlite3_bind_int64(s, 3, offset > 0 ? offset : 0);
    size_t cap = 0;
    struct kb_revision *v = NULL;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_revision *r = &v[(*n)++];
        memset(r, 0, sizeof *r);
        kb_doc_init(&r->doc);
        r->doc.kind = KB_KIND_ARTICLE;
        r->doc.number = number;
        r->rev = sqlite3_column_int64(s, 0);
        r->doc.title = store_col(s, 1);
        r->doc.format = format_parse((const char *)sqlite3_column_text(s, 2));
        r->doc.locale = store_col(s, 3);
        r->doc.audience = col_audience(s, 4);
        r->doc.status = col_status(s, 5);
        r->author = store_col(s, 6);
        r->created = sqlite3_column_int64(s, 7);
        r->doc.updated = r->created;
        r->source_len = (size_t)sqlite3_column_int64(s, 8);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot list revisions of KB-%lld", (long long)number);
    sqlite3_finalize(s);
    if (code) {
        kb_revisions_free(v, *n);
        *n = 0;
        return code;
    }
    *out = v;
    return 0;
}

/* ---- list ------------------------------------------------------------------------ */

#define LIST_WHERE " FROM articles WHERE (?1 IS NULL OR status = ?1)" \
    " AND (?2 IS NULL OR audience = ?2) AND (?3 IS NULL OR category = ?3)" \
    " AND (?4 IS NULL OR locale = ?4) AND (?5 IS NULL OR title LIKE ?5 ESCAPE '\\'" \
    " OR source_id LIKE ?5 ESCAPE '\\' OR number = ?6)" \
    " AND (?9 IS NULL OR number IN (SELECT number FROM article_owners" \
    " WHERE verify_by < ?9))" \
    " AND (?10 IS NULL OR number IN (SELECT number FROM article_pending))"

static void list_bind(sqlite3_stmt *s, const struct kb_article_filter *f, const char *like,
                      const char *verify_before, int in_review)
{
    store_bind(s, 1, f->status >= 0 ? kb_status_name(f->status) : NULL);
    store_bind(s, 2, f->audience >= 0 ? kb_audience_name(f->audience) : NULL);
    store_bind(s, 3, f->category);
    store_bind(s, 4, f->locale);
    store_bind(s, 5, like);
    int64_t num = f->q ? store_article_number(f->q) : 0;
    if (num > 0)
        sqlite3_bind_int64(s, 6, num);
    else
        sqlite3_bind_null(s, 6);
    store_bind(s, 9, verify_before && *verify_before ? verify_before : NULL);
    if (in_review)
        sqlite3_bind_int(s, 10, 1);
    else
        sqlite3_bind_null(s, 10);
}

/* "%q%" with LIKE's wildcards in q escaped; NULL for no q. */
static char *like_pattern(const char *q)
{
    if (!q || !*q)
        return NULL;
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_addc(&b, '%');
    for (; *q; q++) {
        if (*q == '%' || *q == '_' || *q == '\\')
            kb_buf_addc(&b, '\\');
        kb_buf_addc(&b, *q);
    }
    kb_buf_addc(&b, '%');
    return kb_buf_detach(&b);
}

void kb_article_list_free(struct kb_doc *docs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kb_doc_release(&docs[i]);
    free(docs);
}

int kb_article_list(struct kb_store *st, const struct kb_article_filter *f,
                    struct kb_doc **out, size_t *n, int64_t *total, struct kb_err *err)
{
    return kb_article_list_review(st, f, NULL, 0, out, n, total, err);
}

int kb_article_list_review(struct kb_store *st, const struct kb_article_filter *f,
                           const char *verify_before, int in_review, struct kb_doc **out,
                           size_t *n, int64_t *total, struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    if (total)
        *total = 0;
    int64_t limit = f->limit, offset = f->offset > 0 ? f->offset : 0;
    if (limit < 1 || limit > KB_ARTICLE_LIST_MAX)
        return kb_err_set(err, KB_EINVAL, "list limit %lld is not in 1..%d", (long long)limit,
                          KB_ARTICLE_LIST_MAX);
    char *like = like_pattern(f->q);
    sqlite3_stmt *s = NULL;
    struct kb_doc *v = NULL;
    size_t cap = 0;
    int own = !st->in_txn, rc, code;
    /* One read transaction: the count and the page agree. */
    if (own && (rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK) {
        code = store_fail(st, err, rc, "cannot read store '%s'", st->path);
        own = 0;
        goto out;
    }
    if ((code = prepare(st, "SELECT count(*)" LIST_WHERE, &s, err)) != 0)
        goto out;
    list_bind(s, f, like, verify_before, in_review);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && total)
        *total = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_ROW)
        code = store_fail(st, err, rc, "cannot count articles");
    sqlite3_finalize(s);
    s = NULL;
    if (code)
        goto out;
    if ((code = prepare(st, "SELECT number, source_id, locale, title, summary, category, "
                            "product, tags, audience, status, created, updated" LIST_WHERE
                            " ORDER BY updated DESC, number DESC LIMIT ?7 OFFSET ?8",
                        &s, err)) != 0)
        goto out;
    list_bind(s, f, like, verify_before, in_review);
    sqlite3_bind_int64(s, 7, limit);
    sqlite3_bind_int64(s, 8, offset);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        struct kb_doc *d = &v[(*n)++];
        kb_doc_init(d);
        d->kind = KB_KIND_ARTICLE;
        d->number = sqlite3_column_int64(s, 0);
        d->source_id = store_col(s, 1);
        d->locale = store_col(s, 2);
        d->title = store_col(s, 3);
        d->summary = store_col(s, 4);
        d->category = store_col(s, 5);
        d->product = store_col(s, 6);
        tags_load(d, (const char *)sqlite3_column_text(s, 7));
        d->audience = col_audience(s, 8);
        d->status = col_status(s, 9);
        d->created = sqlite3_column_int64(s, 10);
        d->updated = sqlite3_column_int64(s, 11);
    }
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot list articles");
out:
    sqlite3_finalize(s);
    if (own && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL); /* read only */
    free(like);
    if (code) {
        kb_article_list_free(v, *n);
        *n = 0;
        return code;
    }
    *out = v;
    return 0;
}

/* ---- line diff ----------------------------------------------------------------- */

struct line {
    const char *p;
    size_t len;
};

static struct line *split_lines(const char *s, size_t *n)
{
    size_t cap = 16;
    struct line *v = kb_xmalloc(cap * sizeof *v);
    *n = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (*n == cap) {
            cap *= 2;
            v = kb_xrealloc(v, cap * sizeof *v);
        }
        v[*n].p = s;
        v[*n].len = len > 0 && s[len - 1] == '\r' ? len - 1 : len;
        (*n)++;
        s = nl ? nl + 1 : s + len;
    }
    return v;
}

static int line_eq(const struct line *a, const struct line *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

static void emit(struct kb_diff_line *out, size_t *n, char op, const struct line *l)
{
    out[*n].op = op;
    out[*n].text = l->p;
    out[*n].len = l->len;
    (*n)++;
}

void kb_line_diff(const char *a, const char *b, size_t max_cells, struct kb_diff_line **out,
                  size_t *n, int *approx)
{
    size_t na, nb, head = 0, tail = 0, k = 0;
    struct line *la = split_lines(a, &na), *lb = split_lines(b, &nb);
    struct kb_diff_line *d = kb_xmalloc((na + nb + 1) * sizeof *d);
    if (!max_cells)
        max_cells = DIFF_DEFAULT_CELLS;
    if (approx)
        *approx = 0;
    while (head < na && head < nb && line_eq(&la[head], &lb[head]))
        head++;
    while (tail < na - head && tail < nb - head &&
           line_eq(&la[na - 1 - tail], &lb[nb - 1 - tail]))
        tail++;
    for (size_t i = 0; i < head; i++)
        emit(d, &k, ' ', &la[i]);

    const struct line *ma = la + head, *mb = lb + head;
    size_t ra = na - head - tail, rb = nb - head - tail;
    size_t w = rb + 1;
    if (ra && rb && (ra + 1 > max_cells / w || (ra + 1) * w > max_cells)) {
        if (approx)
            *approx = 1;
        for (size_t i = 0; i < ra; i++)
            emit(d, &k, '-', &ma[i]);
        for (size_t j = 0; j < rb; j++)
            emit(d, &k, '+', &mb[j]);
    } else if (ra && rb) {
        /* L[i][j]: LCS length of ma[i..] and mb[j..]. */
        uint32_t *L = kb_xcalloc((ra + 1) * w, sizeof *L);
        for (size_t i = ra; i-- > 0;)
            for (size_t j = rb; j-- > 0;) {
                if (line_eq(&ma[i], &mb[j]))
                    L[i * w + j] = L[(i + 1) * w + j + 1] + 1;
                else {
                    uint32_t x = L[(i + 1) * w + j], y = L[i * w + j + 1];
                    L[i * w + j] = x >= y ? x : y;
                }
            }
        size_t i = 0, j = 0;
        while (i < ra && j < rb) {
            if (line_eq(&ma[i], &mb[j])) {
                emit(d, &k, ' ', &ma[i]);
                i++;
                j++;
            } else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) {
                emit(d, &k, '-', &ma[i++]);
            } else {
                emit(d, &k, '+', &mb[j++]);
            }
        }
        while (i < ra)
            emit(d, &k, '-', &ma[i++]);
        while (j < rb)
            emit(d, &k, '+', &mb[j++]);
        free(L);
    } else {
        for (size_t i = 0; i < ra; i++)
            emit(d, &k, '-', &ma[i]);
        for (size_t j = 0; j < rb; j++)
            emit(d, &k, '+', &mb[j]);
    }
    for (size_t i = na - tail; i < na; i++)
        emit(d, &k, ' ', &la[i]);
    free(la);
    free(lb);
    *out = d;
    *n = k;
}
