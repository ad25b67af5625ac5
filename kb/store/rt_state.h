/* The Request Tracker sync's own state in the store: its settings (RT's URL,
 * auth token, queue, custom-field names) and its cursor, each a JSON text
 * under a name. The table stays on the primary: never in a replica's
 * changesets nor in its snapshot (the token is a credential). */
#ifndef KB_STORE_RT_STATE_H
#define KB_STORE_RT_STATE_H

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KB_RT_STATE_SETTINGS "settings"
#define KB_RT_STATE_CURSOR "cursor"

/* The schema step that creates the table (store_schema.c). */
extern const char kb_rt_state_schema_sql[];

/* The value stored under name into *value (caller frees; NULL when none
 * is stored). 0 or a store error. */
int kb_rt_state_get(struct kb_store *st, const char *name, char **value, struct kb_err *err);
/* Stores value (a JSON text; NULL deletes) under name, durably. */
int kb_rt_state_set(struct kb_store *st, const char *name, const char *value,
                    struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
