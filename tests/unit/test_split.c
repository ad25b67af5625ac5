/* The shard split (kb/sync/split.h): the shard of a document is pinned (a
 * changed hash would move documents between shards of a running setup), a
 * split puts every indexed document in exactly its shard with the store's
 * last outbox seq, leaves drafts out, and refuses a shard folder that exists. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/store/store.h"
#include "kb/sync/split.h"

static char dir[64];

static const struct {
    int kind;
    int64_t number;
    size_t n, shard;
} shards[] = {
    {KB_KIND_ARTICLE, 1, 2, 0},
    {KB_KIND_ARTICLE, 2, 2, 1},
    {KB_KIND_TICKET, 1, 2, 1},
    {KB_KIND_ARTICLE, 1042, 4, 2},
    {KB_KIND_TICKET, 7, 3, 1},
    {KB_KIND_ARTICLE, 1, 1, 0},
    {KB_KIND_ARTICLE, 123456789, 256, 104},
};

static void test_shard_of(void)
{
    for (size_t i = 0; i < sizeof shards / sizeof shards[0]; i++)
        CHECK_INT(kb_sync_shard_of(shards[i].kind, shards[i].number, shards[i].n),
                  shards[i].shard);
}

/* What goes into the store: kind, status; all get a title and text. */
static const struct {
    int kind, status;
} docs[] = {
    {KB_KIND_ARTICLE, KB_STATUS_PUBLISHED}, {KB_KIND_ARTICLE, KB_STATUS_PUBLISHED},
    {KB_KIND_ARTICLE, KB_STATUS_PUBLISHED}, {KB_KIND_ARTICLE, KB_STATUS_DRAFT},
    {KB_KIND_TICKET, KB_STATUS_PUBLISHED},  {KB_KIND_TICKET, KB_STATUS_PUBLISHED},
    {KB_KIND_ARTICLE, KB_STATUS_PUBLISHED}, {KB_KIND_TICKET, KB_STATUS_PUBLISHED},
};
#define NDOCS (sizeof docs / sizeof docs[0])
#define NSHARDS 3

static void test_split(void)
{
    char path[160];
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    size_t want[NSHARDS] = {0};
    for (size_t i = 0; i < NDOCS; i++) {
        struct kb_doc d;
        char id[32], title[32];
        kb_doc_init(&d);
        d.kind = docs[i].kind;
        d.status = docs[i].status;
        d.audience = d.kind == KB_KIND_TICKET ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
        snprintf(id, sizeof id, "doc-%zu", i);
        snprintf(title, sizeof title, "Printer problem %zu", i);
        kb_doc_set(&d.source_id, id);
        kb_doc_set(&d.title, title);
        kb_doc_set(&d.text, "The printer does not print after the update.");
        int result;
        int64_t number = 0;
        CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
        if (docs[i].status == KB_STATUS_PUBLISHED)
            want[kb_sync_shard_of(d.kind, number, NSHARDS)]++;
        kb_doc_release(&d);
    }
    int64_t last = 0;
    CHECK_INT(kb_store_outbox_last(st, &last, &err), 0);

    size_t count[NSHARDS];
    int rc = kb_sync_split(st, NULL, dir, NSHARDS, count, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "split: %s\n", err.msg);
    size_t total = 0;
    for (size_t k = 0; k < NSHARDS; k++) {
        CHECK_INT(count[k], want[k]);
        total += count[k];
        struct kb_index *ix = NULL;
        snprintf(path, sizeof path, "%s/shard-%zu", dir, k);
        CHECK_INT(kb_index_open(path, KB_INDEX_READ, &ix, &err), 0);
        if (!ix)
            continue;
        uint64_t pub = 0, in = 0;
        int64_t seq = -1;
        CHECK_INT(kb_index_count(ix, KB_DB_PUBLIC, &pub, &err), 0);
        CHECK_INT(kb_index_count(ix, KB_DB_INTERNAL, &in, &err), 0);
        CHECK_INT(pub + in, count[k]);
        CHECK_INT(kb_index_last_seq(ix, KB_DB_PUBLIC, &seq, &err), 0);
        CHECK_INT(seq, last);
        kb_index_close(ix);
    }
    CHECK_INT(total, NDOCS - 1); /* the draft is in no index */

    /* Splitting into the same folder again is refused, naming the shard. */
    rc = kb_sync_split(st, NULL, dir, NSHARDS, count, &err);
    CHECK_INT(rc, KB_EEXIST);
    CHECK_CONTAINS(err.msg, "shard-0' already exists");
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_split: could not remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_split.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_shard_of();
    test_split();
    cleanup();
    return check_report("test_split");
}
