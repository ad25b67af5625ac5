/* Tests for the search result cache (kb/search/result_cache.c) as kb_search and
 * kb_suggest use it: a repeated search is answered from the cache, and the
 * cache never shows a customer what an agent saw, nor anything older than
 * the index the reader has open. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/result_cache.h"
#include "kb/search/search.h"

static void put(struct kb_index *ix, int db, int64_t n, const char *src, const char *title,
                const char *text)
{
    struct kb_doc d;
    struct kb_err err;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    d.number = n;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, title);
    kb_doc_set(&d.text, text);
    kb_doc_set(&d.locale, "en");
    kb_doc_set(&d.category, db == KB_DB_INTERNAL ? "Internal" : "Network");
    d.audience = db == KB_DB_INTERNAL ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    d.updated = 1700000000 + n;
    int rc = kb_index_put(ix, db, &d, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "put: %s\n", err.msg);
    kb_doc_release(&d);
}

static struct kb_result *search(struct kb_index *ix, int role, const char *q)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    o.facets = 1;
    o.snippets = 1;
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_search(ix, role, &o, &r, &err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "search '%s': %s\n", q, err.msg);
    return r;
}

static int has_id(const struct kb_result *r, const char *id)
{
    for (size_t i = 0; r && i < r->nhits; i++)
        if (strcmp(r->hits[i].source_id, id) == 0)
            return 1;
    return 0;
}

static uint64_t hits(void)
{
    struct kb_result_cache_stats s;
    kb_result_cache_stats(&s);
    return s.hits;
}

static void commit(struct kb_index *w)
{
    struct kb_err err;
    CHECK_INT(kb_index_commit(w, -1, &err), 0);
}

static void reopen(struct kb_index *rd)
{
    struct kb_err err;
    CHECK_INT(kb_index_reopen(rd, &err), 0);
}

int main(void)
{
    char dir[] = "/tmp/kb-test-cache-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    struct kb_index *w = NULL, *rd = NULL, *rd2 = NULL;
    struct kb_err err;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &w, &err), 0);
    put(w, KB_DB_PUBLIC, 1, "router-reset", "Reset your router",
        "Hold the reset button of the router for ten seconds.");
    put(w, KB_DB_INTERNAL, 2, "router-escalate", "Router escalation runbook",
        "Internal: escalate a router that will not reset to tier two, code zebra.");
    commit(w);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd, &err), 0);
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &rd2, &err), 0);

    /* Off by default: nothing is counted or kept. */
    struct kb_result_cache_stats s;
    struct kb_result *r = search(rd, KB_ROLE_CUSTOMER, "router reset");
    kb_result_free(r);
    kb_result_cache_stats(&s);
    CHECK_INT(s.hits + s.misses + s.entries, 0);

    kb_result_cache_configure(8u << 20, 0);

    /* The second identical search is a hit, and equal to the first. */
    struct kb_result *a = search(rd, KB_ROLE_CUSTOMER, "router reset");
    uint64_t h0 = hits();
    struct kb_result *b = search(rd2, KB_ROLE_CUSTOMER, "router reset");
    CHECK_INT(hits(), h0 + 1); /* another handle at the same revision shares it */
    CHECK_INT(a->nhits, b->nhits);
    CHECK_INT(a->total, b->total);
    CHECK(a->nhits == 1 && strcmp(a->hits[0].source_id, b->hits[0].source_id) == 0);
    CHECK(a->nhits && b->nhits && a->hits[0].snippet && b->hits[0].snippet &&
          strcmp(a->hits[0].snippet, b->hits[0].snippet) == 0);
    CHECK_INT(a->nfacets, b->nfacets);
    kb_result_free(a);
    kb_result_free(b);

    /* An agent's search of the same words finds the internal runbook; the
     * customer's, asked after it, still does not (no shared entry). */
    r = search(rd, KB_ROLE_AGENT, "router zebra");
    CHECK(has_id(r, "router-escalate"));
    kb_result_free(r);
    r = search(rd, KB_ROLE_AGENT, "router zebra"); /* now cached for agents */
    CHECK(has_id(r, "router-escalate"));
    kb_result_free(r);
    for (int i = 0; i < 2; i++) {
        r = search(rd, KB_ROLE_CUSTOMER, "router zebra");
        CHECK(!has_id(r, "router-escalate"));
        for (size_t j = 0; r && j < r->nhits; j++)
            CHECK(!r->hits[j].snippet || !strstr(r->hits[j].snippet, "zebra"));
        for (size_t j = 0; r && j < r->nfacets; j++)
            CHECK(strcmp(r->facets[j].value, "Internal") != 0);
        kb_result_free(r);
    }

    /* Typeahead: cached per role too. */
    struct kb_result *t = NULL;
    CHECK_INT(kb_suggest(rd, KB_ROLE_AGENT, "router esc", NULL, 8, &t, &err), 0);
    CHECK(has_id(t, "router-escalate"));
    kb_result_free(t);
    for (int i = 0; i < 2; i++) {
        t = NULL;
        CHECK_INT(kb_suggest(rd, KB_ROLE_CUSTOMER, "router esc", NULL, 8, &t, &err), 0);
        CHECK(t && !has_id(t, "router-escalate"));
        kb_result_free(t);
    }

    /* A new article is found as soon as the reader has the commit open:
     * the cached answer belongs to the older revision. */
    put(w, KB_DB_PUBLIC, 3, "router-lights", "Router lights blinking",
        "Blinking lights mean the router is resetting.");
    commit(w);
    r = search(rd, KB_ROLE_CUSTOMER, "router reset");
    CHECK(!has_id(r, "router-lights")); /* not reopened yet: its own view */
    kb_result_free(r);
    struct kb_result_cache_stats s0;
    kb_result_cache_stats(&s0);
    CHECK(s0.entries >= 4);
    reopen(rd);
    r = search(rd, KB_ROLE_CUSTOMER, "router reset");
    CHECK(has_id(r, "router-lights"));
    kb_result_free(r);
    /* The customers' entries of the older revision are gone (memory stays
     * flat while writers publish); the agents' go once an agent searches. */
    kb_result_cache_stats(&s);
    CHECK(s.entries < s0.entries);
    /* A handle still at the older revision is not served the newer answer,
     * nor does it put its older one back. */
    r = search(rd2, KB_ROLE_CUSTOMER, "router reset");
    CHECK(!has_id(r, "router-lights"));
    kb_result_free(r);
    r = search(rd2, KB_ROLE_CUSTOMER, "router reset");
    CHECK(!has_id(r, "router-lights"));
    kb_result_free(r);
    r = search(rd, KB_ROLE_CUSTOMER, "router reset");
    CHECK(has_id(r, "router-lights"));
    kb_result_free(r);
    reopen(rd2);

    /* Made internal (moved out of the public database): gone for
     * customers at once, although the public answer was cached. */
    r = search(rd, KB_ROLE_CUSTOMER, "blinking lights");
    CHECK(has_id(r, "router-lights"));
    kb_result_free(r);
    CHECK_INT(kb_index_delete(w, KB_KIND_ARTICLE, 3, &err), 0);
    put(w, KB_DB_INTERNAL, 3, "router-lights", "Router lights blinking",
        "Blinking lights mean the router is resetting.");
    commit(w);
    reopen(rd);
    r = search(rd, KB_ROLE_CUSTOMER, "blinking lights");
    CHECK(!has_id(r, "router-lights"));
    kb_result_free(r);
    r = search(rd, KB_ROLE_AGENT, "blinking lights");
    CHECK(has_id(r, "router-lights"));
    kb_result_free(r);

    /* A writer's handle sees its uncommitted changes: never cached. */
    uint64_t before = hits();
    r = search(w, KB_ROLE_AGENT, "router reset");
    kb_result_free(r);
    r = search(w, KB_ROLE_AGENT, "router reset");
    kb_result_free(r);
    CHECK_INT(hits(), before);

    /* Bounded: many distinct searches stay within the size given. */
    kb_result_cache_configure(64u << 10, 0);
    char q[64];
    for (int i = 0; i < 400; i++) {
        snprintf(q, sizeof q, "router reset %d", i);
        r = search(rd, KB_ROLE_CUSTOMER, q);
        kb_result_free(r);
    }
    kb_result_cache_stats(&s);
    CHECK(s.bytes <= 64u << 10);
    CHECK(s.entries > 0 && s.entries < 400);

    /* Entries expire: ranking reads the clock (recency). */
    kb_result_cache_configure(8u << 20, 1);
    r = search(rd, KB_ROLE_CUSTOMER, "lights");
    kb_result_free(r);
    before = hits();
    sleep(2);
    r = search(rd, KB_ROLE_CUSTOMER, "lights");
    kb_result_free(r);
    CHECK_INT(hits(), before);

    /* Off again: emptied. */
    kb_result_cache_configure(0, 0);
    kb_result_cache_stats(&s);
    CHECK_INT(s.entries, 0);
    CHECK_INT(s.bytes, 0);

    kb_index_close(rd);
    kb_index_close(rd2);
    kb_index_close(w);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_result_cache");
}
