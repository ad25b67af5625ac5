/* The search log, events and feedback, and the entry to "asked as"
 * learning (kb/store/learn.c); the reports over them are kb/store/analytics.c. Uses the store's raw handle for its own tables (and its
 * statement cache for the search log, which every search writes); reads the
 * articles table for titles and for the learning rule's checks. */
#include "kb/store/events.h"
#include "kb/store/learn.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/store/events_int.h"
#include "kb/store/store_int.h"
#include "kb/base/text.h"


/* Version 2 of the store (appended to kb/store/store_schema.c).
 * - searches: one row per logged search; query is kb_events_norm_query's
 *   form so that "WiFi  drops" and "wifi drops" group together. role and
 *   endpoint by name, like the store's other enumerations. AUTOINCREMENT so
 *   a search id is never reused if old rows are pruned.
 * - events: search_id is set NULL if the search row goes; article is a plain
 *   number (no foreign key) so that history survives an article's removal.
 * - feedback: one row per vote; search_id/query say what the reader had
 *   searched for, when known. */
const char kb_events_schema_sql[] =
    "CREATE TABLE searches ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " time INTEGER NOT NULL,"
    " query TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('customer', 'agent', 'writer', 'admin')),"
    " endpoint TEXT NOT NULL CHECK (endpoint IN ('search', 'suggest', 'deflect')),"
    " results INTEGER NOT NULL,"
    " locale TEXT);"
    "CREATE INDEX searches_time ON searches (time);"
    "CREATE INDEX searches_query ON searches (query, time);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " time INTEGER NOT NULL,"
    " type TEXT NOT NULL CHECK (type IN ('click', 'solved', 'submitted', 'view')),"
    " search_id INTEGER REFERENCES searches (id) ON DELETE SET NULL,"
    " article INTEGER,"
    " query TEXT,"
    " visitor TEXT,"
    " role TEXT NOT NULL DEFAULT 'customer');"
    "CREATE INDEX events_time ON events (time, type);"
    "CREATE INDEX events_search ON events (search_id, type) WHERE search_id IS NOT NULL;"
    "CREATE TABLE feedback ("
    " id INTEGER PRIMARY KEY,"
    " article INTEGER NOT NULL,"
    " time INTEGER NOT NULL,"
    " helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),"
    " comment TEXT,"
    " search_id INTEGER REFERENCES searches (id) ON DELETE SET NULL,"
    " query TEXT,"
    " role TEXT NOT NULL DEFAULT 'customer');"
    "CREATE INDEX feedback_article ON feedback (article, time);"
    "CREATE INDEX feedback_time ON feedback (time);";

/* Version 4, for the ranking: kb_events_usage counts an article's events,
 * and the learning rule finds the articles with the same title. */
const char kb_events_usage_schema_sql[] =
    "CREATE INDEX events_article ON events (article, type) WHERE article IS NOT NULL;"
    "CREATE INDEX articles_title ON articles (title COLLATE NOCASE, locale);";

/* Version 5: an article's votes and uses as counters kept by triggers in
 * the transaction of each insert, so that reading them (every click asks
 * whether the prior should change; every reindex copies them) costs one
 * row, not a count over all of the article's events. */
const char kb_events_counters_schema_sql[] =
    "CREATE TABLE article_usage ("
    " article INTEGER PRIMARY KEY,"
    " helpful INTEGER NOT NULL DEFAULT 0,"
    " unhelpful INTEGER NOT NULL DEFAULT 0,"
    " clicks INTEGER NOT NULL DEFAULT 0,"
    " solved INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO article_usage (article, helpful, unhelpful, clicks, solved)"
    " SELECT article, sum(h), sum(u), sum(c), sum(s) FROM ("
    "  SELECT article, helpful = 1 AS h, helpful = 0 AS u, 0 AS c, 0 AS s FROM feedback"
    "  UNION ALL"
    "  SELECT article, 0, 0, type = 'click', type = 'solved' FROM events"
    "  WHERE article IS NOT NULL AND type IN ('click', 'solved'))"
    " GROUP BY article;"
    "CREATE TRIGGER events_usage AFTER INSERT ON events"
    " WHEN NEW.article IS NOT NULL AND NEW.type IN ('click', 'solved') BEGIN"
    " INSERT INTO article_usage (article, clicks, solved)"
    "  VALUES (NEW.article, NEW.type = 'click', NEW.type = 'solved')"
    "  ON CONFLICT (article) DO UPDATE SET clicks = clicks + excluded.clicks,"
    "  solved = solved + excluded.solved;"
    " END;"
    "CREATE TRIGGER feedback_usage AFTER INSERT ON feedback BEGIN"
    " INSERT INTO article_usage (article, helpful, unhelpful)"
    "  VALUES (NEW.article, NEW.helpful = 1, NEW.helpful = 0)"
    "  ON CONFLICT (article) DO UPDATE SET helpful = helpful + excluded.helpful,"
    "  unhelpful = unhelpful + excluded.unhelpful;"
    " END;";

/* Who made each search: the keyed hashes events carry (visitor, network). */
const char kb_events_who_schema_sql[] =
    "ALTER TABLE searches ADD COLUMN visitor TEXT;"
    "ALTER TABLE searches ADD COLUMN network TEXT;";

static const char *const event_types[] = {"click", "solved", "submitted", "view", "copy", NULL};

int kb_event_type_known(const char *type)
{
    return type && in_list(type, event_types);
}


/* ---- text ---------------------------------------------------------------- */

/* Lowercase of one code point for the scripts where it is a fixed offset. */
static uint32_t lower_cp(uint32_t c)
{
    if (c < 0x80)
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
        (c >= 0x14A && c <= 0x177))
        return c | 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1) ? c + 1 : c;
    if (c == 0x178)
        return 0xFF;
    return c;
}

static void add_cp(struct kb_buf *b, uint32_t c)
{
    char u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | (c >> 6));
        u[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | (c >> 12));
        u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (c >> 18));
        u[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    kb_buf_add(b, u, n);
}

/* Decodes one code point of valid UTF-8 at *p and advances it. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c;
    size_t n;
    if (s[0] < 0x80) {
        c = s[0];
        n = 1;
    } else if (s[0] < 0xE0) {
        c = s[0] & 0x1F;
        n = 2;
    } else if (s[0] < 0xF0) {
        c = s[0] & 0x0F;
        n = 3;
    } else {
        c = s[0] & 0x07;
        n = 4;
    }
    for (size_t i = 1; i < n; i++) {
        if (!s[i]) { /* cannot happen in valid UTF-8; never read past the end */
            n = i;
            break;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *p = s + n;
    return c;
}

/* s as one line: valid UTF-8, trimmed, white space runs as one space,
 * lowercased when lower is set, cut to max bytes at a character boundary.
 * Caller frees. */
static char *one_line(const char *s, int lower, size_t max)
{
    char *fixed = kb_utf8_valid(s, strlen(s)) ? NULL : kb_utf8_fix(s, strlen(s));
    const unsigned char *p = (const unsigned char *)(fixed ? fixed : s);
    struct kb_buf b = KB_BUF_INIT;
    int space = 0;
    while (*p) {
        if (isspace(*p)) {
            space = b.len > 0;
            p++;
            continue;
        }
        size_t before = b.len;
        if (space)
            kb_buf_addc(&b, ' ');
        space = 0;
        uint32_t c = next_cp(&p);
        add_cp(&b, lower ? lower_cp(c) : c);
        if (b.len > max) {
            b.len = before;
            b.data[b.len] = '\0';
            break;
        }
    }
    free(fixed);
    return kb_buf_detach(&b);
}

char *kb_events_norm_query(const char *q)
{
    return one_line(q ? q : "", 1, KB_EVENTS_QUERY_MAX);
}

/* ---- search log ---------------------------------------------------------- */

int kb_search_row_make(int64_t t, const char *query, int role, const char *endpoint,
                       uint64_t nresults, const char *locale, struct kb_search_row *row,
                       struct kb_err *err)
{
    memset(row, 0, sizeof *row);
    for (size_t i = 0; endpoint && kb_events_endpoints[i]; i++)
        if (strcmp(endpoint, kb_events_endpoints[i]) == 0)
            row->endpoint = kb_events_endpoints[i];
    if (!row->endpoint)
        return kb_err_set(err, KB_EINVAL, "unknown search endpoint '%s'",
                          endpoint ? endpoint : "(null)");
    if (role < KB_ROLE_CUSTOMER || role > KB_ROLE_ADMIN)
        return kb_err_set(err, KB_EINVAL, "unknown role %d", role);
    row->time = t;
    row->query = kb_events_norm_query(query);
    row->role = role;
    row->results = nresults;
    row->locale = locale && *locale ? one_line(locale, 1, 35) : NULL;
    return 0;
}

void kb_search_row_release(struct kb_search_row *row)
{
    free(row->query);
    free(row->locale);
    free(row->visitor);
    free(row->network);
    row->query = row->locale = row->visitor = row->network = NULL;
}

void kb_search_row_who(struct kb_search_row *row, const char *visitor, const char *network)
{
    free(row->visitor);
    free(row->network);
    row->visitor = visitor && *visitor ? one_line(visitor, 0, KB_EVENTS_VISITOR_MAX) : NULL;
    row->network = network && *network ? one_line(network, 0, KB_EVENTS_VISITOR_MAX) : NULL;
}

/* Inserts one row under its id (0: the next AUTOINCREMENT gives), through
 * the store's cached statement: every search runs it. *taken (may be NULL)
 * is set when the id was in use, which is then not an error. Telemetry:
 * committed at the connection's resting synchronous = NORMAL (no fsync;
 * see "durability" in store.c). */
static int insert_row(struct kb_store *st, const struct kb_search_row *r, int64_t *id, int *taken,
                      struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = store_prep(st, Q_SEARCH_LOG, &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, r->time);
    bind_text(s, 2, r->query);
    bind_text(s, 3, kb_role_name(r->role));
    bind_text(s, 4, r->endpoint);
    sqlite3_bind_int64(s, 5, r->results > INT64_MAX ? INT64_MAX : (int64_t)r->results);
    bind_text(s, 6, r->locale);
    if (r->id > 0)
        sqlite3_bind_int64(s, 7, r->id);
    else
        sqlite3_bind_null(s, 7);
    bind_text(s, 8, r->visitor);
    bind_text(s, 9, r->network);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) {
        if (id)
            *id = sqlite3_last_insert_rowid(kb_store_db(st));
    } else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY && taken) {
        *taken = 1;
    } else {
        code = sql_fail(st, err, rc, "cannot log a search");
    }
    store_done(s);
    return code;
}

int kb_events_search_at(struct kb_store *st, int64_t t, const char *query, int role,
                        const char *endpoint, uint64_t nresults, const char *locale,
                        int64_t *search_id, struct kb_err *err)
{
    if (search_id)
        *search_id = 0;
    struct kb_search_row row;
    int code = kb_search_row_make(t, query, role, endpoint, nresults, locale, &row, err);
    if (code == 0)
        code = kb_events_search_put(st, &row, search_id, err);
    kb_search_row_release(&row);
    return code;
}

int kb_events_search_put(struct kb_store *st, const struct kb_search_row *row, int64_t *search_id,
                         struct kb_err *err)
{
    if (search_id)
        *search_id = 0;
    if (!row->query || !*row->query)
        return 0;
    return insert_row(st, row, search_id, NULL, err);
}

int kb_events_search_insert(struct kb_store *st, const struct kb_search_row *rows, size_t n,
                            size_t *skipped, struct kb_err *err)
{
    if (skipped)
        *skipped = 0;
    sqlite3 *db = kb_store_db(st);
    int own = sqlite3_get_autocommit(db);
    if (own && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(st, err, sqlite3_errcode(db), "cannot log searches");
    int code = 0;
    for (size_t i = 0; code == 0 && i < n; i++) {
        if (!rows[i].query || !*rows[i].query)
            continue;
        int taken = 0;
        code = insert_row(st, &rows[i], NULL, &taken, err);
        if (taken && skipped)
            (*skipped)++;
    }
    if (own) {
        if (code == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            code = sql_fail(st, err, sqlite3_errcode(db), "cannot log searches");
        if (code)
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    return code;
}

int kb_events_search_reserve(struct kb_store *st, int64_t n, int64_t *first, struct kb_err *err)
{
    *first = 0;
    if (n < 1)
        return kb_err_set(err, KB_EINVAL, "cannot reserve %lld search ids", (long long)n);
    sqlite3 *db = kb_store_db(st);
    if (!sqlite3_get_autocommit(db))
        return kb_err_set(err, KB_EINVAL, "search ids are reserved outside a transaction");
    /* AUTOINCREMENT's counter (sqlite_sequence) is what both this and a
     * plain insert take ids above: moving it past the block keeps the
     * block for this caller. The row exists after the table's first
     * insert only. */
    static const char sql[] =
        "INSERT INTO sqlite_sequence (name, seq) SELECT 'searches', 0 "
        " WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'searches');"
        "UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max(id) FROM searches), 0)) + ?1"
        " WHERE name = 'searches' RETURNING seq";
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sql_fail(st, err, rc, "cannot reserve search ids");
    const char *tail = NULL;
    sqlite3_stmt *s = NULL;
    int code = 0;
    for (const char *at = sql; code == 0 && at && *at; at = tail) {
        if ((rc = sqlite3_prepare_v2(db, at, -1, &s, &tail)) != SQLITE_OK) {
            code = sql_fail(st, err, rc, "cannot reserve search ids");
            break;
        }
        if (!s)
            break;
        if (sqlite3_bind_parameter_count(s) >= 1)
            sqlite3_bind_int64(s, 1, n);
        while ((rc = sqlite3_step(s)) == SQLITE_ROW)
            *first = sqlite3_column_int64(s, 0) - n + 1;
        if (rc != SQLITE_DONE)
            code = sql_fail(st, err, rc, "cannot reserve search ids");
        sqlite3_finalize(s);
        s = NULL;
    }
    if (code == 0 && *first < 1)
        code = kb_err_set(err, KB_EIO, "cannot reserve search ids: no counter");
    if (code == 0 && (rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
        code = sql_fail(st, err, rc, "cannot reserve search ids");
    if (code)
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return code;
}

int kb_events_search(struct kb_store *st, const char *query, int role, const char *endpoint,
                     uint64_t nresults, const char *locale, int64_t *search_id,
                     struct kb_err *err)
{
    return kb_events_search_at(st, (int64_t)time(NULL), query, role, endpoint, nresults,
                               locale, search_id, err);
}

/* The logged query of search id into *query (caller frees). KB_EINVAL
 * naming search_id when there is no such search. */
static int search_query(struct kb_store *st, int64_t id, char **query, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    *query = NULL;
    int code = prep(st, "SELECT query FROM searches WHERE id = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *query = col_text(s, 0);
    else if (rc == SQLITE_DONE)
        code = kb_err_set(err, KB_EINVAL, "search_id %lld: no such search", (long long)id);
    else
        code = sql_fail(st, err, rc, "cannot read the search log");
    sqlite3_finalize(s);
    return code;
}

/* ---- learning ------------------------------------------------------------ */

/* Articles with the same title as article (ignoring ASCII case), in the
 * same locale, published and visible to role, answer the same question
 * (several answers to one FAQ, one article per product): the asker's
 * words describe the question, so each of them learns the phrase too, by
 * the same rule (kb/store/learn.h). At most KB_LEARN_SAME_MAX of them; failures
 * are logged. */
static void teach_same_question(struct kb_store *st, int64_t article, const char *phrase,
                                const struct kb_teacher *t)
{
    sqlite3_stmt *s = NULL;
    struct kb_err err = {0, ""};
    int64_t same[KB_LEARN_SAME_MAX];
    size_t n = 0;
    if (prep(st,
             "SELECT b.number FROM articles a JOIN articles b"
             " ON b.title = a.title COLLATE NOCASE AND b.locale = a.locale"
             " WHERE a.number = ?1 AND b.number != ?1 AND b.status = 'published'"
             " AND (?2 OR b.audience = 'public') ORDER BY b.number LIMIT ?3",
             &s, &err) != 0)
        goto fail;
    sqlite3_bind_int64(s, 1, article);
    sqlite3_bind_int(s, 2, t->role >= KB_ROLE_AGENT);
    sqlite3_bind_int(s, 3, KB_LEARN_SAME_MAX);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < KB_LEARN_SAME_MAX)
        same[n++] = sqlite3_column_int64(s, 0);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        sql_fail(st, &err, rc, "cannot read articles with the same title");
    sqlite3_finalize(s);
    if (err.code)
        goto fail;
    for (size_t i = 0; i < n; i++)
        if (kb_learn_teach(st, same[i], phrase, t, NULL, &err) != 0)
            kb_log(KB_LOG_WARN, "events: cannot teach KB-%lld \"%.200s\": %s",
                   (long long)same[i], phrase, err.msg);
    return;
fail:
    kb_log(KB_LOG_WARN, "events: cannot find articles like KB-%lld: %s", (long long)article,
           err.msg);
}

/* The one entry to "asked as" learning from events, shared by live traffic
 * and the ranking evaluation: a success (a "solved" event or a helpful
 * vote) with an article teaches it the words the asker used: the query the
 * event carries, or the logged query of its search when the search id was
 * issued to this very asker (bound). Whom it teaches is kb/store/learn.h's rule.
 * Never fails: problems are logged. Returns 1 when something changed. */
static int learn(struct kb_store *st, int64_t article, const char *query, const char *logged,
                 int bound, const struct kb_teacher *t)
{
    if (article <= 0)
        return 0;
    const char *src = query && *query ? query : bound ? logged : NULL;
    if (!src)
        return 0;
    char *phrase = one_line(src, 1, (size_t)-1);
    struct kb_err err = {0, ""};
    int changed = 0;
    size_t len = strlen(phrase);
    if (len >= KB_LEARN_MIN && len <= KB_LEARN_MAX) {
        if (kb_learn_teach(st, article, phrase, t, &changed, &err) != 0)
            kb_log(KB_LOG_WARN, "events: cannot teach KB-%lld \"%.200s\": %s",
                   (long long)article, phrase, err.msg);
        else if (changed)
            kb_log(KB_LOG_DEBUG, "events: KB-%lld learned \"%s\" from a %s",
                   (long long)article, phrase, kb_role_name(t->role));
        teach_same_question(st, article, phrase, t);
    }
    free(phrase);
    return changed;
}

/* Whether role may name article in an event or vote, the rule for reading
 * it: a customer only a published public article, an agent a published
 * one, writers any article that exists. Anything else gets the answer a
 * number that does not exist gets (an agent cannot tell drafts apart). */
static int article_visible(struct kb_store *st, int64_t article, int role, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int code = prep(st, "SELECT status = 'published', audience = 'public' FROM articles"
                        " WHERE number = ?1", &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, article);
    int rc = sqlite3_step(s);
    int ok = rc == SQLITE_ROW &&
             (role >= KB_ROLE_WRITER ||
              (sqlite3_column_int(s, 0) && (role >= KB_ROLE_AGENT || sqlite3_column_int(s, 1))));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        code = sql_fail(st, err, rc, "cannot read the article");
    sqlite3_finalize(s);
    if (code == 0 && !ok)
        code = kb_err_set(err, KB_ENOTFOUND, "no article KB-%lld", (long long)article);
    return code;
}

/* Whether visitor already did this today (UTC) to article: one vote and
 * one "solved" per visitor per article per day. */
static int done_today(struct kb_store *st, const char *sql, const char *visitor,
                      int64_t article, int64_t t)
{
    sqlite3_stmt *s = NULL;
    struct kb_err err;
    if (!visitor || !*visitor || article <= 0 || prep(st, sql, &s, &err) != 0)
        return 0;
    bind_text(s, 1, visitor);
    sqlite3_bind_int64(s, 2, article);
    sqlite3_bind_int64(s, 3, t - t % 86400);
    int seen = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return seen;
}

/* ---- usage (the ranking's prior) ------------------------------------------ */

int kb_events_usage(struct kb_store *st, int64_t article, struct kb_usage *out,
                    struct kb_err *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s = NULL;
    int code = prep(st,
                    "SELECT helpful, unhelpful, clicks, solved FROM article_usage "
                    "WHERE article = ?1",
                    &s, err);
    if (code)
        return code;
    sqlite3_bind_int64(s, 1, article);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->helpful = sqlite3_column_int64(s, 0);
        out->unhelpful = sqlite3_column_int64(s, 1);
        out->clicks = sqlite3_column_int64(s, 2);
        out->solved = sqlite3_column_int64(s, 3);
    } else if (rc != SQLITE_DONE) { /* DONE: never voted on nor used */
        code = sql_fail(st, err, rc, "cannot count an article's votes and clicks");
    }
    sqlite3_finalize(s);
    return code;
}

/* Queues a reindex of article so that its prior follows its usage: always
 * for a vote, for clicks and "solved" when their sum is a power of two;
 * not when learning just queued one. */
static void usage_changed(struct kb_store *st, int64_t article, int vote, int learned)
{
    struct kb_usage u;
    struct kb_err err = {0, ""};
    if (article <= 0 || learned)
        return;
    /* Only published articles have a prior; events may name any number. */
    sqlite3_stmt *s = NULL;
    if (prep(st, "SELECT 1 FROM articles WHERE number = ?1 AND status = 'published'", &s,
             &err) != 0)
        goto fail;
    sqlite3_bind_int64(s, 1, article);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW)
        return;
    if (!vote) {
        if (kb_events_usage(st, article, &u, &err) != 0)
            goto fail;
        int64_t n = u.clicks + u.solved;
        if (n <= 0 || (n & (n - 1)) != 0)
            return;
    }
    if (kb_store_touch(st, KB_KIND_ARTICLE, article, &err) == 0)
        return;
fail:
    kb_log(KB_LOG_WARN, "events: cannot update the prior of KB-%lld: %s", (long long)article,
           err.msg);
}

/* ---- events and feedback ------------------------------------------------- */

/* Checks an optional string field; copies it as one line into *out. */
static int opt_line(const char *v, const char *field, size_t max, int lower, char **out,
                    struct kb_err *err)
{
    *out = NULL;
    if (!v)
        return 0;
    if (strlen(v) > max)
        return kb_err_set(err, KB_EINVAL, "%s: longer than %zu bytes", field, max);
    char *s = one_line(v, lower, max);
    if (!*s) {
        free(s);
        return 0;
    }
    *out = s;
    return 0;
}

/* The logged query of a search an event names, when the log still has it;
 * *exists says whether it does (the event then links to it). */
static int named_search(struct kb_store *st, int64_t id, char **logged, int *exists,
                        struct kb_err *err)
{
    *logged = NULL;
    *exists = 0;
    if (id <= 0)
        return 0;
    int code = search_query(st, id, logged, err);
    if (code == KB_EINVAL) { /* trimmed from the log: recorded without it */
        if (err) {
            err->code = 0;
            err->msg[0] = '\0';
        }
        return 0;
    }
    *exists = code == 0;
    return code;
}

int kb_events_add(struct kb_store *st, const struct kb_event *ev, int64_t *event_id,
                  int *learned, struct kb_err *err)
{
    char *query = NULL, *logged = NULL;
    sqlite3_stmt *s = NULL;
    int code, exists = 0;
    if (event_id)
        *event_id = 0;
    if (learned)
        *learned = 0;
    if (!ev->type)
        return kb_err_set(err, KB_EINVAL, "type: missing");
    if (!kb_event_type_known(ev->type))
        return kb_err_set(err, KB_EINVAL, "type: unknown event type '%.40s' (" KB_EVENT_TYPES ")",
                          ev->type);
    if (ev->search_id < 0)
        return kb_err_set(err, KB_EINVAL, "search_id: must be positive");
    if (ev->article < 0)
        return kb_err_set(err, KB_EINVAL, "article: must be positive");
    if (ev->visitor && strlen(ev->visitor) > KB_EVENTS_VISITOR_MAX)
        return kb_err_set(err, KB_EINVAL, "visitor: longer than %d bytes",
                          KB_EVENTS_VISITOR_MAX);
    if ((code = opt_line(ev->query, "query", KB_EVENTS_QUERY_MAX, 1, &query, err)) != 0)
        goto out;
    if (ev->article > 0 && (code = article_visible(st, ev->article, ev->role, err)) != 0)
        goto out;
    int64_t t = ev->time ? ev->time : (int64_t)time(NULL);
    int solved = strcmp(ev->type, "solved") == 0;
    if (solved && done_today(st, "SELECT 1 FROM events WHERE visitor = ?1 AND article = ?2"
                                 " AND type = 'solved' AND time >= ?3 LIMIT 1",
                             ev->visitor, ev->article, t))
        goto out; /* counted once a day: the same answer, nothing more */
    if ((code = named_search(st, ev->search_id, &logged, &exists, err)) != 0)
        goto out;
    if ((code = prep(st, "INSERT INTO events (time, type, search_id, article, query, visitor, "
                         "role) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", &s, err)) != 0)
        goto out;
    sqlite3_bind_int64(s, 1, t);
    bind_text(s, 2, ev->type);
    if (exists)
        sqlite3_bind_int64(s, 3, ev->search_id);
    if (ev->article > 0)
        sqlite3_bind_int64(s, 4, ev->article);
    bind_text(s, 5, query);
    bind_text(s, 6, ev->visitor && *ev->visitor ? ev->visitor : NULL);
    bind_text(s, 7, kb_role_name(ev->role));
    if ((code = run(st, s, "cannot record an event", err)) != 0)
        goto out;
    if (event_id)
        *event_id = sqlite3_last_insert_rowid(kb_store_db(st));
    int l = 0;
    if (solved) {
        struct kb_teacher teacher = {ev->role, ev->visitor, ev->network};
        l = learn(st, ev->article, query, logged, ev->bound && exists, &teacher);
        if (learned)
            *learned = l;
    }
    if (solved || strcmp(ev->type, "click") == 0)
        usage_changed(st, ev->article, 0, l);
out:
    free(logged);
    free(query);
    return code;
}

int kb_feedback_add(struct kb_store *st, const struct kb_feedback *fb, int64_t *feedback_id,
                    int *learned, struct kb_err *err)
{
    char *query = NULL, *logged = NULL, *comment = NULL;
    sqlite3_stmt *s = NULL;
    int code, exists = 0;
    if (feedback_id)
        *feedback_id = 0;
    if (learned)
        *learned = 0;
    if (fb->article <= 0)
        return kb_err_set(err, KB_EINVAL, "article: missing");
    if (fb->helpful != 0 && fb->helpful != 1)
        return kb_err_set(err, KB_EINVAL, "helpful: must be true or false");
    if (fb->search_id < 0)
        return kb_err_set(err, KB_EINVAL, "search_id: must be positive");
    if (fb->comment && strlen(fb->comment) > KB_FEEDBACK_COMMENT_MAX)
        return kb_err_set(err, KB_EINVAL, "comment: longer than %d bytes",
                          KB_FEEDBACK_COMMENT_MAX);
    if ((code = opt_line(fb->query, "query", KB_EVENTS_QUERY_MAX, 1, &query, err)) != 0)
        goto out;
    if (fb->comment) {
        /* Keep the comment's lines; only make it valid UTF-8. */
        size_t n = strlen(fb->comment);
        comment = kb_utf8_valid(fb->comment, n) ? kb_xstrdup(fb->comment)
                                                : kb_utf8_fix(fb->comment, n);
    }
    if ((code = article_visible(st, fb->article, fb->role, err)) != 0)
        goto out;
    int64_t t = fb->time ? fb->time : (int64_t)time(NULL);
    if (done_today(st, "SELECT 1 FROM feedback WHERE visitor = ?1 AND article = ?2"
                       " AND time >= ?3 LIMIT 1",
                   fb->visitor, fb->article, t))
        goto out; /* one vote a day: the same answer, counted once */
    if ((code = named_search(st, fb->search_id, &logged, &exists, err)) != 0)
        goto out;
    if ((code = prep(st, "INSERT INTO feedback (article, time, helpful, comment, search_id, "
                         "query, role, visitor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                     &s, err)) != 0)
        goto out;
    sqlite3_bind_int64(s, 1, fb->article);
    sqlite3_bind_int64(s, 2, t);
    sqlite3_bind_int(s, 3, fb->helpful);
    bind_text(s, 4, comment && *comment ? comment : NULL);
    if (exists)
        sqlite3_bind_int64(s, 5, fb->search_id);
    bind_text(s, 6, query);
    bind_text(s, 7, kb_role_name(fb->role));
    bind_text(s, 8, fb->visitor && *fb->visitor ? fb->visitor : NULL);
    if ((code = run(st, s, "cannot record feedback", err)) != 0)
        goto out;
    if (feedback_id)
        *feedback_id = sqlite3_last_insert_rowid(kb_store_db(st));
    int l = 0;
    if (fb->helpful) {
        struct kb_teacher teacher = {fb->role, fb->visitor, fb->network};
        l = learn(st, fb->article, query, logged, fb->bound && exists, &teacher);
        if (learned)
            *learned = l;
    }
    usage_changed(st, fb->article, 1, l);
out:
    free(comment);
    free(logged);
    free(query);
    return code;
}
