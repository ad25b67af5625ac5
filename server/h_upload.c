/* The editor's additions beside h_articles.c: POST /api/v1/media, an image
 * the writer uploads (the raw bytes as the body, at most KB_MEDIA_MAX =
 * 2 MiB, its type checked by its bytes) stored under the hash of its bytes;
 * and the JSON of what sanitising removed, which the preview and save
 * answers carry. */
#include <stdio.h>
#include <stdlib.h>

#include "kb/ingest/ingest.h"
#include "kb/store/media_store.h"
#include "srv.h"

json_t *srv_removed_json(const struct kb_san_report *rep)
{
    json_t *a = json_array();
    for (size_t i = 0; rep && i < rep->n; i++)
        json_array_append_new(a, json_pack("{s:s, s:i}", "what", rep->item[i].what, "count",
                                           (int)rep->item[i].count));
    if (rep && rep->other)
        json_array_append_new(a, json_pack("{s:s, s:i}", "what", "other kinds", "count",
                                           (int)rep->other));
    return a;
}

static void h_media_upload(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *type = NULL;
    struct kb_err err;
    int rc = kb_media_check_upload(srv_header(r, "Content-Type"), r->body, r->body_len, &type,
                                   &err);
    if (rc == KB_EFORMAT) {
        srv_error(w, 415, "unsupported_media_type", "%s", err.msg);
        return;
    }
    if (rc == KB_ETOOBIG) {
        srv_error(w, 413, "too_large", "%s", err.msg);
        return;
    }
    if (rc != 0) {
        srv_error(w, 400, "bad_image", "%s", err.msg);
        return;
    }
    char *key = NULL;
    if (kb_media_upload(c->st, type, r->body, r->body_len, &key, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    char url[400], md[420];
    snprintf(url, sizeof url, "/kb/media/%s", key);
    snprintf(md, sizeof md, "![](%s)", url);
    srv_header_add(w, "Location", url);
    srv_json(w, 201, json_pack("{s:s, s:s, s:s, s:I}", "url", url, "markdown", md, "type", type,
                               "bytes", (json_int_t)r->body_len));
    free(key);
}

const struct srv_route srv_routes_upload[] = {
    {"POST", "/api/v1/media", h_media_upload, KB_ROLE_WRITER, SRV_RAW_BODY | SRV_UPLOAD,
     "Upload an image for an article (body: the image, at most 2 MiB; Content-Type image/png, "
     "image/jpeg, image/gif or image/webp, matching its bytes); answers its /kb/media/ URL"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
