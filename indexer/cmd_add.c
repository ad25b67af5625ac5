/* kb-indexer add: files and directories into the store and, at the same
 * time on two more threads, from the store's outbox into the index. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "kb/base/datadir.h"
#include "kb/ingest/ingest.h"
#include "kb/sync/bulk.h"
#include "kb/sync/load.h"
#include "kb/sync/sync.h"

#define BATCH 500 /* documents per store transaction */
#define BYTES_PER_DOC 2048 /* about what an article of the bench corpus takes in JSONL */

/* The index thread: applies committed outbox rows while the main thread
 * ingests, so parsing and SQLite writes overlap with Xapian's work (and,
 * through a kb_sync_pipe, tokenising with Xapian's writes). */
struct indexer {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    const char *store_path;
    const char *index_dir;
    unsigned jobs;     /* > 1: a bulk build on that many shards (kb/sync/bulk.h) */
    struct kb_index *ix; /* replaced by the merged index's handle after a bulk build */
    size_t committed; /* documents committed to the store so far */
    int done;         /* the main thread has committed everything */
    int rc;
    struct kb_err err;
};

struct add_ctx {
    struct kb_load load; /* the store side: batches and counts */
    int tty;
    double last_progress;
    struct indexer *ixr; /* NULL when the index is not ours to write */
};

static void indexer_notify(struct indexer *x, size_t docs, int done)
{
    if (!x)
        return;
    pthread_mutex_lock(&x->mu);
    x->committed += docs;
    x->done |= done;
    pthread_cond_signal(&x->cv);
    pthread_mutex_unlock(&x->mu);
}

/* Reads the outbox and turns documents into terms; the pipe's own thread
 * writes them into the index. With the main thread that makes three stages
 * (parse and store, prepare, write) on as many cores as there are. */
static void *indexer_main(void *arg)
{
    struct indexer *x = arg;
    struct kb_store *st = NULL;
    struct kb_sync_pipe *pipe = NULL;
    struct kb_bulk *bulk = NULL;
    size_t seen = 0;
    if ((x->rc = kb_store_open(x->store_path, &st, &x->err)) != 0)
        return NULL;
    if (x->jobs > 1)
        x->rc = kb_bulk_start(x->ix, x->index_dir, x->jobs, &bulk, &x->err);
    else
        x->rc = kb_sync_pipe_start(x->ix, &pipe, &x->err);
    if (x->rc) {
        kb_store_close(st);
        return NULL;
    }
    for (;;) {
        /* Wait for a batch's worth of new documents, or the end. */
        pthread_mutex_lock(&x->mu);
        while (!x->done && x->committed - seen < 200)
            pthread_cond_wait(&x->cv, &x->mu);
        int done = x->done;
        seen = x->committed;
        pthread_mutex_unlock(&x->mu);
        /* The pipe leaves the outbox untrimmed: trimming here would wait
         * for the main thread's write transactions. */
        x->rc = bulk ? kb_bulk_feed(bulk, st, NULL, &x->err)
                     : kb_sync_pipe_feed(pipe, st, NULL, &x->err);
        if (x->rc || done)
            break;
    }
    struct kb_err err;
    /* A failed bulk build leaves the index as it was (its rows stay in
     * the outbox for kb_sync_apply). */
    int rc = bulk ? kb_bulk_finish(bulk, st, &x->ix, &err) : kb_sync_pipe_finish(pipe, &err);
    if (rc && !x->rc) {
        x->rc = rc;
        x->err = err;
    }
    kb_store_close(st);
    return NULL;
}

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
            a->load.added, a->load.updated, a->load.unchanged, a->load.failed,
            final ? "\r\033[K" : "");
    fflush(stderr);
}

static void on_bad(void *ud, int fault, const char *where, const struct kb_doc *d,
                   const char *why)
{
    struct add_ctx *a = ud;
    (void)fault;
    (void)d;
    if (a->tty)
        fprintf(stderr, "\r\033[K");
    fprintf(stderr, "%s: %s\n", where, why);
}

/* Each batch committed to the store is the index thread's to apply. */
static void on_committed(void *ud, size_t docs)
{
    struct add_ctx *a = ud;
    indexer_notify(a->ixr, docs, 0);
}

static int on_doc(void *ud, const struct kb_doc *d)
{
    struct add_ctx *a = ud;
    size_t stored = a->load.added + a->load.updated + a->load.unchanged;
    if (kb_load_doc(&a->load, d) != 0)
        return 1;
    if (a->load.added + a->load.updated + a->load.unchanged > stored)
        progress(a, 0);
    return 0;
}

static void parse_bad(void *ud, const char *where, const char *why)
{
    struct add_ctx *a = ud;
    kb_load_bad(&a->load, where, why);
}

/* The bytes of the files add will read, to judge whether a bulk build is
 * worth it. */
static size_t input_bytes(char **paths, int n)
{
    int64_t sum = 0;
    for (int i = 0; i < n; i++)
        sum += kb_tree_bytes(paths[i]);
    return (size_t)sum;
}

static void help(void)
{
    printf("usage: kb-indexer [--data DIR] add [--audience public|internal] [--locale L]\n"
           "                                [--platform P] PATH...\n\n"
           "Adds files, or directories walked recursively. The format of each file is found\n"
           "from its content: HTML, Markdown (with front matter), DocBook, Mallard (.page),\n"
           "Zendesk article JSON, article JSONL, ticket JSONL or CSV, plain text.\n"
           "A file already added unchanged is skipped; a changed one replaces its document.\n"
           "Bad files and records are reported (path:line: reason) and skipped.\n\n"
           "  --audience A  audience of articles that do not say (default public);\n"
           "                tickets are always internal\n"
           "  --locale L    locale of files that do not say (default en)\n"
           "  --platform P  Mallard <if:choose>: the branch for platform P (e.g. gnome,\n"
           "                gnome-classic); default each choice's first branch\n"
           "  --jobs N      index on N shards in parallel, merged at the end (default or 0:\n"
           "                the cores, for inputs of several thousand documents; 1: off)\n\n"
           "Exit status: 0 when everything was added, 1 when anything failed.\n");
}

int cmd_add(struct cli *c, int argc, char **argv)
{
    struct kb_ingest_opts opts = {KB_AUD_PUBLIC, NULL, NULL, NULL};
    unsigned jobs = 0; /* 0: by the input's size */
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
        } else if (strcmp(argv[i], "--platform") == 0 && i + 1 < argc) {
            opts.platform = argv[++i];
            if (!*opts.platform || strlen(opts.platform) > 64 ||
                strspn(opts.platform, "abcdefghijklmnopqrstuvwxyz0123456789-_.") !=
                    strlen(opts.platform)) {
                fprintf(stderr, "kb-indexer: --platform is 1 to 64 of a-z, 0-9, '-', '_', '.', "
                                "not '%s'\n", opts.platform);
                return 2;
            }
        } else if (strcmp(argv[i], "--jobs") == 0 && i + 1 < argc) {
            size_t j;
            if (cli_parse_uint("--jobs", argv[++i], 64, &j) != 0)
                return 2;
            jobs = (unsigned)j; /* 0: by the input's size, as without it */
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
    struct add_ctx a;
    memset(&a, 0, sizeof a);
    kb_load_init(&a.load, st, BATCH);
    a.load.bad = on_bad;
    a.load.committed = on_committed;
    a.load.ud = &a;
    a.tty = isatty(2) && !c->quiet;
    struct kb_ingest_sink sink = {on_doc, parse_bad, &a};
    double t0 = now();
    /* Index while ingesting when the index is ours to write; when kb-server
     * holds it, the server applies the outbox (cli_sync says so below). */
    struct indexer x;
    memset(&x, 0, sizeof x);
    struct kb_err ierr; /* on failure, cli_sync below tries again and reports */
    if (kb_index_open(cli_index_dir(c), KB_INDEX_WRITE, &x.ix, &ierr) == 0) {
        static char path[4096];
        snprintf(path, sizeof path, "%s/kb.sqlite3", c->data);
        x.store_path = path;
        x.index_dir = cli_index_dir(c);
        x.jobs = jobs ? jobs : kb_bulk_jobs(input_bytes(argv + i, argc - i) / BYTES_PER_DOC);
        pthread_mutex_init(&x.mu, NULL);
        pthread_cond_init(&x.cv, NULL);
        if (pthread_create(&x.th, NULL, indexer_main, &x) == 0) {
            a.ixr = &x;
        } else {
            kb_index_close(x.ix);
            x.ix = NULL;
        }
    }
    size_t files = 0;
    for (; i < argc && !a.load.fatal; i++) {
        size_t n = 0;
        kb_ingest_path(argv[i], &opts, &sink, &n);
        files += n;
    }
    if (kb_load_finish(&a.load) != 0)
        fprintf(stderr, "kb-indexer: %s\n", a.load.err.msg);
    int fatal = a.load.fatal;
    progress(&a, 1);
    int rc = 0;
    if (a.ixr) {
        indexer_notify(a.ixr, 0, 1);
        pthread_join(x.th, NULL);
        if (x.rc) {
            fprintf(stderr, "kb-indexer: cannot update the index: %s\n", x.err.msg);
            rc = 1;
        } else if (!fatal) {
            /* Anything left (nothing, normally), and the outbox trim. */
            struct kb_err serr;
            if (kb_sync_apply(st, x.ix, 0, NULL, &serr) != 0) {
                fprintf(stderr, "kb-indexer: cannot update the index: %s\n", serr.msg);
                rc = 1;
            }
        }
        kb_index_close(x.ix);
        pthread_mutex_destroy(&x.mu);
        pthread_cond_destroy(&x.cv);
    } else if (!fatal) {
        rc = cli_sync(c, st);
    } else {
        rc = 1;
    }
    kb_store_close(st);
    double secs = now() - t0;
    const struct kb_load *l = &a.load;
    if (!c->quiet || l->failed)
        printf("%zu files: %zu added, %zu updated, %zu unchanged, %zu failed (%.1f s)\n", files,
               l->added, l->updated, l->unchanged, l->failed, secs);
    return rc || l->failed || fatal ? 1 : 0;
}
