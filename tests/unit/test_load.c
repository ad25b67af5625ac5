/* The ingest-to-store sink (kb/sync/load.h): counts of added, updated,
 * unchanged and failed documents, batches and their commits, the kind
 * filter, bad records with their fault and place, and a store error that
 * stops the load without touching a transaction it did not open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/base/log.h"
#include "kb/store/store.h"
#include "kb/sync/load.h"

static char dir[64];

/* One record handed to the sink: a document, or (title NULL, bad set) a
 * record the parser could not read. */
struct rec {
    int kind;
    const char *id;
    const char *title; /* NULL: the store refuses it (missing title) */
    const char *text;
    const char *bad;   /* a parser's reason: no document at all */
};

struct row {
    const char *name;
    size_t batch;
    int kind; /* filter */
    struct rec recs[8];
    size_t added, updated, unchanged, failed;
    size_t commits;    /* committed() calls */
    const char *faults; /* one letter per bad report: U(nreadable) K(ind) R(efused) */
    const char *last_where;
};

struct seen {
    char faults[16];
    char where[256];
    size_t commits, committed_docs;
};

static void on_bad(void *ud, int fault, const char *where, const struct kb_doc *d,
                   const char *why)
{
    struct seen *s = ud;
    size_t n = strlen(s->faults);
    CHECK(why && *why);
    CHECK((fault == KB_LOAD_UNREADABLE) == (d == NULL));
    if (n + 1 < sizeof s->faults) {
        s->faults[n] = fault == KB_LOAD_UNREADABLE ? 'U' : fault == KB_LOAD_WRONG_KIND ? 'K' : 'R';
        s->faults[n + 1] = '\0';
    }
    snprintf(s->where, sizeof s->where, "%s", where ? where : "(null)");
}

static void on_committed(void *ud, size_t docs)
{
    struct seen *s = ud;
    s->commits++;
    s->committed_docs += docs;
}

static struct kb_store *open_store(const char *name)
{
    char path[160];
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static void make_doc(struct kb_doc *d, const struct rec *r)
{
    kb_doc_init(d);
    d->kind = r->kind;
    d->audience = r->kind == KB_KIND_TICKET ? KB_AUD_INTERNAL : KB_AUD_PUBLIC;
    kb_doc_set(&d->source_id, r->id);
    kb_doc_set(&d->title, r->title);
    kb_doc_set(&d->text, r->text ? r->text : "some text");
}

#define A KB_KIND_ARTICLE
#define T KB_KIND_TICKET
#define ANY KB_LOAD_ANY_KIND

static const struct row rows[] = {
    {"one batch of three", 0, ANY,
     {{A, "a1", "One", NULL, NULL}, {A, "a2", "Two", NULL, NULL}, {T, "t1", "Printer", NULL, NULL}},
     3, 0, 0, 0, 1, "", NULL},
    {"batches of two commit twice for three", 2, ANY,
     {{A, "a1", "One", NULL, NULL}, {A, "a2", "Two", NULL, NULL}, {A, "a3", "Three", NULL, NULL}},
     3, 0, 0, 0, 2, "", NULL},
    {"unchanged and updated", 1, ANY,
     {{A, "a1", "One", NULL, NULL}, {A, "a1", "One", NULL, NULL}, {A, "a1", "One", "new", NULL}},
     1, 1, 1, 0, 3, "", NULL},
    {"tickets only: an article is refused by kind", 0, T,
     {{A, "a1", "One", NULL, NULL}, {T, "t1", "Printer", NULL, NULL}},
     1, 0, 0, 1, 1, "K", "a1"},
    {"articles only: a ticket is refused by kind", 0, A,
     {{T, "t1", "Printer", NULL, NULL}},
     0, 0, 0, 1, 0, "K", "t1"},
    {"the store refuses a record without a title, the rest go in", 0, ANY,
     {{A, "a1", NULL, NULL, NULL}, {A, "a2", "Two", NULL, NULL}},
     1, 0, 0, 1, 1, "R", "a1"},
    {"a refused first record in a batch opens no second transaction", 2, ANY,
     {{A, "a1", NULL, NULL, NULL}, {A, "a2", "Two", NULL, NULL}, {A, "a3", "Three", NULL, NULL},
      {A, "a4", "Four", NULL, NULL}},
     3, 0, 0, 1, 2, "R", "a1"},
    {"unreadable records are counted and keep their place", 0, ANY,
     {{A, NULL, NULL, NULL, "bad json"}, {A, "a1", "One", NULL, NULL}},
     1, 0, 0, 1, 1, "U", "request:1"},
    {"nothing stored, nothing committed", 5, ANY,
     {{A, NULL, NULL, NULL, "bad json"}},
     0, 0, 0, 1, 0, "U", "request:1"},
};

static void test_rows(void)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        int failed_before = check_failed;
        char name[32];
        snprintf(name, sizeof name, "rows-%zu.sqlite3", i);
        struct kb_store *st = open_store(name);
        struct seen s;
        memset(&s, 0, sizeof s);
        struct kb_load l;
        kb_load_init(&l, st, r->batch);
        l.kind = r->kind;
        l.bad = on_bad;
        l.committed = on_committed;
        l.ud = &s;
        struct kb_ingest_sink sink = kb_load_sink(&l);
        for (size_t k = 0; k < 8 && (r->recs[k].id || r->recs[k].bad); k++) {
            const struct rec *rc = &r->recs[k];
            if (rc->bad) {
                char where[32];
                snprintf(where, sizeof where, "request:%zu", k + 1);
                sink.bad(sink.ud, where, rc->bad);
                continue;
            }
            struct kb_doc d;
            make_doc(&d, rc);
            CHECK_INT(sink.doc(sink.ud, &d), 0);
            kb_doc_release(&d);
        }
        CHECK_INT(kb_load_finish(&l), 0);
        CHECK_INT(l.added, r->added);
        CHECK_INT(l.updated, r->updated);
        CHECK_INT(l.unchanged, r->unchanged);
        CHECK_INT(l.failed, r->failed);
        CHECK_INT(s.commits, r->commits);
        CHECK_INT(s.committed_docs, r->added + r->updated + r->unchanged);
        CHECK_STR(s.faults, r->faults);
        if (r->last_where)
            CHECK_STR(s.where, r->last_where);
        CHECK_INT(l.fatal, 0);
        /* Everything is committed: a new transaction can begin. */
        struct kb_err err;
        CHECK_INT(kb_store_begin(st, &err), 0);
        kb_store_rollback(st);
        kb_store_close(st);
        if (check_failed > failed_before)
            fprintf(stderr, "  in row '%s'\n", r->name);
    }
}

/* A store error is fatal: the load stops, keeps the error, and leaves alone
 * a transaction it did not open (here the caller's, which makes begin fail). */
static void test_fatal(void)
{
    struct kb_store *st = open_store("fatal.sqlite3");
    struct kb_err err;
    CHECK_INT(kb_store_begin(st, &err), 0);
    struct kb_load l;
    kb_load_init(&l, st, 10);
    struct kb_doc d;
    struct rec r = {A, "a1", "One", NULL, NULL};
    make_doc(&d, &r);
    CHECK(kb_load_doc(&l, &d) != 0);
    CHECK_INT(l.fatal, 1);
    CHECK_CONTAINS(l.err.msg, "already open");
    CHECK(kb_load_doc(&l, &d) != 0); /* stays stopped */
    CHECK_INT(l.added, 0);
    CHECK(kb_load_finish(&l) != 0);
    CHECK_INT(kb_store_commit(st, &err), 0); /* the caller's is still open */
    kb_doc_release(&d);
    kb_store_close(st);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_load: could not remove %s\n", dir);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/test_load.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_rows();
    test_fatal();
    cleanup();
    return check_report("test_load");
}
