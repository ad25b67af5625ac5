/* Outbox -> index. */
#include "sync.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"

int kb_sync_target(const struct kb_doc *d)
{
    if (d->kind == KB_KIND_TICKET)
        return KB_DB_INTERNAL;
    if (d->status != KB_STATUS_PUBLISHED)
        return 0;
    return d->audience == KB_AUD_PUBLIC ? KB_DB_PUBLIC : KB_DB_INTERNAL;
}

/* Brings one document's index entry in line with the store. */
static int apply_one(struct kb_store *st, struct kb_index *ix, int kind, int64_t number,
                     struct kb_err *err)
{
    struct kb_doc d;
    int rc = kb_store_get(st, kind, number, &d, err);
    if (rc == KB_ENOTFOUND)
        return kb_index_delete(ix, kind, number, err);
    if (rc)
        return rc;
    int db = kb_sync_target(&d);
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
            rc = apply_one(st, ix, rows[i].kind, rows[i].number, err);
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
    if (applied)
        *applied = done;
    return 0;
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
    int rc = kb_index_put(c->ix, db, d, c->err);
    if (rc)
        return rc;
    if (++c->count % 2000 == 0)
        return kb_index_commit(c->ix, -1, c->err);
    return 0;
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
    struct rebuild_ctx c = {ix, 0, err};
    if ((rc = kb_store_each(st, rebuild_one, &c, err)))
        goto out;
    if ((rc = kb_sync_synonyms(st, ix, err)))
        goto out;
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
