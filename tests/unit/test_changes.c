/* Tests for kb/store/change_log.c and change_apply.c: a primary's writes
 * of every kind reach a copy as changesets (articles and revisions,
 * tickets, users, sessions, tokens, synonyms, settings), in order; no
 * changeset carries a password hash; a copy behind the window is told to
 * take a snapshot. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/role.h"
#include "kb/store/auth.h"
#include "kb/store/changes.h"
#include "kb/store/contact.h"
#include "kb/store/store.h"

static char dir[64];

static int64_t put_article(struct kb_store *st, const char *src, const char *title,
                           const char *text)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, "en");
    d.audience = KB_AUD_PUBLIC;
    d.status = KB_STATUS_PUBLISHED;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, "writer1", &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

/* One text of a query with no parameters ("" when no row). */
static void one(struct kb_store *st, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *s = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
        snprintf(out, n, "%s", (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
}

/* The same answer from both stores. */
static void same(struct kb_store *a, struct kb_store *b, const char *sql)
{
    char x[4096], y[4096];
    one(a, sql, x, sizeof x);
    one(b, sql, y, sizeof y);
    if (strcmp(x, y) != 0)
        fprintf(stderr, "differs: %s\n  primary: %s\n  copy:    %s\n", sql, x, y);
    CHECK_STR(x, y);
}

static int has(const struct kb_buf *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; b->len >= n && i <= b->len - n; i++)
        if (memcmp(b->data + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Fetches the changes after the copy's position and applies them. */
static size_t follow(struct kb_store *p, struct kb_store *copy, struct kb_buf *seen)
{
    int64_t pos = -1, last = 0;
    struct kb_err err;
    CHECK_INT(kb_store_changes_position(copy, &pos, &err), 0);
    struct kb_buf b = KB_BUF_INIT;
    CHECK_INT(kb_store_changes_after(p, pos, 1 << 20, &b, &last, &err), 0);
    size_t k = 0;
    CHECK_INT(kb_store_changes_apply(copy, b.data, b.len, &k, NULL, &err), 0);
    if (seen)
        kb_buf_add(seen, b.data, b.len);
    kb_buf_release(&b);
    CHECK_INT(kb_store_changes_position(copy, &pos, &err), 0);
    CHECK_INT(pos, last);
    return k;
}

static const char *const COMPARE[] = {
    "SELECT group_concat(number || title || coalesce(text, '') || status || current_rev, '|') "
    "FROM (SELECT * FROM articles ORDER BY number)",
    "SELECT group_concat(number || ':' || rev || title || coalesce(text, '-'), '|') "
    "FROM (SELECT * FROM article_revisions ORDER BY number, rev)",
    "SELECT group_concat(username || role || last_login, '|') FROM (SELECT * FROM users "
    "ORDER BY id)",
    "SELECT group_concat(id_hash || user_id, '|') FROM (SELECT * FROM sessions ORDER BY 1)",
    "SELECT group_concat(name || token_hash || role, '|') FROM (SELECT * FROM api_tokens "
    "ORDER BY id)",
    "SELECT group_concat(term || '=' || synonym, '|') FROM (SELECT * FROM synonyms ORDER BY 1, 2)",
    "SELECT group_concat(key || '=' || value, '|') FROM (SELECT * FROM meta ORDER BY 1)",
    "SELECT group_concat(source_id || subject, '|') FROM (SELECT * FROM tickets ORDER BY id)",
    NULL,
};

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kb-test-changes-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char ppath[200], cpath[200];
    snprintf(ppath, sizeof ppath, "%s/primary.sqlite3", dir);
    snprintf(cpath, sizeof cpath, "%s/copy.sqlite3", dir);
    struct kb_err err;
    struct kb_store *p = NULL, *copy = NULL;
    kb_store_changes_configure(1, 2);
    CHECK_INT(kb_store_open(ppath, &p, &err), 0);

    /* A new replica starts from a snapshot: the primary's state so far. */
    int64_t admin = 0;
    CHECK_INT(kb_auth_user_add(p, "admin1", "admin-password-1", KB_ROLE_ADMIN, &admin, &err), 0);
    int64_t a1 = put_article(p, "a1", "Reset the router", "Hold the reset button.");
    /* Customers' messages and the destinations' secrets stay on the primary. */
    CHECK_INT(kb_contact_dest_set(p, "webhook", 1, "{\"url\":\"http://x\",\"secret\":\"s3cret-hook\"}",
                                  &err), 0);
    struct kb_contact_in msg = {NULL, "Ann Customer", "ann@example.com", "Router", "It blinks.",
                                "{}", "en", "v1", "n1"};
    int64_t cid = 0;
    char ckey[KB_CONTACT_KEY_LEN + 1];
    int existing = 0, ndest = 0;
    CHECK_INT(kb_contact_submit(p, &msg, 1000, &cid, ckey, &existing, &ndest, &err), 0);
    CHECK_INT(kb_store_snapshot(p, cpath, &err), 0);
    CHECK_INT(kb_store_changes_scrub_copy(cpath, &err), 0);
    kb_store_changes_configure(0, 2); /* a replica records nothing */
    CHECK_INT(kb_store_open(cpath, &copy, &err), 0);
    kb_store_changes_configure(1, 2);
    int64_t pos = 0, last = 0;
    CHECK_INT(kb_store_changes_position(copy, &pos, &err), 0);
    CHECK_INT(kb_store_changes_last(p, &last, &err), 0);
    CHECK(last >= 2);
    CHECK_INT(pos, last);
    static const char *const contact_rows =
        "SELECT (SELECT COUNT(*) FROM contact_requests) + (SELECT COUNT(*) FROM contact_deliveries)"
        " + (SELECT COUNT(*) FROM contact_destinations)";
    char rows[32];
    one(copy, contact_rows, rows, sizeof rows);
    CHECK_STR(rows, "0");
    msg.key = NULL;
    msg.email = "bob@example.com";
    CHECK_INT(kb_contact_submit(p, &msg, 2000, &cid, ckey, &existing, &ndest, &err), 0);
    char h[200];
    one(copy, "SELECT password_hash FROM users", h, sizeof h);
    CHECK_STR(h, "!");

    /* Every kind of write the copy needs, then the changes after its position. */
    struct kb_buf seen = KB_BUF_INIT;
    int64_t uid = 0;
    CHECK_INT(kb_auth_user_add(p, "writer1", "writer-password-1", KB_ROLE_WRITER, &uid, &err), 0);
    char session[KB_AUTH_SESSION_LEN + 1];
    struct kb_auth_user u;
    int64_t retry = 0;
    CHECK_INT(kb_auth_login(p, "writer1", "writer-password-1", "127.0.0.1", NULL, session, &u,
                            &retry, &err), 0);
    char tok[KB_AUTH_TOKEN_LEN + 1];
    int64_t tid = 0;
    CHECK_INT(kb_auth_token_create(p, "ci", KB_ROLE_AGENT, "admin1", tok, &tid, &err), 0);
    put_article(p, "a1", "Reset the router", "Hold the reset button for ten seconds.");
    int64_t a2 = put_article(p, "a2", "Mesh backhaul", "Use a cable.");
    CHECK_INT(kb_store_synonym_add(p, "wlan", "wireless", &err), 0);
    CHECK_INT(kb_store_meta_set(p, "learn_k", "4", &err), 0);
    CHECK_INT(kb_auth_user_set_password(p, "writer1", "writer-password-2", NULL, &err), 0);
    CHECK(follow(p, copy, &seen) >= 8);
    one(copy, contact_rows, rows, sizeof rows);
    CHECK_STR(rows, "0"); /* bob's request, made after the snapshot, stays home too */
    CHECK(!has(&seen, "bob@example.com") && !has(&seen, "s3cret-hook"));
    for (size_t i = 0; COMPARE[i]; i++)
        same(p, copy, COMPARE[i]);

    /* Deletes, status changes and a rolled-back batch. */
    CHECK_INT(kb_store_set_status(p, a1, KB_STATUS_DRAFT, &err), 0);
    CHECK_INT(kb_store_remove(p, KB_KIND_ARTICLE, a2, &err), 0);
    CHECK_INT(kb_auth_token_revoke(p, tid, &err), 0);
    CHECK_INT(kb_store_synonym_remove(p, "wlan", "wireless", &err), 0);
    CHECK_INT(kb_store_meta_set(p, "learn_k", NULL, &err), 0);
    CHECK_INT(kb_store_begin(p, &err), 0);
    put_article(p, "gone", "Never committed", "x");
    kb_store_rollback(p);
    CHECK_INT(kb_auth_user_delete(p, "writer1", &err), 0);
    CHECK(follow(p, copy, &seen) >= 5);
    for (size_t i = 0; COMPARE[i]; i++)
        same(p, copy, COMPARE[i]);
    one(copy, "SELECT count(*) FROM articles WHERE source_id = 'gone'", h, sizeof h);
    CHECK_STR(h, "0");

    /* Password hashes never leave the primary: not in a changeset, not in the copy. */
    CHECK(seen.len > 0);
    CHECK(!has(&seen, "$argon2"));
    one(copy, "SELECT group_concat(password_hash) FROM users", h, sizeof h);
    CHECK_STR(h, "!");
    one(p, "SELECT substr(password_hash, 1, 7) FROM users", h, sizeof h);
    CHECK_STR(h, "$argon2");

    /* Nothing new: nothing sent; a frame out of order is refused. */
    CHECK_INT(follow(p, copy, NULL), 0);
    struct kb_buf b = KB_BUF_INIT;
    CHECK_INT(kb_store_changes_position(copy, &pos, &err), 0);
    put_article(p, "a3", "Guest network", "Turn it on.");
    put_article(p, "a4", "Parental controls", "Set a schedule.");
    CHECK_INT(kb_store_changes_after(p, pos + 1, 1 << 20, &b, &last, &err), 0);
    size_t k = 9;
    CHECK(kb_store_changes_apply(copy, b.data, b.len, &k, NULL, &err) == KB_EINVAL);
    CHECK_INT(k, 0);
    kb_buf_release(&b);
    CHECK_INT(follow(p, copy, NULL), 2);

    /* Behind the window (2 s): a snapshot, not changesets. */
    CHECK_INT(kb_store_changes_position(copy, &pos, &err), 0);
    put_article(p, "a5", "Old change", "x");
    sleep(3);
    put_article(p, "a6", "New change", "y"); /* prunes */
    put_article(p, "a7", "Newer change", "z");
    CHECK(kb_store_changes_after(p, pos, 1 << 20, &b, &last, &err) == KB_ENOTFOUND);
    CHECK(kb_store_changes_after(p, last - 1, 1 << 20, &b, &last, &err) == 0 && b.len > 0);
    kb_buf_release(&b);
    /* A position past the head (another primary's) is not served either. */
    CHECK(kb_store_changes_after(p, last + 5, 1 << 20, &b, &last, &err) == KB_ENOTFOUND);
    (void)a1;

    /* A bulk import keeps at most KB_CHANGES_MAX_BYTES of log, whatever its
     * age: the oldest go, and a copy before them takes a snapshot. */
    char head[64];
    one(p, "SELECT MAX(id) FROM replica_changes", head, sizeof head);
    pos = atoll(head); /* a copy up to date before the import */
    CHECK(kb_store_changes_after(p, pos, 1 << 20, &b, &last, &err) == 0);
    kb_buf_release(&b);
    size_t big = 1 << 20;
    char *body = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        body[i] = (char)('a' + (i * 7919 + i / 13) % 26); /* compresses badly */
    body[big] = '\0';
    for (int i = 0; i < 24; i++) {
        char src[32];
        snprintf(src, sizeof src, "bulk-%d", i);
        body[i] = '#';
        put_article(p, src, "Bulk import", body);
    }
    free(body);
    char bytes[64];
    one(p, "SELECT SUM(length(data)) FROM replica_changes", bytes, sizeof bytes);
    CHECK(atoll(bytes) <= KB_CHANGES_MAX_BYTES);
    CHECK(atoll(bytes) > KB_CHANGES_MAX_BYTES / 2);
    CHECK(kb_store_changes_after(p, pos, 1 << 20, &b, &last, &err) == KB_ENOTFOUND);

    kb_buf_release(&seen);
    kb_store_close(copy);
    kb_store_close(p);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_report("test_changes");
}
