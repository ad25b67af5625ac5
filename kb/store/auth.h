/* Staff accounts, login sessions and API tokens, kept in the store: users
 * with argon2id password hashes, sessions and tokens stored only as SHA-256
 * hashes of their secrets, and the failed-login records behind lockout.
 * Every function takes the calling thread's store handle. */
#ifndef KB_AUTH_H
#define KB_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_AUTH_USERNAME_MAX 64      /* bytes of [A-Za-z0-9._-] */
#define KB_AUTH_PASSWORD_MIN 8       /* characters (UTF-8 code points) */
#define KB_AUTH_PASSWORD_MAX 1024    /* bytes */
#define KB_AUTH_TOKEN_NAME_MAX 100   /* bytes */
#define KB_AUTH_SESSION_LEN 64       /* hex characters of a session id (32 random bytes) */
#define KB_AUTH_TOKEN_PREFIX "kbt_"
#define KB_AUTH_TOKEN_LEN 68         /* "kbt_" + 64 hex characters */
#define KB_AUTH_SESSION_IDLE (12 * 3600)      /* seconds without use before a session ends */
#define KB_AUTH_SESSION_MAX (7 * 24 * 3600)   /* seconds a session lasts at most */
/* Failed logins (OWASP's device cookies): a browser that signed in to an
 * account gets a signed device cookie for it, and while it presents that
 * cookie it is judged by its own failures alone. Any other client of the
 * account faces two throttles, one per (account, address) and one for the
 * account: after the free failures within the window, the next attempt is
 * heard only after a delay that doubles with each failure, up to
 * KB_AUTH_DELAY_MAX; earlier attempts are refused (429, Retry-After) without being
 * counted. */
#define KB_AUTH_FAIL_WINDOW 3600     /* seconds a failure counts */
#define KB_AUTH_FREE_ADDRESS 3       /* failures per account and address before delays */
#define KB_AUTH_DELAY_ADDRESS 10     /* seconds of the first delay; then doubling */
#define KB_AUTH_FREE_ACCOUNT 10      /* failures per account (clients without its cookie) */
#define KB_AUTH_DELAY_ACCOUNT 2      /* seconds of the first delay; then doubling */
#define KB_AUTH_FREE_DEVICE 5        /* failures of one device cookie before delays */
#define KB_AUTH_DELAY_DEVICE 10
#define KB_AUTH_DELAY_MAX (15 * 60)  /* the longest wait: 4 guesses an hour */
#define KB_AUTH_DEVICE_LEN 168       /* at most: "d1.", account, ".", 32 hex, ".", 64 hex */
#define KB_AUTH_DEVICE_AGE (365 * 24 * 3600) /* seconds a device cookie is kept by the browser */

/* The SQL of the store migration that creates the tables (store_schema.c). */
extern const char kb_auth_schema_sql[];

/* A staff account. Roles are enum kb_role (kb/base/role.h): agent, writer or
 * admin; customers have no account. */
struct kb_auth_user {
    int64_t id;
    char username[KB_AUTH_USERNAME_MAX + 1];
    int role;
    int64_t created;
    int64_t last_login; /* 0 when never */
};

/* An API token as listed: never its secret. */
struct kb_auth_token {
    int64_t id;
    char name[KB_AUTH_TOKEN_NAME_MAX + 1];
    int role;
    char prefix[16];    /* "kbt_" and the first 8 characters, to tell tokens apart */
    char created_by[KB_AUTH_USERNAME_MAX + 1]; /* "" when created from the command line */
    int64_t created;
    int64_t last_used;  /* 0 when never (updated at most once a minute) */
};

/* Input checks; each returns 0 or fills err with KB_EINVAL naming the field. */
int kb_auth_check_username(const char *username, struct kb_err *err);
int kb_auth_check_password(const char *password, struct kb_err *err);
/* A staff role from its name: "agent", "writer" or "admin"; -1 otherwise. */
int kb_auth_role_parse(const char *name);

/* Adds a user (the password is hashed with argon2id here). KB_EINVAL names
 * the bad field, KB_EEXIST when the name is taken (names are unique without
 * regard to case). *id (may be NULL) gets the new user's id. */
int kb_auth_user_add(struct kb_store *st, const char *username, const char *password,
                     int role, int64_t *id, struct kb_err *err);
/* Fills *out with the user (case-insensitive name); KB_ENOTFOUND. */
int kb_auth_user_get(struct kb_store *st, const char *username, struct kb_auth_user *out,
                     struct kb_err *err);
/* All users by name; *out is caller-freed with free() (NULL when n is 0). */
int kb_auth_user_list(struct kb_store *st, struct kb_auth_user **out, size_t *n,
                      struct kb_err *err);
/* Deletes a user and their sessions. KB_ENOTFOUND; KB_EINVAL when the user
 * is the last admin. */
int kb_auth_user_delete(struct kb_store *st, const char *username, struct kb_err *err);
/* Changes a password and ends the user's sessions except keep_session (the
 * caller's own session id, or NULL to end them all). KB_EINVAL, KB_ENOTFOUND. */
int kb_auth_user_set_password(struct kb_store *st, const char *username,
                              const char *password, const char *keep_session,
                              struct kb_err *err);
/* Changes a role; takes effect on the user's next request. KB_ENOTFOUND;
 * KB_EINVAL for a bad role or when it would demote the last admin. */
int kb_auth_user_set_role(struct kb_store *st, const char *username, int role,
                          struct kb_err *err);
/* The number of admins into *n. */
int kb_auth_admin_count(struct kb_store *st, int64_t *n, struct kb_err *err);

/* Logs in from address client (used for the throttle; may be NULL). Refuses
 * with KB_EBUSY while the client must wait (even with the right password),
 * setting *retry_after to the seconds left. A wrong
 * password or an unknown user gives KB_ENOTFOUND with the same message
 * ("wrong username or password") after the same argon2id work, and counts
 * towards lockout. On success a new session is created, old_session (the
 * id the client presented, or NULL) is ended, its id is written to
 * session (KB_AUTH_SESSION_LEN hex characters and a NUL) and *user is
 * filled. KB_EINVAL only for a password over KB_AUTH_PASSWORD_MAX bytes. */
int kb_auth_login(struct kb_store *st, const char *username, const char *password,
                  const char *client, const char *old_session,
                  char session[KB_AUTH_SESSION_LEN + 1], struct kb_auth_user *user,
                  int64_t *retry_after, struct kb_err *err);
/* kb_auth_login with a device cookie: device_in is the one the client
 * presented (NULL or invalid: the client is judged as a stranger); on
 * success a new one for the account is written to device_out (NULL: not
 * wanted). With a valid device_in, the account-wide throttle and the
 * address's do not apply, only the device's own failures. */
int kb_auth_login_device(struct kb_store *st, const char *username, const char *password,
                         const char *client, const char *device_in, const char *old_session,
                         char session[KB_AUTH_SESSION_LEN + 1],
                         char device_out[KB_AUTH_DEVICE_LEN + 1], struct kb_auth_user *user,
                         int64_t *retry_after, struct kb_err *err);
/* Looks up a session id: fills *user and notes the use. KB_ENOTFOUND for an
 * unknown, malformed, ended or expired (idle or absolute) session. */
int kb_auth_session_check(struct kb_store *st, const char *session, struct kb_auth_user *user,
                          struct kb_err *err);
/* Ends a session (nothing when it does not exist). */
int kb_auth_logout(struct kb_store *st, const char *session, struct kb_err *err);

/* Creates an API token for integrations (role agent, writer or admin;
 * created_by may be NULL). Its secret is written to token
 * (KB_AUTH_TOKEN_LEN characters and a NUL) and is shown only this once:
 * only its hash is stored. *id (may be NULL) gets the token's id. */
int kb_auth_token_create(struct kb_store *st, const char *name, int role,
                         const char *created_by, char token[KB_AUTH_TOKEN_LEN + 1],
                         int64_t *id, struct kb_err *err);
/* All tokens by id, without secrets; *out is caller-freed with free(). */
int kb_auth_token_list(struct kb_store *st, struct kb_auth_token **out, size_t *n,
                       struct kb_err *err);
/* Revokes (deletes) a token. KB_ENOTFOUND. */
int kb_auth_token_revoke(struct kb_store *st, int64_t id, struct kb_err *err);
/* Looks up a presented token: fills *out and notes the use. KB_ENOTFOUND
 * for an unknown, malformed or revoked token. */
int kb_auth_token_check(struct kb_store *st, const char *token, struct kb_auth_token *out,
                        struct kb_err *err);

/* For tests: shifts the clock this module reads by seconds (process-wide,
 * not thread-safe; 0 restores real time). */
void kb_auth_set_clock_offset(int64_t seconds);

#ifdef __cplusplus
}
#endif
#endif
