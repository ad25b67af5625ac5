/* The server's index-writer thread (sync_thread.c). */
#ifndef KB_SYNC_THREAD_H
#define KB_SYNC_THREAD_H

#include "srv.h"

/* Starts the thread; returns 0 or an errno value. */
int srv_sync_start(struct srv *s);
/* Applies what is pending, then stops the thread and closes the index. */
void srv_sync_stop(struct srv *s);
/* A hash of the store's synonym table (0 when it cannot be read): changes
 * when an admin adds or removes a synonym. */
uint64_t srv_synonyms_signature(struct kb_store *st);

#endif
