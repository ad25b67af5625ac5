/* Tests for kb/sync.c: outbox application, replay after a crash, audience
 * routing, rebuild from the store alone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/search.h"
#include "kb/store.h"
#include "kb/sync.h"

static int64_t put_article(struct kb_store *st, const char *src, const char *title,
                           const char *text, int audience, int status)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, "en");
    d.audience = audience;
    d.status = status;
    int result;
    int64_t number = 0;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &number, &err), 0);
    kb_doc_release(&d);
    return number;
}

static size_t hits_for(struct kb_index *ix, int role, const char *q)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    struct kb_result *r = NULL;
    struct kb_err err;
    if (kb_search(ix, role, &o, &r, &err) != 0)
        return (size_t)-1;
    size_t n = r->nhits;
    kb_result_free(r);
    return n;
}

int main(void)
{
    char dir[] = "/tmp/kb-test-sync-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[256], idx[256];
    snprintf(db, sizeof db, "%s/kb.sqlite3", dir);
    snprintf(idx, sizeof idx, "%s/index", dir);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(db, &st, &err), 0);
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, &ix, &err), 0);

    int64_t pub = put_article(st, "pub", "Printer offline", "Restart the quillpad spooler.",
                              KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
    put_article(st, "int", "Escalation runbook", "Page the marrowfax on-call.", KB_AUD_INTERNAL,
                KB_STATUS_PUBLISHED);
    put_article(st, "draft", "Unreleased feature", "The glimmerwick toggle ships soon.",
                KB_AUD_PUBLIC, KB_STATUS_DRAFT);
    size_t applied = 0;
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(applied, 3);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "quillpad"), 1);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "marrowfax"), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_AGENT, "marrowfax"), 1);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "glimmerwick"), 0); /* drafts: nowhere */
    CHECK_INT(hits_for(ix, KB_ROLE_AGENT, "glimmerwick"), 0);

    /* Nothing pending: applies nothing. */
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(applied, 0);

    /* Unpublish: gone for customers. */
    CHECK_INT(kb_store_set_status(st, pub, KB_STATUS_DRAFT, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "quillpad"), 0);
    CHECK_INT(kb_store_set_status(st, pub, KB_STATUS_PUBLISHED, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "quillpad"), 1);

    /* A crash after the store committed but before the index did: the
     * index's seq is behind, and the next apply replays without duplicates. */
    int64_t seq_before = 0;
    kb_index_last_seq(ix, KB_DB_PUBLIC, &seq_before, &err);
    put_article(st, "late", "Scanner jams", "Clear the frumious roller.", KB_AUD_PUBLIC,
                KB_STATUS_PUBLISHED);
    kb_index_close(ix); /* "crash": nothing applied */
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "frumious"), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(applied, 1);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "frumious"), 1);
    /* Replaying everything again (index seq reset) changes nothing. */
    CHECK_INT(kb_index_commit(ix, 0, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 2, &applied, &err), 0);
    uint64_t n = 0;
    kb_index_count(ix, KB_DB_PUBLIC, &n, &err);
    CHECK_INT(n, 2);
    kb_index_count(ix, KB_DB_INTERNAL, &n, &err);
    CHECK_INT(n, 1);

    /* Remove. */
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, pub, &err), 0);
    CHECK_INT(kb_sync_apply(st, ix, 0, &applied, &err), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_AGENT, "quillpad"), 0);
    kb_index_close(ix);

    /* Rebuild from the store alone. */
    size_t count = 0;
    CHECK_INT(kb_sync_rebuild(st, idx, NULL, &count, &err), 0);
    CHECK_INT(count, 2); /* "late" and "int"; the draft is not indexed */
    CHECK_INT(kb_index_open(idx, KB_INDEX_READ, &ix, &err), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "frumious"), 1);
    CHECK_INT(hits_for(ix, KB_ROLE_AGENT, "marrowfax"), 1);
    int64_t last = 0, iseq = 0;
    kb_store_outbox_last(st, &last, &err);
    kb_index_last_seq(ix, KB_DB_PUBLIC, &iseq, &err);
    CHECK_INT(iseq, last);
    kb_index_close(ix);
    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_sync");
}
