/* Values replaced now and then, read without a lock (see snapshot.h). */
#include "snapshot.h"

#include <stdlib.h>

void *srv_snapshot_get(struct srv_snapshot *s)
{
    return atomic_load(&s->cur);
}

void srv_snapshot_set(struct srv_snapshot *s, void *fresh)
{
    pthread_mutex_lock(&s->mu);
    void *prev = atomic_exchange(&s->cur, fresh);
    if (prev) {
        void **p = realloc(s->old, (s->nold + 1) * sizeof *p);
        if (!p)
            abort();
        s->old = p;
        s->old[s->nold++] = prev;
    }
    pthread_mutex_unlock(&s->mu);
}

void srv_snapshot_free_all(struct srv_snapshot *s)
{
    pthread_mutex_lock(&s->mu);
    void *cur = atomic_exchange(&s->cur, NULL);
    if (cur)
        s->free_fn(cur);
    for (size_t i = 0; i < s->nold; i++)
        s->free_fn(s->old[i]);
    free(s->old);
    s->old = NULL;
    s->nold = 0;
    pthread_mutex_unlock(&s->mu);
}
