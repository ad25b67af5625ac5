/* Who a request is: its bearer API token or session cookie resolved into
 * a struct srv_who (anonymous: a customer). Every route's role check reads
 * this; the login, logout and account routes are h_auth.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/base/log.h"
#include "kb/store/auth.h"
#include "srv.h"

#define COOKIE "kb_session"

/* Copies s into out (size bytes), cut at a UTF-8 character boundary. */
static void copy_utf8(char *out, size_t size, const char *s)
{
    size_t n = strlen(s);
    if (n >= size) {
        n = size - 1;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

int srv_auth_resolve(struct srv_ctx *c, const struct srv_req *r, struct srv_who *who)
{
    struct kb_err err;
    memset(who, 0, sizeof *who);
    who->role = KB_ROLE_CUSTOMER;

    /* A bearer token is explicit: if it is presented and bad, say so. */
    const char *authz = srv_header(r, "Authorization");
    if (authz) {
        if (strncasecmp(authz, "Bearer ", 7) != 0)
            return -1;
        const char *tok = authz + 7;
        while (*tok == ' ')
            tok++;
        char buf[KB_AUTH_TOKEN_LEN + 2];
        size_t n = strcspn(tok, " \t");
        if (n > KB_AUTH_TOKEN_LEN || tok[n + strspn(tok + n, " \t")] != '\0')
            return -1;
        memcpy(buf, tok, n);
        buf[n] = '\0';
        struct kb_auth_token t;
        int code = kb_auth_token_check(c->st, buf, &t, &err);
        if (code) {
            if (code != KB_ENOTFOUND)
                kb_log(KB_LOG_ERROR, "auth: %s", err.msg);
            return -1;
        }
        who->role = t.role;
        who->user_id = -t.id; /* tokens are not users: negative ids, never 0 */
        char name[sizeof t.name + 8];
        snprintf(name, sizeof name, "token:%s", t.name);
        copy_utf8(who->username, sizeof who->username, name);
        who->via_token = 1;
        return 0;
    }

    /* A stale session cookie (expired, logged out elsewhere) makes an
     * anonymous customer rather than a 401: browsers keep sending it to
     * every page, the login page and its scripts included. Routes that need
     * a role still answer 401, and /api/v1/me clears the cookie. */
    const char *sid = srv_cookie(r, COOKIE);
    if (sid && *sid) {
        struct kb_auth_user u;
        int code = kb_auth_session_check(c->st, sid, &u, &err);
        if (code == 0) {
            who->role = u.role;
            who->user_id = u.id;
            copy_utf8(who->username, sizeof who->username, u.username);
            who->via_cookie = 1;
        } else if (code != KB_ENOTFOUND) {
            kb_log(KB_LOG_ERROR, "auth: %s", err.msg);
            return -1;
        }
    }
    return 0;
}

