/* A reader opened, or reopened, while the index thread commits: a customer's
 * search on a worker thread that has not read the index yet (or whose
 * handle fell behind) must not fail with "the search index is not ready"
 * because a commit landed between reading the version file and the tables.
 * Here a writer commits as fast as it can while readers open, reopen and
 * search, and two busy threads load the cores as a CI run does (without
 * them the race shows once in thousands of opens); every open, reopen and
 * search must succeed. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "kb/index/index.h"
#include "kb/search/search.h"

static atomic_int stop_writer;
static atomic_long commits;

struct writer_arg {
    struct kb_index *ix;
    int failed;
};

static void *writer(void *p)
{
    struct writer_arg *a = p;
    char title[64], text[256], src[32];
    for (int64_t n = 100; !atomic_load(&stop_writer); n++) {
        struct kb_doc d;
        kb_doc_init(&d);
        d.kind = KB_KIND_ARTICLE;
        d.number = n;
        d.audience = KB_AUD_PUBLIC;
        d.updated = 1700000000 + n;
        snprintf(src, sizeof src, "jam-%lld", (long long)n);
        snprintf(title, sizeof title, "Printer jam %lld", (long long)n);
        snprintf(text, sizeof text, "paperjam%lld clears from tray two; the printer jams "
                 "when the tray is overfilled with paper number %lld.", (long long)n, (long long)n);
        kb_doc_set(&d.source_id, src);
        kb_doc_set(&d.title, title);
        kb_doc_set(&d.text, text);
        kb_doc_set(&d.locale, "en");
        struct kb_err err;
        if (kb_index_put(a->ix, KB_DB_PUBLIC, &d, &err) != 0 ||
            kb_index_commit(a->ix, n, &err) != 0) {
            fprintf(stderr, "writer: %s\n", err.msg);
            a->failed++;
        }
        kb_doc_release(&d);
        atomic_fetch_add(&commits, 1);
    }
    return NULL;
}

static void *busy(void *p)
{
    (void)p;
    volatile unsigned long x = 0;
    while (!atomic_load(&stop_writer))
        x++;
    return NULL;
}

static int search_ok(struct kb_index *rd, const char *q)
{
    struct kb_search_opts o;
    kb_search_opts_init(&o);
    o.query = q;
    struct kb_result *r = NULL;
    struct kb_err err;
    int rc = kb_search(rd, KB_ROLE_CUSTOMER, &o, &r, &err);
    if (rc)
        fprintf(stderr, "search: %s\n", err.msg);
    kb_result_free(r);
    return rc == 0;
}

int main(void)
{
    char dir[] = "/tmp/kb-test-open-race-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/index", dir);
    struct kb_err err;
    struct kb_index *ix = NULL;
    CHECK_INT(kb_index_open(path, KB_INDEX_WRITE, &ix, &err), 0);
    if (!ix)
        return check_report("test_index_open_race");
    CHECK_INT(kb_index_commit(ix, 1, &err), 0);

    struct writer_arg wa = {ix, 0};
    pthread_t t, load[2];
    CHECK_INT(pthread_create(&t, NULL, writer, &wa), 0);
    for (int i = 0; i < 2; i++)
        CHECK_INT(pthread_create(&load[i], NULL, busy, NULL), 0);

    /* Opens and reopens for two seconds of commits, at least 300 of each. */
    int opens = 0, open_fail = 0, reopens = 0, reopen_fail = 0, searches = 0, search_fail = 0;
    struct kb_index *held = NULL;
    CHECK_INT(kb_index_open(path, KB_INDEX_READ, &held, &err), 0);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        double secs = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
        if ((secs >= 2.0 && opens >= 300) || secs >= 30.0)
            break;
        struct kb_index *rd = NULL;
        opens++;
        if (kb_index_open(path, KB_INDEX_READ, &rd, &err) != 0) {
            if (open_fail++ < 3)
                fprintf(stderr, "open: %s\n", err.msg);
        } else {
            searches++;
            search_fail += !search_ok(rd, "printer jam tray");
            kb_index_close(rd);
        }
        if (held) {
            reopens++;
            if (kb_index_reopen(held, &err) != 0) {
                if (reopen_fail++ < 3)
                    fprintf(stderr, "reopen: %s\n", err.msg);
            } else {
                searches++;
                search_fail += !search_ok(held, "paper tray");
            }
        }
    }
    atomic_store(&stop_writer, 1);
    pthread_join(t, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(load[i], NULL);
    printf("open race: %ld commits; %d opens (%d failed), %d reopens (%d failed), "
           "%d searches (%d failed)\n", atomic_load(&commits), opens, open_fail, reopens,
           reopen_fail, searches, search_fail);
    CHECK(atomic_load(&commits) >= 50);
    CHECK_INT(wa.failed, 0);
    CHECK_INT(open_fail, 0);
    CHECK_INT(reopen_fail, 0);
    CHECK_INT(search_fail, 0);
    kb_index_close(held);
    kb_index_close(ix);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK_INT(system(cmd), 0);
    return check_report("test_index_open_race");
}
