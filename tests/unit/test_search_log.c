/* Tests for the search log's write path and the store's WAL handling: every
 * logged search is kept under its own id, telemetry rests at synchronous =
 * NORMAL while store writes commit with FULL, a handle whose checkpoints are
 * deferred leaves the WAL to a checkpointer (and still bounds it when there
 * is none), and the store opens and works again afterwards. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "kb/base/doc.h"
#include "kb/base/err.h"
#include "kb/store/events.h"
#include "kb/base/log.h"
#include "kb/search/search.h"
#include "kb/store/store.h"

static char dir[64];

static struct kb_store *open_store(const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct kb_store *st = NULL;
    struct kb_err err = {0, ""};
    if (kb_store_open(path, &st, &err) != 0) {
        fprintf(stderr, "open %s: %s\n", path, err.msg);
        exit(1);
    }
    return st;
}

static int64_t int_sql(struct kb_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(kb_store_db(st), sql, -1, &s, NULL) == SQLITE_OK) {
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    return n;
}

/* The -wal file's size in bytes; 0 when there is none. */
static long long wal_size(const char *name)
{
    char path[180];
    struct stat sb;
    snprintf(path, sizeof path, "%s/%s-wal", dir, name);
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

/* The size of a WAL of n frames. */
static long long wal_bytes(struct kb_store *st, long long n)
{
    return 32 + n * (24 + int_sql(st, "PRAGMA page_size"));
}

/* Logs "query <i>" and returns its id (-1 on error). */
static int64_t log_one(struct kb_store *st, long i)
{
    char q[40];
    snprintf(q, sizeof q, "query %ld", i);
    int64_t id = -1;
    struct kb_err err = {0, ""};
    if (kb_events_search(st, q, KB_ROLE_CUSTOMER, "search", (uint64_t)(i % 7), "en", &id,
                         &err) != 0) {
        fprintf(stderr, "log %s: %s\n", q, err.msg);
        return -1;
    }
    return id;
}

static long wakes;
static int wake_answer;

static int wake(void *ud)
{
    (void)ud;
    wakes++;
    return wake_answer;
}

static void test_ids(void)
{
    struct kb_store *st = open_store("ids.sqlite3");
    int64_t first = log_one(st, 0), prev = first, bad = 0;
    CHECK(first > 0);
    for (long i = 1; i < 2000; i++) {
        int64_t id = log_one(st, i);
        bad += id != prev + 1;
        prev = id;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), 2000);
    CHECK_INT(int_sql(st, "SELECT count(DISTINCT id) FROM searches"), 2000);
    CHECK_INT(int_sql(st, "SELECT max(id) - min(id) FROM searches"), 1999);
    /* Row i holds query i: the cached statement's bindings do not leak. */
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches WHERE query <> 'query ' || "
                          "(id - (SELECT min(id) FROM searches)) OR results <> "
                          "(id - (SELECT min(id) FROM searches)) % 7 OR locale IS NOT 'en'"),
              0);
    /* A blank query is not logged; a bad endpoint is refused; the next id
     * follows on. */
    int64_t id = 7;
    struct kb_err err = {0, ""};
    CHECK_INT(kb_events_search(st, "   ", KB_ROLE_CUSTOMER, "search", 0, NULL, &id, &err), 0);
    CHECK_INT(id, 0);
    CHECK_INT(kb_events_search(st, "x", KB_ROLE_CUSTOMER, "nope", 0, NULL, &id, &err),
              KB_EINVAL);
    CHECK_INT(log_one(st, 2000), prev + 1);
    /* Inside a caller's transaction, and after its rollback. */
    CHECK_INT(kb_store_begin(st, &err), 0);
    CHECK_INT(log_one(st, 2001), prev + 2);
    kb_store_rollback(st);
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), 2001);
    CHECK(log_one(st, 2002) > prev + 1);
    kb_store_close(st);

    st = open_store("ids.sqlite3");
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), 2002);
    CHECK(log_one(st, 2003) > prev + 2);
    kb_store_close(st);
}

/* Telemetry commits at NORMAL; the store's own writes at FULL. */
static void test_durability(void)
{
    struct kb_store *st = open_store("sync.sqlite3");
    struct kb_err err = {0, ""};
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 1);
    CHECK_INT(kb_store_begin(st, &err), 0);
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 2);
    CHECK(log_one(st, 1) > 0);
    CHECK_INT(kb_store_commit(st, &err), 0);
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 1);
    CHECK_INT(kb_store_synonym_add(st, "wifi", "wlan", &err), 0);
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 1);
    /* A failed write operation rests at NORMAL too. */
    CHECK_INT(kb_store_synonym_remove(st, "wifi", "nope", &err), KB_ENOTFOUND);
    CHECK_INT(kb_store_remove(st, KB_KIND_ARTICLE, 4242, &err), KB_ENOTFOUND);
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 1);
    struct kb_doc d;
    kb_doc_init(&d);
    d.kind = KB_KIND_ARTICLE;
    kb_doc_set(&d.source_id, "a1");
    kb_doc_set(&d.title, "Router");
    kb_doc_set(&d.text, "Restart it.");
    int64_t n = 0;
    CHECK_INT(kb_store_put(st, &d, NULL, NULL, &n, &err), 0);
    kb_doc_release(&d);
    CHECK_INT(int_sql(st, "PRAGMA synchronous"), 1);
    kb_store_close(st);
}

/* With checkpoints deferred, the WAL grows past KB_STORE_WAL_PAGES and the
 * commits only wake the checkpointer; its checkpoint (from another handle,
 * like kb-server's sync thread) lets the WAL start again, and the file then
 * stops growing. */
static void test_deferred(void)
{
    struct kb_store *st = open_store("defer.sqlite3");
    struct kb_store *ck = open_store("defer.sqlite3");
    struct kb_err err = {0, ""};
    long i = 0, bad = 0;
    wakes = 0;
    wake_answer = 1;
    kb_store_defer_checkpoints(st, wake, NULL);
    while (wakes == 0 && i < 20000)
        bad += log_one(st, i++) <= 0;
    CHECK(wakes > 0);
    long long at_wake = wal_size("defer.sqlite3");
    CHECK(at_wake >= wal_bytes(st, KB_STORE_WAL_PAGES));
    for (long j = 0; j < 200; j++)
        bad += log_one(st, i++) <= 0;
    long long grown = wal_size("defer.sqlite3");
    CHECK(grown > at_wake); /* nobody checkpointed: no restart */
    CHECK(wakes > 1);

    int pages = 0, copied = 0;
    CHECK_INT(kb_store_checkpoint(ck, &pages, &copied, &err), 0);
    CHECK(pages >= KB_STORE_WAL_PAGES);
    CHECK_INT(copied, pages);
    long woken = wakes;
    for (long j = 0; j < 200; j++)
        bad += log_one(st, i++) <= 0;
    CHECK_INT(wal_size("defer.sqlite3"), grown); /* restarted from the beginning */
    CHECK_INT(wakes, woken);                     /* and short again */
    CHECK_INT(kb_store_checkpoint(ck, &pages, &copied, &err), 0);
    CHECK(pages < KB_STORE_WAL_PAGES);
    CHECK_INT(copied, pages);
    CHECK_INT(bad, 0);
    CHECK_INT(int_sql(ck, "SELECT count(*) FROM searches"), i);
    kb_store_close(ck);
    kb_store_close(st);

    st = open_store("defer.sqlite3");
    CHECK_INT(wal_size("defer.sqlite3"), 0); /* the last close checkpointed it all */
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), i);
    CHECK_INT(log_one(st, i), i + 1);
    kb_store_close(st);
}

/* A burst (an import) leaves a long WAL: once a checkpoint has started it
 * over, the next write cuts the file back to 16 MiB (journal_size_limit). */
static void test_wal_shrinks(void)
{
    struct kb_store *st = open_store("shrink.sqlite3");
    struct kb_store *ck = open_store("shrink.sqlite3");
    struct kb_err err = {0, ""};
    wake_answer = 1;
    kb_store_defer_checkpoints(st, wake, NULL);
    sqlite3 *db = kb_store_db(st);
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE burst (x BLOB)", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < 24; i++)
        CHECK_INT(sqlite3_exec(db, "INSERT INTO burst VALUES (zeroblob(1000000))", NULL, NULL,
                               NULL), SQLITE_OK);
    CHECK(wal_size("shrink.sqlite3") > 20000000);
    int pages = 0, copied = 0;
    CHECK_INT(kb_store_checkpoint(ck, &pages, &copied, &err), 0);
    CHECK_INT(copied, pages);
    CHECK(log_one(st, 1) > 0);
    CHECK(wal_size("shrink.sqlite3") <= 16777216);
    CHECK_INT(int_sql(ck, "SELECT count(*) FROM burst"), 24);
    kb_store_close(ck);
    kb_store_close(st);
}

/* A reader that keeps an old snapshot holds the WAL: checkpoints copy what
 * they can without waiting for it, and the WAL restarts once it is done. */
static void test_reader(void)
{
    struct kb_store *st = open_store("reader.sqlite3");
    struct kb_store *ck = open_store("reader.sqlite3");
    struct kb_store *rd = open_store("reader.sqlite3");
    struct kb_err err = {0, ""};
    long i = 0, bad = 0;
    wakes = 0;
    wake_answer = 1;
    kb_store_defer_checkpoints(st, wake, NULL);
    while (wakes == 0 && i < 20000)
        bad += log_one(st, i++) <= 0;
    CHECK_INT(sqlite3_exec(kb_store_db(rd), "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(int_sql(rd, "SELECT count(*) FROM searches"), i);
    for (long j = 0; j < 50; j++)
        bad += log_one(st, i++) <= 0;
    int pages = 0, copied = 0;
    CHECK_INT(kb_store_checkpoint(ck, &pages, &copied, &err), 0);
    CHECK(pages >= KB_STORE_WAL_PAGES);
    CHECK(copied < pages); /* not past the reader's snapshot */
    CHECK_INT(int_sql(rd, "SELECT count(*) FROM searches"), i - 50);
    CHECK_INT(sqlite3_exec(kb_store_db(rd), "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(kb_store_checkpoint(ck, &pages, &copied, &err), 0);
    CHECK_INT(copied, pages);
    long long size = wal_size("reader.sqlite3");
    for (long j = 0; j < 50; j++)
        bad += log_one(st, i++) <= 0;
    CHECK_INT(wal_size("reader.sqlite3"), size);
    CHECK_INT(bad, 0);
    CHECK_INT(int_sql(rd, "SELECT count(*) FROM searches"), i);
    kb_store_close(rd);
    kb_store_close(ck);
    kb_store_close(st);
}

/* Without a checkpointer (wake says nobody runs), or with one that never
 * comes, the commits checkpoint themselves: the WAL stays bounded. */
static void test_bounded(void)
{
    static const struct {
        const char *name;
        int answer; /* what wake says */
        long inserts;
        long limit; /* pages the WAL reaches, give or take one commit */
    } cases[] = {
        {"none.sqlite3", 0, 1500, KB_STORE_WAL_PAGES},
        {"stuck.sqlite3", 1, 6000, KB_STORE_WAL_MAX_PAGES},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct kb_store *st = open_store(cases[c].name);
        long bad = 0;
        wakes = 0;
        wake_answer = cases[c].answer;
        kb_store_defer_checkpoints(st, wake, NULL);
        long long most = 0;
        for (long i = 0; i < cases[c].inserts; i++) {
            bad += log_one(st, i) <= 0;
            long long n = wal_size(cases[c].name);
            most = n > most ? n : most;
        }
        CHECK_INT(bad, 0);
        CHECK(wakes > 0);
        CHECK(most >= wal_bytes(st, cases[c].limit));
        CHECK(most <= wal_bytes(st, cases[c].limit + 50));
        CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), cases[c].inserts);
        /* Back to SQLite's own autocheckpoint. */
        kb_store_defer_checkpoints(st, NULL, NULL);
        CHECK_INT(int_sql(st, "PRAGMA wal_autocheckpoint"), KB_STORE_WAL_PAGES);
        kb_store_close(st);
    }
}

/* The batched path kb-server uses: rows numbered by the caller from a
 * reserved block, written together; a blank query is skipped, a taken id
 * is skipped and counted; blocks never overlap, not across handles (two
 * servers on one store) nor with rows inserted the usual way. */
static void test_batch(void)
{
    struct kb_store *st = open_store("batch.sqlite3");
    struct kb_store *other = open_store("batch.sqlite3");
    struct kb_err err = {0, ""};
    int64_t next = 0, first2 = 0;
    CHECK_INT(kb_events_search_reserve(st, 4, &next, &err), 0);
    CHECK_INT(next, 1);
    CHECK_INT(kb_events_search_reserve(other, 10, &first2, &err), 0);
    CHECK_INT(first2, 5);
    int64_t plain = 0;
    CHECK_INT(kb_events_search(other, "plain insert", KB_ROLE_CUSTOMER, "search", 1, NULL, &plain,
                               &err), 0);
    CHECK_INT(plain, 15);
    struct kb_search_row rows[4];
    CHECK_INT(kb_search_row_make(1700000000, "  Reset  Router ", KB_ROLE_CUSTOMER, "search", 3,
                                 "en", &rows[0], &err), 0);
    CHECK_STR(rows[0].query, "reset router");
    CHECK_INT(kb_search_row_make(1700000001, " \t", KB_ROLE_AGENT, "suggest", 0, NULL, &rows[1],
                                 &err), 0);
    CHECK_INT(kb_search_row_make(1700000002, "vpn", KB_ROLE_AGENT, "deflect", 0, NULL, &rows[2],
                                 &err), 0);
    CHECK_INT(kb_search_row_make(1700000003, "wifi", KB_ROLE_CUSTOMER, "search", 9, NULL,
                                 &rows[3], &err), 0);
    for (int i = 0; i < 4; i++)
        rows[i].id = next + i;
    rows[3].id = rows[0].id; /* taken by the first row */
    size_t skipped = 9;
    CHECK_INT(kb_events_search_insert(st, rows, 4, &skipped, &err), 0);
    CHECK_INT(skipped, 1);
    CHECK_INT(int_sql(st, "SELECT count(*) FROM searches"), 3);
    CHECK_INT(int_sql(st, "SELECT results FROM searches WHERE query = 'reset router' AND "
                          "endpoint = 'search' AND role = 'customer' AND locale = 'en'"), 3);
    CHECK_INT(int_sql(st, "SELECT id FROM searches WHERE query = 'vpn'"), next + 2);
    for (int i = 0; i < 4; i++)
        kb_search_row_release(&rows[i]);
    CHECK_INT(kb_events_search_reserve(st, 1, &next, &err), 0);
    CHECK_INT(next, 16);
    /* Deleted rows keep their ids taken (AUTOINCREMENT). */
    CHECK_INT(sqlite3_exec(kb_store_db(st), "DELETE FROM searches", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(kb_events_search_reserve(st, 1, &next, &err), 0);
    CHECK_INT(next, 17);
    CHECK_INT(kb_events_search_reserve(st, 0, &next, &err), KB_EINVAL);
    kb_store_close(other);
    /* Bad input is refused before anything is numbered. */
    struct kb_search_row bad;
    CHECK_INT(kb_search_row_make(1, "x", KB_ROLE_CUSTOMER, "browse", 0, NULL, &bad, &err),
              KB_EINVAL);
    CHECK_CONTAINS(err.msg, "browse");
    CHECK_INT(kb_search_row_make(1, "x", 9, "search", 0, NULL, &bad, &err), KB_EINVAL);
    kb_store_close(st);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-search-log-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_ids();
    test_batch();
    test_durability();
    test_deferred();
    test_wal_shrinks();
    test_reader();
    test_bounded();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
    return check_report("test_search_log");
}
