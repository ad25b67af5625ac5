/* The store's documents: validation, put (with revisions, outbox rows and
 * ticket links), find, get, remove, status, "asked as" and iteration. */
#include "kb/store/store.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/store/store_int.h"
#include "kb/store/learn.h"

#define MAX_SOURCE_ID 1024 /* bytes */
#define MAX_LOCALE 35
#define MAX_ASKED_LINE 400 /* bytes per "asked as" line */

/* ---- document fields ----------------------------------------------------- */

static const char *format_name(int format)
{
    switch (format) {
    case KB_FMT_HTML: return "html";
    case KB_FMT_MARKDOWN: return "markdown";
    default: return "text";
    }
}

static int format_parse(const char *s)
{
    if (s && strcmp(s, "html") == 0)
        return KB_FMT_HTML;
    if (s && strcmp(s, "markdown") == 0)
        return KB_FMT_MARKDOWN;
    return KB_FMT_TEXT;
}


static int locale_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MAX_LOCALE)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    return 1;
}

static int validate(const struct kb_doc *d, struct kb_err *err)
{
    if (d->kind != KB_KIND_ARTICLE && d->kind != KB_KIND_TICKET)
        return kb_err_set(err, KB_EINVAL, "invalid kind %d", d->kind);
    if (!d->source_id || !*d->source_id) {
        if (!store_blank(d->title))
            return kb_err_set(err, KB_EINVAL, "missing source_id for %s '%.200s'",
                              kb_kind_name(d->kind), d->title);
        return kb_err_set(err, KB_EINVAL, "missing source_id");
    }
    const char *id = d->source_id;
    if (strlen(id) > MAX_SOURCE_ID)
        return kb_err_set(err, KB_EINVAL, "source_id too long (over %d bytes): '%.60s...'",
                          MAX_SOURCE_ID, id);
    if (store_blank(d->title))
        return kb_err_set(err, KB_EINVAL, "missing title for '%.200s'", id);
    if (d->locale && *d->locale && !locale_ok(d->locale))
        return kb_err_set(err, KB_EINVAL, "invalid locale '%.60s' for '%.200s'", d->locale, id);
    if (d->status < KB_STATUS_PUBLISHED || d->status > KB_STATUS_ARCHIVED)
        return kb_err_set(err, KB_EINVAL, "invalid status %d for '%.200s'", d->status, id);
    if (d->kind == KB_KIND_ARTICLE) {
        if (d->audience != KB_AUD_PUBLIC && d->audience != KB_AUD_INTERNAL)
            return kb_err_set(err, KB_EINVAL, "invalid audience %d for '%.200s'", d->audience,
                              id);
        if (d->format < KB_FMT_TEXT || d->format > KB_FMT_MARKDOWN)
            return kb_err_set(err, KB_EINVAL, "invalid format %d for '%.200s'", d->format, id);
    }
    return 0;
}

/* The document as it is stored, as a shallow copy of d: default locale,
 * fields that do not apply to its kind cleared, derived fields dropped. Its
 * hash is the content hash, so a doc read back by kb_store_get hashes the
 * same as the one that was put (timestamps aside). */
static void normalize(const struct kb_doc *d, struct kb_doc *n)
{
    *n = *d;
    n->number = 0;
    n->asked_as = NULL;
    n->asked_public = NULL;
    if (!n->locale || !*n->locale)
        n->locale = "en";
    if (d->kind == KB_KIND_TICKET) {
        n->audience = KB_AUD_INTERNAL;
        n->html = n->source = NULL;
        n->format = KB_FMT_TEXT;
    } else {
        n->description = n->resolution = n->customer = n->unit = n->team = NULL;
        n->linked_article = NULL;
        n->resolved = 0;
    }
}

/* Tags as a JSON array (caller frees), or KB_EINVAL for a non-UTF-8 tag. */
static int tags_json(const struct kb_doc *d, char **out, struct kb_err *err)
{
    json_t *a = json_array();
    for (size_t i = 0; i < d->ntags; i++) {
        json_t *s = json_string(d->tags[i]);
        if (!s) {
            json_decref(a);
            return kb_err_set(err, KB_EINVAL, "tag %zu of '%.200s' is not valid utf-8", i + 1,
                              d->source_id);
        }
        json_array_append_new(a, s);
    }
    *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    if (!*out)
        return kb_err_set(err, KB_EINTERNAL, "cannot encode the tags of '%.200s'", d->source_id);
    return 0;
}

static void tags_load(struct kb_doc *d, const char *text)
{
    if (!text || !*text)
        return;
    json_error_t je;
    json_t *a = json_loads(text, 0, &je);
    if (!json_is_array(a)) {
        kb_log(KB_LOG_WARN, "store: bad tags for %s '%s': %s", kb_kind_name(d->kind),
               d->source_id ? d->source_id : "?", je.text);
    } else {
        size_t i;
        json_t *v;
        json_array_foreach(a, i, v)
            if (json_is_string(v))
                kb_doc_add_tag(d, json_string_value(v));
    }
    json_decref(a);
}

static void row_to_article(sqlite3_stmt *s, struct kb_doc *d)
{
    kb_doc_init(d);
    d->kind = KB_KIND_ARTICLE;
    d->number = sqlite3_column_int64(s, 0);
    d->source_id = store_col(s, 1);
    d->source_path = store_col(s, 2);
    d->locale = store_col(s, 3);
    d->title = store_col(s, 4);
    d->summary = store_col(s, 5);
    d->text = store_col(s, 6);
    d->html = store_col(s, 7);
    d->source = store_col(s, 8);
    d->format = format_parse((const char *)sqlite3_column_text(s, 9));
    d->category = store_col(s, 10);
    d->product = store_col(s, 11);
    tags_load(d, (const char *)sqlite3_column_text(s, 12));
    d->audience = kb_audience_parse((const char *)sqlite3_column_text(s, 13));
    if (d->audience < 0)
        d->audience = KB_AUD_INTERNAL; /* never widen visibility on bad data */
    d->status = kb_status_parse((const char *)sqlite3_column_text(s, 14));
    if (d->status < 0)
        d->status = KB_STATUS_DRAFT;
    d->asked_as = store_col(s, 15);
    d->created = sqlite3_column_int64(s, 16);
    d->updated = sqlite3_column_int64(s, 17);
}

static void row_to_ticket(sqlite3_stmt *s, struct kb_doc *d)
{
    kb_doc_init(d);
    d->kind = KB_KIND_TICKET;
    d->audience = KB_AUD_INTERNAL;
    d->number = sqlite3_column_int64(s, 0);
    d->source_id = store_col(s, 1);
    d->source_path = store_col(s, 2);
    d->locale = store_col(s, 3);
    d->status = kb_status_parse((const char *)sqlite3_column_text(s, 4));
    if (d->status < 0)
        d->status = KB_STATUS_PUBLISHED;
    d->title = store_col(s, 5);
    d->summary = store_col(s, 6);
    d->text = store_col(s, 7);
    d->description = store_col(s, 8);
    d->resolution = store_col(s, 9);
    d->customer = store_col(s, 10);
    d->unit = store_col(s, 11);
    d->product = store_col(s, 12);
    d->category = store_col(s, 13);
    d->team = store_col(s, 14);
    tags_load(d, (const char *)sqlite3_column_text(s, 15));
    d->linked_article = store_col(s, 16);
    d->created = sqlite3_column_int64(s, 17);
    d->updated = sqlite3_column_int64(s, 18);
    d->resolved = sqlite3_column_int64(s, 19);
}

/* ---- lookups --------------------------------------------------------------- */

/* "KB-1042", "kb-1042", "KB1042" or "1042": the article number, or 0. */
int64_t store_article_number(const char *s)
{
    if ((s[0] == 'K' || s[0] == 'k') && (s[1] == 'B' || s[1] == 'b')) {
        s += 2;
        if (*s == '-' || *s == ' ')
            s++;
    }
    if (!isdigit((unsigned char)*s))
        return 0;
    int64_t n = 0;
    for (int i = 0; *s; s++, i++) {
        if (!isdigit((unsigned char)*s) || i >= 18)
            return 0;
        n = n * 10 + (*s - '0');
    }
    return n;
}

/* The article a reference names: number forms first, then source id
 * (preferring locale, then "en", then the lowest number). */
int store_resolve_article(struct kb_store *st, const char *ref, const char *locale, int *found,
                          int64_t *number, struct kb_err *err)
{
    int64_t n = store_article_number(ref), got = 0;
    int code;
    *found = 0;
    if (n > 0) {
        if ((code = store_query_id(st, Q_ART_EXISTS, NULL, NULL, n, found, &got, err)) != 0)
            return code;
        if (*found) {
            *number = n;
            return 0;
        }
    }
    if ((code = store_query_id(st, Q_ART_BY_SOURCE, ref, locale, 0, found, &got, err)) != 0)
        return code;
    if (*found)
        *number = got;
    return 0;
}

static char *trim_copy(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    return kb_xstrndup(s, n);
}

int kb_store_find(struct kb_store *st, const char *ref, int *kind, int64_t *number,
                  struct kb_err *err)
{
    if (!ref || store_blank(ref))
        return kb_err_set(err, KB_EINVAL, "empty article or ticket reference");
    char *t = trim_copy(ref);
    int found = 0, code;
    int64_t n = 0;
    if ((code = store_resolve_article(st, t, NULL, &found, &n, err)) == 0 && found) {
        *kind = KB_KIND_ARTICLE;
        *number = n;
    } else if (code == 0 &&
               (code = store_query_id(st, Q_TIC_BY_SOURCE, t, NULL, 0, &found, &n, err)) == 0) {
        if (found) {
            *kind = KB_KIND_TICKET;
            *number = n;
        } else {
            code = kb_err_set(err, KB_ENOTFOUND, "no article or ticket '%.200s'", t);
        }
    }
    free(t);
    return code;
}

/* ---- writes ---------------------------------------------------------------- */

static int outbox_add(struct kb_store *st, int kind, int64_t number, const char *op,
                      struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_OUTBOX_ADD, &s, err);
    if (code)
        return code;
    store_bind(s, 1, kb_kind_name(kind));
    sqlite3_bind_int64(s, 2, number);
    store_bind(s, 3, op);
    sqlite3_bind_int64(s, 4, store_now());
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot queue %s %lld for indexing", kb_kind_name(kind),
                          (long long)number);
    store_done(s);
    return code;
}


/* Whether text has a line equal to line, ignoring ASCII case. */
static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len == n && strncasecmp(p, line, n) == 0)
            return 1;
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

/* Adds phrase to an article's asked_as inside the current transaction;
 * queues the article when queue is set and something changed. */
static int asked_as_add(struct kb_store *st, int64_t number, const char *phrase, int queue,
                        struct kb_err *err)
{
    char *line = store_one_line(phrase, MAX_ASKED_LINE);
    char *old = NULL;
    sqlite3_stmt *s = NULL;
    int code = 0, rc;
    if (!*line) {
        code = kb_err_set(err, KB_EINVAL, "empty asked-as phrase for KB-%lld",
                          (long long)number);
        goto out;
    }
    if ((code = store_prep(st, Q_ART_ASKED_GET, &s, err)) != 0)
        goto out;
    sqlite3_bind_int64(s, 1, number);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        old = store_col(s, 0);
    else if (rc == SQLITE_DONE)
        code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld", (long long)number);
    else
        code = store_fail(st, err, rc, "cannot read article KB-%lld", (long long)number);
    store_done(s);
    if (code || (old && has_line(old, line)))
        goto out;

    struct kb_buf b = KB_BUF_INIT;
    if (old && *old) {
        /* Keep the newest lines: drop from the front beyond the cap. */
        const char *p = old;
        size_t lines = 1;
        for (const char *q = old; *q; q++)
            lines += *q == '\n';
        while (lines + 1 > KB_STORE_ASKED_AS_MAX_LINES && p) {
            p = strchr(p, '\n');
            if (p)
                p++;
            lines--;
        }
        if (p && *p) {
            kb_buf_adds(&b, p);
            kb_buf_addc(&b, '\n');
        }
    }
    kb_buf_adds(&b, line);
    if ((code = store_prep(st, Q_ART_ASKED_SET, &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, number);
        store_bind(s, 2, kb_buf_str(&b));
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot update article KB-%lld", (long long)number);
        store_done(s);
    }
    kb_buf_release(&b);
    if (code == 0 && queue)
        code = outbox_add(st, KB_KIND_ARTICLE, number, "asked_as", err);
out:
    free(old);
    free(line);
    return code;
}

int kb_store_add_asked_as(struct kb_store *st, int64_t number, const char *phrase,
                          struct kb_err *err)
{
    if (!phrase)
        return kb_err_set(err, KB_EINVAL, "missing asked-as phrase for KB-%lld",
                          (long long)number);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    return store_wend(st, asked_as_add(st, number, phrase, 1, err), err);
}

int kb_store_touch(struct kb_store *st, int kind, int64_t number, struct kb_err *err)
{
    int code = store_wbegin(st, err);
    if (code)
        return code;
    return store_wend(st, outbox_add(st, kind, number, "usage", err), err);
}

/* Teaches a new article the words of tickets that were linked to it before
 * it existed (tickets imported before articles). */
static int link_earlier_tickets(struct kb_store *st, const struct kb_doc *d, int64_t number,
                                struct kb_err *err)
{
    char ref1[32], ref2[32], ref3[32];
    snprintf(ref1, sizeof ref1, "KB-%lld", (long long)number);
    snprintf(ref2, sizeof ref2, "kb-%lld", (long long)number);
    snprintf(ref3, sizeof ref3, "%lld", (long long)number);
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_TIC_LINKED, &s, err);
    if (code)
        return code;
    store_bind(s, 1, d->source_id);
    store_bind(s, 2, ref1);
    store_bind(s, 3, ref2);
    store_bind(s, 4, ref3);
    /* Collect first: asked_as_add and resolve_article use other statements. */
    char **subjects = NULL, **customers = NULL;
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int found = 0;
        int64_t target = 0;
        const char *ref = (const char *)sqlite3_column_text(s, 2);
        const char *loc = (const char *)sqlite3_column_text(s, 1);
        code = store_resolve_article(st, ref, loc, &found, &target, err);
        if (code)
            break;
        if (found && target == number) {
            subjects = kb_xrealloc(subjects, (n + 1) * sizeof *subjects);
            customers = kb_xrealloc(customers, (n + 1) * sizeof *customers);
            customers[n] = store_col(s, 3);
            subjects[n++] = store_col(s, 0);
        }
    }
    if (code == 0 && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read tickets linked to '%.200s'", d->source_id);
    store_done(s);
    for (size_t i = 0; i < n; i++) {
        if (code == 0 && subjects[i] && !store_blank(subjects[i]))
            code = asked_as_add(st, number, subjects[i], 0, err);
        if (code == 0 && subjects[i] && !store_blank(subjects[i]))
            code = kb_learn_ticket_subject(st, number, subjects[i], customers[i], err);
        free(subjects[i]);
        free(customers[i]);
    }
    free(subjects);
    free(customers);
    return code;
}

int store_relink_tickets(struct kb_store *st, int64_t number, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    struct kb_doc d;
    kb_doc_init(&d);
    int code = store_prep(st, Q_ART_GET, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        d.source_id = store_col(s, 1);
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read article KB-%lld", (long long)number);
    store_done(s);
    if (code == 0 && d.source_id)
        code = link_earlier_tickets(st, &d, number, err);
    kb_doc_release(&d);
    return code;
}

int store_asked_as_drop(struct kb_store *st, int64_t number, const char *phrase,
                        struct kb_err *err)
{
    char *line = store_one_line(phrase, MAX_ASKED_LINE);
    char *old = NULL;
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_ART_ASKED_GET, &s, err), rc;
    if (code)
        goto out;
    sqlite3_bind_int64(s, 1, number);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        old = store_col(s, 0);
    else if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot read article KB-%lld", (long long)number);
    store_done(s);
    if (code || !old || !*line || !has_line(old, line))
        goto out;
    struct kb_buf b = KB_BUF_INIT;
    for (const char *p = old; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n && !(n == strlen(line) && memcmp(p, line, n) == 0)) {
            if (b.len)
                kb_buf_addc(&b, '\n');
            kb_buf_add(&b, p, n);
        }
        p = nl ? nl + 1 : NULL;
    }
    if ((code = store_prep(st, Q_ART_ASKED_SET, &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, number);
        store_bind(s, 2, b.len ? kb_buf_str(&b) : NULL);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot update article KB-%lld", (long long)number);
        store_done(s);
    }
    kb_buf_release(&b);
out:
    free(old);
    free(line);
    return code;
}

/* Looks a document up by its key; *same when its stored hash is hash. */
static int lookup(struct kb_store *st, const struct kb_doc *d, const char *hash, int *found,
                  int64_t *number, int *same, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int article = d->kind == KB_KIND_ARTICLE;
    int code = store_prep(st, article ? Q_ART_LOOKUP : Q_TIC_LOOKUP, &s, err);
    if (code)
        return code;
    store_bind(s, 1, d->source_id);
    if (article)
        store_bind(s, 2, d->locale);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    *same = 0;
    if (rc == SQLITE_ROW) {
        const char *h = (const char *)sqlite3_column_text(s, 1);
        *number = sqlite3_column_int64(s, 0);
        *same = h && strcmp(h, hash) == 0;
    } else if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot look up %s '%.200s'", kb_kind_name(d->kind),
                          d->source_id);
    }
    store_done(s);
    return code;
}

/* What an article's source is stored as: "text" or "html" when it equals
 * that body (kept once, see STORE_SOURCE), NULL when kept in its column. */
static const char *source_is(const struct kb_doc *d)
{
    if (!d->source)
        return NULL;
    if (d->text && strcmp(d->source, d->text) == 0)
        return "text";
    if (d->html && strcmp(d->source, d->html) == 0)
        return "html";
    return NULL;
}

static void bind_article(sqlite3_stmt *s, const struct kb_doc *d, const char *tags,
                         const char *hash, int64_t now)
{
    const char *same = source_is(d);
    store_bind(s, 1, d->source_id);
    store_bind(s, 2, d->locale);
    store_bind(s, 3, d->source_path);
    store_bind(s, 4, d->title);
    store_bind(s, 5, d->summary);
    store_bind(s, 6, d->text);
    store_bind(s, 7, d->html);
    store_bind(s, 8, same ? NULL : d->source);
    store_bind(s, 9, format_name(d->format));
    store_bind(s, 10, d->category);
    store_bind(s, 11, d->product);
    store_bind(s, 12, tags);
    store_bind(s, 13, kb_audience_name(d->audience));
    store_bind(s, 14, kb_status_name(d->status));
    store_bind(s, 15, hash);
    sqlite3_bind_int64(s, 16, d->created ? d->created : now);
    sqlite3_bind_int64(s, 17, d->updated ? d->updated : now);
    store_bind(s, 19, same);
}

static void bind_ticket(sqlite3_stmt *s, const struct kb_doc *d, const char *tags,
                        const char *hash, int64_t now)
{
    store_bind(s, 1, d->source_id);
    store_bind(s, 2, d->source_path);
    store_bind(s, 3, d->locale);
    store_bind(s, 4, kb_status_name(d->status));
    store_bind(s, 5, d->title);
    store_bind(s, 6, d->summary);
    store_bind(s, 7, d->text);
    store_bind(s, 8, d->description);
    store_bind(s, 9, d->resolution);
    store_bind(s, 10, d->customer);
    store_bind(s, 11, d->unit);
    store_bind(s, 12, d->product);
    store_bind(s, 13, d->category);
    store_bind(s, 14, d->team);
    store_bind(s, 15, tags);
    store_bind(s, 16, d->linked_article);
    store_bind(s, 17, hash);
    sqlite3_bind_int64(s, 18, d->created ? d->created : now);
    sqlite3_bind_int64(s, 19, d->updated ? d->updated : now);
    sqlite3_bind_int64(s, 20, d->resolved);
}

/* Writes a normalised document inside an open write operation. */
static int put_locked(struct kb_store *st, const struct kb_doc *d, const char *hash,
                      const char *tags, const char *author, int *result, int64_t *number,
                      struct kb_err *err)
{
    int article = d->kind == KB_KIND_ARTICLE;
    int found = 0, same = 0, code, rc;
    int64_t num = 0, now = store_now();
    sqlite3_stmt *s = NULL;

    if ((code = lookup(st, d, hash, &found, &num, &same, err)) != 0)
        return code;
    if (found && same) {
        *result = KB_PUT_UNCHANGED;
        *number = num;
        return 0;
    }
    int id = article ? (found ? Q_ART_UPDATE : Q_ART_INSERT) : (found ? Q_TIC_UPDATE : Q_TIC_INSERT);
    if (article && found && (code = store_run_int(st, Q_REV_SUPERSEDE, num, err)) != 0)
        return code;
    if ((code = store_prep(st, id, &s, err)) != 0)
        return code;
    if (article) {
        bind_article(s, d, tags, hash, now);
        if (found)
            sqlite3_bind_int64(s, 18, num);
    } else {
        bind_ticket(s, d, tags, hash, now);
        if (found)
            sqlite3_bind_int64(s, 21, num);
    }
    rc = sqlite3_step(s);
    if (rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot write %s '%.200s'", kb_kind_name(d->kind),
                          d->source_id);
    store_done(s);
    if (code)
        return code;
    if (!found)
        num = sqlite3_last_insert_rowid(st->db);

    if (article) {
        if ((code = store_prep(st, Q_REV_INSERT, &s, err)) != 0)
            return code;
        sqlite3_bind_int64(s, 1, num);
        store_bind(s, 2, author);
        sqlite3_bind_int64(s, 3, now);
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot add a revision of '%.200s'", d->source_id);
        store_done(s);
        if (code == 0 && !found)
            code = link_earlier_tickets(st, d, num, err);
        if (code == 0)
            code = store_media_refs_update(st, num, err);
    } else if (d->linked_article && !store_blank(d->linked_article)) {
        char *ref = trim_copy(d->linked_article);
        int64_t target = 0;
        code = store_resolve_article(st, ref, d->locale, &found, &target, err);
        /* The subject teaches the article's internal copy at once, and is
         * its customer's evidence for the public copy (kb/store/learn.h). */
        if (code == 0 && found)
            code = asked_as_add(st, target, d->title, 0, err);
        if (code == 0 && found)
            code = kb_learn_ticket_subject(st, target, d->title, d->customer, err);
        if (code == 0 && found)
            code = outbox_add(st, KB_KIND_ARTICLE, target, "asked_as", err);
        else if (code == 0)
            kb_log(KB_LOG_DEBUG, "store: ticket '%s' links to unknown article '%s'",
                   d->source_id, ref);
        free(ref);
    }
    if (code == 0)
        code = outbox_add(st, d->kind, num, "put", err);
    if (code == 0) {
        *result = id == Q_ART_UPDATE || id == Q_TIC_UPDATE ? KB_PUT_UPDATED : KB_PUT_ADDED;
        *number = num;
    }
    return code;
}

int kb_store_put(struct kb_store *st, const struct kb_doc *d, const char *author,
                 int *result, int64_t *number, struct kb_err *err)
{
    int res = KB_PUT_UNCHANGED, found = 0, same = 0, code;
    int64_t num = 0;
    char hash[65], *tags = NULL;
    struct kb_doc n;

    if ((code = validate(d, err)) != 0)
        return code;
    normalize(d, &n);
    kb_doc_hash(&n, hash);
    /* Unchanged documents (re-ingesting a directory) take no write lock. */
    if (!st->in_txn) {
        if ((code = lookup(st, &n, hash, &found, &num, &same, err)) != 0)
            return code;
        if (found && same)
            goto out;
    }
    if ((code = tags_json(&n, &tags, err)) != 0)
        return code;
    if ((code = store_wbegin(st, err)) != 0)
        goto out;
    code = store_wend(st, put_locked(st, &n, hash, tags, author, &res, &num, err), err);
out:
    free(tags);
    if (code == 0) {
        if (result)
            *result = res;
        if (number)
            *number = num;
    }
    return code;
}

int kb_store_remove(struct kb_store *st, int kind, int64_t number, struct kb_err *err)
{
    int article = kind == KB_KIND_ARTICLE;
    if (!article && kind != KB_KIND_TICKET)
        return kb_err_set(err, KB_EINVAL, "invalid kind %d", kind);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    if (article)
        code = store_run_int(st, Q_ART_DELETE_REVS, number, err);
    if (code == 0)
        code = store_run_int(st, article ? Q_ART_DELETE : Q_TIC_DELETE, number, err);
    if (code == 0 && sqlite3_changes(st->db) == 0)
        code = kb_err_set(err, KB_ENOTFOUND, article ? "no article KB-%lld" : "no ticket %lld",
                          (long long)number);
    if (code == 0 && article)
        code = store_media_refs_update(st, number, err);
    if (code == 0)
        code = outbox_add(st, kind, number, "remove", err);
    return store_wend(st, code, err);
}

int kb_store_set_status(struct kb_store *st, int64_t number, int status, struct kb_err *err)
{
    if (status < KB_STATUS_PUBLISHED || status > KB_STATUS_ARCHIVED)
        return kb_err_set(err, KB_EINVAL, "invalid status %d for KB-%lld", status,
                          (long long)number);
    int code = store_wbegin(st, err), rc;
    if (code)
        return code;
    sqlite3_stmt *s = NULL;
    if ((code = store_prep(st, Q_ART_SET_STATUS, &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, number);
        store_bind(s, 2, kb_status_name(status));
        sqlite3_bind_int64(s, 3, store_now());
        rc = sqlite3_step(s);
        if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot set the status of KB-%lld",
                              (long long)number);
        store_done(s);
    }
    if (code == 0 && sqlite3_changes(st->db) > 0) {
        code = store_media_refs_update(st, number, err);
        if (code == 0)
            code = outbox_add(st, KB_KIND_ARTICLE, number, "status", err);
    } else if (code == 0) {
        int found = 0;
        int64_t got;
        code = store_query_id(st, Q_ART_EXISTS, NULL, NULL, number, &found, &got, err);
        if (code == 0 && !found)
            code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld", (long long)number);
    }
    return store_wend(st, code, err);
}

/* ---- reads ----------------------------------------------------------------- */

int kb_store_get(struct kb_store *st, int kind, int64_t number, struct kb_doc *out,
                 struct kb_err *err)
{
    kb_doc_init(out);
    int article = kind == KB_KIND_ARTICLE;
    if (!article && kind != KB_KIND_TICKET)
        return kb_err_set(err, KB_EINVAL, "invalid kind %d", kind);
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, article ? Q_ART_GET : Q_TIC_GET, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, number);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (article)
            row_to_article(s, out);
        else
            row_to_ticket(s, out);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, article ? "no article KB-%lld" : "no ticket %lld",
                          (long long)number);
    } else {
        code = store_fail(st, err, rc, "cannot read %s %lld", kb_kind_name(kind),
                          (long long)number);
    }
    store_done(s);
    return code;
}

/* Iterates one table with its own statement, so fn may call other store
 * reads (kb_store_get, kb_store_find) on the same handle. */
static int each_table(struct kb_store *st, int article,
                      int (*fn)(void *ud, const struct kb_doc *d), void *ud,
                      struct kb_err *err)
{
    const char *sql = article ? "SELECT " ART_COLS " FROM articles ORDER BY number"
                              : "SELECT " TIC_COLS " FROM tickets ORDER BY id";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), code = 0;
    if (rc != SQLITE_OK)
        return store_fail(st, err, rc, "cannot list %ss", article ? "article" : "ticket");
    struct kb_doc d;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (article)
            row_to_article(s, &d);
        else
            row_to_ticket(s, &d);
        code = fn(ud, &d);
        kb_doc_release(&d);
        if (code)
            break;
    }
    if (code == 0 && rc != SQLITE_DONE)
        code = store_fail(st, err, rc, "cannot list %ss", article ? "article" : "ticket");
    sqlite3_finalize(s);
    return code;
}

int kb_store_each(struct kb_store *st, int (*fn)(void *ud, const struct kb_doc *d), void *ud,
                  struct kb_err *err)
{
    int own = !st->in_txn, code, rc;
    if (own && (rc = sqlite3_exec(st->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
        return store_fail(st, err, rc, "cannot read store '%s'", st->path);
    code = each_table(st, 1, fn, ud, err);
    if (code == 0)
        code = each_table(st, 0, fn, ud, err);
    if (own && !sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL); /* read only: cannot lose data */
    return code;
}
