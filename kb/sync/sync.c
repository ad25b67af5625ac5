/* Outbox -> index. */
#include "kb/sync/sync.h"

#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kb/base/buf.h"
#include "kb/store/events.h"
#include "kb/store/learn.h"
#include "kb/base/log.h"

int kb_sync_target(const struct kb_doc *d)
{
    if (d->kind == KB_KIND_TICKET)
        return KB_DB_INTERNAL;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return d->audience == KB_AUD_PUBLIC ? KB_DB_PUBLIC : KB_DB_INTERNAL;
}

/* Copies an article's votes and clicks into d for the ranking's prior; a
 * failure is logged and leaves zeros (no prior), never stops indexing. */
static void add_usage(struct kb_store *st, struct kb_doc *d)
{
    struct kb_usage u;
    struct kb_err err;
    if (d->kind != KB_KIND_ARTICLE || d->number <= 0)
        return;
    if (kb_events_usage(st, d->number, &u, &err) != 0) {
        kb_log(KB_LOG_WARN, "sync: KB-%lld indexed without its prior: %s",
               (long long)d->number, err.msg);
        return;
    }
    d->helpful = u.helpful;
    d->unhelpful = u.unhelpful;
    d->clicks = u.clicks;
    d->solved = u.solved;
}

static int public_vocab(void *ud, const char *locale, const char *word)
{
    return kb_index_vocab(ud, locale, word);
}

/* The phrases the public copy of a public article may learn (kb/store/learn.h),
 * judged against the public vocabulary of ix. A failure is logged and
 * leaves none: the public copy then learns nothing, never too much. */
static void add_learned(struct kb_store *st, struct kb_index *ix, struct kb_doc *d)
{
    struct kb_err err;
    free(d->asked_public);
    d->asked_public = NULL;
    if (d->kind != KB_KIND_ARTICLE || kb_sync_target(d) != KB_DB_PUBLIC)
        return;
    if (kb_learn_public(st, d->number, d->locale, public_vocab, ix, &d->asked_public, &err))
        kb_log(KB_LOG_WARN, "sync: KB-%lld indexed without its public phrases: %s",
               (long long)d->number, err.msg);
}

void kb_sync_derive(struct kb_store *st, struct kb_index *ix, struct kb_doc *d)
{
    add_usage(st, d);
    add_learned(st, ix, d);
}

int kb_sync_apply_row(struct kb_store *st, struct kb_index *ix, int kind, int64_t number,
                      struct kb_err *err)
{
    struct kb_doc d;
    int rc = kb_store_get(st, kind, number, &d, err);
    if (rc == KB_ENOTFOUND)
        return kb_index_delete(ix, kind, number, err);
    if (rc)
        return rc;
    int db = kb_sync_target(&d);
    if (db)
        kb_sync_derive(st, ix, &d);
    rc = db ? kb_index_put(ix, db, &d, err) : kb_index_delete(ix, kind, number, err);
    kb_doc_release(&d);
    return rc;
}

int kb_sync_apply(struct kb_store *st, struct kb_index *ix, size_t batch, size_t *applied,
                  struct kb_err *err)
{
    int64_t pub_seq, int_seq;
    size_t done = 0;
    int rc;
    if (applied)
        *applied = 0;
    if (!batch)
        batch = 1000;
    if ((rc = kb_index_last_seq(ix, KB_DB_PUBLIC, &pub_seq, err)) ||
        (rc = kb_index_last_seq(ix, KB_DB_INTERNAL, &int_seq, err)))
        return rc;
    /* Both databases commit together; after a crash between their two
     * commits, replay from the older one (applying twice is harmless). */
    int64_t after = pub_seq < int_seq ? pub_seq : int_seq;
    for (;;) {
        struct kb_outbox_row *rows = NULL;
        size_t n = 0;
        if ((rc = kb_store_outbox_after(st, after, batch, &rows, &n, err)))
            return rc;
        if (n == 0) {
            free(rows);
            break;
        }
        for (size_t i = 0; i < n; i++) {
            /* The same document may appear many times in a batch: the state
             * is reloaded each time, so only the last one matters, but the
             * cost is small next to the commit. */
            rc = kb_sync_apply_row(st, ix, rows[i].kind, rows[i].number, err);
            if (rc) {
                free(rows);
                return rc;
            }
        }
        after = rows[n - 1].seq;
        free(rows);
        if ((rc = kb_index_commit(ix, after, err)))
            return rc;
        done += n;
        kb_store_outbox_trim(st, after, NULL);
    }
    /* Bridges after the content, so that a mining never delays it. */
    if (kb_sync_bridges(ix) && (rc = kb_index_commit(ix, -1, err)))
        return rc;
    if (applied)
        *applied = done;
    return 0;
}

int kb_sync_bridges(struct kb_index *ix)
{
    struct kb_bridge_stats bs;
    struct kb_err err;
    if (kb_index_bridges_update(ix, 0, &bs, &err) != 0) {
        kb_log(KB_LOG_WARN, "sync: word bridges not mined: %s", err.msg);
        return 0;
    }
    if (bs.mined)
        kb_log(KB_LOG_INFO, "sync: word bridges of %llu documents mined in %.2f s: %llu words, "
               "%llu bridges", (unsigned long long)bs.docs, bs.seconds,
               (unsigned long long)bs.words, (unsigned long long)bs.bridges);
    return bs.mined > 0;
}

int kb_sync_synonyms(struct kb_store *st, struct kb_index *ix, struct kb_err *err)
{
    struct kb_synonym *syn = NULL;
    size_t n = 0;
    int rc = kb_store_synonyms(st, &syn, &n, err);
    if (rc)
        return rc;
    const char **a = kb_xcalloc(n ? n : 1, sizeof *a);
    const char **b = kb_xcalloc(n ? n : 1, sizeof *b);
    for (size_t i = 0; i < n; i++) {
        a[i] = syn[i].term;
        b[i] = syn[i].synonym;
    }
    rc = kb_index_set_synonyms(ix, a, b, n, err);
    free(a);
    free(b);
    kb_synonyms_free(syn, n);
    return rc;
}

struct rebuild_ctx {
    struct kb_store *st;
    struct kb_index *ix;
    size_t count;
    struct kb_err *err;
};

static int rebuild_one(void *ud, const struct kb_doc *d)
{
    struct rebuild_ctx *c = ud;
    int db = kb_sync_target(d);
    if (!db)
        return 0;
    struct kb_doc with_usage = *d; /* a shallow copy: only derived fields change */
    with_usage.asked_public = NULL;
    kb_sync_derive(c->st, c->ix, &with_usage);
    int rc = kb_index_put(c->ix, db, &with_usage, c->err);
    free(with_usage.asked_public);
    if (rc)
        return rc;
    if (++c->count % 2000 == 0)
        return kb_index_commit(c->ix, -1, c->err);
    return 0;
}

int kb_sync_relearn(struct kb_store *st, struct kb_index *ix, struct kb_err *err)
{
    int64_t *nums = NULL;
    size_t n = 0;
    int rc = kb_learn_articles(st, &nums, &n, err);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct kb_doc d;
        rc = kb_store_get(st, KB_KIND_ARTICLE, nums[i], &d, err);
        if (rc == KB_ENOTFOUND) {
            rc = 0;
            continue;
        }
        if (rc)
            break;
        if (kb_sync_target(&d) == KB_DB_PUBLIC) {
            kb_sync_derive(st, ix, &d);
            rc = kb_index_put(ix, KB_DB_PUBLIC, &d, err);
        }
        kb_doc_release(&d);
    }
    free(nums);
    return rc;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Removes a directory tree this module created next to the index. */
static int remove_tree(const char *path)
{
    return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int kb_sync_rebuild(struct kb_store *st, const char *dir, const struct kb_index_opts *opts,
                    size_t *count, struct kb_err *err)
{
    struct kb_buf tmp = KB_BUF_INIT, old = KB_BUF_INIT;
    struct kb_index *ix = NULL;
    int64_t last = 0;
    int rc;
    kb_buf_printf(&tmp, "%s.rebuild", dir);
    kb_buf_printf(&old, "%s.old", dir);
    remove_tree(tmp.data);
    /* Everything up to now is in the store; rows added while we copy are
     * applied after the swap by the next kb_sync_apply. */
    if ((rc = kb_store_outbox_last(st, &last, err)))
        goto out;
    if ((rc = kb_index_open(tmp.data, KB_INDEX_WRITE, &ix, err)))
        goto out;
    if (opts)
        kb_index_set_opts(ix, opts);
    struct rebuild_ctx c = {st, ix, 0, err};
    if ((rc = kb_store_each(st, rebuild_one, &c, err)))
        goto out;
    /* Public phrases are judged against the public vocabulary, which was
     * being built: judge the articles that learned any again, now. */
    if ((rc = kb_index_commit(ix, -1, err)) || (rc = kb_sync_relearn(st, ix, err)))
        goto out;
    if ((rc = kb_sync_synonyms(st, ix, err)))
        goto out;
    kb_sync_bridges(ix);
    if ((rc = kb_index_commit(ix, last, err)))
        goto out;
    kb_index_close(ix);
    ix = NULL;
    remove_tree(old.data);
    if (rename(dir, old.data) != 0 && errno != ENOENT) {
        rc = kb_err_set(err, KB_EIO, "cannot move old index '%s' aside: %s", dir, strerror(errno));
        goto out;
    }
    if (rename(tmp.data, dir) != 0) {
        rc = kb_err_set(err, KB_EIO, "cannot move new index into '%s': %s", dir, strerror(errno));
        rename(old.data, dir);
        goto out;
    }
    remove_tree(old.data);
    if (count)
        *count = c.count;
out:
    if (ix)
        kb_index_close(ix);
    if (rc)
        remove_tree(tmp.data);
    kb_buf_release(&tmp);
    kb_buf_release(&old);
    return rc;
}

/* ---- the pipelined apply: a feeder thread prepares, a writer writes ---- */

struct pipe_item {
    int64_t seq;
    int kind;
    int64_t number;
    struct kb_index_prepared *prep; /* NULL: remove the document */
};

#define PIPE_CAP 256

struct kb_sync_pipe {
    struct kb_index *ix;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct pipe_item q[PIPE_CAP];
    size_t head, count;
    int finished; /* the feeder is done */
    int rc;       /* the writer's first error */
    struct kb_err err;
    int64_t after; /* last seq fed */
};

static void pipe_fail(struct kb_sync_pipe *p, int rc, const struct kb_err *err)
{
    pthread_mutex_lock(&p->mu);
    if (!p->rc) {
        p->rc = rc;
        if (err)
            p->err = *err;
    }
    pthread_cond_broadcast(&p->not_full);
    pthread_mutex_unlock(&p->mu);
}

static void *pipe_writer(void *arg)
{
    struct kb_sync_pipe *p = arg;
    size_t since = 0;
    int64_t last = -1;
    struct kb_err err;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->count == 0 && !p->finished)
            pthread_cond_wait(&p->not_empty, &p->mu);
        if (p->count == 0) {
            pthread_mutex_unlock(&p->mu);
            break;
        }
        struct pipe_item it = p->q[p->head];
        p->head = (p->head + 1) % PIPE_CAP;
        p->count--;
        int failed = p->rc != 0;
        pthread_cond_signal(&p->not_full);
        pthread_mutex_unlock(&p->mu);
        if (failed) {
            kb_index_prepared_free(it.prep);
            continue;
        }
        int rc = it.prep ? kb_index_put_prepared(p->ix, it.prep, &err)
                         : kb_index_delete(p->ix, it.kind, it.number, &err);
        if (rc == 0) {
            last = it.seq;
            /* The same commit interval as kb_sync_apply's batches. */
            if (++since >= 1000) {
                since = 0;
                rc = kb_index_commit(p->ix, last, &err);
            }
        }
        if (rc)
            pipe_fail(p, rc, &err);
    }
    if (!p->rc && since) {
        int rc = kb_index_commit(p->ix, last, &err);
        if (rc)
            pipe_fail(p, rc, &err);
    }
    return NULL;
}

int kb_sync_pipe_start(struct kb_index *ix, struct kb_sync_pipe **out, struct kb_err *err)
{
    int64_t pub_seq, int_seq;
    int rc;
    *out = NULL;
    if ((rc = kb_index_last_seq(ix, KB_DB_PUBLIC, &pub_seq, err)) ||
        (rc = kb_index_last_seq(ix, KB_DB_INTERNAL, &int_seq, err)))
        return rc;
    struct kb_sync_pipe *p = kb_xcalloc(1, sizeof *p);
    p->ix = ix;
    p->after = pub_seq < int_seq ? pub_seq : int_seq;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->not_empty, NULL);
    pthread_cond_init(&p->not_full, NULL);
    if (pthread_create(&p->th, NULL, pipe_writer, p) != 0) {
        pthread_mutex_destroy(&p->mu);
        pthread_cond_destroy(&p->not_empty);
        pthread_cond_destroy(&p->not_full);
        free(p);
        return kb_err_set(err, KB_EINTERNAL, "cannot start the index writer thread");
    }
    *out = p;
    return 0;
}

/* Queues one item, waiting while the queue is full. Fails (and frees the
 * item) once the writer has failed. */
static int pipe_push(struct kb_sync_pipe *p, struct pipe_item it, struct kb_err *err)
{
    pthread_mutex_lock(&p->mu);
    while (p->count == PIPE_CAP && !p->rc)
        pthread_cond_wait(&p->not_full, &p->mu);
    int rc = p->rc;
    if (rc) {
        if (err)
            *err = p->err;
    } else {
        p->q[(p->head + p->count) % PIPE_CAP] = it;
        p->count++;
        pthread_cond_signal(&p->not_empty);
    }
    pthread_mutex_unlock(&p->mu);
    if (rc)
        kb_index_prepared_free(it.prep);
    return rc;
}

int kb_sync_pipe_feed(struct kb_sync_pipe *p, struct kb_store *st, size_t *fed,
                      struct kb_err *err)
{
    int rc = 0;
    if (fed)
        *fed = 0;
    for (;;) {
        struct kb_outbox_row *rows = NULL;
        size_t n = 0;
        if ((rc = kb_store_outbox_after(st, p->after, 1000, &rows, &n, err)))
            return rc;
        if (n == 0) {
            free(rows);
            return 0;
        }
        for (size_t i = 0; i < n && !rc; i++) {
            struct pipe_item it = {rows[i].seq, rows[i].kind, rows[i].number, NULL};
            struct kb_doc d;
            rc = kb_store_get(st, it.kind, it.number, &d, err);
            if (rc == KB_ENOTFOUND) {
                rc = 0;
            } else if (rc == 0) {
                int db = kb_sync_target(&d);
                if (db) {
                    kb_sync_derive(st, p->ix, &d); /* as kb_sync_apply_row */
                    rc = kb_index_prepare(p->ix, db, &d, &it.prep, err);
                }
                kb_doc_release(&d);
            }
            if (rc == 0)
                rc = pipe_push(p, it, err);
        }
        p->after = rows[n - 1].seq;
        free(rows);
        if (rc)
            return rc;
        if (fed)
            *fed += n;
    }
}

int kb_sync_pipe_finish(struct kb_sync_pipe *p, struct kb_err *err)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    p->finished = 1;
    pthread_cond_signal(&p->not_empty);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    int rc = p->rc;
    if (rc && err)
        *err = p->err;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->not_empty);
    pthread_cond_destroy(&p->not_full);
    free(p);
    return rc;
}
