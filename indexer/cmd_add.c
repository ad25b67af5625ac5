/* kb-indexer add: files and directories into the store, then the index. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kb/ingest.h"

#define BATCH 500 /* documents per store transaction */

struct add_ctx {
    struct kb_store *st;
    size_t added, updated, unchanged, failed;
    size_t in_batch;
    int tty;
    double last_progress;
    int fatal;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(struct add_ctx *a, int final)
{
    if (!a->tty)
        return;
    double t = now();
    if (!final && t - a->last_progress < 0.2)
        return;
    a->last_progress = t;
    fprintf(stderr, "\r  %zu added, %zu updated, %zu unchanged, %zu failed%s",
            a->added, a->updated, a->unchanged, a->failed, final ? "\r\033[K" : "");
    fflush(stderr);
}

static void on_bad(void *ud, const char *where, const char *why)
{
    struct add_ctx *a = ud;
    a->failed++;
    if (a->tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s: %s\n", where, why);
}

static int on_doc(void *ud, const struct kb_doc *d)
{
    struct add_ctx *a = ud;
    struct kb_err err;
    int result;
    int64_t number;
    if (a->in_batch == 0 && kb_store_begin(a->st, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        return a->fatal = 1;
    }
    if (kb_store_put(a->st, d, NULL, &result, &number, &err) != 0) {
        if (err.code == KB_EINVAL) {
            char where[1024];
            snprintf(where, sizeof where, "%s", d->source_path ? d->source_path : d->source_id);
            on_bad(a, where, err.msg);
            return 0;
        }
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        kb_store_rollback(a->st);
        a->in_batch = 0;
        return a->fatal = 1;
    }
    if (result == KB_PUT_ADDED)
        a->added++;
    else if (result == KB_PUT_UPDATED)
        a->updated++;
    else
        a->unchanged++;
    if (++a->in_batch >= BATCH) {
        a->in_batch = 0;
        if (kb_store_commit(a->st, &err) != 0) {
            fprintf(stderr, "kb-indexer: %s\n", err.msg);
            return a->fatal = 1;
        }
    }
    progress(a, 0);
    return 0;
}

static void help(void)
{
    printf("usage: kb-indexer [--data DIR] add [--audience public|internal] [--locale L] PATH...\n\n"
           "Adds files, or directories walked recursively. The format of each file is found\n"
           "from its content: HTML, Markdown (with front matter), DocBook, Mallard (.page),\n"
           "Zendesk article JSON, article JSONL, ticket JSONL or CSV, plain text.\n"
           "A file already added unchanged is skipped; a changed one replaces its document.\n"
           "Bad files and records are reported (path:line: reason) and skipped.\n\n"
           "  --audience A  audience of articles that do not say (default public);\n"
           "                tickets are always internal\n"
           "  --locale L    locale of files that do not say (default en)\n\n"
           "Exit status: 0 when everything was added, 1 when anything failed.\n");
}

int cmd_add(struct cli *c, int argc, char **argv)
{
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (cli_is_help(argv[i])) {
            help();
            return 0;
        } else if (strcmp(argv[i], "--audience") == 0 && i + 1 < argc) {
            opts.audience = kb_audience_parse(argv[++i]);
            if (opts.audience < 0) {
                fprintf(stderr, "kb-indexer: --audience is public or internal, not '%s'\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--locale") == 0 && i + 1 < argc) {
            opts.locale = argv[++i];
        } else if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        } else {
            fprintf(stderr, "kb-indexer: add: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "kb-indexer: add needs at least one file or directory\n");
        return 2;
    }
    struct kb_store *st = cli_open_store(c, 1);
    if (!st)
        return 1;
    struct add_ctx a = {0};
    a.st = st;
    a.tty = isatty(2) && !c->quiet;
    struct kb_ingest_sink sink = {on_doc, on_bad, &a};
    double t0 = now();
    size_t files = 0;
    for (; i < argc && !a.fatal; i++) {
        size_t n = 0;
        kb_ingest_path(argv[i], &opts, &sink, &n);
        files += n;
    }
    struct kb_err err;
    if (a.in_batch && !a.fatal && kb_store_commit(st, &err) != 0) {
        fprintf(stderr, "kb-indexer: %s\n", err.msg);
        a.fatal = 1;
    }
    progress(&a, 1);
    int rc = a.fatal ? 1 : cli_sync(c, st);
    kb_store_close(st);
    double secs = now() - t0;
    if (!c->quiet || a.failed)
        printf("%zu files: %zu added, %zu updated, %zu unchanged, %zu failed (%.1f s)\n", files,
               a.added, a.updated, a.unchanged, a.failed, secs);
    return rc || a.failed || a.fatal ? 1 : 0;
}
