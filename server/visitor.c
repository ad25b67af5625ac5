/* Who a request comes from, as the learning rules and the per-visitor rate
 * limits count it: the visitor id the server issued and signed (kept by
 * the help center as a first-party cookie, by the widget in a header), or
 * the client's address when there is none. A visitor id is believed only
 * when this install signed it; one from a request body never is. */
#include <stdio.h>
#include <string.h>

#include "srv.h"

void srv_visitor_resolve(struct srv *s, struct srv_req *r, int issue)
{
    const char *v = srv_header(r, SRV_VISITOR_HEADER);
    if (!v || !kb_visitor_valid(&s->caps, v))
        v = srv_cookie(r, SRV_VISITOR_COOKIE);
    if (v && kb_visitor_valid(&s->caps, v)) {
        snprintf(r->visitor, sizeof r->visitor, "%s", v);
    } else if (issue) {
        kb_visitor_new(&s->caps, r->visitor);
        r->visitor_issued = 1;
    } else {
        r->visitor[0] = '\0';
    }
    if (r->visitor[0])
        snprintf(r->ident, sizeof r->ident, "%s", r->visitor);
    else
        snprintf(r->ident, sizeof r->ident, "addr:%s", r->client ? r->client : "");
    kb_cap_hash(&s->caps, r->ident, r->ident_hash);
    char net[128];
    kb_cap_network(r->client, net, sizeof net);
    kb_cap_hash(&s->caps, net, r->net_hash);
}

void srv_visitor_headers(const struct srv *s, const struct srv_req *r, struct srv_resp *w)
{
    /* An error answer never carries one: two 404s (a hidden article, a
     * number never used) stay byte for byte the same. */
    if (!r->visitor_issued || !r->visitor[0] || w->status >= 400)
        return;
    char cookie[KB_VISITOR_LEN + 128];
    snprintf(cookie, sizeof cookie,
             SRV_VISITOR_COOKIE "=%s; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax%s",
             r->visitor, s->opts.secure_cookies ? "; Secure" : "");
    srv_header_add(w, "Set-Cookie", cookie);
    srv_header_add(w, SRV_VISITOR_HEADER, r->visitor);
}
