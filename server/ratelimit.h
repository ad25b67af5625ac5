/* Fixed-window rate limits by key: searches per client address per second
 * (--rate-limit), events and votes per visitor per minute (--event-rate). */
#ifndef SRV_RATELIMIT_H
#define SRV_RATELIMIT_H

struct srv_ratelimit;

/* A limiter of 4,096 hashed slots; free with srv_ratelimit_free. */
struct srv_ratelimit *srv_ratelimit_new(void);
void srv_ratelimit_free(struct srv_ratelimit *rl);
/* 1 when key may make one more request in the current window of seconds
 * (at most limit a window); else 0 with *retry the seconds until the
 * window ends. */
int srv_rate_ok(struct srv_ratelimit *rl, const char *key, unsigned limit, unsigned seconds,
                unsigned *retry);

#endif
