/* Parsed documents into the store in batches (see load.h). */
#include "kb/sync/load.h"

#include <stdio.h>
#include <string.h>

#include "kb/base/log.h"
#include "kb/ingest/ingest.h"
#include "kb/store/media_store.h"
#include "kb/store/topic_store.h"

void kb_load_init(struct kb_load *l, struct kb_store *st, size_t batch)
{
    memset(l, 0, sizeof *l);
    l->st = st;
    l->batch = batch;
    l->kind = KB_LOAD_ANY_KIND;
}

static void report(struct kb_load *l, int fault, const char *where, const struct kb_doc *d,
                   const char *why)
{
    l->failed++;
    if (l->bad)
        l->bad(l->ud, fault, where, d, why);
}

void kb_load_bad(struct kb_load *l, const char *where, const char *why)
{
    report(l, KB_LOAD_UNREADABLE, where, NULL, why);
}

/* Why a document of another kind is refused; tickets are told what makes one. */
static void wrong_kind(struct kb_load *l, const struct kb_doc *d)
{
    char why[256];
    const char *id = d->source_id ? d->source_id : "?";
    if (l->kind == KB_KIND_TICKET)
        snprintf(why, sizeof why, "record '%s' is not a ticket: it needs a 'subject'", id);
    else
        snprintf(why, sizeof why, "record '%s' is not an article", id);
    report(l, KB_LOAD_WRONG_KIND, id, d, why);
}

static int fail(struct kb_load *l, const struct kb_err *err)
{
    l->err = *err;
    l->fatal = 1;
    if (l->open) /* only a transaction of ours */
        kb_store_rollback(l->st);
    l->open = 0;
    l->in_batch = 0;
    return err->code ? err->code : KB_EINTERNAL;
}

static int commit(struct kb_load *l)
{
    struct kb_err err;
    size_t n = l->in_batch;
    l->in_batch = 0;
    l->open = 0;
    if (kb_store_commit(l->st, &err) != 0)
        return fail(l, &err);
    if (l->committed)
        l->committed(l->ud, n);
    return 0;
}

struct media_ctx {
    struct kb_load *l;
    int public;
    struct kb_err err;
};

static int media_put(void *ud, const char *key, const char *type, const char *data, size_t len)
{
    struct media_ctx *m = ud;
    return kb_media_put(m->l->st, key, type, data, len, m->public, &m->err);
}

/* An image that cannot be imported leaves its article in (shown with its
 * alt text): a warning naming the file, not a failed document. */
static void media_bad(void *ud, const char *where, const char *why)
{
    (void)ud;
    kb_log(KB_LOG_WARN, "load: image '%s' not imported: %s", where, why);
}

int kb_load_doc(struct kb_load *l, const struct kb_doc *d)
{
    struct kb_err err;
    int result;
    int64_t number;
    if (l->fatal)
        return l->err.code ? l->err.code : KB_EINTERNAL;
    if (l->kind != KB_LOAD_ANY_KIND && d->kind != l->kind) {
        wrong_kind(l, d);
        return 0;
    }
    if (!l->open) {
        if (kb_store_begin(l->st, &err) != 0)
            return fail(l, &err);
        l->open = 1;
    }
    if (kb_store_put(l->st, d, NULL, &result, &number, &err) != 0) {
        if (err.code == KB_EINVAL) {
            char where[1024];
            snprintf(where, sizeof where, "%s", d->source_path ? d->source_path : d->source_id);
            report(l, KB_LOAD_REFUSED, where, d, err.msg);
            return 0;
        }
        return fail(l, &err);
    }
    if (d->kind == KB_KIND_ARTICLE && result != KB_PUT_UNCHANGED) {
        struct media_ctx m = {l, d->audience == KB_AUD_PUBLIC &&
                                     d->status == KB_STATUS_PUBLISHED, {0, ""}};
        if (kb_ingest_media_each(d, media_put, media_bad, &m) != 0)
            return fail(l, &m.err);
    }
    if (d->category_parent && *d->category_parent && d->category &&
        d->kind == KB_KIND_ARTICLE &&
        kb_topic_import_section(l->st, d->category_parent, d->category, d->locale,
                                d->category_parent_name, d->category_name, &err) != 0 &&
        err.code != KB_EINVAL)
        return fail(l, &err);
    if (d->topic && d->kind == KB_KIND_ARTICLE) {
        struct kb_topic t = {d->topic, d->locale, d->category, d->title, d->summary, NULL, 0, 0,
                             1};
        if (kb_topic_import(l->st, &t, &err) != 0 && err.code != KB_EINVAL)
            return fail(l, &err);
    }
    if (result == KB_PUT_ADDED)
        l->added++;
    else if (result == KB_PUT_UPDATED)
        l->updated++;
    else
        l->unchanged++;
    if (++l->in_batch >= l->batch && l->batch > 0)
        return commit(l);
    return 0;
}

static int sink_doc(void *ud, const struct kb_doc *d)
{
    return kb_load_doc(ud, d);
}

static void sink_bad(void *ud, const char *where, const char *why)
{
    kb_load_bad(ud, where, why);
}

struct kb_ingest_sink kb_load_sink(struct kb_load *l)
{
    struct kb_ingest_sink s = {sink_doc, sink_bad, l};
    return s;
}

int kb_load_finish(struct kb_load *l)
{
    if (l->fatal)
        return l->err.code ? l->err.code : KB_EINTERNAL;
    int code = l->open ? commit(l) : 0;
    struct kb_err err;
    size_t named = 0;
    if (code == 0 && l->kind != KB_KIND_TICKET &&
        kb_topic_import_pages(l->st, &named, &err) != 0)
        return fail(l, &err);
    return code;
}
