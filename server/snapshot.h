/* A value every request reads and an occasional reload replaces (the brand,
 * the locales): readers take the current pointer without a lock; a replaced
 * value is kept, not freed, until srv_snapshot_free_all at exit, so a reader
 * never holds a freed one. Replacements are rare (an admin's change), so
 * what is kept stays small. */
#ifndef KB_SNAPSHOT_H
#define KB_SNAPSHOT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

struct srv_snapshot {
    _Atomic(void *) cur;
    pthread_mutex_t mu;
    void **old;
    size_t nold;
    void (*free_fn)(void *);
};

#define SRV_SNAPSHOT_INIT(free_fn) {NULL, PTHREAD_MUTEX_INITIALIZER, NULL, 0, free_fn}

/* The current value, or NULL before the first srv_snapshot_set. Borrowed
 * until srv_snapshot_free_all. */
void *srv_snapshot_get(struct srv_snapshot *s);
/* Makes fresh (takes ownership) the current value; the previous one is kept. */
void srv_snapshot_set(struct srv_snapshot *s, void *fresh);
/* Frees the current and every kept value with free_fn (at exit). */
void srv_snapshot_free_all(struct srv_snapshot *s);

#endif
