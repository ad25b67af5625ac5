/* "Asked as" learning, one kind per audience: see learn.h. */
#include "kb/store/learn.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/store/auth.h"
#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/base/text.h"
#include "kb/store/tickets.h"

/* Version 6. learn_phrases: what customers typed for an article (redacted
 * of names where the caller knew them), candidates for its public copy;
 * visitor '' marks a phrase from before this version (no known customer).
 * learn_words: one row per (article, folded word, visitor), with the
 * visitor's network: what the k rule counts. Both keyed hashes, never the
 * id or the address. Kept apart from the search log and its retention.
 * feedback.visitor and the two indexes: one vote and one "solved" per
 * visitor per article per day. */
const char kb_learn_schema_sql[] =
    "CREATE TABLE learn_phrases ("
    " article INTEGER NOT NULL,"
    " phrase TEXT NOT NULL,"
    " time INTEGER NOT NULL,"
    " PRIMARY KEY (article, phrase)) WITHOUT ROWID;"
    "CREATE TABLE learn_words ("
    " article INTEGER NOT NULL,"
    " word TEXT NOT NULL,"
    " visitor TEXT NOT NULL,"
    " network TEXT NOT NULL,"
    " time INTEGER NOT NULL,"
    " PRIMARY KEY (article, word, visitor)) WITHOUT ROWID;"
    "ALTER TABLE feedback ADD COLUMN visitor TEXT;"
    "CREATE INDEX events_by_visitor ON events (visitor, article, type, time)"
    " WHERE visitor IS NOT NULL;"
    "CREATE INDEX feedback_by_visitor ON feedback (visitor, article, time)"
    " WHERE visitor IS NOT NULL;";

static int db_fail(sqlite3 *db, struct kb_err *err, const char *what)
{
    return kb_err_set(err, KB_EIO, "%s: %s", what, sqlite3_errmsg(db));
}

/* Calls fn(ud, line) for each non-empty line of text. */
static int each_line(const char *text, int (*fn)(void *ud, const char *line), void *ud)
{
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n) {
            char *line = kb_xstrndup(p, n);
            int rc = fn(ud, line);
            free(line);
            if (rc)
                return rc;
        }
        p = nl ? nl + 1 : NULL;
    }
    return 0;
}

struct migrate_ctx {
    sqlite3_stmt *ins;
    int64_t number;
    sqlite3 *db;
    struct kb_err *err;
};

static int migrate_line(void *ud, const char *line)
{
    struct migrate_ctx *m = ud;
    sqlite3_reset(m->ins);
    sqlite3_bind_int64(m->ins, 1, m->number);
    sqlite3_bind_text(m->ins, 2, line, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(m->ins) != SQLITE_DONE)
        return db_fail(m->db, m->err, "cannot keep a learned phrase");
    return 0;
}

int kb_learn_migrate(sqlite3 *db, struct kb_err *err)
{
    sqlite3_stmt *sel = NULL, *ins = NULL;
    int code = 0, rc;
    int64_t now = (int64_t)time(NULL);
    /* Phrases learned before: no known customer said them, so only words
     * public content uses can reach the public copy. */
    if (sqlite3_prepare_v2(db, "SELECT number, asked_as FROM articles WHERE asked_as IS NOT NULL"
                               " AND asked_as <> '' AND audience = 'public'",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO learn_phrases (article, phrase, time)"
                               " VALUES (?1, ?2, 0)",
                           -1, &ins, NULL) != SQLITE_OK) {
        code = db_fail(db, err, "cannot read learned phrases");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        struct migrate_ctx m = {ins, sqlite3_column_int64(sel, 0), db, err};
        if ((code = each_line((const char *)sqlite3_column_text(sel, 1), migrate_line, &m)))
            goto out;
    }
    if (rc != SQLITE_DONE) {
        code = db_fail(db, err, "cannot read learned phrases");
        goto out;
    }
    /* Reindex every public article now: its public copy loses what it
     * should never have learned. */
    char sql[300];
    snprintf(sql, sizeof sql,
             "INSERT INTO outbox (kind, number, op, created) SELECT 'article', number,"
             " 'asked_as', %lld FROM articles WHERE audience = 'public'"
             " AND status = 'published' ORDER BY number",
             (long long)now);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        code = db_fail(db, err, "cannot queue public articles for reindexing");
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(ins);
    return code;
}

/* ---- k ---------------------------------------------------------------- */

int kb_learn_k(struct kb_store *st)
{
    char *v = kb_store_meta_get(st, "learn_k");
    int k = v ? atoi(v) : 0;
    free(v);
    return k >= 1 && k <= KB_LEARN_K_MAX ? k : KB_LEARN_K_DEFAULT;
}

int kb_learn_set_k(struct kb_store *st, int k, struct kb_err *err)
{
    if (k < 1 || k > KB_LEARN_K_MAX)
        return kb_err_set(err, KB_EINVAL, "learn k must be 1..%d, not %d", KB_LEARN_K_MAX, k);
    if (kb_learn_k(st) == k) {
        char *v = kb_store_meta_get(st, "learn_k");
        int set = v != NULL;
        free(v);
        if (set)
            return 0;
    }
    char v[16];
    snprintf(v, sizeof v, "%d", k);
    int code = kb_store_begin(st, err);
    if (code)
        return code;
    code = kb_store_meta_set(st, "learn_k", v, err);
    int64_t *nums = NULL;
    size_t n = 0;
    if (code == 0)
        code = kb_learn_articles(st, &nums, &n, err);
    for (size_t i = 0; code == 0 && i < n; i++)
        code = kb_store_touch(st, KB_KIND_ARTICLE, nums[i], err);
    free(nums);
    if (code) {
        kb_store_rollback(st);
        return code;
    }
    return kb_store_commit(st, err);
}

/* ---- teaching ------------------------------------------------------------ */

struct word_ctx {
    sqlite3_stmt *ins;
    int64_t article;
    const char *visitor, *network;
    int64_t now;
    int changed;
    int failed;
};

static int record_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct word_ctx *w = ud;
    if (!flen || flen > 100)
        return 0;
    sqlite3_reset(w->ins);
    sqlite3_bind_int64(w->ins, 1, w->article);
    sqlite3_bind_text(w->ins, 2, folded, (int)flen, SQLITE_TRANSIENT);
    sqlite3_bind_text(w->ins, 3, w->visitor, -1, SQLITE_STATIC);
    sqlite3_bind_text(w->ins, 4, w->network ? w->network : w->visitor, -1, SQLITE_STATIC);
    sqlite3_bind_int64(w->ins, 5, w->now);
    if (sqlite3_step(w->ins) != SQLITE_DONE) {
        w->failed = 1;
        return 1;
    }
    w->changed |= sqlite3_changes(sqlite3_db_handle(w->ins)) > 0;
    return 0;
}

/* Keeps a customer's phrase and its words as evidence for the public copy
 * of article. *changed when a row was new. */
static int add_evidence(struct kb_store *st, int64_t article, const char *phrase,
                        const char *visitor, const char *network, int *changed,
                        struct kb_err *err)
{
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    int64_t now = (int64_t)time(NULL);
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO learn_phrases (article, phrase, time)"
                               " VALUES (?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot keep a customer's phrase");
    sqlite3_bind_int64(s, 1, article);
    sqlite3_bind_text(s, 2, phrase, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, now);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot keep a customer's phrase");
    *changed |= sqlite3_changes(db) > 0;
    if (!visitor || !*visitor)
        return 0;
    if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO learn_words (article, word, visitor,"
                               " network, time) VALUES (?1, ?2, ?3, ?4, ?5)",
                           -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot count a customer's words");
    struct word_ctx w = {s, article, visitor, network, now, 0, 0};
    kb_text_words(phrase, strlen(phrase), record_word, &w);
    sqlite3_finalize(s);
    if (w.failed)
        return db_fail(db, err, "cannot count a customer's words");
    *changed |= w.changed;
    return 0;
}

int kb_learn_teach(struct kb_store *st, int64_t number, const char *phrase,
                   const struct kb_teacher *t, int *changed, struct kb_err *err)
{
    int ch = 0;
    if (changed)
        *changed = 0;
    size_t len = phrase ? strlen(phrase) : 0;
    if (len < KB_LEARN_MIN_BYTES || len > KB_LEARN_MAX_BYTES)
        return 0;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    int published = 0, public = 0;
    if (sqlite3_prepare_v2(db, "SELECT status = 'published', audience = 'public' FROM articles"
                               " WHERE number = ?1", -1, &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read the article");
    sqlite3_bind_int64(s, 1, number);
    if (sqlite3_step(s) == SQLITE_ROW) {
        published = sqlite3_column_int(s, 0);
        public = sqlite3_column_int(s, 1);
    }
    sqlite3_finalize(s);
    int customer = t->role < KB_ROLE_AGENT;
    if (!published || (customer && !public))
        return 0;
    int code = 0;
    /* The public copy: evidence only, judged when the article is indexed.
     * Written before the reindex is queued, so the index thread sees it. */
    int ev = 0;
    if (customer && (code = add_evidence(st, number, phrase, t->visitor, t->network, &ev,
                                         err)) != 0)
        return code;
    /* The internal copy: everyone's words at once (staff may see them). */
    char *before = NULL;
    if (sqlite3_prepare_v2(db, "SELECT asked_as FROM articles WHERE number = ?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, number);
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            before = kb_xstrdup((const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    code = kb_store_add_asked_as(st, number, phrase, err);
    if (code == 0) {
        char *after = NULL;
        if (sqlite3_prepare_v2(db, "SELECT asked_as FROM articles WHERE number = ?1", -1, &s,
                               NULL) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, number);
            if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
                after = kb_xstrdup((const char *)sqlite3_column_text(s, 0));
        }
        sqlite3_finalize(s);
        ch = (before == NULL) != (after == NULL) || (before && after && strcmp(before, after));
        free(after);
    }
    free(before);
    if (code == 0 && ev && !ch)
        code = kb_store_touch(st, KB_KIND_ARTICLE, number, err);
    if (code)
        return code;
    if (changed)
        *changed = ch || ev;
    return 0;
}

char *kb_learn_ticket_phrase(const char *subject, const char *customer)
{
    if (!subject)
        return NULL;
    const char *names[1] = {customer};
    char *red = kb_redact(subject, names, customer && *customer ? 1 : 0);
    struct kb_buf b = KB_BUF_INIT;
    /* One line, lowercase, like a search's query. */
    for (const char *p = red; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        if (c == ' ' && (b.len == 0 || kb_buf_str(&b)[b.len - 1] == ' '))
            continue;
        kb_buf_addc(&b, (char)(c < 0x80 ? tolower(c) : c));
    }
    free(red);
    char *phrase = kb_buf_detach(&b);
    size_t n = strlen(phrase);
    while (n && phrase[n - 1] == ' ')
        phrase[--n] = '\0';
    if (n < KB_LEARN_MIN_BYTES || n > KB_LEARN_MAX_BYTES) {
        free(phrase);
        return NULL;
    }
    return phrase;
}

void kb_learn_ticket_visitor(const char *customer, char out[KB_LEARN_VISITOR_MAX])
{
    out[0] = '\0';
    if (!customer || !*customer)
        return;
    /* A ticket's customer, in a namespace of its own. */
    snprintf(out, KB_LEARN_VISITOR_MAX, "ticket-customer:%.140s", customer);
    for (char *p = out; *p; p++)
        *p = (char)tolower((unsigned char)*p);
}

int kb_learn_ticket_subject(struct kb_store *st, int64_t number, const char *subject,
                            const char *customer, struct kb_err *err)
{
    if (!subject)
        return 0;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    int public = 0;
    if (sqlite3_prepare_v2(db, "SELECT audience = 'public' FROM articles WHERE number = ?1", -1,
                           &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read the article");
    sqlite3_bind_int64(s, 1, number);
    if (sqlite3_step(s) == SQLITE_ROW)
        public = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (!public)
        return 0;
    char *phrase = kb_learn_ticket_phrase(subject, customer);
    char vis[KB_LEARN_VISITOR_MAX];
    kb_learn_ticket_visitor(customer, vis);
    int code = 0, ch = 0;
    if (phrase)
        code = add_evidence(st, number, phrase, *vis ? vis : NULL, *vis ? vis : NULL, &ch, err);
    free(phrase);
    return code;
}

/* ---- the public copy's phrases ------------------------------------------- */

struct judge {
    struct kb_store *st;
    int64_t article;
    const char *locale;
    kb_learn_vocab_fn vocab;
    void *ud;
    int k;
    sqlite3_stmt *count;
    struct kb_buf *out;   /* the line being made */
    int all_vocab;        /* of the token's words so far */
    int nwords;
    char **words;         /* the token's folded words */
    size_t n;
};

static int collect_word(void *ud, size_t start, size_t end, const char *folded, size_t flen)
{
    (void)start;
    (void)end;
    struct judge *j = ud;
    if (!flen)
        return 0;
    j->words = kb_xrealloc(j->words, (j->n + 1) * sizeof *j->words);
    j->words[j->n++] = kb_xstrndup(folded, flen);
    return 0;
}

/* Whether at least k visitors from at least k networks used word. */
static int gate_passes(struct judge *j, const char *word)
{
    sqlite3_reset(j->count);
    sqlite3_bind_int64(j->count, 1, j->article);
    sqlite3_bind_text(j->count, 2, word, -1, SQLITE_STATIC);
    int ok = 0;
    if (sqlite3_step(j->count) == SQLITE_ROW)
        ok = sqlite3_column_int64(j->count, 0) >= j->k && sqlite3_column_int64(j->count, 1) >= j->k;
    sqlite3_reset(j->count);
    return ok;
}

/* A token that may be personal data when public content does not use it:
 * an e-mail address or phone number (the assist redactor's rules), or a
 * serial-like mix of letters and digits, or a long number. */
static int personal(const char *token)
{
    char *red = kb_redact(token, NULL, 0);
    int changed = strcmp(red, token) != 0;
    free(red);
    if (changed)
        return 1;
    size_t letters = 0, digits = 0, len = strlen(token);
    for (const char *p = token; *p; p++) {
        if (isdigit((unsigned char)*p))
            digits++;
        else if (isalpha((unsigned char)*p))
            letters++;
    }
    return (digits && letters && len >= 5) || digits >= 6;
}

static void out_word(struct kb_buf *b, const char *w)
{
    if (b->len)
        kb_buf_addc(b, ' ');
    kb_buf_adds(b, w);
}

/* Judges one space-separated token of a phrase into j->out; in_pii: part
 * of an e-mail address or phone number. */
static void judge_token(struct judge *j, const char *token, int in_pii)
{
    j->n = 0;
    kb_text_words(token, strlen(token), collect_word, j);
    int all = j->n > 0;
    for (size_t i = 0; i < j->n && all; i++)
        all = j->vocab(j->ud, j->locale, j->words[i]);
    if (all) {
        /* Public content says it already: kept whole, never redacted. */
        for (size_t i = 0; i < j->n; i++)
            out_word(j->out, j->words[i]);
    } else if (!in_pii && !personal(token)) {
        for (size_t i = 0; i < j->n; i++)
            if (j->vocab(j->ud, j->locale, j->words[i]) || gate_passes(j, j->words[i]))
                out_word(j->out, j->words[i]);
    }
    for (size_t i = 0; i < j->n; i++)
        free(j->words[i]);
    j->n = 0;
}

int kb_learn_public(struct kb_store *st, int64_t number, const char *locale,
                    kb_learn_vocab_fn vocab, void *ud, char **out, struct kb_err *err)
{
    *out = NULL;
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    struct judge j = {st, number, locale, vocab, ud, 0, NULL, NULL, 0, 0, NULL, 0};
    struct kb_buf all = KB_BUF_INIT, line = KB_BUF_INIT;
    int code = 0, rc;
    if (sqlite3_prepare_v2(db, "SELECT phrase FROM learn_phrases WHERE article = ?1"
                               " ORDER BY time DESC, phrase LIMIT 200", -1, &s, NULL) != SQLITE_OK) {
        code = db_fail(db, err, "cannot read learning evidence");
        goto out;
    }
    sqlite3_bind_int64(s, 1, number);
    j.out = &line;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        /* Most articles have no evidence: k and the counting statement
         * only for those that do (this runs for every public document). */
        if (!j.count) {
            j.k = kb_learn_k(st);
            if (sqlite3_prepare_v2(db, "SELECT count(DISTINCT visitor), count(DISTINCT network)"
                                       " FROM learn_words WHERE article = ?1 AND word = ?2",
                                   -1, &j.count, NULL) != SQLITE_OK) {
                code = db_fail(db, err, "cannot read learning evidence");
                goto out;
            }
        }
        char *phrase = kb_xstrdup((const char *)sqlite3_column_text(s, 0));
        size_t len = strlen(phrase);
        /* Bytes inside an e-mail address or phone number, which may run
         * over several tokens ("+44 20 7946 0958"). */
        char *pii = kb_xcalloc(len + 1, 1);
        for (size_t i = 0; i < len; i++) {
            size_t n = kb_redact_span(phrase, i);
            if (n)
                memset(pii + i, 1, n);
        }
        kb_buf_release(&line);
        for (size_t i = 0; i < len;) {
            while (i < len && (phrase[i] == ' ' || phrase[i] == '\t'))
                i++;
            size_t end = i;
            int in_pii = 0;
            while (end < len && phrase[end] != ' ' && phrase[end] != '\t')
                in_pii |= pii[end++];
            if (end > i) {
                char *tok = kb_xstrndup(phrase + i, end - i);
                judge_token(&j, tok, in_pii);
                free(tok);
            }
            i = end;
        }
        free(pii);
        free(phrase);
        if (line.len) {
            if (all.len)
                kb_buf_addc(&all, '\n');
            kb_buf_adds(&all, kb_buf_str(&line));
        }
    }
    if (rc != SQLITE_DONE)
        code = db_fail(db, err, "cannot read learning evidence");
    else if (all.len)
        *out = kb_buf_detach(&all);
out:
    sqlite3_finalize(s);
    sqlite3_finalize(j.count);
    free(j.words);
    kb_buf_release(&all);
    kb_buf_release(&line);
    return code;
}

int kb_learn_articles(struct kb_store *st, int64_t **out, size_t *n, struct kb_err *err)
{
    sqlite3 *db = kb_store_db(st);
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT DISTINCT article FROM learn_phrases ORDER BY article", -1,
                           &s, NULL) != SQLITE_OK)
        return db_fail(db, err, "cannot read learning evidence");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = kb_xrealloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return db_fail(db, err, "cannot read learning evidence");
    return 0;
}
