/* Tests for kb/store/backup.c: a backup holds what was committed before it
 * began (also while another connection keeps writing), is a self-contained
 * 0600 file, never overwrites, and a restore refuses what is not a sound kb
 * store and a directory that already holds one. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "kb/base/log.h"
#include "kb/store/backup.h"
#include "kb/store/store.h"

static char dir[64];

static void put(struct kb_store *st, const char *id)
{
    struct kb_doc d;
    kb_doc_init(&d);
    kb_doc_set(&d.source_id, id);
    kb_doc_set(&d.title, id);
    kb_doc_set(&d.text, "Body text of the article.");
    int result;
    int64_t n;
    struct kb_err err;
    CHECK_INT(kb_store_put(st, &d, NULL, &result, &n, &err), 0);
    kb_doc_release(&d);
}

static int64_t count(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int64_t n = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT count(*) FROM articles", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return n;
}

static int mode_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int)(sb.st_mode & 07777) : -1;
}

static void test_backup_and_restore(void)
{
    char db[200], out[200], file[260], data[200], restored[260], side[300];
    snprintf(db, sizeof db, "%s/kb.sqlite3", dir);
    snprintf(out, sizeof out, "%s/backup", dir);
    snprintf(file, sizeof file, "%s/kb.sqlite3", out);
    snprintf(data, sizeof data, "%s/restored", dir);
    snprintf(restored, sizeof restored, "%s/kb.sqlite3", data);
    struct kb_store *st = NULL, *other = NULL;
    struct kb_err err;
    CHECK_INT(kb_store_open(db, &st, &err), 0);
    CHECK_INT(kb_store_open(db, &other, &err), 0);
    put(st, "a1");
    put(st, "a2");
    /* Another connection holds an open write transaction: not in the copy. */
    CHECK_INT(kb_store_begin(other, &err), 0);
    put(other, "uncommitted");
    struct kb_backup_info info;
    CHECK_INT(kb_store_backup_dir(st, out, &info, &err), 0);
    kb_store_rollback(other);
    CHECK_INT(count(file), 2);
    CHECK(info.bytes > 0 && info.pages > 0 && info.outbox_seq >= 2);
    CHECK_INT(mode_of(out), 0700);
    CHECK_INT(mode_of(file), 0600);
    snprintf(side, sizeof side, "%s-wal", file);
    CHECK(access(side, F_OK) != 0); /* self-contained */
    /* Never over an existing backup. */
    CHECK_INT(kb_store_backup_dir(st, out, &info, &err), KB_EEXIST);
    CHECK_INT(count(file), 2);

    CHECK_INT(kb_store_restore(out, data, &err), 0);
    CHECK_INT(count(restored), 2);
    CHECK_INT(mode_of(data), 0700);
    CHECK_INT(mode_of(restored), 0600);
    CHECK_INT(kb_store_restore(out, data, &err), KB_EEXIST);
    CHECK_CONTAINS(err.msg, "already holds a store");
    kb_store_close(other);
    kb_store_close(st);
}

static void test_restore_refuses_bad_backups(void)
{
    char bad[200], file[260], data[200];
    struct kb_err err;
    snprintf(bad, sizeof bad, "%s/not-a-backup", dir);
    snprintf(data, sizeof data, "%s/r2", dir);
    CHECK_INT(kb_store_restore(bad, data, &err), KB_ENOTFOUND);
    mkdir(bad, 0700);
    snprintf(file, sizeof file, "%s/kb.sqlite3", bad);
    /* Another application's SQLite file. */
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(file, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE TABLE t (x); INSERT INTO t VALUES (1)", NULL, NULL, NULL),
              SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(kb_store_restore(bad, data, &err), KB_EFORMAT);
    snprintf(file, sizeof file, "%s/kb.sqlite3", data);
    CHECK(access(file, F_OK) != 0); /* nothing left behind */
    /* Not SQLite at all. */
    snprintf(file, sizeof file, "%s/kb.sqlite3", bad);
    FILE *f = fopen(file, "w");
    fputs("this is not a database, just some text that is long enough to look like one........"
          "..................................................................................",
          f);
    fclose(f);
    CHECK(kb_store_restore(bad, data, &err) != 0);
}

int main(void)
{
    kb_log_level = KB_LOG_ERROR;
    snprintf(dir, sizeof dir, "/tmp/kb-test-backup-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    test_backup_and_restore();
    test_restore_refuses_bad_backups();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_report("test_backup");
}
