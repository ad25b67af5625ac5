/* Shared internals of kb/store/auth.c and kb/store/auth_lockout.c: statement helpers on
 * the store and the throttle of failed logins. Not for other modules. */
#ifndef KB_AUTH_INT_H
#define KB_AUTH_INT_H

#include <sqlite3.h>
#include <stdint.h>

#include "kb/store/auth.h"

/* The clock of the auth module (kb_auth_set_clock_offset shifts it). */
int64_t auth_now(void);
/* Prepares sql on st's database; fills err on failure. */
int auth_prep(struct kb_store *st, const char *sql, sqlite3_stmt **s, struct kb_err *err);
/* Steps a statement that returns no rows and finalizes it. */
int auth_exec_done(struct kb_store *st, sqlite3_stmt *s, struct kb_err *err);
/* Binds v (borrowed until the statement is done) as text, NULL as NULL. */
void auth_bind_text(sqlite3_stmt *s, int i, const char *v);

/* Who is trying to log in, for the throttle: the lower-cased account name
 * (NULL for a name that cannot exist), the client address, and the id of
 * the device cookie it presented when that cookie is valid for this
 * account (else NULL). */
struct auth_client {
    const char *ukey;
    const char *addr;
    const char *device;
};

/* Reads the device cookie presented (may be NULL) and, when it is a valid
 * one for ukey, copies its id to id (33 bytes) and returns 1; else 0. */
int auth_device_check(struct kb_store *st, const char *cookie, const char *ukey, char id[33]);
/* A new device cookie for ukey into out (KB_AUTH_DEVICE_LEN + 1 bytes). */
int auth_device_issue(struct kb_store *st, const char *ukey,
                      char out[KB_AUTH_DEVICE_LEN + 1], struct kb_err *err);
/* Seconds this client must wait before its next attempt is heard (0: now). */
int auth_throttle_wait(struct kb_store *st, const struct auth_client *cl, int64_t t,
                       int64_t *wait, struct kb_err *err);
/* Records a failed attempt of cl at time t (and prunes old records). */
int auth_throttle_fail(struct kb_store *st, const struct auth_client *cl, int64_t t,
                       struct kb_err *err);
/* Inside the write of a successful login: forgets cl's own failures (its
 * address's or its device's, never the account's). */
int auth_throttle_clear(struct kb_store *st, const struct auth_client *cl, struct kb_err *err);

#endif
