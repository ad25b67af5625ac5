/* Route lookup over the handler files' tables. */
#ifndef KB_ROUTES_H
#define KB_ROUTES_H

#include <stdio.h>

#include "srv.h"

struct srv_match {
    char params[SRV_MAX_PARAMS][512];
    int nparams;
    int path_known;  /* some route has this path (for 405 versus 404) */
    int cors;        /* some route of this path is public cross-origin */
    char allow[64];  /* methods this path accepts, for Allow */
};

/* The route for method + path, or NULL (m->path_known tells 405 from 404). */
const struct srv_route *srv_route_find(const char *method, const char *path,
                                       struct srv_match *m);
/* The flags of the route for method + path (0 when none matches). */
int srv_route_flags(const char *method, const char *path);
/* Calls fn for every route (the OpenAPI description is built from them). */
void srv_route_each(void (*fn)(void *ud, const struct srv_route *r), void *ud);

#endif
