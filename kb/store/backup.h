/* Online backup and restore of the store: a consistent copy of the whole
 * SQLite database taken with SQLite's backup API while other connections
 * keep reading and writing (WAL), and the copy brought back as a new store. */
#ifndef KB_BACKUP_H
#define KB_BACKUP_H

#include <stdint.h>

#include "kb/base/err.h"
#include "kb/store/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The store file's name inside a backup directory and a data directory. */
#define KB_BACKUP_STORE_FILE "kb.sqlite3"

struct kb_backup_info {
    int64_t bytes;      /* size of the copy */
    int64_t pages;      /* database pages copied */
    int64_t outbox_seq; /* the last change the copy holds */
    double seconds;     /* how long the copy took */
};

/* Copies st's database into a new file at path (mode 0600; it must not
 * exist) with sqlite3_backup_*, in one pass inside one read transaction, so
 * the copy holds exactly what was committed when it began; writers go on
 * meanwhile. The copy is a plain rollback-journal file, synced to disk.
 * info (optional) is filled. On failure the partial file is removed. */
int kb_store_backup(struct kb_store *st, const char *path, struct kb_backup_info *info,
                    struct kb_err *err);

/* Makes dir a backup of st: creates it (mode 0700; an existing empty dir
 * is accepted) and writes dir/kb.sqlite3 with kb_store_backup. */
int kb_store_backup_dir(struct kb_store *st, const char *dir, struct kb_backup_info *info,
                        struct kb_err *err);

/* Checks the backup in backup_dir (SQLite's quick_check, and that it is a
 * kb store) and copies it to data_dir/kb.sqlite3 (0600); data_dir is
 * created 0700 and must not hold a store yet. The index is not part of a
 * backup: the caller rebuilds it from the restored store. */
int kb_store_restore(const char *backup_dir, const char *data_dir, struct kb_err *err);

#ifdef __cplusplus
}
#endif
#endif
