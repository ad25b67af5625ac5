/* `kb-server --data DIR backup OUTDIR` and `kb-server restore BACKUPDIR
 * --data NEWDIR`: the store's online backup (while a server keeps serving
 * the same directory) and bringing a data directory back from one, with the
 * index rebuilt from the restored store. */
#include <stdio.h>
#include <string.h>

#include "kb/base/datadir.h"
#include "kb/store/backup.h"
#include "kb/sync/sync.h"
#include "srv.h"

static int is_help(const char *a)
{
    return strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0;
}

int srv_cli_backup(const char *data, int argc, char **argv)
{
    if (argc != 2 || is_help(argv[1])) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: kb-server [--data DIR] backup OUTDIR\n\n"
                "Writes a consistent copy of DIR/kb.sqlite3 into OUTDIR/kb.sqlite3 (OUTDIR is\n"
                "created 0700, or must be empty) while kb-server keeps serving DIR. The index\n"
                "is not copied: 'kb-server restore' rebuilds it from the store.\n");
        return argc == 2 ? 0 : 2;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/" KB_BACKUP_STORE_FILE, data);
    struct kb_err err = {0, ""};
    struct kb_store *st = NULL;
    struct kb_backup_info info;
    if (kb_datadir_prepare(data, 0, &err) != 0 || kb_store_open(path, &st, &err) != 0 ||
        kb_store_backup_dir(st, argv[1], &info, &err) != 0) {
        fprintf(stderr, "kb-server backup: %s\n", err.msg);
        kb_store_close(st);
        return 1;
    }
    kb_store_close(st);
    printf("backed up '%s' into '%s': %.1f MB in %.2f s, up to change %lld\n", path, argv[1],
           (double)info.bytes / 1e6, info.seconds, (long long)info.outbox_seq);
    return 0;
}

int srv_cli_restore(const char *data, int argc, char **argv)
{
    const char *from = NULL;
    for (int i = 1; i < argc; i++) {
        if (is_help(argv[i])) {
            printf("usage: kb-server restore BACKUPDIR --data NEWDIR\n\n"
                   "Brings a data directory back from a backup made by 'kb-server backup' or\n"
                   "POST /api/v1/admin/backup: checks it, copies the store into NEWDIR (created\n"
                   "0700; it must not hold a store yet) and rebuilds the index from it.\n");
            return 0;
        } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (!from && argv[i][0] != '-') {
            from = argv[i];
        } else {
            fprintf(stderr, "kb-server restore: unexpected '%s'\n"
                            "usage: kb-server restore BACKUPDIR --data NEWDIR\n", argv[i]);
            return 2;
        }
    }
    if (!from || !data) {
        fprintf(stderr, "usage: kb-server restore BACKUPDIR --data NEWDIR\n");
        return 2;
    }
    struct kb_err err = {0, ""};
    if (kb_store_restore(from, data, &err) != 0) {
        fprintf(stderr, "kb-server restore: %s\n", err.msg);
        return 1;
    }
    char path[4200], index[4200];
    snprintf(path, sizeof path, "%s/" KB_BACKUP_STORE_FILE, data);
    snprintf(index, sizeof index, "%s/index", data);
    struct kb_store *st = NULL;
    size_t n = 0;
    if (kb_store_open(path, &st, &err) != 0 || kb_sync_rebuild(st, index, NULL, &n, &err) != 0) {
        fprintf(stderr, "kb-server restore: the store is back in '%s' but the index is not: %s "
                        "(run 'kb-indexer --data %s rebuild')\n", path, err.msg, data);
        kb_store_close(st);
        return 1;
    }
    kb_store_close(st);
    printf("restored '%s' into '%s': store checked, index rebuilt (%zu documents)\n", from, data,
           n);
    return 0;
}
