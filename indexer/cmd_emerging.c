/* kb-indexer emerging: one detection cycle of emerging problems (or a
 * replay of many over past time, for measuring false alarms and delay),
 * on the store and index in --data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"
#include "kb/emerging/emerging.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: kb-indexer emerging [--now T] [--replay-from T --step S]\n"
               "  one detection cycle as of now (or Unix time T): the report as JSON.\n"
               "  --replay-from T --step S: a cycle every S seconds from T up to --now,\n"
               "  one line each: time, problems, milliseconds, keys.\n"
               "  --window-hours H  --baseline-days D  --alpha A  --min-count N\n"
               "  --no-searches     tickets only: no topics of customers' searches\n");
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int cmd_emerging(struct cli *c, int argc, char **argv)
{
    struct kb_emerging_opts o;
    kb_emerging_opts_default(&o);
    size_t from = 0, step = 0, now = 0, v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--no-searches") == 0) {
            o.no_searches = 1;
            continue;
        }
        if (!val) {
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--now") == 0) {
            if (cli_parse_uint(a, val, (size_t)1 << 40, &now))
                return 2;
        } else if (strcmp(a, "--replay-from") == 0) {
            if (cli_parse_uint(a, val, (size_t)1 << 40, &from))
                return 2;
        } else if (strcmp(a, "--step") == 0) {
            if (cli_parse_uint(a, val, 86400 * 30, &step) || step == 0)
                return 2;
        } else if (strcmp(a, "--window-hours") == 0) {
            if (cli_parse_uint(a, val, 48, &v) || v == 0)
                return 2;
            o.window_hours = (int)v;
        } else if (strcmp(a, "--baseline-days") == 0) {
            if (cli_parse_uint(a, val, 365, &v) || v == 0)
                return 2;
            o.baseline_days = (int)v;
        } else if (strcmp(a, "--min-count") == 0) {
            if (cli_parse_uint(a, val, 1000, &v) || v == 0)
                return 2;
            o.min_count = (int)v;
        } else if (strcmp(a, "--alpha") == 0) {
            if (cli_parse_double(a, val, &o.alpha))
                return 2;
        } else {
            usage(stderr);
            return 2;
        }
    }
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    struct kb_index *ix = NULL;
    struct kb_err err;
    if (kb_index_open(cli_index_dir(c), KB_INDEX_READ, &ix, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        kb_store_close(st);
        return 1;
    }
    int64_t end = now ? (int64_t)now : (int64_t)time(NULL);
    int64_t t = from && step ? (int64_t)from : end;
    int status = 0;
    for (; t <= end; t += step ? (int64_t)step : 1) {
        o.now = t;
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct kb_emerging_report *r = NULL;
        if (kb_emerging_detect(st, ix, &o, &r, &err) != 0) {
            fprintf(stderr, "kb-indexer: %s\n", err.msg);
            status = 1;
            break;
        }
        double ms = ms_since(&t0);
        if (from && step) {
            printf("%lld\t%zu\t%.1f\t", (long long)t, r->n, ms);
            for (size_t i = 0; i < r->n; i++)
                printf("%s%s", i ? " " : "", r->problems[i].key);
            printf("\n");
            fflush(stdout);
        } else {
            char *json = kb_emerging_json(r);
            struct rusage ru;
            getrusage(RUSAGE_SELF, &ru);
            printf("%s\n", json);
            fprintf(stderr, "emerging: %zu problems, %zu topics, %zu recent tickets, %.1f ms, "
                            "max RSS %ld KiB, %zu search topics, %zu recent queries\n",
                    r->n, r->topics, r->recent, ms, ru.ru_maxrss, r->search_topics,
                    r->recent_searches);
            free(json);
        }
        kb_emerging_report_free(r);
        if (!(from && step))
            break;
    }
    kb_index_close(ix);
    kb_store_close(st);
    return status;
}
