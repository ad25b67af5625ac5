/* Visitor ids and search ids: see capability.h. */
#include "kb/store/capability.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define SECRET_KEY "install_secret"
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static void derive(const unsigned char secret[32], uint64_t id, unsigned char out[32])
{
    crypto_kdf_derive_from_key(out, 32, id, "kb-caps1", secret);
}

void kb_cap_keys_from(const unsigned char secret[32], struct kb_cap_keys *k)
{
    derive(secret, 1, k->visitor);
    derive(secret, 2, k->sid_enc);
    derive(secret, 3, k->sid_any);
    derive(secret, 4, k->sid_bound);
    derive(secret, 5, k->hash);
}

/* The secret as 64 hex characters in meta; made once, by whoever is first
 * (INSERT OR IGNORE: two processes starting together agree on one). */
int kb_cap_keys_load(struct kb_store *st, struct kb_cap_keys *k, struct kb_err *err)
{
    if (sodium_init() < 0)
        return kb_err_set(err, KB_EIO, "cannot initialise libsodium");
    char *hex = kb_store_meta_get(st, SECRET_KEY);
    if (!hex || strlen(hex) != 64) {
        free(hex);
        unsigned char fresh[32];
        char fresh_hex[65];
        randombytes_buf(fresh, sizeof fresh);
        sodium_bin2hex(fresh_hex, sizeof fresh_hex, fresh, sizeof fresh);
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(kb_store_db(st),
                                    "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)",
                                    -1, &s, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(s, 1, SECRET_KEY, -1, SQLITE_STATIC);
            sqlite3_bind_text(s, 2, fresh_hex, -1, SQLITE_STATIC);
            rc = sqlite3_step(s);
        }
        sqlite3_finalize(s);
        if (rc != SQLITE_DONE && rc != SQLITE_OK)
            return kb_err_set(err, KB_EIO, "cannot store the install secret: %s",
                              sqlite3_errmsg(kb_store_db(st)));
        hex = kb_store_meta_get(st, SECRET_KEY);
        if (!hex || strlen(hex) != 64) {
            free(hex);
            return kb_err_set(err, KB_ECORRUPT, "the store's install secret is unreadable");
        }
    }
    unsigned char secret[32];
    size_t n = 0;
    int bad = sodium_hex2bin(secret, sizeof secret, hex, 64, NULL, &n, NULL) != 0 || n != 32;
    free(hex);
    if (bad)
        return kb_err_set(err, KB_ECORRUPT, "the store's install secret is not hex");
    kb_cap_keys_from(secret, k);
    sodium_memzero(secret, sizeof secret);
    return 0;
}

/* ---- visitor ids: "v1." id "." mac ---- */

void kb_visitor_new(const struct kb_cap_keys *k, char out[KB_VISITOR_LEN + 1])
{
    unsigned char id[16], mac[crypto_auth_BYTES];
    randombytes_buf(id, sizeof id);
    crypto_auth(mac, id, sizeof id, k->visitor);
    char a[sodium_base64_ENCODED_LEN(16, B64)], b[sodium_base64_ENCODED_LEN(16, B64)];
    sodium_bin2base64(a, sizeof a, id, sizeof id, B64);
    sodium_bin2base64(b, sizeof b, mac, 16, B64);
    snprintf(out, KB_VISITOR_LEN + 1, "v1.%s.%s", a, b);
}

int kb_visitor_valid(const struct kb_cap_keys *k, const char *s)
{
    if (!s || strncmp(s, "v1.", 3) != 0 || strlen(s) > KB_VISITOR_LEN)
        return 0;
    const char *dot = strchr(s + 3, '.');
    if (!dot)
        return 0;
    unsigned char id[16], got[16], mac[crypto_auth_BYTES];
    size_t n = 0, m = 0;
    if (sodium_base642bin(id, sizeof id, s + 3, (size_t)(dot - s - 3), NULL, &n, NULL, B64) ||
        n != sizeof id)
        return 0;
    if (sodium_base642bin(got, sizeof got, dot + 1, strlen(dot + 1), NULL, &m, NULL, B64) ||
        m != sizeof got)
        return 0;
    crypto_auth(mac, id, sizeof id, k->visitor);
    return sodium_memcmp(mac, got, sizeof got) == 0;
}

/* ---- search ids ----
 * nonce (16) | number and node, encrypted (12) | issued-here mac (8) |
 * bound-to mac (16), base64url: 70 characters. */

#define SID_NONCE 16
#define SID_BODY 12
#define SID_ANY 8
#define SID_BOUND 16
#define SID_RAW (SID_NONCE + SID_BODY + SID_ANY + SID_BOUND)

static void sid_stream(const struct kb_cap_keys *k, const unsigned char *nonce,
                       unsigned char *body)
{
    unsigned char n24[crypto_stream_xchacha20_NONCEBYTES] = {0};
    memcpy(n24, nonce, SID_NONCE);
    crypto_stream_xchacha20_xor(body, body, SID_BODY, n24, k->sid_enc);
}

static void sid_mac_any(const struct kb_cap_keys *k, const unsigned char *raw,
                        unsigned char out[SID_ANY])
{
    unsigned char mac[crypto_auth_BYTES];
    crypto_auth(mac, raw, SID_NONCE + SID_BODY, k->sid_any);
    memcpy(out, mac, SID_ANY);
}

static void sid_mac_bound(const struct kb_cap_keys *k, const unsigned char *raw, int role,
                          const char *visitor, unsigned char out[SID_BOUND])
{
    crypto_auth_hmacsha512256_state h;
    unsigned char mac[crypto_auth_hmacsha512256_BYTES], r = (unsigned char)role;
    crypto_auth_hmacsha512256_init(&h, k->sid_bound, 32);
    crypto_auth_hmacsha512256_update(&h, raw, SID_NONCE + SID_BODY);
    crypto_auth_hmacsha512256_update(&h, &r, 1);
    if (visitor)
        crypto_auth_hmacsha512256_update(&h, (const unsigned char *)visitor, strlen(visitor));
    crypto_auth_hmacsha512256_final(&h, mac);
    memcpy(out, mac, SID_BOUND);
}

void kb_sid_encode(const struct kb_cap_keys *k, int64_t id, uint32_t node, int role,
                   const char *visitor, char out[KB_SID_LEN + 1])
{
    unsigned char raw[SID_RAW];
    randombytes_buf(raw, SID_NONCE);
    uint64_t u = (uint64_t)id;
    for (int i = 0; i < 8; i++)
        raw[SID_NONCE + i] = (unsigned char)(u >> (8 * i));
    for (int i = 0; i < 4; i++)
        raw[SID_NONCE + 8 + i] = (unsigned char)(node >> (8 * i));
    sid_stream(k, raw, raw + SID_NONCE);
    sid_mac_any(k, raw, raw + SID_NONCE + SID_BODY);
    sid_mac_bound(k, raw, role, visitor, raw + SID_NONCE + SID_BODY + SID_ANY);
    sodium_bin2base64(out, KB_SID_LEN + 1, raw, sizeof raw, B64);
}

int kb_sid_decode(const struct kb_cap_keys *k, const char *s, int role, const char *visitor,
                  int64_t *id, uint32_t *node, int *bound)
{
    unsigned char raw[SID_RAW], mac[SID_BOUND];
    size_t n = 0;
    *id = 0;
    *node = 0;
    *bound = 0;
    if (!s || strlen(s) > KB_SID_LEN ||
        sodium_base642bin(raw, sizeof raw, s, strlen(s), NULL, &n, NULL, B64) != 0 ||
        n != sizeof raw)
        return KB_EINVAL;
    sid_mac_any(k, raw, mac);
    if (sodium_memcmp(mac, raw + SID_NONCE + SID_BODY, SID_ANY) != 0)
        return KB_EINVAL;
    sid_mac_bound(k, raw, role, visitor, mac);
    *bound = sodium_memcmp(mac, raw + SID_NONCE + SID_BODY + SID_ANY, SID_BOUND) == 0;
    sid_stream(k, raw, raw + SID_NONCE);
    uint64_t u = 0;
    uint32_t nd = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)raw[SID_NONCE + i] << (8 * i);
    for (int i = 0; i < 4; i++)
        nd |= (uint32_t)raw[SID_NONCE + 8 + i] << (8 * i);
    *id = (int64_t)u;
    *node = nd;
    return 0;
}

void kb_cap_hash(const struct kb_cap_keys *k, const char *s, char out[33])
{
    unsigned char h[16];
    crypto_generichash(h, sizeof h, (const unsigned char *)(s ? s : ""), s ? strlen(s) : 0,
                       k->hash, 32);
    sodium_bin2hex(out, 33, h, sizeof h);
}

void kb_cap_network(const char *addr, char *out, size_t size)
{
    unsigned char b[16];
    char t[INET6_ADDRSTRLEN];
    if (!addr)
        addr = "";
    if (inet_pton(AF_INET, addr, b) == 1) {
        snprintf(out, size, "%u.%u.%u.0/24", b[0], b[1], b[2]);
    } else if (inet_pton(AF_INET6, addr, b) == 1) {
        /* An IPv4-mapped address is its IPv4 network. */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, 12) == 0) {
            snprintf(out, size, "%u.%u.%u.0/24", b[12], b[13], b[14]);
            return;
        }
        memset(b + 8, 0, 8);
        inet_ntop(AF_INET6, b, t, sizeof t);
        snprintf(out, size, "%s/64", t);
    } else {
        snprintf(out, size, "%s", addr);
    }
}
