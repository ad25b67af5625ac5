/* The Request Tracker destination of contact requests (see contact.h):
 * one ticket per request, exactly once. The ticket is filed into the
 * configured queue with the customer as requestor, the subject, the
 * description as its first message and the request's idempotency key in a
 * ticket custom field (deploy/rt/kb-initialdata makes "KB Request Key");
 * the deflection trail follows as a comment. Before any attempt that may
 * follow one that reached RT (a retry, an admin's included, or a row left
 * in flight by a killed server: created before this worker started), RT is
 * searched for the key
 * and a ticket found there is recorded instead of filing another. A
 * comment that failed fails the attempt; the retry finds the ticket and
 * adds the comment unless ours is already there. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "contact.h"
#include "kb/base/log.h"
#include "kb/net/rt_ticket.h"

static _Atomic int64_t worker_since;

void srv_contact_rt_since(int64_t started_ms)
{
    atomic_store(&worker_since, started_ms);
}

static const char *cfg_get(json_t *cfg, const char *key)
{
    return json_string_value(json_object_get(cfg, key));
}

/* One part of the trail ("shown" or "opened") under its heading. */
static void trail_part(struct kb_buf *b, json_t *trail, const char *part, const char *heading)
{
    json_t *arr = json_object_get(trail, part);
    kb_buf_printf(b, "%s:\n", heading);
    if (!json_array_size(arr)) {
        kb_buf_adds(b, "  (none)\n");
        return;
    }
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *a = json_array_get(arr, i);
        const char *title = json_string_value(json_object_get(a, "title"));
        kb_buf_printf(b, "  KB-%lld", (long long)json_integer_value(json_object_get(a, "number")));
        kb_buf_printf(b, "%s%s\n", title ? "  " : "", title ? title : "");
    }
}

/* The comment that carries the deflection trail (caller frees). */
static char *trail_comment(const struct kb_contact_job *j, const char *key_field)
{
    struct kb_buf b = KB_BUF_INIT;
    kb_buf_printf(&b, "Contact request CR-%lld from %s <%s>, sent from the help center.\n\n",
                  (long long)j->id, j->name, j->email);
    json_t *trail = json_loads(j->trail ? j->trail : "{}", 0, NULL);
    trail_part(&b, trail, "shown", "Articles the help center suggested before it was sent");
    trail_part(&b, trail, "opened", "Articles the customer opened");
    json_decref(trail);
    kb_buf_printf(&b, "\nIdempotency key: %s (custom field \"%s\")\n", j->key, key_field);
    return kb_buf_detach(&b);
}

int srv_contact_rt_send(const struct kb_contact_job *j, json_t *cfg, char **ticket,
                        struct kb_err *err)
{
    *ticket = NULL;
    struct kb_rt_conn c = {cfg_get(cfg, "url"), cfg_get(cfg, "token"), cfg_get(cfg, "ca_file"),
                           SRV_CONTACT_TIMEOUT_MS};
    const char *field = cfg_get(cfg, "key_field") ? cfg_get(cfg, "key_field") : KB_RT_KEY_FIELD;
    const char *queue = cfg_get(cfg, "queue");
    if (!queue || !*queue)
        return kb_err_set(err, KB_EINVAL, "Request Tracker: no queue configured");
    int code = kb_rt_name_check("key_field", field, err);
    if (code)
        return code;
    int64_t id = 0;
    int found = 0, commented = 0;
    if (j->tried || j->created < atomic_load(&worker_since)) {
        if ((code = kb_rt_ticket_find(&c, field, j->key, &id, err)) != 0)
            return code;
        found = id > 0;
        if (found)
            kb_log(KB_LOG_INFO, "contact: CR-%lld: Request Tracker already has ticket %lld with "
                   "its key: recorded, not filed again", (long long)j->id, (long long)id);
        if (found && (code = kb_rt_ticket_commented(&c, id, &commented, err)) != 0)
            return code;
    }
    if (!found) {
        struct kb_rt_ticket_in in = {queue, j->email, j->subject, j->description, field, j->key,
                                     j->earlier_today > 0};
        if ((code = kb_rt_ticket_create(&c, &in, &id, err)) != 0)
            return code;
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        kb_log(KB_LOG_INFO, "contact: CR-%lld filed as Request Tracker ticket %lld, %lld ms "
               "after it was accepted", (long long)j->id, (long long)id,
               (long long)((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000 - j->created));
    }
    /* Not the address's first request today: the requestor is added after
     * the create (again after a retry: setting it twice changes nothing). */
    if (j->earlier_today > 0 && (code = kb_rt_ticket_set_requestor(&c, id, j->email, err)) != 0)
        return code;
    if (!commented) {
        char *text = trail_comment(j, field);
        code = kb_rt_ticket_comment(&c, id, text, err);
        free(text);
        if (code) {
            char why[sizeof err->msg];
            snprintf(why, sizeof why, "%s", err ? err->msg : "");
            return kb_err_set(err, code, "Request Tracker ticket %lld filed, its trail comment "
                              "not: %s", (long long)id, why);
        }
    }
    char num[32];
    snprintf(num, sizeof num, "%lld", (long long)id);
    *ticket = kb_xstrdup(num);
    return 0;
}
