/* kb's own search in-process (no HTTP), and the cost of the search log, for
 * the benchmark: where the time of an HTTP search goes.
 *
 *   kb_micro search DATA QUERIES THREADS SECS   customer search as h_search
 *                                              runs it (snippets, facets)
 *   kb_micro suggest DATA QUERIES THREADS SECS  typeahead as h_suggest runs it,
 *                                              each query cut inside its last
 *                                              word (as wrk/rotate.lua does);
 *                                              KB_MICRO_TYPED=1 takes each line
 *                                              as typed, KB_MICRO_LOCALE=L
 *                                              passes the customer's locale
 *   kb_micro assist DATA TICKETS THREADS SECS   agent assist as h_assist runs
 *                                              it: articles, then tickets, of
 *                                              a JSON line's subject and
 *                                              description (the store's ticket
 *                                              reads left out)
 *   kb_micro log DATA THREADS SECS             kb_events_search calls, as
 *                                              every HTTP search makes one;
 *                                              with KB_MICRO_CHECKPOINT=1 as
 *                                              kb-server's request threads
 *                                              make them: checkpoints left to
 *                                              a thread, as its sync thread
 * Each prints one JSON line: requests, rps, p50/p99/p99.9 in ms, errors.
 * The threads read QUERIES in order through one shared position (as the
 * peers' programs do), so no query is asked twice until the file is used
 * up: "repeats" counts the requests after that.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "kb/store/events.h"
#include "kb/index/index.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/hit_text.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The calling thread's CPU time: on a shared, loaded machine a better guide
 * to what a change saves than wall-clock latency. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static atomic_int stop;
static atomic_size_t next_q; /* the next line of QUERIES, for every thread */
static char **qs;
static size_t nq;
static const char *data;
static int mode_log;
enum { M_SEARCH, M_SUGGEST, M_ASSIST };
static int mode = M_SEARCH;

/* The first few errors on stderr: a count alone does not say what failed. */
static void report(const struct kb_err *err)
{
    static atomic_int shown;
    if (atomic_fetch_add(&shown, 1) < 3)
        fprintf(stderr, "kb_micro: %s\n", err->msg);
}

/* KB_MICRO_CHECKPOINT=1 (log): as kb-server, the workers' commits only wake
 * a checkpointer thread (server/sync_thread.c), which checkpoints when woken
 * and once a second. */
static int log_defer;
static atomic_int log_wanted;
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t log_cv = PTHREAD_COND_INITIALIZER;

static int log_wake(void *ud)
{
    (void)ud;
    if (!atomic_exchange(&log_wanted, 1)) {
        pthread_mutex_lock(&log_mu);
        pthread_cond_signal(&log_cv);
        pthread_mutex_unlock(&log_mu);
    }
    return 1;
}

static void *log_checkpointer(void *arg)
{
    struct kb_store *st = arg;
    struct kb_err err;
    while (!atomic_load(&stop)) {
        kb_store_checkpoint(st, NULL, NULL, &err);
        pthread_mutex_lock(&log_mu);
        if (!atomic_exchange(&log_wanted, 0)) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += 1;
            pthread_cond_timedwait(&log_cv, &log_mu, &until);
            atomic_store(&log_wanted, 0);
        }
        pthread_mutex_unlock(&log_mu);
    }
    return NULL;
}

struct worker {
    pthread_t th;
    double *lat, *cpu;
    size_t n, cap;
    long errors;
};

static void *run(void *arg)
{
    struct worker *w = arg;
    char path[4096];
    struct kb_err err;
    struct kb_index *ix = NULL;
    struct kb_store *st = NULL;
    if (mode_log) {
        snprintf(path, sizeof path, "%s/kb.sqlite3", data);
        if (kb_store_open(path, &st, &err) != 0) {
            fprintf(stderr, "kb_micro: %s\n", err.msg);
            exit(1);
        }
        if (log_defer)
            kb_store_defer_checkpoints(st, log_wake, NULL);
    } else {
        snprintf(path, sizeof path, "%s/index", data);
        if (kb_index_open(path, KB_INDEX_READ, &ix, &err) != 0) {
            fprintf(stderr, "kb_micro: %s\n", err.msg);
            exit(1);
        }
        /* Snippets read bodies from the store, as kb-server's do. */
        snprintf(path, sizeof path, "%s/kb.sqlite3", data);
        if (kb_store_open(path, &st, &err) != 0) {
            fprintf(stderr, "kb_micro: %s\n", err.msg);
            exit(1);
        }
    }
    while (!atomic_load(&stop)) {
        const char *q = qs[atomic_fetch_add(&next_q, 1) % nq];
        double a = now(), ca = cpu_now();
        if (mode_log) {
            int64_t id;
            if (kb_events_search(st, q, KB_ROLE_CUSTOMER, "search", 10, NULL, &id, &err) != 0)
                w->errors++;
        } else if (mode == M_SUGGEST) {
            struct kb_result *res = NULL;
            const char *loc = getenv("KB_MICRO_LOCALE");
            if (kb_suggest(ix, KB_ROLE_CUSTOMER, q, loc && *loc ? loc : NULL, 8, &res, &err) != 0)
                w->errors++, report(&err);
            kb_result_free(res);
        } else if (mode == M_ASSIST) {
            struct kb_search_opts o;
            kb_search_opts_init(&o);
            o.query = q;
            o.spelling = 0;
            o.kind = KB_KIND_ARTICLE;
            o.limit = 6;
            kb_hit_text_from_store(&o, st);
            struct kb_result *arts = NULL, *tix = NULL;
            char *reduced = NULL;
            if (kb_search_again(ix, KB_ROLE_AGENT, &o, &reduced, &arts, &err) != 0)
                w->errors++, report(&err);
            o.kind = KB_KIND_TICKET;
            o.limit = 8;
            o.snippets = 0;
            if (kb_search_again(ix, KB_ROLE_AGENT, &o, &reduced, &tix, &err) != 0)
                w->errors++, report(&err);
            free(reduced);
            kb_result_free(arts);
            kb_result_free(tix);
        } else {
            struct kb_search_opts o;
            kb_search_opts_init(&o);
            o.query = q;
            o.facets = 1;
            kb_hit_text_from_store(&o, st);
            /* KB_MICRO_OFF=facets,spelling,snippets: to see what each costs. */
            const char *off = getenv("KB_MICRO_OFF");
            if (off && strstr(off, "facets"))
                o.facets = 0;
            if (off && strstr(off, "spelling"))
                o.spelling = 0;
            if (off && strstr(off, "snippets"))
                o.snippets = 0;
            /* KB_MICRO_RANK="name=value name=value": ranking knobs. */
            const char *rk = getenv("KB_MICRO_RANK");
            if (rk) {
                char buf[512], *save = NULL;
                snprintf(buf, sizeof buf, "%s", rk);
                for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                    char *eq = strchr(t, '=');
                    if (eq) {
                        *eq = '\0';
                        kb_rank_opts_set(&o.rank, t, eq + 1, NULL);
                    }
                }
            }
            struct kb_result *res = NULL;
            if (kb_search(ix, KB_ROLE_CUSTOMER, &o, &res, &err) != 0)
                w->errors++, report(&err);
            kb_result_free(res);
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            w->lat = realloc(w->lat, w->cap * sizeof *w->lat);
            w->cpu = realloc(w->cpu, w->cap * sizeof *w->cpu);
        }
        w->cpu[w->n] = (cpu_now() - ca) * 1000.0;
        w->lat[w->n++] = (now() - a) * 1000.0;
    }
    kb_index_close(ix);
    kb_store_close(st);
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, size_t n, double p)
{
    if (!n)
        return 0;
    size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);
    return v[i < n ? i : n - 1];
}

static void load_queries(const char *file)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        exit(1);
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (!n)
            continue;
        char *q = NULL;
        if (mode == M_ASSIST) {
            /* subject + "\n" + description, as h_assist's case_text. */
            json_t *j = json_loads(line, 0, NULL);
            const char *subj = j ? json_string_value(json_object_get(j, "subject")) : NULL;
            const char *desc = j ? json_string_value(json_object_get(j, "description")) : NULL;
            size_t len = (subj ? strlen(subj) : 0) + 1 + (desc ? strlen(desc) : 0) + 1;
            if (j && (subj || desc)) {
                q = malloc(len);
                snprintf(q, len, "%s\n%s", subj ? subj : "", desc ? desc : "");
            }
            json_decref(j);
        } else if (mode == M_SUGGEST && getenv("KB_MICRO_TYPED")) {
            q = strdup(line); /* already what a customer has typed so far */
        } else if (mode == M_SUGGEST) {
            /* What a customer has typed so far: the last word cut short. */
            char *last = strrchr(line, ' ');
            last = last ? last + 1 : line;
            size_t keep = strlen(last) / 2 + 1;
            q = strndup(line, (size_t)(last - line) + keep);
        } else {
            q = strdup(line);
        }
        if (!q)
            continue;
        qs = realloc(qs, (nq + 1) * sizeof *qs);
        qs[nq++] = q;
    }
    free(line);
    fclose(f);
}

int main(int argc, char **argv)
{
    int threads;
    double secs;
    if (argc == 6 && (strcmp(argv[1], "search") == 0 || strcmp(argv[1], "suggest") == 0 ||
                      strcmp(argv[1], "assist") == 0)) {
        mode = strcmp(argv[1], "suggest") == 0  ? M_SUGGEST
               : strcmp(argv[1], "assist") == 0 ? M_ASSIST
                                                : M_SEARCH;
        load_queries(argv[3]);
        threads = atoi(argv[4]);
        secs = atof(argv[5]);
    } else if (argc == 5 && strcmp(argv[1], "log") == 0) {
        static char *one[] = {"bench search log query"};
        qs = one;
        nq = 1;
        mode_log = 1;
        threads = atoi(argv[3]);
        secs = atof(argv[4]);
        const char *ck = getenv("KB_MICRO_CHECKPOINT");
        if (ck && strcmp(ck, "1") == 0) {
            char path[4096];
            struct kb_store *cst = NULL;
            struct kb_err err;
            pthread_t th;
            snprintf(path, sizeof path, "%s/kb.sqlite3", argv[2]);
            if (kb_store_open(path, &cst, &err) != 0) {
                fprintf(stderr, "kb_micro: %s\n", err.msg);
                return 1;
            }
            log_defer = 1;
            pthread_create(&th, NULL, log_checkpointer, cst);
            pthread_detach(th);
        }
    } else {
        fprintf(stderr, "usage: kb_micro search|suggest DATA QUERIES THREADS SECS | assist DATA "
                        "TICKETS THREADS SECS | log DATA THREADS SECS\n");
        return 2;
    }
    data = argv[2];
    if (!nq || threads < 1)
        return 2;
    struct worker *ws = calloc((size_t)threads, sizeof *ws);
    double t0 = now();
    for (int t = 0; t < threads; t++) {
        pthread_create(&ws[t].th, NULL, run, &ws[t]);
    }
    struct timespec d = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
    nanosleep(&d, NULL);
    atomic_store(&stop, 1);
    size_t total = 0;
    long errors = 0;
    for (int t = 0; t < threads; t++) {
        pthread_join(ws[t].th, NULL);
        total += ws[t].n;
        errors += ws[t].errors;
    }
    double el = now() - t0;
    double *all = malloc((total ? total : 1) * sizeof *all);
    double *cpu = malloc((total ? total : 1) * sizeof *cpu);
    size_t k = 0;
    double cpu_sum = 0;
    for (int t = 0; t < threads; t++) {
        memcpy(all + k, ws[t].lat, ws[t].n * sizeof *all);
        memcpy(cpu + k, ws[t].cpu, ws[t].n * sizeof *cpu);
        k += ws[t].n;
        free(ws[t].lat);
        free(ws[t].cpu);
    }
    for (size_t j = 0; j < total; j++)
        cpu_sum += cpu[j];
    qsort(all, total, sizeof *all, cmp);
    qsort(cpu, total, sizeof *cpu, cmp);
    printf("{\"threads\": %d, \"requests\": %zu, \"rps\": %.1f, \"p50_ms\": %.3f, "
           "\"p99_ms\": %.3f, \"p999_ms\": %.3f, \"errors\": %ld, \"cpu_mean_ms\": %.3f, "
           "\"cpu_p50_ms\": %.3f, \"cpu_p99_ms\": %.3f, \"queries\": %zu, \"repeats\": %zu}\n",
           threads, total, (double)total / el, pct(all, total, 50), pct(all, total, 99),
           pct(all, total, 99.9), errors, total ? cpu_sum / (double)total : 0,
           pct(cpu, total, 50), pct(cpu, total, 99), nq, mode_log || total <= nq ? 0 : total - nq);
    free(all);
    free(cpu);
    free(ws);
    return 0;
}
