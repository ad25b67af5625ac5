/* kb-indexer split: writes the store's documents into N shard indexes, each
 * with its own public/ and internal/ database, for xapian-tcpsrv to serve
 * and `kb-server --shard` to search as one. A document's shard is a stable
 * hash of its id (kind and number), so splitting again puts every document
 * where it was. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "kb/base/datadir.h"
#include "kb/store/events.h"
#include "kb/base/log.h"
#include "kb/sync/sync.h"

#define SPLIT_MAX_SHARDS 256

struct split_ctx {
    struct kb_store *st;
    struct kb_index *vocab; /* the whole index, read: public phrases' vocabulary */
    struct kb_index **ix;
    size_t n;
    size_t *count;
    struct kb_err *err;
};

/* FNV-1a of "kind:number": independent of insertion order and of the
 * machine, so a document always lands on the same shard. */
static size_t shard_of(int kind, int64_t number, size_t n)
{
    char id[48];
    snprintf(id, sizeof id, "%d:%lld", kind, (long long)number);
    uint64_t h = 1469598103934665603ull;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    return (size_t)(h % n);
}

static int split_one(void *ud, const struct kb_doc *d)
{
    struct split_ctx *c = ud;
    int db = kb_sync_target(d);
    if (!db)
        return 0; /* drafts and archived articles are in no index */
    /* Votes and clicks feed the ranking prior, as kb_sync_apply adds them
     * (kb/sync/sync.c add_usage): without them shard ranking would differ. */
    struct kb_doc with_usage = *d;
    with_usage.asked_public = NULL;
    size_t k = shard_of(d->kind, d->number, c->n);
    /* Public phrases are judged against the whole index's public
     * vocabulary, so the shards rank as the one index does; without an
     * index, against the shard's own (smaller: it may learn less, never
     * more). */
    kb_sync_derive(c->st, c->vocab ? c->vocab : c->ix[k], &with_usage);
    int rc = kb_index_put(c->ix[k], db, &with_usage, c->err);
    free(with_usage.asked_public);
    if (rc)
        return rc;
    if (++c->count[k] % 2000 == 0)
        return kb_index_commit(c->ix[k], -1, c->err);
    return 0;
}

int cmd_split(struct cli *c, int argc, char **argv)
{
    size_t n = 0;
    const char *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (cli_is_help(argv[i])) {
            fputs("usage: kb-indexer [--data DIR] split --shards N OUTDIR\n\n"
                  "Writes the store's indexed documents into OUTDIR/shard-0 ... shard-(N-1), each\n"
                  "with public/ and internal/ databases, choosing a document's shard by a stable\n"
                  "hash of its id. Serve shard K with two xapian-tcpsrv processes, public/ on\n"
                  "PORT and internal/ on PORT+1, and search them with\n"
                  "kb-server --shard HOST:PORT.\n"
                  "OUTDIR/shard-K must not exist yet.\n",
                  stdout);
            return 0;
        }
        if (strcmp(argv[i], "--shards") == 0 && i + 1 < argc) {
            if (cli_parse_uint("--shards", argv[++i], SPLIT_MAX_SHARDS, &n))
                return 2;
        } else if (argv[i][0] == '-' || out) {
            fprintf(stderr, "kb-indexer: split: unexpected argument '%s' (see split --help)\n",
                    argv[i]);
            return 2;
        } else {
            out = argv[i];
        }
    }
    if (n < 1 || !out) {
        fprintf(stderr, "kb-indexer: split needs --shards N (1-%d) and OUTDIR\n", SPLIT_MAX_SHARDS);
        return 2;
    }
    if (mkdir(out, KB_DIR_MODE) != 0 && errno != EEXIST) {
        fprintf(stderr, "kb-indexer: cannot create '%s': %s\n", out, strerror(errno));
        return 1;
    }
    struct kb_store *st = cli_open_store(c, 0);
    if (!st)
        return 1;
    struct kb_index **ix = kb_xcalloc(n, sizeof *ix);
    size_t *count = kb_xcalloc(n, sizeof *count);
    struct kb_err err;
    int status = 1;
    int64_t last = 0;
    if (kb_store_outbox_last(st, &last, &err) != 0) {
        fprintf(stderr, "kb-indexer: split: %s\n", err.msg);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        char dir[4096];
        struct stat sb;
        snprintf(dir, sizeof dir, "%s/shard-%zu", out, k);
        if (stat(dir, &sb) == 0) {
            fprintf(stderr, "kb-indexer: split: '%s' already exists; remove it or choose another "
                            "OUTDIR\n", dir);
            goto out;
        }
        if (kb_index_open(dir, KB_INDEX_WRITE, &ix[k], &err) != 0) {
            fprintf(stderr, "kb-indexer: split: %s\n", err.msg);
            goto out;
        }
    }
    struct kb_index *vocab = NULL;
    struct kb_err verr;
    if (kb_index_open(cli_index_dir(c), KB_INDEX_READ, &vocab, &verr) != 0)
        vocab = NULL;
    struct split_ctx sc = {st, vocab, ix, n, count, &err};
    int each = kb_store_each(st, split_one, &sc, &err);
    kb_index_close(vocab);
    if (each != 0) {
        fprintf(stderr, "kb-indexer: split: %s\n", err.msg);
        goto out;
    }
    for (size_t k = 0; k < n; k++) {
        /* Synonyms too, for a later Xapian whose remote backend reads them. */
        if (kb_sync_synonyms(st, ix[k], &err) != 0 || kb_index_commit(ix[k], last, &err) != 0) {
            fprintf(stderr, "kb-indexer: split: shard %zu: %s\n", k, err.msg);
            goto out;
        }
    }
    status = 0;
    if (!c->quiet)
        for (size_t k = 0; k < n; k++)
            printf("%s/shard-%zu: %zu documents\n", out, k, count[k]);
out:
    for (size_t k = 0; k < n; k++)
        kb_index_close(ix[k]);
    free(ix);
    free(count);
    kb_store_close(st);
    return status;
}
