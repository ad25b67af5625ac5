/* Tests for kb/sync/sync.c: outbox application, replay after a crash, audience
 * routing, rebuild from the store alone. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/search/search.h"
#include "kb/store/store.h"
#include "kb/sync/sync.h"

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

/* The pipelined apply (kb-indexer add): documents, a replaced one, a draft
 * and a removed one land as kb_sync_apply would land them, committed with the
 * last seq, spelling included. */
static void test_pipe(void)
{
    char dir[] = "/tmp/kb-test-pipe-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[256], idx[256];
    snprintf(db, sizeof db, "%s/kb.sqlite3", dir);
    snprintf(idx, sizeof idx, "%s/index", dir);
    struct kb_store *st = NULL;
    struct kb_index *ix = NULL;
    struct kb_sync_pipe *p = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(db, &st, &err), 0);
    CHECK_INT(kb_index_open(idx, KB_INDEX_WRITE, &ix, &err), 0);
    CHECK_INT(kb_sync_pipe_start(ix, &p, &err), 0);
    char src[32], text[64];
    size_t fed = 0, total = 0;
    for (int i = 0; i < 2500; i++) {
        if (i % 500 == 0)
            CHECK_INT(kb_store_begin(st, &err), 0);
        snprintf(src, sizeof src, "pipe-%d", i);
        snprintf(text, sizeof text, "Document %d about the vorpal printer.", i);
        put_article(st, src, "Pipe test", text, KB_AUD_PUBLIC, KB_STATUS_PUBLISHED);
        if (i % 500 == 499) { /* feed while documents keep coming */
            CHECK_INT(kb_store_commit(st, &err), 0);
            CHECK_INT(kb_sync_pipe_feed(p, st, &fed, &err), 0);
            total += fed;
        }
    }
    put_article(st, "pipe-0", "Pipe test", "Now about the tulgey scanner.", KB_AUD_PUBLIC,
                KB_STATUS_PUBLISHED);
    put_article(st, "pipe-draft", "Draft", "The uffish draft.", KB_AUD_PUBLIC, KB_STATUS_DRAFT);
    int64_t gone = put_article(st, "pipe-gone", "Gone", "The manxome article.", KB_AUD_PUBLIC,
                               KB_STATUS_PUBLISHED);
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, gone, &err), 0);
    CHECK_INT(kb_sync_pipe_feed(p, st, &fed, &err), 0);
    total += fed;
    CHECK_INT(kb_sync_pipe_finish(p, &err), 0);
    CHECK_INT(total, 2504);
    uint64_t n = 0;
    kb_index_count(ix, KB_DB_PUBLIC, &n, &err);
    CHECK_INT(n, 2500);
    int64_t last = 0, iseq = 0;
    kb_store_outbox_last(st, &last, &err);
    kb_index_last_seq(ix, KB_DB_PUBLIC, &iseq, &err);
    CHECK_INT(iseq, last);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "tulgey"), 1);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "uffish"), 0);
    CHECK_INT(hits_for(ix, KB_ROLE_CUSTOMER, "manxome"), 0);
    kb_index_close(ix);
    /* Spelling data came along: a misspelt query is corrected. */
    CHECK_INT(kb_index_open(idx, KB_INDEX_READ, &ix, &err), 0);
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = "tulgy";
    struct kb_result *r = NULL;
    CHECK_INT(kb_search(ix, KB_ROLE_CUSTOMER, &o, &r, &err), 0);
    CHECK(r && r->corrected && strstr(r->corrected, "tulgey"));
    kb_result_free(r);
    kb_index_close(ix);
    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
}

int main(void)
{
    test_pipe();
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
