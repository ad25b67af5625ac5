/* kb-indexer sync-rt: one run of the Request Tracker sync (kb/sync/rt_sync.h)
 * into the store in --data, then the index brought up to date (unless
 * kb-server holds it, which then does). Settings from --config FILE or those
 * an admin stored (PUT /api/v1/admin/rt-sync); the token from
 * --rt-token-file or the store, never from the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "kb/net/http.h"
#include "kb/store/rt_state.h"
#include "kb/sync/rt_sync.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: kb-indexer sync-rt [--config FILE] [--rt-token-file FILE] [--reset]\n"
               "  pulls the tickets Request Tracker changed since the last run: resolved ones\n"
               "  are stored as tickets, reopened ones removed.\n"
               "  --config FILE        settings as JSON (url, queue, custom_fields,\n"
               "                       resolved_statuses, ca_file, timeout_ms, per_page);\n"
               "                       default: the settings stored by the admin API\n"
               "  --rt-token-file FILE the RT auth token (default: the stored one)\n"
               "  --reset              forget the cursor first: every ticket is read again\n");
}

static double secs_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int cmd_sync_rt(struct cli *c, int argc, char **argv)
{
    const char *config = NULL, *token_file = NULL;
    int reset = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--reset") == 0) {
            reset = 1;
        } else if ((strcmp(a, "--config") == 0 || strcmp(a, "--rt-token-file") == 0) &&
                   i + 1 < argc) {
            *(strcmp(a, "--config") == 0 ? &config : &token_file) = argv[++i];
        } else {
            fprintf(stderr, "kb-indexer: sync-rt: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    struct kb_store *st = cli_open_store(c, 1);
    if (!st)
        return 1;
    struct kb_rt_sync_cfg cfg, stored;
    struct kb_err err;
    int found = 0, rc = 1;
    kb_rt_sync_cfg_init(&cfg);
    if (kb_rt_sync_cfg_load(st, &stored, &found, &err) != 0) {
        fprintf(stderr, "kb-indexer: sync-rt: %s\n", err.msg);
        goto out;
    }
    if (config) {
        if (kb_rt_sync_cfg_file(config, &cfg, &err) != 0) {
            fprintf(stderr, "kb-indexer: sync-rt: %s\n", err.msg);
            goto out;
        }
        if (!cfg.token && stored.token)
            cfg.token = kb_xstrdup(stored.token);
    } else if (found) {
        cfg = stored;
        kb_rt_sync_cfg_init(&stored);
    } else {
        fprintf(stderr, "kb-indexer: sync-rt: no Request Tracker settings: give --config FILE "
                        "or store them with PUT /api/v1/admin/rt-sync\n");
        goto out;
    }
    if (token_file && kb_rt_sync_token_file(&cfg, token_file, &err) != 0) {
        fprintf(stderr, "kb-indexer: sync-rt: %s\n", err.msg);
        goto out;
    }
    if (!cfg.token) {
        fprintf(stderr, "kb-indexer: sync-rt: no RT auth token: give --rt-token-file FILE or "
                        "store one with PUT /api/v1/admin/rt-sync\n");
        goto out;
    }
    if (reset && kb_rt_state_set(st, KB_RT_STATE_CURSOR, NULL, &err) != 0) {
        fprintf(stderr, "kb-indexer: sync-rt: %s\n", err.msg);
        goto out;
    }
    kb_http_global_init();
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct kb_rt_sync_stats s;
    int code = kb_rt_sync_run(st, &cfg, &s, &err);
    double took = secs_since(&t0);
    size_t stored_n = s.added + s.updated + s.unchanged;
    char when[32] = "none";
    if (s.cursor) {
        time_t tt = (time_t)s.cursor;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (!c->quiet || code)
        printf("sync-rt: %zu listed: %zu added, %zu updated, %zu unchanged, %zu removed, "
               "%zu not resolved, %zu already synced; cursor %s; %.3f s (%.1f tickets/s)\n",
               s.seen, s.added, s.updated, s.unchanged, s.removed, s.skipped, s.duplicates,
               when, took, took > 0 ? (double)stored_n / took : 0.0);
    if (code)
        fprintf(stderr, "kb-indexer: sync-rt: %s (what came before is kept; the next run "
                        "starts there)\n", err.msg);
    /* What was stored reaches the index either way. */
    int sync_rc = s.added + s.updated + s.removed ? cli_sync(c, st) : 0;
    rc = code ? 1 : sync_rc;
out:
    kb_rt_sync_cfg_release(&cfg);
    kb_rt_sync_cfg_release(&stored);
    kb_store_close(st);
    return rc;
}
