/* The server's index-writer thread, and the WAL checkpointer thread beside
 * it (sync_thread.c). */
#ifndef KB_SYNC_THREAD_H
#define KB_SYNC_THREAD_H

#include "srv.h"

/* Starts the threads; returns 0 or an errno value (of the index writer:
 * without a checkpointer, request threads checkpoint for themselves). */
int srv_sync_start(struct srv *s);
/* Applies what is pending, then stops the threads and closes the index. */
void srv_sync_stop(struct srv *s);
/* Leaves the WAL checkpoints of st, a request thread's handle of the
 * store, to the checkpointer thread (kb_store_defer_checkpoints) while it
 * runs; while it does not (a replica, before it starts, after it stops), st
 * checkpoints for itself. */
void srv_sync_defer_checkpoints(struct srv *s, struct kb_store *st);

#endif
