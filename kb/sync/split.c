/* The shard split (see split.h). */
#include "kb/sync/split.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kb/sync/sync.h"

struct split_ctx {
    struct kb_store *st;
    struct kb_index *vocab; /* the whole index, read: public phrases' vocabulary */
    struct kb_index **ix;
    size_t n;
    size_t *count;
    struct kb_err *err;
};

size_t kb_sync_shard_of(int kind, int64_t number, size_t n)
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
     * (sync.c add_usage): without them shard ranking would differ. */
    struct kb_doc with_usage = *d;
    with_usage.asked_public = NULL;
    size_t k = kb_sync_shard_of(d->kind, d->number, c->n);
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

int kb_sync_split(struct kb_store *st, struct kb_index *vocab, const char *dir, size_t n,
                  size_t *count, struct kb_err *err)
{
    struct kb_index **ix = kb_xcalloc(n, sizeof *ix);
    int64_t last = 0;
    int code;
    memset(count, 0, n * sizeof *count);
    /* The seq before reading: documents changed during the split are past it
     * and applied to the shards later. */
    if ((code = kb_store_outbox_last(st, &last, err)) != 0)
        goto out;
    for (size_t k = 0; k < n; k++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/shard-%zu", dir, k);
        if (stat(path, &sb) == 0) {
            code = kb_err_set(err, KB_EEXIST,
                              "'%s' already exists; remove it or choose another OUTDIR", path);
            goto out;
        }
        if ((code = kb_index_open(path, KB_INDEX_WRITE, &ix[k], err)) != 0)
            goto out;
    }
    struct split_ctx sc = {st, vocab, ix, n, count, err};
    if ((code = kb_store_each(st, split_one, &sc, err)) != 0)
        goto out;
    for (size_t k = 0; k < n; k++) {
        /* Synonyms too, for a later Xapian whose remote backend reads them. */
        if ((code = kb_sync_synonyms(st, ix[k], err)) != 0 ||
            (code = kb_index_commit(ix[k], last, err)) != 0) {
            char msg[sizeof err->msg];
            snprintf(msg, sizeof msg, "%s", err->msg);
            kb_err_set(err, code, "shard %zu: %s", k, msg);
            goto out;
        }
    }
out:
    for (size_t k = 0; k < n; k++)
        kb_index_close(ix[k]);
    free(ix);
    return code;
}
