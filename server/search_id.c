/* Search ids as clients see them: an opaque capability string (see
 * kb/store/capability.h) naming one row of the search log and the node that
 * logged it, bound to the role and visitor that searched. Only a search id
 * issued to the poster lets an event or vote teach; any other is recorded
 * without its search, with the same answer (no oracle). */
#include <string.h>

#include "srv.h"

void srv_sid_text(struct srv_ctx *c, const struct srv_req *r, int64_t id,
                  char out[KB_SID_LEN + 1])
{
    out[0] = '\0';
    if (id > 0)
        kb_sid_encode(&c->srv->caps, id, c->srv->node, r->who.role, r->ident, out);
}

json_t *srv_sid_json(struct srv_ctx *c, const struct srv_req *r, int64_t id)
{
    char s[KB_SID_LEN + 1];
    srv_sid_text(c, r, id, s);
    return s[0] ? json_string(s) : json_null();
}

void srv_sid_decode(struct srv_ctx *c, const struct srv_req *r, const char *text, int64_t *id,
                    int *bound)
{
    int64_t n = 0;
    uint32_t node = 0;
    int b = 0;
    *id = 0;
    *bound = 0;
    if (!text || !*text)
        return;
    if (kb_sid_decode(&c->srv->caps, text, r->who.role, r->ident, &n, &node, &b) != 0)
        return; /* forged or altered: recorded without a search */
    /* Another node's number names no row here (a replica translates its
     * own before it forwards them). */
    if (node != c->srv->node || n <= 0)
        return;
    *id = n;
    *bound = b;
}

int srv_sid_get(struct srv_ctx *c, const struct srv_req *r, json_t *obj, int64_t *id,
                int *bound, struct srv_resp *w)
{
    *id = 0;
    *bound = 0;
    json_t *v = json_object_get(obj, "search_id");
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        srv_error(w, 400, "bad_field", "search_id must be the string a search returned");
        return -1;
    }
    const char *s = json_string_value(v);
    if (json_string_length(v) <= KB_SID_LEN && strlen(s) == json_string_length(v))
        srv_sid_decode(c, r, s, id, bound);
    return 0;
}
