/* Tests for kb/store/doc_text.c: the store text a snippet is cut from is
 * the version the index holds, and only public text for a public search. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/store/doc_text.h"
#include "kb/store/store.h"

static int64_t put(struct kb_store *st, int kind, const char *src, const char *text, int audience,
                   int status, int64_t updated)
{
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = kind;
    kb_doc_set(&d.source_id, src);
    kb_doc_set(&d.title, "Reset the router");
    kb_doc_set(&d.text, text);
    d.audience = audience;
    d.status = status;
    d.updated = updated;
    d.created = updated;
    int64_t number = 0;
    struct kb_err err;
    int rc = kb_store_put(st, &d, "test", NULL, &number, &err);
    CHECK_INT(rc, 0);
    kb_doc_release(&d);
    return number;
}

static void has_text(struct kb_store *st, int kind, int64_t n, int64_t updated, int public_only,
                     const char *want)
{
    size_t len = 99;
    char *t = kb_store_doc_text(st, kind, n, updated, public_only, &len);
    if (want) {
        CHECK_STR(t ? t : "(null)", want);
        CHECK_INT(len, strlen(want));
    } else {
        CHECK(t == NULL);
        CHECK_INT(len, 0);
    }
    free(t);
}

int main(void)
{
    char dir[] = "/tmp/kb-test-doctext-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/kb.sqlite3", dir);
    struct kb_store *st = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(path, &st, &err), 0);

    int64_t pub = put(st, KB_KIND_ARTICLE, "pub", "Hold the button for ten seconds.",
                      KB_AUD_PUBLIC, KB_STATUS_PUBLISHED, 1700000000);
    int64_t intl = put(st, KB_KIND_ARTICLE, "intl", "Engineering override code 4471.",
                       KB_AUD_INTERNAL, KB_STATUS_PUBLISHED, 1700000000);
    int64_t draft = put(st, KB_KIND_ARTICLE, "draft", "Unreleased firmware notes.",
                        KB_AUD_PUBLIC, KB_STATUS_DRAFT, 1700000000);
    int64_t tic = put(st, KB_KIND_TICKET, "T-1", "Customer says the router reboots.",
                      KB_AUD_INTERNAL, KB_STATUS_PUBLISHED, 1700000000);

    /* The version the index holds, to whoever may search it. */
    has_text(st, KB_KIND_ARTICLE, pub, 1700000000, 1, "Hold the button for ten seconds.");
    has_text(st, KB_KIND_ARTICLE, pub, 1700000000, 0, "Hold the button for ten seconds.");
    has_text(st, KB_KIND_ARTICLE, intl, 1700000000, 0, "Engineering override code 4471.");
    has_text(st, KB_KIND_TICKET, tic, 1700000000, 0, "Customer says the router reboots.");
    /* A customer's search never reads internal text, drafts or tickets,
     * whatever the index (a stale copy) says. */
    has_text(st, KB_KIND_ARTICLE, intl, 1700000000, 1, NULL);
    has_text(st, KB_KIND_TICKET, tic, 1700000000, 1, NULL);
    has_text(st, KB_KIND_ARTICLE, draft, 1700000000, 0, NULL);
    /* A hit the index holds at another version: no text (the summary). */
    has_text(st, KB_KIND_ARTICLE, pub, 1699999999, 1, NULL);
    has_text(st, KB_KIND_ARTICLE, 999999, 1700000000, 0, NULL);

    /* Made internal in the store, the index not yet synced: the public
     * copy's hit finds no text for a customer. */
    put(st, KB_KIND_ARTICLE, "pub", "Hold the button for ten seconds.", KB_AUD_INTERNAL,
        KB_STATUS_PUBLISHED, 1700000000);
    has_text(st, KB_KIND_ARTICLE, pub, 1700000000, 1, NULL);
    has_text(st, KB_KIND_ARTICLE, pub, 1700000000, 0, "Hold the button for ten seconds.");
    /* No store: nothing. */
    size_t len = 5;
    CHECK(kb_store_doc_text(NULL, KB_KIND_ARTICLE, pub, 1700000000, 0, &len) == NULL);

    kb_store_close(st);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_doc_text");
}
