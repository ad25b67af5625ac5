/* Request Tracker to the store: the mapping of a ticket and one incremental
 * run (see rt_sync.h).
 *
 * The cursor is RT's LastUpdated of the last ticket synced, with the ids
 * already synced at that second. LastUpdated has one-second granularity, so
 * each run asks again for ">= cursor" and drops those ids; but only ids
 * read once their second was over (KB_RT_SETTLED_S) are dropped, since a
 * ticket read during its second may change again within it. Within a run
 * the pages are keyed on (LastUpdated, id) rather than numbered: a ticket
 * updated while the run pages would move to the end of a numbered listing
 * and shift one ticket it had not yet seen onto a page already read. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/ingest/ingest.h"
#include "kb/store/rt_state.h"
#include "kb/sync/rt_sync.h"

/* ---- mapping ------------------------------------------------------------- */

char *kb_rt_sync_article_ref(const char *text)
{
    for (const char *p = text; p && *p; p++) {
        if ((p[0] != 'K' && p[0] != 'k') || (p[1] != 'B' && p[1] != 'b') || p[2] != '-' ||
            !isdigit((unsigned char)p[3]))
            continue;
        if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '-' || p[-1] == '_'))
            continue;
        size_t n = 3;
        while (isdigit((unsigned char)p[n]))
            n++;
        if (n - 3 > 12 || isalnum((unsigned char)p[n]) || p[n] == '_')
            continue;
        char *ref = kb_xmalloc(n + 1);
        memcpy(ref, "KB-", 3);
        memcpy(ref + 3, p + 3, n - 3);
        ref[n] = '\0';
        return ref;
    }
    return NULL;
}

/* A message's plain text, cut to KB_RT_SYNC_TEXT_MAX at a UTF-8 boundary
 * (caller frees; NULL when blank). */
static char *message_text(const struct kb_rt_message *m)
{
    char *t = m->html ? kb_html_text(m->text, strlen(m->text)) : kb_xstrdup(m->text);
    size_t n = strlen(t);
    if (n > KB_RT_SYNC_TEXT_MAX) {
        n = KB_RT_SYNC_TEXT_MAX;
        while (n && ((unsigned char)t[n] & 0xC0) == 0x80)
            n--;
        t[n] = '\0';
    }
    while (n && isspace((unsigned char)t[n - 1]))
        t[--n] = '\0';
    size_t lead = strspn(t, " \t\r\n");
    if (!t[lead]) {
        free(t);
        return NULL;
    }
    memmove(t, t + lead, n - lead + 1);
    return t;
}

/* s with runs of white space as one space, trimmed (caller frees). */
static char *one_line(const char *s)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    int space = 0;
    for (; s && *s; s++) {
        if (isspace((unsigned char)*s)) {
            space = b.len > 0;
            continue;
        }
        if (space)
            kb_buf_addc(&b, ' ');
        space = 0;
        kb_buf_addc(&b, *s);
    }
    return kb_buf_detach(&b);
}

static const char *cf_value(const struct kb_rt_ticket *t, const char *name)
{
    return name ? json_string_value(json_object_get(t->cf, name)) : NULL;
}

void kb_rt_sync_doc(const struct kb_rt_sync_cfg *cfg, const struct kb_rt_ticket *t,
                    const struct kb_rt_message *m, size_t n, struct kb_doc *out)
{
    kb_doc_init(out);
    out->kind = KB_KIND_TICKET;
    out->audience = KB_AUD_INTERNAL;
    out->status = KB_STATUS_PUBLISHED;
    char id[48];
    snprintf(id, sizeof id, KB_RT_SYNC_PREFIX "%lld", (long long)t->id);
    kb_doc_set(&out->source_id, id);
    out->title = one_line(t->subject);
    if (!*out->title) {
        free(out->title);
        snprintf(id, sizeof id, "RT ticket %lld", (long long)t->id);
        out->title = kb_xstrdup(id);
    }
    /* The first message describes the problem; the last reply or comment
     * after it is how it was solved. */
    size_t first = n, last = n;
    for (size_t i = 0; i < n; i++) {
        if (first == n && !strcmp(m[i].type, "Create"))
            first = i;
        else if (strcmp(m[i].type, "Create") != 0 && *m[i].text)
            last = i;
    }
    if (first == n && n > 0 && last != 0)
        first = 0; /* no Create transaction readable: the oldest message */
    out->description = first < n ? message_text(&m[first]) : NULL;
    out->resolution = last < n && last != first ? message_text(&m[last]) : NULL;
    kb_doc_set(&out->customer, t->requestor);
    kb_doc_set(&out->team, t->queue);
    kb_doc_set(&out->category, cf_value(t, cfg->cf_category));
    kb_doc_set(&out->product, cf_value(t, cfg->cf_product));
    kb_doc_set(&out->unit, cf_value(t, cfg->cf_unit));
    out->linked_article = kb_rt_sync_article_ref(out->resolution);
    if (!out->linked_article)
        out->linked_article = kb_rt_sync_article_ref(out->description);
    if (!out->linked_article)
        out->linked_article = kb_rt_sync_article_ref(out->title);
    /* The same text as a ticket import's (kb/ingest): description, then
     * resolution. */
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    if (out->description)
        kb_buf_adds(&b, out->description);
    if (out->resolution) {
        if (b.len)
            kb_buf_adds(&b, "\n\n");
        kb_buf_adds(&b, out->resolution);
    }
    out->text = kb_buf_detach(&b);
    out->created = t->created;
    out->resolved = t->resolved ? t->resolved : t->updated;
    out->updated = t->updated;
}

/* ---- the cursor ---------------------------------------------------------- */

struct cursor {
    int64_t time;  /* LastUpdated of the last ticket synced; 0: none yet */
    int64_t *ids;  /* synced at that second, read after it was over */
    size_t n, cap;
    int utc_checked; /* RT was seen to read our TicketSQL times as UTC */
};

static void cursor_add(struct cursor *c, int64_t id)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 16;
        c->ids = kb_xrealloc(c->ids, c->cap * sizeof *c->ids);
    }
    c->ids[c->n++] = id;
}

static int cursor_has(const struct cursor *c, int64_t id)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->ids[i] == id)
            return 1;
    return 0;
}

static int cursor_load(struct kb_store *st, struct cursor *c, struct kb_err *err)
{
    memset(c, 0, sizeof *c);
    char *text = NULL;
    int code = kb_rt_state_get(st, KB_RT_STATE_CURSOR, &text, err);
    if (code || !text)
        return code;
    json_t *j = json_loads(text, 0, NULL);
    free(text);
    json_t *t = json_object_get(j, "time"), *ids = json_object_get(j, "ids");
    if (!json_is_integer(t) || !json_is_array(ids)) {
        json_decref(j);
        return kb_err_set(err, KB_ECORRUPT, "the stored rt sync cursor is damaged: reset it "
                          "with 'kb-indexer sync-rt --reset'");
    }
    c->time = (int64_t)json_integer_value(t);
    c->utc_checked = json_is_true(json_object_get(j, "utc_checked"));
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v)
        if (json_is_integer(v))
            cursor_add(c, (int64_t)json_integer_value(v));
    json_decref(j);
    return 0;
}

static int cursor_save(struct kb_store *st, const struct cursor *c, struct kb_err *err)
{
    json_t *ids = json_array();
    for (size_t i = 0; i < c->n; i++)
        json_array_append_new(ids, json_integer(c->ids[i]));
    json_t *j = json_pack("{s:I, s:o, s:b}", "time", (json_int_t)c->time, "ids", ids,
                          "utc_checked", c->utc_checked);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int code = kb_rt_state_set(st, KB_RT_STATE_CURSOR, text, err);
    free(text);
    return code;
}

/* ---- one run ------------------------------------------------------------- */

static void conn_of(const struct kb_rt_sync_cfg *cfg, struct kb_rt_conn *c)
{
    c->url = cfg->url;
    c->token = cfg->token;
    c->ca_file = cfg->ca_file;
    c->timeout_ms = cfg->timeout_ms;
}

static int is_resolved(const struct kb_rt_sync_cfg *cfg, const char *status)
{
    for (size_t i = 0; i < cfg->nstatuses; i++)
        if (status && strcasecmp(cfg->statuses[i], status) == 0)
            return 1;
    return 0;
}

/* The TicketSQL of the next page: tickets after (time, after_id). */
static char *page_query(const struct kb_rt_sync_cfg *cfg, int64_t time, int64_t after_id)
{
    struct kb_buf q = KB_BUF_INIT;
    if (cfg->queue)
        kb_buf_printf(&q, "Queue = '%s' AND ", cfg->queue);
    if (time <= 0) {
        kb_buf_printf(&q, "id > %lld", (long long)after_id);
    } else {
        char ts[32];
        time_t tt = (time_t)time;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
        kb_buf_printf(&q, "(LastUpdated > '%s' OR (LastUpdated >= '%s' AND id > %lld))", ts, ts,
                      (long long)after_id);
    }
    return kb_buf_detach(&q);
}

/* One listed ticket past the cursor, read before the page's transaction:
 * its kb ticket when resolved (RT's calls stay outside the write lock). */
struct item {
    int64_t id, updated;
    int resolved;
    const char *status;
    struct kb_doc doc;
};

/* The page's resolved tickets' messages, read at once, into their docs. */
static int items_read(const struct kb_rt_sync_cfg *cfg, const struct kb_rt_conn *conn,
                      const struct kb_rt_ticket *const *t, struct item *items, size_t n,
                      struct kb_err *err)
{
    int64_t *ids = kb_xcalloc(n + 1, sizeof *ids);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        items[i].id = t[i]->id;
        items[i].updated = t[i]->updated;
        items[i].status = t[i]->status;
        items[i].resolved = is_resolved(cfg, t[i]->status);
        kb_doc_init(&items[i].doc);
        if (items[i].resolved)
            ids[k++] = t[i]->id;
    }
    struct kb_rt_message *m = NULL;
    size_t nm = 0;
    int code = kb_rt_read_messages(conn, ids, k, &m, &nm, err);
    free(ids);
    if (code)
        return code;
    for (size_t i = 0; i < n; i++) {
        if (!items[i].resolved)
            continue;
        size_t at = 0, hi = nm; /* the first message of the ticket: m is by ticket */
        while (at < hi) {
            size_t mid = at + (hi - at) / 2;
            if (m[mid].ticket < t[i]->id)
                at = mid + 1;
            else
                hi = mid;
        }
        size_t end = at;
        while (end < nm && m[end].ticket == t[i]->id)
            end++;
        kb_rt_sync_doc(cfg, t[i], m + at, end - at, &items[i].doc);
    }
    kb_rt_messages_free(m, nm);
    return 0;
}

/* Stores it, or removes the ticket when it is no longer resolved. */
static int item_store(struct kb_store *st, const struct item *it, struct kb_rt_sync_stats *s,
                      struct kb_err *err)
{
    struct kb_err e;
    int code;
    if (!it->resolved) {
        char id[48];
        snprintf(id, sizeof id, KB_RT_SYNC_PREFIX "%lld", (long long)it->id);
        int kind = 0;
        int64_t number = 0;
        code = kb_store_find(st, id, &kind, &number, &e);
        if (code == KB_ENOTFOUND || (code == 0 && kind != KB_KIND_TICKET)) {
            s->skipped++;
            return 0;
        }
        if (code == 0)
            code = kb_store_remove(st, KB_KIND_TICKET, number, &e);
        if (code)
            return kb_err_set(err, code, "RT ticket %lld (now '%s'): %s", (long long)it->id,
                              it->status ? it->status : "?", e.msg);
        s->removed++;
        return 0;
    }
    int result = 0;
    int64_t number = 0;
    if ((code = kb_store_put(st, &it->doc, NULL, &result, &number, &e)) != 0)
        return kb_err_set(err, code, "RT ticket %lld: %s", (long long)it->id, e.msg);
    if (result == KB_PUT_ADDED)
        s->added++;
    else if (result == KB_PUT_UPDATED)
        s->updated++;
    else
        s->unchanged++;
    return 0;
}

/* Stores items (n of them) and the cursor after the last one stored in one
 * transaction. Returns the first error; what came before it is kept. */
static int page_store(struct kb_store *st, struct item *items, size_t n, struct cursor *cur,
                      struct kb_rt_sync_stats *s, struct kb_err *err)
{
    int code = kb_store_begin(st, err), changed = 0;
    if (code)
        return code;
    for (size_t i = 0; i < n; i++) {
        if ((code = item_store(st, &items[i], s, err)) != 0)
            break;
        if (items[i].updated != cur->time) {
            cur->time = items[i].updated;
            cur->n = 0;
            changed = 1;
        }
        if ((int64_t)time(NULL) >= cur->time + KB_RT_SYNC_SETTLED_S &&
            !cursor_has(cur, items[i].id)) {
            cursor_add(cur, items[i].id);
            changed = 1;
        }
    }
    /* A cursor that did not move is not written again. */
    struct kb_err serr;
    int scode = changed ? cursor_save(st, cur, &serr) : 0;
    if (scode == 0)
        scode = kb_store_commit(st, &serr);
    else
        kb_store_rollback(st);
    if (scode && !code) {
        *err = serr;
        code = scode;
    }
    return code;
}

/* Once per cursor (at the start of a run, and at the end of one that made
 * the cursor): RT reads the times of our TicketSQL in its user's time
 * zone. A ticket synced at the cursor's second must be found by
 * "LastUpdated >= <that second in UTC>"; when it is not, RT's zone is behind
 * UTC and the runs would skip tickets: an error that says so. */
static int check_utc(struct kb_store *st, const struct kb_rt_sync_cfg *cfg,
                     const struct kb_rt_conn *conn, struct cursor *cur, struct kb_err *err)
{
    if (cur->utc_checked || cur->time <= 0 || cur->n == 0)
        return 0;
    struct kb_rt_sync_cfg any_queue = *cfg; /* the ticket may have moved since */
    any_queue.queue = NULL;
    char *q = page_query(&any_queue, cur->time, 0);
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "id = %lld AND %s", (long long)cur->ids[0], q);
    free(q);
    struct kb_rt_ticket *t = NULL;
    size_t n = 0;
    int code = kb_rt_read_tickets(conn, kb_buf_str(&b), 1, 1, &t, &n, err);
    kb_buf_release(&b);
    kb_rt_tickets_free(t, n);
    if (code)
        return code;
    if (n == 0) {
        struct kb_rt_ticket one;
        if (kb_rt_read_ticket(conn, cur->ids[0], &one, err) != 0)
            return 0; /* gone from RT (or out of sight): nothing to tell */
        kb_rt_ticket_release(&one);
        return kb_err_set(err, KB_EINVAL, "Request Tracker reads the sync's times in a time zone "
                          "behind UTC, so it would skip tickets: give the token's RT user the "
                          "time zone UTC (or Set($Timezone, 'UTC') in RT)");
    }
    cur->utc_checked = 1;
    return cursor_save(st, cur, err);
}

int kb_rt_sync_run(struct kb_store *st, const struct kb_rt_sync_cfg *cfg,
                   struct kb_rt_sync_stats *stats, struct kb_err *err)
{
    struct kb_rt_sync_stats s;
    memset(&s, 0, sizeof s);
    struct kb_rt_conn conn;
    conn_of(cfg, &conn);
    struct cursor cur;
    int code = cursor_load(st, &cur, err);
    if (code == 0)
        code = check_utc(st, cfg, &conn, &cur, err);
    int64_t key_time = cur.time, key_id = 0; /* the run's place: (LastUpdated, id) */
    int more = code == 0, page = 1;
    while (more) {
        char *q = page_query(cfg, key_time, key_id);
        struct kb_rt_ticket *t = NULL;
        size_t n = 0;
        code = kb_rt_read_tickets(&conn, q, page, cfg->per_page, &t, &n, err);
        free(q);
        if (code)
            break;
        more = n == (size_t)cfg->per_page;
        /* The page's tickets past the run's key (RT's order is ours,
         * (LastUpdated, id); anything before the key, from RT reading our
         * time in a zone east of UTC, was synced), less the cursor's
         * second's tickets synced already. */
        const struct kb_rt_ticket **todo = kb_xcalloc(n ? n : 1, sizeof *todo);
        size_t k = 0;
        int progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (t[i].updated < key_time || (t[i].updated == key_time && t[i].id <= key_id))
                continue;
            progress = 1;
            s.seen++;
            key_time = t[i].updated;
            key_id = t[i].id;
            if (t[i].updated == cur.time && cursor_has(&cur, t[i].id))
                s.duplicates++;
            else
                todo[k++] = &t[i];
        }
        struct item *items = kb_xcalloc(k ? k : 1, sizeof *items);
        code = items_read(cfg, &conn, todo, items, k, err);
        free(todo);
        if (code)
            k = 0;
        /* The tickets read before any error are stored, with the cursor. */
        struct kb_err perr;
        int pcode = k ? page_store(st, items, k, &cur, &s, &perr) : 0;
        for (size_t i = 0; i < k; i++)
            kb_doc_release(&items[i].doc);
        free(items);
        kb_rt_tickets_free(t, n);
        if (pcode && !code) {
            *err = perr;
            code = pcode;
        }
        if (code)
            break;
        /* A page wholly before the key: the next one of the same query. */
        page = progress ? 1 : page + 1;
    }
    /* The first run's cursor is checked at its end rather than at the start
     * of the next (whose time, with nothing new, is one call to RT). */
    if (code == 0)
        code = check_utc(st, cfg, &conn, &cur, err);
    s.cursor = cur.time;
    free(cur.ids);
    if (stats)
        *stats = s;
    return code;
}

/* ---- the agent console --------------------------------------------------- */

int kb_rt_sync_case(const struct kb_rt_sync_cfg *cfg, int64_t id, struct kb_rt_ticket *t,
                    char **text, struct kb_err *err)
{
    *text = NULL;
    struct kb_rt_conn conn;
    conn_of(cfg, &conn);
    int code = kb_rt_read_ticket(&conn, id, t, err);
    if (code)
        return code;
    struct kb_rt_message *m = NULL;
    size_t n = 0;
    if ((code = kb_rt_read_messages(&conn, &id, 1, &m, &n, err)) != 0) {
        kb_rt_ticket_release(t);
        return code;
    }
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_add(&b, "", 0);
    for (size_t i = 0; i < n; i++) {
        char *s = message_text(&m[i]);
        if (s && b.len)
            kb_buf_adds(&b, "\n\n");
        if (s)
            kb_buf_adds(&b, s);
        free(s);
    }
    kb_rt_messages_free(m, n);
    *text = kb_buf_detach(&b);
    return 0;
}
