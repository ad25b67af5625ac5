/* The replica's own search log. Searches answered by a replica are logged
 * in its store copy, which the next copy replaces: so they are shipped to
 * the primary (POST SRV_SEARCHES_PATH, answered here on the primary), and
 * the search_id a client got from the replica is translated into the
 * primary's before an event naming it is forwarded. Each copy numbers its
 * own searches from scale_local_base(gen) + 1, far above the primary's ids,
 * so an id tells whose it is and which copy made it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/base/role.h"
#include "kb/store/capability.h"
#include "kb/store/events.h"
#include "server/scale/scale_int.h"
#include "server/search_log.h"

#define LOCAL_ID_MIN ((int64_t)1 << 32)

int64_t scale_local_base(uint64_t gen)
{
    return (int64_t)((gen % ((uint64_t)1 << 20)) + 1) << 32;
}

/* The primary's ids of the last ID_MAP_SIZE shipped searches, by local id:
 * written by the forwarder thread, read by the HTTP threads. */
#define ID_MAP_SIZE 65536
static struct {
    int64_t local, primary;
} id_map[ID_MAP_SIZE];
static pthread_mutex_t id_map_mu = PTHREAD_MUTEX_INITIALIZER;

static void id_map_put(int64_t local, int64_t primary)
{
    pthread_mutex_lock(&id_map_mu);
    id_map[(uint64_t)local % ID_MAP_SIZE].local = local;
    id_map[(uint64_t)local % ID_MAP_SIZE].primary = primary;
    pthread_mutex_unlock(&id_map_mu);
}

static int64_t id_map_get(int64_t local)
{
    pthread_mutex_lock(&id_map_mu);
    int64_t p = id_map[(uint64_t)local % ID_MAP_SIZE].local == local
                    ? id_map[(uint64_t)local % ID_MAP_SIZE].primary
                    : 0;
    pthread_mutex_unlock(&id_map_mu);
    return p;
}

/* ---- the primary's side ---- */

void srv_scale_h_searches(struct srv_ctx *c, const struct srv_req *r, struct srv_resp *w)
{
    json_t *o = srv_body_object(r, w);
    if (!o)
        return;
    json_t *list = json_object_get(o, "searches");
    if (!json_is_array(list) || json_array_size(list) > SHIP_BATCH) {
        srv_error(w, 400, "bad_field", "field 'searches' must be an array of at most %d",
                  SHIP_BATCH);
        json_decref(o);
        return;
    }
    struct kb_err err;
    json_t *ids = json_array();
    size_t n = json_array_size(list);
    /* All checked first: a bad record logs none of the batch. */
    for (size_t i = 0; i < n; i++) {
        json_int_t t = 0, nres = 0;
        const char *q = NULL, *role = NULL, *endpoint = NULL, *locale = NULL;
        struct kb_search_row row;
        if (json_unpack(json_array_get(list, i), "{s:I, s:s, s:s, s:s, s:I, s?s}", "time", &t,
                        "query", &q, "role", &role, "endpoint", &endpoint, "results", &nres,
                        "locale", &locale) != 0 ||
            kb_role_parse(role) < 0 || nres < 0) {
            srv_error(w, 400, "bad_field", "searches[%zu] needs time, query, role, endpoint and "
                      "results", i);
            goto out;
        }
        if (kb_search_row_make((int64_t)t, q, kb_role_parse(role), endpoint, (uint64_t)nres,
                               locale, &row, &err) != 0) {
            srv_error(w, 400, "bad_field", "searches[%zu]: %s", i, err.msg);
            goto out;
        }
        kb_search_row_release(&row);
    }
    /* Numbered by the batched log like the primary's own searches, so that
     * no id is handed out twice. */
    for (size_t i = 0; i < n; i++) {
        json_int_t t = 0, nres = 0;
        const char *q = NULL, *role = NULL, *endpoint = NULL, *locale = NULL;
        json_unpack(json_array_get(list, i), "{s:I, s:s, s:s, s:s, s:I, s?s}", "time", &t,
                    "query", &q, "role", &role, "endpoint", &endpoint, "results", &nres,
                    "locale", &locale);
        int64_t id = srv_search_log(c, (int64_t)t, q, kb_role_parse(role), endpoint,
                                    (uint64_t)nres, locale, NULL);
        json_array_append_new(ids, json_integer(id));
    }
    srv_json(w, 200, json_pack("{s:O}", "ids", ids));
out:
    json_decref(ids);
    json_decref(o);
}

/* ---- the replica's side ---- */

/* Kept in the copy itself, so that a replica restarted on it does not ship
 * the same searches twice. */
#define META_SHIPPED "replica:searches_shipped"

static void record_shipped(struct scale_ship_src *src)
{
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)src->shipped);
    kb_store_meta_set(src->st, META_SHIPPED, v, NULL);
}

/* The request body for rows: {"searches": [{time, query, ...}, ...]}.
 * Caller frees; NULL when it cannot be made. */
static char *ship_body(const struct kb_search_row *rows, size_t n)
{
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct kb_search_row *s = &rows[i];
        json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:I}", "time", (json_int_t)s->time, "query",
                              s->query, "role", kb_role_name(s->role), "endpoint", s->endpoint,
                              "results", (json_int_t)s->results);
        if (e && s->locale)
            json_object_set_new(e, "locale", json_string(s->locale));
        json_array_append_new(list, e ? e : json_null());
    }
    json_t *body = json_pack("{s:o}", "searches", list);
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return text;
}

/* Sends the next batch of src's own searches. Returns how many were
 * shipped, or -1 when the primary did not take them. */
static int ship_batch(struct scale_ship_src *src)
{
    struct kb_search_row *rows = NULL;
    size_t n = 0;
    if (kb_events_search_rows_after(src->st, src->shipped, SHIP_BATCH, &rows, &n, NULL) != 0)
        return -1;
    if (n == 0)
        return 0;
    char *text = ship_body(rows, n);
    struct kb_http_resp resp;
    struct kb_err err;
    kb_http_resp_init(&resp);
    int rc = text ? scale_call("POST", SRV_SEARCHES_PATH, "Content-Type: application/json\r\n",
                               1, text, strlen(text), PROBE_TIMEOUT_MS * 5, 1 << 20, &resp, &err)
                  : KB_EIO;
    free(text);
    int shipped = -1;
    json_t *j = rc == 0 && resp.status == 200 ? json_loadb(resp.body.data, resp.body.len, 0, NULL)
                                               : NULL;
    json_t *ids = json_object_get(j, "ids");
    if (json_array_size(ids) == n) {
        for (size_t i = 0; i < n; i++)
            id_map_put(rows[i].id, json_integer_value(json_array_get(ids, i)));
        src->shipped = rows[n - 1].id;
        shipped = (int)n;
        record_shipped(src);
    } else if (rc == 0 && resp.status >= 400 && resp.status < 500) {
        /* Refused for good (a bad row, or a token without the admin role):
         * skip the batch rather than retry it for ever. */
        kb_log(KB_LOG_WARN, "replica: the primary refused %zu logged searches (HTTP %ld); "
               "skipped", n, resp.status);
        src->shipped = rows[n - 1].id;
        shipped = (int)n;
        record_shipped(src);
    }
    json_decref(j);
    kb_http_resp_release(&resp);
    kb_search_rows_free(rows, n);
    return shipped;
}

static void ship_all(struct scale_ship_src *src)
{
    int n;
    while (src->st && !atomic_load(&scale.stop) && (n = ship_batch(src)) == SHIP_BATCH)
        ;
}

void scale_ship_searches(struct scale_ship_src *cur, struct scale_ship_src *old)
{
    char path[4096];
    uint64_t gen = srv_scale_store(path, sizeof path);
    if (gen != cur->gen) {
        if (old->st) {
            ship_all(old);
            kb_store_close(old->st);
        }
        *old = *cur;
        old->retired = scale_mono_ms();
        memset(cur, 0, sizeof *cur);
        struct kb_err err;
        if (kb_store_open(path, &cur->st, &err) != 0) {
            kb_log(KB_LOG_WARN, "replica: search log: %s", err.msg);
            cur->st = NULL;
        }
        cur->gen = gen;
        cur->shipped = scale_local_base(gen);
        char *v = cur->st ? kb_store_meta_get(cur->st, META_SHIPPED) : NULL;
        if (v && atoll(v) > cur->shipped)
            cur->shipped = atoll(v);
        free(v);
    }
    ship_all(old);
    if (old->st && scale_mono_ms() - old->retired > 5000) {
        kb_store_close(old->st);
        old->st = NULL;
    }
    ship_all(cur);
}

/* Keeps the search_id when it is the primary's already (or no search id of
 * this install: the primary records the event without a search),
 * translates it when shipped, else drops it (the event still counts, under
 * its query). A search id of this replica is decoded with the poster's
 * identity (ident) and made again as the primary's, bound to the same role
 * and ident when it was bound to them, to nobody otherwise; the primary
 * checks the role itself. */
char *scale_translate_search_id(const char *body, size_t len, const char *ident,
                                int *unshipped)
{
    *unshipped = 0;
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    json_t *v = json_object_get(j, "search_id");
    char *out = NULL;
    const struct kb_cap_keys *caps = &scale.srv->caps;
    int64_t id = 0;
    uint32_t node = 0;
    int bound = 0, role = KB_ROLE_CUSTOMER;
    if (json_is_string(v) &&
        kb_sid_decode(caps, json_string_value(v), role, ident, &id, &node, &bound) == 0 &&
        node == scale.srv->node && id > LOCAL_ID_MIN) {
        /* The role it was issued to, if to this ident at all. */
        for (int k = KB_ROLE_CUSTOMER; k <= KB_ROLE_ADMIN && !bound; k++) {
            kb_sid_decode(caps, json_string_value(v), k, ident, &id, &node, &bound);
            role = k;
        }
        int64_t p = id_map_get(id);
        if (p > 0) {
            char sid[KB_SID_LEN + 1];
            kb_sid_encode(caps, p, 0, role, bound ? ident : NULL, sid);
            json_object_set_new(j, "search_id", json_string(sid));
        } else {
            json_object_del(j, "search_id");
            *unshipped = 1;
        }
        out = json_dumps(j, JSON_COMPACT);
    }
    json_decref(j);
    return out;
}
