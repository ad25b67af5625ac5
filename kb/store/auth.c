/* Staff accounts, sessions and API tokens on the store.
 * Passwords: argon2id (libsodium crypto_pwhash_str, interactive limits).
 * Session ids and tokens: 32 random bytes, stored as SHA-256 hex only.
 * Failed logins: device cookies and throttles, in auth_lockout.c. */
#include "kb/store/auth.h"

#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/store/auth_int.h"
#include "kb/store/store_int.h"

#define TOUCH_EVERY 60 /* seconds between last_seen / last_used updates */
#define WRONG_LOGIN "wrong username or password"
#define NOTE_BUSY_MS 100   /* lock wait for noting a session or token use */

/* Version 2 of the store (appended to store_schema.c's migrations).
 * - usernames are unique without regard to case (ASCII only, so NOCASE);
 * - sessions and tokens keep only the SHA-256 hex of their secret;
 * - login_failures: one row per failed attempt per key ('user' is the
 *   lower-cased name, 'address' the client address), pruned as it ages. */
const char kb_auth_schema_sql[] =
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " username TEXT NOT NULL COLLATE NOCASE UNIQUE"
    "  CHECK (length(username) BETWEEN 1 AND 64),"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'writer', 'admin')),"
    " password_hash TEXT NOT NULL,"
    " created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL,"
    " last_login INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE sessions ("
    " id_hash TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    " client TEXT,"
    " created INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions (user_id);"
    "CREATE TABLE api_tokens ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " name TEXT NOT NULL CHECK (name <> ''),"
    " token_hash TEXT NOT NULL UNIQUE,"
    " prefix TEXT NOT NULL,"
    " role TEXT NOT NULL CHECK (role IN ('agent', 'writer', 'admin')),"
    " created_by TEXT,"
    " created INTEGER NOT NULL,"
    " last_used INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE login_failures ("
    " kind TEXT NOT NULL CHECK (kind IN ('user', 'address')),"
    " key TEXT NOT NULL,"
    " at INTEGER NOT NULL);"
    "CREATE INDEX login_failures_key ON login_failures (kind, key, at);"
    "CREATE INDEX login_failures_at ON login_failures (at);";

static int64_t clock_offset;

void kb_auth_set_clock_offset(int64_t seconds)
{
    clock_offset = seconds;
}

int64_t auth_now(void)
{
    return store_now() + clock_offset;
}

/* ---- libsodium --------------------------------------------------------- */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;

static void sodium_setup(void)
{
    sodium_ok = sodium_init() >= 0;
}

static int need_sodium(struct kb_err *err)
{
    pthread_once(&sodium_once, sodium_setup);
    return sodium_ok ? 0 : kb_err_set(err, KB_EINTERNAL, "cannot initialise libsodium");
}

/* A hash of a random password, verified against for unknown users so that
 * they take as long as a wrong password. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[crypto_pwhash_STRBYTES];

static void dummy_setup(void)
{
    unsigned char pw[16];
    randombytes_buf(pw, sizeof pw);
    if (crypto_pwhash_str(dummy_hash, (const char *)pw, sizeof pw,
                          crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        dummy_hash[0] = '\0';
}

static int hash_password(const char *password, char out[crypto_pwhash_STRBYTES],
                         struct kb_err *err)
{
    if (crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return kb_err_set(err, KB_EINTERNAL, "cannot hash the password: out of memory");
    return 0;
}

/* The SHA-256 hex of a secret. */
static void secret_hash(const char *secret, char out[crypto_hash_sha256_BYTES * 2 + 1])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)secret, strlen(secret));
    sodium_bin2hex(out, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof h);
}

/* 32 random bytes as 64 lowercase hex characters. */
static void random_hex(char out[65])
{
    unsigned char b[32];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(out, 65, b, sizeof b);
    sodium_memzero(b, sizeof b);
}

static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[n] == '\0';
}

/* ---- input checks ------------------------------------------------------ */

int kb_auth_check_username(const char *username, struct kb_err *err)
{
    size_t n = username ? strlen(username) : 0;
    int ok = n >= 1 && n <= KB_AUTH_USERNAME_MAX;
    for (size_t i = 0; ok && i < n; i++) {
        unsigned char c = (unsigned char)username[i];
        ok = isascii(c) && (isalnum(c) || c == '.' || c == '_' || c == '-');
    }
    if (!ok)
        return kb_err_set(err, KB_EINVAL, "username: must be 1 to %d characters of "
                          "A-Z, a-z, 0-9, '.', '_' and '-'", KB_AUTH_USERNAME_MAX);
    return 0;
}

int kb_auth_check_password(const char *password, struct kb_err *err)
{
    if (!password)
        return kb_err_set(err, KB_EINVAL, "password: missing");
    size_t bytes = strlen(password), chars = 0;
    if (bytes > KB_AUTH_PASSWORD_MAX)
        return kb_err_set(err, KB_EINVAL, "password: longer than %d bytes",
                          KB_AUTH_PASSWORD_MAX);
    for (const unsigned char *p = (const unsigned char *)password; *p; p++)
        if ((*p & 0xC0) != 0x80)
            chars++;
    if (chars < KB_AUTH_PASSWORD_MIN)
        return kb_err_set(err, KB_EINVAL, "password: shorter than %d characters",
                          KB_AUTH_PASSWORD_MIN);
    return 0;
}

/* Token names: printable UTF-8 without control characters. */
static int check_token_name(const char *name, struct kb_err *err)
{
    size_t n = name ? strlen(name) : 0;
    if (store_blank(name) || n > KB_AUTH_TOKEN_NAME_MAX)
        return kb_err_set(err, KB_EINVAL, "name: must be 1 to %d bytes", KB_AUTH_TOKEN_NAME_MAX);
    const unsigned char *p = (const unsigned char *)name;
    while (*p) {
        int more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
                 : (*p & 0xF8) == 0xF0 ? 3 : -1;
        if (more < 0 || *p < 0x20 || *p == 0x7f)
            return kb_err_set(err, KB_EINVAL, "name: control character or invalid UTF-8");
        p++;
        for (int i = 0; i < more; i++, p++)
            if ((*p & 0xC0) != 0x80)
                return kb_err_set(err, KB_EINVAL, "name: invalid UTF-8");
    }
    return 0;
}

int kb_auth_role_parse(const char *name)
{
    int role = kb_role_parse(name);
    return kb_role_staff(role) ? role : -1;
}

/* A staff role's name, or NULL for any other. */
static const char *role_name(int role)
{
    return kb_role_staff(role) ? kb_role_name(role) : NULL;
}

static int check_role(int role, struct kb_err *err)
{
    if (!role_name(role))
        return kb_err_set(err, KB_EINVAL, "role: must be agent, writer or admin");
    return 0;
}

/* ---- statements -------------------------------------------------------- */

int auth_prep(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
    if (rc != SQLITE_OK) {
        *s = NULL;
        return store_fail(st, err, rc, "cannot prepare an auth statement on '%s'", st->path);
    }
    return 0;
}

/* Steps a statement that returns no rows and finalizes it. */
int auth_exec_done(struct kb_store *st, sqlite3_stmt *s, struct kb_err *err)
{
    int rc = sqlite3_step(s);
    int code = 0;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        code = store_fail(st, err, rc, "cannot write to store '%s'", st->path);
    sqlite3_finalize(s);
    if (code == 0 && sqlite3_get_autocommit(st->db))
        store_changes_after_write(st); /* a standalone write: its changeset now */
    return code;
}

void auth_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void col_copy(sqlite3_stmt *s, int i, char *out, size_t size)
{
    const char *v = (const char *)sqlite3_column_text(s, i);
    snprintf(out, size, "%s", v ? v : "");
}

static int col_role(sqlite3_stmt *s, int i)
{
    int r = kb_auth_role_parse((const char *)sqlite3_column_text(s, i));
    return r < 0 ? KB_ROLE_AGENT : r; /* the CHECK constraint keeps this from happening */
}

#define USER_COLS "id, username, role, created, last_login"

static void row_user(sqlite3_stmt *s, int c, struct kb_auth_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(s, c);
    col_copy(s, c + 1, u->username, sizeof u->username);
    u->role = col_role(s, c + 2);
    u->created = sqlite3_column_int64(s, c + 3);
    u->last_login = sqlite3_column_int64(s, c + 4);
}

/* Loads a user and (when hash is not NULL) their password hash. */
static int load_user(struct kb_store *st, const char *username, struct kb_auth_user *u,
                     char hash[crypto_pwhash_STRBYTES], struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = auth_prep(st, "SELECT " USER_COLS ", password_hash FROM users WHERE username = ?1",
                    &s, err);
    if (code)
        return code;
    auth_bind_text(s, 1, username);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        row_user(s, 0, u);
        if (hash)
            col_copy(s, 5, hash, crypto_pwhash_STRBYTES);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username);
    } else {
        code = store_fail(st, err, rc, "cannot read users from '%s'", st->path);
    }
    sqlite3_finalize(s);
    return code;
}

/* ---- users ------------------------------------------------------------- */

int kb_auth_admin_count(struct kb_store *st, int64_t *n, struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = auth_prep(st, "SELECT count(*) FROM users WHERE role = 'admin'", &s, err);
    if (code)
        return code;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *n = sqlite3_column_int64(s, 0);
    else
        code = store_fail(st, err, rc, "cannot read users from '%s'", st->path);
    sqlite3_finalize(s);
    return code;
}

int kb_auth_user_add(struct kb_store *st, const char *username, const char *password,
                     int role, int64_t *id, struct kb_err *err)
{
    char hash[crypto_pwhash_STRBYTES];
    int code;
    if ((code = kb_auth_check_username(username, err)) != 0 ||
        (code = kb_auth_check_password(password, err)) != 0 ||
        (code = check_role(role, err)) != 0 || (code = need_sodium(err)) != 0)
        return code;
    struct kb_auth_user u;
    /* Checked before the slow hash, and again by the UNIQUE constraint. */
    code = load_user(st, username, &u, NULL, err);
    if (code == 0)
        return kb_err_set(err, KB_EEXIST, "user '%s' already exists", u.username);
    if (code != KB_ENOTFOUND)
        return code;
    if ((code = hash_password(password, hash, err)) != 0)
        return code;
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s;
    if ((code = auth_prep(st, "INSERT INTO users (username, role, password_hash, created, updated) "
                         "VALUES (?1, ?2, ?3, ?4, ?4)", &s, err)) == 0) {
        auth_bind_text(s, 1, username);
        auth_bind_text(s, 2, role_name(role));
        auth_bind_text(s, 3, hash);
        sqlite3_bind_int64(s, 4, auth_now());
        int rc = sqlite3_step(s);
        if (rc == SQLITE_CONSTRAINT_UNIQUE)
            code = kb_err_set(err, KB_EEXIST, "user '%s' already exists", username);
        else if (rc != SQLITE_DONE)
            code = store_fail(st, err, rc, "cannot add user '%s' to '%s'", username, st->path);
        else if (id)
            *id = sqlite3_last_insert_rowid(st->db);
        sqlite3_finalize(s);
    }
    sodium_memzero(hash, sizeof hash);
    return store_wend(st, code, err);
}

int kb_auth_user_get(struct kb_store *st, const char *username, struct kb_auth_user *out,
                     struct kb_err *err)
{
    if (kb_auth_check_username(username, NULL) != 0)
        return kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username ? username : "");
    return load_user(st, username, out, NULL, err);
}

int kb_auth_user_list(struct kb_store *st, struct kb_auth_user **out, size_t *n,
                      struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    int code = auth_prep(st, "SELECT " USER_COLS " FROM users ORDER BY username", &s, err);
    if (code)
        return code;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = kb_xrealloc(*out, cap * sizeof **out);
        }
        row_user(s, 0, &(*out)[(*n)++]);
    }
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read users from '%s'", st->path);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    return code;
}

/* Inside a write: fails with KB_EINVAL when u is the only admin. */
static int check_not_last_admin(struct kb_store *st, const struct kb_auth_user *u,
                                const char *what, struct kb_err *err)
{
    if (u->role != KB_ROLE_ADMIN)
        return 0;
    int64_t admins = 0;
    int code = kb_auth_admin_count(st, &admins, err);
    if (code == 0 && admins <= 1)
        code = kb_err_set(err, KB_EINVAL, "cannot %s '%s': the last admin "
                          "(make another user admin first)", what, u->username);
    return code;
}

int kb_auth_user_delete(struct kb_store *st, const char *username, struct kb_err *err)
{
    struct kb_auth_user u;
    if (kb_auth_check_username(username, NULL) != 0)
        return kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username ? username : "");
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    if ((code = load_user(st, username, &u, NULL, err)) == 0 &&
        (code = check_not_last_admin(st, &u, "delete", err)) == 0 &&
        (code = auth_prep(st, "DELETE FROM users WHERE id = ?1", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, u.id); /* sessions go by ON DELETE CASCADE */
        code = auth_exec_done(st, s, err);
    }
    return store_wend(st, code, err);
}

int kb_auth_user_set_role(struct kb_store *st, const char *username, int role,
                          struct kb_err *err)
{
    struct kb_auth_user u;
    int code = check_role(role, err);
    if (code)
        return code;
    if (kb_auth_check_username(username, NULL) != 0)
        return kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username ? username : "");
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    sqlite3_stmt *s;
    if ((code = load_user(st, username, &u, NULL, err)) == 0 &&
        (role == KB_ROLE_ADMIN || (code = check_not_last_admin(st, &u, "demote", err)) == 0) &&
        (code = auth_prep(st, "UPDATE users SET role = ?2, updated = ?3 WHERE id = ?1", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, u.id);
        auth_bind_text(s, 2, role_name(role));
        sqlite3_bind_int64(s, 3, auth_now());
        code = auth_exec_done(st, s, err);
    }
    return store_wend(st, code, err);
}

int kb_auth_user_set_password(struct kb_store *st, const char *username,
                              const char *password, const char *keep_session,
                              struct kb_err *err)
{
    char hash[crypto_pwhash_STRBYTES], keep[crypto_hash_sha256_BYTES * 2 + 1] = "";
    struct kb_auth_user u;
    int code;
    if ((code = kb_auth_check_password(password, err)) != 0 || (code = need_sodium(err)) != 0)
        return code;
    if (kb_auth_check_username(username, NULL) != 0)
        return kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username ? username : "");
    if ((code = load_user(st, username, &u, NULL, err)) != 0 ||
        (code = hash_password(password, hash, err)) != 0)
        return code;
    if (keep_session)
        secret_hash(keep_session, keep);
    if ((code = store_wbegin(st, err)) != 0)
        goto out;
    sqlite3_stmt *s;
    if ((code = auth_prep(st, "UPDATE users SET password_hash = ?2, updated = ?3 WHERE id = ?1",
                     &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, u.id);
        auth_bind_text(s, 2, hash);
        sqlite3_bind_int64(s, 3, auth_now());
        code = auth_exec_done(st, s, err);
        if (code == 0 && sqlite3_changes(st->db) == 0)
            code = kb_err_set(err, KB_ENOTFOUND, "no user '%s'", username);
    }
    if (code == 0 && (code = auth_prep(st, "DELETE FROM sessions WHERE user_id = ?1 "
                                      "AND id_hash <> ?2", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, u.id);
        auth_bind_text(s, 2, keep);
        code = auth_exec_done(st, s, err);
    }
    code = store_wend(st, code, err);
out:
    sodium_memzero(hash, sizeof hash);
    return code;
}

/* ---- sessions ---------------------------------------------------------- */

/* The successful half of a login, in one write. */
static int start_session(struct kb_store *st, const struct kb_auth_user *u,
                         const struct auth_client *cl, const char *old_session,
                         const char *rehash, const char *session_hash, int64_t t,
                         struct kb_err *err)
{
    char old_hash[crypto_hash_sha256_BYTES * 2 + 1] = "";
    if (old_session)
        secret_hash(old_session, old_hash);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    if ((code = auth_prep(st, "INSERT INTO sessions (id_hash, user_id, client, created, last_seen) "
                         "VALUES (?1, ?2, ?3, ?4, ?4)", &s, err)) == 0) {
        auth_bind_text(s, 1, session_hash);
        sqlite3_bind_int64(s, 2, u->id);
        auth_bind_text(s, 3, cl->addr);
        sqlite3_bind_int64(s, 4, t);
        code = auth_exec_done(st, s, err);
    }
    /* The id the client came with ends: a new one on every login. Expired
     * sessions of anyone go too. */
    if (code == 0 && (code = auth_prep(st, "DELETE FROM sessions WHERE id_hash = ?1 "
                                      "OR created <= ?2 OR last_seen <= ?3", &s, err)) == 0) {
        auth_bind_text(s, 1, old_hash);
        sqlite3_bind_int64(s, 2, t - KB_AUTH_SESSION_MAX);
        sqlite3_bind_int64(s, 3, t - KB_AUTH_SESSION_IDLE);
        code = auth_exec_done(st, s, err);
    }
    if (code == 0 && (code = auth_prep(st, "UPDATE users SET last_login = ?2,"
                                      " password_hash = coalesce(?3, password_hash)"
                                      " WHERE id = ?1", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, u->id);
        sqlite3_bind_int64(s, 2, t);
        auth_bind_text(s, 3, rehash);
        code = auth_exec_done(st, s, err);
    }
    /* This client's own failures go; the account's stay until they age:
     * a stranger's guesses are not forgiven by its owner's success. */
    if (code == 0)
        code = auth_throttle_clear(st, cl, err);
    return store_wend(st, code, err);
}

int kb_auth_login(struct kb_store *st, const char *username, const char *password,
                  const char *client, const char *old_session,
                  char session[KB_AUTH_SESSION_LEN + 1], struct kb_auth_user *user,
                  int64_t *retry_after, struct kb_err *err)
{
    return kb_auth_login_device(st, username, password, client, NULL, old_session, session,
                                NULL, user, retry_after, err);
}

int kb_auth_login_device(struct kb_store *st, const char *username, const char *password,
                         const char *client, const char *device_in, const char *old_session,
                         char session[KB_AUTH_SESSION_LEN + 1],
                         char device_out[KB_AUTH_DEVICE_LEN + 1], struct kb_auth_user *user,
                         int64_t *retry_after, struct kb_err *err)
{
    char user_key[KB_AUTH_USERNAME_MAX + 1], *ukey = NULL;
    char hash[crypto_pwhash_STRBYTES] = "", rehash[crypto_pwhash_STRBYTES];
    char id[KB_AUTH_SESSION_LEN + 1], id_hash[crypto_hash_sha256_BYTES * 2 + 1];
    char device_id[33];
    int64_t t = auth_now(), wait = 0;
    int code, found = 0, need_rehash = 0;

    session[0] = '\0';
    if (device_out)
        device_out[0] = '\0';
    *retry_after = 0;
    memset(user, 0, sizeof *user);
    if (!password)
        password = "";
    if (strlen(password) > KB_AUTH_PASSWORD_MAX)
        return kb_err_set(err, KB_EINVAL, "password: longer than %d bytes",
                          KB_AUTH_PASSWORD_MAX);
    if ((code = need_sodium(err)) != 0)
        return code;
    if (kb_auth_check_username(username, NULL) == 0) {
        for (size_t i = 0; username[i]; i++)
            user_key[i] = (char)tolower((unsigned char)username[i]);
        user_key[strlen(username)] = '\0';
        ukey = user_key;
    }
    if (client && !*client)
        client = NULL;

    /* Before any argon2id work: an early attempt costs the server nothing. */
    struct auth_client cl = {ukey, client, NULL};
    if (auth_device_check(st, device_in, ukey, device_id))
        cl.device = device_id;
    if ((code = auth_throttle_wait(st, &cl, t, &wait, err)) != 0)
        return code;
    if (wait > 0) {
        *retry_after = wait;
        return kb_err_set(err, KB_EBUSY, "too many failed logins: try again in %lld seconds",
                          (long long)wait);
    }

    if (ukey) {
        code = load_user(st, username, user, hash, err);
        if (code && code != KB_ENOTFOUND)
            return code;
        found = code == 0 && hash[0];
    }
    /* The same argon2id work whether or not the user exists. */
    pthread_once(&dummy_once, dummy_setup);
    const char *against = found ? hash : dummy_hash;
    int ok = against[0] && crypto_pwhash_str_verify(against, password, strlen(password)) == 0;
    ok = ok && found;
    if (!ok) {
        memset(user, 0, sizeof *user);
        code = auth_throttle_fail(st, &cl, t, err);
        if (code)
            return code;
        kb_log(KB_LOG_INFO, "auth: failed login for '%s' from %s%s", ukey ? ukey : "(invalid)",
               client ? client : "unknown", cl.device ? " (known device)" : "");
        return kb_err_set(err, KB_ENOTFOUND, WRONG_LOGIN);
    }

    need_rehash = crypto_pwhash_str_needs_rehash(hash, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0;
    if (need_rehash && hash_password(password, rehash, NULL) != 0)
        need_rehash = 0;
    random_hex(id);
    secret_hash(id, id_hash);
    code = start_session(st, user, &cl, old_session, need_rehash ? rehash : NULL, id_hash, t,
                         err);
    if (code == 0 && device_out && auth_device_issue(st, ukey, device_out, err) != 0)
        device_out[0] = '\0'; /* the session stands; the next login tries again */
    if (code == 0) {
        memcpy(session, id, sizeof id);
        user->last_login = t;
        kb_log(KB_LOG_INFO, "auth: '%s' logged in from %s", user->username,
               client ? client : "unknown");
    }
    sodium_memzero(id, sizeof id);
    sodium_memzero(hash, sizeof hash);
    return code;
}

/* Runs an UPDATE or DELETE that notes a use or drops an expired row,
 * binding ?1 = text (or id when text is NULL) and ?2 = n when present.
 * It waits only briefly for the write lock (a long import may hold it):
 * the note is skipped rather than the request delayed. */
static void note(struct kb_store *st, const char *sql, const char *text, int64_t id, int64_t n)
{
    sqlite3_stmt *s;
    struct kb_err err;
    int code = auth_prep(st, sql, &s, &err);
    if (code == 0) {
        if (text)
            auth_bind_text(s, 1, text);
        else
            sqlite3_bind_int64(s, 1, id);
        if (sqlite3_bind_parameter_count(s) >= 2)
            sqlite3_bind_int64(s, 2, n);
        if (!st->in_txn)
            store_busy_wait(st, NOTE_BUSY_MS);
        code = auth_exec_done(st, s, &err);
        if (!st->in_txn)
            store_busy_wait(st, STORE_BUSY_MS);
    }
    if (code == KB_EBUSY)
        kb_log(KB_LOG_DEBUG, "auth: skipped noting a use: %s", err.msg);
    else if (code)
        kb_log(KB_LOG_WARN, "auth: %s", err.msg);
}

int kb_auth_session_check(struct kb_store *st, const char *session, struct kb_auth_user *user,
                          struct kb_err *err)
{
    char h[crypto_hash_sha256_BYTES * 2 + 1];
    memset(user, 0, sizeof *user);
    if (!session || strlen(session) != KB_AUTH_SESSION_LEN || !is_hex(session, KB_AUTH_SESSION_LEN))
        return kb_err_set(err, KB_ENOTFOUND, "no such session");
    int code = need_sodium(err);
    if (code)
        return code;
    secret_hash(session, h);
    sqlite3_stmt *s;
    if ((code = auth_prep(st, "SELECT s.created, s.last_seen, u.id, u.username, u.role, u.created,"
                         " u.last_login FROM sessions s JOIN users u ON u.id = s.user_id"
                         " WHERE s.id_hash = ?1", &s, err)) != 0)
        return code;
    auth_bind_text(s, 1, h);
    int64_t t = auth_now(), created = 0, seen = 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        created = sqlite3_column_int64(s, 0);
        seen = sqlite3_column_int64(s, 1);
        row_user(s, 2, user);
    } else if (rc == SQLITE_DONE) {
        code = kb_err_set(err, KB_ENOTFOUND, "no such session");
    } else {
        code = store_fail(st, err, rc, "cannot read sessions from '%s'", st->path);
    }
    sqlite3_finalize(s);
    if (code)
        return code;
    if (t - created >= KB_AUTH_SESSION_MAX || t - seen >= KB_AUTH_SESSION_IDLE) {
        memset(user, 0, sizeof *user);
        note(st, "DELETE FROM sessions WHERE id_hash = ?1", h, 0, 0);
        return kb_err_set(err, KB_ENOTFOUND, "session expired");
    }
    if (t - seen >= TOUCH_EVERY)
        note(st, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1", h, 0, t);
    return 0;
}

int kb_auth_logout(struct kb_store *st, const char *session, struct kb_err *err)
{
    char h[crypto_hash_sha256_BYTES * 2 + 1];
    if (!session || !*session)
        return 0;
    int code = need_sodium(err);
    if (code)
        return code;
    secret_hash(session, h);
    sqlite3_stmt *s;
    /* A write operation: the sign-out reaches replicas with its commit. */
    if ((code = store_wbegin(st, err)) != 0)
        return code;
    if ((code = auth_prep(st, "DELETE FROM sessions WHERE id_hash = ?1", &s, err)) == 0) {
        auth_bind_text(s, 1, h);
        code = auth_exec_done(st, s, err);
    }
    return store_wend(st, code, err);
}

/* ---- API tokens -------------------------------------------------------- */

#define TOKEN_COLS "id, name, role, prefix, created_by, created, last_used"

static void row_token(sqlite3_stmt *s, struct kb_auth_token *t)
{
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(s, 0);
    col_copy(s, 1, t->name, sizeof t->name);
    t->role = col_role(s, 2);
    col_copy(s, 3, t->prefix, sizeof t->prefix);
    col_copy(s, 4, t->created_by, sizeof t->created_by);
    t->created = sqlite3_column_int64(s, 5);
    t->last_used = sqlite3_column_int64(s, 6);
}

int kb_auth_token_create(struct kb_store *st, const char *name, int role,
                         const char *created_by, char token[KB_AUTH_TOKEN_LEN + 1],
                         int64_t *id, struct kb_err *err)
{
    char secret[KB_AUTH_TOKEN_LEN + 1], h[crypto_hash_sha256_BYTES * 2 + 1], prefix[16];
    int code;
    token[0] = '\0';
    if ((code = check_token_name(name, err)) != 0 || (code = check_role(role, err)) != 0 ||
        (code = need_sodium(err)) != 0)
        return code;
    memcpy(secret, KB_AUTH_TOKEN_PREFIX, 4);
    random_hex(secret + 4);
    secret_hash(secret, h);
    snprintf(prefix, sizeof prefix, "%.12s", secret);
    sqlite3_stmt *s;
    /* A write operation: the token reaches replicas with its commit. */
    if ((code = store_wbegin(st, err)) != 0)
        goto out;
    if ((code = auth_prep(st, "INSERT INTO api_tokens (name, token_hash, prefix, role, created_by,"
                         " created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &s, err)) != 0) {
        store_wend(st, code, NULL);
        goto out;
    }
    auth_bind_text(s, 1, name);
    auth_bind_text(s, 2, h);
    auth_bind_text(s, 3, prefix);
    auth_bind_text(s, 4, role_name(role));
    auth_bind_text(s, 5, created_by && *created_by ? created_by : NULL);
    sqlite3_bind_int64(s, 6, auth_now());
    code = auth_exec_done(st, s, err);
    if (code == 0 && id)
        *id = sqlite3_last_insert_rowid(st->db);
    if ((code = store_wend(st, code, err)) != 0)
        goto out;
    memcpy(token, secret, sizeof secret);
out:
    sodium_memzero(secret, sizeof secret);
    return code;
}

int kb_auth_token_list(struct kb_store *st, struct kb_auth_token **out, size_t *n,
                       struct kb_err *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *s;
    int code = auth_prep(st, "SELECT " TOKEN_COLS " FROM api_tokens ORDER BY id", &s, err);
    if (code)
        return code;
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *out = kb_xrealloc(*out, cap * sizeof **out);
        }
        row_token(s, &(*out)[(*n)++]);
    }
    if (rc != SQLITE_DONE) {
        code = store_fail(st, err, rc, "cannot read tokens from '%s'", st->path);
        free(*out);
        *out = NULL;
        *n = 0;
    }
    sqlite3_finalize(s);
    return code;
}

int kb_auth_token_revoke(struct kb_store *st, int64_t id, struct kb_err *err)
{
    sqlite3_stmt *s;
    /* A write operation: the revocation reaches replicas with its commit. */
    int code = store_wbegin(st, err);
    if (code)
        return code;
    if ((code = auth_prep(st, "DELETE FROM api_tokens WHERE id = ?1", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, id);
        if ((code = auth_exec_done(st, s, err)) == 0 && sqlite3_changes(st->db) == 0)
            code = kb_err_set(err, KB_ENOTFOUND, "no token %lld", (long long)id);
    }
    return store_wend(st, code, err);
}

int kb_auth_token_check(struct kb_store *st, const char *token, struct kb_auth_token *out,
                        struct kb_err *err)
{
    char h[crypto_hash_sha256_BYTES * 2 + 1];
    memset(out, 0, sizeof *out);
    if (!token || strlen(token) != KB_AUTH_TOKEN_LEN ||
        strncmp(token, KB_AUTH_TOKEN_PREFIX, 4) != 0 || !is_hex(token + 4, KB_AUTH_TOKEN_LEN - 4))
        return kb_err_set(err, KB_ENOTFOUND, "no such token");
    int code = need_sodium(err);
    if (code)
        return code;
    secret_hash(token, h);
    sqlite3_stmt *s;
    if ((code = auth_prep(st, "SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = ?1",
                     &s, err)) != 0)
        return code;
    auth_bind_text(s, 1, h);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        row_token(s, out);
    else if (rc == SQLITE_DONE)
        code = kb_err_set(err, KB_ENOTFOUND, "no such token");
    else
        code = store_fail(st, err, rc, "cannot read tokens from '%s'", st->path);
    sqlite3_finalize(s);
    if (code == 0) {
        int64_t t = auth_now();
        if (t - out->last_used >= TOUCH_EVERY)
            note(st, "UPDATE api_tokens SET last_used = ?2 WHERE id = ?1", NULL, out->id, t);
    }
    return code;
}
