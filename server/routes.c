/* The route tables of every handler file, and matching a path against them. */
#include <string.h>

#include "routes.h"

static const struct srv_route *const tables[] = {
    srv_routes_meta, srv_routes_search, srv_routes_review, srv_routes_articles, srv_routes_auth,
    srv_routes_tickets, srv_routes_events, srv_routes_analytics, srv_routes_brand,
    srv_routes_popular, srv_routes_pages,
    srv_routes_staff, srv_routes_scale, srv_routes_backup, srv_routes_customers,
    srv_routes_emerging, srv_routes_contact, srv_routes_contact_admin,
    srv_routes_rt, srv_routes_topics, srv_routes_media, srv_routes_upload,
};

/* Matches path against pattern, filling captures. A "{x}" segment takes one
 * non-empty path segment; a final "*" takes the rest (possibly empty). */
static int match(const char *pattern, const char *path, const char **caps, size_t *caplen,
                 int *ncaps)
{
    const char *p = pattern, *s = path;
    *ncaps = 0;
    while (*p) {
        if (*p == '*' && p[1] == '\0') {
            if (*ncaps < SRV_MAX_PARAMS) {
                caps[*ncaps] = s;
                caplen[(*ncaps)++] = strlen(s);
            }
            return 1;
        }
        if (*p == '{') {
            const char *close = strchr(p, '}');
            if (!close)
                return 0;
            size_t n = strcspn(s, "/");
            if (n == 0 || *ncaps >= SRV_MAX_PARAMS)
                return 0;
            caps[*ncaps] = s;
            caplen[(*ncaps)++] = n;
            s += n;
            p = close + 1;
            continue;
        }
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *s == '\0';
}

const struct srv_route *srv_route_find(const char *method, const char *path,
                                       struct srv_match *m)
{
    int path_known = 0;
    m->allow[0] = '\0';
    m->path_known = 0;
    m->cors = 0;
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++) {
        for (const struct srv_route *r = tables[t]; r->method; r++) {
            const char *caps[SRV_MAX_PARAMS];
            size_t caplen[SRV_MAX_PARAMS];
            int ncaps;
            if (!match(r->pattern, path, caps, caplen, &ncaps))
                continue;
            path_known = 1;
            if (r->flags & SRV_PUBLIC_CORS)
                m->cors = 1;
            if (!strstr(m->allow, r->method)) {
                size_t at = strlen(m->allow);
                snprintf(m->allow + at, sizeof m->allow - at, "%s%s", at ? ", " : "", r->method);
            }
            int same = strcmp(r->method, method) == 0 ||
                       (strcmp(method, "HEAD") == 0 && strcmp(r->method, "GET") == 0);
            if (!same)
                continue;
            m->path_known = 1;
            m->nparams = ncaps;
            for (int i = 0; i < ncaps; i++) {
                size_t n = caplen[i] < sizeof m->params[i] - 1 ? caplen[i] : sizeof m->params[i] - 1;
                memcpy(m->params[i], caps[i], n);
                m->params[i][n] = '\0';
            }
            return r;
        }
    }
    m->path_known = path_known;
    return NULL;
}

void srv_route_each(void (*fn)(void *ud, const struct srv_route *r), void *ud)
{
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const struct srv_route *r = tables[t]; r->method; r++)
            fn(ud, r);
}

int srv_route_flags(const char *method, const char *path)
{
    struct srv_match m;
    const struct srv_route *r = srv_route_find(method, path, &m);
    return r ? r->flags : 0;
}
