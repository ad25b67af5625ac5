/* Fixed-window rate limits: see ratelimit.h. */
#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kb/base/err.h"

#define RL_SLOTS 4096

struct srv_ratelimit {
    pthread_mutex_t mu;
    struct {
        char key[64];
        time_t window;
        unsigned count;
    } slot[RL_SLOTS];
};

struct srv_ratelimit *srv_ratelimit_new(void)
{
    struct srv_ratelimit *rl = kb_xcalloc(1, sizeof *rl);
    pthread_mutex_init(&rl->mu, NULL);
    return rl;
}

void srv_ratelimit_free(struct srv_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl);
}

int srv_rate_ok(struct srv_ratelimit *rl, const char *key, unsigned limit, unsigned seconds,
                unsigned *retry)
{
    unsigned h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    time_t now = time(NULL), window = now / (time_t)seconds;
    pthread_mutex_lock(&rl->mu);
    __typeof__(rl->slot[0]) *s = &rl->slot[h % RL_SLOTS];
    if (s->window != window || strcmp(s->key, key) != 0) {
        snprintf(s->key, sizeof s->key, "%s", key);
        s->window = window;
        s->count = 0;
    }
    int ok = ++s->count <= limit;
    pthread_mutex_unlock(&rl->mu);
    *retry = (unsigned)((window + 1) * (time_t)seconds - now);
    if (*retry < 1)
        *retry = 1;
    return ok;
}
