/* GET /api/v1/emerging: the emerging problems of the last detection cycle
 * (of tickets, contact requests and customers' searches), for staff only
 * (agents and up; customers never see any of it). */
#include <stdlib.h>
#include <string.h>

#include "emerging.h"
#include "kb/emerging/emerging.h"
#include "srv.h"

static void h_emerging(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    (void)r;
    char *text = srv_emerging_last(c->srv);
    if (!text) {
        /* No cycle yet (just started), or no detection thread here (a
         * replica): one cycle on this request's handles. */
        struct kb_index *ix = srv_index(c, w);
        if (!ix)
            return;
        struct kb_emerging_report *rep = NULL;
        struct kb_err err;
        if (kb_emerging_detect(c->st, ix, NULL, &rep, &err) != 0) {
            srv_kb_error(w, &err);
            return;
        }
        text = kb_emerging_json(rep);
        kb_emerging_report_free(rep);
    }
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    if (!j) {
        srv_error(w, 500, "internal", "cannot build the report");
        return;
    }
    srv_header_add(w, "Cache-Control", "private, no-store");
    srv_json(w, 200, j);
}

const struct srv_route srv_routes_emerging[] = {
    {"GET", "/api/v1/emerging", h_emerging, KB_ROLE_AGENT, 0,
     "emerging problems (staff): topics of recent tickets (contact-form requests included) and "
     "of customers' searches well above their own baseline: {\"problems\": [{\"source\": "
     "\"tickets\"|\"searches\" (searches count distinct visitors, at most 3 a network), "
     "\"key\", \"words\", \"count\", \"baseline\", \"baseline_count\", \"baseline_days\", "
     "\"p_value\", \"since\", \"hourly\", \"examples\": [{\"kind\": \"ticket\"|\"contact\"|"
     "\"search\", \"text\" (redacted), \"time\", ...}], \"products\", \"units\", "
     "\"article\": {...}|null, \"deflection\": {\"searches\", \"filed\", \"filed_share\"}}], "
     "\"topics\", \"search_topics\", \"recent_tickets\", \"recent_queries\", ...}"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
