/* An in-process stand-in for server/http_mhd.c and server/sync_thread.c, so
 * the fuzz targets call kb-server's real route table and handlers without
 * sockets: query arguments, headers and cookies come from a struct fuzz_conn
 * (srv_arg/srv_header/srv_cookie are defined here), the outbox is applied to
 * the index synchronously, and the store and index live in a scratch
 * directory holding the sample knowledge base, one user per role and an API
 * token. fuzz_srv_request checks the request the way http_mhd.c's dispatch
 * does, calls the handler, and then checks the response: a status from 100
 * to 599 and not 500, valid UTF-8, and valid JSON for JSON responses. */
#ifndef KB_FUZZ_SRV_HARNESS_H
#define KB_FUZZ_SRV_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "server/srv.h"

#define FUZZ_MAX_KV 32

struct fuzz_kv {
    const char *name, *value;
};

/* The parts of a request MHD would have parsed. Strings are borrowed. */
struct fuzz_conn {
    struct fuzz_kv args[FUZZ_MAX_KV];
    int nargs;
    struct fuzz_kv headers[FUZZ_MAX_KV];
    int nheaders;
    struct fuzz_kv cookies[FUZZ_MAX_KV];
    int ncookies;
};

/* Builds the scratch knowledge base once (repo root from $KB_FUZZ_ROOT,
 * default "."). */
void fuzz_srv_init(void);

/* Parses a query string ("a=1&b=%20x") into conn's args, decoding as MHD
 * does; the decoded strings are written into the caller's buf (at least
 * len + 1 bytes). */
void fuzz_srv_parse_query(struct fuzz_conn *conn, char *buf, const char *qs, size_t len);
/* Parses a Cookie header value into conn's cookies (strings in buf, at least
 * strlen(value) + 1 bytes). */
void fuzz_srv_parse_cookies(struct fuzz_conn *conn, char *buf, const char *value);
/* Decodes %XX in place (as MHD_http_unescape); returns the new length. */
size_t fuzz_srv_unescape(char *s);

/* Runs one request. role < 0: who comes from the Authorization header or the
 * session cookie, as in production; otherwise the request is made as a user
 * of that role (KB_ROLE_CUSTOMER: anonymous). Returns the HTTP status. */
int fuzz_srv_request(const char *method, const char *path, struct fuzz_conn *conn,
                     const char *body, size_t body_len, int role);

/* Runs a request written as text:
 *     METHOD TARGET [ROLE]          (TARGET: /path?query, %XX-encoded)
 *     Name: value                   (with_headers only; up to an empty line;
 *     Cookie: kb_session=@SESSION@   "@TOKEN@" and "@SESSION@" become an admin
 *                                    API token and session id)
 *     body...
 * ROLE is customer, agent, writer or admin; without it who comes from the
 * headers. Returns the status, or 0 when the text is not a request. */
int fuzz_srv_run_text(const uint8_t *data, size_t size, int with_headers);

#endif
