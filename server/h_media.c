/* GET /kb/media/<key>: images imported with articles (Mallard <media>),
 * served from the store with their own safe content type: customers get
 * those a public article shows, staff all; an SVG can run nothing (a
 * sandboxing Content-Security-Policy), and nothing is sniffed. */
#include <stdlib.h>
#include <string.h>

#include "html_tpl.h"
#include "kb/base/log.h"
#include "kb/ingest/ingest.h"
#include "kb/store/media_store.h"
#include "srv.h"

static void h_media(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *key = r->nparams ? r->param[0] : "";
    const char *type = kb_media_type(key); /* static: the one type the name allows */
    char *stored = NULL, *data = NULL;
    size_t len = 0;
    struct kb_err err;
    if (!type || !kb_media_src_ok(key) ||
        kb_media_get(c->st, key, r->who.role < KB_ROLE_AGENT, &stored, &data, &len, &err) != 0 ||
        strcmp(stored, type) != 0) {
        free(stored);
        free(data);
        tpl_not_found(w, r);
        return;
    }
    free(stored);
    kb_buf_release(&w->body);
    w->body.data = data;
    w->body.len = len;
    w->body.cap = len + 1;
    w->status = 200;
    w->type = type;
    /* dispatch adds X-Content-Type-Options: nosniff to every answer */
    srv_header_add(w, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; "
                                                 "sandbox");
    /* An image is public only while a public published article shows it
     * (media_refs): a shared cache keeps it 5 minutes, so one hidden again is
     * gone from caches soon after. */
    srv_header_add(w, "Cache-Control", r->who.role < KB_ROLE_AGENT ? "public, max-age=300"
                                                                   : "private, max-age=600");
}

const struct srv_route srv_routes_media[] = {
    {"GET", "/kb/media/*", h_media, KB_ROLE_CUSTOMER, 0,
     "An image imported with an article (customers: those public articles show)"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
