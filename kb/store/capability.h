/* Signed identifiers the server hands out and later believes without a
 * look-up: visitor ids (a customer's browser keeps one: first-party cookie
 * or the widget's header) and search ids (a capability naming one search,
 * bound to the role and visitor that made it). Keys derive from one
 * install secret kept in the store's meta table, so replicas, which copy
 * the store, accept what the primary issued and the other way round. */
#ifndef KB_CAPABILITY_H
#define KB_CAPABILITY_H

#include <stddef.h>
#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kb_cap_keys {
    unsigned char visitor[32]; /* signs visitor ids */
    unsigned char sid_enc[32]; /* hides a search id's number */
    unsigned char sid_any[32]; /* proves a search id was issued here */
    unsigned char sid_bound[32]; /* binds it to a role and visitor */
    unsigned char hash[32];    /* keyed hash of visitors and networks */
};

/* Reads the install secret from the store (creating it on first use) and
 * derives the keys. */
int kb_cap_keys_load(struct kb_store *st, struct kb_cap_keys *k, struct kb_err *err);
/* Derives the keys from a 32-byte secret (tests, tools). */
void kb_cap_keys_from(const unsigned char secret[32], struct kb_cap_keys *k);

#define KB_VISITOR_LEN 48 /* "v1." + 22 id + "." + 22 mac, and room */

/* A new visitor id into out (NUL-terminated, at most KB_VISITOR_LEN). */
void kb_visitor_new(const struct kb_cap_keys *k, char out[KB_VISITOR_LEN + 1]);
/* 1 when s is a visitor id this install issued, else 0. */
int kb_visitor_valid(const struct kb_cap_keys *k, const char *s);

#define KB_SID_LEN 72 /* a search id's text, at most */

/* Encodes search number id of node (0 = the primary) for the search made by
 * role and visitor (NULL = none) into out: an opaque string of URL-safe
 * characters that shows neither the number nor the order of searches. */
void kb_sid_encode(const struct kb_cap_keys *k, int64_t id, uint32_t node, int role,
                   const char *visitor, char out[KB_SID_LEN + 1]);
/* Decodes s. Returns 0 with *id and *node when this install issued s, and
 * *bound = 1 when it was issued to role and visitor; KB_EINVAL when s is
 * not a search id issued here (forged, altered, another install's). */
int kb_sid_decode(const struct kb_cap_keys *k, const char *s, int role, const char *visitor,
                  int64_t *id, uint32_t *node, int *bound);

/* A keyed hash of s (a visitor id, an address, a network) as 32 hex
 * characters: what the learning evidence keeps instead of the value. */
void kb_cap_hash(const struct kb_cap_keys *k, const char *s, char out[33]);
/* The network of a client address: IPv4 /24 ("192.0.2.0/24"), IPv6 /64;
 * anything else as it is. */
void kb_cap_network(const char *addr, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
