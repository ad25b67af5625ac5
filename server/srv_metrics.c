/* Prometheus metrics: request counts by route, method and status, and
 * latency histograms by route. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kb/search/result_cache.h"
#include "srv.h"

#define MAX_SERIES 128
static const double buckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
#define NBUCKETS (sizeof buckets / sizeof *buckets)

struct series {
    const char *route; /* static pattern strings, compared by value */
    const char *method;
    unsigned long long by_class[6]; /* 1xx..5xx */
    unsigned long long hist[NBUCKETS + 1];
    double sum;
    unsigned long long count;
};

struct srv_metrics {
    pthread_mutex_t mu;
    struct series s[MAX_SERIES];
    size_t n;
};

struct srv_metrics *srv_metrics_new(void)
{
    struct srv_metrics *m = kb_xcalloc(1, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    return m;
}

void srv_metrics_free(struct srv_metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void srv_metrics_observe(struct srv *s, const char *route, const char *method, int status,
                         double seconds)
{
    struct srv_metrics *m = s->metrics;
    if (!m)
        return;
    if (!route)
        route = "unmatched";
    pthread_mutex_lock(&m->mu);
    struct series *x = NULL;
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->s[i].route, route) == 0 && strcmp(m->s[i].method, method) == 0) {
            x = &m->s[i];
            break;
        }
    if (!x && m->n < MAX_SERIES) {
        x = &m->s[m->n++];
        memset(x, 0, sizeof *x);
        x->route = route;
        x->method = strcmp(method, "GET") == 0    ? "GET"
                    : strcmp(method, "POST") == 0 ? "POST"
                    : strcmp(method, "PUT") == 0  ? "PUT"
                    : strcmp(method, "DELETE") == 0 ? "DELETE"
                    : strcmp(method, "HEAD") == 0 ? "HEAD"
                                                  : "OTHER";
    }
    if (x) {
        int cls = status / 100;
        if (cls < 1 || cls > 5)
            cls = 5;
        x->by_class[cls]++;
        size_t b = 0;
        while (b < NBUCKETS && seconds > buckets[b])
            b++;
        x->hist[b]++;
        x->sum += seconds;
        x->count++;
    }
    pthread_mutex_unlock(&m->mu);
}

void srv_metrics_render(struct srv *s, struct kb_buf *out)
{
    struct srv_metrics *m = s->metrics;
    if (!m)
        return;
    (void)s;
    pthread_mutex_lock(&m->mu);
    kb_buf_adds(out, "# HELP kb_http_requests_total HTTP requests by route, method and status class.\n"
                     "# TYPE kb_http_requests_total counter\n");
    for (size_t i = 0; i < m->n; i++)
        for (int c = 1; c <= 5; c++)
            if (m->s[i].by_class[c])
                kb_buf_printf(out, "kb_http_requests_total{route=\"%s\",method=\"%s\",status=\"%dxx\"} %llu\n",
                              m->s[i].route, m->s[i].method, c, m->s[i].by_class[c]);
    kb_buf_adds(out, "# HELP kb_http_request_duration_seconds Time to answer, by route.\n"
                     "# TYPE kb_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < m->n; i++) {
        unsigned long long cum = 0;
        for (size_t b = 0; b < NBUCKETS; b++) {
            cum += m->s[i].hist[b];
            kb_buf_printf(out, "kb_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"%g\"} %llu\n",
                          m->s[i].route, m->s[i].method, buckets[b], cum);
        }
        cum += m->s[i].hist[NBUCKETS];
        kb_buf_printf(out, "kb_http_request_duration_seconds_bucket{route=\"%s\",method=\"%s\",le=\"+Inf\"} %llu\n",
                      m->s[i].route, m->s[i].method, cum);
        kb_buf_printf(out, "kb_http_request_duration_seconds_sum{route=\"%s\",method=\"%s\"} %.6f\n",
                      m->s[i].route, m->s[i].method, m->s[i].sum);
        kb_buf_printf(out, "kb_http_request_duration_seconds_count{route=\"%s\",method=\"%s\"} %llu\n",
                      m->s[i].route, m->s[i].method, m->s[i].count);
    }
    pthread_mutex_unlock(&m->mu);
    struct kb_result_cache_stats cs;
    kb_result_cache_stats(&cs);
    kb_buf_printf(out,
                  "# HELP kb_search_cache_hits_total Searches and typeahead answered from the result cache.\n"
                  "# TYPE kb_search_cache_hits_total counter\n"
                  "kb_search_cache_hits_total %llu\n"
                  "# HELP kb_search_cache_misses_total Searches and typeahead the cache could not answer.\n"
                  "# TYPE kb_search_cache_misses_total counter\n"
                  "kb_search_cache_misses_total %llu\n"
                  "# HELP kb_search_cache_bytes Memory the cached results take (estimate).\n"
                  "# TYPE kb_search_cache_bytes gauge\n"
                  "kb_search_cache_bytes %llu\n"
                  "# HELP kb_search_cache_entries Cached results.\n"
                  "# TYPE kb_search_cache_entries gauge\n"
                  "kb_search_cache_entries %llu\n",
                  (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                  (unsigned long long)cs.bytes, (unsigned long long)cs.entries);
}
