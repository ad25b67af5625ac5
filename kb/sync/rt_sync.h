/* Resolved tickets from Request Tracker into the store: the sync's settings,
 * an RT ticket mapped to a kb ticket (queue -> team, requestor -> customer,
 * custom fields -> category, product and unit, first message ->
 * description, last reply or comment -> resolution, a "KB-1042" in the
 * text -> linked article), and one incremental run from the stored cursor.
 * Tickets go in through kb_store_put like any import, so they teach only
 * the internal index and feed similar tickets; a ticket no longer resolved
 * in RT is removed. Also the text of one RT ticket for the agent console. */
#ifndef KB_SYNC_RT_SYNC_H
#define KB_SYNC_RT_SYNC_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/net/rt_read.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_RT_SYNC_PREFIX "rt-" /* a synced ticket's source id: "rt-<RT id>" */
#define KB_RT_SYNC_TEXT_MAX (256u * 1024u) /* bytes kept of one message */
#define KB_RT_SYNC_SETTLED_S 2 /* a second of LastUpdated this old is complete */

/* The settings, as the admin API and kb-indexer's config file give them.
 * Strings are owned. */
struct kb_rt_sync_cfg {
    char *url;      /* RT's base URL (http or https, host and port) */
    char *token;    /* an RT auth token; NULL when not given */
    char *ca_file;  /* PEM CA file for https, or NULL */
    char *queue;    /* only this queue's tickets; NULL: every queue the token sees */
    char *cf_category, *cf_product, *cf_unit; /* custom field names */
    char **statuses; /* the statuses that mean resolved (default: "resolved") */
    size_t nstatuses;
    long timeout_ms; /* each call to RT; 0: the HTTP client's default */
    int per_page;    /* tickets per search page (1..100) */
};

void kb_rt_sync_cfg_init(struct kb_rt_sync_cfg *cfg);
void kb_rt_sync_cfg_release(struct kb_rt_sync_cfg *cfg);
/* Reads settings from the JSON object j into cfg (initialised by this call;
 * release it even on error): "url" (required), "token", "ca_file", "queue",
 * "custom_fields": {"category","product","unit"}, "resolved_statuses",
 * "timeout_ms", "per_page". Unknown keys and wrong types are KB_EINVAL
 * naming the key. */
int kb_rt_sync_cfg_parse(json_t *j, struct kb_rt_sync_cfg *cfg, struct kb_err *err);
/* cfg as JSON (new reference); with the token only when with_token. */
json_t *kb_rt_sync_cfg_json(const struct kb_rt_sync_cfg *cfg, int with_token);
/* The settings stored by the admin API into cfg: *found 0 (and cfg
 * initialised, empty) when none are stored. */
int kb_rt_sync_cfg_load(struct kb_store *st, struct kb_rt_sync_cfg *cfg, int *found,
                        struct kb_err *err);
/* Stores cfg (token included) as the sync's settings. */
int kb_rt_sync_cfg_save(struct kb_store *st, const struct kb_rt_sync_cfg *cfg,
                        struct kb_err *err);

/* Reads an RT auth token from the file at path (its first line, white
 * space trimmed) into cfg->token, replacing any. KB_EIO or KB_EINVAL naming
 * the file when it cannot be read, is empty or too long. */
int kb_rt_sync_token_file(struct kb_rt_sync_cfg *cfg, const char *path, struct kb_err *err);
/* Reads settings from the JSON file at path into cfg (as
 * kb_rt_sync_cfg_parse); errors name the file. */
int kb_rt_sync_cfg_file(const char *path, struct kb_rt_sync_cfg *cfg, struct kb_err *err);

/* The first "KB-<digits>" in text (any case) as "KB-<digits>" (caller
 * frees), or NULL. */
char *kb_rt_sync_article_ref(const char *text);

/* The kb ticket for RT ticket t with its messages m (oldest first) into out
 * (initialised by this call; caller releases). */
void kb_rt_sync_doc(const struct kb_rt_sync_cfg *cfg, const struct kb_rt_ticket *t,
                    const struct kb_rt_message *m, size_t n, struct kb_doc *out);

struct kb_rt_sync_stats {
    size_t seen;       /* tickets RT listed past the cursor */
    size_t added, updated, unchanged; /* resolved tickets stored */
    size_t removed;    /* no longer resolved: taken out of the store */
    size_t skipped;    /* not resolved and never stored */
    size_t duplicates; /* listed again for the cursor's second, already synced */
    int64_t cursor;    /* the cursor after the run (Unix seconds of LastUpdated) */
};

/* One run: every ticket RT changed since the stored cursor (TicketSQL
 * LastUpdated >= cursor, every status), oldest first, page by page; each
 * resolved one stored (its messages read), each other one removed when it
 * was stored. Each page is one store transaction together with the cursor,
 * so the cursor never passes a ticket that was not stored: an error from
 * RT or the store ends the run with what came before it kept, and returns
 * the error (naming RT's call or the ticket). stats may be NULL. */
int kb_rt_sync_run(struct kb_store *st, const struct kb_rt_sync_cfg *cfg,
                   struct kb_rt_sync_stats *stats, struct kb_err *err);

/* RT ticket id for the agent console: into t (release with
 * kb_rt_ticket_release) and *text (caller frees): its messages' text, oldest
 * first, blank-line separated. */
int kb_rt_sync_case(const struct kb_rt_sync_cfg *cfg, int64_t id, struct kb_rt_ticket *t,
                    char **text, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
