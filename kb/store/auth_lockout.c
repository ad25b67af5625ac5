/* Failed logins: OWASP's device cookies and the throttles for everyone else.
 *
 * A device cookie "d1.ACCOUNT.ID.MAC" (ID 16 random bytes, MAC the
 * HMAC-SHA-256 of account and ID under a key kept in the store's meta
 * table) is given to a browser when it signs in. A client presenting a
 * valid one for the account it tries is judged by that device's failures
 * alone, so no stranger can lock its owner out. Everyone else is throttled
 * per (account, address) and per account: past the free failures within
 * KB_AUTH_FAIL_WINDOW, the next attempt is heard only once a delay has
 * passed since the last failure, doubling with each failure. Nothing
 * sleeps: a client that comes early is told how long to wait.
 *
 * Rows of login_failures (the store's schema version 3, unchanged):
 *   kind 'user',    key ACCOUNT           a failure of a client without the
 *                                         account's device cookie;
 *   kind 'address', key ACCOUNT@ADDRESS   the same, per client address;
 *   kind 'address', key ACCOUNT#ID        a failure of device cookie ID.
 * Account names have no '@' or '#', so the keys cannot collide. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "kb/store/auth_int.h"
#include "kb/store/store_int.h"

#define DEVICE_KEY_META "auth_device_key"
#define DEVICE_ID_HEX 32
#define DEVICE_MAC_HEX (crypto_auth_hmacsha256_BYTES * 2)

/* ---- device cookies ------------------------------------------------------ */

/* The device cookies' key, made on first use. INSERT OR IGNORE: two
 * processes making it at once both end up with the first one stored. */
static int device_key(struct kb_store *st, unsigned char key[crypto_auth_hmacsha256_KEYBYTES],
                      struct kb_err *err)
{
    for (int pass = 0; pass < 2; pass++) {
        sqlite3_stmt *s;
        int code = auth_prep(st, "SELECT value FROM meta WHERE key = ?1", &s, err);
        if (code)
            return code;
        auth_bind_text(s, 1, DEVICE_KEY_META);
        int rc = sqlite3_step(s), got = 0;
        if (rc == SQLITE_ROW) {
            const char *hex = (const char *)sqlite3_column_text(s, 0);
            size_t n = 0;
            got = hex && sodium_hex2bin(key, crypto_auth_hmacsha256_KEYBYTES, hex, strlen(hex),
                                        NULL, &n, NULL) == 0 &&
                  n == crypto_auth_hmacsha256_KEYBYTES;
        } else if (rc != SQLITE_DONE) {
            code = store_fail(st, err, rc, "cannot read meta from '%s'", st->path);
        }
        sqlite3_finalize(s);
        if (code || got)
            return code;
        if (pass)
            break;
        unsigned char fresh[crypto_auth_hmacsha256_KEYBYTES];
        char hex[sizeof fresh * 2 + 1];
        crypto_auth_hmacsha256_keygen(fresh);
        sodium_bin2hex(hex, sizeof hex, fresh, sizeof fresh);
        sodium_memzero(fresh, sizeof fresh);
        if ((code = auth_prep(st, "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)", &s,
                              err)) != 0)
            return code;
        auth_bind_text(s, 1, DEVICE_KEY_META);
        auth_bind_text(s, 2, hex);
        code = auth_exec_done(st, s, err);
        sodium_memzero(hex, sizeof hex);
        if (code)
            return code;
    }
    return kb_err_set(err, KB_ECORRUPT, "the device cookie key in '%s' is damaged", st->path);
}

static void device_mac(const unsigned char *key, const char *ukey, const char *id,
                       char out[DEVICE_MAC_HEX + 1])
{
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state h;
    crypto_auth_hmacsha256_init(&h, key, crypto_auth_hmacsha256_KEYBYTES);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)"kb-device|", 10);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)ukey, strlen(ukey));
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)"|", 1);
    crypto_auth_hmacsha256_update(&h, (const unsigned char *)id, strlen(id));
    crypto_auth_hmacsha256_final(&h, mac);
    sodium_bin2hex(out, DEVICE_MAC_HEX + 1, mac, sizeof mac);
}

int auth_device_issue(struct kb_store *st, const char *ukey, char out[KB_AUTH_DEVICE_LEN + 1],
                      struct kb_err *err)
{
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES], raw[DEVICE_ID_HEX / 2];
    char id[DEVICE_ID_HEX + 1], mac[DEVICE_MAC_HEX + 1];
    out[0] = '\0';
    int code = device_key(st, key, err);
    if (code)
        return code;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, sizeof id, raw, sizeof raw);
    device_mac(key, ukey, id, mac);
    snprintf(out, KB_AUTH_DEVICE_LEN + 1, "d1.%s.%s.%s", ukey, id, mac);
    sodium_memzero(key, sizeof key);
    return 0;
}

int auth_device_check(struct kb_store *st, const char *cookie, const char *ukey, char id[33])
{
    id[0] = '\0';
    if (!cookie || !ukey)
        return 0;
    size_t n = strlen(cookie), u = strlen(ukey);
    /* "d1." ukey "." id "." mac, taken apart from the right */
    if (n != 3 + u + 1 + DEVICE_ID_HEX + 1 + DEVICE_MAC_HEX || strncmp(cookie, "d1.", 3) != 0 ||
        strncmp(cookie + 3, ukey, u) != 0 || cookie[3 + u] != '.' ||
        cookie[3 + u + 1 + DEVICE_ID_HEX] != '.')
        return 0;
    char got_id[DEVICE_ID_HEX + 1], want[DEVICE_MAC_HEX + 1];
    memcpy(got_id, cookie + 3 + u + 1, DEVICE_ID_HEX);
    got_id[DEVICE_ID_HEX] = '\0';
    for (size_t i = 0; i < DEVICE_ID_HEX; i++)
        if (!strchr("0123456789abcdef", got_id[i]))
            return 0;
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    if (device_key(st, key, NULL) != 0)
        return 0;
    device_mac(key, ukey, got_id, want);
    sodium_memzero(key, sizeof key);
    if (sodium_memcmp(want, cookie + n - DEVICE_MAC_HEX, DEVICE_MAC_HEX) != 0)
        return 0;
    memcpy(id, got_id, DEVICE_ID_HEX + 1);
    return 1;
}

/* ---- the throttles -------------------------------------------------------- */

/* The row key of cl's own throttle: ACCOUNT#ID or ACCOUNT@ADDRESS. */
static void client_key(const struct auth_client *cl, char *out, size_t size)
{
    if (cl->device)
        snprintf(out, size, "%s#%s", cl->ukey, cl->device);
    else
        snprintf(out, size, "%s@%s", cl->ukey, cl->addr ? cl->addr : "unknown");
}

/* Seconds to wait on one key: free failures within the window cost nothing,
 * then each waits base << (failures - free) seconds after the last one. */
static int key_wait(struct kb_store *st, const char *kind, const char *key, int free_fails,
                    int64_t base, int64_t t, int64_t *wait, struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = auth_prep(st, "SELECT count(*), max(at) FROM login_failures"
                             " WHERE kind = ?1 AND key = ?2 AND at > ?3", &s, err);
    if (code)
        return code;
    auth_bind_text(s, 1, kind);
    auth_bind_text(s, 2, key);
    sqlite3_bind_int64(s, 3, t - KB_AUTH_FAIL_WINDOW);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int64_t n = sqlite3_column_int64(s, 0), last = sqlite3_column_int64(s, 1);
        if (n >= free_fails) {
            int64_t shift = n - free_fails, delay = KB_AUTH_DELAY_MAX;
            if (shift < 20 && (base << shift) < KB_AUTH_DELAY_MAX)
                delay = base << shift;
            int64_t left = last + delay - t;
            if (left > *wait)
                *wait = left;
        }
    } else {
        code = store_fail(st, err, rc, "cannot read login failures from '%s'", st->path);
    }
    sqlite3_finalize(s);
    return code;
}

int auth_throttle_wait(struct kb_store *st, const struct auth_client *cl, int64_t t,
                       int64_t *wait, struct kb_err *err)
{
    *wait = 0;
    if (!cl->ukey)
        return 0;
    char key[KB_AUTH_USERNAME_MAX + 80];
    client_key(cl, key, sizeof key);
    int code;
    if (cl->device)
        return key_wait(st, "address", key, KB_AUTH_FREE_DEVICE, KB_AUTH_DELAY_DEVICE, t, wait,
                        err);
    if ((code = key_wait(st, "address", key, KB_AUTH_FREE_ADDRESS, KB_AUTH_DELAY_ADDRESS, t, wait,
                         err)) != 0)
        return code;
    return key_wait(st, "user", cl->ukey, KB_AUTH_FREE_ACCOUNT, KB_AUTH_DELAY_ACCOUNT, t, wait,
                    err);
}

static int add_failure(struct kb_store *st, const char *kind, const char *key, int64_t t,
                       struct kb_err *err)
{
    sqlite3_stmt *s;
    int code = auth_prep(st, "INSERT INTO login_failures (kind, key, at) VALUES (?1, ?2, ?3)",
                         &s, err);
    if (code)
        return code;
    auth_bind_text(s, 1, kind);
    auth_bind_text(s, 2, key);
    sqlite3_bind_int64(s, 3, t);
    return auth_exec_done(st, s, err);
}

int auth_throttle_fail(struct kb_store *st, const struct auth_client *cl, int64_t t,
                       struct kb_err *err)
{
    if (!cl->ukey)
        return 0; /* a name no account can have: nothing to protect */
    char key[KB_AUTH_USERNAME_MAX + 80];
    client_key(cl, key, sizeof key);
    int code = store_wbegin(st, err);
    if (code)
        return code;
    sqlite3_stmt *s;
    if ((code = add_failure(st, "address", key, t, err)) == 0 && !cl->device)
        code = add_failure(st, "user", cl->ukey, t, err);
    if (code == 0 &&
        (code = auth_prep(st, "DELETE FROM login_failures WHERE at <= ?1", &s, err)) == 0) {
        sqlite3_bind_int64(s, 1, t - KB_AUTH_FAIL_WINDOW);
        code = auth_exec_done(st, s, err);
    }
    return store_wend(st, code, err);
}

int auth_throttle_clear(struct kb_store *st, const struct auth_client *cl, struct kb_err *err)
{
    if (!cl->ukey)
        return 0;
    char key[KB_AUTH_USERNAME_MAX + 80];
    client_key(cl, key, sizeof key);
    sqlite3_stmt *s;
    int code = auth_prep(st, "DELETE FROM login_failures WHERE kind = 'address' AND key = ?1",
                         &s, err);
    if (code)
        return code;
    auth_bind_text(s, 1, key);
    return auth_exec_done(st, s, err);
}
