/* Resolved tickets over HTTP: import (JSON array or JSONL, through the same
 * parser as kb-indexer) and previous cases of a customer or unit. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kb/ingest/ingest.h"
#include "kb/store/tickets.h"
#include "kb/sync/load.h"
#include "srv.h"

#define IMPORT_ERRORS_MAX 200

/* A bad record as the response lists it: the record number for one the
 * parser refused ("request:N"), the id for one the store refused. */
static void bad(void *ud, int fault, const char *where, const struct kb_doc *d, const char *why)
{
    json_t *errors = ud;
    if (json_array_size(errors) >= IMPORT_ERRORS_MAX)
        return;
    if (fault == KB_LOAD_UNREADABLE) {
        const char *colon = strrchr(where, ':');
        long rec = colon ? strtol(colon + 1, NULL, 10) : 0;
        json_array_append_new(errors, json_pack("{s:i, s:s}", "record", (int)rec, "error", why));
    } else if (fault == KB_LOAD_WRONG_KIND) {
        json_array_append_new(errors, json_pack("{s:s}", "error", why));
    } else {
        json_array_append_new(errors, json_pack("{s:s?, s:s}", "id", d->source_id, "error", why));
    }
}

static void h_import(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    if (r->body_len == 0) {
        srv_error(w, 400, "bad_request", "request body is empty: send a JSON array or JSONL of tickets");
        return;
    }
    struct kb_buf jsonl = KB_BUF_INIT;
    const char *data = r->body;
    size_t len = r->body_len;
    size_t skip = strspn(data, " \t\r\n");
    if (data[skip] == '[') {
        /* A JSON array: one record per line for the JSONL parser. */
        json_error_t je;
        json_t *arr = json_loadb(data, len, 0, &je);
        if (!arr || !json_is_array(arr)) {
            json_decref(arr);
            srv_error(w, 400, "bad_json", "request body is not a valid JSON array: %s at line %d",
                      je.text, je.line);
            return;
        }
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v) {
            char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
            kb_buf_adds(&jsonl, s ? s : "null");
            kb_buf_addc(&jsonl, '\n');
            free(s);
        }
        json_decref(arr);
        data = kb_buf_str(&jsonl);
        len = jsonl.len;
    }
    /* The whole import in one transaction: all of it or, on a store
     * error, none. */
    json_t *errors = json_array();
    struct kb_load im;
    kb_load_init(&im, c->st, 0);
    im.kind = KB_KIND_TICKET;
    im.bad = bad;
    im.ud = errors;
    struct kb_ingest_opts opts = {KB_AUD_INTERNAL, NULL, NULL, NULL};
    struct kb_ingest_sink sink = kb_load_sink(&im);
    int rc = kb_ingest_buffer("request", data, len, &opts, &sink);
    if (kb_load_finish(&im) != 0) {
        srv_kb_error(w, &im.err);
        goto out;
    }
    if (im.added + im.updated)
        srv_changed(c->srv);
    if (rc != 0 && im.added + im.updated + im.unchanged == 0) {
        json_t *e = json_array_get(errors, 0);
        srv_error(w, 400, "bad_request", "no ticket could be read: %s",
                  e ? json_string_value(json_object_get(e, "error")) : "unknown format");
        goto out;
    }
    srv_json(w, 200, json_pack("{s:I, s:I, s:I, s:I, s:O}", "added", (json_int_t)im.added,
                               "updated", (json_int_t)im.updated, "unchanged",
                               (json_int_t)im.unchanged, "failed", (json_int_t)im.failed, "errors",
                               errors));
out:
    json_decref(errors);
    kb_buf_release(&jsonl);
}

static void h_list(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    const char *customer = srv_arg(r, "customer"), *unit = srv_arg(r, "unit");
    long limit;
    if (srv_arg_int(r, "limit", 50, 1, 500, &limit, w))
        return;
    if ((!customer || !*customer) && (!unit || !*unit)) {
        srv_error(w, 400, "missing_parameter", "give 'customer' or 'unit'");
        return;
    }
    struct kb_doc *docs = NULL;
    size_t n = 0;
    struct kb_err err;
    if (kb_tickets_list(c->st, customer && *customer ? customer : NULL,
                        unit && *unit ? unit : NULL, (size_t)limit, &docs, &n, &err) != 0) {
        srv_kb_error(w, &err);
        return;
    }
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct kb_doc *t = &docs[i];
        /* A customer looked up by part of a name may be someone else ("Yuk"
         * finds Yukio Berg too), and a unit's tickets may be anyone's: as
         * in assist, only the customer given whole (any case) keeps their
         * personal data unredacted. */
        const char *names[1] = {NULL};
        size_t nn = 0;
        int other = !customer || !*customer || !t->customer || strcasecmp(customer, t->customer);
        if (other && t->customer)
            names[nn++] = t->customer;
        char *subject = other ? kb_redact(t->title, names, nn) : NULL;
        char *description = other ? kb_redact(t->description, names, nn) : NULL;
        char *resolution = other ? kb_redact(t->resolution, names, nn) : NULL;
        json_array_append_new(
            a, json_pack("{s:s, s:I, s:s, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:I, s:I}",
                         "id", t->source_id, "number", (json_int_t)t->number, "subject",
                         other ? subject : t->title, "description",
                         other ? description : t->description, "resolution",
                         other ? resolution : t->resolution, "customer",
                         t->customer, "unit", t->unit, "product", t->product, "category",
                         t->category, "team", t->team, "linked_article", t->linked_article,
                         "created", (json_int_t)t->created, "resolved", (json_int_t)t->resolved));
        free(subject);
        free(description);
        free(resolution);
    }
    kb_docs_free(docs, n);
    srv_json(w, 200, json_pack("{s:o}", "tickets", a));
}

const struct srv_route srv_routes_tickets[] = {
    {"POST", "/api/v1/tickets", h_import, KB_ROLE_AGENT, SRV_RAW_BODY,
     "import resolved tickets (JSON array or JSONL); bad records are reported and skipped"},
    {"GET", "/api/v1/tickets", h_list, KB_ROLE_AGENT, 0,
     "previous cases of a customer or a unit, newest first"},
    {NULL, NULL, NULL, 0, 0, NULL},
};
