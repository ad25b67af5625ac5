/* The server's index-writer thread (sync_thread.c). */
#ifndef KB_SYNC_THREAD_H
#define KB_SYNC_THREAD_H

#include "srv.h"

/* Starts the thread; returns 0 or an errno value. */
int srv_sync_start(struct srv *s);
/* Applies what is pending, then stops the thread and closes the index. */
void srv_sync_stop(struct srv *s);

#endif
