/* Bulk indexing on every core (bulk.h): one thread reads the store and
 * fills each document's derived fields, K shard threads turn documents
 * into terms and write their own index (DIR.bulk/N), and Xapian's
 * compaction merges them (kb/index/merge.h) into a folder beside DIR that
 * replaces it in one rename. */
#include "kb/sync/bulk.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb/base/buf.h"
#include "kb/base/log.h"
#include "kb/index/merge.h"
#include "kb/sync/sync.h"

#define SHARD_CAP 64       /* documents queued per shard */
/* Documents a shard writes between commits, as the one-writer pipe. Xapian
 * buffers about 20 KB of postings a document, and adding to its buffers
 * costs more as they grow: 10k articles on 2 shards took 12.7 / 13.5 /
 * 15.1 s CPU (means of 3, machine loaded) and 93 / 114 / 157 MB peak RSS
 * committing every 500 / 1,000 / 2,000. With MAX_JOBS shards at most
 * 8,000 documents are buffered. */
#define SHARD_COMMIT 1000
#define MAX_JOBS 8
#define MIN_PER_SHARD 2000 /* fewer documents a shard are not worth a merge */

unsigned kb_bulk_jobs(size_t docs)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    if (cores > MAX_JOBS)
        cores = MAX_JOBS;
    size_t k = docs / MIN_PER_SHARD;
    if (k > (size_t)cores)
        k = (size_t)cores;
    return k < 2 ? 1 : (unsigned)k;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- removing, swapping folders ---- */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Puts the complete index in fresh in dir's place. Where the file system
 * can, both names are exchanged in one step (no moment without an index);
 * elsewhere dir goes aside first, as kb_sync_rebuild does. */
static int swap_in(const char *dir, const char *fresh, struct kb_err *err)
{
    struct kb_buf old = KB_BUF_INIT;
    int rc = 0;
    if (renameat2(AT_FDCWD, fresh, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
        remove_tree(fresh); /* now the old index */
        return 0;
    }
    kb_buf_printf(&old, "%s.old", dir);
    remove_tree(old.data);
    if (rename(dir, old.data) != 0 && errno != ENOENT) {
        rc = kb_err_set(err, KB_EIO, "cannot move old index '%s' aside: %s", dir, strerror(errno));
    } else if (rename(fresh, dir) != 0) {
        rc = kb_err_set(err, KB_EIO, "cannot move new index into '%s': %s", dir, strerror(errno));
        rename(old.data, dir);
    } else {
        remove_tree(old.data);
    }
    kb_buf_release(&old);
    return rc;
}

/* ---- shards: a queue and a writer thread each ---- */

struct item {
    int db; /* 0: remove the document */
    int kind;
    int64_t number;
    struct kb_doc *doc; /* owned; NULL when removing */
};

struct shard {
    struct kb_index *ix;
    char *path;
    pthread_t th;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct item q[SHARD_CAP];
    size_t head, count;
    int finished;
    int rc; /* the writer's first error */
    struct kb_err err;
};

struct kept {
    int kind;
    int64_t number;
};

struct kb_bulk {
    char *dir;  /* the live index */
    char *root; /* dir.bulk: the shards */
    unsigned n;
    struct shard *sh;
    struct kb_index *vocab; /* what derived fields are judged against (borrowed) */
    int64_t number_max;     /* the live index's: documents above it are new */
    int64_t start, after;   /* the live index's seq; the last row fed */
    struct kept *kept;      /* rows of documents the live index may hold */
    size_t nkept, capkept;
    size_t count; /* documents given to shards */
};

static void item_free(struct item *it)
{
    if (it->doc) {
        kb_doc_release(it->doc);
        free(it->doc);
        it->doc = NULL;
    }
}

static void shard_fail(struct shard *s, int rc, const struct kb_err *err)
{
    pthread_mutex_lock(&s->mu);
    if (!s->rc) {
        s->rc = rc;
        s->err = *err;
    }
    pthread_cond_broadcast(&s->not_full);
    pthread_mutex_unlock(&s->mu);
}

/* Writes documents into the shard, committing every SHARD_COMMIT; after an
 * error, empties the queue without writing. */
static void *shard_main(void *arg)
{
    struct shard *s = arg;
    size_t since = 0;
    struct kb_err err;
    pthread_setname_np(pthread_self(), "kb-shard"); /* for perf and top */
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (s->count == 0 && !s->finished)
            pthread_cond_wait(&s->not_empty, &s->mu);
        if (s->count == 0) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        struct item it = s->q[s->head];
        s->head = (s->head + 1) % SHARD_CAP;
        s->count--;
        int failed = s->rc != 0;
        pthread_cond_signal(&s->not_full);
        pthread_mutex_unlock(&s->mu);
        if (failed) {
            item_free(&it);
            continue;
        }
        int rc;
        if (it.db) {
            struct kb_index_prepared *p = NULL;
            rc = kb_index_prepare(s->ix, it.db, it.doc, &p, &err);
            if (rc == 0)
                rc = kb_index_put_prepared(s->ix, p, &err);
        } else {
            rc = kb_index_delete(s->ix, it.kind, it.number, &err);
        }
        item_free(&it);
        if (rc == 0 && ++since >= SHARD_COMMIT) {
            since = 0;
            rc = kb_index_commit(s->ix, -1, &err);
        }
        if (rc)
            shard_fail(s, rc, &err);
    }
    if (!s->rc) {
        int rc = kb_index_commit(s->ix, -1, &err);
        if (rc)
            shard_fail(s, rc, &err);
    }
    return NULL;
}

/* Queues it on the shard of its number (taking ownership), waiting while
 * that queue is full; fails with the shard's error once it has failed. */
static int bulk_push(struct kb_bulk *b, struct item it, struct kb_err *err)
{
    struct shard *s = &b->sh[(uint64_t)it.number % b->n];
    pthread_mutex_lock(&s->mu);
    while (s->count == SHARD_CAP && !s->rc)
        pthread_cond_wait(&s->not_full, &s->mu);
    int rc = s->rc;
    if (rc) {
        if (err)
            *err = s->err;
    } else {
        s->q[(s->head + s->count) % SHARD_CAP] = it;
        s->count++;
        pthread_cond_signal(&s->not_empty);
    }
    pthread_mutex_unlock(&s->mu);
    if (rc)
        item_free(&it);
    return rc;
}

/* Waits for every shard writer; returns the first error. The shards stay
 * open (their spelling counts are in memory). Safe to call twice. */
static int bulk_stop(struct kb_bulk *b, struct kb_err *err)
{
    int rc = 0;
    for (unsigned i = 0; i < b->n; i++) {
        struct shard *s = &b->sh[i];
        if (s->started) {
            pthread_mutex_lock(&s->mu);
            s->finished = 1;
            pthread_cond_signal(&s->not_empty);
            pthread_mutex_unlock(&s->mu);
            pthread_join(s->th, NULL);
            s->started = 0;
        }
        if (s->rc && !rc) {
            rc = s->rc;
            if (err)
                *err = s->err;
        }
    }
    return rc;
}

/* Gives the shards' spelling counts to ix (the merged index), for its next
 * commit to write once. */
static int bulk_take_spelling(struct kb_bulk *b, struct kb_index *ix, struct kb_err *err)
{
    int rc = 0;
    for (unsigned i = 0; i < b->n && rc == 0; i++)
        rc = kb_index_take_spelling(ix, b->sh[i].ix, err);
    return rc;
}

static void bulk_close(struct kb_bulk *b)
{
    for (unsigned i = 0; i < b->n; i++)
        if (b->sh[i].ix) {
            kb_index_close(b->sh[i].ix);
            b->sh[i].ix = NULL;
        }
}

static void bulk_free(struct kb_bulk *b)
{
    if (!b)
        return;
    bulk_stop(b, NULL);
    bulk_close(b);
    for (unsigned i = 0; i < b->n; i++) {
        pthread_mutex_destroy(&b->sh[i].mu);
        pthread_cond_destroy(&b->sh[i].not_empty);
        pthread_cond_destroy(&b->sh[i].not_full);
        free(b->sh[i].path);
    }
    remove_tree(b->root);
    free(b->sh);
    free(b->kept);
    free(b->dir);
    free(b->root);
    free(b);
}

/* Creates jobs empty shards in dir.bulk (what an interrupted build left
 * there goes first) and starts their writers. */
static int bulk_new(const char *dir, unsigned jobs, const struct kb_index_opts *opts,
                    struct kb_bulk **out, struct kb_err *err)
{
    struct kb_buf root = KB_BUF_INIT;
    int rc = 0;
    *out = NULL;
    if (jobs < 1)
        jobs = 1;
    kb_buf_printf(&root, "%s.bulk", dir);
    struct kb_bulk *b = kb_xcalloc(1, sizeof *b);
    b->dir = kb_xstrdup(dir);
    b->root = root.data;
    b->n = jobs;
    b->sh = kb_xcalloc(jobs, sizeof *b->sh);
    for (unsigned i = 0; i < jobs; i++) {
        pthread_mutex_init(&b->sh[i].mu, NULL);
        pthread_cond_init(&b->sh[i].not_empty, NULL);
        pthread_cond_init(&b->sh[i].not_full, NULL);
    }
    remove_tree(b->root);
    for (unsigned i = 0; i < jobs && rc == 0; i++) {
        struct shard *s = &b->sh[i];
        struct kb_buf p = KB_BUF_INIT;
        kb_buf_printf(&p, "%s/%u", b->root, i);
        s->path = p.data;
        if ((rc = kb_index_open(s->path, KB_INDEX_WRITE, &s->ix, err)))
            break;
        if (opts)
            kb_index_set_opts(s->ix, opts);
        kb_index_hold_spelling(s->ix);
        if (pthread_create(&s->th, NULL, shard_main, s) != 0)
            rc = kb_err_set(err, KB_EINTERNAL, "cannot start a shard writer thread");
        else
            s->started = 1;
    }
    if (rc) {
        bulk_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

/* Queues a document the store holds (taking ownership of d, heap): put
 * with its derived fields, or removed when no database takes it. */
static int bulk_put(struct kb_bulk *b, struct kb_store *st, struct kb_doc *d,
                    struct kb_err *err)
{
    struct item it = {kb_sync_target(d), d->kind, d->number, d};
    if (it.db) {
        kb_sync_derive(st, b->vocab, d);
        b->count++;
    } else {
        item_free(&it);
    }
    return bulk_push(b, it, err);
}

/* Merges srcs (then the shards) into dest. */
static int bulk_merge(struct kb_bulk *b, const char *first, const char *dest, struct kb_err *err)
{
    const char **srcs = kb_xcalloc(b->n + 1, sizeof *srcs);
    size_t n = 0;
    if (first)
        srcs[n++] = first;
    for (unsigned i = 0; i < b->n; i++)
        srcs[n++] = b->sh[i].path;
    remove_tree(dest);
    int rc = kb_index_merge(srcs, n, dest, err);
    free(srcs);
    return rc;
}

/* ---- rebuild ---- */

struct rebuild_ctx {
    struct kb_bulk *b;
    struct kb_store *st;
    struct kb_err *err;
};

static int rebuild_feed(void *ud, const struct kb_doc *d)
{
    struct rebuild_ctx *c = ud;
    if (!kb_sync_target(d))
        return 0;
    struct kb_doc *copy = kb_xmalloc(sizeof *copy);
    kb_doc_copy(copy, d);
    return bulk_put(c->b, c->st, copy, c->err);
}

int kb_bulk_rebuild(struct kb_store *st, const char *dir, const struct kb_index_opts *opts,
                    unsigned jobs, size_t *count, struct kb_err *err)
{
    struct kb_buf tmp = KB_BUF_INIT;
    struct kb_bulk *b = NULL;
    struct kb_index *ix = NULL;
    int64_t last = 0;
    int rc;
    kb_buf_printf(&tmp, "%s.rebuild", dir);
    remove_tree(tmp.data);
    /* Everything up to now is in the store; rows added while we copy are
     * applied after the swap by the next kb_sync_apply. */
    if ((rc = kb_store_outbox_last(st, &last, err)) ||
        (rc = bulk_new(dir, jobs, opts, &b, err)))
        goto out;
    /* Public phrases are judged again once the whole vocabulary is there
     * (kb_sync_relearn below): a shard's own will do meanwhile. */
    b->vocab = b->sh[0].ix;
    struct rebuild_ctx c = {b, st, err};
    rc = kb_store_each(st, rebuild_feed, &c, err);
    int src = bulk_stop(b, rc ? NULL : err);
    if (rc || (rc = src) || (rc = bulk_merge(b, NULL, tmp.data, err)))
        goto out;
    if ((rc = kb_index_open(tmp.data, KB_INDEX_WRITE, &ix, err)))
        goto out;
    if (opts)
        kb_index_set_opts(ix, opts);
    if ((rc = bulk_take_spelling(b, ix, err)))
        goto out;
    bulk_close(b);
    if ((rc = kb_sync_relearn(st, ix, err)) || (rc = kb_sync_synonyms(st, ix, err)) ||
        (kb_sync_bridges(ix), (rc = kb_index_commit(ix, last, err))))
        goto out;
    kb_index_close(ix);
    ix = NULL;
    if ((rc = swap_in(dir, tmp.data, err)))
        goto out;
    if (count)
        *count = b->count;
out:
    if (ix)
        kb_index_close(ix);
    bulk_free(b);
    remove_tree(tmp.data);
    kb_buf_release(&tmp);
    return rc;
}

/* ---- add: the outbox on shards, merged with the live index ---- */

int kb_bulk_start(struct kb_index *ix, const char *dir, unsigned jobs, struct kb_bulk **out,
                  struct kb_err *err)
{
    int64_t pub_seq, int_seq;
    int rc;
    *out = NULL;
    if ((rc = kb_index_last_seq(ix, KB_DB_PUBLIC, &pub_seq, err)) ||
        (rc = kb_index_last_seq(ix, KB_DB_INTERNAL, &int_seq, err)))
        return rc;
    struct kb_bulk *b = NULL;
    if ((rc = bulk_new(dir, jobs, NULL, &b, err)))
        return rc;
    b->vocab = ix; /* as kb_sync_pipe: the live index's committed vocabulary */
    b->number_max = kb_index_number_max(ix);
    /* Both databases commit together; after a crash between their two
     * commits, replay from the older one (as kb_sync_apply). */
    b->start = b->after = pub_seq < int_seq ? pub_seq : int_seq;
    *out = b;
    return 0;
}

static void keep(struct kb_bulk *b, int kind, int64_t number)
{
    if (b->nkept == b->capkept) {
        b->capkept = b->capkept ? b->capkept * 2 : 64;
        b->kept = kb_xrealloc(b->kept, b->capkept * sizeof *b->kept);
    }
    b->kept[b->nkept].kind = kind;
    b->kept[b->nkept].number = number;
    b->nkept++;
}

int kb_bulk_feed(struct kb_bulk *b, struct kb_store *st, size_t *fed, struct kb_err *err)
{
    int rc = 0;
    if (fed)
        *fed = 0;
    for (;;) {
        struct kb_outbox_row *rows = NULL;
        size_t n = 0;
        if ((rc = kb_store_outbox_after(st, b->after, 1000, &rows, &n, err)))
            return rc;
        if (n == 0) {
            free(rows);
            return 0;
        }
        for (size_t i = 0; i < n && !rc; i++) {
            /* A document the live index may hold is put or removed there,
             * after the merge: a shard's copy would be a second one. */
            if (rows[i].number <= b->number_max) {
                keep(b, rows[i].kind, rows[i].number);
                continue;
            }
            struct kb_doc *d = kb_xmalloc(sizeof *d);
            rc = kb_store_get(st, rows[i].kind, rows[i].number, d, err);
            if (rc == 0) {
                rc = bulk_put(b, st, d, err);
            } else {
                free(d);
                if (rc == KB_ENOTFOUND) {
                    struct item it = {0, rows[i].kind, rows[i].number, NULL};
                    rc = bulk_push(b, it, err);
                }
            }
        }
        b->after = rows[n - 1].seq;
        free(rows);
        if (rc)
            return rc;
        if (fed)
            *fed += n;
    }
}

int kb_bulk_finish(struct kb_bulk *b, struct kb_store *st, struct kb_index **ixp,
                   struct kb_err *err)
{
    struct kb_buf tmp = KB_BUF_INIT;
    struct kb_index *mix = NULL;
    int rc;
    if (!b)
        return 0;
    kb_buf_printf(&tmp, "%s.merge", b->dir);
    double t0 = now();
    if ((rc = bulk_stop(b, err)) || b->after == b->start)
        goto out;
    double t1 = now();
    /* The live index first: its documents keep their order, its synonyms
     * and metadata come along. Nobody writes it: we hold its lock. */
    if ((rc = bulk_merge(b, b->dir, tmp.data, err)) ||
        (rc = kb_index_open(tmp.data, KB_INDEX_WRITE, &mix, err)) ||
        (rc = bulk_take_spelling(b, mix, err)))
        goto out;
    bulk_close(b);
    for (size_t i = 0; i < b->nkept && rc == 0; i++)
        rc = kb_sync_apply_row(st, mix, b->kept[i].kind, b->kept[i].number, err);
    /* The one place the seq is recorded: every row up to it is in mix. */
    if (rc == 0)
        kb_sync_bridges(mix);
    if (rc || (rc = kb_index_commit(mix, b->after, err)))
        goto out;
    kb_index_close(mix);
    mix = NULL;
    kb_log(KB_LOG_INFO, "sync: %zu documents on %u shards, merged in %.1f s (shards' last "
           "commits %.1f s, %zu rows applied after)", b->count, b->n, now() - t1, t1 - t0, b->nkept);
    /* Swapped while the old handle still holds the lock, so no server can
     * start writing the old index in between. */
    if ((rc = swap_in(b->dir, tmp.data, err)))
        goto out;
    kb_index_close(*ixp);
    *ixp = NULL;
    rc = kb_index_open(b->dir, KB_INDEX_WRITE, ixp, err);
out:
    if (mix)
        kb_index_close(mix);
    remove_tree(tmp.data);
    kb_buf_release(&tmp);
    bulk_free(b);
    return rc;
}
