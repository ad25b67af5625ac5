/* A shard reader: searches xapian-tcpsrv shards through Xapian's remote
 * backend (--shard). The remote backend does not serve synonyms, so a shard
 * reader keeps them in a local index with no documents (DATA/lexicon),
 * written from its store (the primary's copy on a replica) whenever the
 * table changes, and searched together with the shards. */
#include <stdio.h>

#include "kb/base/log.h"
#include "kb/sync/sync.h"
#include "server/scale/scale_int.h"

int srv_scale_open_index(struct srv *s, struct kb_index **out, struct kb_err *err)
{
    if (!srv_scale.nshards)
        return kb_index_open(s->index_dir, KB_INDEX_READ, out, err);
    return kb_index_open_remote((const char *const *)srv_scale.shard_host, srv_scale.shard_port,
                                srv_scale.nshards, scale.lexicon_db[0] ? scale.lexicon_db : NULL,
                                10000, out, err);
}

int scale_shards_start(struct srv *s, struct kb_err *err)
{
    struct kb_index *ix = NULL;
    if (srv_scale_open_index(s, &ix, err) != 0)
        return err ? err->code : KB_EIO;
    /* What the shards hold (they were split at one outbox row), for
     * /healthz: they do not change while this server runs. */
    int64_t seq = 0;
    if (kb_index_last_seq(ix, KB_DB_PUBLIC, &seq, NULL) == 0)
        atomic_store(&s->indexed_seq, seq);
    kb_index_close(ix);
    return 0;
}

static int refresh_lexicon(struct srv *s, struct kb_err *err)
{
    char path[4096];
    if (!srv_scale_store(path, sizeof path))
        snprintf(path, sizeof path, "%s", s->store_path);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    int rc = kb_store_open(path, &st, err);
    uint64_t sig = rc ? 0 : srv_synonyms_signature(st);
    if (rc == 0 && sig != scale.lexicon_sig &&
        (rc = kb_index_open(scale.lexicon_dir, KB_INDEX_WRITE, &ix, err)) == 0 &&
        (rc = kb_sync_synonyms(st, ix, err)) == 0 && (rc = kb_index_commit(ix, -1, err)) == 0) {
        scale.lexicon_sig = sig;
        atomic_fetch_add(&s->index_gen, 1); /* workers reopen: new synonyms */
    }
    kb_index_close(ix);
    kb_store_close(st);
    return rc;
}

static void *lexicon_main(void *arg)
{
    struct srv *s = arg;
    while (!atomic_load(&scale.stop)) {
        scale_sleep_ms(1000);
        struct kb_err err;
        if (refresh_lexicon(s, &err) != 0)
            kb_log(KB_LOG_WARN, "shards: synonyms not refreshed: %s", err.msg);
    }
    return NULL;
}

/* Builds the lexicon from the store (copy) and keeps it current. */
int scale_lexicon_start(struct srv *s, struct kb_err *err)
{
    if (!srv_scale.nshards)
        return 0;
    snprintf(scale.lexicon_dir, sizeof scale.lexicon_dir, "%s/lexicon", s->opts.data);
    if (refresh_lexicon(s, err) != 0)
        return err ? err->code : KB_EIO;
    /* Only now do workers join it to the shards: it exists. */
    snprintf(scale.lexicon_db, sizeof scale.lexicon_db, "%s/public", scale.lexicon_dir);
    if (pthread_create(&scale.lexicon, NULL, lexicon_main, s) != 0)
        return kb_err_set(err, KB_EIO, "cannot start the synonym copier");
    scale.threads |= SCALE_T_LEXICON;
    return 0;
}
