/* Per-thread handles: each worker thread keeps its own store connection and
 * index reader (SQLite and Xapian handles are not shared between threads),
 * made on its first request and listed in struct srv to be closed at exit. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "kb/base/log.h"
#include "kb/store/topic_store.h"
#include "scale/scaleout.h"
#include "srv.h"
#include "sync_thread.h"

static _Thread_local struct srv_ctx *tl_ctx;
static _Thread_local uint64_t tl_store_gen; /* replica: the store copy tl_ctx->st reads */

struct srv_ctx *srv_thread_ctx(struct srv *s, struct srv_resp *w)
{
    /* A replica's store is a copy replaced by newer ones: move to the
     * newest at the start of a request, never during one. */
    char copy[4096];
    uint64_t gen = srv_scale_store(copy, sizeof copy);
    if (tl_ctx && tl_ctx->st && gen == tl_store_gen)
        return tl_ctx;
    if (tl_ctx && tl_ctx->st) {
        kb_store_close(tl_ctx->st);
        tl_ctx->st = NULL;
    }
    if (!tl_ctx) {
        tl_ctx = kb_xcalloc(1, sizeof *tl_ctx);
        tl_ctx->srv = s;
        pthread_mutex_lock(&s->ctx_mu);
        if (s->nctxs < sizeof s->ctxs / sizeof *s->ctxs)
            s->ctxs[s->nctxs++] = tl_ctx;
        pthread_mutex_unlock(&s->ctx_mu);
    }
    struct kb_err err;
    if (kb_store_open(gen ? copy : s->store_path, &tl_ctx->st, &err) != 0) {
        kb_log(KB_LOG_ERROR, "server: %s", err.msg);
        srv_error(w, 503, "unavailable", "the store cannot be opened");
        return NULL;
    }
    /* No search waits for a WAL checkpoint: the checkpointer thread of
     * sync_thread.c runs them (on the primary's store; a replica's copy
     * checkpoints for itself). */
    if (!gen)
        srv_sync_defer_checkpoints(s, tl_ctx->st);
    tl_store_gen = gen;
    return tl_ctx;
}

void srv_ctx_free_all(struct srv *s)
{
    pthread_mutex_lock(&s->ctx_mu);
    for (size_t i = 0; i < s->nctxs; i++) {
        kb_index_close(s->ctxs[i]->ix);
        kb_store_close(s->ctxs[i]->st);
        kb_topic_list_free(s->ctxs[i]->topics, s->ctxs[i]->ntopics);
        free(s->ctxs[i]);
    }
    s->nctxs = 0;
    pthread_mutex_unlock(&s->ctx_mu);
}

struct kb_index *srv_index(struct srv_ctx *c, struct srv_resp *w)
{
    uint64_t gen = atomic_load(&c->srv->index_gen);
    struct kb_err err;
    if (!c->ix) {
        if (srv_scale_open_index(c->srv, &c->ix, &err) != 0) {
            kb_log(KB_LOG_WARN, "server: %s", err.msg);
            srv_error(w, 503, "unavailable", "the search index is not ready");
            return NULL;
        }
        c->ix_gen = gen;
    } else if (c->ix_gen != gen || time(NULL) - c->ix_checked >= 1) {
        /* Also once a second: another process may hold the write lock. */
        c->ix_checked = time(NULL);
        if (kb_index_reopen(c->ix, &err) != 0) {
            kb_log(KB_LOG_WARN, "server: reopen: %s", err.msg);
            kb_index_close(c->ix);
            c->ix = NULL;
            return srv_index(c, w);
        }
        c->ix_gen = gen;
    }
    return c->ix;
}
