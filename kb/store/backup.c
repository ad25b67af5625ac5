/* Online backup and restore of the store with SQLite's backup API.
 *
 * One sqlite3_backup_step(-1) copies every page inside one read transaction
 * on the source: in WAL mode that transaction sees exactly what was
 * committed when it began and blocks no writer, so the server keeps serving
 * and writing while the copy is made. Copying in slices instead would let
 * SQLite restart the copy whenever another connection commits, which under
 * a steady stream of writes may never end. */
#include "kb/store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kb/base/datadir.h"
#include "kb/base/log.h"
#include "kb/store/store_int.h"

#define BUSY_TRIES 200 /* x 25 ms: how long a backup waits for a lock */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Flushes a file or directory to disk; 0 or -1 with errno. */
static int sync_path(const char *path, int dir)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static void parent_of(const char *path, char *out, size_t n)
{
    snprintf(out, n, "%s", path);
    char *slash = strrchr(out, '/');
    if (!slash)
        snprintf(out, n, ".");
    else if (slash == out)
        out[1] = '\0';
    else
        *slash = '\0';
}

/* Creates path exclusively with mode 0600 (whatever the umask). */
static int create_file(const char *path, struct kb_err *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, KB_FILE_MODE);
    if (fd < 0)
        return kb_err_set(err, errno == EEXIST ? KB_EEXIST : KB_EIO, "cannot create '%s': %s",
                          path, strerror(errno));
    fchmod(fd, KB_FILE_MODE);
    close(fd);
    return 0;
}

static int db_fail(sqlite3 *db, int rc, struct kb_err *err, const char *what, const char *path)
{
    int code = store_code(rc);
    return kb_err_set(err, code ? code : KB_EINTERNAL, "%s '%s': %s", what, path,
                      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

/* Copies every page of src's main database into dst's, in one step. */
static int copy_pages(sqlite3 *dst, sqlite3 *src, const char *path, int64_t *pages,
                      struct kb_err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return db_fail(dst, sqlite3_errcode(dst), err, "cannot start a backup into", path);
    int rc, tries = 0;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        if (++tries > BUSY_TRIES)
            break;
        sqlite3_sleep(25);
    }
    if (pages)
        *pages = sqlite3_backup_pagecount(b);
    int frc = sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        return db_fail(dst, rc, err, "cannot copy the store into", path);
    if (frc != SQLITE_OK)
        return db_fail(dst, frc, err, "cannot finish the copy into", path);
    return 0;
}

static int64_t outbox_seq(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int64_t seq = 0;
    if (sqlite3_prepare_v2(db, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE "
                               "name = 'outbox'), 0)", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        seq = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return seq;
}

/* Copies src into a new file at path (created 0600 here) as a rollback-
 * journal database, synced with its directory. */
static int copy_to_new(sqlite3 *src, const char *path, int64_t *pages, int64_t *seq,
                       struct kb_err *err)
{
    int code = create_file(path, err);
    if (code)
        return code;
    sqlite3 *dst = NULL;
    int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        code = db_fail(dst, rc, err, "cannot open", path);
        goto out;
    }
    if ((code = copy_pages(dst, src, path, pages, err)))
        goto out;
    /* The pages say WAL, as the source's did: one self-contained file. */
    if ((rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL)) != SQLITE_OK) {
        code = db_fail(dst, rc, err, "cannot finish", path);
        goto out;
    }
    if (seq)
        *seq = outbox_seq(dst);
out:
    if (dst && sqlite3_close(dst) != SQLITE_OK && !code)
        code = db_fail(dst, SQLITE_BUSY, err, "cannot close", path);
    char dir[4096];
    parent_of(path, dir, sizeof dir);
    if (!code && (sync_path(path, 0) != 0 || sync_path(dir, 1) != 0))
        code = kb_err_set(err, KB_EIO, "cannot sync '%s': %s", path, strerror(errno));
    if (code) {
        unlink(path);
        char side[4200];
        snprintf(side, sizeof side, "%s-journal", path);
        unlink(side);
    }
    return code;
}

int kb_store_backup(struct kb_store *st, const char *path, struct kb_backup_info *info,
                    struct kb_err *err)
{
    double t0 = now_s();
    int64_t pages = 0, seq = 0;
    int code = copy_to_new(st->db, path, &pages, &seq, err);
    if (code)
        return code;
    if (info) {
        struct stat sb;
        info->bytes = stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
        info->pages = pages;
        info->outbox_seq = seq;
        info->seconds = now_s() - t0;
    }
    kb_log(KB_LOG_INFO, "store: backup of '%s' into '%s': %lld pages in %.2f s (change %lld)",
           st->path, path, (long long)pages, now_s() - t0, (long long)seq);
    return 0;
}

/* An empty directory (or a missing one) made ready with mode 0700. */
static int empty_dir(const char *dir, struct kb_err *err)
{
    if (mkdir(dir, KB_DIR_MODE) == 0)
        return 0;
    if (errno != EEXIST)
        return kb_err_set(err, KB_EIO, "cannot create '%s': %s", dir, strerror(errno));
    return kb_datadir_prepare(dir, 0, err);
}

int kb_store_backup_dir(struct kb_store *st, const char *dir, struct kb_backup_info *info,
                        struct kb_err *err)
{
    int code = empty_dir(dir, err);
    if (code)
        return code;
    char path[4200];
    snprintf(path, sizeof path, "%s/" KB_BACKUP_STORE_FILE, dir);
    return kb_store_backup(st, path, info, err);
}

/* SQLite's quick_check on the backup: "ok" or KB_ECORRUPT. */
static int check_backup(sqlite3 *db, const char *path, struct kb_err *err)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL);
    int code = 0;
    if (rc != SQLITE_OK)
        return db_fail(db, rc, err, "cannot read backup", path);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW)
        code = db_fail(db, rc, err, "cannot check backup", path);
    else if (strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0)
        code = kb_err_set(err, KB_ECORRUPT, "backup '%s' is damaged: %.200s", path,
                          (const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    return code;
}

int kb_store_restore(const char *backup_dir, const char *data_dir, struct kb_err *err)
{
    char src_path[4200], dst_path[4200];
    snprintf(src_path, sizeof src_path, "%s/" KB_BACKUP_STORE_FILE, backup_dir);
    snprintf(dst_path, sizeof dst_path, "%s/" KB_BACKUP_STORE_FILE, data_dir);
    if (access(src_path, R_OK) != 0)
        return kb_err_set(err, KB_ENOTFOUND, "no backup in '%s': cannot read '%s': %s",
                          backup_dir, src_path, strerror(errno));
    int code = kb_datadir_prepare(data_dir, 1, err);
    if (code)
        return code;
    if (access(dst_path, F_OK) == 0)
        return kb_err_set(err, KB_EEXIST, "data directory '%s' already holds a store: restore "
                          "into a new directory", data_dir);
    sqlite3 *src = NULL;
    int rc = sqlite3_open_v2(src_path, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        code = db_fail(src, rc, err, "cannot open backup", src_path);
    else
        code = check_backup(src, src_path, err);
    if (!code)
        code = copy_to_new(src, dst_path, NULL, NULL, err);
    sqlite3_close(src);
    if (code)
        return code;
    /* Open it as a store: refuses what is not a kb store, migrates an older one. */
    struct kb_store *st = NULL;
    if ((code = kb_store_open(dst_path, &st, err)) != 0) {
        unlink(dst_path);
        return code;
    }
    kb_store_close(st);
    return 0;
}
